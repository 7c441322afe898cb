"""The generated per-axis shape functions, as data: what each one must compute and accept.

Every target (Python, C) renders these specs, and translation validation proves the emitted code
equal to ``results`` on exactly the inputs satisfying every ``Check`` — for all integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symconv.symbols import a, d, i, k, k_hat, o, p, s

KH = k_hat()


@dataclass(frozen=True, slots=True)
class Check:
    """A validity condition and the ValueError message when it fails (names the parameter)."""

    condition: sp.Basic
    message: str  # may use {name} placeholders for the parameter values


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    symbol: sp.Symbol
    default: int | None
    check: Check


@dataclass(frozen=True, slots=True)
class ShapeFunction:
    name: str
    relation: str
    summary: str
    params: tuple[Param, ...]
    requires: tuple[Check, ...]  # checked after every parameter check, in order
    results: tuple[sp.Expr, ...]  # one value, or several (a tuple / several out pointers)
    result_names: tuple[str, ...]
    formula: str  # the docstring formula, plain text

    @property
    def domain(self) -> sp.Basic:
        return sp.And(
            *(p_.check.condition for p_ in self.params), *(c.condition for c in self.requires)
        )


def _param(name: str, sym: sp.Symbol, default: int | None, cond: sp.Basic, text: str) -> Param:
    return Param(name, sym, default, Check(cond, f"{name} must be {text}, got {{{name}}}"))


def _i(sym: sp.Symbol = i) -> Param:
    return _param(sym.name, sym, None, sp.Ge(sym, 1), ">= 1")


K = _param("k", k, None, sp.Ge(k, 1), ">= 1")
S1 = _param("s", s, 1, sp.Ge(s, 1), ">= 1")
S = _param("s", s, None, sp.Ge(s, 1), ">= 1")
P = _param("p", p, 0, sp.Ge(p, 0), ">= 0")
D = _param("d", d, 1, sp.Ge(d, 1), ">= 1")
A = _param("a", a, 0, sp.And(sp.Ge(a, 0), sp.Le(a, s - 1)), "in 0..s-1 (s={s})")

CONV_OUT = sp.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1
FITS = Check(
    sp.Ge(i + 2 * p, d * (k - 1) + 1),
    "window does not fit: i + 2p = {i_2p} < d(k-1)+1 = {k_eff} (output would be < 1)",
)
TRANSPOSED_OUT = s * (i - 1) + a + d * (k - 1) + 1 - 2 * p
SAME_TOTAL = sp.Max(0, (sp.ceiling(i / s) - 1) * s + d * (k - 1) + 1 - i)
RANGE_LO = (o - 1) * s + d * (k - 1) + 1 - 2 * p

FUNCTIONS: tuple[ShapeFunction, ...] = (
    ShapeFunction(
        "conv_output_size", "R15", "Output size of a convolution along one axis.",
        (_i(), K, S1, P, D), (FITS,), (CONV_OUT,), ("o",),
        "(i + 2p - d(k-1) - 1) // s + 1",
    ),
    ShapeFunction(
        "transposed_conv_output_size", "R14",
        "Output size of a transposed convolution along one axis.",
        (_i(), K, S1, P, D, A),
        (Check(sp.Ge(TRANSPOSED_OUT, 1),
               "output would be < 1: s(i-1) + a + d(k-1) + 1 - 2p = {out}"),),
        (TRANSPOSED_OUT,), ("o",),
        "s(i - 1) + a + d(k - 1) + 1 - 2p",
    ),
    ShapeFunction(
        "transposed_conv_a", "R14", "The a that makes the transpose of this convolution restore i.",
        (_i(), K, S1, P, D), (FITS,), (sp.Mod(i + 2 * p - d * (k - 1) - 1, s),), ("a",),
        "(i + 2p - d(k-1) - 1) % s",
    ),
    ShapeFunction(
        "pool_output_size", "R7", "Output size of a pooling window along one axis (floor mode).",
        (_i(), K, S, P, D), (FITS,), (CONV_OUT,), ("o",),
        "(i + 2p - d(k-1) - 1) // s + 1",
    ),
    ShapeFunction(
        "same_padding", "R15",
        "(before, after) zero padding that makes the output ceil(i/s), extra element at the end.",
        (_i(), K, S1, D), (),
        (sp.floor(SAME_TOTAL / 2), SAME_TOTAL - sp.floor(SAME_TOTAL / 2)), ("before", "after"),
        "total = max(0, (ceil(i/s) - 1)s + d(k-1) + 1 - i); "
        "before = total // 2; after = total - before",
    ),
    ShapeFunction(
        "input_size_range", "R15",
        "Every input size whose output is o (the ambiguity range), as range(lo, hi + 1).",
        (_i(o), K, S1, P, D), (),
        (sp.Max(1, RANGE_LO), RANGE_LO + s - 1), ("lo", "hi"),
        "lo = max(1, (o-1)s + d(k-1) + 1 - 2p); "
        "hi = (o-1)s + d(k-1) + 1 - 2p + s - 1 (empty when hi < lo)",
    ),
)

BY_NAME = {f.name: f for f in FUNCTIONS}
