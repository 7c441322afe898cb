from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latex_helpers import assert_typesets, in_article, needs_pdflatex
from numeric_reference import conv2d, shape
from symconv import figures, texrun
from symconv.cli import main
from symconv.errors import UsageError
from symconv.matrix import make_spec

ROOT = Path(__file__).resolve().parents[1]
HAVE_PDFLATEX = shutil.which("pdflatex") is not None
HAVE_PDFTOPPM = shutil.which("pdftoppm") is not None


def _fig(number: str) -> figures.Drawing:
    (fig,) = [f for f in figures.GUIDE_FIGURES if f.number == number]
    return figures.guide_drawing(fig)


def _out_shape(caption: str) -> tuple[int, int]:
    m = re.search(r"The output is \$(\d+) \\times (\d+)\$", caption)
    assert m is not None, caption
    return int(m.group(1)), int(m.group(2))


def test_figure_2_3_says_p_1() -> None:
    cap = _fig("2.3").caption
    assert "$p = 1$" in cap
    assert "$p = 2$" not in cap
    assert "relation 3" in cap


def test_figure_4_7_equivalent_input_is_3x3() -> None:
    cap = _fig("4.7").caption
    assert "over a $3 \\times 3$ input (with $1$ zero inserted" in cap
    assert "$a = 1$" in cap
    assert "$\\tilde{i}' = 5$" in cap
    assert "$p' = 1$" in cap
    assert "relation 14" in cap
    assert _out_shape(cap) == (6, 6)


def test_figure_2_7_reports_the_uncovered_padding() -> None:
    assert "bottom 1 row and the right 1 column" in _fig("2.7").caption
    assert "does not reach" not in _fig("2.6").caption


@pytest.mark.parametrize(
    ("number", "relation"),
    [("2.1", "1"), ("2.2", "2"), ("2.3", "3"), ("2.4", "4"), ("2.5", "5"), ("2.6", "6"),
     ("2.7", "6"), ("4.1", "8"), ("4.2", "9"), ("4.3", "10"), ("4.4", "11"), ("4.5", "12"),
     ("4.6", "13"), ("4.7", "14"), ("5.1", "15"), ("1.5", "7")],
)
def test_each_figure_names_its_relation(number: str, relation: str) -> None:
    assert f"relation {relation})" in _fig(number).caption


def _p_prime(k: int, p: int, d: int = 1) -> int:
    return k + (k - 1) * (d - 1) - p - 1


@pytest.mark.parametrize("fig", figures.GUIDE_FIGURES, ids=lambda f: f.number)
def test_captions_against_the_numeric_reference(fig: figures.GuideFigure) -> None:
    drawing = figures.guide_drawing(fig)
    spec = drawing.spec
    x = [[1] * spec.input_shape[1] for _ in range(spec.input_shape[0])]
    w = [[1] * spec.kernel_shape[1] for _ in range(spec.kernel_shape[0])]
    ax0, ax1 = spec.axes
    direct = shape(conv2d(x, w, (ax0.stride, ax1.stride), (ax0.padding, ax1.padding),
                          (ax0.dilation, ax1.dilation)))
    cap = drawing.caption
    i, k, p = fig.input, fig.kernel, ax0.padding
    assert f"$i = {i}$" in cap
    assert f"$k = {k}$" in cap
    assert f"$s = {fig.stride}$" in cap
    if fig.kind == "transposed":
        assert _out_shape(cap) == (i, i)
        assert f"$i' = {direct[0]}$" in cap
        assert f"$p' = {_p_prime(k, p)}$" in cap
        stretched = direct[0] + (fig.stride - 1) * (direct[0] - 1)
        assert len(drawing.grid) == stretched + 2 * _p_prime(k, p) + (
            (i + 2 * p - k) % fig.stride)
    else:
        assert _out_shape(cap) == direct
        if fig.kind != "pool":
            assert f"$p = {p}$" in cap


