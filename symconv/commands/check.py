from __future__ import annotations

import argparse
from typing import TextIO

from symconv.commands._args import add_json

HELP = "prove or refute a claim about convolution arithmetic, for all integers"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Exit codes: 0 proved (or proved-bounded), 1 refuted, 3 unknown, "
                     "5 vacuous (the assumptions, domains included, admit no value), "
                     "2 bad input.")
    parser.add_argument("claim", help='e.g. "floor((i + 2*p - k)/s) + 1 >= 1 -> i + 2*p >= k"')
    parser.add_argument("--assume", action="append", default=[], metavar="COND",
                        help="an extra hypothesis (repeatable)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds per solver call (10); a timeout is reported unknown")
    parser.add_argument("--no-domains", action="store_true",
                        help="do not assume the guide's symbol domains (i >= 1, k >= 1, ...)")
    parser.add_argument("--bounds", nargs=2, type=int, metavar=("LO", "HI"),
                        help="bounded mode: every variable in LO..HI (verdict proved-bounded)")
    add_json(parser, "an object with claim, assumptions, domains, status, counterexample, ...")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.api import check
    from symconv.errors import timeout_seconds
    from symconv.render import describe_result, dump_json

    timeout_seconds(args.timeout)
    checked = check(args.claim, assume=args.assume, domains=not args.no_domains,
                    timeout=args.timeout,
                    bounds=(args.bounds[0], args.bounds[1]) if args.bounds else None)
    if args.json:
        dump_json(checked.to_json(), out)
        return checked.status.exit_code
    print(f"claim:       {checked.claim}", file=out)
    if checked.assumptions:
        marks = ["  (domain)"] * len(checked.domains) + [""] * len(checked.assumed)
        print("assumptions: " + "\n             ".join(
            a + m for a, m in zip(checked.assumptions, marks, strict=True)), file=out)
    result = checked.result
    print(f"{describe_result(result)}\n({result.seconds * 1000:.1f} ms)", file=out)
    return checked.status.exit_code
