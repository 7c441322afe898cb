"""The real models symconv is judged on, what symconv says about them (``symconv network --torch
… --sizes LO..HI --json``, run in-process), and how an answer is compared with what PyTorch did
(an :class:`~symconv.network.torch_judge.Observation`). Shared by the tests and the exhaustive
benchmark (``python3 tests/bench_network_torch.py``)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import network_plan
from symconv.cli import main
from symconv.network.ir import Network
from symconv.network.frontends.torch_frontend import load_torch
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
    spec: str | None = None  # the spec file describing the same network, if any
    # sizes below this run on CPU tensors (cheaper there than on meta for batch-norm-heavy
    # models; torch_judge.Judge)
    cpu_below: int = 0
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
    Model("resnet18", "torchvision.models:resnet18", _NONE, spec="resnet18.toml", cpu_below=256),
    Model("vgg11", "torchvision.models:vgg11", _NONE),
    Model("alexnet", "torchvision.models:alexnet", _NONE),
    Model("mobilenet_v2", "torchvision.models:mobilenet_v2", _NONE, cpu_below=256),
    Model("densenet121", "torchvision.models:densenet121", _NONE, cpu_below=256),
    Model("inception_v3", "torchvision.models:inception_v3",
          {"weights": None, "aux_logits": False, "init_weights": False}, cpu_below=256),
    _example("unet_padded", "UNet"),
    _example("unet_2015", "UNet2015", channels=1, spec="unet-2015.toml"),
    _example("ceil_pool", "CeilPool", spec="ceil-pool.toml"),
    _example("dilated", "Dilated", spec="dilated.toml"),
    _example("transposed_residual", "TransposedResidual", spec="transposed-residual.toml"),
    _example("vgg11_fixed", "vgg11_fixed", spec="vgg11-fixed.toml"),
    _example("assorted", "Assorted"),
]}


@cache
def network(name: str) -> Network:
    m = MODELS[name]
    return load_torch(m.target, kwargs=m.kwargs, channels=m.channels)


def symconv_sizes(model: Model, low: int = 1, high: int = TOP, width: int | None = None
                  ) -> list[dict[str, Any]]:
    """``symconv network --torch … --sizes low..high [--width W] --json``, in this process (run
    once per arguments: the tests ask the same question several times)."""
    return json.loads(_symconv_sizes(model.name, low, high, width))


@cache
def _symconv_sizes(name: str, low: int, high: int, width: int | None) -> str:
    argv = [*MODELS[name].args(), "--sizes", f"{low}..{high}", "--json"]
    if width is not None:
        argv += ["--width", str(width)]
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    if code not in (0, 3):
        raise AssertionError(f"symconv {' '.join(argv)} exited {code}: {err.getvalue()}")
    return out.getvalue()


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


def plan(name: str, answers: Sequence[Mapping[str, Any]], every: bool = False) -> list[int]:
    """The sizes to run PyTorch at (``network_plan``: the smallest, every size near a boundary
    of V or a breakpoint of the output up to where they repeat, a fixed sample of the rest);
    ``every``: all of them."""
    if every:
        return [a["size"] for a in answers]
    return network_plan.plan(answer_signatures(answers), name)


def answer_signatures(answers: Sequence[Mapping[str, Any]]) -> dict[int, network_plan.Signature]:
    return network_plan.signatures(
        {a["size"]: a["valid"] for a in answers},
        {a["size"]: a["refused_by"]["layer"] for a in answers if not a["valid"]},
        {a["size"]: a["output"] for a in answers if a["valid"]})


def first_valid(answers: Sequence[Mapping[str, Any]], at_least: int = 1) -> int | None:
    return next((a["size"] for a in answers if a["valid"] and a["size"] >= at_least), None)
