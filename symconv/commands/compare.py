from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from symconv.commands._args import add_json, refuse
from symconv.errors import UsageError, timeout_seconds

if TYPE_CHECKING:
    from symconv.frameworks.compare import Comparison

HELP = ("prove two framework shape rules equal on their common domain, or give the smallest "
        "configuration where they differ")


def _epilog() -> str:
    return ("Exit codes: 0 equal (proved), 1 they differ (refuted, with the smallest "
            "differences), 3 unknown, 5 vacuous (--where admits no point), 2 bad input. --all "
            "exits 0, or 3 if a comparison is unknown: its differences are its content.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _epilog()
    parser.add_argument("rules", nargs="*", metavar="RULE",
                        help="two rule ids, e.g. torch.max_pool.ceil onnx.infer.max_pool.ceil")
    parser.add_argument("--where", metavar="COND",
                        help='restrict the domain, e.g. "s == 1 and d == 1"')
    parser.add_argument("--all", action="store_true",
                        help="the matrix of every group of comparable rules")
    parser.add_argument("--list", action="store_true", help="list the rule ids")
    parser.add_argument("--region", action="store_true",
                        help="also the range of every parameter over each kind of difference")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per solver call (10); a timeout is reported unknown")
    add_json(parser, "an object per comparison (a list with --all and --list), status proved "
             "(equal), refuted (they differ), unknown, vacuous")


def condition_text(c: Comparison, kind: Any) -> str:
    """The exact set of points of this kind of difference, as a formula over the parameters."""
    from symconv.frameworks.compare import kind_formula
    from symconv.printing import claim_text

    return str(claim_text(kind_formula(c.a, c.b, kind)))


def comparison_json(c: Comparison) -> dict[str, Any]:
    from symconv.frameworks.compare import describe

    return {
        "a": c.a.id,
        "b": c.b.id,
        "status": c.verdict.status.value,
        "sizes_agree": c.sizes_agree,
        "parameters": list(c.parameters),
        "links": list(c.links),
        "where": c.where or None,
        "differences": [
            {
                "kind": w.kind.value,
                "smallest": dict(w.point),
                "minimal_proved": w.minimal,
                "a": w.a if isinstance(w.a, int) else {"refuses": w.a.shown},
                "b": w.b if isinstance(w.b, int) else {"refuses": w.b.shown},
                "a_text": describe(w.a),
                "b_text": describe(w.b),
                "condition": condition_text(c, w.kind),
            }
            | ({"region": {k: [lo, hi] for k, (lo, hi) in w.ranges.items()}} if w.ranges else {})
            for w in c.witnesses
        ],
        "reason": c.reason or None,
        "seconds": round(c.seconds, 6),
    }


def comparison_text(c: Comparison) -> str:
    from symconv.frameworks.compare import Verdict, describe

    head = f"{c.a.id} vs {c.b.id}  (parameters {', '.join(c.parameters)}"
    head += "".join(f"; {link}" for link in c.links)
    head += f"; where {c.where})" if c.where else ")"
    summary = {"=": "equal on the whole common domain: same refusals, same sizes",
               "≈": "differ only in refusals: same size wherever both answer",
               "≠": "differ in sizes", "?": "unknown",
               "∅": "vacuous: the common domain and --where admit no point"}[c.mark]
    lines = [head, f"  {summary}"]
    for w in c.witnesses:
        point = ", ".join(f"{k}={v}" for k, v in w.point.items())
        tag = "smallest" if w.minimal else "found (minimality not proved)"
        lines.append(f"  {w.kind.value} — {tag}: {point}")
        lines.append(f"      {c.a.id} → {describe(w.a)}")
        lines.append(f"      {c.b.id} → {describe(w.b)}")
        if w.ranges:
            lines.append(f"      exactly where: {condition_text(c, w.kind)}")
            ranges = ", ".join(
                f"{k} ≥ {lo}" if hi is None else f"{lo} ≤ {k} ≤ {hi}"
                for k, (lo, hi) in w.ranges.items())
            lines.append(f"      region: {ranges}")
    if c.reason and c.verdict is not Verdict.VACUOUS:
        lines.append(f"  solver: {c.reason}")
    return "\n".join(lines)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.frameworks import all_rules, get
    from symconv.frameworks.compare import compare
    from symconv.render import dump_json, table

    if args.list:
        refuse(args, ("rules", "where", "all", "region", "timeout"), "--list lists every rule id")
    args.timeout = 10.0 if args.timeout is None else args.timeout
    args.timeout = timeout_seconds(args.timeout)
    if args.list:
        rows = [[r.id, r.op.value, r.padding or "int", "yes" if r.ceil_mode else "",
                 ", ".join(r.names), r.title] for r in all_rules()]
        if args.json:
            dump_json([{"id": r.id, "op": r.op.value, "parameters": list(r.names),
                        "title": r.title, "source": r.source} for r in all_rules()], out)
        else:
            table(rows, ["id", "op", "padding", "ceil", "parameters", "title"], out)
        return 0
    if args.all:
        refuse(args, ("rules", "where", "region"), "--all compares every group of rules")
        return _matrix(args, out)
    if len(args.rules) != 2:
        raise UsageError(f"compare needs exactly two rule ids (or --all / --list), got "
                         f"{len(args.rules)}")
    try:
        a, b = get(args.rules[0]), get(args.rules[1])
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    if a.op is not b.op:
        raise UsageError(f"RULE: {a.id} (op {a.op.value}) and {b.id} (op {b.op.value}) are "
                         "rules of different operations; compare rules of one operation")
    where = None
    if args.where:
        from symconv.claims import parse_condition

        where = parse_condition(args.where)
    try:
        result = compare(a, b, where=where, where_text=args.where or "", timeout=args.timeout,
                         ranges=args.region)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        dump_json(comparison_json(result), out)
    else:
        print(comparison_text(result), file=out)
    return result.verdict.status.exit_code


def _matrix(args: argparse.Namespace, out: TextIO) -> int:
    from symconv import interrupt
    from symconv.frameworks import all_rules
    from symconv.frameworks.compare import Verdict, compare, matrix_groups, pairs
    from symconv.progress import for_output
    from symconv.prover import combine

    # pair by pair, so that a terminal shows each one as it is done; in text, each group's
    # matrix is printed (and flushed) as soon as its last pair is compared
    work = [(name, group, pairs(group)) for name, group in matrix_groups(all_rules()).items()]
    progress = for_output(out, enabled=not args.json)
    done = interrupt.track("comparisons", "comparisons done", sum(len(p) for _, _, p in work))
    groups = []
    if not args.json:
        _print(progress, out, LEGEND + "\n")
    try:
        progress.start("comparing", sum(len(p) for _, _, p in work))
        for name, group, todo in work:
            cells = []
            for a, b in todo:
                progress.working(f"{a.id} vs {b.id}")
                cells.append(compare(a, b, timeout=args.timeout))
                done.append({"group": name, **comparison_json(cells[-1])})
                progress.advance(failure="" if cells[-1].verdict is not Verdict.UNKNOWN
                                 else f"{a.id} vs {b.id}: unknown")
            groups.append((name, group, cells))
            if not args.json:
                _print(progress, out, "\n" + group_text(name, group, cells))
    finally:
        progress.close()
    if args.json:
        from symconv.render import dump_json

        dump_json([{"group": name, "rules": [r.id for r in rules],
                    "comparisons": [comparison_json(c) for c in cells]}
                   for name, rules, cells in groups], out)
    # differences are what the matrix shows, not a failure: only an unknown cell sets the code
    return combine(c.verdict.status for _, _, cells in groups for c in cells
                   if c.verdict is not Verdict.DIFFER).exit_code


def _print(progress: Any, out: TextIO, text: str) -> None:
    from symconv.interrupt import emit

    if progress.live:
        progress.line(text.rstrip("\n"))
    else:
        emit(text.removesuffix("\n"), out)


LEGEND = ("= equal everywhere (sizes and refusals); ≈ same size wherever both answer, they "
          "refuse differently; ≠ sizes differ; ? solver timeout")


def matrix_text(groups: Any) -> str:
    return LEGEND + "\n" + "".join("\n" + group_text(*g) for g in groups)


def group_text(name: str, rules: Any, cells: Any) -> str:
    """One group's matrix and its first witnesses, lines ending with a newline."""
    from symconv.frameworks.compare import describe

    lines: list[str] = []
    lines.append(f"## {name}")
    cell = {(c.a.id, c.b.id): c for c in cells}
    width = max(len(r.id) for r in rules)
    lines.append(" " * (width + 6) + "  ".join(f"{n:>2}" for n in range(1, len(rules) + 1)))
    for row, r in enumerate(rules, 1):
        marks = []
        for col, q in enumerate(rules, 1):
            if col == row:
                marks.append(" ·")
                continue
            c = cell.get((r.id, q.id)) or cell[(q.id, r.id)]
            marks.append(f"{c.mark:>2}")
        lines.append(f"{row:>3}. {r.id:<{width}} " + "  ".join(marks))
    for c in cells:
        for w in sorted(c.witnesses, key=lambda w: w.kind.value != "values differ")[:1]:
            point = ", ".join(f"{k}={v}" for k, v in w.point.items())
            lines.append(f"   {c.a.id} {c.mark} {c.b.id}: {point}: {describe(w.a)} vs "
                         f"{describe(w.b)}")
    return "\n".join(lines) + "\n"
