"""PyTorch's size expressions (SymPy, with the functions of ``torch.utils._sympy.functions``)
read exactly: evaluated in plain Python and translated to Z3 over the input axes.

Nothing here imports torch: nodes are recognised by their class name, so the module is pure and
tested on hand-built expressions. The semantics follow ``torch/utils/_sympy/functions.py``
(torch 2.13):

- ``FloorDiv(a, b)`` and ``CleanDiv``: Python's ``a // b`` (towards −∞);
- ``Mod(a, b)``, ``PythonMod(a, b)`` and SymPy's ``Mod``: Python's ``a % b`` (the sign of b);
  ``ModularIndexing(a, b, c)`` is ``(a // b) % c``;
- ``CeilToInt``/``FloorToInt``/``TruncToInt`` of ``IntTrueDiv(a, b)`` (``math.ceil(a / b)`` in
  the model's Python): ``a / b`` is a double. Rounded to an integer it equals the exact
  ceil/floor/trunc of the rational a/b whenever |a| < 2**53 (a quotient that is not an integer
  lies at least 1/|b| from one, more than half an ulp of it), so it is read exactly with that
  side condition (:attr:`Z3Reader.exact`), never without;
- the same roundings of ``c * ToFloat(a)`` (``floor(size * scale_factor)`` in
  ``F.interpolate``): the double c is exactly p/q with q a power of two, ``ToFloat(a)`` is
  exact while |a| < 2**53 (the side condition), and the product is a·p rounded to 53
  significant bits, ties to even, over q — IEEE-754's multiplication, modelled exactly (in
  Python by Python's own doubles): 3 · (1/3) is 1.0, not the 0.99… of the rationals;
- ``Max``/``Min``/``Where``; relations and ``And``/``Or``/``Not``.

Anything else (``FloatTrueDiv`` of a float scale, ``FloatPow``, a float sum) is refused with
:class:`Unreadable`, an honest refusal rather than a guess.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, TypeAlias

import z3

Value: TypeAlias = "int | Fraction | bool"
Eval: TypeAlias = Callable[[Mapping[str, int]], Any]

EXACT_LIMIT = 2**53  # |numerator| below this: a double quotient rounds to the exact integer part


class Unreadable(ValueError):
    """A size expression outside what is read exactly (a float size, an unknown function)."""


def _name(node: Any) -> str:
    return type(node).__name__


_REL = {"Equality": "eq", "Unequality": "ne", "StrictLessThan": "lt", "LessThan": "le",
        "StrictGreaterThan": "gt", "GreaterThan": "ge"}


def compile_python(expr: Any, names: Mapping[str, str]) -> Eval:
    """A plain-Python evaluator of ``expr`` at a point ``{axis: size}`` (exact integers and
    fractions; Python's ``//`` and ``%``)."""
    fn = _py(expr, names, {})
    return fn


def _py(e: Any, names: Mapping[str, str], memo: dict[Any, Eval]) -> Eval:
    got = memo.get(e)
    if got is not None:
        return got
    fn = _py_node(e, names, memo)
    memo[e] = fn
    return fn


def _py_node(e: Any, names: Mapping[str, str], memo: dict[Any, Eval]) -> Eval:
    kind = _name(e)
    if kind in ("CeilToInt", "FloorToInt", "TruncToInt", "floor", "ceiling"):
        inner = _py_quotient(e.args[0], names, memo)
        rnd = {"CeilToInt": _ceil, "ceiling": _ceil, "FloorToInt": _floor, "floor": _floor,
               "TruncToInt": _trunc}[kind]
        return lambda p: rnd(inner(p))
    args = [_py(a, names, memo) for a in getattr(e, "args", ())]
    if getattr(e, "is_Symbol", False):
        axis = names.get(e.name)
        if axis is None:
            raise Unreadable(f"unknown size symbol {e.name}")
        return lambda p: p[axis]
    if e is True or kind == "BooleanTrue":
        return lambda p: True
    if e is False or kind == "BooleanFalse":
        return lambda p: False
    if getattr(e, "is_Integer", False):
        v = int(e)
        return lambda p: v
    if getattr(e, "is_Rational", False):
        q = Fraction(int(e.p), int(e.q))
        return lambda p: q
    if kind == "Add":
        return lambda p: sum((a(p) for a in args), 0)
    if kind == "Mul":
        return lambda p: math.prod(a(p) for a in args)
    if kind == "Pow":
        exp = e.args[1]
        if not getattr(exp, "is_Integer", False):
            raise Unreadable(f"a power with a non-integer exponent: {e}")
        k = int(exp)
        base = args[0]
        return lambda p: Fraction(base(p)) ** k if k < 0 else base(p) ** k
    if kind in ("FloorDiv", "CleanDiv"):
        a, b = args
        return lambda p: _floor_div(a(p), b(p))
    if kind in ("Mod", "PythonMod"):
        a, b = args
        return lambda p: a(p) % b(p)
    if kind == "ModularIndexing":
        a, b, c = args
        return lambda p: (a(p) // b(p)) % c(p)
    if kind in ("IntTrueDiv",):
        raise Unreadable(f"a float quotient used as a value: {e}")
    if kind in ("Max", "Min"):
        pick = max if kind == "Max" else min
        return lambda p: pick(a(p) for a in args)
    if kind == "Abs":
        return lambda p: abs(args[0](p))
    if kind == "Where":
        c, x, y = args
        return lambda p: x(p) if c(p) else y(p)
    if kind in _REL:
        a, b = args
        op = _REL[kind]
        return lambda p: _compare(op, a(p), b(p))
    if kind == "And":
        return lambda p: all(a(p) for a in args)
    if kind == "Or":
        return lambda p: any(a(p) for a in args)
    if kind == "Not":
        return lambda p: not args[0](p)
    raise Unreadable(f"cannot read {kind}: {e}")


def _py_quotient(e: Any, names: Mapping[str, str], memo: dict[Any, Eval]) -> Eval:
    if _name(e) == "IntTrueDiv":
        a, b = (_py(x, names, memo) for x in e.args)
        return lambda p: Fraction(a(p)) / b(p)
    product = scaled(e)
    if product is not None:
        factor, size = product
        a = _py(size, names, memo)
        c = float(factor)
        # PyTorch's own arithmetic: the size made a double, times the double scale, rounded
        # to the nearest double (Python's floats are those doubles)
        return lambda p: float(a(p)) * c
    return _py(e, names, memo)


def scaled(e: Any) -> tuple[Fraction, Any] | None:
    """``c * ToFloat(a)``: the double c (exactly, as a fraction) and the integer expression a."""
    if _name(e) != "Mul" or len(e.args) != 2:
        return None
    floats = [x for x in e.args if _name(x) == "Float"]
    sizes = [x for x in e.args if _name(x) == "ToFloat"]
    if len(floats) != 1 or len(sizes) != 1:
        return None
    return Fraction(float(floats[0])), sizes[0].args[0]


def _nearest_double(n: z3.ArithRef, p: int, ctx: z3.Context) -> z3.ArithRef:
    """``n · p`` rounded to 53 significant bits, ties to even: the double nearest to it, as
    IEEE-754 multiplication rounds ``size · p`` (a scale c = p / 2**e is that product scaled
    by a power of two, which is exact). With |n| < 2**53 and p = odd · 2**t, at most
    bitlen(odd) bits are dropped: a chain over those binades, each a division by a constant
    (none for a power-of-two scale, whose product is exact)."""
    t = (p & -p).bit_length() - 1 if p else 0
    odd = p >> t

    def rounded(m: z3.ArithRef) -> z3.ArithRef:  # m ≥ 0
        out: z3.ArithRef = m
        for k in range(odd.bit_length(), 0, -1):
            unit, half = 1 << k, 1 << (k - 1)
            q, r = m / unit, m % unit  # Z3's Euclidean division: floor for m ≥ 0
            up = z3.Or(r > half, z3.And(r == half, q % 2 == 1))
            out = z3.If(m < (1 << (53 + k)), z3.If(up, q + 1, q) * unit, out, ctx)
        return z3.If(m < (1 << 53), m, out, ctx)

    m = n * odd
    exact = m if odd == 1 else z3.If(m >= 0, rounded(m), -rounded(-m), ctx)
    return exact * (1 << t)


def _floor_div(a: Fraction | int, b: Fraction | int) -> int:
    if type(a) is int and type(b) is int:  # the common case, exact without a Fraction
        return a // b
    return math.floor(Fraction(a) / b)


def _floor(x: Fraction | int) -> int:
    return math.floor(x)


def _ceil(x: Fraction | int) -> int:
    return math.ceil(x)


def _trunc(x: Fraction | int) -> int:
    return math.trunc(x)


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    if op == "lt":
        return bool(a < b)
    if op == "le":
        return bool(a <= b)
    if op == "gt":
        return bool(a > b)
    return bool(a >= b)


# ---------------------------------------------------------------------------------------------
# Z3


class Z3Reader:
    """Translate size expressions into Z3 over one integer variable per axis. Z3's ``div`` and
    ``mod`` are Euclidean, equal to Python's ``//`` and ``%`` only for a positive divisor: a
    negative divisor is turned positive first, and a size-dependent one is read only where it
    is not zero (:attr:`defined`)."""

    def __init__(self, names: Mapping[str, str], ctx: z3.Context | None = None) -> None:
        self.ctx = ctx or z3.Context()
        self.names = dict(names)
        self.vars: dict[str, z3.ArithRef] = {}
        self.exact: list[z3.BoolRef] = []  # |numerator| < 2**53 for float quotients
        self.defined: list[z3.BoolRef] = []  # size-dependent divisors are not zero
        self._memo: dict[Any, z3.ExprRef] = {}

    def var(self, axis: str) -> z3.ArithRef:
        v = self.vars.get(axis)
        if v is None:
            v = self.vars[axis] = z3.Int(axis, self.ctx)
        return v

    def int_(self, e: Any) -> z3.ArithRef:
        out = self.read(e)
        if not isinstance(out, z3.ArithRef):
            raise Unreadable(f"expected an integer expression: {e}")
        return out

    def bool_(self, e: Any) -> z3.BoolRef:
        out = self.read(e)
        if not isinstance(out, z3.BoolRef):
            raise Unreadable(f"expected a condition: {e}")
        return out

    def read(self, e: Any) -> z3.ExprRef:
        got = self._memo.get(e)
        if got is None:
            got = self._memo[e] = self._node(e)
        return got

    def _int(self, n: int) -> z3.ArithRef:
        return z3.IntVal(n, self.ctx)

    def _floor_div(self, a: z3.ArithRef, b: z3.ArithRef) -> z3.ArithRef:
        if z3.is_int_value(b):
            d = b.as_long()
            if d == 0:
                raise Unreadable(f"a division by zero: {a} // 0")
            # Z3's div is Euclidean: it floors only for a positive divisor; a // -d == (-a) // d
            return a / d if d > 0 else (-a) / (-d)
        # a size-dependent divisor ((H//4)*(W//4) tokens): floor for either sign, read only
        # where it is not zero (Z3 leaves a division by zero unspecified)
        self.defined.append(b != 0)
        return z3.If(b > 0, a / b, (-a) / (-b))

    def _node(self, e: Any) -> z3.ExprRef:
        kind = _name(e)
        if getattr(e, "is_Symbol", False):
            axis = self.names.get(e.name)
            if axis is None:
                raise Unreadable(f"unknown size symbol {e.name}")
            return self.var(axis)
        if e is True or kind == "BooleanTrue":
            return z3.BoolVal(True, self.ctx)
        if e is False or kind == "BooleanFalse":
            return z3.BoolVal(False, self.ctx)
        if getattr(e, "is_Integer", False):
            return self._int(int(e))
        if getattr(e, "is_Rational", False):
            raise Unreadable(f"a fraction used as a size: {e}")
        if kind == "Add":
            terms = [self.int_(a) for a in e.args]
            return z3.Sum(terms)
        if kind == "Mul":
            factors = list(e.args)
            num = [f for f in factors if not (getattr(f, "is_Rational", False)
                                              and not getattr(f, "is_Integer", False))]
            if len(num) != len(factors):
                raise Unreadable(f"a fraction in a size: {e}")
            return z3.Product([self.int_(a) for a in factors])
        if kind == "Pow":
            exp = e.args[1]
            if not getattr(exp, "is_Integer", False) or int(exp) < 0 or int(exp) > 16:
                raise Unreadable(f"a power outside 0..16: {e}")
            base = self.int_(e.args[0])
            return z3.Product([base] * int(exp)) if int(exp) else self._int(1)
        if kind in ("FloorDiv", "CleanDiv"):
            return self._floor_div(self.int_(e.args[0]), self.int_(e.args[1]))
        if kind in ("Mod", "PythonMod"):
            a, b = self.int_(e.args[0]), self.int_(e.args[1])
            return a - b * self._floor_div(a, b)
        if kind == "ModularIndexing":
            a, b, c = (self.int_(x) for x in e.args)
            q = self._floor_div(a, b)
            return q - c * self._floor_div(q, c)
        if kind in ("CeilToInt", "FloorToInt", "TruncToInt", "floor", "ceiling"):
            inner = e.args[0]
            product = scaled(inner)
            if _name(inner) == "IntTrueDiv":
                a, b = self.int_(inner.args[0]), self.int_(inner.args[1])
            elif product is not None:
                factor, size = product
                n = self.int_(size)
                # ToFloat(size) is exact below 2**53; the product is then rounded to a double
                self.exact.append(z3.And(n < EXACT_LIMIT, n > -EXACT_LIMIT))
                a = _nearest_double(n, factor.numerator, self.ctx)
                b = self._int(factor.denominator)
            elif kind in ("floor", "ceiling") and _name(inner) in ("Mul", "Add"):
                num, den = _fraction(inner)
                a, b = self.int_(num), self.int_(den)
            else:
                raise Unreadable(f"cannot read {kind} of {inner}")
            if _name(inner) == "IntTrueDiv":
                # a double rounded: exact while its numerator is below 2**53
                self.exact.append(z3.And(a < EXACT_LIMIT, a > -EXACT_LIMIT))
            if kind in ("CeilToInt", "ceiling"):
                return -self._floor_div(-a, b)
            if kind in ("FloorToInt", "floor"):
                return self._floor_div(a, b)
            fl = self._floor_div(a, b)
            cl = -self._floor_div(-a, b)
            return z3.If(z3.Or(z3.And(a >= 0, b > 0), z3.And(a <= 0, b < 0)), fl, cl)
        if kind in ("Max", "Min"):
            vals = [self.int_(a) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = z3.If(v > out, v, out) if kind == "Max" else z3.If(v < out, v, out)
            return out
        if kind == "Abs":
            v = self.int_(e.args[0])
            return z3.If(v >= 0, v, -v)
        if kind == "Where":
            c, x, y = e.args
            return z3.If(self.bool_(c), self.int_(x), self.int_(y))
        if kind in _REL:
            a, b = self.int_(e.args[0]), self.int_(e.args[1])
            op = _REL[kind]
            return {"eq": a == b, "ne": a != b, "lt": a < b, "le": a <= b, "gt": a > b,
                    "ge": a >= b}[op]
        if kind in ("And", "Or"):
            parts = [self.bool_(a) for a in e.args]
            return z3.And(parts) if kind == "And" else z3.Or(parts)
        if kind == "Not":
            return z3.Not(self.bool_(e.args[0]))
        raise Unreadable(f"cannot read {kind}: {e}")


def _fraction(e: Any) -> tuple[Any, Any]:
    import sympy as sp

    num, den = sp.fraction(sp.together(e))
    return num, den


def period(e: Any) -> int:
    """A period of ``e`` in every symbol beyond its linear part: a floor or a modulus by d of
    something of period q has period d·q (a multiple of the least; sums, extremes and relations
    take the lcm of their arguments')."""
    kind = _name(e)
    args = list(getattr(e, "args", ()))
    if kind in ("FloorDiv", "CleanDiv", "Mod", "PythonMod") and len(args) == 2:
        d = abs(int(args[1])) if getattr(args[1], "is_Integer", False) else 1
        return max(d, 1) * period(args[0])
    if kind == "ModularIndexing":
        b, c = (abs(int(x)) if getattr(x, "is_Integer", False) else 1 for x in args[1:])
        return max(b, 1) * max(c, 1) * period(args[0])
    if (kind in ("CeilToInt", "FloorToInt", "TruncToInt") and args
            and _name(args[0]) == "IntTrueDiv"):
        num, den = args[0].args
        d = abs(int(den)) if getattr(den, "is_Integer", False) else 1
        return max(d, 1) * period(num)
    out = 1
    for x in args:
        out = math.lcm(out, period(x))
    return out
