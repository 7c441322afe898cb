from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import animation, figures, picture
from symconv.cli import main
from symconv.matrix import make_spec
from symconv.reference import convolve, transposed_convolve

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"

# vdumoulin/conv_arithmetic, bin/generate_makefile: (input-size, output-size, padding,
# kernel-size, stride, dilation, transposed); its frame count is output-size² for a
# convolution and input-size² for a transposed one
MAKEFILE = {
    "no_padding_no_strides": (4, 2, 0, 3, 1, 1, False),
    "no_padding_no_strides_transposed": (4, 2, 0, 3, 1, 1, True),
    "arbitrary_padding_no_strides": (5, 6, 2, 4, 1, 1, False),
    "arbitrary_padding_no_strides_transposed": (5, 6, 2, 4, 1, 1, True),
    "same_padding_no_strides": (5, 5, 1, 3, 1, 1, False),
    "same_padding_no_strides_transposed": (5, 5, 1, 3, 1, 1, True),
    "full_padding_no_strides": (5, 7, 2, 3, 1, 1, False),
    "full_padding_no_strides_transposed": (5, 7, 2, 3, 1, 1, True),
    "no_padding_strides": (5, 2, 0, 3, 2, 1, False),
    "no_padding_strides_transposed": (5, 2, 0, 3, 2, 1, True),
    "padding_strides": (5, 3, 1, 3, 2, 1, False),
    "padding_strides_transposed": (5, 3, 1, 3, 2, 1, True),
    "padding_strides_odd": (6, 3, 1, 3, 2, 1, False),
    "padding_strides_odd_transposed": (6, 3, 1, 3, 2, 1, True),
    "dilation": (7, 3, 0, 3, 1, 2, False),
}


def _guide(name: str) -> animation.Animation:
    (ga,) = [g for g in animation.GUIDE_ANIMATIONS if g.name == name]
    return animation.guide_animation(ga)


@pytest.mark.parametrize("name", sorted(MAKEFILE))
def test_every_animation_of_the_guide_with_its_parameters(name: str) -> None:
    i, o, p, k, s, d, transposed = MAKEFILE[name]
    anim = _guide(name)
    ax = anim.drawing.spec.axes[0]
    assert (ax.input, ax.padding, ax.kernel, ax.stride, ax.dilation) == (i, p, k, s, d)
    assert (anim.drawing.kind == "transposed") == transposed
    assert len(anim.frames) == (i if transposed else o) ** 2
    assert ax.output == o


def _onehot(n: int, at: int) -> list[int]:
    return [int(j == at) for j in range(n)]


def _axis_reads(kind: str, i: int, k: int, s: int, p: int, d: int) -> list[set[int]]:
    """Per output unit of the drawn operation: the input units it reads, by running the dumb
    reference on one-hot inputs (a transposed convolution's input is the direct one's output)."""
    ones = [1] * k
    if kind != "transposed":
        outs = [convolve(_onehot(i, x), ones, s, p, d) for x in range(i)]
        return [{x for x in range(i) if outs[x][o]} for o in range(len(outs[0]))]
    extent = (k - 1) * d + 1
    i_prime = len(convolve([0] * i, ones, s, p, d))
    a = (i + 2 * p - extent) % s
    outs = [transposed_convolve(_onehot(i_prime, j), ones, s, p, a, d) for j in range(i_prime)]
    assert all(len(v) == i for v in outs)
    return [{j for j in range(i_prime) if outs[j][o]} for o in range(i)]


