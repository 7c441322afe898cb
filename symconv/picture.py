"""Renderers of an animation's scene (``symconv.animation``): an animated SVG (SMIL, written
here, no dependency) and raster frames (PNG, GIF) drawn with Pillow, the optional extra
``symconv[pictures]``. They draw the scene and compute nothing about the convolution.

Paint order, as the guide's TikZ: the input grid, the kernel's shades and window, the four
lines to the output unit, then the output plane (which hides the lines' ends under it).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from symconv.animation import (
    BASE02,
    BASE03,
    CYAN,
    DASH,
    LINK_STROKE,
    SHADE_OPACITY,
    STROKE,
    WHITE,
    Label,
    Point,
    Quad,
    Rgb,
    Scene,
    caption_columns,
    wrap,
)
from symconv.errors import UsageError

SVG_SCALE = 20  # user units per cell
FONT_FAMILY = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
LINE_HEIGHT = 0.62  # caption lines, in cells
CAPTION_SIZE = 0.42  # caption text height, in cells


def _hex(rgb: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _n(x: float) -> str:
    text = f"{x * SVG_SCALE:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _pts(corners: Sequence[Point]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in corners)


def _caption_lines(sc: Scene, caption: bool) -> list[str]:
    """The title line (relation and output size), then the whole caption if ``caption``."""
    return [sc.title, *(wrap(sc.caption, caption_columns(sc.width)) if caption else ())]


def _height(sc: Scene, caption: bool) -> float:
    return sc.height + LINE_HEIGHT * len(_caption_lines(sc, caption)) + 0.3


def _quad_svg(q: Quad, extra: str = "") -> str:
    attrs = [f'points="{_pts(q.corners)}"', f'fill="{_hex(q.fill) if q.fill else "none"}"']
    if q.stroke is not None:
        attrs.append(f'stroke="{_hex(q.stroke)}"')
        if abs(q.width - STROKE) > 1e-9:
            attrs.append(f'stroke-width="{_n(q.width)}"')
        if q.dashed:
            attrs.append(f'stroke-dasharray="{_n(DASH)}"')
    if q.opacity != 1.0:
        attrs.append(f'fill-opacity="{q.opacity:g}"')
    return f"<polygon {' '.join(attrs)}{extra}/>"


def svg(sc: Scene, delay_ms: int = 1000, caption: bool = False) -> str:
    """An animated SVG: frame 0 drawn, SMIL animations step through the frames (discrete, one
    every ``delay_ms``, looping)."""
    frames = sc.frames
    n = len(frames)
    dur = f"{n * delay_ms / 1000:g}s"
    times = ";".join(f"{k / n:.6g}" for k in range(n))
    common = f'dur="{dur}" calcMode="discrete" keyTimes="{times}" repeatCount="indefinite"'
    width, height = sc.width, _height(sc, caption)
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}" '
        f'font-family="{FONT_FAMILY}" stroke-width="{_n(STROKE)}" stroke-linejoin="round" '
        f'data-frames="{n}">',
        f"<title>{escape(sc.title)}</title>",
        f"<desc>{escape(sc.caption)}</desc>",
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
        '<g id="input">',
        *(_quad_svg(q) for q in sc.grid),
        "</g>",
    ]
    if sc.cell_texts:
        out += ['<g id="values">', *(_label_svg(lb) for lb in sc.cell_texts), "</g>"]
    first = frames[0]
    ox, oy = first.outline.corners[0]
    moves = ";".join(
        f"{_n(f.outline.corners[0][0] - ox)},{_n(f.outline.corners[0][1] - oy)}"
        for f in frames)
    out += ['<g id="window">', *(_quad_svg(q) for q in first.window),
            *(_label_svg(lb) for lb in first.texts),
            f'<animateTransform attributeName="transform" type="translate" values="{moves}" '
            f"{common}/>", "</g>"]
    out.append(f'<g id="links" stroke="{_hex(BASE03)}" stroke-width="{_n(LINK_STROKE)}">')
    for j in range(len(first.links)):
        (ax, ay), (bx, by) = first.links[j]
        values = ";".join(
            f"M{_n(f.links[j][0][0])},{_n(f.links[j][0][1])}L{_n(f.links[j][1][0])},"
            f"{_n(f.links[j][1][1])}" for f in frames)
        out.append(f'<path d="M{_n(ax)},{_n(ay)}L{_n(bx)},{_n(by)}">'
                   f'<animate attributeName="d" values="{values}" {common}/></path>')
    out.append("</g>")
    out.append('<g id="output">')
    order = {f.output: k for k, f in enumerate(frames)}
    for pos, q in sc.output_cells:
        k = order[pos]
        if k == 0:
            out.append(_quad_svg(Quad(q.corners, CYAN, q.stroke)))
            continue
        fill = (f'<animate attributeName="fill" values="{_hex(WHITE)};{_hex(CYAN)}" '
                f'keyTimes="0;{k / n:.6g}" dur="{dur}" calcMode="discrete" '
                'repeatCount="indefinite"/>')
        out.append(_quad_svg(q)[:-2] + f">{fill}</polygon>")
    out.append("</g>")
    cx, cy = first.current.corners[0]
    moves = ";".join(f"{_n(f.current.corners[0][0] - cx)},{_n(f.current.corners[0][1] - cy)}"
                     for f in frames)
    out += ['<g id="current">', _quad_svg(first.current),
            f'<animateTransform attributeName="transform" type="translate" values="{moves}" '
            f"{common}/>", "</g>"]
    if sc.output_texts:
        out.append('<g id="output-values">')
        for pos, lb in sc.output_texts:
            k = order[pos]
            text = _label_svg(lb)
            if k:  # hidden until its frame
                text = text.replace("<text ", '<text visibility="hidden" ', 1).replace(
                    "</text>", f'<animate attributeName="visibility" values="hidden;visible" '
                    f'keyTimes="0;{k / n:.6g}" dur="{dur}" calcMode="discrete" '
                    'repeatCount="indefinite"/></text>')
            out.append(text)
        out.append("</g>")
    out += [_label_svg(lb) for lb in sc.labels]
    y = sc.height + 0.1
    for k, line in enumerate(_caption_lines(sc, caption)):
        weight = ' font-weight="bold"' if k == 0 else ""
        out.append(f'<text x="{_n(0.6)}" y="{_n(y + LINE_HEIGHT * (k + 0.8))}" '
                   f'font-size="{_n(CAPTION_SIZE)}" fill="{_hex(BASE03)}"{weight}>'
                   f"{escape(line)}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _label_svg(lb: Label) -> str:
    weight = ' font-weight="bold"' if lb.bold else ""
    return (f'<text x="{_n(lb.at[0])}" y="{_n(lb.at[1])}" text-anchor="{lb.anchor}" '
            f'font-size="{_n(lb.size)}" fill="{_hex(BASE03)}"{weight}>'
            f"{escape(lb.text)}</text>")


# ---- raster (Pillow) ----------------------------------------------------------------------------

SUPERSAMPLE = 3
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
# 32 colours keep the antialiased edges and cost ~30% less than 64 (7.7 kB a frame against the
# guide's 11 kB at the same size)
GIF_COLORS = 32


def pillow() -> Any:
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise UsageError("GIF and PNG animations need Pillow, which is not installed (pip "
                         "install 'symconv[pictures]'); the animated SVG (.svg) needs nothing"
                         ) from None
    return Image, ImageDraw, ImageFont


def _font(size: int, bold: bool) -> Any:
    _, _, image_font = pillow()
    path = Path(FONT_FILES[1 if bold else 0])
    if path.is_file():
        return image_font.truetype(str(path), size)
    return image_font.load_default(size)


def _mix(under: Rgb | None, over: Rgb, alpha: float) -> Rgb:
    base = under or WHITE
    return tuple(round(b + (o - b) * alpha) for b, o in zip(base, over, strict=True))  # type: ignore[return-value]


def raster_frames(sc: Scene, cell_px: int = 28, caption: bool = False) -> list[Any]:
    """One RGB image per frame, ``cell_px`` pixels per cell."""
    image, image_draw, _ = pillow()
    s = cell_px * SUPERSAMPLE
    size = (round(sc.width * s), round(_height(sc, caption) * s))
    base = image.new("RGB", size, WHITE)
    draw = image_draw.Draw(base)
    for q in sc.grid:
        _quad(draw, q, s)
    for lb in (*sc.labels, *sc.cell_texts):
        _text(draw, lb.at, lb.text, lb.size, s, lb.bold, lb.anchor)
    value_at = dict(zip((q.corners for q in sc.grid), sc.cell_texts, strict=False))
    for k, line in enumerate(_caption_lines(sc, caption)):
        _text(draw, (0.6, sc.height + 0.1 + LINE_HEIGHT * (k + 0.8)), line, CAPTION_SIZE,
              s, k == 0, "start")
    out = []
    grid_fill = {q.corners: q.fill for q in sc.grid}
    for f in sc.frames:
        frame = base.copy()
        d = image_draw.Draw(frame)
        for q in f.shades:
            under = grid_fill.get(q.corners)
            d.polygon(_px(q.corners, s), fill=_mix(under, BASE02, SHADE_OPACITY))
        for q in f.cells:  # the guide's solid grid over the window
            _outline(d, q, s)
        for q in f.shades:  # the values under the shade, written again
            if q.corners in value_at:
                lb = value_at[q.corners]
                _text(d, lb.at, lb.text, lb.size, s, lb.bold, lb.anchor)
        for lb in f.texts:
            _text(d, lb.at, lb.text, lb.size, s, lb.bold, lb.anchor)
        _outline(d, f.outline, s)
        for a, b in f.links:
            d.line([_p(a, s), _p(b, s)], fill=BASE03, width=max(1, round(LINK_STROKE * s)))
        done = set(f.filled)
        for pos, q in sc.output_cells:
            _quad(d, Quad(q.corners, CYAN if pos in done else WHITE, q.stroke), s)
        cur = f.current
        d.polygon(_px(cur.corners, s), fill=_mix(CYAN, BASE02, SHADE_OPACITY))
        _outline(d, cur, s)
        for pos, lb in sc.output_texts:
            if pos in done:
                _text(d, lb.at, lb.text, lb.size, s, lb.bold, lb.anchor)
        out.append(frame.resize((size[0] // SUPERSAMPLE, size[1] // SUPERSAMPLE),
                                image.Resampling.LANCZOS))
    return out


def _p(pt: Point, s: int) -> tuple[float, float]:
    return pt[0] * s, pt[1] * s


def _px(corners: Sequence[Point], s: int) -> list[tuple[float, float]]:
    return [_p(c, s) for c in corners]


def _quad(draw: Any, q: Quad, s: int) -> None:
    if q.fill is not None:
        draw.polygon(_px(q.corners, s), fill=q.fill)
    _outline(draw, q, s)


def _outline(draw: Any, q: Quad, s: int) -> None:
    if q.stroke is None:
        return
    width = max(1, round(q.width * s))
    pts = _px(q.corners, s)
    for j in range(4):
        a, b = pts[j], pts[(j + 1) % 4]
        if q.dashed:
            _dashed(draw, a, b, q.stroke, width, s)
        else:
            draw.line([a, b], fill=q.stroke, width=width)


def _dashed(draw: Any, a: tuple[float, float], b: tuple[float, float], color: Rgb, width: int,
            s: int) -> None:
    length = ((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5
    dash, gap = DASH * s, DASH * s
    t = 0.0
    while t < length:
        e = min(t + dash, length)
        draw.line([(a[0] + (b[0] - a[0]) * t / length, a[1] + (b[1] - a[1]) * t / length),
                   (a[0] + (b[0] - a[0]) * e / length, a[1] + (b[1] - a[1]) * e / length)],
                  fill=color, width=width)
        t = e + gap


def _text(draw: Any, at: Point, text: str, height: float, s: int, bold: bool, anchor: str
          ) -> None:
    font = _font(round(height * s), bold)
    pil_anchor = {"start": "ls", "middle": "ms", "end": "rs"}[anchor]
    draw.text(_p(at, s), text, font=font, fill=BASE03, anchor=pil_anchor)


def key_colours(sc: Scene) -> list[Rgb]:
    """Every flat colour a frame has: fills, strokes, and the shaded ones."""
    fills = {q.fill for q in sc.grid if q.fill is not None} | {WHITE, CYAN}
    shaded = {_mix(f, BASE02, SHADE_OPACITY) for f in fills}
    strokes = {q.stroke for q in sc.grid if q.stroke is not None} | {BASE03}
    return sorted(fills | shaded | strokes)


def gif_bytes(images: Sequence[Any], delay_ms: int = 1000, keys: Sequence[Rgb] = ()) -> bytes:
    """An optimised looping GIF: one palette for all frames (the scene's flat colours exactly,
    then the antialiased blends of its first and last frames), each frame stored as its
    difference to the one before."""
    image, _, _ = pillow()
    strip = image.new("RGB", (images[0].width, images[0].height * 2))
    strip.paste(images[0], (0, 0))
    strip.paste(images[-1], (0, images[0].height))
    blends = strip.quantize(colors=GIF_COLORS - len(keys), method=image.Quantize.MEDIANCUT,
                            dither=image.Dither.NONE).getpalette()[:3 * (GIF_COLORS - len(keys))]
    palette = image.new("P", (1, 1))
    palette.putpalette([v for rgb in keys for v in rgb] + blends)
    frames = [im.quantize(palette=palette, dither=image.Dither.NONE) for im in images]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                   duration=delay_ms, loop=0, optimize=True, disposal=1)
    return buf.getvalue()


def gif(sc: Scene, cell_px: int = 28, caption: bool = False, delay_ms: int = 1000) -> bytes:
    """The scene as a GIF, ``cell_px`` pixels per cell."""
    return gif_bytes(raster_frames(sc, cell_px, caption), delay_ms, key_colours(sc))


def png_bytes(img: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
