"""The guide's figures, drawn by the engine: TikZ in the guide's manner, captions computed.

A figure is a grid (the padded input of a convolution, or for a transposed convolution the
stretched, padded input of its equivalent direct convolution), the kernel at some of its
positions, and the output grid above it. Every number in a caption comes from the relations
(``symconv.relations``): which relation applies is decided by evaluating each relation's
conditions at the figure's parameters, and the output size, p′, ĩ′ and o′ are that relation's
expressions evaluated. The drawn grid is counted independently and must agree.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from symconv.errors import UsageError
from symconv.evaluate import evaluate
from symconv.matrix import Axis, ConvSpec, Index, make_spec
from symconv.reference import guide_values
from symconv.relations import RELATIONS, Relation
from symconv.texescape import tex_text

KINDS = ("conv", "transposed", "pool", "dilated")


@dataclass(frozen=True, slots=True)
class GuideFigure:
    """One figure of the guide: its parameters as the guide's text states them. ``padding`` is a
    number, or the id of the relation whose condition fixes p (half/full padding: the guide
    says "and (therefore) p = …")."""

    number: str
    kind: str
    input: int
    kernel: int
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1
    pool: str = "max"
    source: str = ""


GUIDE_FIGURES: tuple[GuideFigure, ...] = (
    GuideFigure("1.1", "conv", 5, 3, source="parameters not in the text: the drawing's 5×5 "
                "input, 3×3 kernel, unit strides, no padding"),
    GuideFigure("1.2", "conv", 5, 3, 2, 1),
    GuideFigure("1.5", "pool", 5, 3, 1, pool="average"),
    GuideFigure("1.6", "pool", 5, 3, 1, pool="max"),
    GuideFigure("2.1", "conv", 4, 3, 1, 0),
    GuideFigure("2.2", "conv", 5, 4, 1, 2),
    GuideFigure("2.3", "conv", 5, 3, 1, "R3"),
    GuideFigure("2.4", "conv", 5, 3, 1, "R4"),
    GuideFigure("2.5", "conv", 5, 3, 2, 0),
    GuideFigure("2.6", "conv", 5, 3, 2, 1),
    GuideFigure("2.7", "conv", 6, 3, 2, 1),
    GuideFigure("4.1", "transposed", 4, 3, 1, 0),
    GuideFigure("4.2", "transposed", 5, 4, 1, 2),
    GuideFigure("4.3", "transposed", 5, 3, 1, "R10"),
    GuideFigure("4.4", "transposed", 5, 3, 1, "R11"),
    GuideFigure("4.5", "transposed", 5, 3, 2, 0),
    GuideFigure("4.6", "transposed", 5, 3, 2, 1),
    GuideFigure("4.7", "transposed", 6, 3, 2, 1),
    GuideFigure("5.1", "dilated", 7, 3, 1, 0, 2),
)


def padding_from_relation(rid: str, k: int) -> int:
    """The p a relation's condition ``Eq(p, expr)`` fixes, evaluated at k (e.g. R3: ⌊k/2⌋)."""
    p = sp.Symbol("p", integer=True)
    for cond in RELATIONS[rid].conditions:
        if isinstance(cond, sp.Eq) and cond.lhs == p:
            value = evaluate(cond.rhs, {"k": k})
            assert isinstance(value, int)
            return value
    raise ValueError(f"relation {rid} does not fix the padding")


def resolve(fig: GuideFigure) -> ConvSpec:
    padding = (padding_from_relation(fig.padding, fig.kernel) if isinstance(fig.padding, str)
               else fig.padding)
    return make_spec(fig.input, fig.kernel, fig.stride, padding, fig.dilation, dims=2)


# ---- which relation, and what it says --------------------------------------------------------

_DIRECT_ORDER = ("R1", "R3", "R4", "R2", "R5", "R6")
_TRANSPOSED_ORDER = ("R8", "R10", "R11", "R9", "R12", "R13", "R14")


def _env(axis: Axis) -> dict[str, int]:
    return guide_values(axis.input, axis.kernel, axis.stride, axis.padding, axis.dilation)


