from __future__ import annotations

import argparse
from typing import TextIO

from symconv.errors import UsageError

HELP = "prove the relations and identities for all integers in their domains"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID",
                        help="theorem ids or prefixes (default: all)")
    parser.add_argument("--group", action="append", default=[], metavar="GROUP",
                        help="only theorems of this group (repeatable), e.g. relation, identity")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds per solver call (30); a timeout is reported unknown")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _short(text: str, width: int = 96) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.prover import Status
    from symconv.render import dump_json, result_json, table
    from symconv.theorems import all_theorems, groups, select

    if args.timeout <= 0:
        raise UsageError(f"--timeout must be > 0, got {args.timeout}")
    try:
        known = groups()
        for g in args.group:
            if g not in known:
                raise UsageError(f"unknown --group {g!r}; known: {', '.join(known)}")
        chosen = select(all_theorems(args.group), args.ids)
    except KeyError as exc:
        raise UsageError(f"unknown theorem id {exc.args[0]!r} (see symconv prove)") from None
    results = [(t, t.check(args.timeout)) for t in chosen]
    if args.json:
        dump_json(
            [result_json(r, id=t.id, group=t.group, statement=t.statement,
                         assumptions=list(t.assumptions)) for t, r in results],
            out,
        )
    else:
        rows = [[t.id, _short(t.statement), r.status.value + (f" {r.bounds}" if r.bounds else ""),
                 f"{r.seconds * 1000:.1f} ms"] for t, r in results]
        table(rows, ["id", "statement", "status", "time"], out)
        for t, r in results:
            if r.status in (Status.REFUTED, Status.UNKNOWN):
                from symconv.render import describe_result

                print(f"\n{t.id}: {describe_result(r)}", file=out)
        total = sum(r.seconds for _, r in results)
        n_ok = sum(r.status is Status.PROVED for _, r in results)
        n_bounded = sum(r.status is Status.PROVED_BOUNDED for _, r in results)
        print(f"\n{n_ok}/{len(results)} proved for all integers, {n_bounded} proved-bounded"
              f" (bounds in the statement; --json for full text), {total:.2f} s", file=out)
    return max((r.status.exit_code for _, r in results), default=0)
