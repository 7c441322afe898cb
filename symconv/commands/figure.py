from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from symconv.commands._args import add_json, refuse, tex_caption, tex_label
from symconv.commands.matrix import add_geometry
from symconv.errors import EXIT_INTERNAL, EXIT_OK, UsageError

HELP = "draw a convolution, transposed convolution, pooling or dilated convolution (TikZ)"
SOLVER = False  # no Z3 (symconv.cli: Z3 made interruptible only where it runs)

_EPILOG = (
    "For 'transposed', --input is i, the input of the direct convolution whose transpose is "
    "drawn (the transposed convolution's output), as in the guide's captions; a defaults to "
    "(i + 2p - k̂) mod s and --output-padding, if given, must equal it. The drawing is the "
    "equivalent direct convolution: input units with s-1 zeros between them, padded with "
    "p' = k̂ - p - 1 zeros (plus a at the bottom and right). Formats: tikz (a figure "
    "environment, needs \\usepackage{tikz}; .tex or .tikz), pdf (pdflatex; .pdf), png "
    "(pdflatex + pdftoppm; .png): --out's suffix says which, and --format, if given, must "
    "agree with it. --frames: one picture/page per kernel position; with png, FILE gets -001, "
    "-002, ... before its suffix. A picture draws at most 10,000 cells (TeX's memory), a "
    "frames document 100,000. --animate: the animation, one frame per output unit (the kernel's "
    "window moving, the output filling in), as an animated SVG (.svg, or stdout without --out) "
    "or a GIF (.gif, needs Pillow: pip install 'symconv[pictures]'); at most 1,024 frames. "
    "Exit codes: 0 written, 2 bad input, 70 a LaTeX failure (a bug)."
)
_SUFFIXES = {".tex": "tikz", ".tikz": "tikz", ".pdf": "pdf", ".png": "png", ".gif": "gif",
             ".svg": "svg"}
_ANIMATIONS = ("gif", "svg")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _EPILOG
    parser.add_argument("kind", choices=("conv", "transposed", "pool", "dilated"),
                        help="what to draw: a convolution, a transposed convolution (as its "
                        "equivalent direct one), a pooling, a dilated convolution")
    add_geometry(parser)
    parser.add_argument("--output-padding", "-a", type=int, default=None,
                        help="a of the transposed case (checked against (i + 2p − k̂) mod s)")
    parser.add_argument("--pool", choices=("max", "average"), default=None,
                        help="pooling function named in the caption (pool only; default max)")
    parser.add_argument("--number", default="",
                        help="show this number (e.g. the guide's 2.3) instead of the "
                        "document's own, which is left for the next figure (default: the "
                        "document numbers it)")
    parser.add_argument("--caption", default=None, metavar="TEXT",
                        help="the caption, as plain text (default: computed from the "
                        "parameters); LaTeX's special characters typeset as themselves")
    parser.add_argument("--label", default=None, metavar="KEY",
                        help="tikz only: \\label{KEY} for \\ref (letters, digits and : . _ -)")
    parser.add_argument("--out", "-o", type=Path, default=None,
                        help="output file (default: stdout for tikz; required for pdf/png)")
    parser.add_argument("--format", "-f", choices=("tikz", "pdf", "png", "gif", "svg"),
                        default=None, help="default: from --out's suffix, else tikz (svg with "
                        "--animate)")
    parser.add_argument("--frames", action="store_true", help="one frame per kernel position")
    parser.add_argument("--animate", action="store_true",
                        help="an animation (GIF or animated SVG) in the guide's manner")
    parser.add_argument("--view", choices=("oblique", "flat"), default=None,
                        help="with --animate: the guide's oblique view (default) or flat")
    parser.add_argument("--delay", type=int, default=None, metavar="MS",
                        help="with --animate: milliseconds per frame (default 1000, the guide's)")
    parser.add_argument("--cell", type=int, default=None, metavar="PX",
                        help="with --animate --format gif: pixels per cell (default 28)")
    parser.add_argument("--numbers", action="store_true",
                        help="with --animate: the guide's numerical animation (plan view, input "
                        "values 0..3 and kernel weights 0..2 drawn as the guide's NumPy seed "
                        "1234 draws them, every output value computed); conv, dilated or pool")
    parser.add_argument("--show-caption", action="store_true",
                        help="with --animate: draw the whole computed caption under the picture "
                        "(the relation and output size are always drawn)")
    parser.add_argument("--resolution", type=int, default=None,
                        help="PNG dots per inch (png only; default 150)")
    add_json(parser, "an object with the caption, the output shape, the format and the file "
             "(or the TikZ text)")


