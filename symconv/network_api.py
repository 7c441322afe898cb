"""``symconv.network_of``: ``symconv network`` as a Python API.

    import symconv

    net = symconv.network_of(model)            # an nn.Module, or "pkg.module:make", or a spec
    (224, 224) in net.valid, 224 in net        # V, proved; an int is the square size
    net.nearest(100)                           # (96, 112): the valid sizes around 100
    [a.size for a in net.sizes(1, 64) if a.valid]
    net.output((224, 224)), net.outputs        # the sizes there; the closed forms as text
    print(net.why(15))                         # the first layer refusing it, PyTorch's message

(The name ``symconv.network`` is the package of the network analysis, hence ``network_of``.)
A PyTorch model (an ``nn.Module``, put in ``eval()`` mode, or a ``SOURCE:CALLABLE`` target that
is imported and run, as ``--torch`` does) is read through PyTorch's own symbolic shapes
(:mod:`symconv.network.traced`, every path explored); a spec file (``.toml``/``.json``) or an
ONNX model through the same front-ends as the CLI. Torch is imported only for a torch model.
Bad input raises :class:`symconv.errors.UsageError` (a ValueError) with the CLI's message.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symconv.errors import UsageError, timeout_seconds
from symconv.network.frontends.workers import MAX_JOBS

if TYPE_CHECKING:
    from symconv.network.study import Study
    from symconv.network.traced import TracedStudy

__all__ = ["NetworkAnswer", "NetworkResult", "ValidSizes", "network_of"]

SizeLike = int | Sequence[int]


@dataclass(frozen=True, slots=True)
class NetworkAnswer:
    """One input: valid or not, each output's sizes there (PyTorch: the whole shape, batch and
    channels first; a spec or ONNX model: the spatial sizes, ``None`` once flattened), or the
    first layer refusing it with the framework's message."""

    point: tuple[int, ...]
    valid: bool
    outputs: tuple[tuple[int, ...] | None, ...]
    refused_by: tuple[str, str] | None  # (layer, message)

    @property
    def size(self) -> int:
        return self.point[0]


