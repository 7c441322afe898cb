from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from symconv.commands.matrix import add_geometry
from symconv.errors import UsageError

HELP = "draw a convolution, transposed convolution, pooling or dilated convolution (TikZ)"

_EPILOG = (
    "For 'transposed', --input is i, the input of the direct convolution whose transpose is "
    "drawn (the transposed convolution's output), as in the guide's captions; a defaults to "
    "(i + 2p - k̂) mod s and --output-padding, if given, must equal it. The drawing is the "
    "equivalent direct convolution: input units with s-1 zeros between them, padded with "
    "p' = k̂ - p - 1 zeros (plus a at the bottom and right). Formats: tikz (a figure "
    "environment, needs \\usepackage{tikz}), pdf (pdflatex), png (pdflatex + pdftoppm). "
    "--frames: one picture/page per kernel position; with png, FILE gets -001, -002, ... "
    "before its suffix."
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _EPILOG
    parser.add_argument("kind", choices=("conv", "transposed", "pool", "dilated"))
    add_geometry(parser)
    parser.add_argument("--output-padding", "-a", type=int, default=None,
                        help="a of the transposed case (checked against (i + 2p − k̂) mod s)")
    parser.add_argument("--pool", choices=("max", "average"), default="max",
                        help="pooling function named in the caption (pool only)")
    parser.add_argument("--number", default="", help="figure number for the caption, e.g. 2.3")
    parser.add_argument("--out", "-o", type=Path, default=None,
                        help="output file (default: stdout for tikz; required for pdf/png)")
    parser.add_argument("--format", "-f", choices=("tikz", "pdf", "png"), default=None,
                        help="default: from --out's suffix, else tikz")
    parser.add_argument("--frames", action="store_true", help="one frame per kernel position")
    parser.add_argument("--resolution", type=int, default=150, help="PNG dots per inch")


def _format(args: argparse.Namespace) -> str:
    if args.format is not None:
        return str(args.format)
    suffix = str(args.out.suffix).lower() if args.out is not None else ""
    return suffix[1:] if suffix in (".pdf", ".png") else "tikz"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv import figures, texrun
    from symconv.matrix import make_spec

    for name in ("input", "kernel", "stride", "padding", "dilation"):
        values = getattr(args, name)
        if values is not None and len(values) not in (1, 2):
            raise UsageError(f"--{name} takes 1 or 2 values (one per axis), got {len(values)}")
    if args.kind != "pool" and args.pool != "max":
        raise UsageError("--pool applies to 'pool' figures only")
    dilation = args.dilation if args.dilation is not None else (
        [2] if args.kind == "dilated" else [1])
    if args.resolution < 10 or args.resolution > 1200:
        raise UsageError(f"--resolution must be in 10..1200, got {args.resolution}")
    spec = make_spec(args.input, args.kernel, args.stride, args.padding, dilation, dims=2)
    drawing = figures.build(args.kind, spec, number=args.number, pool=args.pool,
                            output_padding=args.output_padding)
    fmt = _format(args)
    if fmt == "tikz":
        text = figures.frames_text(drawing) if args.frames else figures.figure_fragment(drawing)
        if args.out is None:
            out.write(text)
        else:
            _write(args.out, text.encode("utf-8"))
        return 0
    if args.out is None:
        raise UsageError(f"--out FILE is required for --format {fmt}")
    document = figures.standalone_document(drawing, frames=args.frames)
    try:
        if fmt == "pdf":
            _write(args.out, texrun.pdf_bytes(document))
            return 0
        pages = texrun.png_pages(document, args.resolution)
    except texrun.LatexError as exc:
        print(f"error: {exc}", file=err)
        return 1
    if not args.frames:
        _write(args.out, pages[0])
        return 0
    for n, page in enumerate(pages, start=1):
        _write(args.out.with_name(f"{args.out.stem}-{n:03d}{args.out.suffix or '.png'}"), page)
    print(f"wrote {len(pages)} frames", file=err)
    return 0


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"--out: cannot write {path}: {exc.strerror}") from None
