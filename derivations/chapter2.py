"""Chapter 2: convolution arithmetic (relations 1–6)."""

from __future__ import annotations

import sympy as sp

from derivations.steps import Step, conditions, counts_placements, expr, step
from symconv.symbols import i, k, n, p, s

HALF = (sp.Eq(k, 2 * n + 1), sp.Eq(p, sp.floor(k / 2)), sp.Eq(s, 1))

STEPS: list[Step] = [
    counts_placements("R1"),
    step("R2", "effective-input",
         "zero padding p turns the input i into the effective input i + 2p: R1 at i + 2p is R2",
         sp.Eq(expr("R1").subs(i, i + 2 * p), expr("R2")), sp.Eq(s, 1)),
    counts_placements("R2"),
    step("R3", "from-R2", "R2 with p = ⌊k/2⌋: o = i + 2⌊k/2⌋ − (k − 1)",
         sp.Eq(expr("R2"), i + 2 * sp.floor(k / 2) - (k - 1)), *HALF),
    step("R3", "odd-k", "k = 2n + 1: i + 2⌊k/2⌋ − (k − 1) = i + 2n − 2n",
         sp.Eq(i + 2 * sp.floor(k / 2) - (k - 1), i + 2 * n - 2 * n), *HALF),
    step("R3", "result", "i + 2n − 2n = i, so o = i", sp.Eq(expr("R2"), expr("R3")), *HALF),
    counts_placements("R3"),
    step("R4", "from-R2", "R2 with p = k − 1: o = i + 2(k − 1) − (k − 1) = i + (k − 1)",
         sp.And(sp.Eq(expr("R2"), i + 2 * (k - 1) - (k - 1)), sp.Eq(expr("R2"), expr("R4"))),
         *conditions("R4")),
    counts_placements("R4"),
    counts_placements("R5"),
    step("R5", "unit-stride", "R5 at s = 1 is R1", sp.Eq(expr("R5"), expr("R1")),
         sp.Eq(s, 1), sp.Eq(p, 0)),
    step("R6", "effective-input", "R5 on the effective input i + 2p is R6",
         sp.Eq(expr("R5").subs(i, i + 2 * p), expr("R6"))),
    step("R6", "unit-stride", "R6 at s = 1 is R2", sp.Eq(expr("R6"), expr("R2")), sp.Eq(s, 1)),
    counts_placements("R6"),
]
