from __future__ import annotations

import argparse
from typing import TextIO

from symconv.errors import UsageError

HELP = "prove the relations and identities for all integers in their domains"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", metavar="ID",
                        help="theorem ids, or prefixes of ids: R gives R1..R15, torch. every "
                        "PyTorch theorem; an exact id names one theorem (default: all)")
    parser.add_argument("--group", action="append", default=[], metavar="GROUP",
                        help="only theorems of this group (repeatable), e.g. relation, identity")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds per solver call (30); a timeout is reported unknown")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _short(text: str, width: int = 96) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.api import select_theorems
    from symconv.prover import Status, combine
    from symconv.render import dump_json, result_json, table

    if args.timeout <= 0:
        raise UsageError(f"--timeout must be > 0, got {args.timeout}")
    chosen = select_theorems(args.ids, args.group)
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
            if not r.ok:
                from symconv.render import describe_result

                print(f"\n{t.id}: {describe_result(r)}", file=out)
        total = sum(r.seconds for _, r in results)
        n_ok = sum(r.status is Status.PROVED for _, r in results)
        n_bounded = sum(r.status is Status.PROVED_BOUNDED for _, r in results)
        print(f"\n{n_ok}/{len(results)} proved for all integers, {n_bounded} proved-bounded"
              f" (bounds in the statement; --json for full text), {total:.2f} s", file=out)
    return combine(r.status for _, r in results).exit_code
