"""JAX per-axis shape rules, checked against real JAX by ``tests/test_frameworks_jax.py``.

Sources (jax-ml/jax):
- ``jax/_src/lax/lax.py`` ``padtype_to_pads``: out = ceil(i/s) (``_ceil_divide``),
  pad = max(0, (out − 1)s + k̂ − i);
  SAME = (pad // 2, pad − pad // 2), SAME_LOWER the reverse. String pads are computed on the
  rhs-dilated kernel.
- ``jax/_src/core.py`` ``stride_dim``: max((size − window) // stride + 1, 0) — floor, then
  clamped to 0; ``conv_general_dilated`` never refuses a too-small input.
- ``jax/_src/lax/convolution.py`` ``conv_transpose`` / ``_conv_transpose_padding(k̂, s, …)``:
  SAME pads k̂ + s − 2 in total, VALID k̂ + s − 2 + max(k̂ − s, 0), over the lhs-dilated input.
"""

from __future__ import annotations

import sympy as sp

from symconv.frameworks.base import K_EFF, Op, Rule, ceil_div, p_begin, p_end, rule
from symconv.symbols import d, i, k, s


def stride_dim(size: sp.Expr, window: sp.Expr) -> sp.Expr:
    return sp.Max(sp.floor((size - window) / s) + 1, 0)


def pads(lower: bool) -> dict[str, sp.Expr]:
    total = sp.Max(0, (ceil_div(i, s) - 1) * s + K_EFF - i)
    small, large = sp.floor(total / 2), total - sp.floor(total / 2)
    return {"p_begin": large if lower else small, "p_end": small if lower else large}


def _transposed(pad_total: sp.Expr) -> sp.Expr:
    # stride_dim over the lhs-dilated input (i − 1)s + 1 padded by pad_total, window k̂, stride 1
    return (i - 1) * s + 1 + pad_total - K_EFF + 1


def rules() -> list[Rule]:
    src = "lax.py padtype_to_pads; core.py stride_dim"
    return [
        rule("jax.conv", Op.CONV, "conv_general_dilated padding=[(lo, hi)]",
             (i, k, s, p_begin, p_end, d), stride_dim(i + p_begin + p_end, K_EFF), [],
             "convolution.py conv_general_dilated; core.py stride_dim"),
        rule("jax.conv.valid", Op.CONV, "conv_general_dilated padding='VALID'", (i, k, s, d),
             stride_dim(i, K_EFF), [], src, padding="VALID", extras={"p_begin": sp.Integer(0),
                                                                      "p_end": sp.Integer(0)}),
        rule("jax.conv.same", Op.CONV, "conv_general_dilated padding='SAME'", (i, k, s, d),
             ceil_div(i, s), [], src, padding="SAME", extras=pads(lower=False)),
        rule("jax.conv.same_lower", Op.CONV, "conv_general_dilated padding='SAME_LOWER'",
             (i, k, s, d), ceil_div(i, s), [], src, padding="SAME_LOWER",
             extras=pads(lower=True)),
        rule("jax.conv_transpose.same", Op.CONV_TRANSPOSE, "conv_transpose padding='SAME'",
             (i, k, s, d), _transposed(K_EFF + s - 2), [],
             "convolution.py _conv_transpose_padding: pad_len = k̂ + s − 2", padding="SAME"),
        rule("jax.conv_transpose.valid", Op.CONV_TRANSPOSE, "conv_transpose padding='VALID'",
             (i, k, s, d), _transposed(K_EFF + s - 2 + sp.Max(K_EFF - s, 0)), [],
             "convolution.py _conv_transpose_padding: pad_len = k̂ + s − 2 + max(k̂ − s, 0)",
             padding="VALID"),
    ]
