"""A convolution as a sparse matrix C (guide §4.1), with symbolic weights.

Inputs and outputs are flattened row-major (left to right, top to bottom), as in §4.1. Along an
axis with input i, kernel k, stride s, padding p and dilation d, output unit ``o`` reads input
unit ``x = o·s − p + m·d`` through kernel tap ``m`` (0 ≤ m < k) when ``0 ≤ x < i``; otherwise it
reads padding. An N-D entry C[o, x] is the weight ``w_m`` whose taps match on every axis, else 0.
Each entry is a single weight or 0: along an axis, ``o`` and ``x`` determine ``m``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from symconv.errors import UsageError

Index = tuple[int, ...]


@lru_cache(maxsize=4096)
def output_size(i: int, k: int, s: int, p: int, d: int = 1) -> int:
    """Relation 15, ``⌊(i + 2p − k − (k − 1)(d − 1))/s⌋ + 1``, evaluated from the relation's
    SymPy expression (no second copy of the formula)."""
    from symconv.evaluate import evaluate
    from symconv.relations import RELATIONS

    value = evaluate(RELATIONS["R15"].expr, {"i": i, "k": k, "s": s, "p": p, "d": d})
    if isinstance(value, bool):
        raise TypeError("relation 15 evaluated to a truth value")
    return value


def effective_kernel(k: int, d: int) -> int:
    """k̂ = k + (k − 1)(d − 1)."""
    return k + (k - 1) * (d - 1)


@dataclass(frozen=True, slots=True)
class Axis:
    """One axis of a convolution; ``output`` follows from relation 15."""

    input: int
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1

    @property
    def extent(self) -> int:
        return effective_kernel(self.kernel, self.dilation)

    @property
    def output(self) -> int:
        return output_size(self.input, self.kernel, self.stride, self.padding, self.dilation)

    def taps(self) -> Iterator[tuple[int, int, int]]:
        """``(o, x, m)``: output unit o reads input unit x through kernel tap m."""
        for o in range(self.output):
            for m in range(self.kernel):
                x = o * self.stride - self.padding + m * self.dilation
                if 0 <= x < self.input:
                    yield o, x, m


@dataclass(frozen=True, slots=True)
class ConvSpec:
    """An N-D convolution, one :class:`Axis` per spatial axis (row axis first)."""

    axes: tuple[Axis, ...]

    @property
    def dims(self) -> int:
        return len(self.axes)

    @property
    def input_shape(self) -> Index:
        return tuple(a.input for a in self.axes)

    @property
    def output_shape(self) -> Index:
        return tuple(a.output for a in self.axes)

    @property
    def kernel_shape(self) -> Index:
        return tuple(a.kernel for a in self.axes)

    @property
    def rows(self) -> int:
        return math.prod(self.output_shape)

    @property
    def cols(self) -> int:
        return math.prod(self.input_shape)


def _per_axis(name: str, value: int | Sequence[int], dims: int) -> tuple[int, ...]:
    values = (value,) if isinstance(value, int) else tuple(value)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int):
            raise UsageError(f"{name} must be an integer, got {v!r}")
    if len(values) == 1:
        return values * dims
    if len(values) != dims:
        raise UsageError(f"{name} needs 1 or {dims} values (one per axis), got {len(values)}")
    return values


def make_spec(
    input: int | Sequence[int],
    kernel: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    *,
    dims: int | None = None,
) -> ConvSpec:
    """Validated spec; one value applies to every axis. ``dims`` defaults to the longest list
    given, else 2 (the guide's setting). Raises :class:`UsageError` naming the parameter."""
    given = {"input": input, "kernel": kernel, "stride": stride, "padding": padding,
             "dilation": dilation}
    if dims is None:
        lengths = [len(v) for v in given.values() if not isinstance(v, int) and len(v) > 1]
        dims = max(lengths, default=2)
    if isinstance(dims, bool) or not isinstance(dims, int) or dims < 1:
        raise UsageError(f"dims must be an integer >= 1, got {dims!r}")
    vals = {name: _per_axis(name, v, dims) for name, v in given.items()}
    lows = {"input": 1, "kernel": 1, "stride": 1, "padding": 0, "dilation": 1}
    per_axis = {name for name, v in given.items() if not isinstance(v, int) and len(v) > 1}
    for name, low in lows.items():
        for ax, v in enumerate(vals[name]):
            if v < low:
                where = f" on axis {ax + 1}" if name in per_axis else ""
                raise UsageError(f"{name} must be >= {low}{where}, got {v}")
    axes = tuple(
        Axis(vals["input"][n], vals["kernel"][n], vals["stride"][n], vals["padding"][n],
             vals["dilation"][n])
        for n in range(dims)
    )
    for n, axis in enumerate(axes):
        if axis.input + 2 * axis.padding < axis.extent:
            where = f" on axis {n + 1}" if dims > 1 else ""
            raise UsageError(
                f"kernel does not fit{where}: needs input + 2*padding >= dilated kernel "
                f"k + (k-1)(d-1) = {axis.extent}, got {axis.input} + 2*{axis.padding} = "
                f"{axis.input + 2 * axis.padding}"
            )
    return ConvSpec(axes)


# What can be shown: C has prod(output) × prod(input) entries, each a SymPy object, and is
# printed whole (C and Cᵀ). 65,536 entries (e.g. a 16 × 16 input, 3 × 3 kernel: 196 × 256) build
# and print in about a second; 100 × 100 would be 96 million entries and gigabytes.
MAX_ENTRIES = 65_536


def check_size(spec: ConvSpec) -> None:
    """UsageError, before anything is built, if C has more than MAX_ENTRIES entries."""
    if spec.rows * spec.cols > MAX_ENTRIES:
        raise UsageError(
            f"input: C would be {spec.rows} × {spec.cols} = {spec.rows * spec.cols} entries; "
            f"symconv matrix shows at most {MAX_ENTRIES} (e.g. a 16 × 16 input with a 3 × 3 "
            "kernel): use a smaller --input, or `symconv shape` for the output size alone")


def flat(index: Index, shape: Index) -> int:
    """Row-major position of ``index`` in an array of ``shape``."""
    pos = 0
    for x, n in zip(index, shape, strict=True):
        pos = pos * n + x
    return pos


def unflat(pos: int, shape: Index) -> Index:
    out: list[int] = []
    for n in reversed(shape):
        pos, x = divmod(pos, n)
        out.append(x)
    return tuple(reversed(out))


def structure(spec: ConvSpec) -> dict[tuple[int, int], Index]:
    """The pattern of C: ``(row, col) -> kernel index`` for every nonzero entry."""
    out: dict[tuple[int, int], Index] = {}
    per_axis = [list(ax.taps()) for ax in spec.axes]
    for combo in itertools.product(*per_axis):
        o = tuple(t[0] for t in combo)
        x = tuple(t[1] for t in combo)
        m = tuple(t[2] for t in combo)
        out[flat(o, spec.output_shape), flat(x, spec.input_shape)] = m
    return out


def weight_name(m: Index) -> str:
    return "w_{" + ",".join(str(x) for x in m) + "}"


def weight(m: Index) -> sp.Symbol:
    """The kernel weight ``w_{m}`` (real; a single index in 1-D)."""
    return sp.Symbol(weight_name(m), real=True)


def unit_symbol(name: str, index: Index) -> sp.Symbol:
    return sp.Symbol(f"{name}_{{" + ",".join(str(x) for x in index) + "}", real=True)


def conv_matrix(spec: ConvSpec) -> sp.Matrix:
    """C: ``rows = prod(output shape)`` × ``cols = prod(input shape)`` (at most MAX_ENTRIES
    entries: :func:`check_size`)."""
    check_size(spec)
    entries: list[list[sp.Expr]] = [[sp.S.Zero] * spec.cols for _ in range(spec.rows)]
    for (r, c), m in structure(spec).items():
        entries[r][c] = weight(m)
    return sp.Matrix(entries)


def entry_text(entry: sp.Expr) -> str:
    """Plain-text form of an entry: ``w0,2`` style would be ambiguous, so ``w[0,2]``."""
    if entry == 0:
        return "0"
    name = str(entry)
    if name.startswith("w_{") and name.endswith("}"):
        return "w[" + name[3:-1] + "]"
    return name


def matrix_text(mat: sp.Matrix) -> str:
    cells = [[entry_text(mat[r, c]) for c in range(mat.cols)] for r in range(mat.rows)]
    width = max((len(x) for row in cells for x in row), default=1)
    return "\n".join(" ".join(x.rjust(width) for x in row).rstrip() for row in cells)


def matrix_latex(mat: sp.Matrix) -> str:
    """``\\left(\\begin{array}…\\right)``: unlike pmatrix, no column limit (math mode)."""
    body = " \\\\\n".join(
        " & ".join(sp.latex(mat[r, c]) for c in range(mat.cols)) for r in range(mat.rows)
    )
    return f"\\left(\\begin{{array}}{{{'c' * mat.cols}}}\n{body}\n\\end{{array}}\\right)"


# ---- LaTeX for a paper: C cut into blocks that fit the line --------------------------------------

# The text width of LaTeX's article class, one column: the width every display must fit.
LATEX_WIDTH_PT = 345.0
# Rows per block: about half of article's text height, so a block never runs off the page.
LATEX_MAX_ROWS = 24
_ARRAYCOLSEP = "2pt"


def _column_pt(mat: sp.Matrix) -> float:
    """An upper estimate of one column's width: ``w`` with its subscript (about 8pt plus 3.6pt a
    character in Computer Modern at 10pt), and the column separation on both sides."""
    longest = max((len(str(x)) - 4 for x in mat if x != 0), default=1)  # "w_{0,2}" → "0,2"
    return 8.0 + 3.6 * max(longest, 1) + 4.0


def _bands(total: int, unit: int, limit: int) -> list[range]:
    """``range(total)`` cut into equal runs of whole ``unit``s (a row of the input or output
    array), each at most ``limit`` long; runs of one ``unit`` are cut further if need be."""
    if unit > limit or total % unit:
        unit = 1
    units = total // unit
    per = max(limit // unit, 1)
    count = -(-units // per)
    size = -(-units // count) * unit
    return [range(start, min(start + size, total)) for start in range(0, total, size)]


def latex_blocks(spec: ConvSpec, mat: sp.Matrix) -> tuple[list[range], list[range]]:
    """The row and column bands C is shown in: each block fits :data:`LATEX_WIDTH_PT` (with its
    ``C_{i,j} = (…)`` label) and at most :data:`LATEX_MAX_ROWS` rows; cuts fall between rows of
    the output (row bands) and of the input (column bands) where a whole one fits."""
    max_cols = max(int((LATEX_WIDTH_PT - 60.0) // _column_pt(mat)), 1)
    out_row = spec.output_shape[-1] if spec.dims > 1 else 1
    in_row = spec.input_shape[-1] if spec.dims > 1 else 1
    return (_bands(mat.rows, out_row, LATEX_MAX_ROWS), _bands(mat.cols, in_row, max_cols))


def _array(cells: Sequence[Sequence[str]]) -> str:
    body = " \\\\\n".join(" & ".join(row) for row in cells)
    return f"\\left(\\begin{{array}}{{{'c' * len(cells[0])}}}\n{body}\n\\end{{array}}\\right)"


def _display(lhs: str, cells: Sequence[Sequence[str]], tight: bool = True) -> str:
    sep = f"\\setlength{{\\arraycolsep}}{{{_ARRAYCOLSEP}}}\n" if tight else ""
    return f"\\[\n{sep}{lhs} = {_array(cells)}\n\\]\n"


def _elide(cells: list[list[str]], most: int = 6) -> list[list[str]]:
    """A block grid with more than ``most`` rows or columns as its first two, dots, and its
    last (the blocks themselves are all shown below it)."""
    def cut(seq: list[Any], dots: Any) -> list[Any]:
        return seq if len(seq) <= most else [*seq[:2], dots, seq[-1]]

    rows = [cut(row, r"\cdots") for row in cells]
    width = len(rows[0])
    vdots = [r"\ddots" if x == r"\cdots" else r"\vdots" for x in rows[0]][:width]
    return cut(rows, vdots)


def _entries(mat: sp.Matrix) -> list[list[str]]:
    return [[sp.latex(mat[r, c]) for c in range(mat.cols)] for r in range(mat.rows)]


def latex_fragment(spec: ConvSpec, mat: sp.Matrix) -> str:
    """C and Cᵀ as LaTeX to ``\\input`` in text mode (plain LaTeX, no package): displays that
    each fit a one-column article's line, C cut into blocks where it is wider or taller."""
    out_shape = " x ".join(str(x) for x in spec.output_shape)
    in_shape = " x ".join(str(x) for x in spec.input_shape)
    head = (f"% C: {mat.rows} x {mat.cols} (output {out_shape} <- input {in_shape}, row-major); "
            "w_{m} is the kernel weight at index m.\n"
            "% Plain LaTeX for text mode (\\input it, no package needed); each display fits a "
            f"{LATEX_WIDTH_PT:g}pt line.\n")
    rows, cols = latex_blocks(spec, mat)
    if len(rows) == 1 and len(cols) == 1:
        return (head + _display(r"\mathbf{C}", _entries(mat))
                + _display(r"\mathbf{C}^T", _entries(mat.T)))
    tiles = {(r, c): mat[band.start:band.stop, cut.start:cut.stop]
             for r, band in enumerate(rows) for c, cut in enumerate(cols)}

    def name(r: int, c: int, suffix: str = "") -> str:
        if tiles[r, c].is_zero_matrix:
            return r"\mathbf{0}"
        sub = ",".join(str(n + 1) for n, many in ((r, len(rows) > 1), (c, len(cols) > 1))
                       if many)
        return f"\\mathbf{{C}}_{{{sub}}}{suffix}"

    zeros = any(tile.is_zero_matrix for tile in tiles.values())
    text = (f"\\par\\noindent $\\mathbf{{C}}$, ${mat.rows} \\times {mat.cols}$, in blocks of at "
            f"most {len(rows[0])} rows and {len(cols[0])} columns, in order"
            + (" ($\\mathbf{0}$: a block of zeros)" if zeros else "") + ":\n")
    blocks = _display(r"\mathbf{C}", _elide([[name(r, c) for c in range(len(cols))]
                                             for r in range(len(rows))]), tight=False)
    shown = "".join(_display(name(r, c), _entries(tile))
                    for (r, c), tile in tiles.items() if not tile.is_zero_matrix)
    transposed = _display(r"\mathbf{C}^T", _elide([[name(r, c, "^T") for r in range(len(rows))]
                                                   for c in range(len(cols))]), tight=False)
    return head + text + blocks + shown + transposed