def _check_frames(anim: animation.Animation) -> None:
    """Frame by frame: the frame count, the order, the window's place and the units it reads,
    against the dumb reference."""
    dr = anim.drawing
    reads = [_axis_reads(dr.kind, ax.input, ax.kernel, ax.stride, ax.padding, ax.dilation)
             for ax in dr.spec.axes]
    rows, cols = len(reads[0]), len(reads[1])
    assert len(anim.frames) == rows * cols == dr.out_shape[0] * dr.out_shape[1]
    grid = dr.grid
    for n, f in enumerate(anim.frames):
        assert f.index == n
        assert f.output == (n // cols, n % cols)
        assert len(f.taps) == dr.kernel[0] * dr.kernel[1]
        assert f.taps[0] == f.window
        assert all(0 <= r < len(grid) and 0 <= c < len(grid[0]) for r, c in f.taps)
        units = {(r, c) for r, c in f.taps if grid[r][c] == figures.UNIT}
        if dr.kind == "transposed":
            pp = [fa.p_prime for fa in dr.facts]
            s = [ax.stride for ax in dr.spec.axes]
            got = {((r - pp[0]) // s[0], (c - pp[1]) // s[1]) for r, c in units}
        else:
            p = [ax.padding for ax in dr.spec.axes]
            got = {(r - p[0], c - p[1]) for r, c in units}
        want = {(x, y) for x in reads[0][f.output[0]] for y in reads[1][f.output[1]]}
        assert got == want, (n, f)
    # the window never leaves the grid and reaches its last row and column but the uncovered
    ext = anim.extent
    last = anim.frames[-1]
    for a in range(2):
        assert last.window[a] + ext[a] <= anim.grid_shape[a]


@pytest.mark.parametrize("ga", animation.GUIDE_ANIMATIONS, ids=lambda g: g.name)
def test_guide_animations_frame_by_frame(ga: animation.GuideAnimation) -> None:
    _check_frames(animation.guide_animation(ga))


axis = st.tuples(st.integers(1, 7), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3),
                 st.integers(1, 3))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["conv", "transposed", "pool", "dilated"]), axis, axis)
def test_any_animation_frame_by_frame(kind: str, a0: tuple[int, ...], a1: tuple[int, ...]
                                      ) -> None:
    if kind == "pool":
        a0, a1 = (*a0[:3], 0, 1), (*a1[:3], 0, 1)
    if kind == "conv":
        a0, a1 = (*a0[:4], 1), (*a1[:4], 1)
    (i0, k0, s0, p0, d0), (i1, k1, s1, p1, d1) = a0, a1
    try:
        spec = make_spec([i0, i1], [k0, k1], [s0, s1], [p0, p1], [d0, d1], dims=2)
        drawing = figures.build(kind, spec)
    except figures.UsageError:
        return
    _check_frames(animation.animate(drawing))


def test_the_asymmetric_odd_transposed_has_its_extra_cells_bottom_right() -> None:
    # conv_arithmetic issue #11: a = 1 extra row and column belong at the bottom and right
    grid = _guide("padding_strides_odd_transposed").drawing.grid
    last_col = [row[-1] for row in grid]
    for line in (grid[-1], last_col):
        assert figures.EXTRA in line
        assert set(line) <= {figures.EXTRA, figures.PAD}
    assert figures.EXTRA not in grid[0]
    assert all(row[0] != figures.EXTRA for row in grid)


def test_plain_caption_has_no_tex_left() -> None:
    for ga in animation.GUIDE_ANIMATIONS:
        text = animation.plain_caption(animation.guide_animation(ga).drawing.caption)
        assert "$" not in text
        assert "\\" not in text
    assert animation.plain_caption("$i_1 = 5$, $3 \\times 3$, $\\hat{k}$") == "i₁ = 5, 3 × 3, k̂"


# ---- SVG -------------------------------------------------------------------------------------


def _translations(elem: ET.Element) -> list[tuple[float, float]]:
    anim = elem.find(f"{SVG}animateTransform")
    assert anim is not None
    return [tuple(float(v) for v in pair.split(","))  # type: ignore[misc]
            for pair in anim.attrib["values"].split(";")]


@pytest.mark.parametrize("view", ["oblique", "flat"])
@pytest.mark.parametrize("name", ["padding_strides_odd", "padding_strides_odd_transposed",
                                  "dilation"])