def _format(args: argparse.Namespace) -> str:
    """The output format: --out's suffix, which --format (if given) must agree with."""
    suffix = args.out.suffix.lower() if args.out is not None else ""
    from_suffix = _SUFFIXES.get(suffix)
    if suffix and from_suffix is None:
        raise UsageError(f"--out: cannot write {suffix!r} files; the formats are tikz (.tex, "
                         ".tikz), pdf (.pdf), png (.png), and with --animate gif (.gif) and "
                         "svg (.svg)")
    if args.format is not None and from_suffix is not None and args.format != from_suffix:
        raise UsageError(f"--format {args.format} does not match --out {args.out.name} (a "
                         f"{from_suffix} file)")
    fmt = str(args.format or from_suffix or ("svg" if args.animate else "tikz"))
    if args.animate and fmt not in _ANIMATIONS:
        raise UsageError(f"--animate writes gif (.gif) or svg (.svg), not {fmt}; frames as "
                         "png or pdf: --frames")
    if fmt in _ANIMATIONS and not args.animate:
        raise UsageError(f"{fmt} is an animation: add --animate")
    return fmt


def _check_options(args: argparse.Namespace) -> None:
    for name in ("input", "kernel", "stride", "padding", "dilation"):
        values = getattr(args, name)
        if values is not None and len(values) not in (1, 2):
            raise UsageError(f"--{name} takes 1 or 2 values (one per axis), got {len(values)}")
    if args.kind != "pool":
        refuse(args, ("pool",), "it names the pooling function of 'pool' figures")
    if args.resolution is not None and not 10 <= args.resolution <= 1200:
        raise UsageError(f"--resolution must be in 10..1200, got {args.resolution}")
    if args.animate:
        refuse(args, ("frames",), "--animate draws every frame into one animation")
        refuse(args, ("caption", "label"), "an animation draws the caption computed from the "
               "relation (--show-caption), it is no LaTeX")
    else:
        refuse(args, ("view", "delay", "cell", "show_caption", "numbers"),
               "it goes with --animate")
    if args.numbers and args.kind == "transposed":
        raise UsageError("--numbers: the guide's numerical animations are convolutions and "
                         "poolings, not transposed convolutions")
    if args.numbers:
        refuse(args, ("view",), "--numbers draws the guide's plan view")
    if args.delay is not None and not 20 <= args.delay <= 60_000:
        raise UsageError(f"--delay must be in 20..60000 milliseconds, got {args.delay}")
    if args.cell is not None and not 8 <= args.cell <= 200:
        raise UsageError(f"--cell must be in 8..200 pixels, got {args.cell}")
    if args.frames:
        refuse(args, ("caption", "label"), "--frames draws pictures without a caption")
    if args.label is not None:
        tex_label(args.label)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv import figures, texrun
    from symconv.matrix import make_spec

    _check_options(args)
    fmt = _format(args)
    if fmt != "png":
        refuse(args, ("resolution",), "it is the resolution of png output")
    if fmt != "tikz":
        refuse(args, ("label",), f"a {fmt} file is no LaTeX to \\ref")
    if fmt not in ("tikz", "svg") and args.out is None:
        raise UsageError(f"--out FILE is required for --format {fmt}")
    dilation = args.dilation if args.dilation is not None else (
        [2] if args.kind == "dilated" else [1])
    spec = make_spec(args.input, args.kernel, args.stride, args.padding, dilation, dims=2)
    drawing = figures.build(args.kind, spec, number=args.number, pool=args.pool or "max",
                            output_padding=args.output_padding)
    if args.caption is not None:
        drawing = replace(drawing, caption=tex_caption(args.caption))
    if args.animate:
        return _animate(args, fmt, drawing, out, err)
    figures.check_size(drawing, args.frames)
    report = {"kind": args.kind, "format": fmt, "caption": drawing.caption,
              "relations": [f.relation for f in drawing.facts],
              "output": list(drawing.out_shape) if args.kind != "transposed"
              else [f.output for f in drawing.facts]}
    if fmt == "tikz":
        text = figures.frames_text(drawing) if args.frames else figures.figure_fragment(
            drawing, label=args.label or "")
        if args.out is not None:
            _write(args.out, text.encode("utf-8"))
        return _done(args, out, report, [] if args.out is None else [args.out],
                     None if args.out is not None else text)
    document = figures.standalone_document(drawing, frames=args.frames)
    try:
        if fmt == "pdf":
            pages = [texrun.pdf_bytes(document)]
        else:
            pages = texrun.png_pages(document, args.resolution or 150)
    except texrun.LatexError as exc:
        print(f"error: {exc} (the figure is within the size limits: this is a bug in symconv, "
              "please report it)", file=err)
        return EXIT_INTERNAL
    if not args.frames or fmt == "pdf":
        targets = [args.out]
    else:
        targets = [args.out.with_name(f"{args.out.stem}-{n:03d}{args.out.suffix or '.png'}")
                   for n in range(1, len(pages) + 1)]
    for path, page in zip(targets, pages, strict=True):
        _write(path, page)
    if len(targets) > 1 and not args.json:
        print(f"wrote {len(targets)} frames", file=err)
    return _done(args, out, report, targets, None)


