"""Quasi-affine integer terms: the light representation of a network's sizes and conditions.

A size is an affine combination (:class:`Lin`) of atoms — a variable, ``⌊lin / c⌋`` for a
constant ``c ≥ 2``, ``min``/``max`` of affine terms, or an if-then-else — with integer
coefficients. Conditions compare an affine term with zero and combine with and/or/not; a
``c·∏ lin_j = n`` atom (:class:`Product`) carries the one non-linear thing a network does (a
``Linear`` after ``flatten`` fixes channels·∏ sizes).

Every node is hash-consed: building the same structure twice gives the same object, so equality
is identity, a network's terms form a DAG whose shared parts are evaluated and translated once,
and a memo keyed by ``serial`` is exact.

Construction normalises by exact integer arithmetic only (collecting like terms, folding
constants). Every other rewrite — pulling integers out of a floor, dividing a common factor out,
collapsing nested floors, dropping a dominated min/max argument, an if-then-else with equal
branches — is a :class:`Rewrite`, recorded while :func:`recording` is active; each rewrite is a
general theorem (``symconv.network.proofs`` proves it with Z3) and nothing else is ever used to
simplify.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm
from typing import TypeAlias

_SERIAL = itertools.count()
_TABLE: dict[tuple[object, ...], object] = {}


# ---------------------------------------------------------------------------------------------
# Rewrites (each a general theorem, proved in symconv.network.proofs)


@dataclass(frozen=True, slots=True, order=True)
class Rewrite:
    """A simplification rule, stated for all integers (the names match ``proofs.REWRITES``)."""

    name: str

    @property
    def statement(self) -> str:
        return REWRITE_STATEMENTS[self.name]


REWRITE_STATEMENTS: Mapping[str, str] = {
    "floor-shift": "⌊(m·t + y)/m⌋ = t + ⌊y/m⌋ for integers t, y and m ≥ 1",
    "floor-gcd": "⌊(g·u + r)/(g·m)⌋ = ⌊u/m⌋ for integers u, g ≥ 1, m ≥ 1, 0 ≤ r < g",
    "nested-floor": "⌊(⌊u/a⌋ + z)/c⌋ = ⌊(u + a·z)/(a·c)⌋ for integers u, z, a ≥ 1, c ≥ 1",
    "max-shift": "max(t, t + δ) = t + δ and min(t, t + δ) = t for integers t and δ ≥ 0",
    "ite-same": "(if b then t else t) = t",
    "dominated": "max(a, b) = a and min(a, b) = b wherever a ≥ b (each use a proved Fact)",
    "ite-decided": "(if b then t else e) = t wherever b, = e wherever ¬b (each use a proved "
                   "Fact)",
}

_RECORD: ContextVar[set[Rewrite] | None] = ContextVar("symconv_network_rewrites", default=None)


@contextmanager
def recording() -> Iterator[set[Rewrite]]:
    """Collect every rewrite applied while the block runs."""
    used: set[Rewrite] = set()
    token = _RECORD.set(used)
    try:
        yield used
    finally:
        _RECORD.reset(token)


def _use(name: str) -> None:
    used = _RECORD.get()
    if used is not None:
        used.add(Rewrite(name))


@dataclass(frozen=True, slots=True)
class Fact:
    """``cond`` holds for every integer value of its (at most one) variable: checked by
    sampling while terms are built, proved afterwards (``proofs.prove_fact``); an analysis
    whose fact fails is rebuilt without it."""

    cond: Cond


class _Oracle:
    def __init__(self, excluded: frozenset[int]) -> None:
        self.excluded = excluded
        self.used: set[Fact] = set()

    def everywhere(self, cond: Cond) -> bool:
        if isinstance(cond, Truth):
            return cond.value
        if cond.serial in self.excluded:
            return False
        names = variables(cond)
        if len(names) > 1:
            return False
        name = next(iter(names), "_")
        points = _samples(period(cond))
        if not all(evaluate_many([cond], {name: points}, len(points))[cond.serial]):
            return False
        self.used.add(Fact(cond))
        return True


_ORACLE: ContextVar[_Oracle | None] = ContextVar("symconv_network_facts", default=None)


@contextmanager
def facts(excluded: frozenset[int] = frozenset()) -> Iterator[set[Fact]]:
    """Let min/max drop dominated arguments and if-then-else take a decided branch, recording
    each fact used (``excluded``: serials of conditions not to use, e.g. ones that failed)."""
    oracle = _Oracle(excluded)
    token = _ORACLE.set(oracle)
    try:
        yield oracle.used
    finally:
        _ORACLE.reset(token)


PERIOD_MAX = 1 << 12


def _samples(p: int) -> list[int]:
    span = min(p, 512)
    near = range(-2 * span - 16, 2 * span + 64)
    far = [(1 << 40) + r for r in range(min(span, 64))] + [-(1 << 40) + r for r in range(8)]
    return [*near, *far]


# ---------------------------------------------------------------------------------------------
# Nodes


class Node:
    __slots__ = ("serial",)
    serial: int

    def __repr__(self) -> str:
        from symconv.network.textual import claim

        return f"{type(self).__name__}({claim(self)})"


def _intern(key: tuple[object, ...], node: Node) -> Node:
    existing = _TABLE.get(key)
    if existing is not None:
        assert isinstance(existing, Node)
        return existing
    node.serial = next(_SERIAL)
    _TABLE[key] = node
    return node


class Atom(Node):
    __slots__ = ()


class Var(Atom):
    __slots__ = ("name",)
    name: str


class Floor(Atom):
    """⌊num / den⌋ with den ≥ 2 and num not constant."""

    __slots__ = ("den", "num")
    num: Lin
    den: int


class Extreme(Atom):
    """max(args) if is_max else min(args); at least two args, none dominated by a shift."""

    __slots__ = ("args", "is_max")
    is_max: bool
    args: tuple[Lin, ...]


class Ite(Atom):
    __slots__ = ("cond", "other", "then")
    cond: Cond
    then: Lin
    other: Lin


class Lin(Node):
    """const + Σ coeff·atom (coefficients non-zero, atoms ordered by serial)."""

    __slots__ = ("const", "parts")
    const: int
    parts: tuple[tuple[Atom, int], ...]

    @property
    def is_const(self) -> bool:
        return not self.parts

    def __add__(self, other: Lin | int) -> Lin:
        return add(self, other)

    def __radd__(self, other: int) -> Lin:
        return add(other, self)

    def __sub__(self, other: Lin | int) -> Lin:
        return add(self, scale(other, -1))

    def __rsub__(self, other: int) -> Lin:
        return add(other, scale(self, -1))

    def __mul__(self, other: int) -> Lin:
        return scale(self, other)

    __rmul__ = __mul__

    def __neg__(self) -> Lin:
        return scale(self, -1)


class Cond(Node):
    __slots__ = ()


class Truth(Cond):
    __slots__ = ("value",)
    value: bool


class Cmp(Cond):
    """lin == 0 if eq else lin ≥ 0."""

    __slots__ = ("eq", "lin")
    lin: Lin
    eq: bool


class Not(Cond):
    __slots__ = ("arg",)
    arg: Cond


class Junction(Cond):
    """And(args) if is_and else Or(args)."""

    __slots__ = ("args", "is_and")
    is_and: bool
    args: tuple[Cond, ...]


class Product(Cond):
    """coeff · ∏ factors == rhs (factors non-constant, ordered by serial)."""

    __slots__ = ("coeff", "factors", "rhs")
    coeff: int
    factors: tuple[Lin, ...]
    rhs: int


Term: TypeAlias = Lin | Cond


# ---------------------------------------------------------------------------------------------
# Constructors


def var(name: str) -> Lin:
    return _atom_lin(_var(name))


def _var(name: str) -> Var:
    node = Var.__new__(Var)
    node.name = name
    out = _intern(("var", name), node)
    assert isinstance(out, Var)
    return out


def const(value: int) -> Lin:
    return _lin(value, {})


def _atom_lin(atom: Atom) -> Lin:
    return _lin(0, {atom: 1})


def _lin(constant: int, coeffs: Mapping[Atom, int]) -> Lin:
    parts = tuple(sorted(((a, c) for a, c in coeffs.items() if c != 0),
                         key=lambda ac: ac[0].serial))
    node = Lin.__new__(Lin)
    node.const = int(constant)
    node.parts = parts
    out = _intern(("lin", node.const, tuple((a.serial, c) for a, c in parts)), node)
    assert isinstance(out, Lin)
    return out


def as_lin(x: Lin | int) -> Lin:
    if isinstance(x, Lin):
        return x
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"expected an integer term, got {x!r}")
    return const(x)


def add(*xs: Lin | int) -> Lin:
    total = 0
    coeffs: dict[Atom, int] = {}
    for x in xs:
        term = as_lin(x)
        total += term.const
        for atom, c in term.parts:
            coeffs[atom] = coeffs.get(atom, 0) + c
    return _lin(total, coeffs)


def scale(x: Lin | int, factor: int) -> Lin:
    term = as_lin(x)
    if factor == 1:
        return term
    return _lin(term.const * factor, {a: c * factor for a, c in term.parts})


def floor_div(x: Lin | int, den: int) -> Lin:
    """⌊x / den⌋ for a constant den ≥ 1, normalised by the floor rewrites."""
    num = as_lin(x)
    if den < 1:
        raise ValueError(f"floor divisor must be >= 1, got {den}")
    if den == 1:
        return num
    if num.is_const:
        return const(num.const // den)
    # floor-shift: whole multiples of den come out of the floor (coefficients toward zero, so
    # a negated argument stays one floor; the constant into 0..den−1)
    whole = {a: _trunc(c, den) for a, c in num.parts if _trunc(c, den) != 0}
    if whole or num.const // den != 0:
        _use("floor-shift")
        rest = _lin(num.const % den, {a: c - _trunc(c, den) * den for a, c in num.parts})
        return add(_lin(num.const // den, whole), floor_div(rest, den))
    # floor-gcd: a factor common to the coefficients and den divides out (0 ≤ const < den now)
    g = den
    for _, c in num.parts:
        g = gcd(g, c)
    if g > 1:
        _use("floor-gcd")
        return floor_div(_lin(num.const // g, {a: c // g for a, c in num.parts}), den // g)
    # nested-floor: ⌊(⌊u/a⌋ + z)/c⌋ = ⌊(u + a·z)/(a·c)⌋
    for atom, c in num.parts:
        if c == 1 and isinstance(atom, Floor):
            _use("nested-floor")
            z = _lin(num.const, {b: k for b, k in num.parts if b is not atom})
            return floor_div(add(atom.num, scale(z, atom.den)), atom.den * den)
    node = Floor.__new__(Floor)
    node.num = num
    node.den = den
    out = _intern(("floor", num.serial, den), node)
    assert isinstance(out, Floor)
    return _atom_lin(out)


def _trunc(c: int, den: int) -> int:
    return c // den if c >= 0 else -((-c) // den)


def ceil_div(x: Lin | int, den: int) -> Lin:
    """⌈x / den⌉ = −⌊−x / den⌋."""
    return scale(floor_div(scale(x, -1), den), -1)


def mod(x: Lin | int, den: int) -> Lin:
    """x mod den (Python's %, den ≥ 1) = x − den·⌊x/den⌋."""
    return add(x, scale(floor_div(x, den), -den))


def extreme(is_max: bool, xs: Iterable[Lin | int]) -> Lin:
    flat: list[Lin] = []
    for x in xs:
        term = as_lin(x)
        inner = _single_atom(term)
        if isinstance(inner, Extreme) and inner.is_max == is_max:
            flat.extend(inner.args)
        else:
            flat.append(term)
    if not flat:
        raise ValueError("min/max of nothing")
    # max-shift: of arguments equal up to a constant, only the extreme one matters
    best: dict[tuple[tuple[int, int], ...], Lin] = {}
    for term in flat:
        shape = tuple((a.serial, c) for a, c in term.parts)
        kept = best.get(shape)
        if kept is None:
            best[shape] = term
            continue
        _use("max-shift")
        if (term.const > kept.const) == is_max:
            best[shape] = term
    args = sorted(best.values(), key=lambda t: t.serial)
    oracle = _ORACLE.get()
    if oracle is not None and len(args) > 1:
        args = _undominated(args, is_max, oracle)
    if len(args) == 1:
        return args[0]
    node = Extreme.__new__(Extreme)
    node.is_max = is_max
    node.args = tuple(args)
    out = _intern(("extreme", is_max, tuple(a.serial for a in args)), node)
    assert isinstance(out, Extreme)
    return _atom_lin(out)


def _undominated(args: list[Lin], is_max: bool, oracle: _Oracle) -> list[Lin]:
    kept = list(args)
    changed = True
    while changed and len(kept) > 1:
        changed = False
        for a in kept:
            for b in kept:
                if a is b:
                    continue
                # max keeps a where a ≥ b everywhere; min keeps b
                if oracle.everywhere(ge(a, b)):
                    _use("dominated")
                    kept.remove(b if is_max else a)
                    changed = True
                    break
            if changed:
                break
    return kept


def maximum(*xs: Lin | int) -> Lin:
    return extreme(True, xs)


def minimum(*xs: Lin | int) -> Lin:
    return extreme(False, xs)


def ite(cond: Cond, then: Lin | int, other: Lin | int) -> Lin:
    a, b = as_lin(then), as_lin(other)
    if isinstance(cond, Truth):
        return a if cond.value else b
    if a is b:
        _use("ite-same")
        return a
    oracle = _ORACLE.get()
    if oracle is not None:
        if oracle.everywhere(cond):
            _use("ite-decided")
            return a
        if oracle.everywhere(negate(cond)):
            _use("ite-decided")
            return b
    node = Ite.__new__(Ite)
    node.cond = cond
    node.then = a
    node.other = b
    out = _intern(("ite", cond.serial, a.serial, b.serial), node)
    assert isinstance(out, Ite)
    return _atom_lin(out)


def _single_atom(term: Lin) -> Atom | None:
    if term.const == 0 and len(term.parts) == 1 and term.parts[0][1] == 1:
        return term.parts[0][0]
    return None


TRUE: Truth
FALSE: Truth


def truth(value: bool) -> Truth:
    node = Truth.__new__(Truth)
    node.value = bool(value)
    out = _intern(("truth", bool(value)), node)
    assert isinstance(out, Truth)
    return out


TRUE = truth(True)
FALSE = truth(False)


def _cmp(lin: Lin, eq: bool) -> Cond:
    if lin.is_const:
        return truth(lin.const == 0 if eq else lin.const >= 0)
    node = Cmp.__new__(Cmp)
    node.lin = lin
    node.eq = eq
    out = _intern(("cmp", lin.serial, eq), node)
    assert isinstance(out, Cmp)
    return out


def ge(a: Lin | int, b: Lin | int) -> Cond:
    return _cmp(add(a, scale(b, -1)), eq=False)


def le(a: Lin | int, b: Lin | int) -> Cond:
    return ge(b, a)


def gt(a: Lin | int, b: Lin | int) -> Cond:
    return ge(a, add(b, 1))


def lt(a: Lin | int, b: Lin | int) -> Cond:
    return ge(b, add(a, 1))


def eq(a: Lin | int, b: Lin | int) -> Cond:
    return _cmp(add(a, scale(b, -1)), eq=True)


def ne(a: Lin | int, b: Lin | int) -> Cond:
    return negate(eq(a, b))


def negate(c: Cond) -> Cond:
    if isinstance(c, Truth):
        return truth(not c.value)
    if isinstance(c, Not):
        return c.arg
    if isinstance(c, Cmp) and not c.eq:
        return _cmp(add(scale(c.lin, -1), -1), eq=False)  # ¬(x ≥ 0) ⇔ −x − 1 ≥ 0
    node = Not.__new__(Not)
    node.arg = c
    out = _intern(("not", c.serial), node)
    assert isinstance(out, Not)
    return out


def junction(is_and: bool, cs: Iterable[Cond]) -> Cond:
    args: list[Cond] = []
    seen: set[int] = set()
    for c in cs:
        parts = c.args if isinstance(c, Junction) and c.is_and == is_and else (c,)
        for part in parts:
            if isinstance(part, Truth):
                if part.value != is_and:
                    return part  # False in an And, True in an Or
                continue
            if part.serial not in seen:
                seen.add(part.serial)
                args.append(part)
    if not args:
        return truth(is_and)
    if len(args) == 1:
        return args[0]
    node = Junction.__new__(Junction)
    node.is_and = is_and
    node.args = tuple(args)
    out = _intern(("junction", is_and, tuple(a.serial for a in args)), node)
    assert isinstance(out, Junction)
    return out


def conj(*cs: Cond) -> Cond:
    return junction(True, cs)


def disj(*cs: Cond) -> Cond:
    return junction(False, cs)


def product_eq(coeff: int, factors: Sequence[Lin | int], rhs: int) -> Cond:
    """coeff · ∏ factors == rhs; constant factors fold into coeff."""
    c = coeff
    rest: list[Lin] = []
    for f in factors:
        term = as_lin(f)
        if term.is_const:
            c *= term.const
        else:
            rest.append(term)
    if not rest:
        return truth(c == rhs)
    if len(rest) == 1:
        return eq(scale(rest[0], c), rhs)
    rest.sort(key=lambda t: t.serial)
    node = Product.__new__(Product)
    node.coeff = c
    node.factors = tuple(rest)
    node.rhs = rhs
    out = _intern(("product", c, tuple(f.serial for f in rest), rhs), node)
    assert isinstance(out, Product)
    return out


# ---------------------------------------------------------------------------------------------
# Traversal, evaluation, substitution


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Lin):
        return tuple(a for a, _ in node.parts)
    if isinstance(node, Floor):
        return (node.num,)
    if isinstance(node, Extreme):
        return node.args
    if isinstance(node, Ite):
        return (node.cond, node.then, node.other)
    if isinstance(node, Cmp):
        return (node.lin,)
    if isinstance(node, Not):
        return (node.arg,)
    if isinstance(node, Junction):
        return node.args
    if isinstance(node, Product):
        return node.factors
    return ()


