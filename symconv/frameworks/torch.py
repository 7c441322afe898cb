"""PyTorch's per-axis shape rules and refusals (checked against torch 2.13.0 on CPU).

Sources (pytorch/pytorch):
- conv: ``aten/src/ATen/native/ConvUtils.h`` ``conv_output_size``; refusals from
  ``Convolution.cpp`` ``check_shape_forward`` and ``convolution_same``.
- conv transpose: ``ConvUtils.h`` ``conv_input_size``; ``NaiveConvolutionTranspose2d.cpp``
  (``output_padding < stride || output_padding < dilation``; output ≥ 1); the ``output_size``
  range from ``torch/nn/modules/conv.py`` ``_ConvTransposeNd._output_padding``.
- pooling: ``aten/src/ATen/native/Pool.h`` ``pooling_output_shape_pad_lr`` (floor via
  ``div_rtn``; ceil mode drops a last window that starts in the right padding, PR #46558);
  ``max_pool1d`` (``MaxPooling.cpp``) checks padding against the *undilated* kernel.
"""

from __future__ import annotations

import sympy as sp

from symconv.frameworks.base import K_EFF, Op, Rule, drop_last_window, rule
from symconv.symbols import a, d, i, k, o, p, s

TOO_BIG = "Kernel size can't be greater than actual input size"
SAME_STRIDED = "padding='same' is not supported for strided convolutions"
OUTPUT_PADDING = "output padding must be smaller than either stride or dilation"
TOO_SMALL = "Output size is too small"
OUTPUT_SIZE = "requested an output size of"
OUTPUT_SIZE_TEXT = ("requested an output size of o, but valid sizes range from min to min + s - 1, "
                    "min = (i - 1)s - 2p + d(k - 1) + 1")
# max_pool1d says "padding should be at most half of kernel size", max_pool2d "pad should be at
# most half of effective kernel size" — both compare with the undilated k.
MAX_PAD = "should be at most half of"
MAX_PAD_TEXT = ("padding should be at most half of kernel size (max_pool1d; max_pool2d/3d say: "
                "pad should be at most half of effective kernel size)")
MAX_OUT = "Invalid computed output size"
AVG_PAD = "pad should be at most half of effective kernel size"


def conv_output(pad2: sp.Expr) -> sp.Expr:
    # C++ '/' truncates, but check_shape_forward has already refused i + 2p < k̂: floor is exact.
    return sp.floor((i + pad2 - K_EFF) / s) + 1


def transposed_output(extra: sp.Expr = a) -> sp.Expr:
    return (i - 1) * s - 2 * p + d * (k - 1) + extra + 1


def pool_output(ceil: bool, dilation: sp.Expr = d) -> sp.Expr:
    kk = dilation * (k - 1) + 1
    if not ceil:
        return sp.floor((i + 2 * p - kk) / s) + 1
    out = sp.floor((i + 2 * p - kk + s - 1) / s) + 1
    # "ensure that the last pooling starts inside the image" (Pool.h)
    return drop_last_window(out, i + p)


def rules() -> list[Rule]:
    too_big = sp.Lt(i + 2 * p, K_EFF)
    out_t = transposed_output()
    smallest = transposed_output(0)
    pad_same = d * (k - 1)
    rules_ = [
        rule("torch.conv", Op.CONV, "Conv (int padding)", (i, k, s, p, d), conv_output(2 * p),
             [(too_big, TOO_BIG)], "ConvUtils.h conv_output_size; Convolution.cpp "
             "check_shape_forward", padding=""),
        rule("torch.conv.valid", Op.CONV, "Conv padding='valid'", (i, k, s, d), conv_output(0),
             [(sp.Lt(i, K_EFF), TOO_BIG)], "Convolution.cpp: 'valid' is padding 0",
             padding="valid"),
        rule("torch.conv.same", Op.CONV, "Conv padding='same' (s = 1 only)", (i, k, s, d), i,
             [(sp.Ne(s, 1), SAME_STRIDED)],
             "Convolution.cpp convolution_same, Pool.h _pooling_same_mode_padding_lr: total "
             "d(k−1), left = total/2", padding="same",
             extras={"p_begin": sp.floor(pad_same / 2),
                     "p_end": pad_same - sp.floor(pad_same / 2)}),
        rule("torch.conv_transpose", Op.CONV_TRANSPOSE, "ConvTranspose (output_padding a)",
             (i, k, s, p, d, a), out_t,
             [(sp.And(sp.Ge(a, s), sp.Ge(a, d)), OUTPUT_PADDING), (sp.Lt(out_t, 1), TOO_SMALL)],
             "ConvUtils.h conv_input_size; NaiveConvolutionTranspose2d.cpp shape check"),
        rule("torch.conv_transpose.output_size", Op.CONV_TRANSPOSE,
             "ConvTranspose forward(x, output_size=o)", (i, k, s, p, d, o), o,
             [(sp.Or(sp.Lt(o, smallest), sp.Gt(o, smallest + s - 1)), OUTPUT_SIZE,
               OUTPUT_SIZE_TEXT)],
             "torch/nn/modules/conv.py _ConvTransposeNd._output_padding: a = o − min, "
             "min ≤ o ≤ min + s − 1", padding="output_size",
             extras={"a": o - smallest}),
    ]
    for ceil in (False, True):
        suffix = ".ceil" if ceil else ""
        out = pool_output(ceil)
        rules_.append(rule(
            f"torch.max_pool{suffix}", Op.MAX_POOL, f"MaxPool ceil_mode={ceil}",
            (i, k, s, p, d), out,
            [(sp.Gt(p, sp.floor(k / 2)), MAX_PAD, MAX_PAD_TEXT), (sp.Lt(out, 1), MAX_OUT)],
            "Pool.h pooling_output_shape_pad_lr; MaxPooling.cpp max_pool1d checks "
            "p ≤ k/2 with the undilated k", ceil_mode=ceil))
        out = pool_output(ceil, 1)
        rules_.append(rule(
            f"torch.avg_pool{suffix}", Op.AVG_POOL, f"AvgPool ceil_mode={ceil}", (i, k, s, p),
            out, [(sp.Gt(p, sp.floor(k / 2)), AVG_PAD), (sp.Lt(out, 1), TOO_SMALL)],
            "Pool.h pooling_output_shape_pad_lr, pool2d_shape_check (no dilation)",
            ceil_mode=ceil))
    return rules_
