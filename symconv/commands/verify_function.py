"""``symconv verify-function PATH:FUNC --relation ID``: prove a Python function equal to a
relation for all integers in its domain, reading the file's source only (never importing it).

Exit codes: 0 proved, 1 refuted, 3 unknown (solver gave up), 4 unsupported (a construct outside
the translated subset, floats included), 2 bad input (a file that is not Python source: a syntax
error, undecodable text; no such function; an --index that no returned value has).
"""

from __future__ import annotations

import argparse
from typing import TextIO

from symconv.errors import UsageError, timeout_seconds

HELP = ("verify a Python function against a relation for all integers, from its source "
        "(never imported); exit 0 proved, 1 refuted, 3 unknown, 4 unsupported, 2 bad input")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Exit codes: 0 proved, 1 refuted (with a counterexample re-checked in plain "
                     "Python), 3 unknown, 4 unsupported (a construct outside the translated "
                     "subset), 2 bad input.")
    parser.add_argument("target", metavar="PATH:FUNC", help="source file and function name")
    parser.add_argument("--relation", required=True, metavar="ID",
                        help="relation id (R1..R15, or PCEIL: PyTorch ceil_mode pooling)")
    parser.add_argument("--map", action="append", default=[], metavar="ARG=VALUE",
                        help="bind a parameter to a symbol, an integer, True/False/None or a "
                        "list [2, 3, i] (repeatable); unmapped parameters bind by name, else "
                        "to their default")
    parser.add_argument("--index", type=int, default=None, metavar="N",
                        help="compare element N of the returned value, as Python's value[N] "
                        "(an IndexError or TypeError there is an outcome; an N that no "
                        "returned value has is bad input)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds for the solver")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.render import dump_json
    from symconv.verify import find_relation, split_target, verify_file

    args.timeout = timeout_seconds(args.timeout)
    if args.index is not None and not -1000 <= args.index < 1000:
        raise UsageError(f"--index must be in -1000..999, got {args.index}")
    path, func = split_target(args.target)
    relation = find_relation(args.relation)
    verdict = verify_file(path, func, relation, args.map, index=args.index,
                          timeout=args.timeout)
    if args.json:
        dump_json(verdict.to_json(), out)
    else:
        print(verdict.describe(), file=out)
    return verdict.exit_code
