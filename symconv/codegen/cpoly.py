"""Canonical polynomials over opaque atoms, the value representation of the C model.

A polynomial is a sorted tuple of ``(monomial, coefficient)`` pairs; a monomial is the sorted
tuple of its atoms' keys (repeated for powers), ``()`` for the constant term. Two quantities that
are equal as polynomials are then literally the same value, whatever order the C text or the
spec built them in (polynomial identities hold in every commutative ring, so this is exact).

Pure: no Z3 here. The atoms' meaning, and the ring (integers, or integers mod ``2**W`` for
bit-vectors), belong to :mod:`symconv.codegen.csem`.
"""

from __future__ import annotations

from collections.abc import Iterable

Key = int  # an atom: the id of its Z3 term (symconv.codegen.csem)
Monomial = tuple[Key, ...]
Poly = tuple[tuple[Monomial, int], ...]  # sorted (monomial of atom keys, coefficient)

ZERO: Poly = ()


def const(value: int) -> Poly:
    return (((), value),) if value else ()


def atom(key: Key) -> Poly:
    return (((key,), 1),)


def is_const(p: Poly) -> bool:
    return all(not m for m, _ in p)


def const_value(p: Poly) -> int:
    """The value of a constant polynomial (0 for the empty one)."""
    return sum(c for _, c in p)


def normalize(terms: Iterable[tuple[Monomial, int]], modulus: int | None) -> Poly:
    """Collect like monomials and drop zero coefficients (zero mod ``modulus`` if given)."""
    acc: dict[Monomial, int] = {}
    for mono, coeff in terms:
        acc[mono] = acc.get(mono, 0) + coeff
    kept = [(m, c) for m, c in acc.items() if (c % modulus if modulus else c)]
    return tuple(sorted(kept, key=_order))


def _order(term: tuple[Monomial, int]) -> tuple[int, Monomial]:
    return len(term[0]), term[0]


def add(x: Poly, y: Poly, modulus: int | None) -> Poly:
    return normalize([*x, *y], modulus)


def neg(x: Poly) -> Poly:
    return tuple((m, -c) for m, c in x)


def sub(x: Poly, y: Poly, modulus: int | None) -> Poly:
    return add(x, neg(y), modulus)


def mul(x: Poly, y: Poly, modulus: int | None) -> Poly:
    return normalize(((_merge(mx, my), cx * cy) for mx, cx in x for my, cy in y), modulus)


def _merge(mx: Monomial, my: Monomial) -> Monomial:
    return tuple(sorted(mx + my))
