"""Compare two shape rules: prove them equal on their common domain, or find the smallest
configuration where they differ (and where, per parameter, the differences lie).

Two rules *disagree* at a point of the common domain when exactly one of them refuses, or both
answer with different sizes. Parameters are shared by name; a rule with symmetric padding ``p``
meets a rule with ``p_begin``/``p_end`` at ``p_begin = p_end = p``.

Minimality is Z3's answer, not a search over a grid: among disagreeing points, the smallest sum of
parameters is found by bisection on ``sum ≤ bound`` (an ``unsat`` proves nothing smaller exists),
then ties are broken lexicographically in the order i, k, s, p, p_begin, p_end, d, a, o, each
again by bisection. Every counterexample is re-evaluated in plain Python before it is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

import sympy as sp
import z3

from symconv.evaluate import EvaluationError
from symconv.frameworks import compiled
from symconv.frameworks.base import DOMAIN, ORDER, Refused, Rule, p_begin, p_end
from symconv.prover import Status
from symconv.symbols import p
from symconv.z3bridge import Z3Translator, check_with

DEFAULT_TIMEOUT = 10.0
# Above this a parameter's range of disagreement is reported as unbounded.
UNBOUNDED = 1 << 20


class Verdict(Enum):
    EQUAL = "equal"
    DIFFER = "differ"
    UNKNOWN = "unknown"
    VACUOUS = "vacuous"  # the common domain and ``where`` admit no point: nothing compared

    @property
    def status(self) -> Status:
        """The verdict as every command reports it: equal is proved, differ refuted."""
        return {Verdict.EQUAL: Status.PROVED, Verdict.DIFFER: Status.REFUTED,
                Verdict.UNKNOWN: Status.UNKNOWN, Verdict.VACUOUS: Status.VACUOUS}[self]


class Kind(Enum):
    VALUES = "values differ"
    A_ONLY = "only A answers"
    B_ONLY = "only B answers"


@dataclass(frozen=True, slots=True)
class Witness:
    kind: Kind
    point: Mapping[str, int]
    a: int | Refused
    b: int | Refused
    minimal: bool  # proved smallest (sum, then lexicographic) of its kind
    ranges: Mapping[str, tuple[int, int | None]] = field(default_factory=dict)  # None: unbounded


@dataclass(frozen=True, slots=True)
class Comparison:
    a: Rule
    b: Rule
    verdict: Verdict
    parameters: tuple[str, ...]
    links: tuple[str, ...]
    where: str
    witnesses: tuple[Witness, ...]
    reason: str = ""
    seconds: float = 0.0

    @property
    def sizes_agree(self) -> bool:
        """No point where both answer with different sizes (they may refuse differently)."""
        return self.verdict in (Verdict.EQUAL, Verdict.DIFFER) and all(
            w.kind is not Kind.VALUES for w in self.witnesses)

    @property
    def mark(self) -> str:
        if self.verdict is Verdict.VACUOUS:
            return "∅"
        if self.verdict is Verdict.UNKNOWN:
            return "?"
        if self.verdict is Verdict.EQUAL:
            return "="
        return "≈" if self.sizes_agree else "≠"


def parameters(a: Rule, b: Rule) -> tuple[sp.Symbol, ...]:
    params = set(a.params) | set(b.params)
    if p in params and (p_begin in params or p_end in params):
        params -= {p_begin, p_end}
    return tuple(x for x in ORDER if x in params)


def links(a: Rule, b: Rule) -> dict[sp.Symbol, sp.Expr]:
    """Substitutions that put both rules on :func:`parameters`."""
    params = set(a.params) | set(b.params)
    if p in params and (p_begin in params or p_end in params):
        return {p_begin: p, p_end: p}
    return {}


def _sub(expr: sp.Basic, subs: Mapping[sp.Symbol, sp.Expr]) -> sp.Basic:
    # symbol-for-symbol renaming: xreplace is exact here and much cheaper than subs
    return expr.xreplace(dict(subs)) if subs else expr


def kind_formula(a: Rule, b: Rule, kind: Kind) -> sp.Basic:
    subs = links(a, b)
    acc_a, acc_b = _sub(a.accepted, subs), _sub(b.accepted, subs)
    if kind is Kind.VALUES:
        return sp.And(acc_a, acc_b, sp.Ne(_sub(a.expr, subs), _sub(b.expr, subs)))
    if kind is Kind.A_ONLY:
        return sp.And(acc_a, sp.Not(acc_b))
    return sp.And(sp.Not(acc_a), acc_b)


def disagreement(a: Rule, b: Rule) -> sp.Basic:
    return sp.Or(*(kind_formula(a, b, kd) for kd in Kind))


def env_for(rule: Rule, point: Mapping[str, int]) -> dict[str, int]:
    env = dict(point)
    if "p" in point:
        env.setdefault("p_begin", point["p"])
        env.setdefault("p_end", point["p"])
    return {name: env[name] for name in rule.names}


# Points a search tries in plain Python before it bisects with Z3 (the smallest differences
# are small: found and proved minimal by two solver calls instead of a dozen).
ENUMERATED = 4000


def _lex_less(xs: Sequence[z3.ArithRef], values: Sequence[int]) -> z3.BoolRef:
    """``xs`` before ``values`` in lexicographic order."""
    return z3.Or(*(z3.And(*(x == v for x, v in zip(xs[:j], values[:j], strict=True)),
                          xs[j] < values[j]) for j in range(len(xs))))


def _compositions(total: int, n: int) -> Iterator[tuple[int, ...]]:
    """The n-tuples of naturals summing to ``total``, in lexicographic order."""
    if n == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, n - 1):
            yield (first, *rest)


def _translated(expr: sp.Basic) -> list[z3.BoolRef]:
    """``expr`` in Z3 and the definedness of its quotients."""
    tr = Z3Translator()
    return [tr.translate(expr), *tr.obligations]


class _Parts:
    """The common domain and the pieces of :func:`kind_formula`, each translated once for the
    three kinds."""

    def __init__(self, a: Rule, b: Rule, hyps: Sequence[sp.Basic]) -> None:
        subs = links(a, b)
        self.hyps = [c for h in hyps for c in _translated(h)]
        self.acc_a = _translated(_sub(a.accepted, subs))
        self.acc_b = _translated(_sub(b.accepted, subs))
        self.differ = _translated(sp.Ne(_sub(a.expr, subs), _sub(b.expr, subs)))

    def constraints(self, kind: Kind) -> list[z3.BoolRef]:
        """The domain and :func:`kind_formula` of ``kind``, with the definedness of its
        quotients."""
        (acc_a, *def_a), (acc_b, *def_b) = self.acc_a, self.acc_b
        defined = [*self.hyps, *def_a, *def_b]
        if kind is Kind.VALUES:
            differ, *def_values = self.differ
            return [*defined, *def_values, z3.And(acc_a, acc_b, differ)]
        if kind is Kind.A_ONLY:
            return [*defined, z3.And(acc_a, z3.Not(acc_b))]
        return [*defined, z3.And(z3.Not(acc_a), acc_b)]


class _Search:
    """One Z3 problem over ``params`` (its constraints: the common domain, ``where``, and a
    formula, see :class:`_Parts`); bisection helpers. ``holds``, when given, is the formula in
    plain Python (it says nothing about the domain: the points it is asked about are in it)."""

    def __init__(self, params: Sequence[sp.Symbol], constraints: Sequence[z3.BoolRef],
                 timeout: float, holds: Callable[[dict[str, int]], bool] | None = None) -> None:
        self.holds = holds
        self.vars = [z3.Int(x.name) for x in params]
        # Sums of monomials, then bounds propagated, before the SMT core: the same verdicts,
        # a third less solving on the matrix's nonlinear floor/ceil formulas (measured)
        self.solver = z3.Then(z3.With("simplify", som=True), "propagate-ineqs", "smt").solver()
        self.solver.set("timeout", max(1, int(timeout * 1000)))
        self.solver.add(*constraints)
        self.names = [x.name for x in params]
        self.lows = [_low(x) for x in params]

    def check(self, *extra: z3.BoolRef) -> tuple[z3.CheckSatResult, dict[str, int] | None]:
        verdict, model, _ = check_with(
            self.solver, dict(zip(self.names, self.vars, strict=True)), *extra)
        return verdict, model

    def smallest(self, term: z3.ArithRef, low: int, high: int, fixed: Sequence[z3.BoolRef],
                 best: dict[str, int]) -> tuple[int, dict[str, int], bool]:
        """Least value of ``term`` in low..high (high attained by ``best``); proved unless a
        check is unknown."""
        proved = True
        while low < high:
            mid = (low + high) // 2
            verdict, model = self.check(*fixed, term <= mid)
            if verdict == z3.sat and model is not None:
                high = _value(term, self.names, model)
                best = model
            elif verdict == z3.unsat:
                low = mid + 1
            else:
                proved = False
                break
        return high, best, proved

    def minimal(self) -> tuple[z3.CheckSatResult, dict[str, int] | None, bool, str]:
        verdict, model = self.check()
        if verdict != z3.sat or model is None:
            reason = self.solver.reason_unknown() if verdict == z3.unknown else ""
            return verdict, None, False, reason
        total = z3.Sum(*self.vars) if self.vars else z3.IntVal(0)
        found = self._enumerated(total, sum(model.values()))
        if found is not None:
            return z3.sat, found, True, ""
        # Galloping from the bottom first: the smallest differences are small.
        low, step = sum(self.lows), 1
        high = sum(model.values())
        while low + step < high:
            verdict, found = self.check(total <= low + step)
            if verdict == z3.sat and found is not None:
                model, high = found, sum(found.values())
                break
            if verdict != z3.unsat:
                break
            low, step = low + step + 1, step * 2
        cost, model, proved = self.smallest(total, low, high, [], model)
        fixed: list[z3.BoolRef] = [total == cost]
        for var, name, low in zip(self.vars, self.names, self.lows, strict=True):
            value, model, ok = self.smallest(var, low, model[name], fixed, model)
            proved = proved and ok
            fixed.append(var == value)
        return z3.sat, model, proved, ""

    def _enumerated(self, total: z3.ArithRef, high: int) -> dict[str, int] | None:
        """The smallest point (sum, then lexicographic), found by trying the points in that
        order in plain Python (at most :data:`ENUMERATED`, none with a sum above ``high``) and
        proved by Z3: the point satisfies the problem, and no smaller one does. None when that
        fails (too far, or Python and Z3 disagree on a point): the caller bisects."""
        if self.holds is None:
            return None
        base, tried = sum(self.lows), 0
        for cost in range(base, high + 1):
            for offsets in _compositions(cost - base, len(self.vars)):
                tried += 1
                if tried > ENUMERATED:
                    return None
                point = {name: low + off
                         for name, low, off in zip(self.names, self.lows, offsets, strict=True)}
                if not self.holds(point):
                    continue
                values = list(point.values())
                at, _ = self.check(*(x == v for x, v in zip(self.vars, values, strict=True)))
                if at != z3.sat:
                    return None
                smaller, _ = self.check(z3.Or(total < cost, z3.And(
                    total == cost, _lex_less(self.vars, values))))
                return point if smaller == z3.unsat else None
        return None

    def ranges(self) -> dict[str, tuple[int, int | None]]:
        out: dict[str, tuple[int, int | None]] = {}
        for var, name, low in zip(self.vars, self.names, self.lows, strict=True):
            verdict, model = self.check()
            if model is None:
                return out
            lo, _, ok_lo = self.smallest(var, low, model[name], [], model)
            verdict, _ = self.check(var >= UNBOUNDED)
            if verdict == z3.sat:
                out[name] = (lo, None)
                continue
            if verdict != z3.unsat:
                continue
            hi = _largest(self, var, model[name], UNBOUNDED - 1)
            if ok_lo and hi is not None:
                out[name] = (lo, hi)
        return out


def _largest(search: _Search, var: z3.ArithRef, low: int, high: int) -> int | None:
    while low < high:
        mid = (low + high + 1) // 2
        verdict, _ = search.check(var >= mid)
        if verdict == z3.sat:
            low = mid
        elif verdict == z3.unsat:
            high = mid - 1
        else:
            return None
    return low


def _value(term: z3.ArithRef, names: Sequence[str], model: Mapping[str, int]) -> int:
    subst = [(z3.Int(n), z3.IntVal(model[n])) for n in names]
    return int(z3.simplify(z3.substitute(term, *subst)).as_long())


def _low(x: sp.Symbol) -> int:
    dom = DOMAIN[x]
    assert isinstance(dom, sp.GreaterThan)
    return int(dom.rhs)


def _same(x: int | Refused, y: int | Refused) -> bool:
    if isinstance(x, Refused) or isinstance(y, Refused):
        return isinstance(x, Refused) and isinstance(y, Refused)
    return x == y


def compare(a: Rule, b: Rule, *, where: sp.Basic | None = None, where_text: str = "",
            timeout: float = DEFAULT_TIMEOUT, ranges: bool = False) -> Comparison:
    import time

    start = time.perf_counter()
    params = parameters(a, b)
    extra = where if where is not None else sp.true
    unknown_vars = extra.free_symbols - set(params)
    if unknown_vars:
        names = ", ".join(sorted(x.name for x in unknown_vars))
        raise ValueError(f"--where mentions {names}, not a parameter of {a.id} or {b.id}")
    hyps = [DOMAIN[x] for x in params] + [extra]
    link_text = tuple(f"{k} = {v}" for k, v in links(a, b).items())
    parts = _Parts(a, b, hyps)
    if where is not None:
        admits, _ = _Search(params, parts.hyps, timeout).check()
        if admits != z3.sat:
            verdict = Verdict.VACUOUS if admits == z3.unsat else Verdict.UNKNOWN
            reason = ("the common domain and --where admit no point: nothing is compared"
                      if admits == z3.unsat else "whether --where admits a point is unknown")
            return Comparison(a, b, verdict, tuple(x.name for x in params), link_text,
                              where_text, (), reason, time.perf_counter() - start)
    witnesses: list[Witness] = []
    reasons: list[str] = []
    verdicts = (compiled.verdict(a), compiled.verdict(b)) if where is None else None
    for kind in Kind:
        holds = None if verdicts is None else _holds(a, b, *verdicts, kind)
        search = _Search(params, parts.constraints(kind), timeout, holds)
        verdict, model, proved, reason = search.minimal()
        if verdict == z3.unknown:
            reasons.append(f"{kind.value}: {reason or 'unknown'}")
            continue
        if model is None:
            continue
        va, vb = a.verdict(env_for(a, model)), b.verdict(env_for(b, model))
        if _same(va, vb):
            raise AssertionError(f"solver counterexample {model} does not re-evaluate to a "
                                 f"disagreement: {a.id} = {va}, {b.id} = {vb}")
        witnesses.append(Witness(kind, model, va, vb, proved,
                                 search.ranges() if ranges else {}))
    if witnesses:
        status = Verdict.DIFFER
    elif reasons:
        status = Verdict.UNKNOWN
    else:
        status = Verdict.EQUAL
    return Comparison(a, b, status, tuple(x.name for x in params), link_text, where_text,
                      tuple(witnesses), "; ".join(reasons), time.perf_counter() - start)


Verdicts = Callable[[Mapping[str, int]], int | Refused]


def _holds(a: Rule, b: Rule, va: Verdicts, vb: Verdicts, kind: Kind
           ) -> Callable[[dict[str, int]], bool]:
    """:func:`kind_formula` in plain Python at a point of the common domain, from the rules'
    compiled verdicts (a point where a rule cannot be evaluated does not count)."""

    def holds(point: dict[str, int]) -> bool:
        try:
            x, y = va(env_for(a, point)), vb(env_for(b, point))
        except EvaluationError:
            return False
        if kind is Kind.VALUES:
            return not isinstance(x, Refused) and not isinstance(y, Refused) and x != y
        if kind is Kind.A_ONLY:
            return not isinstance(x, Refused) and isinstance(y, Refused)
        return isinstance(x, Refused) and not isinstance(y, Refused)

    return holds


def describe(value: int | Refused) -> str:
    return f"refuses ({value.shown})" if isinstance(value, Refused) else str(value)


FAMILIES: Mapping[str, tuple[str, ...]] = {
    "explicit": ("", "NOTSET", "EXPLICIT"),
    "valid": ("valid", "VALID"),
    "same": ("same", "SAME", "SAME_UPPER"),
    "same_lower": ("SAME_LOWER",),
    "output_size": ("output_size", "output_shape"),
}


def family(rule: Rule) -> str:
    for name, modes in FAMILIES.items():
        if rule.padding in modes:
            return name
    raise ValueError(f"{rule.id}: padding mode {rule.padding!r} has no family")


def matrix_groups(rules: Sequence[Rule]) -> dict[str, list[Rule]]:
    """Rules that answer the same question (op, padding family, ceil mode, output_padding or
    not), in registry order."""
    groups: dict[str, list[Rule]] = {}
    for r in rules:
        has_a = any(x.name == "a" for x in r.params)
        key = f"{r.op.value} / {family(r)}" + (" / ceil" if r.ceil_mode else "") + (
            " / output_padding" if has_a else "")
        groups.setdefault(key, []).append(r)
    return {k: v for k, v in groups.items() if len(v) > 1}


def pairs(group: Sequence[Rule]) -> list[tuple[Rule, Rule]]:
    """The cells of a group's matrix: every pair of its rules, in registry order."""
    return [(group[x], group[y]) for x in range(len(group)) for y in range(x + 1, len(group))]
