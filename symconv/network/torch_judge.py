"""The ground truth for network arithmetic: run the real model in PyTorch at each input size and
record whether it runs, the output's spatial sizes, or which layer refused and PyTorch's message.

The model runs on the ``meta`` device (shapes without arithmetic, so any size costs the same).
The meta kernels are not PyTorch's CPU kernels, and they differ at the edges: a transposed
convolution to size 0, or a convolution of an empty input, runs on meta and is refused on CPU;
an ``add`` that cannot broadcast is worded differently. So every torch call goes through a
:class:`~torch.overrides.TorchFunctionMode` that re-runs the call on CPU tensors of the same
shapes (uninitialised, so free) whenever meta refuses it or any tensor involved is empty, and
takes the CPU's verdict; refusal messages are always the CPU's. ``observe_cpu`` runs the whole
model on real CPU tensors, for tests that hold the meta judge to it.

This module imports torch and builds (runs) the user's model: tests and benchmarks only.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from symconv.network.frontends.torch_frontend import build_model


@dataclass(frozen=True, slots=True)
class Observation:
    """What PyTorch did with input size ``size`` (every spatial axis, or all but the last when
    ``width`` holds the last one)."""

    size: int
    width: int | None
    valid: bool
    outputs: tuple[tuple[int, ...], ...]  # spatial sizes of each output tensor ((): flattened)
    layer: str | None = None  # module path running when PyTorch refused ("": the model's own)
    op: str | None = None  # the torch function that refused (None: Python code raised)
    message: str | None = None  # PyTorch's message, from CPU tensors
    meta_message: str | None = None  # the meta device's message where it refused
    corrected: bool = False  # the CPU overruled the meta device somewhere in this run

    @property
    def output(self) -> tuple[int, ...]:
        return self.outputs[0] if self.outputs else ()


class Refusal(Exception):
    def __init__(self, layer: str, op: str | None, message: str, meta_message: str | None):
        super().__init__(message)
        self.layer, self.op, self.message, self.meta_message = layer, op, message, meta_message


def _name(func: Any) -> str:
    return str(getattr(func, "__name__", None) or func)


def _tensors(value: Any) -> list[Any]:
    out: list[Any] = []
    torch.utils._pytree.tree_map(lambda v: out.append(v) if isinstance(v, torch.Tensor) else v,
                                 value)
    return out


def _to_cpu(value: Any) -> Any:
    def convert(v: Any) -> Any:
        if isinstance(v, torch.Tensor) and v.device.type == "meta":
            return torch.empty(tuple(v.shape), dtype=v.dtype, device="cpu")
        return v
    return torch.utils._pytree.tree_map(convert, value)


def _to_meta(value: Any) -> Any:
    def convert(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            return torch.empty(tuple(v.shape), dtype=v.dtype, device="meta")
        return v
    return torch.utils._pytree.tree_map(convert, value)


class _Referee(TorchFunctionMode):  # type: ignore[misc]  # torch is not followed by mypy
    """Runs each torch call on meta; re-runs it on CPU where meta refuses or a tensor is empty."""

    def __init__(self, stack: list[str]) -> None:
        super().__init__()
        self.stack = stack
        self.corrected = False

    def __torch_function__(self, func: Any, types: Any, args: Any = (),
                           kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        try:
            out = func(*args, **kwargs)
        except Exception as exc:  # any refusal of any op
            return self._on_cpu(func, args, kwargs, meta_error=exc)
        if any(t.numel() == 0 for t in _tensors((args, kwargs, out))):
            return self._on_cpu(func, args, kwargs, meta_out=out)
        return out

    def _on_cpu(self, func: Any, args: Any, kwargs: Any, meta_error: Exception | None = None,
                meta_out: Any = None) -> Any:
        layer = self.stack[-1] if self.stack else ""
        meta_message = None if meta_error is None else str(meta_error)
        try:
            cpu_args, cpu_kwargs = _to_cpu((args, kwargs))
            cpu_out = func(*cpu_args, **cpu_kwargs)
        except Exception as exc:
            if meta_error is None:
                self.corrected = True
            raise Refusal(layer, _name(func), str(exc), meta_message) from exc
        shapes = [tuple(t.shape) for t in _tensors(cpu_out)]
        if meta_error is not None or shapes != [tuple(t.shape) for t in _tensors(meta_out)]:
            self.corrected = True
            return _to_meta(cpu_out)
        return meta_out


def _outputs(value: Any) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(n) for n in t.shape[2:]) for t in _tensors(value))


def _input_shape(channels: int, rank: int, size: int, width: int | None) -> tuple[int, ...]:
    spatial = [size] * rank
    if width is not None:
        spatial[-1] = width
    return (1, channels, *spatial)


def _track(model: Any) -> list[str]:
    """Module paths entered and not yet left; a refusal leaves the innermost on top."""
    stack: list[str] = []

    def leave(_module: Any, _args: Any, _out: Any) -> None:
        stack.pop()  # a forward hook's return value would replace the module's output

    for name, module in model.named_modules():
        module.register_forward_pre_hook(lambda _m, _a, n=name: stack.append(n))
        module.register_forward_hook(leave)
    return stack


def observe(model: Any, stack: list[str], channels: int, rank: int, size: int,
            width: int | None = None) -> Observation:
    """One run of ``model`` (on meta, hooked by :func:`_track`) at one input size."""
    stack.clear()
    referee = _Referee(stack)
    x = torch.empty(_input_shape(channels, rank, size, width), device="meta")
    try:
        with torch.inference_mode(), referee:
            out = model(x)
    except Refusal as r:
        return Observation(size, width, False, (), r.layer, r.op, r.message, r.meta_message,
                           referee.corrected)
    except Exception as exc:  # the model's own Python code refused
        return Observation(size, width, False, (), stack[-1] if stack else "", None, str(exc),
                           None, referee.corrected)
    return Observation(size, width, True, _outputs(out), corrected=referee.corrected)


def observe_cpu(target: str, sizes: Sequence[int], *, kwargs: Mapping[str, object] | None = None,
                channels: int = 3, rank: int = 2, width: int | None = None
                ) -> list[Observation]:
    """The model run on real CPU tensors (zeros in, uninitialised weights: only shapes matter)
    by PyTorch's CPU kernels: no meta, no referee."""
    torch.set_num_threads(1)
    model = build_model(target, kwargs, device="meta").to_empty(device="cpu")
    stack = _track(model)
    return [observe_real(model, stack, channels, rank, size, width) for size in sizes]


