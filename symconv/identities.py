"""The relations' first-principles meanings and the identities of the design, as claims.

R15 (with the dilated kernel k̂ = k + (k − 1)(d − 1)) is the general direct relation: at d = 1
it is R6, so every identity stated with k̂ holds for the guide's undilated relations too.
"""

from __future__ import annotations

import sympy as sp

from symconv.prover import Claim
from symconv.relations import RELATIONS, meaning, nd, placements
from symconv.symbols import a, d, domains_for, i, i_prime, k, k_hat, o, p, s
from symconv.theorems import Theorem, from_claim

KH = k_hat()


def conv_out(size: sp.Expr = i) -> sp.Expr:
    """R15 at input ``size``."""
    return sp.floor((size + 2 * p - KH) / s) + 1


def transposed_out(size: sp.Expr, extra: sp.Expr) -> sp.Expr:
    """R14 with dilation: s(i′ − 1) + a + k̂ − 2p."""
    return s * (size - 1) + extra + KH - 2 * p


def _claim(goal: sp.Basic, *hyps: sp.Basic, text: str) -> Claim:
    free: set[sp.Symbol] = set(goal.free_symbols)
    for h in hyps:
        free |= h.free_symbols
    return Claim(goal, (*domains_for(free), *hyps), text)


def _i2() -> sp.Symbol:
    return sp.Symbol("j", integer=True)


def identity_claims() -> dict[str, Claim]:
    fits = sp.Ge(i + 2 * p, KH)
    odd = sp.Eq(sp.Mod(k, 2), 1)
    half = sp.Eq(p, sp.floor(k / 2))
    base = sp.Eq(sp.Mod(i + 2 * p - KH, s), 0)
    j = _i2()
    return {
        "placements-unique": _claim(
            sp.Eq(o, conv_out()),
            placements(o, i + 2 * p, KH, s),
            text="any o with (o−1)s + k̂ ≤ i+2p < o·s + k̂ equals ⌊(i+2p−k̂)/s⌋ + 1: "
            "R15 is the number of kernel placements",
        ),
        "restore": _claim(
            sp.Eq(transposed_out(conv_out(), sp.Mod(i + 2 * p - KH, s)), i),
            text="transposed conv of o = R15(i) with a = (i+2p−k̂) mod s gives back i: "
            "s(o−1) + a + k̂ − 2p = i",
        ),
        "restore-a-range": _claim(
            sp.And(sp.Ge(sp.Mod(i + 2 * p - KH, s), 0), sp.Le(sp.Mod(i + 2 * p - KH, s), s - 1)),
            text="the restoring a = (i+2p−k̂) mod s lies in 0..s−1",
        ),
        "half-padding": _claim(
            sp.Eq(conv_out().subs(d, 1), i),
            odd, half, sp.Eq(s, 1),
            text="odd k, s = 1, p = ⌊k/2⌋ ⇒ o = ⌊(i+2p−k)/s⌋ + 1 = i (R3)",
        ),
        "half-padding-dilated": _claim(
            sp.Eq(conv_out(), i),
            sp.Eq(sp.Mod(KH, 2), 1), sp.Eq(p, sp.floor(KH / 2)), sp.Eq(s, 1),
            text="odd k̂, s = 1, p = ⌊k̂/2⌋ ⇒ R15 gives o = i",
        ),
        "half-padding-transposed": _claim(
            sp.Eq(RELATIONS["R9"].expr, i_prime),
            odd, half,
            text="odd k, p = ⌊k/2⌋ ⇒ o′ = i′ + (k−1) − 2p = i′ (R10)",
        ),
        "ambiguity-share": _claim(
            sp.Eq(conv_out(i + a), conv_out()),
            sp.Ge(s, 2), base, fits,
            text="s > 1, s | (i+2p−k̂), 0 ≤ a ≤ s−1 ⇒ inputs i and i+a share one output",
        ),
        "ambiguity-next": _claim(
            sp.Eq(conv_out(i + s), conv_out() + 1),
            sp.Ge(s, 2), base, fits,
            text="s > 1, s | (i+2p−k̂) ⇒ input i+s gives one more output",
        ),
        "ambiguity-range": _claim(
            sp.And(sp.Le(i, j), sp.Le(j, i + s - 1)),
            sp.Ge(s, 2), base, fits, sp.Eq(conv_out(j), conv_out()),
            text="s > 1, s | (i+2p−k̂) ⇒ the inputs j with the output of i are exactly "
            "i..i+s−1",
        ),
        "ambiguity-recover": _claim(
            sp.Eq(sp.Mod(i + a + 2 * p - KH, s), a),
            sp.Ge(s, 2), base,
            text="s > 1, s | (i+2p−k̂), 0 ≤ a ≤ s−1 ⇒ (i+a+2p−k̂) mod s = a recovers a",
        ),
        "ambiguity-bijection": _claim(
            sp.Eq(i, j),
            sp.Ge(j, 1), fits, sp.Ge(j + 2 * p, KH),
            sp.Eq(conv_out(j), conv_out()),
            sp.Eq(sp.Mod(j + 2 * p - KH, s), sp.Mod(i + 2 * p - KH, s)),
            text="i ↦ (o, a) = (R15(i), (i+2p−k̂) mod s) is injective: a bijection onto its "
            "image",
        ),
    }


def theorems() -> list[Theorem]:
    out = [from_claim(r.id, "relation", meaning(r)) for r in RELATIONS.values()]
    out += [from_claim(name, "identity", c) for name, c in identity_claims().items()]
    out.append(from_claim("nd-R15", "identity", nd(RELATIONS["R15"], 3).meaning()))
    return out
