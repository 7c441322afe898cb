"""Chapter 3: pooling arithmetic (relation 7)."""

from __future__ import annotations

import sympy as sp

from derivations.steps import Step, counts_placements, expr, step
from symconv.symbols import p

STEPS: list[Step] = [
    step("R7", "from-R5",
         "pooling slides a window like an unpadded kernel: R7 is R5, R6 with p = 0",
         sp.And(sp.Eq(expr("R7"), expr("R5")), sp.Eq(expr("R7"), expr("R6"))), sp.Eq(p, 0)),
    counts_placements("R7"),
]
