"""`symconv network`: every output format, the --sizes JSON shape other tools compare with, and
bad input (exit 2, never a traceback)."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.network.spec import load_spec
from tests.network_reference import run

EXAMPLES = Path(__file__).parent.parent / "examples" / "networks"
OVERFULL_LIMIT_PT = 2.0


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["network", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_text_report_reproduces_the_unet_paper() -> None:
    code, out, err = call(str(EXAMPLES / "unet-2015.toml"), "--input", "572", "572")
    assert code == 0, err
    assert "valid set V: H ≥ 188 and W ≥ 188" in out
    assert re.search(r"^out\s+conv\s+k1 →2\s+16·⌊\(H \+ 4\)/16⌋ − 188\s+388×388", out, re.M)
    assert "proved: equivalent to the conjunction" in out
    assert "smallest valid input: 188×188 → 4×4" in out


def test_input_with_a_comma_reads_like_spaces() -> None:
    spaced = call(str(EXAMPLES / "unet-2015.toml"), "--markdown", "--input", "572", "572")
    assert spaced[0] == 0
    assert "| at 572×572 |" in spaced[1]
    assert call(str(EXAMPLES / "unet-2015.toml"), "--markdown", "--input", "572,572") == spaced


def test_input_with_a_bad_item_names_it() -> None:
    code, out, err = call(str(EXAMPLES / "unet-2015.toml"), "--input", "572,x")
    assert code == 2
    assert "'x'" in err
    assert "Traceback" not in err + out


def test_json_report() -> None:
    code, out, _ = call(str(EXAMPLES / "resnet18.toml"), "--json", "--input", "224", "224")
    assert code == 0
    data = json.loads(out)
    assert data["status"] == "proved"
    assert data["valid_set"]["status"] == "proved"
    assert data["valid_set"]["boxes"] == [{"H": {"intervals": [], "tail": {
        "start": 1, "modulus": 1, "residues": [0]}}, "W": {"intervals": [], "tail": {
            "start": 1, "modulus": 1, "residues": [0]}}}]
    layers = {layer["name"]: layer for layer in data["layers"]}
    assert layers["layer4.1.relu2"]["sizes"] == ["(H + 31) // 32", "(W + 31) // 32"]
    assert layers["layer4.1.relu2"]["at_input"] == "7×7"
    assert layers["layer4.1.relu2"]["receptive_field"][0] == {"size": "435", "jump": 32,
                                                              "start": "-217"}
    assert {t["status"] for t in data["closed_forms"]["rewrites"]} == {"proved"}


@pytest.mark.parametrize("name", ["unet-padded", "vgg11-fixed", "transposed-residual",
                                  "ceil-pool"])
def test_sizes_json_is_exactly_the_documented_list(name: str) -> None:
    network = load_spec(EXAMPLES / f"{name}.toml")
    code, out, _ = call(str(EXAMPLES / f"{name}.toml"), "--sizes", "1..40", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["size"] for r in rows] == list(range(1, 41))
    for row in rows:
        assert row["point"] == [row["size"], row["size"]]
        ref = run(network, (row["size"], row["size"]))
        assert row["valid"] == (ref.refused is None)
        if row["valid"]:
            assert set(row) == {"size", "point", "valid", "output"}
            sizes = ref.sizes[network.outputs[0]]
            assert row["output"] == (list(sizes) if sizes is not None else [])
        else:
            assert set(row) == {"size", "point", "valid", "output", "refused_by"}
            assert row["output"] == []
            assert (row["refused_by"]["layer"], row["refused_by"]["message"]) == ref.refused


def test_sizes_with_a_fixed_width() -> None:
    code, out, _ = call(str(EXAMPLES / "vgg11-fixed.toml"), "--sizes", "30..34", "--width",
                        "1570", "--json")
    assert code == 0
    assert [r["valid"] for r in json.loads(out)] == [False, False, True, True, True]
    code, out, _ = call(str(EXAMPLES / "unet-padded.toml"), "--sizes", "15..17")
    assert code == 0
    assert "1 of 3 sizes valid" in out


def test_near_and_why() -> None:
    code, out, _ = call(str(EXAMPLES / "unet-padded.toml"), "--near", "100", "--why", "100")
    assert code == 0
    assert "nearest valid below 100: 96 → 96×96" in out
    assert "nearest valid above 100: 112 → 112×112" in out
    assert "why 100×100: layer up2.cat refuses it: Sizes of tensors must match except in " \
           "dimension 1" in out
    code, out, _ = call(str(EXAMPLES / "unet-padded.toml"), "--why", "96", "--json")
    assert json.loads(out)["why"]["valid"] is True


def test_markdown() -> None:
    code, out, _ = call(str(EXAMPLES / "dilated.toml"), "--markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[2].startswith("| layer | op |")
    assert any(line.startswith("| `conv6` | conv | k3 d16 →64 | `H − 64` |") for line in lines)
    assert "Valid set V: H ≥ 67 and W ≥ 67 — proved" in out


def _overfull(log: str) -> list[float]:
    return [float(m) for m in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", log)]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("name", ["unet-2015", "resnet18", "vgg11-fixed", "ceil-pool"])
def test_latex_table_compiles_without_overfull_boxes(name: str, tmp_path: Path) -> None:
    from symconv.texrun import pdflatex

    code, out, _ = call(str(EXAMPLES / f"{name}.toml"), "--latex", "--input", "572", "572")
    assert code == 0
    (tmp_path / "table.tex").write_text(out, encoding="utf-8")
    doc = ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n"
           "\\usepackage{booktabs,longtable,array}\n"
           "\\begin{document}\n\\input{table}\n\\end{document}\n")
    pdf = pdflatex(doc, tmp_path, "doc")
    assert pdf.exists()
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert max(_overfull(log), default=0.0) <= OVERFULL_LIMIT_PT, _overfull(log)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_table_takes_a_label_and_caption(tmp_path: Path) -> None:
    from symconv.texrun import compile_files

    code, out, err = call(str(EXAMPLES / "ceil-pool.toml"), "--latex", "--caption",
                          "Our net: 100% {sizes} & more", "--label", "tab:our-net")
    assert code == 0, err
    assert "\\caption{Our net: 100\\% \\{sizes\\} \\& more}\\label{tab:our-net}\\\\" in out
    doc = ("\\documentclass{article}\n\\usepackage{booktabs,longtable,array}\n"
           "\\begin{document}\n\\input{table}\nTable \\ref{tab:our-net}.\n\\end{document}\n")
    compile_files({"table.tex": out, "doc.tex": doc}, "doc.tex", tmp_path)
    assert "\\newlabel{tab:our-net}{{1}" in (tmp_path / "doc.aux").read_text()


@pytest.mark.parametrize(("argv", "needle"), [
    (("--caption", "x"), "--caption does not apply"),
    (("--label", "t"), "--label does not apply"),
    (("--latex", "--label", "tab:{x}"), "--label must be"),
    (("--latex", "--caption", ""), "--caption is empty"),
])
def test_latex_label_and_caption_bad_input(argv: tuple[str, ...], needle: str) -> None:
    code, out, err = call(str(EXAMPLES / "ceil-pool.toml"), *argv)
    assert code == 2
    assert needle in err
    assert out == ""


def test_an_empty_valid_set_is_reported_not_an_error(tmp_path: Path) -> None:
    spec = tmp_path / "empty.toml"
    spec.write_text('[input]\naxes = 1\n[[layer]]\nop = "global_avg_pool"\n[[layer]]\n'
                    'op = "flatten"\n[[layer]]\nop = "linear"\nin_features = 4\n'
                    'out_features = 2\n', encoding="utf-8")
    code, out, _ = call(str(spec))
    assert code == 0
    assert "valid set V: ∅ (no input size is valid)" in out
    assert "first layer making V empty: linear3 (guide: the features must equal" in out


def test_no_normal_form_prints_the_conjunction_and_exits_unknown(tmp_path: Path) -> None:
    layers = "".join('[[layer]]\nop = "conv"\nkernel = 3\nstride = 3\n' for _ in range(9))
    spec = tmp_path / "deep.toml"
    spec.write_text('[input]\naxes = 1\n' + layers + '[[layer]]\nname = "skip"\nop = "conv"\n'
                    'from = ["input"]\nkernel = 1\nstride = 19683\n[[layer]]\nop = "cat"\n'
                    'from = ["conv9", "skip"]\n', encoding="utf-8")
    code, out, _ = call(str(spec))
    assert code == 3
    assert "no normal form proved" in out
    assert "cat11: " in out


@pytest.mark.parametrize(("argv", "message"), [
    (["missing.toml"], "cannot read"),
    (["model.txt"], "expected a .toml or .json spec or an .onnx model"),
    (["nothere.onnx"], "no such file"),
    ([], "give a spec or ONNX file"),
    ([str(EXAMPLES / "dilated.toml"), "--sizes", "5-9"], "--sizes must be LO..HI"),
    ([str(EXAMPLES / "dilated.toml"), "--sizes", "9..5"], "LO must be <= HI"),
    ([str(EXAMPLES / "dilated.toml"), "--sizes", "0..5"], "LO must be >= 1"),
    ([str(EXAMPLES / "dilated.toml"), "--input", "5"], "--input needs 2 sizes"),
    ([str(EXAMPLES / "dilated.toml"), "--width", "5"], "--width goes with"),
    ([str(EXAMPLES / "dilated.toml"), "--kwargs", "{}"], "--rank go with --torch"),
    ([str(EXAMPLES / "dilated.toml"), "--timeout", "0"], "seconds in (0, 86400]"),
    ([str(EXAMPLES / "dilated.toml"), "--near", "0"], "--near must be >= 1"),
    (["--torch", "pkg:make", "--kwargs", "[1]"], "--kwargs must be a JSON object"),
    (["--torch", "pkg:make", "--kwargs", "{"], "--kwargs is not JSON"),
])
def test_bad_input_exits_2_with_a_clear_message(argv: list[str], message: str) -> None:
    code, out, err = call(*argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_missing_front_ends_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "symconv.network.torch_frontend", None)
    monkeypatch.setitem(sys.modules, "symconv.network.onnx_frontend", None)
    code, _, err = call("--torch", "torchvision.models:resnet18")
    assert code == 2
    assert "torch front-end" in err or "needs torch" in err
    model = tmp_path / "m.onnx"
    model.write_bytes(b"")
    code, _, err = call(str(model))
    assert code == 2
    assert "onnx front-end" in err or "needs onnx" in err


def test_help_text_mentions_running_user_code() -> None:
    out = io.StringIO()
    assert main(["network", "--help"], out, io.StringIO()) == 0
    assert "IMPORTS AND RUNS" in out.getvalue()


def test_a_flattened_output_is_shown_by_its_feature_count(tmp_path: Path) -> None:
    spec = tmp_path / "flat.toml"
    spec.write_text('name = "flat"\nframework = "torch"\n[input]\nchannels = 1\n'
                    '[[layer]]\nname = "conv"\nop = "conv"\nin_channels = 1\nchannels = 3\n'
                    'kernel = 3\nstride = 2\n'
                    '[[layer]]\nname = "flat"\nop = "flatten"\n', encoding="utf-8")
    code, out, err = call(str(spec), "--near", "9", "--why", "8")
    assert code == 0, err
    # 3 channels of (⌊(n − 3)/2⌋ + 1)² positions each
    count = {n: 3 * ((n - 3) // 2 + 1) ** 2 for n in (3, 8, 9, 10)}
    assert f"smallest valid input: 3×3 → {count[3]} features" in out
    assert f"9: valid → {count[9]} features" in out
    assert f"nearest valid above 9: 10 → {count[10]} features" in out
    assert f"why 8×8: it is valid → {count[8]} features" in out


def test_sizes_with_a_width_record_it_in_every_row() -> None:
    """--sizes LO..HI --width W: each row's point is (n, W), and the row is the network's answer
    at that point, not at the square (n, n)."""
    network = load_spec(EXAMPLES / "ceil-pool.toml")
    code, out, _ = call(str(EXAMPLES / "ceil-pool.toml"), "--sizes", "1..30", "--width", "12",
                        "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["point"] for r in rows] == [[n, 12] for n in range(1, 31)]
    for row in rows:
        ref = run(network, (row["size"], 12))
        assert row["valid"] == (ref.refused is None)
    code, out, _ = call(str(EXAMPLES / "ceil-pool.toml"), "--sizes", "1..3", "--width", "12")
    assert code == 0
    assert out.splitlines()[2].split()[0] == "1×12"


def test_a_keras_network_refuses_empty_outputs_as_keras_does(tmp_path: Path) -> None:
    spec = tmp_path / "k.toml"
    spec.write_text('name = "k"\nframework = "keras"\n[input]\nchannels = 3\n'
                    '[[layer]]\nname = "c1"\nop = "conv"\nkernel = 3\npadding = "valid"\n'
                    '[[layer]]\nname = "p1"\nop = "max_pool"\nkernel = 2\npadding = "valid"\n'
                    '[[layer]]\nname = "c2"\nop = "conv"\nkernel = 3\nstride = 2\n'
                    'padding = "same"\n', encoding="utf-8")
    code, out, err = call(str(spec), "--sizes", "1..9", "--json")
    assert code == 0, err
    for row in json.loads(out):
        n = row["size"]
        # keras.*.valid: ⌊(i − k)/s⌋ + 1, and 0 or less refused; same: ⌈i/s⌉
        c1 = n - 2
        p1 = (c1 - 2) // 2 + 1
        refused_by = "c1" if c1 <= 0 else "p1" if p1 <= 0 else None
        assert row["valid"] == (refused_by is None), row
        if refused_by is None:
            assert row["output"] == [-(-p1 // 2)] * 2, row
        else:
            assert row["refused_by"] == {
                "layer": refused_by, "message": "Computed output size would be zero or negative"}


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="pdflatex/pdftotext not installed")
def test_latex_names_are_text_never_tex(tmp_path: Path) -> None:
    """Network, layer and axis names from a spec reach the LaTeX table as text."""
    import subprocess

    from symconv.texrun import pdflatex

    secret = tmp_path / "secret.tex"
    secret.write_text("LEAKED-SECRET\n", encoding="utf-8")
    hostile = "1}\\input{" + secret.as_posix() + "}\\def\\x{"
    spec = tmp_path / "hostile.json"
    spec.write_text(json.dumps({
        "name": "net %#&$_^~" + hostile,
        "input": {"axes": ["H_in", "W"]},
        "layer": [{"name": hostile, "op": "conv", "channels": 4, "kernel": 3},
                  {"name": "a\n\nb}%", "op": "max_pool", "kernel": 2}],
    }), encoding="utf-8")
    code, out, err = call(str(spec), "--latex", "--input", "9", "9")
    assert code == 0, err
    assert "\\input{" not in out
    doc = ("\\documentclass{article}\n\\usepackage{booktabs,longtable,array}\n"
           "\\begin{document}\n\\input{table}\n\\end{document}\n")
    (tmp_path / "table.tex").write_text(out, encoding="utf-8")
    pdf = pdflatex(doc, tmp_path, "doc")
    shown = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                    check=True, text=True).stdout.split())
    assert "LEAKED-SECRET" not in shown
    assert "\\input{" in shown
    assert "net %#&$" in shown