axis = st.tuples(st.integers(1, 7), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3),
                 st.integers(1, 2))


@settings(max_examples=60, deadline=None)
@given(axis, axis, st.sampled_from(["conv", "transposed", "dilated"]))
def test_any_figure_matches_the_reference(ax0: tuple[int, ...], ax1: tuple[int, ...],
                                          kind: str) -> None:
    try:
        spec = make_spec(*[[a, b] for a, b in zip(ax0, ax1, strict=True)])
        drawing = figures.build(kind, spec)
    except UsageError:
        return
    x = [[1] * ax1[0] for _ in range(ax0[0])]
    w = [[1] * ax1[1] for _ in range(ax0[1])]
    direct = shape(conv2d(x, w, (ax0[2], ax1[2]), (ax0[3], ax1[3]), (ax0[4], ax1[4])))
    units = sum(row.count("unit") for row in drawing.grid)
    if kind == "transposed":
        assert drawing.out_shape == (ax0[0], ax1[0])
        assert units == direct[0] * direct[1]
        assert _out_shape(drawing.caption) == (ax0[0], ax1[0])
    else:
        assert drawing.out_shape == direct
        assert units == ax0[0] * ax1[0]
        assert _out_shape(drawing.caption) == direct
    frames = (ax0[0] * ax1[0]) if kind == "transposed" else direct[0] * direct[1]
    assert len(figures.tikz_pictures(drawing, frames=True)) == frames


def test_transposed_figure_refuses_too_much_padding() -> None:
    with pytest.raises(UsageError, match="padding"):
        figures.build("transposed", make_spec(5, 3, 1, 3))


def test_generated_files_are_up_to_date() -> None:
    stale = []
    for path, text in figures.artifacts().items():
        target = ROOT / "generated" / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path)
    assert not stale, f"generated/ is stale ({stale}); run `symconv generate`"


def test_artifacts_are_deterministic_and_bannered() -> None:
    first, second = figures.artifacts(), figures.artifacts()
    assert first == second
    for path, text in first.items():
        assert text.startswith("% Generated by `symconv generate` -- do not edit."), path
    numbers = {f.number for f in figures.GUIDE_FIGURES}
    assert {"1.2", "2.1", "2.7", "4.1", "4.7", "5.1"} <= numbers
    for fig in figures.GUIDE_FIGURES:
        assert f"\\input{{../{figures.figure_path(fig)}}}" in first["latex/figures.tex"]


@pytest.mark.slow
@needs_pdflatex
def test_figures_tex_typesets(tmp_path: Path) -> None:
    compiled = assert_typesets(figures.artifacts(), "latex/figures.tex", tmp_path)
    assert compiled.pdf.read_bytes().startswith(b"%PDF")
    assert "Float(s) lost" not in compiled.log
    for fig in figures.GUIDE_FIGURES:
        assert f"figure-{fig.number.replace('.', '-')}.tex" in compiled.log


@pytest.mark.slow
@needs_pdflatex
def test_each_guide_figure_fits_a_papers_column(tmp_path: Path) -> None:
    """Each generated/figures/*.tex as a paper \\inputs it: a 345pt article column (the
    drawings are up to 15cm wide on their own)."""
    arts = figures.artifacts()
    body = "\n".join(f"\\input{{{path}}}\\clearpage"
                     for path in arts if path.startswith("figures/"))
    assert_typesets({**arts, "paper.tex": in_article(body, ("tikz",))}, "paper.tex", tmp_path)