def test_svg_steps_through_every_frame(name: str, view: str) -> None:
    anim = _guide(name)
    sc = animation.scene(anim, view)
    root = ET.fromstring(picture.svg(sc, 500))
    n = len(anim.frames)
    assert root.attrib["data-frames"] == str(n)
    window = root.find(f".//{SVG}g[@id='window']")
    assert window is not None
    moves = _translations(window)
    proj = animation.VIEWS[view]
    w0 = anim.frames[0].window
    for f, (dx, dy) in zip(anim.frames, moves, strict=True):
        ex, ey = proj(f.window[1] - w0[1], f.window[0] - w0[0])
        assert (dx, dy) == pytest.approx((ex * picture.SVG_SCALE, ey * picture.SVG_SCALE),
                                         abs=0.11)
    current = root.find(f".//{SVG}g[@id='current']")
    assert current is not None
    for f, (dx, dy) in zip(anim.frames, _translations(current), strict=True):
        ex, ey = proj(f.output[1], f.output[0])
        assert (dx, dy) == pytest.approx((ex * picture.SVG_SCALE, ey * picture.SVG_SCALE),
                                         abs=0.11)
    # output unit k turns cyan at frame k, and stays so
    out = root.find(f".//{SVG}g[@id='output']")
    assert out is not None
    cells = out.findall(f"{SVG}polygon")
    assert len(cells) == n
    for k, cell in enumerate(cells):
        fill = cell.find(f"{SVG}animate")
        if k == 0:
            assert fill is None
            assert cell.attrib["fill"] == "#2aa198"
        else:
            assert fill is not None
            assert float(fill.attrib["keyTimes"].split(";")[1]) == pytest.approx(k / n, 1e-5)
            assert fill.attrib["values"] == "#ffffff;#2aa198"
    assert f"{n * 0.5:g}s" == window[-1].attrib["dur"]


def test_svg_labels_and_caption_come_from_the_relation() -> None:
    anim = _guide("padding_strides_transposed")
    svg = picture.svg(animation.scene(anim), caption=True)
    assert "relation 13: o′ = 5×5, 25 frames" in svg
    assert "output 5×5 (= i = 5×5)" in svg
    assert "input 3×3, stretched, p′=1×1" in svg
    assert "It is equivalent to convolving a 3 × 3 kernel over a 3 × 3" in svg


# ---- GIF ----------------------------------------------------------------------------------------


def _gif_frames(data: bytes) -> list[object]:
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    out = []
    for k in range(im.n_frames):
        im.seek(k)
        out.append(im.convert("RGB"))
    return out


def _looks(img: object, corners: tuple[animation.Point, ...], px: int,
           want: tuple[int, int, int]) -> bool:
    """Most of 16 points spread inside the cell have the colour ``want`` (a link line may cross
    a diagonal of them)."""
    (x0, y0), (x1, y1), _, (x3, y3) = corners
    hits = 0
    for u in (0.2, 0.4, 0.6, 0.8):
        for v in (0.2, 0.4, 0.6, 0.8):
            x, y = x0 + u * (x1 - x0) + v * (x3 - x0), y0 + u * (y1 - y0) + v * (y3 - y0)
            colour = img.getpixel((round(x * px), round(y * px)))  # type: ignore[attr-defined]
            hits += max(abs(a - b) for a, b in zip(colour, want, strict=True)) <= 24
    return hits >= 10


@pytest.mark.parametrize("name", ["padding_strides_odd", "no_padding_strides_transposed",
                                  "dilation"])
def test_gif_frame_by_frame(name: str) -> None:
    pytest.importorskip("PIL")
    anim = _guide(name)
    sc = animation.scene(anim)
    px = 24
    frames = _gif_frames(picture.gif_bytes(picture.raster_frames(sc, px), 300,
                                         picture.key_colours(sc)))
    assert len(frames) == len(anim.frames)
    shade = {q.corners for f in sc.frames for q in f.shades}
    cell_at = {q.corners: q for q in sc.grid}
    for fs, img in zip(sc.frames, frames, strict=True):
        tapped = {q.corners for q in fs.shades}
        # a shaded tap is darker than the same cell unshaded; no other cell is shaded
        for corners in shade:
            q = cell_at[corners]
            base = q.fill or animation.WHITE
            want = picture._mix(base, animation.BASE02, animation.SHADE_OPACITY) \
                if corners in tapped else base
            assert _looks(img, corners, px, want), (fs.output, corners, want)
        # output units computed so far are cyan, the rest white, the current one shaded
        for pos, q in sc.output_cells:
            if pos == fs.output:
                want = picture._mix(animation.CYAN, animation.BASE02, animation.SHADE_OPACITY)
            else:
                want = animation.CYAN if pos in fs.filled else animation.WHITE
            assert _looks(img, q.corners, px, want), (fs.output, pos, want)


def test_gif_is_small_and_loops() -> None:
    pytest.importorskip("PIL")
    from PIL import Image

    sc = animation.scene(_guide("padding_strides"))
    data = picture.gif(sc)
    im = Image.open(io.BytesIO(data))
    assert im.info["loop"] == 0
    assert im.info["duration"] == 1000
    assert len(data) < 120_000  # the guide's own padding_strides.gif is 118 kB


