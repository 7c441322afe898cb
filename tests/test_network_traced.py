"""``network --torch --symbolic``: the models read through PyTorch's own symbolic shapes
(``symconv.network.traced``) answer every size 1..TOP exactly as the torch.fx front-end does
(validity, output sizes, the refusing module, PyTorch's message), which test_network_torch_models
holds against PyTorch itself; a model torch.fx cannot record (a branch on a size) is judged
against PyTorch's CPU forward directly; and the refusals are bad input, exit 2."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from symconv.cli import main  # noqa: E402
from symconv.network.torch_judge import observe_cpu  # noqa: E402
from torch_models import EXAMPLES, MODELS, network, symconv_sizes  # noqa: E402

TOP = 160
EXAMPLE_NAMES = ["unet_padded", "ceil_pool", "dilated", "transposed_residual", "assorted",
                 "unet_2015"]


def symbolic(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--symbolic"], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_symbolic_answers_every_size_as_the_fx_front_end(name: str) -> None:
    model = MODELS[name]
    code, out, err = symbolic([*model.args(), "--sizes", f"1..{TOP}", "--json"])
    assert code == 0, err
    traced = json.loads(out)
    fx = symconv_sizes(model, 1, TOP)
    net = network(name)
    assert len(traced) == len(fx) == TOP
    for t, f in zip(traced, fx, strict=True):
        assert (t["size"], t["valid"], t["output"]) == (f["size"], f["valid"], f["output"])
        if not f["valid"]:
            module = net.node(f["refused_by"]["layer"]).attrs.get("module")
            # a functional op in the model's own forward: the trace names the model
            assert t["refused_by"]["layer"] == (module or "(model)"), (t, f)
            # the fx front-end quotes the tail of PyTorch's message; the trace has it whole
            assert f["refused_by"]["message"] in t["refused_by"]["message"], (t, f)


def test_symbolic_valid_set_and_outputs_read_like_the_fx_front_end() -> None:
    model = MODELS["unet_padded"]
    code, out, err = symbolic([*model.args(), "--json"])
    assert code == 0, err
    traced = json.loads(out)
    fx_out = io.StringIO()
    assert main([*model.args(), "--json"], fx_out, io.StringIO()) == 0
    fx = json.loads(fx_out.getvalue())
    assert traced["valid_set"]["text"] == fx["valid_set"]["text"]
    assert traced["valid_set"]["status"] == "proved"
    assert traced["coverage"]["status"] == "proved"
    assert all(d["status"] == "proved" for d in traced["derivations"])


def test_a_model_torch_fx_cannot_record_is_judged_by_pytorch() -> None:
    """timm-style 'same' padding and a crop decided by an ``if`` on a size."""
    target = f"{EXAMPLES / 'same_pad.py'}:SamePad"
    out, err = io.StringIO(), io.StringIO()
    code = main(["network", "--torch", target, "--sizes", "1..40", "--json"], out, err)
    assert code == 0, err.getvalue()
    answers = json.loads(out.getvalue())
    seen = observe_cpu(target, list(range(1, 41)))
    for a, o in zip(answers, seen, strict=True):
        assert (a["size"], a["valid"]) == (o.size, o.valid), (a, o)
        if o.valid:
            assert tuple(a["output"]) == o.output, (a, o)
        else:
            assert a["refused_by"]["layer"] == o.layer, (a, o)
    assert any(a["valid"] for a in answers)
    assert not all(a["valid"] for a in answers)


@pytest.mark.parametrize(("argv", "message"), [
    (["network", str(EXAMPLES / "ceil-pool.toml"), "--symbolic"], "--symbolic goes with --torch"),
    (["network", "--torch", f"{EXAMPLES / 'ceil_pool.py'}:CeilPool", "--symbolic",
      "--channels", "5"], "PyTorch refuses every size"),
    (["network", "--torch", f"{EXAMPLES / 'ceil_pool.py'}:CeilPool", "--symbolic",
      "--rank", "1"], "spatial axes"),
    (["network", "--torch", f"{EXAMPLES / 'ceil_pool.py'}:CeilPool", "--symbolic",
      "--max-paths", "0"], "--max-paths must be >= 1"),
    (["network", "--torch", f"{EXAMPLES / 'ceil_pool.py'}:CeilPool", "--symbolic",
      "--jobs", "0"], "--jobs must be in 1..64, got 0"),
])
def test_symbolic_refusals_are_bad_input(argv: list[str], message: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 2
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_paths_traced_by_forked_workers_are_the_paths_traced_one_at_a_time() -> None:
    """--jobs 2 traces in two processes at once: the same paths (guards, outputs, refusals),
    the same V and coverage; only the size each path was first met at may differ."""
    model = MODELS["unet_padded"]
    reports = []
    for jobs in ("1", "2"):
        code, out, err = symbolic([*model.args(), "--json", "--jobs", jobs])
        assert code == 0, err
        reports.append(json.loads(out))
    one, two = reports

    def paths(r: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted((tuple(p["guards"]), json.dumps(p.get("outputs")),
                       json.dumps(p.get("refused_by", {}).get("layer"))) for p in r["paths"])

    assert paths(one) == paths(two)
    for r in reports:
        r["valid_set"].pop("seconds")
    for key in ("valid_set", "outputs", "status", "smallest_valid"):
        assert one[key] == two[key], key
    assert one["coverage"]["status"] == two["coverage"]["status"] == "proved"


def test_a_budget_too_small_is_exit_3_with_the_part_proved() -> None:
    model = MODELS["unet_padded"]
    code, out, err = symbolic([*model.args(), "--max-paths", "2", "--json"])
    assert code == 3, err
    report: dict[str, Any] = json.loads(out)
    assert report["coverage"]["status"] != "proved"


def test_a_valid_set_of_isolated_sizes_far_out_is_found_and_judged() -> None:
    """V = {1, 2, 2999, 3000}: Whisper's fixed positional embedding (1500 frames after a stride-2
    convolution), and a single frame that broadcasts. The guess looks past every constant the
    guards compare with."""
    target = f"{EXAMPLES / 'whisperish.py'}:Whisperish"
    code, out, err = symbolic(["network", "--torch", target, "--channels", "1", "--json"])
    assert code == 0, err
    report = json.loads(out)
    assert report["valid_set"]["text"] == "L ∈ {1, 2, 2999, 3000}"
    sizes = [1, 2, 3, 4, 1500, 2998, 2999, 3000, 3001, 6000]
    code, out, err = symbolic(["network", "--torch", target, "--channels", "1", "--sizes",
                               "1..3002", "--json"])
    answers = {a["size"]: a for a in json.loads(out)}
    seen = observe_cpu(target, sizes, channels=1, rank=1)
    for o in seen:
        if o.size in answers:
            assert answers[o.size]["valid"] == o.valid, o
            if o.valid:
                assert tuple(answers[o.size]["output"]) == o.outputs[0], o


COUPLED = '''
import torch
import torch.nn.functional as F
from torch import nn


class Coupled(nn.Module):
    """The H axis padded by an amount computed from W: V is no product of per-axis sets."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = x.shape[-1] % 3
        return self.conv(F.pad(x, [1, 1, p, p]))
'''


def test_a_valid_set_coupling_the_axes_is_unknown_not_refuted(tmp_path: Any) -> None:
    """A wrong guess of V's normal form refutes the guess, not the model: exit 3, the union of
    the valid regions, and every size still answered as PyTorch answers it."""
    source = tmp_path / "coupled.py"
    source.write_text(COUPLED)
    target = f"{source}:Coupled"
    code, out, err = symbolic(["network", "--torch", target, "--json"])
    assert code == 3, err
    report = json.loads(out)
    assert report["valid_set"]["status"] == "unknown"
    assert "not a product" in report["valid_set"]["reason"]
    code, out, err = symbolic(["network", "--torch", target, "--sizes", "1..8", "--width", "3",
                               "--json"])
    answers = json.loads(out)
    seen = observe_cpu(target, list(range(1, 9)), width=3)
    assert [(a["size"], a["valid"]) for a in answers] == [(o.size, o.valid) for o in seen]