@needs_pdflatex
@pytest.mark.parametrize("argv", [
    ["conv", "-i", "16", "-k", "3", "-s", "2", "-p", "1"],
    ["transposed", "-i", "9", "-k", "4", "-s", "3", "-p", "1"],
    ["dilated", "-i", "11", "-k", "3", "-d", "3"],
    ["pool", "-i", "5", "-k", "3", "--frames"],
    ["conv", "-i", "16,5", "-k", "3", "-s", "6,1", "--frames"],
])
def test_cli_tikz_fits_a_papers_column(tmp_path: Path, argv: list[str]) -> None:
    code, out, err = _run("figure", *argv)
    assert code == 0, err
    assert_typesets({"fig.tex": out, "paper.tex": in_article("\\input{fig.tex}", ("tikz",))},
                    "paper.tex", tmp_path)


@needs_pdflatex
@pytest.mark.parametrize("frames", [False, True])
def test_standalone_document_typesets(tmp_path: Path, frames: bool) -> None:
    drawing = figures.build("conv", make_spec(12, 3, 2 if not frames else 6, 1, dims=2))
    document = figures.standalone_document(drawing, frames=frames)
    compiled = assert_typesets({"figure.tex": document}, "figure.tex", tmp_path)
    assert compiled.pdf.read_bytes().startswith(b"%PDF")
    if not frames and HAVE_PDFTOPPM:
        # the pdf/png page keeps the drawing's own size: 4 panels of 14 cells at 0.268cm and a
        # 10pt margin each side, about 443pt (not shrunk to a 345pt column)
        png = texrun.png_pages(document, resolution=72)[0]
        assert 435 <= int.from_bytes(png[16:20], "big") <= 450


def test_latex_errors_are_reported(tmp_path: Path) -> None:
    if not HAVE_PDFLATEX:
        pytest.skip("pdflatex not installed")
    with pytest.raises(texrun.LatexError, match="Undefined control sequence"):
        texrun.pdflatex("\\documentclass{article}\\begin{document}\\nosuchmacro\\end{document}",
                        tmp_path)


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_tikz_to_stdout() -> None:
    code, out, _ = _run("figure", "conv", "-i", "5", "-k", "3", "-p", "1", "--number", "2.3")
    assert code == 0
    assert "\\begin{tikzpicture}" in out
    assert "\\renewcommand{\\thefigure}{2.3}" in out
    assert "$p = 1$" in out


