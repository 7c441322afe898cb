"""symconv against PyTorch itself, on real models: ``symconv network --torch … --sizes 1..512
--json`` (valid or not, the output sizes, the refusing layer and its message) compared with the
models run on the meta device (the judge, ``symconv.network.torch_judge``). Zero mismatches.

Not every size: the smallest sizes and the smallest valid ones, every size within 3 of a
boundary of V (of each residue class, of an interval, a change of the refusing layer) or of a
breakpoint of the output, up to where the pattern repeats, and a fixed random sample of the
rest (``network_plan``). ``python3 tests/bench_network_torch.py`` runs every model at every size
1..512.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from latex_helpers import assert_typesets, in_article, needs_pdflatex  # noqa: E402
from symconv.cli import main  # noqa: E402
from symconv.network.frontends.torch_frontend import import_torchvision  # noqa: E402
from symconv.network.torch_judge import Judge, Observation, observe_cpu  # noqa: E402
from torch_models import (  # noqa: E402
    EXAMPLES,
    MODELS,
    TOP,
    first_valid,
    mismatch,
    network,
    plan,
    symconv_sizes,
)
from torch_network_reference import run  # noqa: E402

NAMES = list(MODELS)
WIDTH_FIXED = ["resnet18", "unet_padded", "ceil_pool", "transposed_residual", "vgg11_fixed",
               "assorted", "unet_2015"]


@pytest.fixture(scope="module")
def judge() -> Iterator[Judge]:
    import_torchvision()
    with Judge(2) as j:
        yield j


def compare(name: str, judge: Judge, width: int | None = None) -> tuple[list[str], int]:
    model = MODELS[name]
    answers = symconv_sizes(model, 1, TOP, width)
    sizes = plan(name, answers)
    seen = judge(model.target, sizes, kwargs=model.kwargs, channels=model.channels,
                 width=width, cpu_below=model.cpu_below)
    net = network(name)
    by_size = {a["size"]: a for a in answers}
    problems = []
    for observation in seen:
        problem = mismatch(net, by_size[observation.size], observation)
        if problem is not None:
            point = [observation.size] * len(net.axes)
            if width is not None:
                point[-1] = width
            problems.append(f"{problem}; reference: {run(net, point)}")
    return problems, len(sizes)


@pytest.mark.parametrize("name", NAMES)
def test_symconv_matches_pytorch(name: str, judge: Judge) -> None:
    problems, count = compare(name, judge)
    assert problems == []
    assert count >= 25


@pytest.mark.parametrize("name", WIDTH_FIXED)
def test_symconv_matches_pytorch_with_the_width_held(name: str, judge: Judge) -> None:
    square = symconv_sizes(MODELS[name], 1, TOP)
    width = first_valid(square, 224) or first_valid(square)
    assert width is not None
    problems, _ = compare(name, judge, width)
    assert problems == []


def cpu_sizes(answers: list[dict[str, Any]]) -> list[int]:
    """A refused size, the smallest valid one and the next size (valid or not)."""
    smallest = first_valid(answers)
    assert smallest is not None
    refused = [a["size"] for a in answers if not a["valid"] and a["size"] < smallest]
    return sorted({*refused[-1:], smallest, smallest + 1})


@pytest.mark.parametrize("name", NAMES)
def test_the_meta_judge_agrees_with_real_cpu_runs(name: str, judge: Judge) -> None:
    model = MODELS[name]
    sizes = cpu_sizes(symconv_sizes(model, 1, 300))
    import_torchvision()
    cpu = observe_cpu(model.target, sizes, kwargs=model.kwargs, channels=model.channels)
    meta = judge(model.target, sizes, kwargs=model.kwargs, channels=model.channels)  # no CPU
    assert [_plain(o) for o in meta] == [_plain(o) for o in cpu]
    assert any(not o.valid for o in cpu) or name in ("resnet18", "mobilenet_v2",
                                                     "transposed_residual")


def _plain(o: Observation) -> tuple[Any, ...]:
    return (o.size, o.valid, o.outputs, o.layer, o.message)


@pytest.mark.parametrize("name", [n for n, m in MODELS.items() if m.spec])
def test_the_spec_twin_gives_the_same_sizes(name: str) -> None:
    """The spec file of the same network (examples/networks/*.toml), read by the spec
    front-end, accepts exactly the same sizes with the same outputs."""
    out, err = io.StringIO(), io.StringIO()
    spec = EXAMPLES / str(MODELS[name].spec)
    assert main(["network", str(spec), "--sizes", f"1..{TOP}", "--json"], out, err) == 0, err
    from_spec = [(a["size"], a["valid"], a["output"]) for a in json.loads(out.getvalue())]
    from_torch = [(a["size"], a["valid"], a["output"]) for a in symconv_sizes(MODELS[name])]
    assert from_torch == from_spec


def table(name: str, size: int) -> dict[str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = [*MODELS[name].args(), "--input", str(size), str(size), "--json"]
    assert main(argv, out, err) == 0, err.getvalue()
    return {layer["name"]: layer["at_input"] for layer in json.loads(out.getvalue())["layers"]}


def test_resnet18_table1_from_the_table_output() -> None:
    """He et al. 2016, Table 1, output size column: 112, 56, 28, 14, 7 at 224."""
    at = table("resnet18", 224)
    stages = ["conv1", "layer1.1.relu_1", "layer2.1.relu_1", "layer3.1.relu_1",
              "layer4.1.relu_1"]
    assert [at[s] for s in stages] == [f"{n}×{n}" for n in (112, 56, 28, 14, 7)]


def test_unet_2015_figure1_from_the_table_output() -> None:
    """Ronneberger et al. 2015, figure 1: 572 in, 388 out, and every size between."""
    at = table("unet_2015", 572)
    net = network("unet_2015")
    convs = [at[n.name] for n in net.nodes if n.op == "Conv2d" and n.axes[0]["k"] == 3]
    assert convs == [f"{n}×{n}" for n in (570, 568, 282, 280, 138, 136, 66, 64, 30, 28,
                                           54, 52, 102, 100, 198, 196, 390, 388)]
    crops = [at[n.name] for n in net.nodes if n.op == "getitem"]
    assert crops == [f"{n}×{n}" for n in (56, 104, 200, 392)]
    assert at[net.outputs[0]] == "388×388"


@needs_pdflatex
@pytest.mark.parametrize("name", [
    "resnet18", "ceil_pool", "transposed_residual", "vgg11_fixed", "unet_padded", "unet_2015",
    "assorted",
])
def test_latex_table_of_a_torch_model_typesets(name: str, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main([*MODELS[name].args(), "--latex"], out, err) == 0, err.getvalue()
    table = out.getvalue()
    assert not set("⌊⌋⌈⌉−·") & set(table)  # sizes and parameters as math
    if name == "unet_padded":  # a pad the forward computes from sizes
        assert r"pad 0,$\lfloor H/8 \rfloor - 2 \cdot \lfloor H/16 \rfloor$" in table
    doc = in_article("\\input{table}", packages=("booktabs", "longtable", "array"))
    assert_typesets({"table.tex": table, "doc.tex": doc}, "doc.tex", tmp_path)
