"""PyTorch front-end: build the user's model, trace it with ``torch.fx``, map it to the IR.

This module runs the user's code: it imports SOURCE and calls CALLABLE to build the model (on the
``meta`` device where the constructor allows it, so no weights are allocated or initialised). It
never runs the model's forward: ``torch.fx`` symbolic tracing records the forward as a graph of
calls, with every size the forward computes (``x.size(2)``, ``(a - b) // 2``) as a graph node of
its own, and the mapping (``torch_ops``) turns that into IR nodes with per-axis expressions over
:func:`~symconv.network.ir.size_symbol`.

Why ``torch.fx`` rather than ``torch.export``: export specialises every size it is not told is
dynamic, and with a dynamic height it stops at the first guard it cannot prove (a U-Net's skip
connections, a ``Linear`` after ``flatten``): the sizes symconv analyses are exactly the ones
export gives up on. Symbolic tracing keeps module structure (each layer's module path and
parameters, read off the module), records size arithmetic as data and runs no kernel.

torch is imported only by this module and its mapping (``torch_ops``, ``torch_layers``,
``torch_tensorops``) and by the judge (``torch_judge``, for tests and benchmarks); the rest of
symconv never imports it.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from symconv.errors import path_kind
from symconv.network.ir import Network, NetworkError

# torch.library.Library objects must stay alive: dropping one removes its definitions
_KEEP_ALIVE: list[Any] = []


def _torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise NetworkError("--torch needs PyTorch: pip install 'symconv[torch]' "
                           "(torch==2.13.0, torchvision==0.28.0)") from None


def load_torch(target: str, *, kwargs: Mapping[str, object] | None = None, channels: int = 3,
               rank: int | None = None) -> Network:
    """The IR of the model ``target`` (``module.path:callable`` or ``path/file.py:callable``)
    builds with ``kwargs``, for a batch-1 input of ``channels`` channels in ``eval()`` mode.

    ``rank`` is the number of spatial axes of the input (2 for images); by default it is read
    off the first layer that fixes it (``Conv2d``, ``max_pool1d``, ``BatchNorm3d``, …).
    Raises :class:`NetworkError` for anything that cannot be built, traced or mapped.
    """
    check_options(channels, rank)
    model = build_model(target, kwargs)
    return from_module(model, name=target.rpartition(":")[2], channels=channels, rank=rank,
                       target=target)


def from_module(model: Any, *, name: str | None = None, channels: int = 3,
                rank: int | None = None, target: str = "") -> Network:
    """The IR of an ``nn.Module`` already built (traced in whatever mode it is in)."""
    from symconv.network import torch_ops

    check_options(channels, rank)
    graph = trace(model, target or type(model).__name__)
    return torch_ops.to_network(model, graph, name=name or type(model).__name__,
                                channels=channels, rank=rank)


def check_options(channels: int, rank: int | None) -> None:
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise NetworkError(f"channels must be an integer >= 1, got {channels!r}")
    if rank is not None and (isinstance(rank, bool) or rank not in (1, 2, 3)):
        raise NetworkError(f"rank (spatial axes) must be 1, 2 or 3, got {rank!r}")


def build_model(target: str, kwargs: Mapping[str, object] | None = None, *,
                device: str = "meta") -> Any:
    """Import SOURCE, call CALLABLE(**kwargs) under ``torch.device(device)`` (falling back to
    the CPU when the constructor needs real tensors), and return the module in ``eval()`` mode.
    """
    torch = _torch()
    source, sep, attr = target.rpartition(":")
    if not sep or not source or not attr:
        raise NetworkError("--torch: expected SOURCE:CALLABLE (a module such as "
                           "torchvision.models or a file such as models/unet.py, a colon, and "
                           f"the callable that returns the nn.Module), got {target!r}")
    if kwargs is not None and (not isinstance(kwargs, Mapping)
                               or not all(isinstance(k, str) for k in kwargs)):
        raise NetworkError(f"--kwargs must be a JSON object, got {kwargs!r}")
    module = _import_source(source)
    ctor: Any = module
    for part in attr.split("."):
        if not hasattr(ctor, part):
            raise NetworkError(f"--torch {target}: {source} has no attribute {attr!r}")
        ctor = getattr(ctor, part)
    if not callable(ctor):
        raise NetworkError(f"--torch {target}: {attr} is not callable")
    model = _construct(torch, ctor, dict(kwargs or {}), target, device)
    if not isinstance(model, torch.nn.Module):
        raise NetworkError(f"--torch {target}: {attr}(...) returned a "
                           f"{type(model).__name__}, not a torch.nn.Module")
    return model.eval()


def _construct(torch: Any, ctor: Any, kwargs: dict[str, object], target: str,
               device: str) -> Any:
    if device != "cpu":
        try:
            with torch.device(device):
                return ctor(**kwargs)
        except Exception:  # a constructor that needs real tensors: build on the CPU
            pass
    try:
        return ctor(**kwargs).to(device)
    except Exception as exc:  # the user's constructor may raise anything
        raise NetworkError(f"--torch {target}: building the model failed: "
                           f"{type(exc).__name__}: {exc}") from None


def _import_source(source: str) -> Any:
    is_path = source.endswith(".py") or "/" in source or os.sep in source
    for attempt in (1, 2):
        try:
            return _load_file(source) if is_path else importlib.import_module(source)
        except RuntimeError as exc:
            if attempt == 1 and "torchvision::" in str(exc) and _torchvision_workaround():
                continue
            raise NetworkError(f"--torch: importing {source} failed: RuntimeError: {exc}") \
                from None
        except NetworkError:
            raise
        except ModuleNotFoundError as exc:
            raise NetworkError(f"--torch: cannot import {source}: {exc}") from None
        except BaseException as exc:  # the user's module may raise anything
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise NetworkError(f"--torch: importing {source} failed: "
                               f"{type(exc).__name__}: {exc}") from None
    raise AssertionError("unreachable")


def _torchvision_workaround() -> bool:
    """The torchvision 0.28 wheel pip finds is a CUDA build whose C extension does not load next
    to the CPU torch; its import then fails registering fake kernels for ``torchvision::nms`` and
    ``::qnms``. Defining their schemas first lets the pure-Python models import (none of the
    classification or segmentation models calls a C++ op). Returns whether it applied."""
    torch = _torch()
    if hasattr(torch.ops.torchvision, "nms"):
        return False
    lib = torch.library.Library("torchvision", "DEF")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor qdets, Tensor qscores, float iou_threshold) -> Tensor")
    _KEEP_ALIVE.append(lib)
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    return True


def import_torchvision() -> Any:
    """``torchvision``, with the workaround above where this install needs it."""
    return _import_source("torchvision")


def _load_file(source: str) -> Any:
    path = Path(source).expanduser()
    if path_kind(path, "--torch") != "file":
        raise NetworkError(f"--torch: no such file: {source}")
    path = path.resolve()
    name = "symconv_user_" + "".join(c if c.isalnum() else "_" for c in str(path))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise NetworkError(f"--torch: cannot load {source} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    with _on_path(str(path.parent)):
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return module


@contextmanager
def _on_path(directory: str) -> Iterator[None]:
    """The model file's directory on sys.path while it is imported (for sibling imports)."""
    sys.path.insert(0, directory)
    try:
        yield
    finally:
        if directory in sys.path:
            sys.path.remove(directory)