def postorder(roots: Iterable[Node]) -> list[Node]:
    """Every node reachable from ``roots``, children before parents, each once."""
    out: list[Node] = []
    seen: set[int] = set()
    for root in roots:
        if root.serial in seen:
            continue
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                out.append(node)
                continue
            if node.serial in seen:
                continue
            seen.add(node.serial)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children(node))
                         if child.serial not in seen)
    return out


def variables(node: Node) -> frozenset[str]:
    return frozenset(n.name for n in postorder([node]) if isinstance(n, Var))


Value: TypeAlias = int | bool


def evaluate(node: Node, env: Mapping[str, int], memo: dict[int, Value] | None = None) -> Value:
    """Plain-Python value with Python's floor division; ``memo`` may be shared across calls at
    the same point."""
    cache: dict[int, Value] = {} if memo is None else memo
    if node.serial in cache:
        return cache[node.serial]
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        n, expanded = stack.pop()
        if n.serial in cache:
            continue
        if expanded:
            cache[n.serial] = _step(n, env, cache)
            continue
        stack.append((n, True))
        stack.extend((child, False) for child in children(n) if child.serial not in cache)
    return cache[node.serial]


def _step(n: Node, env: Mapping[str, int], memo: Mapping[int, Value]) -> Value:
    if isinstance(n, Lin):
        return n.const + sum(c * int(memo[a.serial]) for a, c in n.parts)
    if isinstance(n, Var):
        return int(env[n.name])
    if isinstance(n, Floor):
        return int(memo[n.num.serial]) // n.den
    if isinstance(n, Extreme):
        values = [int(memo[a.serial]) for a in n.args]
        return max(values) if n.is_max else min(values)
    if isinstance(n, Ite):
        return memo[n.then.serial] if memo[n.cond.serial] else memo[n.other.serial]
    if isinstance(n, Truth):
        return n.value
    if isinstance(n, Cmp):
        v = int(memo[n.lin.serial])
        return v == 0 if n.eq else v >= 0
    if isinstance(n, Not):
        return not memo[n.arg.serial]
    if isinstance(n, Junction):
        truths = (bool(memo[a.serial]) for a in n.args)
        return all(truths) if n.is_and else any(truths)
    if isinstance(n, Product):
        total = n.coeff
        for f in n.factors:
            total *= int(memo[f.serial])
        return total == n.rhs
    raise TypeError(f"unknown node {type(n).__name__}")


