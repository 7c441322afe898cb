from __future__ import annotations

import argparse
from typing import TextIO

from symconv.errors import UsageError, timeout_seconds

HELP = "re-derive relations as the guide does, each step proved (a failing step fails the run)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Exit codes: the most severe verdict of the steps: 1 refuted (a step "
                     "fails), then 3 unknown, then 5 vacuous, else 0 (every step proved); 2 bad "
                     "input.")
    parser.add_argument("ids", nargs="*", metavar="ID",
                        help="relation ids, e.g. R6 R14 (default: all)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per solver call")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from derivations import all_steps
    from symconv import interrupt
    from symconv.printing import claim_text
    from symconv.prover import combine, prove
    from symconv.relations import RELATIONS
    from symconv.render import describe_result, dump_json, result_json

    args.timeout = timeout_seconds(args.timeout)
    wanted = [x.upper() for x in args.ids]
    for rid in wanted:
        if rid not in RELATIONS:
            raise UsageError(f"unknown relation {rid!r}; known: {', '.join(RELATIONS)}")
    steps = [st for st in all_steps() if not wanted or st.relation in wanted]
    done = interrupt.track("results", "steps checked", len(steps))
    results = []
    current = None
    for st in steps:  # each step printed (and flushed) as it is proved
        r = prove(st.claim, timeout=args.timeout)
        results.append((st, r))
        with interrupt.held():  # counted and printed together, or neither
            done.append(result_json(r, id=st.id, relation=st.relation, step=st.text,
                                    assumptions=[claim_text(h) for h in st.claim.hypotheses]))
            if args.json:
                continue
            if st.relation != current:
                current = st.relation
                rel = RELATIONS[current]
                interrupt.emit(f"{current} (§{rel.section}, {rel.title}): {rel.statement()}", out)
            interrupt.emit(f"  [{r.status.value}] {st.id}: {st.text}", out)
            if not r.ok:
                interrupt.emit("    " + describe_result(r).replace("\n", "\n    "), out)
    if args.json:
        dump_json(done.items, out)
    else:
        ok = sum(r.ok for _, r in results)
        print(f"\n{ok}/{len(results)} steps proved", file=out)
    return combine(r.status for _, r in results).exit_code

