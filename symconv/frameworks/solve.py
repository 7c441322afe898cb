"""Inverse questions about a shape rule, answered by Z3 — never by trying values in a loop.

Every answer is either a model Z3 produced (re-evaluated with the rule in plain Python before it
is returned) or an ``unsat`` that proves there is no other one. Over all integers — no ceiling:
the smallest / largest value comes from Z3's optimizer and is then proved (``x > best`` is
unsat, and a model attains it); "no largest" is proved by ``∀N ∃x: x ≥ N`` over the solutions.
"All solutions" enumerates models with blocking clauses inside the user's limits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp
import z3
from z3.z3util import get_vars

from symconv.frameworks.base import DOMAIN, Refused, Rule
from symconv.prover import Claim, Status, prove
from symconv.symbols import symbol
from symconv.z3bridge import Z3Translator, check_with

DEFAULT_TIMEOUT = 10.0


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
        self.timeout_ms = max(1, int(timeout * 1000))
        self.solver = z3.Solver()
        self.solver.set("timeout", self.timeout_ms)
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
        """Least (or largest) value of ``term`` over the solutions and a solution attaining it;
        None when there is none (unbounded), proved either way. ``model`` is one solution."""
        opt = z3.Optimize()
        opt.set("timeout", self.timeout_ms)
        opt.add(*self.solver.assertions(), *fixed)
        handle = opt.maximize(term) if largest else opt.minimize(term)
        verdict = opt.check()
        if verdict != z3.sat:
            raise SolverUnknown(opt.reason_unknown() if verdict == z3.unknown else
                                "the optimizer found no solution where the solver found one")
        value = handle.value()
        if not z3.is_int_value(value):
            self._prove_unbounded(term, fixed, largest)
            return None, model
        best = value.as_long()
        beyond = term > best if largest else term < best
        if self.check(*fixed, beyond) is not None:
            raise SolverUnknown(f"the optimizer's {'largest' if largest else 'least'} value "
                                f"{best} is not extreme")
        attained = self.check(*fixed, term == best)
        if attained is None:
            raise SolverUnknown(f"the optimizer's value {best} is not attained")
        return best, attained

    def _prove_unbounded(self, term: z3.ArithRef, fixed: Sequence[z3.BoolRef],
                         largest: bool) -> None:
        """Prove ∀N ∃ solution with ``term ≥ N`` (or ``≤``); raise SolverUnknown if not."""
        bound = z3.Int("__symconv_bound")
        body = z3.And(*self.solver.assertions(), *fixed, term >= bound if largest else
                      term <= bound)
        names = get_vars(body)
        inner = [v for v in names if not v.eq(bound)]
        claim = z3.ForAll([bound], z3.Exists(inner, body) if inner else body)
        solver = z3.Solver()
        solver.set("timeout", self.timeout_ms)
        solver.add(z3.Not(claim))
        verdict = solver.check()
        if verdict != z3.unsat:
            reason = solver.reason_unknown() if verdict == z3.unknown else "it is bounded"
            raise SolverUnknown(f"the optimizer says unbounded, not proved ({reason})")

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

    def enumerate(self, order: Sequence[str]) -> Iterator[dict[str, int]]:
        """Every solution, in lexicographic order of ``order`` (all the unknowns), each found by
        Z3: the least next value of each unknown by bisection, with the earlier ones fixed. No
        clause accumulates, so the cost grows with the number of solutions, not its square.
        The unknowns must be bounded below (by the rule's domain)."""
        yield from self._descend(list(order), {})

    def _descend(self, order: list[str], prefix: dict[str, int]) -> Iterator[dict[str, int]]:
        if not order:
            yield dict(prefix)
            return
        name, rest = order[0], order[1:]
        var = self.vars[name]
        fixed = [self.vars[n] == v for n, v in prefix.items()]
        low = lowest(symbol(name))
        while True:
            value = self._least(var, fixed, low)
            if value is None:
                return
            yield from self._descend(rest, {**prefix, name: value})
            low = value + 1

    def _least(self, var: z3.ArithRef, fixed: Sequence[z3.BoolRef], low: int) -> int | None:
        """The least value ``≥ low`` of ``var`` in a solution (with ``fixed``), by bisection."""
        model = self.check(*fixed, var >= low)
        if model is None:
            return None
        high = model[str(var)]
        while low < high:
            middle = (low + high) // 2
            found = self.check(*fixed, var >= low, var <= middle)
            if found is None:
                low = middle + 1
            else:
                high = found[str(var)]
        return high


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
