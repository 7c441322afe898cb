"""The guide's relations as framework-style rules, so frameworks can be compared with them.

Direct convolution and pooling are R15 (R6/R7 at d = 1) with "the window must fit" as the only
refusal; the transposed convolution is R14 with the dilated kernel and its a in 0..s−1. These are
the semantics of the generated core helpers (``symconv/codegen/spec.py``).
"""

from __future__ import annotations

import sympy as sp

from symconv.frameworks.base import K_EFF, Op, Rule, rule
from symconv.symbols import a, d, i, k, p, s

FITS = "window does not fit"

_CONV = sp.floor((i + 2 * p - K_EFF) / s) + 1
_TRANSPOSED = s * (i - 1) + a + K_EFF - 2 * p


def rules() -> list[Rule]:
    fits = sp.Lt(i + 2 * p, K_EFF)
    return [
        rule("guide.conv", Op.CONV, "R15: o = ⌊(i + 2p − k̂)/s⌋ + 1", (i, k, s, p, d), _CONV,
             [(fits, FITS)], "guide §5.1 relation 15 (R6 at d = 1)"),
        rule("guide.conv_transpose", Op.CONV_TRANSPOSE, "R14: o′ = s(i′ − 1) + a + k̂ − 2p",
             (i, k, s, p, d, a), _TRANSPOSED,
             [(sp.Gt(a, s - 1), "a must be in 0..s-1"), (sp.Lt(_TRANSPOSED, 1), "output < 1")],
             "guide §4.6 relation 14, dilated kernel k̂ = d(k − 1) + 1"),
        rule("guide.max_pool", Op.MAX_POOL, "R7 with padding and dilation (R15)",
             (i, k, s, p, d), _CONV, [(fits, FITS)], "guide §3 relation 7, padded as R15"),
        rule("guide.avg_pool", Op.AVG_POOL, "R7 with padding (R6)", (i, k, s, p),
             _CONV.subs(d, 1), [(sp.Lt(i + 2 * p, k), FITS)], "guide §3 relation 7, padded as R6"),
    ]
