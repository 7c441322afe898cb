"""The guide's animations as data: one frame per output unit, every position from the relations.

An animation is a :class:`symconv.figures.Drawing` (the grid that is convolved: the padded input,
or for a transposed convolution the stretched and padded input of its equivalent direct
convolution with ``a`` extra cells at the bottom and right, as the guide draws it) and its frames
in the guide's order, row by row from the top left. Frame ``n`` computes output unit
``(r, c)``: the kernel's window has its top left at ``(r·s₁, c·s₂)`` of the drawn grid, and its
taps ``d`` apart. The number of frames is the product of the output sizes the relation gives
(``Drawing`` checks those against a count of the placements on the grid).

The scene (:func:`scene`) is geometry in grid units, independent of pixels: the grid's cells and
the output's, the labels with sizes from the relations, and per frame the window, its taps, the
output unit and the four lines joining them. Renderers (``symconv.picture``) only draw it.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from symconv.errors import UsageError
from symconv.figures import EXTRA, PAD, UNIT, ZERO, Drawing, GuideFigure, build, resolve
from symconv.matrix import Index

# The guide's palette (its templates/arithmetic_figure.txt, Solarized): input units "blue",
# outputs "cyan", the kernel's shade "base02" at opacity 0.4, lines "base03".
BLUE = (38, 139, 210)
CYAN = (42, 161, 152)
BASE01 = (88, 110, 117)
BASE02 = (7, 54, 66)
BASE03 = (0, 43, 54)
WHITE = (255, 255, 255)
ZERO_FILL = (238, 238, 238)  # inserted zeros of a transposed convolution's stretched input
EXTRA_FILL = (253, 246, 227)  # Solarized base3: the a extra rows/columns
SHADE_OPACITY = 0.4

LABEL_SIZE = 0.5  # label text height, in cells
# The guide's TikZ draws at scale 0.5 (a cell is 0.5 cm, 14.23 pt): its `thick` lines are 0.8 pt,
# the lines to the output the default 0.4 pt, `dashed` 3 pt on, 3 pt off; in cells:
STROKE = 0.056
LINK_STROKE = 0.028
DASH = 0.21

Rgb = tuple[int, int, int]
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Frame:
    """The kernel's window computing output unit ``output``."""

    index: int
    output: Index  # (row, column) of the output unit computed in this frame
    window: Index  # (row, column) of the window's top-left cell in the drawn grid
    taps: tuple[Index, ...]  # the grid cells the kernel's taps cover, row-major


@dataclass(frozen=True, slots=True)
class Animation:
    drawing: Drawing
    frames: tuple[Frame, ...]
    name: str = ""

    @property
    def extent(self) -> Index:
        """k̂ per axis: the window's span in cells."""
        return tuple((k - 1) * d + 1 for k, d in zip(self.drawing.kernel, self.drawing.dilation,
                                                      strict=True))

    @property
    def grid_shape(self) -> Index:
        return len(self.drawing.grid), len(self.drawing.grid[0])


def frames(drawing: Drawing) -> tuple[Frame, ...]:
    out = []
    for n, pos in enumerate(drawing.all_positions()):
        top = tuple(pos[a] * drawing.stride[a] for a in range(2))
        taps = tuple((top[0] + m * drawing.dilation[0], top[1] + c * drawing.dilation[1])
                     for m in range(drawing.kernel[0]) for c in range(drawing.kernel[1]))
        out.append(Frame(n, pos, top, taps))
    return tuple(out)


def animate(drawing: Drawing, name: str = "") -> Animation:
    return Animation(drawing, frames(drawing), name)


# ---- numbers: the guide's numerical animations ----------------------------------------------

MODES = ("convolution", "average", "max")


