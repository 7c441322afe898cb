from __future__ import annotations

import io
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from latex_helpers import assert_typesets, in_article, needs_pdflatex
from numeric_reference import conv2d, shape
from symconv import reference
from symconv.cli import main
from symconv.errors import UsageError
from symconv.matrix import (
    LATEX_MAX_ROWS,
    conv_matrix,
    latex_blocks,
    latex_fragment,
    make_spec,
    output_size,
)

ROOT = Path(__file__).resolve().parents[1]

# Section 4.1's matrix as the guide prints it. Rows 1-3 have 15 entries there: the last column
# (a zero) is missing; row 4 has all 16.
GUIDE_4_1 = r"""
w_{0,0} & w_{0,1} & w_{0,2} & 0 & w_{1,0} & w_{1,1} & w_{1,2} & 0 & w_{2,0} & w_{2,1} & w_{2,2} & 0 & 0 & 0 & 0 \\
0 & w_{0,0} & w_{0,1} & w_{0,2} & 0 & w_{1,0} & w_{1,1} & w_{1,2} & 0 & w_{2,0} & w_{2,1} & w_{2,2} & 0 & 0 & 0 \\
0 & 0 & 0 & 0 & w_{0,0} & w_{0,1} & w_{0,2} & 0 & w_{1,0} & w_{1,1} & w_{1,2} & 0 & w_{2,0} & w_{2,1} & w_{2,2} \\
0 & 0 & 0 & 0 & 0 & w_{0,0} & w_{0,1} & w_{0,2} & 0 & w_{1,0} & w_{1,1} & w_{1,2} & 0 & w_{2,0} & w_{2,1} & w_{2,2}
"""  # noqa: E501


def _guide_rows() -> list[list[str]]:
    rows = list(GUIDE_4_1.strip().split("\\\\"))
    return [[x.strip() for x in r.split("&")] for r in rows]


def test_section_4_1_matrix() -> None:
    c = conv_matrix(make_spec(4, 3))
    assert c.shape == (4, 16)
    guide = _guide_rows()
    assert [len(r) for r in guide] == [15, 15, 15, 16]  # the guide's misprint
    for r, row in enumerate(guide):
        ours = [str(c[r, j]) for j in range(16)]
        assert ours[: len(row)] == row
        assert ours[len(row):] == ["0"] * (16 - len(row))


def _numeric(c: sp.Matrix, w: list[list[int]]) -> list[list[int]]:
    out = []
    for r in range(c.rows):
        row = []
        for j in range(c.cols):
            e = c[r, j]
            if e == 0:
                row.append(0)
            else:
                idx = [int(v) for v in e.name[3:-1].split(",")]
                row.append(w[idx[0]][idx[1]] if len(idx) == 2 else w[0][idx[0]])
        out.append(row)
    return out


axis = st.tuples(
    st.integers(1, 7), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3), st.integers(1, 3)
).filter(lambda t: t[0] + 2 * t[3] >= t[1] + (t[1] - 1) * (t[4] - 1))


@settings(max_examples=60, deadline=None)
@given(axis, axis, st.randoms(use_true_random=False))
def test_matrix_times_input_is_the_convolution(ax1: tuple[int, ...], ax2: tuple[int, ...],
                                               rnd: random.Random) -> None:
    spec = make_spec(*[[a, b] for a, b in zip(ax1, ax2, strict=True)])
    x = [[rnd.randint(-9, 9) for _ in range(ax2[0])] for _ in range(ax1[0])]
    w = [[rnd.randint(-9, 9) for _ in range(ax2[1])] for _ in range(ax1[1])]
    ref = conv2d(x, w, (ax1[2], ax2[2]), (ax1[3], ax2[3]), (ax1[4], ax2[4]))
    assert spec.output_shape == shape(ref)
    c = _numeric(conv_matrix(spec), w)
    flat_x = [v for row in x for v in row]
    y = [sum(cv * xv for cv, xv in zip(crow, flat_x, strict=True)) for crow in c]
    assert y == [v for row in ref for v in row]