@dataclass(frozen=True, slots=True)
class ValidSizes:
    """V, the valid input sizes: ``(h, w) in valid``; an int n stands for the square (n, …, n)
    (with the ``width`` given to :func:`network_of`, the last axis is held there)."""

    result: NetworkResult

    def __contains__(self, size: object) -> bool:
        return self.result.answer(_size_like(size)).valid

    def text(self) -> str:
        return self.result.study.valid.text()

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True, slots=True)
class NetworkResult:
    name: str
    axes: tuple[str, ...]
    width: int | None
    study: TracedStudy | Study

    @property
    def traced(self) -> bool:
        from symconv.network.traced import TracedStudy

        return isinstance(self.study, TracedStudy)

    @property
    def status(self) -> str:
        """The most severe verdict of the proofs behind V and the closed forms."""
        return self.study.status.value

    @property
    def ok(self) -> bool:
        return self.status == "proved"

    @property
    def valid(self) -> ValidSizes:
        return ValidSizes(self)

    def __contains__(self, size: object) -> bool:
        return _size_like(size) in self.valid

    def point(self, size: SizeLike) -> tuple[int, ...]:
        if isinstance(size, bool) or not isinstance(size, int | tuple | list):
            raise UsageError(f"size must be an int or one int per axis ({', '.join(self.axes)})"
                             f", got {size!r}")
        if isinstance(size, int):
            point: tuple[int, ...] = (size,) * len(self.axes)
            if self.width is not None:
                point = (*point[:-1], self.width)
        else:
            point = tuple(size)
            if len(point) != len(self.axes) or any(
                    isinstance(x, bool) or not isinstance(x, int) for x in point):
                raise UsageError(f"size needs {len(self.axes)} ints ({', '.join(self.axes)}), "
                                 f"got {size!r}")
        if any(x < 1 for x in point):
            raise UsageError(f"sizes must be >= 1, got {point}")
        return point

    def answer(self, size: SizeLike) -> NetworkAnswer:
        point = self.point(size)
        if self.traced:
            return _traced_answer(self.study, point)  # type: ignore[arg-type]
        return _static_answer(self.study, point)  # type: ignore[arg-type]

    def output(self, size: SizeLike) -> tuple[tuple[int, ...] | None, ...]:
        """Every output's sizes at ``size``; ValueError naming the refusing layer if invalid."""
        got = self.answer(size)
        if not got.valid:
            layer, message = got.refused_by or ("", "")
            raise ValueError(f"{'×'.join(map(str, got.point))} is not valid: {layer} refuses "
                             f"it: {message}")
        return got.outputs

    def sizes(self, low: int, high: int) -> Iterator[NetworkAnswer]:
        """The answers for the square sizes low..high (the last axis at ``width`` if given)."""
        for n in range(low, high + 1):
            yield self.answer(n)

    def nearest(self, n: int) -> tuple[int | None, int | None]:
        """The largest valid square size ≤ n and the smallest ≥ n (n itself twice when valid;
        None where there is none within reach)."""
        self.point(n)
        if self.traced:
            st: Any = self.study
            return (st.next_valid(n, self.width, step=-1), st.next_valid(n, self.width))
        from symconv.network.queries import next_valid, prev_valid

        return (prev_valid(self.study, n, self.width),  # type: ignore[arg-type]
                next_valid(self.study, n, self.width))  # type: ignore[arg-type]

    @property
    def outputs(self) -> tuple[str, ...]:
        """The outputs' closed forms on V, as text."""
        if self.traced:
            from symconv.network.traced import output_forms

            return tuple(text for text, _ in output_forms(self.study))  # type: ignore[arg-type]
        from symconv.network.render import _output_text

        st: Any = self.study
        return tuple(f"{o.node.name}: {_output_text(o, st.analysis.axes)}"
                     for o in st.analysis.outputs)

    def why(self, n: int) -> str:
        """Why size n is refused (the first refusing layer, its source line and the framework's
        message), or that it is valid with its outputs."""
        self.point(n)
        if self.traced:
            from symconv.network.traced import why_lines

            return "\n".join(why_lines(self.study, n, self.width))  # type: ignore[arg-type]
        from symconv.network.render import why_lines as static_why

        return "\n".join(static_why(self.study, n, self.width))  # type: ignore[arg-type]

    def text(self) -> str:
        """What ``symconv network`` prints."""
        if self.traced:
            from symconv.network.traced import text_report

            return text_report(self.study)  # type: ignore[arg-type]
        from symconv.network.render import Options, text_report as static_text

        return static_text(self.study, Options())  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        """What ``symconv network --json`` prints."""
        if self.traced:
            from symconv.network.traced import json_report

            return json_report(self.study)  # type: ignore[arg-type]
        from symconv.network.render import Options, json_report as static_json

        return static_json(self.study, Options())  # type: ignore[arg-type]


def _size_like(size: object) -> SizeLike:
    if isinstance(size, int | tuple | list):
        return size
    raise UsageError(f"a size is an int or a tuple of ints, got {size!r}")


def _traced_answer(st: TracedStudy, point: tuple[int, ...]) -> NetworkAnswer:
    if st.exploration.region_at(point) is None:
        raise UsageError(f"size {'×'.join(map(str, point))} is on no path explored (coverage "
                         f"{st.exploration.coverage.status.value})")
    got = st.answer_at(point)  # a refusal: PyTorch's message at these sizes
    return NetworkAnswer(point, got.valid, got.outputs, got.refused_by)


def _static_answer(st: Study, point: tuple[int, ...]) -> NetworkAnswer:
    from symconv.network import terms as T

    from symconv.network.ortrun import attribution

    analysis = st.analysis
    env = analysis.point(point)
    refusal = attribution(analysis, env)
    if refusal is not None:
        return NetworkAnswer(point, False, (), (refusal.layer, refusal.message))
    memo: dict[int, T.Value] = {}
    outs = tuple(None if layer.shape.sizes is None
                 else tuple(T.value(s, env, memo) for s in layer.shape.sizes)
                 for layer in analysis.outputs)
    return NetworkAnswer(point, True, outs, None)