@needs_pdflatex
def test_figures_take_a_label_and_caption_and_leave_the_papers_numbers(tmp_path: Path) -> None:
    """A paper \\inputs a figure shown as the guide's 2.3 and one it numbers itself: each has
    the label given, \\ref gives 2.3 and 1 (the hand-numbered one does not use up the paper's
    figure 1), and a caption of the user's typesets as the text it is."""
    code, guide, _ = _run("figure", "conv", "-i", "5", "-k", "3", "-p", "1", "--number", "2.3",
                          "--label", "fig:guide-like")
    assert code == 0
    assert "\\label{fig:guide-like}" in guide
    caption = "Ours: 50% of {i} \\input{x} & more_text #1"
    code, ours, _ = _run("figure", "pool", "-i", "4", "-k", "2", "-s", "2", "--caption", caption,
                         "--label", "fig:ours")
    assert code == 0
    assert "\\label{fig:ours}" in ours
    paper = in_article("\\input{guide.tex}\n\\input{ours.tex}\nSee \\ref{fig:guide-like} and "
                       "\\ref{fig:ours}.", ["tikz"], options="twocolumn")
    compiled = assert_typesets({"guide.tex": guide, "ours.tex": ours, "paper.tex": paper},
                               "paper.tex", tmp_path)
    aux = (tmp_path / "paper.aux").read_text()
    assert "\\newlabel{fig:guide-like}{{2.3}" in aux
    assert "\\newlabel{fig:ours}{{1}" in aux
    assert "Undefined" not in compiled.log
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(compiled.pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        # pdftotext reads OT1's \\_ (a rule) as a space
        assert "Ours: 50% of {i} \\input{x} & more text #1" in " ".join(text.split())


@pytest.mark.parametrize(("argv", "needle"), [
    (("--label", "a}b"), "--label must be 1 to 200 letters"),
    (("--label", ""), "--label must be"),
    (("--label", "x" * 201), "--label must be"),
    (("--label", "fig:x", "--out", "f.pdf"), "--label does not apply"),
    (("--caption", "   "), "--caption is empty"),
    (("--caption", "x" * 2001), "at most 2000"),
    (("--caption", "c", "--frames"), "--caption does not apply"),
])
def test_bad_label_or_caption_is_bad_input(argv: tuple[str, ...], needle: str) -> None:
    code, out, err = _run("figure", "conv", "-i", "5", "-k", "3", *argv)
    assert code == 2
    assert needle in err
    assert out == ""


def test_cli_frames() -> None:
    code, out, _ = _run("figure", "conv", "-i", "4,5", "-k", "3", "--frames")
    assert code == 0
    assert out.count("\\begin{tikzpicture}") == 2 * 3


@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")
def test_cli_pdf(tmp_path: Path) -> None:
    target = tmp_path / "fig.pdf"
    code, _, err = _run("figure", "transposed", "-i", "6", "-k", "3", "-s", "2", "-p", "1",
                        "--out", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.slow
@pytest.mark.skipif(not (HAVE_PDFLATEX and HAVE_PDFTOPPM), reason="pdflatex/pdftoppm missing")
def test_cli_png_and_png_frames(tmp_path: Path) -> None:
    target = tmp_path / "fig.png"
    code, _, err = _run("figure", "dilated", "-i", "7", "-k", "3", "--out", str(target),
                        "--resolution", "40")
    assert code == 0, err
    assert target.read_bytes().startswith(b"\x89PNG")
    code, _, err = _run("figure", "pool", "-i", "4", "-k", "3", "--frames", "--out",
                        str(tmp_path / "anim.png"), "--resolution", "30")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.glob("anim-*.png")) == [
        f"anim-{n:03d}.png" for n in range(1, 5)]


def test_cli_missing_tool_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setattr(texrun.shutil, "which", lambda name: None)
    code, _, err = _run("figure", "conv", "-i", "4", "-k", "3", "--out",
                        str(tmp_path / "x.pdf"))
    assert code == 2
    assert "pdflatex is not installed" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["pool", "-i", "5", "-k", "3", "-p", "1"], "padding"),
        (["transposed", "-i", "6", "-k", "3", "-s", "2", "-p", "1", "-a", "0"], "output-padding"),
        (["transposed", "-i", "6", "-k", "3", "-p", "3"], "padding"),
        (["conv", "-i", "5", "-k", "3", "-a", "1"], "output-padding"),
        (["conv", "-i", "5", "-k", "3", "--format", "pdf"], "--out"),
        (["conv", "-i", "2", "-k", "3"], "kernel does not fit"),
        (["conv", "-i", "5", "-k", "3", "-s", "0"], "stride"),
        (["conv", "-i", "5,5,5", "-k", "3"], "--input"),
        (["spiral", "-i", "5", "-k", "3"], "kind"),
        (["conv", "-i", "5", "-k", "3", "--pool", "average"], "--pool"),
    ],
)
def test_cli_errors_exit_2(argv: list[str], needle: str) -> None:
    code, _, err = _run("figure", *argv)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("argv", "needle"), [
    (["conv", "-i", "500", "-k", "3", "-o", "big.png"], "at most 10000 cells"),
    (["conv", "-i", "37", "-k", "3"], "allows at most 10000 per picture"),
    (["conv", "-i", "1000000000", "-k", "3"], "at most 10000 cells"),
    (["transposed", "-i", "300", "-k", "3", "-s", "2"], "at most 10000 cells"),
    (["conv", "-i", "40", "-k", "3", "--frames"], "at most 100000"),
    (["conv", "-i", "5", "-k", "3", "-o", "out.jpg"], "cannot write '.jpg' files"),
    (["conv", "-i", "5", "-k", "3", "-o", "out.png", "--format", "tikz"],
     "--format tikz does not match --out out.png"),
    (["conv", "-i", "5", "-k", "3", "-o", "out.tex", "--format", "pdf"], "does not match"),
    (["conv", "-i", "5", "-k", "3", "--pool", "max"], "--pool does not apply"),
    (["conv", "-i", "5", "-k", "3", "--resolution", "50"], "--resolution does not apply"),
])
def test_limits_and_formats_are_checked_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], needle: str
) -> None:
    import time

    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    code, out, err = _run("figure", *argv)
    assert (code, out) == (2, "")
    assert needle in err
    assert list(tmp_path.iterdir()) == []  # nothing written
    assert time.perf_counter() - start < 30


