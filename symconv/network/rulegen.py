"""Writes ``symconv/network/rulebook.json``: every framework rule (``symconv.frameworks``) as
plain trees, so analysing a network builds no SymPy (JSON: read in a millisecond, where a Python
literal of the same size takes 0.1 s to compile when no bytecode is cached).
``python3 -m symconv.network.rulegen`` rewrites it; the tests regenerate it in memory and fail
on any difference."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import sympy as sp

from symconv.frameworks import FRAMEWORKS, all_rules
from symconv.frameworks.base import Rule
from symconv.network.fromsympy import to_tree
from symconv.network.trees import Tree

PATH = Path(__file__).with_name("rulebook.json")
COMMAND = "python3 -m symconv.network.rulegen"


_COMMUTATIVE = frozenset({"add", "mul", "min", "max", "and", "or"})


def canonical(tree: Tree) -> Tree:
    """Arguments of commutative nodes sorted, so the file does not depend on SymPy's own
    argument order."""
    head, args = tree[0], tree[1:]
    if head == "piecewise":
        return (head, *((canonical(v), canonical(c)) for v, c in args))
    inner = tuple(canonical(a) if isinstance(a, tuple) else a for a in args)
    if head in _COMMUTATIVE:
        inner = tuple(sorted(inner, key=repr))
    return (head, *inner)


def _tree(expr: sp.Basic) -> Tree:
    return canonical(to_tree(expr))


def _entry(rule: Rule) -> dict[str, object]:
    return {
        "framework": rule.framework,
        "op": rule.op.value,
        "title": rule.title,
        "params": rule.names,
        "domain": tuple(_tree(c) for c in rule.domain),
        "expr": _tree(rule.expr),
        "refusals": tuple((_tree(r.when), r.message) for r in rule.refusals),
        "padding": rule.padding,
        "ceil_mode": rule.ceil_mode,
        "extras": {name: _tree(e) for name, e in sorted(rule.extras.items())},
        "source": rule.source,
    }


def render() -> str:
    rules = sorted(all_rules(), key=lambda r: r.id)
    frameworks = list(FRAMEWORKS)
    lines = [json.dumps({"id": r.id, **_entry(r)}, sort_keys=True, ensure_ascii=False)
             for r in rules]
    header = json.dumps({"generated_by": COMMAND, "do_not_edit": True,
                         "frameworks": frameworks})
    return "[\n" + ",\n".join([header, *lines]) + "\n]\n"


def main() -> int:
    PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {PATH}", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