# ---- CLI ----------------------------------------------------------------------------------------


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_svg_to_stdout_and_json_frames(tmp_path: Path) -> None:
    code, out, _ = _run(["figure", "conv", "-i", "6", "-k", "3", "-s", "2", "-p", "1",
                         "--animate"])
    assert code == 0
    assert out.startswith("<svg")
    code, out, _ = _run(["figure", "conv", "-i", "6", "-k", "3", "-s", "2", "-p", "1",
                         "--animate", "--json", "--out", str(tmp_path / "a.svg")])
    report = json.loads(out)
    assert code == 0
    assert report["output"] == [3, 3]
    assert report["relations"] == ["R6", "R6"]
    assert [f["window"] for f in report["frames"]] == [
        [r * 2, c * 2] for r in range(3) for c in range(3)]
    assert (tmp_path / "a.svg").read_text().startswith("<svg")


def test_cli_gif(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    path = tmp_path / "t.gif"
    code, _, _ = _run(["figure", "transposed", "-i", "5", "-k", "3", "-s", "2", "--animate",
                       "--out", str(path), "--delay", "200", "--cell", "16", "--show-caption"])
    assert code == 0
    assert len(_gif_frames(path.read_bytes())) == 25


@pytest.mark.parametrize(("argv", "needle"), [
    (["--animate", "--out", "x.png"], "--animate writes gif"),
    (["--out", "x.gif"], "gif is an animation: add --animate"),
    (["--delay", "100"], "--delay does not apply"),
    (["--animate", "--frames"], "--frames does not apply"),
    (["--animate", "--delay", "5"], "--delay must be in 20..60000"),
    (["--animate", "--cell", "4", "--out", "x.gif"], "--cell must be in 8..200"),
    (["--animate", "--cell", "20"], "--cell does not apply"),
    (["--animate", "-i", "40"], "at most 1024"),
    (["--animate", "--caption", "x"], "--caption does not apply"),
    (["--show-caption"], "--show-caption does not apply"),
])
def test_cli_animation_errors_exit_2(argv: list[str], needle: str) -> None:
    base = ["figure", "conv", "-i", "5", "-k", "3"]
    code, _, err = _run(base + argv)
    assert code == 2
    assert needle in err, err


def test_generated_animations_are_up_to_date() -> None:
    for path, text in animation.artifacts().items():
        on_disk = (ROOT / "generated" / path).read_text(encoding="utf-8")
        assert on_disk == text, f"generated/{path} is stale: run `symconv generate`"


# ---- numerical animations ---------------------------------------------------------------------

# The conv_arithmetic paper's figures 1.1 and 1.2 (frames of numerical_no_padding_no_strides
# and numerical_padding_strides): its input, kernel and outputs as printed there.
PAPER_INPUT = ((3, 3, 2, 1, 0), (0, 0, 1, 3, 1), (3, 1, 2, 2, 3), (2, 0, 0, 2, 2),
               (2, 0, 0, 0, 1))
PAPER_KERNEL = ((0, 1, 2), (2, 2, 0), (0, 1, 2))
PAPER_OUTPUTS = {
    "numerical_no_padding_no_strides": ((12, 12, 17), (10, 17, 19), (9, 6, 14)),
    "numerical_padding_strides": ((6, 17, 3), (8, 17, 13), (6, 4, 4)),
}


def _numerical(name: str) -> animation.Numbers:
    (ga,) = [g for g in animation.GUIDE_ANIMATIONS if g.name == name]
    assert ga.numbers is not None
    return animation.numbers(animation.guide_animation(ga), ga.numbers)


@pytest.mark.parametrize("name", sorted(PAPER_OUTPUTS))
def test_numerical_animations_have_the_papers_numbers(name: str) -> None:
    nums = _numerical(name)
    p = (len(nums.grid) - 5) // 2
    assert tuple(row[p:p + 5] for row in nums.grid[p:p + 5]) == PAPER_INPUT
    assert all(v == 0 for r, row in enumerate(nums.grid) for c, v in enumerate(row)
               if not (p <= r < p + 5 and p <= c < p + 5))
    assert nums.kernel == PAPER_KERNEL
    assert nums.output == tuple(tuple(float(v) for v in row) for row in PAPER_OUTPUTS[name])


def test_guide_generator_is_numpys_legacy_stream() -> None:
    np = pytest.importorskip("numpy")
    for seed in (0, 1, 1234, 2**32 - 1):
        state = np.random.RandomState(seed)
        ours = animation.guide_generator(seed)
        for high in (4, 3, 2, 1, 5, 7, 255):
            want = state.randint(0, high, size=40).tolist()
            assert [animation.guide_randint(ours, high) for _ in range(40)] == want, (seed, high)


def _brute(grid: tuple[tuple[int, ...], ...], kernel: tuple[tuple[int, ...], ...], s: int,
           d: int, mode: str) -> list[list[float]]:
    """Every window of the drawn grid, by loops over its rows and columns."""
    k0, k1 = len(kernel), len(kernel[0])
    e0, e1 = (k0 - 1) * d + 1, (k1 - 1) * d + 1
    out = []
    for top in range(0, len(grid) - e0 + 1, s):
        row = []
        for left in range(0, len(grid[0]) - e1 + 1, s):
            seen = [(grid[top + m * d][left + n * d], kernel[m][n])
                    for m in range(k0) for n in range(k1)]
            if mode == "convolution":
                row.append(float(sum(v * w for v, w in seen)))
            elif mode == "average":
                row.append(sum(v for v, _ in seen) / len(seen))
            else:
                row.append(float(max(v for v, _ in seen)))
        out.append(row)
    return out


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["conv", "dilated", "pool-max", "pool-average"]), st.integers(1, 8),
       st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(0, 2**32 - 1))