def _animate(args: argparse.Namespace, fmt: str, drawing: Any, out: TextIO, err: TextIO
             ) -> int:
    from symconv import animation, picture

    if fmt != "gif":
        refuse(args, ("cell",), "it is the pixel size of gif output")
    anim = animation.animate(drawing)
    animation.check_size(anim)
    nums = None
    if args.numbers:
        mode = (args.pool or "max") if args.kind == "pool" else "convolution"
        nums = animation.numbers(anim, mode)
    sc = animation.scene(anim, args.view or "oblique", nums)
    delay = args.delay or 1000
    report = {"kind": args.kind, "format": fmt, "caption": drawing.caption,
              "title": sc.title, "relations": [f.relation for f in drawing.facts],
              "output": [f.output for f in drawing.facts],
              "frames": [{"output": list(f.output), "window": list(f.window)}
                         for f in anim.frames],
              "delay_ms": delay}
    if nums is not None:
        report["numbers"] = {"mode": nums.mode, "grid": nums.grid, "kernel": nums.kernel,
                             "output": nums.output}
    if fmt == "svg":
        text = picture.svg(sc, delay, args.show_caption)
        if args.out is None:
            return _done(args, out, report, [], text)
        _write(args.out, text.encode("utf-8"))
        return _done(args, out, report, [args.out], None)
    data = picture.gif(sc, args.cell or 28, args.show_caption, delay)
    _write(args.out, data)
    return _done(args, out, report, [args.out], None)


def _done(args: argparse.Namespace, out: TextIO, report: dict[str, object],
          written: list[Path], text: str | None) -> int:
    if args.json:
        from symconv.render import dump_json

        key = "svg" if report["format"] == "svg" else "tikz"
        dump_json({**report, "files": [str(p) for p in written], key: text}, out)
    elif text is not None:
        out.write(text)
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"--out: cannot write {path}: {exc.strerror}") from None