@dataclass(frozen=True, slots=True)
class Numbers:
    """Values for a numerical animation: the drawn grid's (0 on padding), the kernel's, and
    each output unit's, computed from the frames' taps."""

    mode: str
    grid: tuple[tuple[int, ...], ...]
    kernel: tuple[tuple[int, ...], ...]
    output: tuple[tuple[float, ...], ...]

    @staticmethod
    def text(value: float) -> str:
        return f"{value:.1f}"  # every mode, as the guide's ({2:.1f} in bin/produce_figure)


GUIDE_SEED = 1234  # bin/produce_figure: numpy.random.seed(1234)


def guide_generator(seed: int = GUIDE_SEED) -> random.Random:
    """The stream of NumPy's legacy ``numpy.random.seed(seed)``, without NumPy: the same
    Mersenne Twister as Python's, but seeded by init_genrand where ``random.seed`` uses
    init_by_array."""
    if not 0 <= seed < 2**32:
        raise UsageError(f"seed must be in 0..2**32-1, got {seed}")
    state = [seed]
    for n in range(1, 624):
        prev = state[-1]
        state.append((1812433253 * (prev ^ (prev >> 30)) + n) & 0xFFFFFFFF)
    rng = random.Random()
    rng.setstate((3, (*state, 624), None))
    return rng


def guide_randint(rng: random.Random, high: int) -> int:
    """NumPy's legacy ``randint(0, high)``: 32-bit draws masked to the next power of two,
    those above ``high - 1`` drawn again."""
    top = high - 1
    if top == 0:
        return 0  # NumPy draws nothing for a range of one
    mask = (1 << top.bit_length()) - 1
    while True:
        value = rng.getrandbits(32) & mask
        if value <= top:
            return value


def numbers(anim: Animation, mode: str, seed: int = GUIDE_SEED) -> Numbers:
    """The guide's numerical values: input units 0..3 row by row, then kernel weights 0..2, drawn
    as its ``numpy.random.randint`` after ``numpy.random.seed(seed)`` (so the guide's own
    parameters give its figures' numbers); each output the frame's taps combined: Σ
    input·weight, their mean, or their maximum (zero padding included, as the guide's)."""
    d = anim.drawing
    if d.kind == "transposed" or mode not in MODES:
        raise UsageError(f"numbers: a convolution or a pooling ({', '.join(MODES)}), got "
                         f"{d.kind} {mode}")
    rng = guide_generator(seed)
    grid = tuple(tuple(guide_randint(rng, 4) if cell == UNIT else 0 for cell in row)
                 for row in d.grid)
    kernel = tuple(tuple(guide_randint(rng, 3) for _ in range(d.kernel[1]))
                   for _ in range(d.kernel[0]))
    weights = [w for row in kernel for w in row]
    rows, cols = d.out_shape
    out = [[0.0] * cols for _ in range(rows)]
    for f in anim.frames:
        seen = [grid[r][c] for r, c in f.taps]
        if mode == "convolution":
            value = float(sum(v * w for v, w in zip(seen, weights, strict=True)))
        elif mode == "average":
            value = sum(seen) / len(seen)
        else:
            value = float(max(seen))
        out[f.output[0]][f.output[1]] = value
    return Numbers(mode, grid, kernel, tuple(tuple(row) for row in out))


# An animation's size: its frames (each a GIF frame and an SVG step) and its grid's cells.
MAX_FRAMES = 1024
MAX_GRID_CELLS = 10_000


def check_size(anim: Animation) -> None:
    """UsageError for an animation too long or too large to draw."""
    rows, cols = anim.grid_shape
    if len(anim.frames) > MAX_FRAMES:
        raise UsageError(f"input: the animation would have {len(anim.frames)} frames (one per "
                         f"output unit); at most {MAX_FRAMES}: use a smaller --input")
    if rows * cols > MAX_GRID_CELLS:
        raise UsageError(f"input: the animation's grid would be {rows} × {cols} cells; at "
                         f"most {MAX_GRID_CELLS}: use a smaller --input")


# ---- the guide's animations (vdumoulin/conv_arithmetic, bin/generate_makefile) ----------------


