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
            terms = [m[a.serial] if c == 1 else _times(c, m[a.serial], ctx)
                     for a, c in n.parts]
            if n.const or not terms:
                terms.append(z3.IntVal(n.const, ctx))
            return terms[0] if len(terms) == 1 else _sum(terms, ctx)
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


def _sum(terms: list[z3.ExprRef], ctx: z3.Context) -> z3.ArithRef:
    # Z3_mk_add directly: z3.Sum's argument coercion costs more than the solving here
    arr = (z3.Ast * len(terms))()
    for index, t in enumerate(terms):
        arr[index] = t.as_ast()
    return z3.ArithRef(z3.Z3_mk_add(ctx.ref(), len(terms), arr), ctx)


def _times(c: int, x: z3.ExprRef, ctx: z3.Context) -> z3.ArithRef:
    return _product([z3.IntVal(c, ctx), x], ctx)


def _product(terms: list[z3.ExprRef], ctx: z3.Context) -> z3.ArithRef:
    arr = (z3.Ast * len(terms))()
    for index, t in enumerate(terms):
        arr[index] = t.as_ast()
    return z3.ArithRef(z3.Z3_mk_mul(ctx.ref(), len(terms), arr), ctx)


Formula = Callable[[Z3Terms], z3.BoolRef]


class Session:
    """One Z3 context for the proofs about one network: each claim gets its own solver, and
    the network's terms are translated once for all of them."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self.ctx = z3.Context()
        self.tr = Z3Terms(self.ctx)

    def _solver(self) -> z3.Solver:
        solver = z3.Solver(ctx=self.ctx)
        solver.set("timeout", max(1, int(self.timeout * 1000)))
        return solver

    def prove(self, formula: Formula, check: Callable[[Mapping[str, int]], bool],
              hypotheses: Formula | None = None) -> Result:
        """Prove ``formula`` for every integer assignment (under ``hypotheses``). ``check`` is
        the plain-Python evaluation of the formula: a counterexample is reported only after
        ``check`` confirms it fails there."""
        start = time.perf_counter()
        goal = formula(self.tr)
        solver = self._solver()
        if hypotheses is not None:
            solver.add(hypotheses(self.tr))
        solver.add(z3.Not(goal))
        names = _free(goal, self.tr.variables)
        verdict = solver.check()
        seconds = time.perf_counter() - start
        if verdict == z3.unsat:
            return Result(Status.PROVED, seconds)
        if verdict == z3.sat:
            model = solver.model()
            cx = {name: model.eval(self.tr.variables[name], model_completion=True).as_long()
                  for name in names}
            if check(cx):
                raise AssertionError(f"Z3 counterexample {cx} does not re-evaluate to a "
                                     "violation")
            return Result(Status.REFUTED, seconds, counterexample=cx, reason="goal is false")
        return Result(Status.UNKNOWN, seconds, reason=solver.reason_unknown() or "unknown")

    def satisfiable(self, cond: T.Cond) -> tuple[Status, dict[str, int] | None, str]:
        """Is there an integer point where ``cond`` holds? (PROVED: proved unsatisfiable,
        REFUTED: a witness, re-evaluated in Python; UNKNOWN: the solver's reason.)"""
        result = self.prove(lambda tr: z3.Not(tr.bool_(cond)),
                            lambda env: not T.holds(cond, env))
        witness = dict(result.counterexample) if result.counterexample else None
        return result.status, witness, result.reason

    def extreme_value(self, cond: T.Cond, name: str, maximum: bool = False) -> int | None:
        """The least (or greatest) value of variable ``name`` where ``cond`` holds; None if
        there is none, it is unbounded, or the solver gives up. Re-checked in Python."""
        opt = z3.Optimize(ctx=self.ctx)
        opt.set("timeout", max(1, int(self.timeout * 1000)))
        opt.add(self.tr.bool_(cond))
        target = self.tr.var(name)
        handle = opt.maximize(target) if maximum else opt.minimize(target)
        if opt.check() != z3.sat:
            return None
        bound = opt.upper(handle) if maximum else opt.lower(handle)
        if not z3.is_int_value(bound):
            return None
        model = opt.model()
        env = {n: model.eval(self.tr.variables[n], model_completion=True).as_long()
               for n in T.variables(cond)}
        if env.get(name) != bound.as_long() or not T.holds(cond, env):
            return None
        return int(bound.as_long())


def _free(goal: z3.ExprRef, variables: Mapping[str, z3.ArithRef]) -> list[str]:
    """The variables occurring in ``goal`` (the translator's table also holds other claims')."""
    seen: set[str] = set()
    stack = [goal]
    visited: set[int] = set()
    while stack:
        e = stack.pop()
        key = e.get_id()
        if key in visited:
            continue
        visited.add(key)
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            seen.add(e.decl().name())
        stack.extend(e.children())
    return sorted(n for n in seen if n in variables)


def prove_all(formula: Formula, check: Callable[[Mapping[str, int]], bool],
              timeout: float = DEFAULT_TIMEOUT, hypotheses: Formula | None = None) -> Result:
    """:meth:`Session.prove` in a fresh context."""
    return Session(timeout).prove(formula, check, hypotheses)


def satisfiable(cond: T.Cond, timeout: float = DEFAULT_TIMEOUT
                ) -> tuple[Status, dict[str, int] | None, str]:
    return Session(timeout).satisfiable(cond)


def extreme_value(cond: T.Cond, name: str, maximum: bool = False,
                  timeout: float = DEFAULT_TIMEOUT) -> int | None:
    return Session(timeout).extreme_value(cond, name, maximum)


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
def general_context() -> z3.Context:
    """One context for the small general theorems (rewrites, receptive-field steps): making a
    context costs more than proving one of them."""
    return z3.Context()


@cache
def prove_rewrite(rewrite: T.Rewrite, timeout: float = DEFAULT_TIMEOUT) -> Theorem:
    """The rewrite as a general theorem (symbolic divisors), proved once per process. The
    positive divisors make Z3's Euclidean ``div`` Python's ``//``."""
    start = time.perf_counter()
    ctx = general_context()
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


def prove_fact(fact: T.Fact, session: Session) -> Result:
    """The fact's condition for every integer value of its variable."""
    return session.prove(lambda tr: tr.bool_(fact.cond), lambda env: T.holds(fact.cond, env))
