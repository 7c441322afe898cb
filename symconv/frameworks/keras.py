"""Keras 3 per-axis shape rules of its forward layers (``Conv1D``/``2D``/``3D``,
``MaxPooling*``, ``AveragePooling*``), checked against Keras 3.15 by
``tests/test_frameworks_tf.py``. Keras's transposed convolutions are the ``tf.conv_transpose.*``
rules (``symconv/frameworks/tf.py``).

Sources (keras-team/keras):
- ``keras/src/ops/operation_utils.py`` ``compute_conv_output_shape`` and
  ``compute_pooling_output_shape``: 'valid' gives ⌊(i − k̂)/s⌋ + 1 and refuses a result of 0 or
  less ("Computed output size would be zero or negative"); 'same' gives ⌊(i − 1)/s⌋ + 1. Keras
  computes these in numpy float64, exact only below 2**53; the rules state the integer floor.
- ``keras/src/layers/convolutional/base_conv.py``: the layer refuses strides > 1 with
  dilation > 1 when it is made, before any shape is computed.

Where the window fits, these agree with the ``tf.*`` kernel rules; the TensorFlow ops behind
them give 0 instead of refusing, and run strides > 1 with dilation > 1.
"""

from __future__ import annotations

import sympy as sp

from symconv.frameworks.base import K_EFF, Op, Rule, rule
from symconv.frameworks.tf import DILATED_STRIDE
from symconv.symbols import d, i, k, s

EMPTY = "Computed output size would be zero or negative"


def rules() -> list[Rule]:
    src = "operation_utils.py compute_{}_output_shape"
    same = sp.floor((i - 1) / s) + 1
    out: list[Rule] = []
    for op, kernel, params in ((Op.CONV, K_EFF, (i, k, s, d)), (Op.MAX_POOL, k, (i, k, s)),
                               (Op.AVG_POOL, k, (i, k, s))):
        layer = "conv" if op is Op.CONV else "pooling"
        dilated = [(sp.And(sp.Gt(s, 1), sp.Gt(d, 1)), DILATED_STRIDE)] if op is Op.CONV else []
        valid = sp.floor((i - kernel) / s) + 1
        window = "k̂" if op is Op.CONV else "k"
        out += [
            rule(f"keras.{op.value}.valid", op, f"{op.value} padding='valid'", params, valid,
                 [*dilated, (sp.Le(valid, 0), EMPTY)],
                 f"{src.format(layer)}: floor((i - {window})/s) + 1, refused if <= 0",
                 padding="VALID"),
            rule(f"keras.{op.value}.same", op, f"{op.value} padding='same'", params, same,
                 dilated, f"{src.format(layer)}: floor((i - 1)/s) + 1", padding="SAME"),
        ]
    return out