def _holds(rel: Relation, env: dict[str, int]) -> bool:
    return all(evaluate(h, env) is True for h in rel.hypotheses())


def _value(expr: sp.Expr | int, env: dict[str, int]) -> int:
    value = evaluate(sp.sympify(expr), env)
    if isinstance(value, bool):
        raise TypeError(f"{expr} evaluated to a truth value")
    return value


@dataclass(frozen=True, slots=True)
class AxisFacts:
    """What the relations say about one axis of a figure."""

    relation: str
    title: str
    output: int  # o, or o′ for a transposed figure
    uncovered: int = 0  # units of the padded input no kernel placement reaches
    i_prime: int = 0
    i_tilde: int = 0
    p_prime: int = 0
    a: int = 0


def axis_facts(kind: str, axis: Axis) -> AxisFacts:
    env = _env(axis)
    if kind == "pool":
        rel = RELATIONS["R7"]
    elif kind == "transposed":
        if axis.dilation == 1:
            rel = next(RELATIONS[r] for r in _TRANSPOSED_ORDER if _holds(RELATIONS[r], env))
        else:
            rel = RELATIONS["R14"]
    elif axis.dilation == 1:
        rel = next(RELATIONS[r] for r in _DIRECT_ORDER if _holds(RELATIONS[r], env))
    else:
        rel = RELATIONS["R15"]
    if kind != "transposed":
        if not _holds(rel, env):
            raise AssertionError(f"relation {rel.id} does not apply at {env}")
        o = _value(rel.expr, env)
        uncovered = (axis.input + 2 * axis.padding - axis.extent) % axis.stride
        return AxisFacts(rel.id, rel.title, o, uncovered)
    from symconv.identities import transposed_out
    from symconv.symbols import i_tilde, p_prime

    if axis.dilation == 1:
        o_prime = _value(rel.expr, env)
        pp = _value(rel.equivalent[p_prime], env)
        it = _value(rel.equivalent[i_tilde], env) if i_tilde in rel.equivalent else env["i_prime"]
        title = rel.title
    else:
        o_prime = _value(transposed_out(sp.Symbol("i_prime", integer=True),
                                        sp.Symbol("a", integer=True)), env)
        pp = axis.extent - axis.padding - 1
        it = env["i_tilde"]
        title = "dilated, transposed, with $\\hat{k} = k + (k - 1)(d - 1)$ in place of $k$"
    return AxisFacts(rel.id, title, o_prime, 0, env["i_prime"], it, pp, env["a"])


# ---- the drawing model -------------------------------------------------------------------------

UNIT, PAD, ZERO, EXTRA = "unit", "pad", "zero", "extra"


@dataclass(frozen=True, slots=True)
class Drawing:
    kind: str
    spec: ConvSpec
    facts: tuple[AxisFacts, ...]
    grid: tuple[tuple[str, ...], ...]  # cell kinds, rows × cols
    kernel: Index
    dilation: Index
    stride: Index  # of the drawn convolution (1 for the equivalent one of a transposed)
    out_shape: Index
    caption: str
    number: str = ""
    pool: str = "max"
    positions: tuple[Index, ...] = field(default=())

    def all_positions(self) -> list[Index]:
        return list(itertools.product(*(range(n) for n in self.out_shape)))


def _axis_cells(kind: str, axis: Axis, facts: AxisFacts) -> list[str]:
    if kind != "transposed":
        return [PAD] * axis.padding + [UNIT] * axis.input + [PAD] * axis.padding
    body = [UNIT if j % axis.stride == 0 else ZERO
            for j in range(axis.stride * (facts.i_prime - 1) + 1)]
    return [PAD] * facts.p_prime + body + [PAD] * facts.p_prime + [EXTRA] * facts.a


def _axis_length(kind: str, axis: Axis, facts: AxisFacts) -> int:
    """len(_axis_cells(kind, axis, facts)), without building it."""
    if kind != "transposed":
        return axis.input + 2 * axis.padding
    return 2 * facts.p_prime + axis.stride * (facts.i_prime - 1) + 1 + facts.a


