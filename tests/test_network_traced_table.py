"""The layer table of a model read through PyTorch's symbolic shapes (``network --torch
--symbolic``, ``--markdown``, ``--latex``): receptive fields and jumps equal the fx front-end's
where both claim one, and a brute-force reference (which input positions an output's gradient
touches, on a CPU forward); the Markdown and LaTeX tables (the LaTeX typesets)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from latex_helpers import assert_typesets, in_article, needs_pdflatex  # noqa: E402
from symconv.cli import main  # noqa: E402
from symconv.network.receptive import Field  # noqa: E402
from symconv.network.frontends.torch_frontend import build_model  # noqa: E402
from symconv.network.traced import layer_table, show, study_model  # noqa: E402
from torch_models import EXAMPLES, MODELS  # noqa: E402


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def layers_by_name(report: dict[str, Any], key: str) -> dict[str, Any]:
    seen: dict[str, int] = {}
    for layer in report["layers"]:
        seen[layer[key]] = seen.get(layer[key], 0) + 1
    return {layer[key]: layer for layer in report["layers"] if seen[layer[key]] == 1}


# models whose every field the fx front-end and the trace both claim; unet_2015 crops its skips
# at a size-dependent offset, where only the fx front-end follows the start symbolically
FULL = ["unet_padded", "dilated", "transposed_residual", "ceil_pool"]


@pytest.mark.parametrize("name", [*FULL, "unet_2015", "assorted"])
def test_fields_equal_the_fx_front_end(name: str) -> None:
    model = MODELS[name]
    code, out, err = run([*model.args(), "--json"])
    assert code == 0, err
    fx = layers_by_name(json.loads(out), "name")
    code, out, err = run([*model.args(), "--json", "--symbolic"])
    assert code == 0, err
    traced = layers_by_name(json.loads(out), "layer")
    compared = claimed = 0
    for layer, t in traced.items():
        if layer not in fx:
            continue
        f = fx[layer]["receptive_field"]
        assert t["receptive_field"] is not None, layer
        compared += 1
        for mine, theirs in zip(t["receptive_field"], f, strict=True):
            if "none" in mine:
                assert name not in FULL or "none" in theirs, (layer, mine, theirs)
                continue
            claimed += 1
            assert (mine["size"], mine["jump"]) == (theirs["size"], theirs["jump"]), layer
            if mine["start"] is not None:
                assert mine["start"] == theirs["start"], layer
    assert compared >= 3
    assert claimed or name == "assorted"


class Positive(torch.nn.Module):
    """Convolutions, average pools, a residual add and a channel concatenation, all with
    positive weights on a positive input: an output depends on an input position exactly where
    its gradient there is non-zero."""

    def __init__(self) -> None:
        super().__init__()
        self.a = torch.nn.Conv2d(1, 2, 3, padding=1)
        self.pool = torch.nn.AvgPool2d(2)
        self.b = torch.nn.Conv2d(2, 2, 3, dilation=2, padding=2)
        self.skip = torch.nn.Conv2d(2, 2, 1)
        self.c = torch.nn.Conv2d(4, 1, (5, 3), stride=(2, 1))
        self.act = torch.nn.ReLU()
        for m in self.modules():
            if isinstance(m, torch.nn.Conv2d):
                torch.nn.init.constant_(m.weight, 1.0)
                torch.nn.init.constant_(m.bias, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pool(self.act(self.a(x)))
        z = self.b(y) + self.skip(y)
        z = torch.cat([z, y[:, :, :, :]], dim=1)
        return self.c(z)


def brute_field(model: torch.nn.Module, size: int, axis: int, m: int) -> tuple[int, int]:
    """The first and last input position along ``axis`` that output ``m`` (mid-way on the
    other axis) depends on."""
    x = (torch.rand(1, 1, size, size) + 0.5).requires_grad_()
    out = model(x)
    index = [0, 0, out.shape[2] // 2, out.shape[3] // 2]
    index[2 + axis] = m
    out[tuple(index)].backward()
    assert x.grad is not None
    touched = (x.grad[0, 0] != 0).nonzero()[:, axis]
    return int(touched.min()), int(touched.max())


def test_fields_equal_the_brute_force_reference() -> None:
    model = Positive().eval()
    st = study_model(model, name="positive", channels=1)
    table = layer_table(st, (40, 40))
    last = table.rows[-1]
    assert last.layer == "c"
    assert last.fields is not None
    for axis in (0, 1):
        field = last.fields[axis]
        first, end = brute_field(model, 40, axis, 4)
        after, _ = brute_field(model, 40, axis, 5)
        assert isinstance(field, Field)
        assert field.size.const == end - first + 1
        assert field.jump == after - first
        assert field.start.const + 4 * field.jump == first


def test_an_op_of_unknown_window_ends_the_field() -> None:
    class Mixing(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = torch.nn.Conv2d(1, 1, 3)
            self.b = torch.nn.Conv2d(1, 1, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # a transpose of the spatial axes: positions move in a way no window describes
            return self.b(self.a(x).transpose(2, 3))

    st = study_model(Mixing().eval(), name="mixing", channels=1)
    rows = {r.layer: r for r in layer_table(st).rows}
    assert [str(f.size) for f in rows["a"].fields or ()] != []
    assert all(type(f).__name__ == "NoField" for f in rows["b"].fields or ())
    assert layer_table(st).field_texts(rows["b"]) == ("—", "—")


def test_floor_numerators_are_parenthesised() -> None:
    import sympy as sp
    from torch.utils._sympy.functions import FloorDiv

    h = sp.Symbol("s0", integer=True, positive=True)
    assert show(FloorDiv(h - 3, 2) + 1, {"s0": "H"}) == "⌊(H − 3)/2⌋ + 1"
    assert show(FloorDiv(h, 2), {"s0": "H"}) == "⌊H/2⌋"


def test_latex_of_a_node_shown_as_sympy_writes_it_is_text() -> None:
    import sympy as sp

    from symconv.network.traced import show_tex

    odd = sp.Function("Opaque_fn")(sp.Symbol("s0", integer=True))
    assert show_tex(odd + 1, {"s0": "H"}) == r"\mbox{\texttt{Opaque\_fn(s0)}} + 1"


UNET = f"{EXAMPLES / 'unet_padded.py'}:UNet"


def test_markdown_table() -> None:
    code, out, err = run(["network", "--torch", UNET, "--symbolic", "--markdown",
                          "--input", "64,64"])
    assert code == 0, err
    assert "| layer | op | parameters | size (H) | at 64×64 | RF | jump |" in out
    assert "| `down1.maxpool_conv.0` | MaxPool2d | k2 s2 | `⌊H/2⌋` | 32×32 | 6 | 2 |" in out
    assert "| `up1.up` | ConvTranspose2d | k2 s2 →512 | `2·⌊H/16⌋` | 8×8 | — | — |" in out
    assert "Valid set V: H ≥ 16 and W ≥ 16 — proved" in out


@needs_pdflatex
def test_latex_table_typesets(tmp_path: Path) -> None:
    assorted = f"{EXAMPLES / 'assorted.py'}:Assorted"
    tables = []
    for argv in (["--torch", UNET, "--input", "64", "64"],
                 ["--torch", assorted, "--caption", "Ours: 100% & {more}", "--label",
                  "tab:assorted"]):
        code, out, err = run(["network", *argv, "--symbolic", "--latex"])
        assert code == 0, err
        tables.append(out)
    assert r"\texttt{down1.\allowbreak{}maxpool\_\allowbreak{}conv.\allowbreak{}0}" in tables[0]
    assert r"$\lfloor (H - 3)/2 \rfloor + 1$" in tables[1]
    assert r"\caption{Ours: 100\% \& \{more\}}\label{tab:assorted}" in tables[1]
    body = "\n".join(rf"\input{{t{n}}}" for n in range(len(tables)))
    body += "\nTable \\ref{tab:assorted}."
    files = {f"t{n}.tex": t for n, t in enumerate(tables)}
    files["doc.tex"] = in_article(body, packages=("booktabs", "longtable", "array"))
    assert_typesets(files, "doc.tex", tmp_path)


def test_json_layers_carry_parameters_and_fields() -> None:
    code, out, err = run(["network", "--torch", UNET, "--symbolic", "--json", "--input",
                          "64", "64"])
    assert code == 0, err
    layers = layers_by_name(json.loads(out), "layer")
    pool = layers["down1.maxpool_conv.0"]
    assert pool["params"] == "k2 s2"
    assert pool["at_input"] == [1, 64, 32, 32]
    assert [(f["size"], f["jump"]) for f in pool["receptive_field"]] == [("6", 2), ("6", 2)]
    assert all("none" in f for f in layers["outc"]["receptive_field"])


def test_the_table_of_a_refused_input_says_so() -> None:
    code, out, err = run(["network", "--torch", UNET, "--symbolic", "--input", "15", "15"])
    assert code == 0, err
    assert "input 15×15: refused by down4.maxpool_conv.0: " in out
    # the smallest valid size's path, whichever of its sizes a worker traced it at
    assert re.search(r"layers of the path (traced at 16×16|of 16×16 \(traced at \d+×\d+\)):",
                     out), out


def test_build_model_round_trip() -> None:
    # the table's parameters are read off the modules the trace names
    model = build_model(UNET, None)
    st = study_model(model, name="UNet")
    rows = {r.layer: r for r in layer_table(st).rows}
    assert rows["outc"].params == "k1 →2"
    assert rows["inc.double_conv.0"].params == "k3 p1 →64"