def test_numerical_values_against_brute_force(kind: str, i: int, k: int, s: int, p: int,
                                               seed: int) -> None:
    d = 2 if kind == "dilated" else 1
    pool = kind.split("-")[1] if kind.startswith("pool") else "max"
    mode = pool if kind.startswith("pool") else "convolution"
    try:
        spec = make_spec([i, i], [k, k], [s, s], [p, p], [d, d], dims=2)
        drawing = figures.build(kind.split("-")[0], spec, pool=pool)
    except figures.UsageError:
        return
    anim = animation.animate(drawing)
    nums = animation.numbers(anim, mode, seed)
    assert all(0 <= v <= 3 for row in nums.grid for v in row)
    assert all(0 <= w <= 2 for row in nums.kernel for w in row)
    assert [list(row) for row in nums.output] == _brute(nums.grid, nums.kernel, s, d, mode)


def test_numerical_svg_writes_every_value_and_shows_outputs_in_order() -> None:
    (ga,) = [g for g in animation.GUIDE_ANIMATIONS if g.name == "numerical_padding_strides"]
    sc = animation.guide_scene(ga)
    root = ET.fromstring(picture.svg(sc))
    values = root.find(f".//{SVG}g[@id='values']")
    assert values is not None
    texts = [t.text for t in values.findall(f"{SVG}text")]
    nums = _numerical(ga.name)
    assert texts == [str(v) for row in nums.grid for v in row]
    # the kernel's weights ride with the window, at its taps
    window = root.find(f".//{SVG}g[@id='window']")
    assert window is not None
    assert [t.text for t in window.findall(f"{SVG}text")] == [
        str(w) for row in PAPER_KERNEL for w in row]
    out = root.find(f".//{SVG}g[@id='output-values']")
    assert out is not None
    cells = out.findall(f"{SVG}text")
    assert [c.text for c in cells] == [f"{v:.1f}" for row in PAPER_OUTPUTS[ga.name]
                                       for v in row]
    n = len(cells)
    for k, cell in enumerate(cells):
        show = cell.find(f"{SVG}animate")
        if k == 0:
            assert show is None
            assert "visibility" not in cell.attrib
        else:
            assert show is not None
            assert cell.attrib["visibility"] == "hidden"
            assert float(show.attrib["keyTimes"].split(";")[1]) == pytest.approx(k / n, 1e-5)
    # the plan view has no lines between the planes
    links = root.find(f".//{SVG}g[@id='links']")
    assert links is not None
    assert not list(links)


