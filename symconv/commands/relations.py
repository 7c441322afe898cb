from __future__ import annotations

import argparse
from typing import TextIO

from symconv.errors import UsageError

HELP = "list the guide's relations 1-15 with their conditions"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Exit codes: 0 listed, 2 bad input (an unknown id, --dims < 1)."
    parser.add_argument("ids", nargs="*", metavar="ID", help="relation ids (default: all)")
    parser.add_argument("--dims", type=int, default=1, metavar="N",
                        help="the N-D form: every symbol per axis (i_1, k_1, ...), non-square")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.printing import claim_text
    from symconv.relations import RELATIONS, get, nd
    from symconv.render import dump_json

    if not 1 <= args.dims <= 16:
        raise UsageError(f"--dims must be in 1..16, got {args.dims}")
    try:
        chosen = [get(x) for x in args.ids] if args.ids else list(RELATIONS.values())
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    rows = []
    for r in chosen:
        row = {
            "id": r.id,
            "section": r.section,
            "title": r.title,
            "kind": r.kind.value,
            "output": f"{r.output} = {claim_text(r.expr)}",
            "conditions": [claim_text(c) for c in r.conditions],
            "domains": [claim_text(c) for c in r.hypotheses()[: -len(r.conditions)]],
        }
        if args.dims > 1:
            form = nd(r, args.dims)
            row["outputs"] = [f"{r.output}_{axis} = {claim_text(e)}"
                              for axis, e in enumerate(form.outputs, start=1)]
            row["output"] = "; ".join(row["outputs"])
            row["conditions"] = [claim_text(c) for c in form.conditions]
            row["domains"] = []
        rows.append(row)
    if args.json:
        dump_json(rows, out)
        return 0
    for row in rows:
        print(f"{row['id']:<4} §{row['section']:<6} {row['title']}", file=out)
        print(f"       {row['output']}", file=out)
        print(f"       if {' and '.join(row['conditions'])}", file=out)
        if row["domains"]:
            print(f"       domains {', '.join(row['domains'])}", file=out)
    return 0
