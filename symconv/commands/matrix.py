from __future__ import annotations

import argparse
from typing import TextIO

from symconv.commands._args import add_json, int_list
from symconv.errors import UsageError

HELP = "the convolution as a sparse matrix C with symbolic weights (guide §4.1), and its transpose"
SOLVER = False  # no Z3 (symconv.cli: Z3 made interruptible only where it runs)


def add_geometry(parser: argparse.ArgumentParser, *, dilation: bool = True) -> None:
    int_list(parser, "--input", "-i", metavar="I", required=True,
             help="input size i: one value for every axis, or one per axis (--input 4 5)")
    int_list(parser, "--kernel", "-k", metavar="K", required=True, help="kernel size k")
    int_list(parser, "--stride", "-s", metavar="S", default=[1], help="stride s (default 1)")
    int_list(parser, "--padding", "-p", metavar="P", default=[0],
             help="zero padding p on each side (default 0)")
    if dilation:
        int_list(parser, "--dilation", "-d", metavar="D", default=None,
                 help="dilation d (default 1)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Lists take one value for every axis, or one per axis: --input 4 5. "
                     "C is shown whole, up to 65,536 entries. Exit codes: 0 shown, 2 bad input.")
    add_geometry(parser)
    parser.add_argument("--dims", type=int, choices=(1, 2), default=None,
                        help="number of spatial axes (default: 2, or the number of values)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--latex", action="store_true",
                     help="print C and Cᵀ as LaTeX to \\input in a paper (plain LaTeX, in blocks "
                     "that fit a 345pt line)")
    add_json(fmt, "an object with the shapes, C and C_T (entries as text)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.matrix import check_size, conv_matrix, latex_fragment, make_spec, matrix_text
    from symconv.render import dump_json

    for name in ("input", "kernel", "stride", "padding", "dilation"):
        values = getattr(args, name)
        if values is None:
            continue
        allowed = (1, args.dims) if args.dims is not None else (1, 2)
        if len(values) not in allowed:
            raise UsageError(
                f"--{name} takes {' or '.join(map(str, sorted(set(allowed))))} values "
                f"(one per axis), got {len(values)}"
            )
    spec = make_spec(args.input, args.kernel, args.stride, args.padding,
                     args.dilation if args.dilation is not None else [1], dims=args.dims)
    check_size(spec)
    c = conv_matrix(spec)
    ct = c.T
    shape = " × ".join(str(x) for x in spec.output_shape)
    ishape = " × ".join(str(x) for x in spec.input_shape)
    if args.json:
        dump_json(
            {
                "dims": spec.dims,
                "input": list(spec.input_shape),
                "kernel": list(spec.kernel_shape),
                "stride": [a.stride for a in spec.axes],
                "padding": [a.padding for a in spec.axes],
                "dilation": [a.dilation for a in spec.axes],
                "output": list(spec.output_shape),
                "flattening": "row-major",
                "C": [[str(c[r, col]) for col in range(c.cols)] for r in range(c.rows)],
                "C_T": [[str(ct[r, col]) for col in range(ct.cols)] for r in range(ct.rows)],
            },
            out,
        )
        return 0
    if args.latex:
        out.write(latex_fragment(spec, c))
        return 0
    print(f"C: {c.rows} × {c.cols} (output {shape} ← input {ishape}, row-major; "
          "w[m] is the kernel weight at index m)", file=out)
    print(matrix_text(c), file=out)
    print("", file=out)
    print(f"Cᵀ: {ct.rows} × {ct.cols}", file=out)
    print(matrix_text(ct), file=out)
    return 0