@settings(max_examples=40, deadline=None)
@given(axis, st.randoms(use_true_random=False))
def test_1d_matrix(ax: tuple[int, ...], rnd: random.Random) -> None:
    i, k, s, p, d = ax
    spec = make_spec(i, k, s, p, d, dims=1)
    x = [rnd.randint(-9, 9) for _ in range(i)]
    w = [rnd.randint(-9, 9) for _ in range(k)]
    ref = conv2d([x], [w], (1, s), (0, p), (1, d))[0]
    assert ref == reference.convolve(x, w, s, p, d)
    c = _numeric(conv_matrix(spec), [w])
    assert [sum(a * b for a, b in zip(row, x, strict=True)) for row in c] == ref
    assert output_size(i, k, s, p, d) == len(ref)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"input": 0, "kernel": 1}, "input"),
        ({"input": 4, "kernel": 0}, "kernel"),
        ({"input": 4, "kernel": 3, "stride": 0}, "stride"),
        ({"input": 4, "kernel": 3, "padding": -1}, "padding"),
        ({"input": 4, "kernel": 3, "dilation": 0}, "dilation"),
        ({"input": True, "kernel": 3}, "input"),
        ({"input": 2, "kernel": 3}, "kernel does not fit"),
        ({"input": [4, 5, 6], "kernel": 3, "dims": 2}, "input"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(UsageError, match=name):
        make_spec(**kwargs)  # type: ignore[arg-type]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_json_is_the_4x16_matrix_and_its_transpose() -> None:
    code, out, _ = _run("matrix", "--input", "4", "--kernel", "3", "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["output"] == [2, 2]
    assert len(obj["C"]) == 4
    assert all(len(r) == 16 for r in obj["C"])
    assert obj["C_T"] == [list(col) for col in zip(*obj["C"], strict=True)]
    assert obj["C"][3][5] == "w_{0,0}"


def test_cli_text_latex_and_non_square() -> None:
    code, out, _ = _run("matrix", "-i", "4", "-k", "3")
    assert code == 0
    assert "C: 4 × 16" in out
    assert "Cᵀ: 16 × 4" in out
    code, out, _ = _run("matrix", "-i", "4", "-k", "3", "--latex")
    assert code == 0
    assert r"\mathbf{C}^T" in out
    assert "w_{2,2}" in out
    code, out, _ = _run("matrix", "-i", "3,5", "-k", "2,3", "-s", "1,2", "-d", "1,1", "--json")
    obj = json.loads(out)
    assert obj["output"] == [2, 2]
    assert len(obj["C"][0]) == 15
    code, out, _ = _run("matrix", "-i", "5", "-k", "3", "-s", "2", "-p", "1", "--dims", "1",
                        "--json")
    assert json.loads(out)["C"][0] == ["w_{1}", "w_{2}", "0", "0", "0"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["-i", "4", "-k", "3", "-s", "0"], "stride"),
        (["-i", "4", "-k", "5"], "kernel does not fit"),
        (["-i", "4,5", "-k", "3", "--dims", "1"], "--input"),
        (["-i", "4,5,6", "-k", "3"], "--input"),
        (["-i", "x", "-k", "3"], "--input"),
        (["-i", "4", "-k", "3", "--dims", "3"], "--dims"),
        (["-k", "3"], "--input"),
        (["-i", "4", "-k", "3", "--json", "--latex"], "--latex"),
    ],
)
def test_cli_errors_exit_2(argv: list[str], needle: str) -> None:
    code, out, err = _run("matrix", *argv)
    assert code == 2
    assert needle in (json.loads(out)["error"] if "--json" in argv else err)
    assert "Traceback" not in err