def test_cli_numbers_json_and_refusals() -> None:
    code, out, _ = _run(["figure", "pool", "-i", "5", "-k", "3", "--pool", "max", "--animate",
                         "--numbers", "--json", "--out", "/dev/null"])
    assert code == 0
    report = json.loads(out)
    assert report["numbers"]["mode"] == "max"
    assert report["numbers"]["grid"] == [list(r) for r in PAPER_INPUT]
    assert report["numbers"]["output"] == _brute(PAPER_INPUT, ((1,) * 3,) * 3, 1, 1, "max")
    for argv, needle in (
            (["transposed", "-i", "5", "-k", "3", "--animate", "--numbers"], "not transposed"),
            (["conv", "-i", "5", "-k", "3", "--numbers"], "--numbers does not apply"),
            (["conv", "-i", "5", "-k", "3", "--animate", "--numbers", "--view", "flat"],
             "--view does not apply")):
        code, _, err = _run(["figure", *argv])
        assert code == 2
        assert needle in err, err


# ---- layout: as the guide's TikZ places things -------------------------------------------------


def _inside(pt: animation.Point, corners: tuple[animation.Point, ...]) -> bool:
    """Strictly inside a convex polygon (corners in order, either orientation)."""
    signs = set()
    for j in range(len(corners)):
        (ax, ay), (bx, by) = corners[j], corners[(j + 1) % len(corners)]
        cross = (bx - ax) * (pt[1] - ay) - (by - ay) * (pt[0] - ax)
        if abs(cross) < 1e-9:
            return False
        signs.add(cross > 0)
    return len(signs) == 1


@pytest.mark.parametrize("name", sorted(MAKEFILE))
def test_the_output_sits_where_the_guides_tikz_puts_it(name: str) -> None:
    # arithmetic_figure.txt: the output's scope is shifted up by the drawn grid's rows + 1, its
    # (0, 0) (TikZ's y goes up: our bottom left corner) straight above the input's
    sc = animation.scene(_guide(name))
    rows, cols = sc.animation.grid_shape
    orows, _ = sc.animation.drawing.out_shape
    in_corner = sc.grid[(rows - 1) * cols].corners[3]
    out_corner = dict(sc.output_cells)[(orows - 1, 0)].corners[3]
    assert out_corner[0] == pytest.approx(in_corner[0])
    assert in_corner[1] - out_corner[1] == pytest.approx(rows + 1)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["oblique", "flat"]), st.integers(1, 14), st.integers(1, 14),
       st.integers(1, 14), st.integers(1, 14))
def test_the_planes_never_meet(view: str, i0: int, i1: int, k0: int, k1: int) -> None:
    try:
        drawing = figures.build("conv", make_spec([i0, i1], [k0, k1], [1, 1], [0, 0], [1, 1],
                                                  dims=2))
    except figures.UsageError:
        return
    sc = animation.scene(animation.animate(drawing), view)
    rows, cols = sc.animation.grid_shape
    grid = {(n // cols, n % cols): q.corners for n, q in enumerate(sc.grid)}
    plane = (grid[0, 0][0], grid[0, cols - 1][1], grid[rows - 1, cols - 1][2],
             grid[rows - 1, 0][3])
    drop = animation.CLEARANCE - 1e-6
    for _, q in sc.output_cells:
        for j in range(4):
            (ax, ay), (bx, by) = q.corners[j], q.corners[(j + 1) % 4]
            for t in (n / 8 for n in range(9)):
                for down in (0.0, drop / 2, drop):
                    pt = (ax + (bx - ax) * t, ay + (by - ay) * t + down)
                    assert not _inside(pt, plane), (pt, plane)
    # everything inside the picture
    points = [p for q in (*sc.grid, *(q for _, q in sc.output_cells)) for p in q.corners]
    assert all(0 < x < sc.width and 0 < y < sc.height for x, y in points)


@pytest.mark.parametrize("name", ["padding_strides", "dilation", "full_padding_no_strides"])
def test_the_window_is_a_solid_grid_over_its_extent(name: str) -> None:
    # arithmetic_figure.txt draws the window as `\draw[step=10mm, base03, thick] grid`: every
    # cell it spans outlined solid, over the dashed padding too
    sc = animation.scene(_guide(name))
    cols = sc.animation.grid_shape[1]
    ext = sc.animation.extent
    for f, fs in zip(sc.animation.frames, sc.frames, strict=True):
        want = {sc.grid[(f.window[0] + r) * cols + f.window[1] + c].corners
                for r in range(ext[0]) for c in range(ext[1])}
        assert {q.corners for q in fs.cells} == want
        assert all(not q.dashed and q.stroke == animation.BASE03 for q in fs.cells)
        assert {q.corners for q in fs.shades} == {
            sc.grid[r * cols + c].corners for r, c in f.taps}
