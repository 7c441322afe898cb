"""A derivation step: one claim, attached to the relation it derives."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symconv.prover import Claim
from symconv.relations import RELATIONS, placements
from symconv.symbols import domains_for, i, k, p, s


@dataclass(frozen=True, slots=True)
class Step:
    id: str  # "R6.effective-input"
    relation: str  # "R6"
    text: str
    claim: Claim


def step(rid: str, name: str, text: str, goal: sp.Basic, *hyps: sp.Basic) -> Step:
    free: set[sp.Symbol] = set(goal.free_symbols)
    for h in hyps:
        free |= h.free_symbols
    return Step(f"{rid}.{name}", rid, text, Claim(goal, (*domains_for(free), *hyps), text))


def expr(rid: str) -> sp.Expr:
    return RELATIONS[rid].expr


def conditions(rid: str) -> tuple[sp.Basic, ...]:
    return RELATIONS[rid].conditions


def counts_placements(rid: str, extent: sp.Expr = k) -> Step:
    """The relation's output is the number of kernel placements on the padded input."""
    rel = RELATIONS[rid]
    return step(
        rid, "placements",
        f"{rel.statement()}: the last kernel placement fits and one more does not",
        placements(rel.expr, i + 2 * p, extent, s), *rel.conditions,
    )
