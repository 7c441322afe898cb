"""Chapter 4: transposed convolution arithmetic (relations 8–14).

Each transposed relation is derived from its equivalent direct convolution: the (stretched)
transposed input with p′ zeros on each side and a extra at one end, kernel k, unit stride —
whose output is R2 on that effective input. Then the derived size is proved to restore the input
i of the direct convolution the transpose belongs to.
"""

from __future__ import annotations

import sympy as sp

from derivations.steps import Step, conditions, expr, step
from symconv.printing import pretty
from symconv.relations import RELATIONS, placements
from symconv.symbols import a, i, i_prime, i_tilde, k, p, p_prime, s


def _direct(size: sp.Expr, pad: sp.Expr, extra: sp.Expr = 0) -> sp.Expr:
    """Unit-stride direct convolution of kernel k over ``size`` units padded with ``pad`` zeros
    on each side and ``extra`` more at one end (R2 on the effective input)."""
    return expr("R2").subs({i: size + extra, p: pad}, simultaneous=True)


def _transposed_steps(rid: str, stretched: bool, extra: bool, text: str) -> list[Step]:
    rel = RELATIONS[rid]
    size = i_tilde if stretched else i_prime
    pad = rel.equivalent[p_prime]
    zeros = a if extra else sp.Integer(0)
    link = (sp.Eq(i_tilde, i_prime + (s - 1) * (i_prime - 1)),) if stretched else ()
    out = [
        step(rid, "equivalent-direct", text,
             sp.And(sp.Eq(_direct(size, pad, zeros), rel.expr),
                    placements(rel.expr, size + 2 * pad + zeros, k, 1)),
             *link, *conditions(rid), sp.Le(p, k - 1)),
        step(rid, "padding", f"the equivalent padding p′ = {pretty(pad)} is k − p − 1",
             sp.Eq(pad, k - p - 1), *conditions(rid)),
        step(rid, "restores-input",
             f"o′ = {pretty(rel.expr)} gives back the input i of the direct convolution",
             sp.Eq(rel.expr, i), *conditions(rid)),
    ]
    if stretched:
        out.insert(0, step(rid, "stretch",
                           "s − 1 zeros between the i′ units: ĩ′ = i′ + (s − 1)(i′ − 1)",
                           sp.Eq(i_tilde, s * (i_prime - 1) + 1), *link))
    return out


STEPS: list[Step] = [
    *_transposed_steps("R8", False, False,
                       "unit stride, no padding: p′ = k − 1 (full) over i′ gives i′ + (k − 1)"),
    *_transposed_steps("R9", False, False,
                       "unit stride, padding p: p′ = k − p − 1 over i′ gives i′ + (k − 1) − 2p"),
    step("R10", "from-R9", "R9 with k = 2n + 1, p = n: o′ = i′ + 2n − 2n = i′",
         sp.Eq(expr("R9"), expr("R10")), *conditions("R10")),
    *_transposed_steps("R10", False, False,
                       "half padding: the equivalent convolution is half padding itself"),
    step("R11", "from-R9", "R9 with p = k − 1: o′ = i′ + (k − 1) − 2p = i′ − (k − 1)",
         sp.Eq(expr("R9"), expr("R11")), *conditions("R11")),
    *_transposed_steps("R11", False, False,
                       "full padding: the equivalent convolution has no padding"),
    *_transposed_steps("R12", True, False,
                       "stride s: p′ = k − 1 over the stretched ĩ′ gives s(i′ − 1) + k"),
    *_transposed_steps("R13", True, False,
                       "stride s, padding p: p′ = k − p − 1 over ĩ′ gives s(i′ − 1) + k − 2p"),
    step("R13", "from-R9-R12", "R13 at s = 1 is R9; at p = 0 it is R12",
         sp.And(sp.Implies(sp.Eq(s, 1), sp.Eq(expr("R13"), expr("R9"))),
                sp.Implies(sp.Eq(p, 0), sp.Eq(expr("R13"), expr("R12"))))),
    *_transposed_steps("R14", True, True,
                       "a extra zeros at one end: ĩ′ + a + 2p′ gives s(i′ − 1) + a + k − 2p"),
    step("R14", "a-range", "a = (i + 2p − k) mod s lies in 0..s − 1",
         sp.And(sp.Ge(a, 0), sp.Le(a, s - 1)), *conditions("R14")),
    step("R14", "generalises-R13", "when s | (i + 2p − k), a = 0 and R14 is R13",
         sp.Eq(expr("R14"), expr("R13")), *conditions("R14"),
         sp.Eq(sp.Mod(i + 2 * p - k, s), 0)),
]