def observe_real(model: Any, stack: list[str], channels: int, rank: int, size: int,
                 width: int | None = None) -> Observation:
    """One run of ``model`` (on the CPU, hooked by :func:`_track`) at one input size."""
    stack.clear()
    x = torch.zeros(_input_shape(channels, rank, size, width))
    try:
        with torch.inference_mode():
            y = model(x)
    except Exception as exc:  # whatever PyTorch raises is the observation
        return Observation(size, width, False, (), stack[-1] if stack else "", None, str(exc))
    return Observation(size, width, True, _outputs(y))


_MODELS: dict[tuple[str, str, str], tuple[Any, list[str]]] = {}


def _model(target: str, kwargs: str, device: str = "meta") -> tuple[Any, list[str]]:
    """This process's build of the model on ``device`` (built once per process)."""
    key = (target, kwargs, device)
    if key not in _MODELS:
        torch.set_num_threads(1)
        model = build_model(target, json.loads(kwargs), device="meta")
        if device != "meta":
            model = model.to_empty(device=device)
        _MODELS[key] = model, _track(model)
    return _MODELS[key]


def _run(target: str, kwargs: str, channels: int, rank: int, width: int | None,
         sizes: Sequence[int], cpu_below: int = 0) -> list[Observation]:
    out = []
    for size in sizes:
        if max(size, width or 0) < cpu_below:
            out.append(observe_real(*_model(target, kwargs, "cpu"), channels, rank, size, width))
        else:
            out.append(observe(*_model(target, kwargs), channels, rank, size, width))
    return out


class Judge:
    """Runs models at many sizes over ``jobs`` worker processes (each builds a model once and
    keeps it, so one judge serves many models and calls). ``jobs=1`` runs in this process."""

    def __init__(self, jobs: int = 2) -> None:
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None
        if jobs > 1:
            self._pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __call__(self, target: str, sizes: Sequence[int], *,
                 kwargs: Mapping[str, object] | None = None, channels: int = 3, rank: int = 2,
                 width: int | None = None, cpu_below: int = 0) -> list[Observation]:
        """PyTorch's verdict at every size in ``sizes``, in that order. Inputs whose every
        spatial size is below ``cpu_below`` run on real CPU tensors (:func:`observe_real`): for
        a small input PyTorch's CPU kernels are cheaper than the meta device's Python
        decompositions (batch norm, hardtanh: 0.2–0.5 s a run of a torchvision model)."""
        sizes = list(sizes)
        key = json.dumps(dict(kwargs or {}), sort_keys=True)
        if self._pool is None or len(sizes) < 2:
            return _run(target, key, channels, rank, width, sizes, cpu_below)
        count = min(len(sizes), self.jobs * 4)
        chunks = [sizes[j::count] for j in range(count)]
        futures = [self._pool.submit(_run, target, key, channels, rank, width, chunk, cpu_below)
                   for chunk in chunks]
        by_size = {o.size: o for f in futures for o in f.result()}
        return [by_size[size] for size in sizes]


def judge(target: str, sizes: Sequence[int], *, kwargs: Mapping[str, object] | None = None,
          channels: int = 3, rank: int = 2, width: int | None = None, jobs: int = 2
          ) -> list[Observation]:
    """PyTorch's verdict at every size in ``sizes`` (in that order), over ``jobs`` processes."""
    with Judge(jobs) as run:
        return run(target, sizes, kwargs=kwargs, channels=channels, rank=rank, width=width)
