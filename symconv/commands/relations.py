from __future__ import annotations

import argparse
from typing import TextIO

HELP = "list the guide's relations 1-15 with their conditions"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.printing import claim_text
    from symconv.relations import RELATIONS
    from symconv.render import dump_json

    rows = []
    for r in RELATIONS.values():
        rows.append(
            {
                "id": r.id,
                "section": r.section,
                "title": r.title,
                "kind": r.kind.value,
                "output": f"{r.output} = {claim_text(r.expr)}",
                "conditions": [claim_text(c) for c in r.conditions],
                "domains": [claim_text(c) for c in r.hypotheses()[: -len(r.conditions)]],
            }
        )
    if args.json:
        dump_json(rows, out)
        return 0
    for row in rows:
        print(f"{row['id']:<4} §{row['section']:<6} {row['title']}", file=out)
        print(f"       {row['output']}", file=out)
        print(f"       if {' and '.join(row['conditions'])}", file=out)
        print(f"       domains {', '.join(row['domains'])}", file=out)
    return 0