@dataclass(frozen=True, slots=True)
class GuideAnimation:
    """One animation of the guide's repository, or one its users asked for: the parameters of
    the direct convolution (for a transposed one, the convolution it transposes, as there)."""

    name: str
    title: str
    figure: GuideFigure
    source: str = "bin/generate_makefile"
    numbers: str | None = None  # a numerical animation's mode (convolution, average, max)


def _g(name: str, title: str, kind: str, i: int, k: int, s: int = 1, p: int | str = 0,
       d: int = 1, pool: str = "max", source: str = "bin/generate_makefile",
       numbers: str | None = None) -> GuideAnimation:
    return GuideAnimation(name, title, GuideFigure("", kind, i, k, s, p, d, pool), source,
                          numbers)


_DIRECT: tuple[tuple[str, str, int, int, int, int | str], ...] = (
    # name, title, i, k, s, p: the makefile's (input-size, kernel-size, stride, padding)
    ("no_padding_no_strides", "No padding, no strides", 4, 3, 1, 0),
    ("arbitrary_padding_no_strides", "Arbitrary padding, no strides", 5, 4, 1, 2),
    ("same_padding_no_strides", "Half padding, no strides", 5, 3, 1, "R3"),
    ("full_padding_no_strides", "Full padding, no strides", 5, 3, 1, "R4"),
    ("no_padding_strides", "No padding, strides", 5, 3, 2, 0),
    ("padding_strides", "Padding, strides", 5, 3, 2, 1),
    ("padding_strides_odd", "Padding, strides (odd)", 6, 3, 2, 1),
)

GUIDE_ANIMATIONS: tuple[GuideAnimation, ...] = (
    *(_g(n, t, "conv", i, k, s, p) for n, t, i, k, s, p in _DIRECT),
    *(_g(f"{n}_transposed", f"{t}, transposed".replace(" (odd), transposed",
                                                       ", transposed (odd)"),
         "transposed", i, k, s, p) for n, t, i, k, s, p in _DIRECT),
    _g("dilation", "No padding, no stride, dilation", "dilated", 7, 3, 1, 0, 2),
    # the numerical ones (the guide's figures 1.1, 1.2, 1.5 and 1.6 are frames of these)
    _g("numerical_no_padding_no_strides", "Numerical: no padding, no strides", "conv", 5, 3,
       numbers="convolution"),
    _g("numerical_padding_strides", "Numerical: padding, strides", "conv", 5, 3, 2, 1,
       numbers="convolution"),
    _g("numerical_average_pooling", "Numerical: average pooling", "pool", 5, 3, pool="average",
       numbers="average"),
    _g("numerical_max_pooling", "Numerical: max pooling", "pool", 5, 3, numbers="max"),
    # asked for by the guide's users: the pooling of its numerical animations (i = 5, k = 3,
    # s = 1) drawn as arithmetic, and the transpose of its dilated convolution (relation 14).
    # padding_strides_odd_transposed above already puts the a extra row and column at the
    # bottom and right, where its issue #11 says the guide's GIF should have had them.
    _g("max_pooling", "Max pooling", "pool", 5, 3, 1, source="numerical_max_pooling"),
    _g("dilation_transposed", "No padding, no stride, dilation, transposed", "transposed", 7,
       3, 1, 0, 2, source="dilation, transposed (relation 14)"),
)


def guide_animation(ga: GuideAnimation) -> Animation:
    fig = ga.figure
    return animate(build(fig.kind, resolve(fig), pool=fig.pool), ga.name)


def guide_scene(ga: GuideAnimation) -> Scene:
    anim = guide_animation(ga)
    return scene(anim, nums=None if ga.numbers is None else numbers(anim, ga.numbers))


# ---- the scene: what is drawn, in grid units --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Projection:
    """Grid (column x, row y; y down) to the picture plane, in cell units; the output plane sits
    ``lift`` units above the input plane."""

    a: float
    b: float
    c: float
    d: float

    def __call__(self, x: float, y: float) -> Point:
        return self.a * x + self.c * y, self.b * x + self.d * y


