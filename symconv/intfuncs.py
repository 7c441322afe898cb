"""Python's integer ``//`` and ``%`` as SymPy functions that stay unevaluated.

``sp.floor(i / i)`` is simplified to 1 while it is built, and ``sp.Mod(k, k)`` to 0, which
drops a divisor that can be zero (and with it the obligation that it is not). These never
evaluate themselves: :func:`floordiv` and :func:`floormod` fold two integer constants.
"""

from __future__ import annotations

import sympy as sp


class FloorDiv(sp.Function):  # type: ignore[misc]
    """``x // y``, rounding toward −∞."""

    nargs = 2

    def _eval_is_integer(self) -> bool:
        return True


class FloorMod(sp.Function):  # type: ignore[misc]
    """``x % y``, with the sign of ``y``."""

    nargs = 2

    def _eval_is_integer(self) -> bool:
        return True


def floordiv(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    if x.is_Integer and y.is_Integer and y != 0:
        return sp.Integer(int(x) // int(y))
    return FloorDiv(x, y)


def floormod(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    if x.is_Integer and y.is_Integer and y != 0:
        return sp.Integer(int(x) % int(y))
    return FloorMod(x, y)
