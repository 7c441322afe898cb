"""TensorFlow / Keras per-axis shape rules, checked against TensorFlow 2.21 and its Keras 3 by
``tests/test_frameworks_tf.py``.

Sources:
- conv and pooling: tensorflow/tensorflow ``tensorflow/core/framework/kernel_shape_util.cc``
  ``GetWindowedOutputSizeVerboseV2`` (C++ ``/`` truncates; "Computed output size would be
  negative"); SAME puts the odd element of the total padding at the end (after).
- transposed conv: keras-team/keras ``keras/src/backend/common/backend_utils.py``
  ``_get_output_shape_given_tf_padding`` (filter size dilated first; ``k̂ % 2 + a`` where this
  writes ``k̂ − 2⌊k̂/2⌋ + a``). The layer refuses ``output_padding >= strides``
  (``base_conv_transpose.py``), then strides > 1 with dilation > 1. tf_keras (Keras 2) checks
  these two the other way round, and says "Strides must be greater than output padding".
Pools have no dilation and ignore padded values; their shapes follow the same function.

These are the kernels' sizes, as TensorFlow computes them when it runs an op. Measured with 2.21
on x86_64, TensorFlow departs from them here:
- Where the window does not fit the padded input (i + pads < k̂), these rules give 0 or refuse a
  negative size; the static shape inference of graphs (``tf.function``) refuses every such
  input, "Negative dimension size caused by subtracting".
- Keras's own layers (``Conv1D``, ``MaxPooling1D``, ``AveragePooling1D``) refuse every 'valid'
  output of 0 or less, and ``Conv`` refuses strides > 1 with dilation > 1, which the op itself
  runs: the ``keras.*`` rules (``symconv/frameworks/keras.py``).
- Where the window does not fit, the oneDNN kernels (the default on x86) return a conv output as
  long as its input, and a max pool with k > i ends the process with SIGFPE.
  ``TF_ENABLE_ONEDNN_OPTS=0`` gives the reference kernels, which follow these rules.
- The reference CPU kernel of a transposed conv refuses dilation > 1 when it runs ("Current CPU
  implementations do not yet support dilation rates larger than 1"); oneDNN's runs it.
- Keras shapes a 'same' transposed conv with ``output_padding=0`` and an even k̂ as (i − 1)s, but
  the forward conv of that size with SAME padding has i − 1 outputs, not i, so running it is
  refused on both kernels ("Size of out_backprop doesn't match computed").
"""

from __future__ import annotations

import sympy as sp

from symconv.frameworks.base import K_EFF, Op, Rule, p_begin, p_end, rule, trunc_div
from symconv.symbols import a, d, i, k, s

NEGATIVE = "Computed output size would be negative"
OUTPUT_PADDING = "`output_padding` must be strictly less than `strides`"
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
    src_t = "keras backend_utils.py _get_output_shape_given_tf_padding"
    out += [
        rule("tf.conv_transpose.same", Op.CONV_TRANSPOSE, "Conv2DTranspose 'same', "
             "output_padding=None", (i, k, s, d), i * s, [dilated_stride],
             f"{src_t}: input_size * strides", padding="SAME"),
        rule("tf.conv_transpose.valid", Op.CONV_TRANSPOSE, "Conv2DTranspose 'valid', "
             "output_padding=None", (i, k, s, d), i * s + sp.Max(K_EFF - s, 0), [dilated_stride],
             f"{src_t}: (input_size - 1) * strides + max(kernel_size, strides)", padding="VALID"),
        rule("tf.conv_transpose.same.output_padding", Op.CONV_TRANSPOSE,
             "Conv2DTranspose 'same', output_padding=a", (i, k, s, d, a),
             (i - 1) * s + K_EFF - 2 * sp.floor(K_EFF / 2) + a, [too_much, dilated_stride],
             f"{src_t}: (input_size - 1) * strides + kernel_size % 2 + output_padding",
             padding="SAME"),
        rule("tf.conv_transpose.valid.output_padding", Op.CONV_TRANSPOSE,
             "Conv2DTranspose 'valid', output_padding=a", (i, k, s, d, a),
             (i - 1) * s + K_EFF + a, [too_much, dilated_stride],
             f"{src_t}: (input_size - 1) * strides + kernel_size + output_padding",
             padding="VALID"),
    ]
    return out