def _torch_module(model: object) -> bool:
    torch = sys.modules.get("torch")  # an nn.Module exists only once torch is imported
    return torch is not None and isinstance(model, torch.nn.Module)


def network_of(model: object, *, kwargs: Mapping[str, object] | None = None,
               channels: int = 3, rank: int | None = None, width: int | None = None,
               name: str | None = None, max_paths: int = 400, max_seconds: float = 600.0,
               timeout: float = 10.0, jobs: int | None = None) -> NetworkResult:
    """Study a network: ``model`` is an ``nn.Module`` (put in eval mode), a ``SOURCE:CALLABLE``
    target building one (``"torchvision.models:resnet18"`` with ``kwargs={"weights": None}``;
    this imports and runs SOURCE), or the path of a spec (``.toml``/``.json``) or ONNX model.
    ``channels``/``rank`` as ``--channels``/``--rank``; ``width`` holds the last axis for the
    square queries (``in`` with an int, ``nearest``, ``sizes``, ``why``) and, as ``--width``
    does, has a PyTorch model explored on that line only. ``jobs`` as ``--jobs``: paths traced
    at once in forked processes (default: the cores available, at most 4; 1: in this
    process)."""
    timeout = timeout_seconds(timeout)
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
        raise UsageError(f"max_paths must be an int >= 1, got {max_paths!r}")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int)
                             or not 1 <= jobs <= MAX_JOBS):
        raise UsageError(f"jobs must be an int in 1..{MAX_JOBS}, got {jobs!r}")
    if width is not None and (isinstance(width, bool) or not isinstance(width, int)
                              or width < 1):
        raise UsageError(f"width must be an int >= 1, got {width!r}")
    spec = _spec_path(model)
    if spec is not None:
        if kwargs is not None or channels != 3 or rank is not None:
            raise UsageError("kwargs, channels and rank go with a PyTorch model (a spec file or "
                             "an ONNX model states its own input)")
        return _static(spec, width, timeout)
    if isinstance(model, str):
        from symconv.commands.network import _frontend

        frontend = _frontend("torch_frontend", "torch", "a SOURCE:CALLABLE target")
        frontend.check_options(channels, rank)
        built = frontend.build_model(model, kwargs)
        label = name or model.rpartition(":")[2]
    elif _torch_module(model):
        if kwargs is not None:
            raise UsageError("kwargs go with a SOURCE:CALLABLE target (the model is built)")
        from symconv.network.frontends.torch_frontend import check_options

        check_options(channels, rank)
        built = model.eval()  # type: ignore[attr-defined]
        label = name or type(model).__name__
    else:
        raise UsageError("model must be a torch.nn.Module, a 'SOURCE:CALLABLE' target or the "
                         f"path of a .toml/.json spec or an .onnx model, got "
                         f"{type(model).__name__}")
    from symconv.network.traced import study_model

    st = study_model(built, name=label, channels=channels, rank=rank, width=width,
                     max_paths=max_paths, max_seconds=max_seconds, timeout=timeout, jobs=jobs)
    return NetworkResult(label, st.axes, width, st)


def _spec_path(model: object) -> Path | None:
    if isinstance(model, Path):
        return model
    if isinstance(model, str) and model.lower().endswith((".toml", ".json", ".onnx")):
        return Path(model)
    return None


def _static(path: Path, width: int | None, timeout: float) -> NetworkResult:
    import argparse

    from symconv.commands.network import load
    from symconv.network.study import study

    args = argparse.Namespace(torch=None, source=str(path))
    network = load(args)
    st = study(network, timeout=timeout)
    return NetworkResult(network.name, tuple(st.analysis.axes), width, st)
