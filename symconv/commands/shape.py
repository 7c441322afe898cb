"""``symconv shape``: output shapes from the generated, verified helpers (no z3, no sympy).

Exit codes: 0 every shape computed; 2 bad input (a refused configuration included). With
``--batch``: one output line per input line, in order, and exit 0 if every line got
``{"out": N}``, 1 if any line got ``{"error": ...}`` (the run still answers every line), 2 if the
file cannot be opened.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType
from typing import TextIO

from symconv.commands._args import add_json, int_list, refuse
from symconv.errors import EXIT_OK, EXIT_REFUTED, UsageError
from symconv.genload import load_convshape, load_frameworkshape
from symconv.shapes import FRAMEWORKS, kind_name

__all__ = ["configure", "load_convshape", "load_frameworkshape", "run"]

HELP = "output shape of a convolution, transposed convolution or pooling (generated helpers)"
SOLVER = False  # no Z3 (symconv.cli: Z3 made interruptible only where it runs)

_KINDS = ("avg-pool", "conv", "max-pool", "pool", "transposed-conv")
_PER_CONFIG = ("kind", "input", "kernel", "stride", "padding", "dilation", "output_padding",
               "mode", "ceil_mode", "p_begin", "p_end")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Lists take one value per spatial axis (--input 32 32), or one value for "
                     "every axis (--kernel 3). Exit codes: 0 computed, 2 bad input or a "
                     "configuration the rule refuses; --batch exits 0 if every line got "
                     '{"out": N}, 1 if any got {"error": ...}.')
    parser.add_argument("kind", nargs="?", choices=_KINDS, type=kind_name,
                        help="operation (max-pool / avg-pool need --framework; the rule ids' "
                        "conv_transpose, conv-transpose, max_pool, avg_pool are read too)")
    parser.add_argument("--framework", choices=FRAMEWORKS,
                        help="whose rule (default: the guide's relations, core helpers)")
    parser.add_argument("--batch", metavar="FILE",
                        help="JSON lines (or - for stdin), one configuration each; prints one "
                        '{"out": N} or {"error": "..."} line per input line, in order')
    parser.add_argument("--mode", metavar="MODE",
                        help="with --framework: padding mode (same, valid, SAME_UPPER, ...)")
    parser.add_argument("--ceil-mode", action="store_true",
                        help="with --framework: ceil-mode pooling")
    int_list(parser, "--p-begin", metavar="P", help="with --framework: padding before, per axis")
    int_list(parser, "--p-end", metavar="P", help="with --framework: padding after, per axis")
    int_list(parser, "--input", metavar="I", help="spatial input sizes, one per axis")
    int_list(parser, "--kernel", metavar="K", help="kernel size: one (broadcast) or one per axis")
    int_list(parser, "--stride", metavar="S", help="stride (default 1; pool: the kernel size)")
    int_list(parser, "--padding", metavar="P", help="zero padding on each side (default 0)")
    int_list(parser, "--dilation", metavar="D", help="dilation (default 1)")
    int_list(parser, "--output-padding", metavar="A",
             help="transposed-conv only: extra size a, 0 <= a <= s-1 (default 0)")
    add_json(parser, "with --batch the output is JSON lines either way")


def _batch(args: argparse.Namespace, out: TextIO) -> int:
    from symconv.shapebatch import read_lines, run_batch

    refuse(args, _PER_CONFIG, "--batch reads every configuration from the file")
    module = _framework_module()
    framework = args.framework or "guide"
    if args.batch == "-":
        try:
            errors = run_batch(read_lines(sys.stdin.buffer), module, framework, out)
        except OSError as exc:
            raise UsageError(f"--batch -: cannot read stdin: {exc}") from None
    else:
        try:
            with open(args.batch, "rb") as stream:
                errors = run_batch(read_lines(stream), module, framework, out)
        except OSError as exc:
            raise UsageError(f"--batch: cannot read {args.batch}: {exc.strerror}") from None
    return EXIT_REFUTED if errors else EXIT_OK


def _framework_module() -> ModuleType:
    try:
        return load_frameworkshape()
    except ImportError as exc:
        raise UsageError(
            f"the generated helpers are missing ({exc}): run `symconv generate`") from None


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.shapes import shape

    if args.batch is not None:
        return _batch(args, out)
    if args.kind is None:
        raise UsageError("KIND is required (conv, transposed-conv, pool, max-pool, avg-pool) "
                         "unless --batch")
    if args.input is None or args.kernel is None:
        raise UsageError("--input and --kernel are required")
    result = shape(args.kind, args.input, args.kernel, stride=args.stride,
                       padding=args.padding, dilation=args.dilation,
                       output_padding=args.output_padding, framework=args.framework,
                       mode=args.mode, ceil_mode=args.ceil_mode, p_begin=args.p_begin,
                       p_end=args.p_end)
    if args.json:
        from symconv.render import dump_json

        dump_json(result.to_json(), out)
        return EXIT_OK
    print(f"output shape: {' x '.join(str(o) for o in result.output)}", file=out)
    if result.framework is not None:
        print(f"rule: {', '.join(result.rules)} ({result.helper})", file=out)
        return EXIT_OK
    print(f"relation: {result.rules[0]}, {result.formula} (per axis, {result.helper})", file=out)
    for n, axis in enumerate(result.axes):
        params = " ".join(f"{k}={v}" for k, v in axis.items() if k != "o")
        print(f"  axis {n}: {params} -> {axis['o']}", file=out)
    return EXIT_OK
