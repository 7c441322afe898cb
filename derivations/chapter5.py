"""Chapter 5: dilated convolution (relation 15)."""

from __future__ import annotations

import sympy as sp

from derivations.steps import Step, counts_placements, expr, step
from symconv.symbols import d, k, k_hat

STEPS: list[Step] = [
    step("R15", "dilated-kernel",
         "d − 1 spaces between the k taps: the kernel spans (k − 1)d + 1 = k + (k − 1)(d − 1)",
         sp.Eq((k - 1) * d + 1, k_hat())),
    step("R15", "from-R6", "R6 with the dilated kernel k̂ is R15",
         sp.Eq(expr("R6").subs(k, k_hat()), expr("R15"))),
    step("R15", "undilated", "R15 at d = 1 is R6", sp.Eq(expr("R15"), expr("R6")), sp.Eq(d, 1)),
    counts_placements("R15", k_hat()),
]
