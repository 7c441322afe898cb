"""The framework rules as a network analysis uses them: read from the generated
``rulebook.json`` (plain trees), so no SymPy is built. ``symconv.frameworks`` stays the source:
``rulegen`` writes the rulebook from it and the tests hold the two equal."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from symconv.network.trees import Tree

PATH = Path(__file__).with_name("rulebook.json")


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    framework: str
    op: str  # conv, conv_transpose, max_pool, avg_pool
    title: str
    params: tuple[str, ...]
    domain: tuple[Tree, ...]  # one per parameter, in ``params`` order
    expr: Tree
    refusals: tuple[tuple[Tree, str], ...]  # (refused where, the framework's message)
    padding: str
    ceil_mode: bool
    extras: Mapping[str, Tree]
    source: str


@cache
def _book() -> tuple[tuple[str, ...], dict[str, dict[str, Any]]]:
    header, *entries = json.loads(PATH.read_text(encoding="utf-8"))
    return tuple(header["frameworks"]), {e["id"]: e for e in entries}


def frameworks() -> tuple[str, ...]:
    return _book()[0]


def _tuple(tree: Any) -> Any:
    return tuple(_tuple(x) for x in tree) if isinstance(tree, list) else tree


@cache
def get(rid: str) -> RuleSpec:
    """The rule ``rid`` (e.g. ``torch.max_pool.ceil``); KeyError names the unknown id."""
    entry = _book()[1].get(rid)
    if entry is None:
        raise KeyError(f"unknown rule {rid!r} (see `symconv compare --list`)")
    return RuleSpec(
        rid, entry["framework"], entry["op"], entry["title"], tuple(entry["params"]),
        _tuple(entry["domain"]), _tuple(entry["expr"]),
        tuple((_tuple(w), m) for w, m in entry["refusals"]), entry["padding"],
        entry["ceil_mode"], {k: _tuple(v) for k, v in entry["extras"].items()}, entry["source"])


def by_framework(framework: str) -> list[RuleSpec]:
    return [get(rid) for rid, e in _book()[1].items() if e["framework"] == framework]