def evaluate_many(roots: Iterable[Node], envs: Mapping[str, Sequence[int]], count: int
                  ) -> dict[int, list[Value]]:
    """Every node under ``roots`` at ``count`` points at once (``envs``: each variable's values,
    point by point), by serial: one pass over the DAG instead of one per point."""
    memo: dict[int, list[Value]] = {}
    for n in postorder(roots):
        memo[n.serial] = _step_many(n, envs, memo, count)
    return memo


def _step_many(n: Node, envs: Mapping[str, Sequence[int]], memo: Mapping[int, list[Value]],
               count: int) -> list[Value]:
    if isinstance(n, Lin):
        acc: list[int] = [n.const] * count
        for a, c in n.parts:
            vals = memo[a.serial]
            acc = [x + c * int(v) for x, v in zip(acc, vals, strict=True)]
        return list(acc)
    if isinstance(n, Var):
        return [int(v) for v in envs[n.name]]
    if isinstance(n, Floor):
        return [int(v) // n.den for v in memo[n.num.serial]]
    if isinstance(n, Extreme):
        columns = [memo[a.serial] for a in n.args]
        pick = max if n.is_max else min
        return [pick(int(v) for v in row) for row in zip(*columns, strict=True)]
    if isinstance(n, Ite):
        return [a if c else b for c, a, b in zip(memo[n.cond.serial], memo[n.then.serial],
                                                  memo[n.other.serial], strict=True)]
    if isinstance(n, Truth):
        return [n.value] * count
    if isinstance(n, Cmp):
        vals = memo[n.lin.serial]
        return [v == 0 for v in vals] if n.eq else [int(v) >= 0 for v in vals]
    if isinstance(n, Not):
        return [not v for v in memo[n.arg.serial]]
    if isinstance(n, Junction):
        columns = [memo[a.serial] for a in n.args]
        test = all if n.is_and else any
        return [test(row) for row in zip(*columns, strict=True)]
    if isinstance(n, Product):
        out: list[Value] = []
        for row in zip(*(memo[f.serial] for f in n.factors), strict=True):
            total = n.coeff
            for v in row:
                total *= int(v)
            out.append(total == n.rhs)
        return out
    raise TypeError(f"unknown node {type(n).__name__}")


def value(term: Lin, env: Mapping[str, int], memo: dict[int, Value] | None = None) -> int:
    return int(evaluate(term, env, memo))


def holds(cond: Cond, env: Mapping[str, int], memo: dict[int, Value] | None = None) -> bool:
    return bool(evaluate(cond, env, memo))


def substitute(node: Node, mapping: Mapping[str, Lin]) -> Node:
    """``node`` with each variable named in ``mapping`` replaced (rebuilt through the smart
    constructors, so rewrites apply and are recorded)."""
    built: dict[int, Node] = {}
    for n in postorder([node]):
        built[n.serial] = _rebuild(n, mapping, built)
    return built[node.serial]


def substitute_lin(term: Lin, mapping: Mapping[str, Lin]) -> Lin:
    out = substitute(term, mapping)
    assert isinstance(out, Lin)
    return out


def substitute_cond(cond: Cond, mapping: Mapping[str, Lin]) -> Cond:
    out = substitute(cond, mapping)
    assert isinstance(out, Cond)
    return out


def _rebuild(n: Node, mapping: Mapping[str, Lin], built: Mapping[int, Node]) -> Node:
    def lin_(x: Node) -> Lin:
        out = built[x.serial]
        assert isinstance(out, Lin)
        return out

    def cond_(x: Node) -> Cond:
        out = built[x.serial]
        assert isinstance(out, Cond)
        return out

    if isinstance(n, Var):
        return mapping.get(n.name, _atom_lin(n))
    if isinstance(n, Lin):
        return add(n.const, *(scale(lin_(a), c) for a, c in n.parts))
    if isinstance(n, Floor):
        return floor_div(lin_(n.num), n.den)
    if isinstance(n, Extreme):
        return extreme(n.is_max, [lin_(a) for a in n.args])
    if isinstance(n, Ite):
        return ite(cond_(n.cond), lin_(n.then), lin_(n.other))
    if isinstance(n, Truth):
        return n
    if isinstance(n, Cmp):
        return _cmp(lin_(n.lin), n.eq)
    if isinstance(n, Not):
        return negate(cond_(n.arg))
    if isinstance(n, Junction):
        return junction(n.is_and, [cond_(a) for a in n.args])
    if isinstance(n, Product):
        return product_eq(n.coeff, [lin_(f) for f in n.factors], n.rhs)
    raise TypeError(f"unknown node {type(n).__name__}")


# ---------------------------------------------------------------------------------------------
# Periods: a heuristic for guessing (proofs decide)


def period(node: Node) -> int:
    """A period after which ``node`` repeats (up to a linear drift) in its one variable, read
    off the divisors; at most PERIOD_MAX + 1 (meaning: too large)."""
    info: dict[int, tuple[int, Fraction]] = {}
    for n in postorder([node]):
        info[n.serial] = _quasi(n, info)
    return min(info[node.serial][0], PERIOD_MAX + 1)


def _quasi(n: Node, info: Mapping[int, tuple[int, Fraction]]) -> tuple[int, Fraction]:
    p = 1
    for child in children(n):
        p = min(lcm(p, info[child.serial][0]), PERIOD_MAX + 1)
    if isinstance(n, Var):
        return 1, Fraction(1)
    if isinstance(n, Lin):
        return p, sum((c * info[a.serial][1] for a, c in n.parts), Fraction(0))
    if isinstance(n, Floor):
        q, slope = info[n.num.serial]
        step = slope * q
        k = n.den // gcd(step.numerator, n.den) if step.denominator == 1 else n.den
        return min(q * k, PERIOD_MAX + 1), slope / n.den
    if isinstance(n, Extreme):
        slopes = [info[a.serial][1] for a in n.args]
        return p, max(slopes) if n.is_max else min(slopes)
    if isinstance(n, Ite):
        return p, info[n.then.serial][1]
    return p, Fraction(0)