def trace(model: Any, target: str = "") -> Any:
    """The ``torch.fx`` graph of ``model.forward`` with module paths and source lines recorded.
    Parameters of forward after the input are fixed to their defaults."""
    torch = _torch()
    concrete = _concrete_args(model, target)
    tracer = torch.fx.Tracer()
    tracer.record_stack_traces = True
    try:
        return tracer.trace(model, concrete_args=concrete or None)
    except Exception as exc:  # fx raises TraceError, TypeError, AttributeError, ...
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise NetworkError(
            f"--torch {target}: torch.fx cannot trace the model's forward: "
            f"{type(exc).__name__}: {detail} (symconv records the forward as a graph: a branch "
            "or loop on tensor sizes or values cannot be recorded)") from None


def _concrete_args(model: Any, target: str) -> dict[str, object]:
    try:
        params = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return {}
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not positional:
        raise NetworkError(f"--torch {target}: the model's forward takes no input tensor")
    concrete: dict[str, object] = {}
    for p in params:
        if p is positional[0] or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is p.empty:
            raise NetworkError(f"--torch {target}: the model's forward takes a second input "
                               f"{p.name!r}; symconv analyses models of one input tensor")
        concrete[p.name] = p.default
    return concrete


def source_line(stack_trace: str | None) -> str:
    """``file.py:42`` of the innermost frame outside torch in an fx node's stack trace."""
    if not stack_trace:
        return ""
    torch_dir = str(Path(_torch().__file__).parent) + os.sep
    best = ""
    for filename, lineno in _frames(stack_trace):
        if not filename.startswith(torch_dir):
            best = f"{short_path(filename)}:{lineno}"
    return best


def _frames(stack_trace: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for line in stack_trace.splitlines():
        line = line.strip()
        if line.startswith('File "'):
            filename, _, rest = line[len('File "'):].partition('", line ')
            number = rest.partition(", in ")[0]
            if number.isdigit():
                out.append((filename, int(number)))
    return out


def short_path(filename: str) -> str:
    """A file as the user knows it: inside site-packages from there, else relative to here."""
    marker = f"{os.sep}site-packages{os.sep}"
    if marker in filename:
        return filename.split(marker, 1)[1]
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if relative.startswith("..") else relative
