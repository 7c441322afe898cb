"""The real forward of a zoo model at one input size: the judge of the zoo's ground truth.

The model runs in eval mode under ``torch.no_grad()``: on the CPU, the real forward on zeros,
where the input has at most ``CPU_UP_TO`` elements per channel (there it costs less than meta's
shape functions, which run in Python op by op), and above that on the ``meta`` device (shapes
without arithmetic: any size costs the same). Meta kernels are not the CPU's and differ at the
edges (a convolution of an empty input runs on meta and is refused on the CPU; some ops have no meta
kernel; Python code that reads a value cannot run on meta at all). So every torch call goes
through :class:`_Referee`, which re-runs the call on CPU tensors of the same shapes
(uninitialised, so free) wherever meta refuses it or a tensor involved is empty. Wherever the CPU
does not simply confirm meta — it accepts what meta refused, or gives other shapes — meta's run
is not trusted at all and the whole forward runs again on the CPU, on real tensors (zeros in);
the verdict then says ``device="cpu"``. A refusal's message is always the CPU's. Models marked
``device="cpu"`` in the registry run on the CPU at every size.

Never raises for a model's error: the verdict is the observation.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten, tree_map
from zoo_models import ZooModel


CPU_UP_TO = 128 * 128


@dataclass(frozen=True)
class Verdict:
    valid: bool
    outputs: tuple[tuple[int, ...], ...]  # full shape of every tensor output, pytree order
    error: str | None  # the exception's type where invalid
    message: str | None  # the first line of its message
    device: str  # where the verdict was taken: "meta" or "cpu"
    seconds: float  # wall time of the forward(s)

    def to_json(self) -> dict[str, Any]:
        if self.valid:
            return {"device": self.device, "outputs": [list(s) for s in self.outputs],
                    "valid": True}
        return {"device": self.device, "error": self.error, "message": self.message,
                "valid": False}


class _Untrusted(Exception):
    """Meta and the CPU disagree about one call: run the whole forward on the CPU."""


class _CpuRefusal(Exception):
    """The CPU refused a call meta refused too, or a call on empty tensors: the refusal."""

    def __init__(self, exc: Exception) -> None:
        super().__init__(str(exc))
        self.exc = exc


def _tensors(value: Any) -> list[torch.Tensor]:
    return [v for v in tree_flatten(value)[0] if isinstance(v, torch.Tensor)]


def _to_cpu(value: Any) -> Any:
    def convert(v: Any) -> Any:
        if isinstance(v, torch.Tensor) and v.device.type == "meta":
            return torch.empty(tuple(v.shape), dtype=v.dtype, device="cpu")
        return v
    return tree_map(convert, value)


def _shapes(value: Any) -> list[tuple[int, ...]]:
    return [tuple(t.shape) for t in _tensors(value)]


class _Referee(TorchFunctionMode):  # type: ignore[misc]
    def __torch_function__(self, func: Any, types: Any, args: Any = (),
                           kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        try:
            out = func(*args, **kwargs)
        except Exception as meta_error:
            self._cpu(func, args, kwargs)  # raises the CPU's refusal if it refuses
            raise _Untrusted(str(meta_error)) from meta_error
        tensors = _tensors((args, kwargs, out))
        if any(t.device.type == "meta" for t in tensors) and any(t.numel() == 0
                                                                 for t in tensors):
            cpu_out = self._cpu(func, args, kwargs)
            if _shapes(cpu_out) != _shapes(out):
                raise _Untrusted(f"{func}: shapes differ on meta")
        return out

    @staticmethod
    def _cpu(func: Any, args: Any, kwargs: Any) -> Any:
        cpu_args, cpu_kwargs = _to_cpu((args, kwargs))
        try:
            return func(*cpu_args, **cpu_kwargs)
        except Exception as exc:
            raise _CpuRefusal(exc) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def build(model: ZooModel, device: str) -> torch.nn.Module:
    """``model`` in eval mode on ``device``: built under ``torch.device("meta")`` when asked for
    meta (or, for a constructor that needs real tensors, on the CPU and moved)."""
    if device == "meta":
        try:
            with torch.device("meta"):
                net = model.build()
        except Exception:  # a constructor that reads values (e.g. .item()) needs the CPU
            net = model.build().to("meta")
    else:
        net = model.build()
    return net.eval()


def _input(model: ZooModel, size: tuple[int, ...], device: str) -> torch.Tensor:
    shape = (1, model.channels, *size)
    if device == "meta":
        return torch.empty(shape, device="meta")
    return torch.zeros(shape)


def _verdict(exc: BaseException, device: str, seconds: float) -> Verdict:
    return Verdict(False, (), type(exc).__name__, _first_line(exc), device, seconds)


class Oracle:
    """One model, built once per device, run at any number of sizes."""

    def __init__(self, model: ZooModel) -> None:
        self.model = model
        self._nets: dict[str, torch.nn.Module] = {}

    def net(self, device: str) -> torch.nn.Module:
        if device not in self._nets:
            self._nets[device] = build(self.model, device)
        return self._nets[device]

    def device(self, size: tuple[int, ...]) -> str:
        """Where the verdict at ``size`` is taken unless one is asked for."""
        if self.model.device == "cpu" or math.prod(size) <= CPU_UP_TO:
            return "cpu"
        return "meta"

    def run(self, size: tuple[int, ...], device: str | None = None) -> Verdict:
        """The verdict at spatial ``size`` (one int per spatial axis). ``device`` forces one:
        "cpu" runs the real forward only, "meta" meta with the CPU where meta is not trusted."""
        if len(size) != self.model.rank:
            raise ValueError(f"size must have {self.model.rank} axes, got {size}")
        device = device or self.device(size)
        if device == "meta":
            net = self.net("meta")  # a model that cannot be built is no verdict: it raises
            start = time.perf_counter()
            try:
                x = _input(self.model, size, "meta")
                with torch.no_grad(), _Referee():
                    out = net(x)
                return Verdict(True, tuple(_shapes(out)), None, None, "meta",
                               time.perf_counter() - start)
            except _CpuRefusal as r:
                return _verdict(r.exc, "meta", time.perf_counter() - start)
            except _Untrusted:
                pass
            except ImportError:  # a missing package is the environment's fault, no verdict
                raise
            except Exception as exc:
                if "meta" not in str(exc).lower():
                    return _verdict(exc, "meta", time.perf_counter() - start)
            return self._run_cpu(size, start)
        return self._run_cpu(size, time.perf_counter())

    def _run_cpu(self, size: tuple[int, ...], start: float) -> Verdict:
        net = self.net("cpu")
        try:
            x = _input(self.model, size, "cpu")
            with torch.no_grad():
                out = net(x)
        except ImportError:
            raise
        except Exception as exc:
            return _verdict(exc, "cpu", time.perf_counter() - start)
        return Verdict(True, tuple(_shapes(out)), None, None, "cpu",
                       time.perf_counter() - start)