# The guide's view: TikZ's `yslant=0.5, xslant=-0.7` (rows run up-left, columns up-right), here
# with rows counted downwards: x' = x + 0.7·y, y' = −0.5·x + 0.65·y (picture y down).
OBLIQUE = Projection(1.0, -0.5, 0.7, 0.65)
FLAT = Projection(1.0, 0.0, 0.0, 1.0)
VIEWS = {"oblique": OBLIQUE, "flat": FLAT}


@dataclass(frozen=True, slots=True)
class Quad:
    """A cell (or a rectangle of cells) in the picture plane: four corners, clockwise."""

    corners: tuple[Point, Point, Point, Point]
    fill: Rgb | None
    stroke: Rgb | None
    dashed: bool = False
    opacity: float = 1.0
    width: float = STROKE  # stroke width, in cell units


@dataclass(frozen=True, slots=True)
class Label:
    at: Point
    text: str
    anchor: str = "middle"  # start, middle, end (SVG's text-anchor)
    bold: bool = False
    size: float = LABEL_SIZE  # text height, in cells


@dataclass(frozen=True, slots=True)
class FrameScene:
    shades: tuple[Quad, ...]  # the kernel's taps, shaded
    cells: tuple[Quad, ...]  # every cell the window spans, outlined solid (padding's included)
    outline: Quad  # the window's extent
    current: Quad  # the output unit being computed, shaded
    links: tuple[tuple[Point, Point], ...]  # window corners to the output unit's
    output: Index  # the output unit computed in this frame
    texts: tuple[Label, ...]  # the kernel's values at its taps (numerical animations)
    filled: tuple[Index, ...]  # output units computed so far (this one included)

    @property
    def window(self) -> tuple[Quad, ...]:
        """What moves with the kernel, in paint order; its outline last."""
        return (*self.shades, *self.cells, self.outline)


@dataclass(frozen=True, slots=True)
class Scene:
    animation: Animation
    width: float
    height: float
    grid: tuple[Quad, ...]  # the drawn input grid, cell by cell
    output_cells: tuple[tuple[Index, Quad], ...]  # not yet computed: white
    labels: tuple[Label, ...]
    frames: tuple[FrameScene, ...]
    title: str
    caption: str
    cell_texts: tuple[Label, ...] = ()  # the input's values (numerical animations)
    output_texts: tuple[tuple[Index, Label], ...] = ()  # shown once computed


_CELL_STYLE: dict[str, tuple[Rgb | None, Rgb, bool]] = {
    UNIT: (BLUE, BASE03, False),
    PAD: (None, BASE03, True),
    ZERO: (ZERO_FILL, BASE01, True),
    EXTRA: (EXTRA_FILL, BASE01, True),
}

MARGIN = 0.6
LABEL_GAP = 1.1
# between the output plane and the input plane, at their closest (measured vertically): the
# guide's lift of the output by the input's rows + 1 leaves one cell for its square grids
CLEARANCE = 1.0


def _rect(proj: Projection, origin: Point, y: float, x: float, h: float, w: float
          ) -> tuple[Point, Point, Point, Point]:
    ox, oy = origin
    pts = [proj(x, y), proj(x + w, y), proj(x + w, y + h), proj(x, y + h)]
    return tuple((px + ox, py + oy) for px, py in pts)  # type: ignore[return-value]


