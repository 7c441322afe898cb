"""Inverse questions about a shape rule, answered by Z3 — never by trying values in a loop.

Every answer is either a model Z3 produced (re-evaluated with the rule in plain Python before it
is returned) or an ``unsat`` that proves there is no other one: the smallest / largest value is
found by bisection on ``x ≤ bound`` / ``x ≥ bound`` queries, and "all solutions" enumerates
models with blocking clauses inside the user's limits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp
import z3

from symconv.frameworks.base import DOMAIN, Refused, Rule
from symconv.prover import Claim, Status, prove
from symconv.symbols import symbol
from symconv.z3bridge import Z3Translator, check_with

DEFAULT_TIMEOUT = 10.0
CEILING = 1 << 31  # above this a value is reported as unbounded


class SolverUnknown(RuntimeError):
    """A solver call timed out: the question has no proved answer."""


class Problem:
    """``rule`` with some parameters fixed, accepted (not refused), plus ``extra`` constraints,
    over the remaining parameters."""

    def __init__(self, rule: Rule, fixed: Mapping[str, int], extra: Sequence[sp.Basic],
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.rule, self.fixed = rule, dict(fixed)
        tr = Z3Translator()
        subs = {symbol(n): sp.Integer(v) for n, v in self.fixed.items()}
        constraints = [*rule.domain, rule.accepted, *extra]
        self.solver = z3.Solver()
        self.solver.set("timeout", max(1, int(timeout * 1000)))
        self.solver.add(*(tr.translate(c.subs(subs)) for c in constraints), *tr.obligations)
        self.vars: dict[str, z3.ArithRef] = {
            name: tr.translate(symbol(name)) for name in self.unknowns}

    @property
    def unknowns(self) -> list[str]:
        return [n for n in self.rule.names if n not in self.fixed]

    def check(self, *extra: z3.BoolRef) -> dict[str, int] | None:
        verdict, model, reason = check_with(self.solver, self.vars, *extra)
        if verdict == z3.unknown:
            raise SolverUnknown(reason)
        return model

    def env(self, model: Mapping[str, int]) -> dict[str, int]:
        return {**self.fixed, **model}

    def extreme(self, term: z3.ArithRef, model: dict[str, int], *, largest: bool,
                fixed: Sequence[z3.BoolRef] = ()) -> tuple[int | None, dict[str, int]]:
        """Least (or largest) value of ``term`` over the solutions; None if unbounded above."""
        value = _eval(term, model)
        if largest:
            if self.check(*fixed, term >= CEILING) is not None:
                return None, model
            low, high = value, CEILING - 1
            while low < high:
                mid = (low + high + 1) // 2
                found = self.check(*fixed, term >= mid)
                if found is None:
                    high = mid - 1
                else:
                    low, model = _eval(term, found), found
            return low, model
        low = -CEILING
        high = value
        while low < high:
            mid = (low + high) // 2
            found = self.check(*fixed, term <= mid)
            if found is None:
                low = mid + 1
            else:
                high, model = _eval(term, found), found
        return high, model

    def all_models(self, limit: int) -> tuple[list[dict[str, int]], bool]:
        """Every solution (blocking clauses), at most ``limit``; the flag says it is complete."""
        found: list[dict[str, int]] = []
        blocks: list[z3.BoolRef] = []
        while len(found) < limit:
            model = self.check(*blocks)
            if model is None:
                return found, True
            found.append(model)
            blocks.append(z3.Or(*(v != model[n] for n, v in self.vars.items())))
        return found, self.check(*blocks) is None


def _eval(term: z3.ArithRef, model: Mapping[str, int]) -> int:
    subst = [(z3.Int(n), z3.IntVal(v)) for n, v in model.items()]
    return int(z3.simplify(z3.substitute(term, *subst)).as_long())


def confirm(rule: Rule, env: Mapping[str, int], want: int | None = None) -> int:
    """Re-evaluate a solver answer in plain Python; raise if it is not what was asked."""
    value = rule.verdict({n: env[n] for n in rule.names})
    if isinstance(value, Refused) or (want is not None and value != want):
        raise AssertionError(f"solver answer {dict(env)} re-evaluates to {value} under "
                             f"{rule.id}, not {want}")
    return value


@dataclass(frozen=True, slots=True)
class Interval:
    lo: int
    hi: int | None  # None: unbounded


def interval(rule: Rule, name: str, fixed: Mapping[str, int], target: int,
             timeout: float = DEFAULT_TIMEOUT) -> Interval | None:
    """The values of parameter ``name`` (others fixed) for which ``rule`` answers ``target``,
    when they form an interval — proved: no value outside it, every value inside it."""
    out = symbol(name)
    prob = Problem(rule, fixed, [sp.Eq(rule.expr, target)], timeout)
    model = prob.check()
    if model is None:
        return None
    var = prob.vars[name]
    lo, low_model = prob.extreme(var, model, largest=False)
    hi, high_model = prob.extreme(var, model, largest=True)
    if lo is None:
        raise SolverUnknown(f"{name} has no least solution")
    confirm(rule, prob.env(low_model), target)
    if hi is not None:
        confirm(rule, prob.env(high_model), target)
    inside = [sp.Ge(out, lo)] + ([sp.Le(out, hi)] if hi is not None else [])
    subs = {symbol(n): sp.Integer(v) for n, v in fixed.items()}
    goal = sp.And(rule.accepted, sp.Eq(rule.expr, target)).subs(subs)
    hyps = (*(d.subs(subs) for d in rule.domain), *inside)
    result = prove(Claim(goal, tuple(hyps)), timeout=timeout)
    if result.status is not Status.PROVED:
        raise SolverUnknown(f"the solutions of {name} are not an interval "
                            f"({result.status.value}: {dict(result.counterexample or {})})")
    return Interval(lo, hi)


def lowest(x: sp.Symbol) -> int:
    dom = DOMAIN[x]
    assert isinstance(dom, sp.GreaterThan)
    return int(dom.rhs)