def _cell_kind(row: str, col: str) -> str:
    for kind in (PAD, EXTRA, ZERO):
        if kind in (row, col):
            return kind
    return UNIT


def _count_placements(length: int, k: int, d: int, s: int) -> int:
    return sum(1 for o in range(length) if o * s + (k - 1) * d < length)


def build(
    kind: str,
    spec: ConvSpec,
    *,
    number: str = "",
    pool: str = "max",
    output_padding: int | None = None,
) -> Drawing:
    if kind not in KINDS:
        raise UsageError(f"figure kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if spec.dims != 2:
        raise UsageError(f"figures are 2-D: need 1 or 2 values per parameter, got {spec.dims}")
    for n, ax in enumerate(spec.axes):
        where = f" on axis {n + 1}"
        if kind == "pool" and ax.padding != 0:
            raise UsageError(f"padding: pooling has no zero padding (relation 7), got "
                             f"{ax.padding}{where}")
        if kind == "pool" and ax.dilation != 1:
            raise UsageError(f"dilation: pooling is undilated (relation 7), got {ax.dilation}")
        if kind == "transposed" and ax.padding > ax.extent - 1:
            raise UsageError(
                f"padding: the equivalent convolution of a transposed one needs p′ = k̂ − p − 1 "
                f">= 0, i.e. padding <= {ax.extent - 1}{where}, got {ax.padding}")
        a = (ax.input + 2 * ax.padding - ax.extent) % ax.stride
        if kind == "transposed" and output_padding is not None and output_padding != a:
            raise UsageError(
                f"output-padding: the transposed convolution restoring i = {ax.input} has "
                f"a = (i + 2p − k̂) mod s = {a}{where}, got {output_padding}")
    if kind != "transposed" and output_padding is not None:
        raise UsageError("output-padding applies to transposed figures only")
    facts = tuple(axis_facts(kind, ax) for ax in spec.axes)
    lengths = [_axis_length(kind, ax, f) for ax, f in zip(spec.axes, facts, strict=True)]
    if lengths[0] * lengths[1] > MAX_CELLS:  # before building a grid that cannot be drawn
        raise UsageError(
            f"input: the figure's grid would be {lengths[0]} × {lengths[1]} cells; TeX's memory "
            f"allows at most {MAX_CELLS} cells per picture: use a smaller --input")
    cells = [_axis_cells(kind, ax, f) for ax, f in zip(spec.axes, facts, strict=True)]
    grid = tuple(tuple(_cell_kind(r, c) for c in cells[1]) for r in cells[0])
    stride = (1, 1) if kind == "transposed" else tuple(ax.stride for ax in spec.axes)
    kernel = spec.kernel_shape
    dilation = tuple(ax.dilation for ax in spec.axes)
    out_shape = tuple(_count_placements(len(cells[n]), kernel[n], dilation[n], stride[n])
                      for n in range(2))
    for n, f in enumerate(facts):
        if out_shape[n] != f.output:
            raise AssertionError(
                f"axis {n + 1}: relation {f.relation} gives {f.output} but the drawing has "
                f"{out_shape[n]} kernel placements")
    caption = make_caption(kind, spec, facts, pool)
    drawing = Drawing(kind, spec, facts, grid, kernel, dilation, stride, out_shape, caption,
                      number, pool)
    return replace(drawing, positions=tuple(select_positions(drawing)))


def select_positions(drawing: Drawing, limit: int = 4) -> list[Index]:
    """The panels of a static figure: first, next along the row, first of the next row, last."""
    rows, cols = drawing.out_shape
    wanted = [(0, 0), (0, 1), (1, 0), (rows - 1, cols - 1)]
    out: list[Index] = []
    for pos in wanted + drawing.all_positions():
        if pos[0] < rows and pos[1] < cols and pos not in out:
            out.append(pos)
        if len(out) == limit:
            break
    return sorted(out)


# ---- captions ----------------------------------------------------------------------------------


def _same(values: Sequence[object]) -> bool:
    return all(v == values[0] for v in values)


def _size(values: Sequence[int]) -> str:
    return " \\times ".join(str(v) for v in values)


def _params(pairs: Sequence[tuple[str, Sequence[int] | str]]) -> str:
    """``$i = 5$, $k = 3$ and $p = 1$``; differing per-axis values: ``$i_1 = 5$, $i_2 = 6$``."""
    parts: list[str] = []
    for name, values in pairs:
        if isinstance(values, str):
            parts.append(f"${name} = {values}$")
        elif _same(values):
            parts.append(f"${name} = {values[0]}$")
        else:
            base, prime = (name[:-1], "'") if name.endswith("'") else (name, "")
            parts.extend(f"${base}_{n + 1}{prime} = {v}$" for n, v in enumerate(values))
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _relation_text(facts: Sequence[AxisFacts]) -> str:
    ids = [f.relation for f in facts]
    titles = [f.title for f in facts]
    if _same(ids) and _same(titles):
        return f"{titles[0][0].upper()}{titles[0][1:]}, relation {ids[0][1:]}"
    return "; ".join(f"axis {n + 1}: {f.title}, relation {f.relation[1:]}"
                     for n, f in enumerate(facts))


def _strides(values: Sequence[int]) -> str:
    return "unit strides" if all(v == 1 for v in values) else f"${_size(values)}$ strides"


def _border(values: Sequence[int]) -> str:
    return f" padded with a ${_size(values)}$ border of zeros" if any(values) else ""


def _uncovered(facts: Sequence[AxisFacts]) -> str:
    rows, cols = facts[0].uncovered, facts[1].uncovered
    parts = []
    if rows:
        parts.append(f"the bottom {rows} row{'s' if rows > 1 else ''}")
    if cols:
        parts.append(f"the right {cols} column{'s' if cols > 1 else ''}")
    if not parts:
        return ""
    return (f" The kernel does not reach {' and '.join(parts)} of the padded input "
            f"($(i + 2p - \\hat{{k}}) \\bmod s \\neq 0$).")


def make_caption(kind: str, spec: ConvSpec, facts: Sequence[AxisFacts], pool: str = "max") -> str:
    i = [ax.input for ax in spec.axes]
    k = [ax.kernel for ax in spec.axes]
    s = [ax.stride for ax in spec.axes]
    p = [ax.padding for ax in spec.axes]
    d = [ax.dilation for ax in spec.axes]
    out = [f.output for f in facts]
    head = f"({_relation_text(facts)}) "
    if kind == "pool":
        return (head + f"Computing the output values of a ${_size(k)}$ {pool} pooling operation "
                f"over a ${_size(i)}$ input using {_strides(s)} "
                f"(i.e., {_params([('i', i), ('k', k), ('s', s)])}). "
                f"The output is ${_size(out)}$.{_uncovered(facts)}")
    if kind in ("conv", "dilated"):
        names: list[tuple[str, Sequence[int] | str]] = [("i", i), ("k", k), ("s", s), ("p", p)]
        dil = ""
        if any(v != 1 for v in d) or kind == "dilated":
            names.insert(2, ("d", d))
            kh = [ax.extent for ax in spec.axes]
            dil = (f" with a dilation factor of {d[0] if _same(d) else _size(d)}, so the dilated "
                   f"kernel spans $\\hat{{k}} = {kh[0] if _same(kh) else _size(kh)}$ units,")
        return (head + f"Convolving a ${_size(k)}$ kernel over a ${_size(i)}$ "
                f"input{_border(p)}{dil} using {_strides(s)} (i.e., {_params(names)}). "
                f"The output is ${_size(out)}$.{_uncovered(facts)}")
    ip = [f.i_prime for f in facts]
    it = [f.i_tilde for f in facts]
    pp = [f.p_prime for f in facts]
    a = [f.a for f in facts]
    direct: list[tuple[str, Sequence[int] | str]] = [("i", i), ("k", k), ("s", s), ("p", p)]
    if any(v != 1 for v in d):
        direct.insert(2, ("d", d))
    inserted = ""
    if any(v > 1 for v in s):
        zeros = [v - 1 for v in s]
        z = zeros[0] if _same(zeros) else _size(zeros)
        plural = "s" if zeros[0] != 1 or not _same(zeros) else ""
        inserted = f" (with ${z}$ zero{plural} inserted between input units)"
    extra = ""
    if _same(a) and a[0]:
        extra = (f", plus {a[0]} extra row{'s' if a[0] > 1 else ''} and "
                 f"column{'s' if a[0] > 1 else ''} of zeros at the bottom and right")
    elif not _same(a):
        extra = (f", plus $a_1 = {a[0]}$ extra rows at the bottom and $a_2 = {a[1]}$ extra "
                 "columns at the right")
    equiv: list[tuple[str, Sequence[int] | str]] = [("i'", ip)]
    if any(v > 1 for v in s):
        equiv.append(("\\tilde{i}'", it))
    if any(v > 1 for v in s):
        equiv.append(("a", a))
    equiv += [("k'", "k"), ("s'", "1"), ("p'", pp)]
    if any(v != 1 for v in d):
        equiv.insert(-2, ("d'", "d"))
    return (head + f"The transpose of convolving a ${_size(k)}$ kernel over a ${_size(i)}$ "
            f"input{_border(p)} using {_strides(s)} (i.e., {_params(direct)}). "
            f"It is equivalent to convolving a ${_size(k)}$ kernel over a ${_size(ip)}$ "
            f"input{inserted}{_border(pp)}{extra} using unit strides "
            f"(i.e., {_params(equiv)}). The output is ${_size(out)}$, the shape of the "
            f"direct convolution's input ($o' = i$).")


# ---- TikZ ----------------------------------------------------------------------------------------

# TeX's memory: a picture draws every cell of its panels (input grid and output grid). 14,800
# cells compile (a 44 × 44 input, four panels, about 25 s of pdflatex); 38,000 exceed TeX's
# capacity. A frames document compiles page by page, so it is bounded in time, not memory.
MAX_CELLS = 10_000
MAX_FRAME_CELLS = 100_000


def drawn_cells(drawing: Drawing, frames: bool = False) -> tuple[int, int]:
    """(cells of the largest picture, cells of the whole document)."""
    per_panel = len(drawing.grid) * len(drawing.grid[0]) + drawing.out_shape[0] * \
        drawing.out_shape[1]
    if frames:
        return per_panel, per_panel * len(drawing.all_positions())
    picture = per_panel * len(drawing.positions)
    return picture, picture


def check_size(drawing: Drawing, frames: bool = False) -> None:
    """UsageError, before any TikZ is written, for a figure TeX cannot draw in its memory (or
    a frames document too long to compile)."""
    picture, total = drawn_cells(drawing, frames)
    rows, cols = len(drawing.grid), len(drawing.grid[0])
    if picture > MAX_CELLS:
        raise UsageError(
            f"input: the figure draws {picture} cells ({len(drawing.positions)} panels of a "
            f"{rows} × {cols} grid and its output); TeX's memory allows at most {MAX_CELLS} "
            "per picture (e.g. a 35 × 35 input with a 3 × 3 kernel): use a smaller --input")
    if total > MAX_FRAME_CELLS:
        raise UsageError(
            f"input: --frames would draw {len(drawing.all_positions())} frames of {picture} "
            f"cells ({total} in all); at most {MAX_FRAME_CELLS}: use a smaller --input")


def cell_size(drawing: Drawing, panels: int, max_width_cm: float = 15.0) -> float:
    cols = len(drawing.grid[0])
    total = panels * cols + (panels - 1) * 2
    return round(min(0.5, max_width_cm / total), 3)


def _panel(drawing: Drawing, pos: Index, x0: int) -> dict[str, Any]:
    rows, cols = len(drawing.grid), len(drawing.grid[0])
    top = (pos[0] * drawing.stride[0], pos[1] * drawing.stride[1])
    taps = [(top[0] + m * drawing.dilation[0], top[1] + c * drawing.dilation[1])
            for m in range(drawing.kernel[0]) for c in range(drawing.kernel[1])]
    extent = ((drawing.kernel[0] - 1) * drawing.dilation[0] + 1,
              (drawing.kernel[1] - 1) * drawing.dilation[1] + 1)
    orows, ocols = drawing.out_shape
    ox = (cols - ocols) / 2
    oy = -(orows + 1)
    return {
        "x0": x0, "rows": rows, "cols": cols,
        "cells": [(r, c, drawing.grid[r][c]) for r in range(rows) for c in range(cols)],
        "taps": taps, "top": top, "extent": extent,
        "ox": _num(ox), "oy": oy, "orows": orows, "ocols": ocols, "pos": pos,
        "out_cells": [(r, c) for r in range(orows) for c in range(ocols)],
    }


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def tikz_pictures(drawing: Drawing, frames: bool = False) -> list[str]:
    """One tikzpicture with the static panels, or one per kernel position (``frames``)."""
    from symconv.templating import environment

    env = environment(tex=True)
    template = env.get_template("figure-tikz.tex.j2")
    if frames:
        groups = [[pos] for pos in drawing.all_positions()]
        size = cell_size(drawing, 1)
    else:
        groups = [list(drawing.positions)]
        size = cell_size(drawing, len(drawing.positions))
    out = []
    cols = len(drawing.grid[0])
    for group in groups:
        panels = [_panel(drawing, pos, n * (cols + 2)) for n, pos in enumerate(group)]
        span = len(group) * cols + (len(group) - 1) * 2
        out.append(template.render(panels=panels, cell=_num(size), span=span,
                                   kind=drawing.kind))
    return out


def figure_fragment(drawing: Drawing, banner: str = "", label: str = "") -> str:
    """A ``figure`` environment (needs ``tikz`` only) with ``\\label{label}`` if given; without
    a ``number`` the document numbers it, with one it shows that number (as the guide's) and
    leaves the document's figure counter as it was. ``label`` must be a checked key."""
    from symconv.templating import environment

    template = environment(tex=True).get_template("figure-float.tex.j2")
    return template.render(banner=banner, number=tex_text(drawing.number),
                           picture=tikz_pictures(drawing)[0], caption=drawing.caption,
                           kind=drawing.kind, label=label)


def standalone_document(drawing: Drawing, frames: bool = False) -> str:
    """A document with one tight page per picture (the figure and its caption, or each frame)."""
    from symconv.templating import environment

    template = environment(tex=True).get_template("figure-standalone.tex.j2")
    pictures = tikz_pictures(drawing, frames)
    return template.render(pictures=pictures, caption=None if frames else drawing.caption,
                           number=tex_text(drawing.number))


def frames_text(drawing: Drawing) -> str:
    pictures = tikz_pictures(drawing, frames=True)
    positions = drawing.all_positions()
    return "\n".join(
        f"% frame {n + 1}/{len(pictures)}: output unit {list(pos)}\n{pic}"
        for n, (pos, pic) in enumerate(zip(positions, pictures, strict=True))
    )


# ---- the generated files ------------------------------------------------------------------------


def guide_drawing(fig: GuideFigure) -> Drawing:
    return build(fig.kind, resolve(fig), number=fig.number, pool=fig.pool)


def guide_label(fig: GuideFigure) -> str:
    """``fig:guide-2.1``: ``\\ref`` gives the guide's number."""
    return f"fig:guide-{fig.number}"


def figure_path(fig: GuideFigure) -> str:
    return f"figures/figure-{fig.number.replace('.', '-')}.tex"


def artifacts() -> dict[str, str]:
    from symconv.artifacts import banner
    from symconv.templating import environment

    out: dict[str, str] = {}
    entries = []
    for fig in GUIDE_FIGURES:
        path = figure_path(fig)
        head = banner(path)
        if fig.source:
            head += f"% Figure {fig.number}: {fig.source}.\n"
        out[path] = figure_fragment(guide_drawing(fig), head, label=guide_label(fig))
        entries.append({"number": fig.number, "path": "../" + path})
    doc = "latex/figures.tex"
    out[doc] = environment(tex=True).get_template("figures-document.tex.j2").render(
        banner=banner(doc), figures=entries)
    return dict(sorted(out.items()))
