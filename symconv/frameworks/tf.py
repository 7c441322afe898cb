"""TensorFlow / Keras per-axis shape rules (TF is optional in the tests: these cite sources).

Sources:
- conv and pooling: tensorflow/tensorflow ``tensorflow/core/framework/kernel_shape_util.cc``
  ``GetWindowedOutputSizeVerboseV2`` (C++ ``/`` truncates; "Computed output size would be
  negative"); SAME puts the odd element of the total padding at the end (after).
- transposed conv: keras-team/tf-keras ``tf_keras/utils/conv_utils.py`` ``deconv_output_length``
  (filter size dilated first); the layer refuses ``output_padding >= strides`` ("Strides must be
  greater than output padding", ``Conv2DTranspose.__init__``) and strides > 1 with dilation > 1
  ("`strides > 1` not supported in conjunction with `dilation_rate > 1`", Keras conv base).
Pools have no dilation and ignore padded values; their shapes follow the same function.
"""

from __future__ import annotations

import sympy as sp

from symconv.frameworks.base import K_EFF, Op, Rule, p_begin, p_end, rule, trunc_div
from symconv.symbols import a, d, i, k, s

NEGATIVE = "Computed output size would be negative"
OUTPUT_PADDING = "Strides must be greater than output padding"
DILATED_STRIDE = "`strides > 1` not supported in conjunction with `dilation_rate > 1`"


def _windowed(pad_total: sp.Expr, kernel: sp.Expr) -> sp.Expr:
    return trunc_div(i + pad_total - kernel + s, s)


def same_output() -> sp.Expr:
    return sp.floor((i + s - 1) / s)  # (input_size + stride - 1) / stride, never negative


def same_pads(kernel: sp.Expr) -> dict[str, sp.Expr]:
    out = same_output()
    total = sp.Max(0, (out - 1) * s + kernel - i)
    return {"p_begin": sp.floor(total / 2), "p_end": total - sp.floor(total / 2)}


def rules() -> list[Rule]:
    out: list[Rule] = []
    src = "kernel_shape_util.cc GetWindowedOutputSizeVerboseV2"
    for op, kernel, params in (
        (Op.CONV, K_EFF, (i, k, s, d)),
        (Op.MAX_POOL, k, (i, k, s)),
        (Op.AVG_POOL, k, (i, k, s)),
    ):
        name = f"tf.{op.value}"
        valid = _windowed(0, kernel)
        explicit = _windowed(p_begin + p_end, kernel)
        out += [
            rule(f"{name}.valid", op, f"{op.value} padding='VALID'", params, valid,
                 [(sp.Lt(valid, 0), NEGATIVE)], f"{src}: (i − k̂ + s) / s", padding="VALID"),
            rule(f"{name}.same", op, f"{op.value} padding='SAME'", params, same_output(),
                 [], f"{src}: (i + s − 1) / s; padding_needed split before/after",
                 padding="SAME", extras=same_pads(kernel)),
        ]
        if op is Op.CONV:
            out.append(rule(
                f"{name}.explicit", op, "conv padding=[[p_begin, p_end]]",
                (*params, p_begin, p_end), explicit, [(sp.Lt(explicit, 0), NEGATIVE)],
                f"{src}: Padding::EXPLICIT", padding="EXPLICIT"))
    dilated_stride = (sp.And(sp.Gt(s, 1), sp.Gt(d, 1)), DILATED_STRIDE)
    too_much = (sp.Ge(a, s), OUTPUT_PADDING)
    src_t = "tf_keras/utils/conv_utils.py deconv_output_length"
    out += [
        rule("tf.conv_transpose.same", Op.CONV_TRANSPOSE, "Conv2DTranspose 'same', "
             "output_padding=None", (i, k, s, d), i * s, [dilated_stride],
             f"{src_t}: input_length * stride", padding="SAME"),
        rule("tf.conv_transpose.valid", Op.CONV_TRANSPOSE, "Conv2DTranspose 'valid', "
             "output_padding=None", (i, k, s, d), i * s + sp.Max(K_EFF - s, 0), [dilated_stride],
             f"{src_t}: input_length * stride + max(filter_size - stride, 0)", padding="VALID"),
        rule("tf.conv_transpose.same.output_padding", Op.CONV_TRANSPOSE,
             "Conv2DTranspose 'same', output_padding=a", (i, k, s, d, a),
             (i - 1) * s + K_EFF - 2 * sp.floor(K_EFF / 2) + a, [dilated_stride, too_much],
             f"{src_t}: pad = filter_size // 2", padding="SAME"),
        rule("tf.conv_transpose.valid.output_padding", Op.CONV_TRANSPOSE,
             "Conv2DTranspose 'valid', output_padding=a", (i, k, s, d, a),
             (i - 1) * s + K_EFF + a, [dilated_stride, too_much], f"{src_t}: pad = 0",
             padding="VALID"),
    ]
    return out