def test_the_limits_admit_the_largest_figure_they_promise() -> None:
    from symconv.figures import MAX_CELLS, build, check_size, drawn_cells

    drawing = build("conv", make_spec(35, 3, dims=2))
    check_size(drawing)
    assert drawn_cells(drawing)[0] <= MAX_CELLS


def test_a_latex_failure_is_not_refuted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(tex: str) -> bytes:
        raise texrun.LatexError("pdflatex failed on figure.tex (exit 1): ! TeX capacity exceeded")

    monkeypatch.setattr(texrun, "pdf_bytes", fail)
    code, _, err = _run("figure", "conv", "-i", "5", "-k", "3", "-o", str(tmp_path / "x.pdf"))
    assert code == 70
    assert "bug" in err


def test_json_reports_what_was_drawn(tmp_path: Path) -> None:
    code, out, _ = _run("figure", "conv", "-i", "5", "-k", "3", "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["relations"] == ["R1", "R1"]
    assert obj["output"] == [3, 3]
    assert "\\begin{tikzpicture}" in obj["tikz"]
    target = tmp_path / "f.tex"
    code, out, _ = _run("figure", "conv", "-i", "5", "-k", "3", "-o", str(target), "--json")
    assert code == 0
    assert json.loads(out)["files"] == [str(target)]
    assert json.loads(out)["tikz"] is None
    assert target.read_text().startswith("\\begin{figure}") or "tikzpicture" in target.read_text()


@pytest.mark.skipif(not HAVE_PDFLATEX or shutil.which("pdftotext") is None,
                    reason="pdflatex/pdftotext missing")
def test_the_figure_number_is_text_never_tex(tmp_path: Path) -> None:
    """The issue's --number injected ``\\input`` into the PDF, and ``%`` was an internal error."""
    import subprocess

    secret = tmp_path / "secret.tex"
    secret.write_text("LEAKED-SECRET\n", encoding="utf-8")
    number = "1}\\input{" + secret.as_posix() + "}\\def\\x{"
    target = tmp_path / "x.pdf"
    code, _, err = _run("figure", "conv", "-i", "4", "-k", "3", "--number", number,
                        "--out", str(target))
    assert code == 0, err
    shown = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, check=True,
                           text=True).stdout
    assert "LEAKED-SECRET" not in shown
    assert "Figure 1}\\input{" in " ".join(shown.split())
    code, out, err = _run("figure", "conv", "-i", "4", "-k", "3", "--number", number)
    assert code == 0, err
    assert "\\input{" not in out
    for number in ("%", "#", "\\", "{", "}", "^", "~", "$", "&", "_", "2\n\n3", "é"):
        code, _, err = _run("figure", "conv", "-i", "4", "-k", "3", "--number", number,
                            "--out", str(tmp_path / "n.pdf"))
        assert code == 0, (number, err)
        code, out, err = _run("figure", "conv", "-i", "4", "-k", "3", "--number", number)
        assert code == 0, (number, err)
        assert_typesets({"fig.tex": out, "paper.tex": in_article("\\input{fig.tex}", ("tikz",))},
                        "paper.tex", tmp_path / f"n{ord(number[0])}")