def scene(anim: Animation, view: str = "oblique", nums: Numbers | None = None) -> Scene:
    """The scene in ``view``; with ``nums``, the guide's numerical layout: a plan view, the
    output to the right of the input, every value written in its cell, no lines between."""
    if nums is not None:
        view = "flat"
    proj = VIEWS[view]
    d = anim.drawing
    rows, cols = anim.grid_shape
    orows, ocols = d.out_shape

    def box(h: int, w: int) -> tuple[float, float, float, float]:
        pts = [proj(x, y) for x, y in ((0, 0), (w, 0), (0, h), (w, h))]
        return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
                max(p[1] for p in pts))

    ix0, iy0, ix1, iy1 = box(rows, cols)
    qx0, qy0, qx1, qy1 = box(orows, ocols)
    if nums is None:
        # the output above the input: in the oblique view as the guide places it (its corner
        # (0, 0) of TikZ's y-up grid, our bottom left, straight above the input's), in the
        # flat view centred; lifted to leave CLEARANCE between the planes
        ox = (proj(0, rows)[0] - proj(0, orows)[0] if view == "oblique"
              else (ix0 + ix1) / 2 - (qx0 + qx1) / 2)
        out_origin = (ox, clearance(proj, (rows, cols), (orows, ocols), ox) - CLEARANCE)
        in_origin = (0.0, 0.0)
    else:  # the guide's numerical layout: the output right of the input, centred on its height
        in_origin = (0.0, 0.0)
        out_origin = (ix1 + 1.0, (rows - orows) // 2)
    # the output's label above the output, the whole inside the margin
    left = min(ix0 + in_origin[0], qx0 + out_origin[0])
    high = min(iy0 + in_origin[1], qy0 + out_origin[1] - LABEL_GAP)
    shift = (MARGIN - left, MARGIN - high)
    out_origin = (out_origin[0] + shift[0], out_origin[1] + shift[1])
    in_origin = (in_origin[0] + shift[0], in_origin[1] + shift[1])
    bottom = in_origin[1] + iy1 + LABEL_GAP + MARGIN
    width = max(ix1 + in_origin[0], qx1 + out_origin[0]) + MARGIN
    # wide enough for the labels and the title line too, the planes centred
    texts = (*label_texts(anim), title(anim))
    needed = max(text_width(t, LABEL_SIZE) for t in texts) + 2 * MARGIN
    if needed > width:
        more = (needed - width) / 2
        out_origin = (out_origin[0] + more, out_origin[1])
        in_origin = (in_origin[0] + more, in_origin[1])
        width = needed

    grid = []
    for r in range(rows):
        for c in range(cols):
            fill, stroke, dashed = _CELL_STYLE[d.grid[r][c]]
            grid.append(Quad(_rect(proj, in_origin, r, c, 1, 1), fill, stroke, dashed))
    outputs = tuple(((r, c), Quad(_rect(proj, out_origin, r, c, 1, 1), WHITE, BASE03))
                    for r in range(orows) for c in range(ocols))
    ext = anim.extent
    scenes = []
    for f in anim.frames:
        shades = tuple(Quad(_rect(proj, in_origin, r, c, 1, 1), BASE02, None,
                            opacity=SHADE_OPACITY) for r, c in f.taps)
        cells = tuple(Quad(_rect(proj, in_origin, f.window[0] + r, f.window[1] + c, 1, 1), None,
                           BASE03) for r in range(ext[0]) for c in range(ext[1]))
        outline = Quad(_rect(proj, in_origin, f.window[0], f.window[1], ext[0], ext[1]), None,
                       BASE03)
        cur = Quad(_rect(proj, out_origin, f.output[0], f.output[1], 1, 1), BASE02, BASE03,
                   opacity=SHADE_OPACITY)
        links = () if nums is not None else tuple(zip(outline.corners, cur.corners, strict=True))
        weights = () if nums is None or nums.mode != "convolution" else tuple(
            Label((in_origin[0] + c + 0.8, in_origin[1] + r + 0.92), str(w), size=0.3)
            for (r, c), w in zip(f.taps, [w for row in nums.kernel for w in row], strict=True))
        scenes.append(FrameScene(shades, cells, outline, cur, links, f.output, weights, tuple(
            (n // ocols, n % ocols) for n in range(f.index + 1))))
    labels = _labels(anim, in_origin, out_origin, (ix0, iy0, ix1, iy1), (qx0, qy0, qx1, qy1),
                     width)
    cell_texts: tuple[Label, ...] = ()
    output_texts: tuple[tuple[Index, Label], ...] = ()
    if nums is not None:
        cell_texts = tuple(Label((in_origin[0] + c + 0.5, in_origin[1] + r + 0.68), str(v),
                                 size=0.5)
                           for r, row in enumerate(nums.grid) for c, v in enumerate(row))
        output_texts = tuple(((r, c), Label((out_origin[0] + c + 0.5, out_origin[1] + r + 0.64),
                                            nums.text(v), size=0.36))
                             for r, row in enumerate(nums.output) for c, v in enumerate(row))
    return Scene(anim, round(width, 3), round(bottom, 3), tuple(grid), outputs, labels,
                 tuple(scenes), title(anim), plain_caption(d.caption), cell_texts, output_texts)


def _edges_at(corners: tuple[Point, ...], x: float) -> tuple[float, float]:
    """The top and bottom (least and greatest y) of a convex quadrilateral at abscissa x."""
    ys = []
    for j in range(4):
        (ax, ay), (bx, by) = corners[j], corners[(j + 1) % 4]
        if ax != bx and min(ax, bx) - 1e-9 <= x <= max(ax, bx) + 1e-9:
            ys.append(ay + (by - ay) * (x - ax) / (bx - ax))
    return min(ys), max(ys)


def clearance(proj: Projection, grid: Index, out: Index, ox: float) -> float:
    """The least vertical distance from the bottom of the output plane (its origin at (ox, 0))
    up to the top of the input plane (its origin at (0, 0)), where they share an abscissa;
    both are parallelograms, so the least is at one of their corners' abscissae."""
    inp = _rect(proj, (0.0, 0.0), 0, 0, grid[0], grid[1])
    outp = _rect(proj, (ox, 0.0), 0, 0, out[0], out[1])
    lo = max(min(p[0] for p in inp), min(p[0] for p in outp))
    hi = min(max(p[0] for p in inp), max(p[0] for p in outp))
    if lo > hi:
        return -max(p[1] for p in outp) + min(p[1] for p in inp)
    xs = [lo, hi, *(p[0] for p in (*inp, *outp) if lo <= p[0] <= hi)]
    return min(_edges_at(inp, x)[0] - _edges_at(outp, x)[1] for x in xs)


def text_width(text: str, size: float) -> float:
    """A generous estimate of a line's width in DejaVu Sans Bold (0.7 em a character)."""
    return len(text) * size * 0.7


def _labels(anim: Animation, in_origin: Point, out_origin: Point,
            ibox: tuple[float, float, float, float], qbox: tuple[float, float, float, float],
            width: float) -> tuple[Label, ...]:
    """The output's label above it, the input's below it, each centred on its plane but kept
    inside the picture."""
    out, inp = label_texts(anim)

    def inside(x: float, text: str) -> float:
        half = text_width(text, LABEL_SIZE) / 2
        return min(max(x, MARGIN + half), width - MARGIN - half)

    cx = inside(in_origin[0] + (ibox[0] + ibox[2]) / 2, inp)
    below = in_origin[1] + ibox[3] + 0.85
    qx = inside(out_origin[0] + (qbox[0] + qbox[2]) / 2, out)
    above = out_origin[1] + qbox[1] - 0.35
    return Label((qx, above), out, bold=True), Label((cx, below), inp, bold=True)


def label_texts(anim: Animation) -> tuple[str, str]:
    """The output's label and the input's (with the kernel's), every size from the relation."""
    d = anim.drawing
    axes = d.spec.axes
    size = "×".join(str(a.input) for a in axes)
    k = "×".join(str(a.kernel) for a in axes)
    extras = []
    if any(a.stride != 1 for a in axes) and d.kind != "transposed":
        extras.append("s=" + "×".join(str(a.stride) for a in axes))
    if any(a.dilation != 1 for a in axes):
        extras.append("d=" + "×".join(str(a.dilation) for a in axes))
    kernel = f"kernel {k}" + (f" ({', '.join(extras)})" if extras else "")
    if d.kind == "transposed":
        ip = "×".join(str(f.i_prime) for f in d.facts)
        pp = "×".join(str(f.p_prime) for f in d.facts)
        text = f"input {ip}, stretched, p′={pp}"
        if any(f.a for f in d.facts):
            text += ", a=" + "×".join(str(f.a) for f in d.facts)
        out = "output " + "×".join(str(f.output) for f in d.facts) + f" (= i = {size})"
    else:
        text = f"input {size}"
        if any(a.padding for a in axes):
            text += ", p=" + "×".join(str(a.padding) for a in axes)
        out = "output " + "×".join(str(f.output) for f in d.facts)
    return out, f"{text} · {kernel}"


def title(anim: Animation) -> str:
    """The relation each axis follows and its output size, e.g. ``relation 6: o = 3×3``."""
    d = anim.drawing
    ids = sorted({f.relation for f in d.facts}, key=lambda r: int(r[1:]))
    rel = "relation" + ("s " if len(ids) > 1 else " ") + ", ".join(r[1:] for r in ids)
    name = "o′" if d.kind == "transposed" else "o"
    return f"{rel}: {name} = " + "×".join(str(f.output) for f in d.facts) + \
        f", {len(anim.frames)} frames"


_TEX = (
    (r"\times", "×"), (r"\hat{k}", "k̂"), (r"\tilde{i}'", "ĩ′"), (r"\tilde{i}", "ĩ"),
    (r"\bmod", "mod"), (r"\neq", "≠"), ("''", "″"), ("'", "′"), ("$", ""),
)
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def plain_caption(caption: str) -> str:
    """A figure caption's TeX as plain Unicode text (the captions use only these macros)."""
    text = caption
    for tex, plain in _TEX:
        text = text.replace(tex, plain)
    text = re.sub(r"_(\d)", lambda m: m.group(1).translate(_SUB), text)
    if "\\" in text or "{" in text:
        raise AssertionError(f"caption has TeX the plain text does not know: {text!r}")
    return text


def wrap(text: str, columns: int) -> list[str]:
    """Greedy word wrap at ``columns`` characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > columns:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def caption_columns(width_units: float) -> int:
    return max(24, math.floor((width_units - 1.2) * 4.0))


# ---- the generated files ------------------------------------------------------------------------


def animation_path(ga: GuideAnimation) -> str:
    return f"animations/{ga.name}.svg"


def artifacts() -> dict[str, str]:
    """The guide's animations as animated SVGs, and a Markdown page showing them, as the
    guide's README does."""
    from symconv.artifacts import banner
    from symconv.picture import svg

    out: dict[str, str] = {}
    rows = ["| animation | parameters | relation | frames |", "|---|---|---|---|"]
    for ga in GUIDE_ANIMATIONS:
        path = animation_path(ga)
        sc = guide_scene(ga)
        anim = sc.animation
        out[path] = banner(path) + svg(sc)
        fig = ga.figure
        ax = anim.drawing.spec.axes[0]
        params = f"{fig.kind}: i={ax.input}, k={ax.kernel}, s={ax.stride}, p={ax.padding}"
        if ax.dilation != 1:
            params += f", d={ax.dilation}"
        rows.append(f"| {ga.title}<br>![{ga.name}]({ga.name}.svg) | {params} "
                    f"({ga.source}) | {sc.title.split(':')[0]} | {len(anim.frames)} |")
    index = "animations/README.md"
    out[index] = "\n".join([
        banner(index).rstrip("\n"), "",
        "# The guide's animations, drawn by the engine",
        "",
        "Blue: input units; dashed: zero padding; grey: the zeros a transposed convolution "
        "inserts; pale yellow: its `a` extra rows and columns; cyan: output units computed so "
        "far. Every frame's window position and the number of frames follow from the relation "
        "named. GIFs: `symconv figure KIND ... --animate --out NAME.gif`.",
        "", *rows, ""])
    return dict(sorted(out.items()))