def test_cli_subprocess_exit_code() -> None:
    proc = subprocess.run([sys.executable, "-m", "symconv", "matrix", "-i", "4", "-k", "3",
                           "-p", "-1"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 2
    assert "padding must be >= 0, got -1" in proc.stderr


# (input, kernel, stride, padding, dilation, dims): the guide's §4.1, 1-D, strided, larger inputs
# (C in blocks, some of zeros), two-digit kernel indices, per-axis values.
LATEX_CASES = [
    (4, 3, 1, 0, 1, 2), (4, 3, 1, 0, 1, 1), (5, 3, 2, 1, 1, 2), (7, 3, 1, 0, 1, 2),
    (12, 11, 1, 0, 1, 2), (40, 3, 1, 0, 1, 1), ([3, 5], [2, 3], [1, 2], 0, 1, 2),
    (7, 3, 1, 0, 2, 2), (10, 3, 1, 0, 1, 2),
]


def _array_bodies(text: str) -> dict[str, list[list[str]]]:
    """Each ``NAME = \\left(\\begin{array}…`` display of a --latex fragment, as cells."""
    out = {}
    for m in re.finditer(r"(\\mathbf\{C\}[^=]*) = \\left\(\\begin\{array\}\{c+\}\n(.*?)\n"
                         r"\\end\{array\}", text, flags=re.S):
        out[m[1]] = [[x.strip() for x in row.split("&")] for row in m[2].split("\\\\\n")]
    return out


@pytest.mark.parametrize("case", LATEX_CASES, ids=str)
def test_latex_blocks_put_together_are_c(case: tuple) -> None:
    """The blocks --latex shows, reassembled at the bands' positions, are C entry by entry;
    each band is at most LATEX_MAX_ROWS rows, and the bands cover C once, in order."""
    spec = make_spec(*case[:5], dims=case[5])
    c = conv_matrix(spec)
    rows, cols = latex_blocks(spec, c)
    assert [x for band in rows for x in band] == list(range(c.rows))
    assert [x for band in cols for x in band] == list(range(c.cols))
    assert all(len(band) <= LATEX_MAX_ROWS for band in rows)
    shown = _array_bodies(latex_fragment(spec, c))
    full = [["0"] * c.cols for _ in range(c.rows)]
    for r, band in enumerate(rows):
        for q, cut in enumerate(cols):
            sub = ",".join(str(n + 1) for n, many in ((r, len(rows) > 1), (q, len(cols) > 1))
                           if many)
            name = r"\mathbf{C}" if len(rows) == len(cols) == 1 else rf"\mathbf{{C}}_{{{sub}}}"
            if name not in shown:  # a block of zeros, shown as \mathbf{0}
                assert all(c[x, y] == 0 for x in band for y in cut)
                continue
            for x, line in zip(band, shown[name], strict=True):
                for y, cell in zip(cut, line, strict=True):
                    full[x][y] = cell
    assert full == [[sp.latex(c[x, y]) for y in range(c.cols)] for x in range(c.rows)]


@needs_pdflatex
@pytest.mark.parametrize("case", LATEX_CASES, ids=str)
def test_latex_is_input_in_a_paper(tmp_path: Path, case: tuple) -> None:
    """``matrix --latex`` as a paper \\inputs it, mid-text: no package, no overfull box."""
    argv = ["matrix", "--latex", "--dims", str(case[5])]
    for flag, value in zip(("-i", "-k", "-s", "-p", "-d"), case[:5], strict=True):
        argv += [flag, ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    code, out, err = _run(*argv)
    assert code == 0, err
    paper = in_article("Text before it.\n\\input{matrix.tex}\nText after it.\n")
    assert_typesets({"matrix.tex": out, "paper.tex": paper}, "paper.tex", tmp_path)


@pytest.mark.parametrize("argv", [["-i", "100", "-k", "3"],
                                  ["-i", "10000000000", "-k", "3", "--dims", "1"],
                                  ["-i", "300", "-k", "3", "--dims", "1", "--json"]])
def test_sizes_that_cannot_be_shown_are_refused_up_front(argv: list[str]) -> None:
    import time

    start = time.perf_counter()
    code, out, err = _run("matrix", *argv)
    assert code == 2
    message = json.loads(out)["error"] if "--json" in argv else err
    assert "at most 65536" in message
    assert time.perf_counter() - start < 30


def test_the_largest_shown_matrix_is_within_the_limit() -> None:
    from symconv.matrix import MAX_ENTRIES, check_size, make_spec

    spec = make_spec(16, 3, dims=2)
    assert spec.rows * spec.cols <= MAX_ENTRIES
    check_size(spec)
    with pytest.raises(UsageError, match="at most"):
        check_size(make_spec(18, 3, dims=2))


def test_lists_are_written_one_way_with_spaces_or_commas() -> None:
    code, spaced, _ = _run("matrix", "--input", "4", "5", "--kernel", "3", "2", "--json")
    assert code == 0
    code, commas, _ = _run("matrix", "--input", "4,5", "--kernel", "3,2", "--json")
    assert code == 0
    assert spaced == commas
    assert json.loads(spaced)["input"] == [4, 5]
