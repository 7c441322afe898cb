"""The real models symconv is judged on, what symconv says about them (``symconv network --torch
… --sizes LO..HI --json``, run in-process), and how an answer is compared with what PyTorch did
(an :class:`~symconv.network.torch_judge.Observation`). Shared by the tests and the exhaustive
benchmark (``python3 tests/bench_network_torch.py``)."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from symconv.cli import main
from symconv.network.ir import Network
from symconv.network.torch_frontend import load_torch
from symconv.network.torch_judge import Observation

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "networks"
TOP = 512


@dataclass(frozen=True)
class Model:
    name: str
    target: str
    kwargs: Mapping[str, object] | None = None
    channels: int = 3
    cheap: bool = False  # a meta forward well under 50 ms: judge every size in CI
    spec: str | None = None  # the spec file describing the same network, if any
    extra: Mapping[str, Any] = field(default_factory=dict)

    def args(self) -> list[str]:
        out = ["network", "--torch", self.target]
        if self.kwargs is not None:
            out += ["--kwargs", json.dumps(dict(self.kwargs))]
        if self.channels != 3:
            out += ["--channels", str(self.channels)]
        return out


def _example(name: str, callable_: str, **kw: Any) -> Model:
    return Model(name, f"{EXAMPLES / (name + '.py')}:{callable_}", **kw)


_NONE = {"weights": None}
MODELS: dict[str, Model] = {m.name: m for m in [
    Model("resnet18", "torchvision.models:resnet18", _NONE, spec="resnet18.toml"),
    Model("vgg11", "torchvision.models:vgg11", _NONE, cheap=True),
    Model("alexnet", "torchvision.models:alexnet", _NONE, cheap=True),
    Model("mobilenet_v2", "torchvision.models:mobilenet_v2", _NONE),
    Model("densenet121", "torchvision.models:densenet121", _NONE),
    Model("inception_v3", "torchvision.models:inception_v3",
          {"weights": None, "aux_logits": False, "init_weights": False}),
    _example("unet_padded", "UNet"),
    _example("unet_2015", "UNet2015", channels=1, cheap=True, spec="unet-2015.toml"),
    _example("ceil_pool", "CeilPool", cheap=True, spec="ceil-pool.toml"),
    _example("dilated", "Dilated", cheap=True, spec="dilated.toml"),
    _example("transposed_residual", "TransposedResidual", cheap=True,
             spec="transposed-residual.toml"),
    _example("vgg11_fixed", "vgg11_fixed", cheap=True, spec="vgg11-fixed.toml"),
    _example("assorted", "Assorted", cheap=True),
]}


@cache
def network(name: str) -> Network:
    m = MODELS[name]
    return load_torch(m.target, kwargs=m.kwargs, channels=m.channels)


def symconv_sizes(model: Model, low: int = 1, high: int = TOP, width: int | None = None
                  ) -> list[dict[str, Any]]:
    """``symconv network --torch … --sizes low..high [--width W] --json``, in this process."""
    argv = [*model.args(), "--sizes", f"{low}..{high}", "--json"]
    if width is not None:
        argv += ["--width", str(width)]
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    if code not in (0, 3):
        raise AssertionError(f"symconv {' '.join(argv)} exited {code}: {err.getvalue()}")
    answers: list[dict[str, Any]] = json.loads(out.getvalue())
    return answers


def mismatch(net: Network, answer: Mapping[str, Any], seen: Observation) -> str | None:
    """Why symconv's answer and PyTorch's run disagree, or None: the same validity, the same
    output sizes, or the same refusing layer (its module) and symconv's message inside
    PyTorch's."""
    if answer["size"] != seen.size:
        return f"size {answer['size']} compared with an observation at {seen.size}"
    if answer["valid"] != seen.valid:
        what = (f"PyTorch refuses in {seen.layer!r}: {seen.message}" if not seen.valid
                else f"symconv says {answer['refused_by']}")
        return f"H={seen.size}: symconv valid={answer['valid']}, PyTorch valid={seen.valid}; {what}"
    if seen.valid:
        if tuple(answer["output"]) != seen.output:
            return f"H={seen.size}: symconv output {answer['output']}, PyTorch {seen.output}"
        return None
    refused = answer["refused_by"]
    module = net.node(refused["layer"]).attrs.get("module")
    if module != seen.layer or refused["message"] not in (seen.message or ""):
        return (f"H={seen.size}: symconv: {refused['layer']} (module {module!r}): "
                f"{refused['message']!r}; PyTorch: module {seen.layer!r}: {seen.message!r}")
    return None


def plan(name: str, answers: Sequence[Mapping[str, Any]], samples: int = 16,
         every: bool | None = None) -> list[int]:
    """The sizes to run PyTorch at: every size (by default for a cheap model); otherwise 1..16,
    every size within 2 of a place where validity changes or the output's slope does (the
    breakpoints of its floors), and a fixed random sample of the rest."""
    sizes = [a["size"] for a in answers]
    if MODELS[name].cheap if every is None else every:
        return sizes
    by_size = {a["size"]: a for a in answers}
    chosen = {n for n in sizes if n <= 16} | {sizes[-1]}
    for n in sizes:
        if _breaks(by_size, n):
            chosen |= {m for m in range(n - 2, n + 3) if m in by_size}
    rest = sorted(set(sizes) - chosen)
    chosen |= set(random.Random(name).sample(rest, min(samples, len(rest))))
    return sorted(chosen)


def _breaks(by_size: Mapping[int, Mapping[str, Any]], n: int) -> bool:
    here, before, earlier = by_size.get(n), by_size.get(n - 1), by_size.get(n - 2)
    if here is None or before is None:
        return False
    if here["valid"] != before["valid"]:
        return True
    if not (here["valid"] and earlier is not None and earlier["valid"]):
        return False
    slope = [a - b for a, b in zip(here["output"], before["output"], strict=True)]
    return slope != [a - b for a, b in zip(before["output"], earlier["output"], strict=True)]


def first_valid(answers: Sequence[Mapping[str, Any]], at_least: int = 1) -> int | None:
    return next((a["size"] for a in answers if a["valid"] and a["size"] >= at_least), None)
