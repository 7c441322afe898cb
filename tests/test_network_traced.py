"""``network --torch --symbolic``: the models read through PyTorch's own symbolic shapes
(``symconv.network.traced``) answer every size 1..TOP exactly as the torch.fx front-end does
(validity, output sizes, the refusing module, PyTorch's message), which test_network_torch_models
holds against PyTorch itself; a model torch.fx cannot record (a branch on a size) is judged
against PyTorch's CPU forward directly; and the refusals are bad input, exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path
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


BRANCHY = '''
import torch
import torch.nn.functional as F
from torch import nn


class SamePad(nn.Module):
    """timm-style 'same' padding: a Python branch on the size, which torch.fx cannot record."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        ph = max((-(-h // 2) - 1) * 2 + 3 - h, 0)
        pw = max((-(-w // 2) - 1) * 2 + 3 - w, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        x = self.conv(x)
        if x.shape[-1] % 3 == 0:
            x = x[..., 1:]
        return self.pool(x)
'''


def test_a_model_torch_fx_cannot_record_is_judged_by_pytorch(tmp_path: Path) -> None:
    source = tmp_path / "branchy.py"
    source.write_text(BRANCHY)
    target = f"{source}:SamePad"
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
])
def test_symbolic_refusals_are_bad_input(argv: list[str], message: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 2
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_a_budget_too_small_is_exit_3_with_the_part_proved() -> None:
    model = MODELS["unet_padded"]
    code, out, err = symbolic([*model.args(), "--max-paths", "2", "--json"])
    assert code == 3, err
    report: dict[str, Any] = json.loads(out)
    assert report["coverage"]["status"] != "proved"
