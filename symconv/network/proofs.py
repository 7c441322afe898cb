"""Proofs about network terms with Z3: terms to Z3 (exact integer semantics), negate-and-check
for all integers, and the general theorems the analysis rests on (the rewrites that simplify
closed forms, the receptive-field recurrences).

Every divisor in a term is a constant ≥ 2, where Z3's Euclidean ``div`` equals Python's floor
division; a refutation's counterexample is re-evaluated in plain Python before it is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

import z3

from symconv.network import terms as T
from symconv.prover import Result, Status

DEFAULT_TIMEOUT = 10.0


class Z3Terms:
    """Translate term DAGs to Z3 in one context, each shared node once."""

    def __init__(self, ctx: z3.Context) -> None:
        self.ctx = ctx
        self.variables: dict[str, z3.ArithRef] = {}
        self._memo: dict[int, z3.ExprRef] = {}

    def var(self, name: str) -> z3.ArithRef:
        v = self.variables.get(name)
        if v is None:
            v = self.variables[name] = z3.Int(name, self.ctx)
        return v

    def __call__(self, node: T.Node) -> z3.ExprRef:
        memo = self._memo
        if node.serial in memo:
            return memo[node.serial]
        stack: list[tuple[T.Node, bool]] = [(node, False)]
        while stack:
            n, expanded = stack.pop()
            if n.serial in memo:
                continue
            if expanded:
                memo[n.serial] = self._step(n)
                continue
            stack.append((n, True))
            stack.extend((c, False) for c in T.children(n) if c.serial not in memo)
        return memo[node.serial]

    def int_(self, node: T.Lin) -> z3.ArithRef:
        out = self(node)
        assert isinstance(out, z3.ArithRef)
        return out

    def bool_(self, node: T.Cond) -> z3.BoolRef:
        out = self(node)
        assert isinstance(out, z3.BoolRef)
        return out

    def _step(self, n: T.Node) -> z3.ExprRef:
        m = self._memo
        ctx = self.ctx
        if isinstance(n, T.Lin):
            terms = [m[a.serial] if c == 1 else z3.IntVal(c, ctx) * m[a.serial]
                     for a, c in n.parts]
            if n.const or not terms:
                terms.append(z3.IntVal(n.const, ctx))
            return terms[0] if len(terms) == 1 else z3.Sum(*terms)
        if isinstance(n, T.Var):
            return self.var(n.name)
        if isinstance(n, T.Floor):
            # den ≥ 2: Euclidean div is floor division here
            return m[n.num.serial] / z3.IntVal(n.den, ctx)
        if isinstance(n, T.Extreme):
            out = m[n.args[0].serial]
            for a in n.args[1:]:
                x = m[a.serial]
                out = z3.If(x >= out, x, out) if n.is_max else z3.If(x <= out, x, out)
            return out
        if isinstance(n, T.Ite):
            return z3.If(m[n.cond.serial], m[n.then.serial], m[n.other.serial])
        if isinstance(n, T.Truth):
            return z3.BoolVal(n.value, ctx)
        if isinstance(n, T.Cmp):
            x = m[n.lin.serial]
            return x == 0 if n.eq else x >= 0
        if isinstance(n, T.Not):
            return z3.Not(m[n.arg.serial])
        if isinstance(n, T.Junction):
            args = [m[a.serial] for a in n.args]
            return z3.And(*args) if n.is_and else z3.Or(*args)
        if isinstance(n, T.Product):
            prod = z3.IntVal(n.coeff, ctx)
            for f in n.factors:
                prod = prod * m[f.serial]
            return prod == n.rhs
        raise TypeError(f"unknown node {type(n).__name__}")


Formula = Callable[[Z3Terms], z3.BoolRef]


def prove_all(formula: Formula, check: Callable[[Mapping[str, int]], bool],
              timeout: float = DEFAULT_TIMEOUT, hypotheses: Formula | None = None) -> Result:
    """Prove ``formula`` for every integer assignment (under ``hypotheses``). ``check`` is the
    plain-Python evaluation of the formula: a counterexample is reported only after ``check``
    confirms it fails there."""
    start = time.perf_counter()
    ctx = z3.Context()
    tr = Z3Terms(ctx)
    goal = formula(tr)
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", max(1, int(timeout * 1000)))
    if hypotheses is not None:
        solver.add(hypotheses(tr))
    solver.add(z3.Not(goal))
    verdict = solver.check()
    seconds = time.perf_counter() - start
    if verdict == z3.unsat:
        return Result(Status.PROVED, seconds)
    if verdict == z3.sat:
        model = solver.model()
        cx = {name: model.eval(v, model_completion=True).as_long()
              for name, v in sorted(tr.variables.items())}
        if check(cx):
            raise AssertionError(f"Z3 counterexample {cx} does not re-evaluate to a violation")
        return Result(Status.REFUTED, seconds, counterexample=cx, reason="goal is false")
    return Result(Status.UNKNOWN, seconds, reason=solver.reason_unknown() or "unknown")


def satisfiable(cond: T.Cond, timeout: float = DEFAULT_TIMEOUT
                ) -> tuple[Status, dict[str, int] | None, str]:
    """Is there an integer point where ``cond`` holds? (PROVED means: proved unsatisfiable,
    REFUTED: a witness, re-evaluated in Python, UNKNOWN: the solver's reason.)"""
    result = prove_all(lambda tr: z3.Not(tr.bool_(cond)), lambda env: not T.holds(cond, env),
                       timeout)
    return result.status, (dict(result.counterexample) if result.counterexample else None), \
        result.reason


def minimise(cond: T.Cond, name: str, timeout: float = DEFAULT_TIMEOUT) -> int | None:
    """The least value of variable ``name`` where ``cond`` holds (None if unbounded below or
    the solver gives up); the answer is checked in Python."""
    ctx = z3.Context()
    tr = Z3Terms(ctx)
    opt = z3.Optimize(ctx=ctx)
    opt.set("timeout", max(1, int(timeout * 1000)))
    opt.add(tr.bool_(cond))
    handle = opt.minimize(tr.var(name))
    if opt.check() != z3.sat:
        return None
    low = opt.lower(handle)
    if not z3.is_int_value(low):
        return None
    model = opt.model()
    env = {n: model.eval(v, model_completion=True).as_long() for n, v in tr.variables.items()}
    if env.get(name) != low.as_long() or not T.holds(cond, env):
        return None
    return int(low.as_long())


# ---------------------------------------------------------------------------------------------
# General theorems


@dataclass(frozen=True, slots=True)
class Theorem:
    id: str
    statement: str
    result: Result


def _ints(ctx: z3.Context, names: str) -> list[z3.ArithRef]:
    return [z3.Int(n, ctx) for n in names.split()]


def _rewrite_claim(name: str, ctx: z3.Context) -> z3.BoolRef:
    if name == "floor-shift":
        m, t, y = _ints(ctx, "m t y")
        return z3.Implies(m >= 1, (m * t + y) / m == t + y / m)
    if name == "floor-gcd":
        g, m, u, r = _ints(ctx, "g m u r")
        return z3.Implies(z3.And(g >= 1, m >= 1, r >= 0, r < g), (g * u + r) / (g * m) == u / m)
    if name == "nested-floor":
        a, c, u, z = _ints(ctx, "a c u z")
        return z3.Implies(z3.And(a >= 1, c >= 1), (u / a + z) / c == (u + a * z) / (a * c))
    if name == "max-shift":
        t, delta = _ints(ctx, "t delta")
        hi, lo = t + delta, t
        return z3.Implies(delta >= 0, z3.And(z3.If(hi >= lo, hi, lo) == hi,
                                              z3.If(hi <= lo, hi, lo) == lo))
    if name == "ite-same":
        (t,) = _ints(ctx, "t")
        b = z3.Bool("b", ctx)
        return z3.If(b, t, t) == t
    if name == "dominated":
        a, b = _ints(ctx, "a b")
        return z3.Implies(a >= b, z3.And(z3.If(a >= b, a, b) == a, z3.If(a <= b, a, b) == b))
    if name == "ite-decided":
        t, e = _ints(ctx, "t e")
        b = z3.Bool("b", ctx)
        return z3.And(z3.Implies(b, z3.If(b, t, e) == t), z3.Implies(z3.Not(b),
                                                                     z3.If(b, t, e) == e))
    raise KeyError(name)


@cache
def prove_rewrite(rewrite: T.Rewrite, timeout: float = DEFAULT_TIMEOUT) -> Theorem:
    """The rewrite as a general theorem (symbolic divisors), proved once per process. The
    positive divisors make Z3's Euclidean ``div`` Python's ``//``."""
    start = time.perf_counter()
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(z3.Not(_rewrite_claim(rewrite.name, ctx)))
    verdict = solver.check()
    seconds = time.perf_counter() - start
    if verdict == z3.unsat:
        result = Result(Status.PROVED, seconds)
    elif verdict == z3.sat:
        result = Result(Status.REFUTED, seconds, reason="a rewrite is false")
    else:
        result = Result(Status.UNKNOWN, seconds, reason=solver.reason_unknown() or "unknown")
    return Theorem(f"rewrite.{rewrite.name}", rewrite.statement, result)


def prove_rewrites(rewrites: frozenset[T.Rewrite], timeout: float = DEFAULT_TIMEOUT
                   ) -> tuple[Theorem, ...]:
    return tuple(prove_rewrite(r, timeout) for r in sorted(rewrites))


def prove_fact(fact: T.Fact, timeout: float = DEFAULT_TIMEOUT) -> Result:
    """The fact's condition for every integer value of its variable."""
    return prove_all(lambda tr: tr.bool_(fact.cond), lambda env: T.holds(fact.cond, env),
                     timeout)
