from __future__ import annotations

import argparse
from typing import TextIO

from symconv.errors import UsageError

HELP = "prove or refute a claim about convolution arithmetic, for all integers"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("claim", help='e.g. "floor((i + 2*p - k)/s) + 1 >= 1 -> i + 2*p >= k"')
    parser.add_argument("--assume", action="append", default=[], metavar="COND",
                        help="an extra hypothesis (repeatable)")
    parser.add_argument("--timeout", type=float, default=10.0, help="solver timeout in seconds")
    parser.add_argument("--no-domains", action="store_true",
                        help="do not assume the guide's symbol domains (i >= 1, k >= 1, ...)")
    parser.add_argument("--bounds", nargs=2, type=int, metavar=("LO", "HI"),
                        help="bounded mode: every variable in LO..HI (verdict proved-bounded)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.claims import default_domains, parse_condition
    from symconv.printing import claim_text
    from symconv.prover import Claim, prove
    from symconv.render import describe_result, dump_json, result_json
    from symconv.z3bridge import TranslationError

    if not args.timeout > 0:
        raise UsageError(f"--timeout must be > 0, got {args.timeout}")
    if args.bounds is not None and args.bounds[0] > args.bounds[1]:
        raise UsageError(f"--bounds LO HI needs LO <= HI, got {args.bounds[0]} > {args.bounds[1]}")
    goal = parse_condition(args.claim)
    assumed = [parse_condition(text) for text in args.assume]
    domains = [] if args.no_domains else default_domains(goal, *assumed)
    claim = Claim(goal, (*domains, *assumed))
    try:
        result = prove(claim, timeout=args.timeout,
                       bounds=tuple(args.bounds) if args.bounds else None)
    except TranslationError as exc:
        raise UsageError(str(exc)) from None
    assumptions = [claim_text(h) for h in (*domains, *assumed)]
    if args.json:
        dump_json(result_json(result, claim=claim_text(goal), assumptions=assumptions,
                              domains=[claim_text(h) for h in domains]), out)
    else:
        print(f"claim:       {claim_text(goal)}", file=out)
        if assumptions:
            print("assumptions: " + "\n             ".join(
                f"{a}{'  (domain)' if i < len(domains) else ''}"
                for i, a in enumerate(assumptions)), file=out)
        print(f"{describe_result(result)}\n({result.seconds * 1000:.1f} ms)", file=out)
    return result.status.exit_code
