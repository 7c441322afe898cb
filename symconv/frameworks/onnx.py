"""ONNX per-axis shape rules: the operator spec as the reference evaluator runs it (``onnx.*``)
and the C++ shape inference (``onnx.infer.*``), which differ — the differences are proved and
listed as exceptions (``EXCEPTIONS``), never hidden.

Sources (onnx/onnx, checked against onnx 1.23.2):
- spec: ``onnx/defs/nn/defs.cc`` operator docs (Conv, ConvTranspose, MaxPool, AveragePool);
  the reference evaluator ``onnx/reference/ops/op_conv.py``, ``op_conv_transpose.py``,
  ``op_pool_common.py`` (floor; ceil mode drops a last window starting in the right padding).
- shape inference: ``defs.cc`` ``convPoolShapeInference`` (C++ ``/`` truncates; ceil mode's
  right-padding drop since PR #5741, opset 22) and ``onnx/defs/nn/old.cc``
  ``convPoolShapeInference_opset19`` (plain ceil); ``convTransposeShapeInference``.
- auto_pad SAME: total = max(0, k̂ − (i % s == 0 ? s : i % s)); SAME_UPPER puts total >> 1 at the
  beginning (the extra element at the end), SAME_LOWER the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symconv.frameworks.base import (
    K_EFF,
    Op,
    Rule,
    ceil_div,
    drop_last_window,
    p_begin,
    p_end,
    rule,
    trunc_div,
)
from symconv.symbols import a, d, i, k, o, s

NEGATIVE = "negative dimensions are not allowed"
POOL_EMPTY = "output shape cannot be null or negative"
BLOCKS = "expected size of input's dimension 2 to match the calculated number of sliding blocks"
UNSET = "(shape inference leaves the output shape unset)"


def same_total() -> sp.Expr:
    # defs.cc: (i % s == 0 ? s : i % s), which is (i − 1) % s + 1 for i ≥ 1
    return sp.Max(0, K_EFF - (sp.Mod(i - 1, s) + 1))


def same_pads(upper: bool) -> dict[str, sp.Expr]:
    total = same_total()
    small, large = sp.floor(total / 2), total - sp.floor(total / 2)
    return {"p_begin": small if upper else large, "p_end": large if upper else small}


def window_output(pad_b: sp.Expr, pad_e: sp.Expr, *, ceil: bool, drop: bool, trunc: bool
                  ) -> sp.Expr:
    num = i + pad_b + pad_e - K_EFF + (s - 1 if ceil else 0)
    out = (trunc_div(num, s) if trunc else sp.floor(num / s)) + 1
    if not drop:
        return out
    # "ensure that the last pooling starts inside the image" (defs.cc, reference)
    return drop_last_window(out, i + pad_b)


@dataclass(frozen=True, slots=True)
class Exception_:
    """A proved, documented disagreement inside ONNX: rule ``infer`` (shape inference) differs
    from rule ``spec`` (spec / reference evaluator) exactly on ``region`` of the common domain."""

    spec: str
    infer: str
    region: sp.Basic
    text: str
    issue: str = ""


def rules() -> list[Rule]:
    out: list[Rule] = []
    modes: Mapping[str, tuple[sp.Expr, sp.Expr, dict[str, sp.Expr]]] = {
        "": (p_begin, p_end, {}),
        "same_upper": (same_pads(True)["p_begin"], same_pads(True)["p_end"], same_pads(True)),
        "same_lower": (same_pads(False)["p_begin"], same_pads(False)["p_end"], same_pads(False)),
        "valid": (sp.Integer(0), sp.Integer(0), {}),
    }
    for mode, (pb, pe, extras) in modes.items():
        params = (i, k, s, d, p_begin, p_end) if mode == "" else (i, k, s, d)
        sfx = f".{mode}" if mode else ""
        pad = mode.upper() if mode else "NOTSET"
        spec = window_output(pb, pe, ceil=False, drop=False, trunc=False)
        infer = window_output(pb, pe, ceil=False, drop=False, trunc=True)
        out += [
            rule(f"onnx.conv{sfx}", Op.CONV, f"Conv auto_pad={pad}", params, spec,
                 [(sp.Lt(spec, 0), NEGATIVE)],
                 "defs.cc Conv spec; reference op_conv.py (an empty output at 0)",
                 padding=pad, extras=extras),
            rule(f"onnx.infer.conv{sfx}", Op.CONV, f"Conv auto_pad={pad}, shape inference",
                 params, infer, [], "defs.cc convPoolShapeInference (C++ '/' truncates)",
                 padding=pad, extras=extras),
        ]
        for op, name in ((Op.MAX_POOL, "max_pool"), (Op.AVG_POOL, "avg_pool")):
            # ceil_mode with auto_pad SAME: the reference evaluator refuses it (an assertion)
            for ceil in (False,) if mode.startswith("same") else (False, True):
                csfx = ".ceil" if ceil else ""
                spec = window_output(pb, pe, ceil=ceil, drop=ceil, trunc=False)
                # ceil_mode with any auto_pad: the reference evaluator asserts (refuses it)
                out += [] if ceil and mode else [rule(
                    f"onnx.{name}{sfx}{csfx}", op, f"{name} auto_pad={pad} ceil_mode={ceil}",
                    params, spec, [(sp.Lt(spec, 1), POOL_EMPTY)],
                    "defs.cc pool spec (output_spatial_shape, right-pad windows ignored)",
                    padding=pad, ceil_mode=ceil)]
                out.append(rule(
                    f"onnx.infer.{name}{sfx}{csfx}", op,
                    f"{name} auto_pad={pad} ceil_mode={ceil}, shape inference (opset ≥ 22)",
                    params, window_output(pb, pe, ceil=ceil, drop=ceil, trunc=True), [],
                    "defs.cc convPoolShapeInference", padding=pad, ceil_mode=ceil))
                if ceil:
                    out.append(rule(
                        f"onnx.infer.{name}{sfx}.ceil.opset19", op,
                        f"{name} auto_pad={pad} ceil_mode=1, shape inference (opset 19)",
                        # ceil of the exact quotient (not the truncating numerator + s − 1), no drop
                        params, ceil_div(i + pb + pe - K_EFF, s) + 1, [],
                        "old.cc convPoolShapeInference_opset19 (ceil, no right-padding drop)",
                        padding=pad, ceil_mode=True))
    out += _transposed()
    return out


def _transposed() -> list[Rule]:
    full = s * (i - 1) + a + K_EFF
    blocks = (sp.Ge(a, s), BLOCKS)
    src_ref = "reference op_conv_transpose.py (col2im refuses a >= s)"
    src_inf = "defs.cc convTransposeShapeInference"
    out = [
        rule("onnx.conv_transpose", Op.CONV_TRANSPOSE, "ConvTranspose auto_pad=NOTSET",
             (i, k, s, d, p_begin, p_end, a), full - p_begin - p_end,
             [blocks, (sp.Lt(full - p_begin - p_end, 0), NEGATIVE)],
             f"defs.cc ConvTranspose spec; {src_ref}", padding="NOTSET"),
        rule("onnx.infer.conv_transpose", Op.CONV_TRANSPOSE,
             "ConvTranspose auto_pad=NOTSET, shape inference", (i, k, s, d, p_begin, p_end, a),
             full - p_begin - p_end, [], src_inf, padding="NOTSET"),
        rule("onnx.conv_transpose.valid", Op.CONV_TRANSPOSE, "ConvTranspose auto_pad=VALID",
             (i, k, s, d, a), full, [blocks], f"defs.cc ConvTranspose spec; {src_ref}",
             padding="VALID"),
        rule("onnx.infer.conv_transpose.valid", Op.CONV_TRANSPOSE,
             "ConvTranspose auto_pad=VALID, shape inference", (i, k, s, d, a), full, [],
             src_inf, padding="VALID"),
        rule("onnx.conv_transpose.output_shape", Op.CONV_TRANSPOSE,
             "ConvTranspose output_shape=o (auto_pad=NOTSET)", (i, k, s, d, o), o,
             # NOTSET leaves the pads at 0, so col2im needs o to be reachable without padding
             [(sp.Ne(sp.floor((o - K_EFF) / s) + 1, i), BLOCKS)],
             f"defs.cc ConvTranspose spec (output_shape); {src_ref}", padding="output_shape",
             extras={"total_padding": s * (i - 1) + K_EFF - o}),
        rule("onnx.infer.conv_transpose.output_shape", Op.CONV_TRANSPOSE,
             "ConvTranspose output_shape=o, shape inference", (i, k, s, d, o), o,
             [(sp.Lt(o, i), UNSET)], f"{src_inf}: output_shape smaller than the input is "
             "left unset (TODO in defs.cc)", padding="output_shape"),
    ]
    for mode, upper in (("same_upper", True), ("same_lower", False)):
        pad = mode.upper()
        total = full - i * s
        small, large = sp.floor(total / 2), total - sp.floor(total / 2)
        out += [
            rule(f"onnx.conv_transpose.{mode}", Op.CONV_TRANSPOSE, f"ConvTranspose auto_pad={pad}",
                 (i, k, s, d, a), i * s, [blocks],
                 f"defs.cc ConvTranspose spec: output_shape = input_shape * strides; {src_ref}",
                 padding=pad, extras={"p_begin": small if upper else large,
                                      "p_end": large if upper else small}),
            rule(f"onnx.infer.conv_transpose.{mode}", Op.CONV_TRANSPOSE,
                 f"ConvTranspose auto_pad={pad}, shape inference", (i, k, s, d, a),
                 full - sp.Max(K_EFF - s, 0), [],
                 f"{src_inf}: the total padding is clamped to max(k̂ − s, 0)", padding=pad),
        ]
    return out
