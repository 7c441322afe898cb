"""Theorems about the framework rules, for ``symconv prove`` (ids ``torch.…``, ``onnx.…``, …).

* ``<rule>=R15`` / ``=R14``: the framework rule is the guide's relation on its domain — it
  answers exactly where the relation's window fits (or output ≥ 1), and answers the same size.
* ``<rule>.pads``: the pads a SAME mode computes, fed to the same framework's explicit-padding
  rule, give the SAME output (the mode is consistent with itself).
* ``onnx.exception.<x>``: the documented disagreements between ONNX's spec / reference evaluator
  and its shape inference hold on exactly the stated region (both directions).
* cross-framework facts the rule files rely on (the three SAME padding formulas agree, the
  PyTorch ``output_size`` path never trips the C++ output_padding check, …).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from symconv.frameworks import get
from symconv.frameworks.base import (
    DOMAIN,
    K_EFF,
    Rule,
    ceil_div,
    drop_last_window,
    drop_last_window_literal,
    p_begin,
    p_end,
)
from symconv.frameworks.compare import disagreement
from symconv.prover import Claim
from symconv.relations import RELATIONS
from symconv.symbols import a, d, i, i_prime, k, o, p, s, symbol
from symconv.theorems import Theorem, from_claim

R15 = RELATIONS["R15"].expr
FITS = sp.Ge(i + 2 * p, K_EFF)
R14_DILATED = RELATIONS["R14"].expr.subs({i_prime: i, k: K_EFF}, simultaneous=True)


def iff(x: sp.Basic, y: sp.Basic) -> sp.Basic:
    return sp.And(sp.Implies(x, y), sp.Implies(y, x))


def domain(*rules: Rule, extra: tuple[sp.Symbol, ...] = ()) -> tuple[sp.Basic, ...]:
    params: list[sp.Symbol] = []
    for r in rules:
        params += [x for x in r.params if x not in params]
    params += [x for x in extra if x not in params]
    return tuple(DOMAIN[x] for x in params)


def on(rule: Rule, values: Mapping[sp.Symbol, sp.Expr]) -> tuple[sp.Expr, sp.Basic]:
    """The rule's output and acceptance with some parameters replaced."""
    return (rule.expr.subs(values, simultaneous=True),
            rule.accepted.subs(values, simultaneous=True))


def equals_relation(tid: str, rule: Rule, relation: sp.Expr, answers: sp.Basic,
                    *hyps: sp.Basic, text: str) -> Theorem:
    goal = sp.And(iff(rule.accepted, answers), sp.Implies(rule.accepted, sp.Eq(rule.expr,
                                                                             relation)))
    return from_claim(tid, "framework", Claim(goal, (*domain(rule), *hyps), text))


def pads_consistent(tid: str, same: Rule, explicit: Rule, text: str) -> Theorem:
    """SAME's own pads, given to the explicit rule, reproduce SAME's output."""
    out, accepted = on(explicit, {p_begin: same.extras["p_begin"], p_end: same.extras["p_end"]})
    goal = sp.And(accepted, sp.Eq(out, same.expr), sp.Ge(same.extras["p_begin"], 0),
                  sp.Ge(same.extras["p_end"], 0))
    return from_claim(tid, "framework", Claim(goal, domain(same), text))


@dataclass(frozen=True, slots=True)
class Exception_:
    """Shape inference (``infer``) and the spec / reference evaluator (``spec``) disagree exactly
    on ``region`` — a framework's own inconsistency, kept, documented and proved."""

    name: str
    spec: str
    infer: str
    region: sp.Basic
    text: str
    issue: str = ""


def _n(pb: sp.Expr = p_begin, pe: sp.Expr = p_end) -> sp.Expr:
    return i + pb + pe - K_EFF


EXCEPTIONS: tuple[Exception_, ...] = (
    Exception_("conv", "onnx.conv", "onnx.infer.conv",
               sp.And(sp.Lt(_n(), 0), sp.Ne(_n(), -s)),
               "the window does not fit (i + p_begin + p_end < k̂): inference truncates toward "
               "zero and never refuses, the reference floors (0 is an empty output, below it "
               "refuses); they meet only at i + p_begin + p_end = k̂ − s, where both give 0"),
    Exception_("conv.valid", "onnx.conv.valid", "onnx.infer.conv.valid",
               sp.And(sp.Lt(_n(0, 0), 0), sp.Ne(_n(0, 0), -s)),
               "as for Conv NOTSET, with no padding"),
    Exception_("max_pool", "onnx.max_pool", "onnx.infer.max_pool", sp.Lt(_n(), 0),
               "the window does not fit: the spec output is < 1, inference still answers "
               "(truncated, possibly ≤ 0)"),
    Exception_("avg_pool", "onnx.avg_pool", "onnx.infer.avg_pool", sp.Lt(_n(), 0),
               "as for MaxPool"),
    Exception_("max_pool.ceil", "onnx.max_pool.ceil", "onnx.infer.max_pool.ceil",
               sp.Le(_n() + s, 0),
               "ceil mode, i + p_begin + p_end + s ≤ k̂: the spec output is < 1, inference "
               "answers"),
    Exception_("avg_pool.ceil", "onnx.avg_pool.ceil", "onnx.infer.avg_pool.ceil",
               sp.Le(_n() + s, 0), "as for MaxPool ceil mode"),
    Exception_("max_pool.valid", "onnx.max_pool.valid", "onnx.infer.max_pool.valid",
               sp.Lt(_n(0, 0), 0), "as for MaxPool, with no padding"),
    Exception_("avg_pool.valid", "onnx.avg_pool.valid", "onnx.infer.avg_pool.valid",
               sp.Lt(_n(0, 0), 0), "as for MaxPool, with no padding"),
    Exception_("conv_transpose", "onnx.conv_transpose", "onnx.infer.conv_transpose",
               sp.Or(sp.Ge(a, s), sp.Lt(s * (i - 1) + a + K_EFF - p_begin - p_end, 0)),
               "inference accepts output_padding ≥ stride and negative sizes; the reference "
               "refuses both (the spec says output_padding must be less than stride)",
               "onnx/onnx#3187"),
    Exception_("conv_transpose.valid", "onnx.conv_transpose.valid",
               "onnx.infer.conv_transpose.valid", sp.Ge(a, s),
               "inference accepts output_padding ≥ stride, the reference refuses it"),
    Exception_("conv_transpose.same_upper", "onnx.conv_transpose.same_upper",
               "onnx.infer.conv_transpose.same_upper",
               sp.Or(sp.Ge(a, s), sp.Ne(a + sp.Min(K_EFF, s), s)),
               "inference clamps the total padding at max(k̂ − s, 0), so it gives the spec's "
               "i·s only when a = s − min(k̂, s) (e.g. k̂ ≥ s and a = 0)",
               "onnx/onnx#4299"),
    Exception_("conv_transpose.same_lower", "onnx.conv_transpose.same_lower",
               "onnx.infer.conv_transpose.same_lower",
               sp.Or(sp.Ge(a, s), sp.Ne(a + sp.Min(K_EFF, s), s)), "as for SAME_UPPER",
               "onnx/onnx#4299"),
    Exception_("conv_transpose.output_shape", "onnx.conv_transpose.output_shape",
               "onnx.infer.conv_transpose.output_shape",
               sp.And(sp.Ge(o, i), sp.Ne(sp.floor((o - K_EFF) / s) + 1, i)),
               "inference returns any output_shape ≥ i; the reference (auto_pad NOTSET keeps "
               "pads 0) accepts only sizes a transposed conv reaches without padding"),
)

OPSET19: tuple[Exception_, ...] = (
    Exception_("max_pool.ceil.opset19", "onnx.infer.max_pool.ceil",
               "onnx.infer.max_pool.ceil.opset19",
               sp.Or(sp.And(sp.Ge(_n() + s, 1), sp.Ge(ceil_div(_n(), s) * s, i + p_begin)),
                     sp.And(sp.Lt(_n() + s, 1), sp.Ne(sp.Mod(_n() + s - 1, s), 0))),
               "opset 19 keeps a last window that starts in the right padding (PR #5741 "
               "dropped it at opset 22); and where even one window is far from fitting "
               "(i + p_begin + p_end + s ≤ k̂) opset 19 rounds the quotient up while opset 22 "
               "truncates n + s − 1, which differ unless s | (k̂ + 1 − i − p_begin − p_end)",
               "onnx/onnx#5711"),
)


def exception_claim(ex: Exception_) -> Claim:
    spec, infer = get(ex.spec), get(ex.infer)
    goal = iff(disagreement(spec, infer), ex.region)
    return Claim(goal, domain(spec, infer),
                 f"{ex.spec} and {ex.infer} disagree exactly where: {ex.text}")


def theorems() -> list[Theorem]:
    torch_conv, torch_t = get("torch.conv"), get("torch.conv_transpose")
    out = [
        equals_relation("torch.conv=R15", torch_conv, R15, FITS,
                        text="PyTorch Conv (int padding) answers exactly where i + 2p ≥ k̂, "
                        "with R15"),
        equals_relation("torch.conv.valid=R15", get("torch.conv.valid"), R15.subs(p, 0),
                        FITS.subs(p, 0), text="padding='valid' is R15 at p = 0"),
        equals_relation("torch.conv.same=R3", get("torch.conv.same"), i, sp.Eq(s, 1),
                        text="padding='same' answers exactly at s = 1, with o = i (R3, any k, d)"),
        equals_relation("torch.conv_transpose=R14", torch_t, R14_DILATED,
                        sp.Ge(R14_DILATED, 1), sp.Le(a, s - 1),
                        text="for 0 ≤ a ≤ s − 1, PyTorch ConvTranspose is R14 with k̂ and answers "
                        "exactly where the output is ≥ 1"),
        equals_relation("torch.max_pool=R15", get("torch.max_pool"), R15,
                        sp.And(FITS, sp.Le(p, sp.floor(k / 2))),
                        text="MaxPool floor mode is R15; answers iff the window fits and p ≤ ⌊k/2⌋ "
                        "(undilated k)"),
        equals_relation("torch.avg_pool=R6", get("torch.avg_pool"), R15.subs(d, 1),
                        sp.And(FITS.subs(d, 1), sp.Le(p, sp.floor(k / 2))),
                        text="AvgPool floor mode is R6 (R15 at d = 1); answers iff the window fits "
                        "and p ≤ ⌊k/2⌋"),
        equals_relation("onnx.conv=R15", get("onnx.conv"), R15,
                        sp.Ge(i + p_begin + p_end + s, K_EFF), sp.Eq(p_begin, p), sp.Eq(p_end, p),
                        text="ONNX Conv with pads (p, p) is R15 where it answers; it answers "
                        "down to output 0"),
        equals_relation("jax.conv=R15", get("jax.conv"), R15, sp.true,
                        sp.Eq(p_begin, p), sp.Eq(p_end, p), FITS,
                        text="JAX conv_general_dilated with pads (p, p) is R15 where the window "
                        "fits (and 0, never an error, where it does not)"),
        equals_relation("tf.conv.valid=R15", get("tf.conv.valid"), R15.subs(p, 0), sp.true,
                        FITS.subs(p, 0), text="TF VALID is R15 at p = 0 where the window fits"),
        equals_relation("keras.conv.valid=R15", get("keras.conv.valid"), R15.subs(p, 0),
                        sp.And(FITS.subs(p, 0), sp.Or(sp.Eq(s, 1), sp.Eq(d, 1))),
                        text="Keras 'valid' is R15 at p = 0, and answers exactly where the "
                        "window fits and s = 1 or d = 1"),
    ]
    for rid in ("torch.max_pool.ceil", "torch.avg_pool.ceil"):
        rule = get(rid)
        floor_out = R15 if "max" in rid else R15.subs(d, 1)
        pad_l = p
        goal = sp.Implies(rule.accepted, sp.And(
            sp.Lt((rule.expr - 1) * s, i + pad_l),
            sp.Or(sp.Eq(rule.expr, floor_out), sp.Eq(rule.expr, floor_out + 1)),
        ))
        out.append(from_claim(f"{rid}.last-window", "framework", Claim(
            goal, domain(rule),
            "ceil mode: the last window starts inside the input or the left padding, and the "
            "output is R15 or R15 + 1")))
    # The restoring output_padding of R14 is always accepted by PyTorch's C++ check.
    x = symbol("x")
    a_restore = sp.Mod(x + 2 * p - K_EFF, s)
    t_out, t_acc = on(torch_t, {a: a_restore})
    out.append(from_claim("torch.conv_transpose.restores", "framework", Claim(
        sp.And(t_acc, sp.Eq(t_out, x)),
        (*domain(torch_conv), sp.Ge(x, 1), sp.Ge(x + 2 * p, K_EFF),
         sp.Eq(i, R15.subs(i, x))),
        "ConvTranspose of o = R15(x) with output_padding (x + 2p − k̂) mod s answers x")))
    size = get("torch.conv_transpose.output_size")
    t_out, t_acc = on(torch_t, {a: size.extras["a"]})
    out.append(from_claim("torch.conv_transpose.output_size", "framework", Claim(
        sp.Implies(size.accepted, sp.And(sp.Ge(size.extras["a"], 0), t_acc,
                                         sp.Eq(t_out, o))),
        domain(size),
        "forward(x, output_size=o): the Python range min..min+s−1 gives an output_padding the "
        "C++ check (a < s or a < d) accepts, and the output is o")))
    for same, explicit, note in (
        ("tf.conv.same", "tf.conv.explicit", "TF"),
        ("onnx.conv.same_upper", "onnx.conv", "ONNX SAME_UPPER"),
        ("onnx.conv.same_lower", "onnx.conv", "ONNX SAME_LOWER"),
        ("jax.conv.same", "jax.conv", "JAX SAME"),
        ("jax.conv.same_lower", "jax.conv", "JAX SAME_LOWER"),
    ):
        out.append(pads_consistent(f"{same}.pads", get(same), get(explicit),
                                   f"{note}: its pads, given explicitly, give ceil(i/s)"))
    torch_same = get("torch.conv.same")
    t_out, t_acc = on(get("onnx.conv"),
                      {p_begin: torch_same.extras["p_begin"], p_end: torch_same.extras["p_end"]})
    out.append(from_claim("torch.conv.same.pads", "framework", Claim(
        sp.Implies(torch_same.accepted, sp.And(t_acc, sp.Eq(t_out, i))), domain(torch_same),
        "PyTorch 'same' pads (⌊d(k−1)/2⌋ left, the rest right) give o = i at s = 1")))
    tf_pads = get("tf.conv.same").extras
    for other in ("onnx.conv.same_upper", "jax.conv.same"):
        pads = get(other).extras
        out.append(from_claim(f"{other}.pads=tf.conv.same.pads", "framework", Claim(
            sp.And(sp.Eq(pads["p_begin"], tf_pads["p_begin"]),
                   sp.Eq(pads["p_end"], tf_pads["p_end"])),
            domain(get(other)), f"{other} computes TF's SAME pads")))
    out_, lim = symbol("out"), symbol("limit")
    out.append(from_claim("drop-last-window", "framework", Claim(
        sp.Eq(drop_last_window(out_, lim), drop_last_window_literal(out_, lim)),
        (DOMAIN[s],),
        "min(o, max(o − 1, ⌊(L − 1)/s⌋ + 1)) is Pool.h's `if ((o − 1)·s ≥ L) --o`, for all "
        "integers o, L and s ≥ 1")))
    xx = symbol("x")
    out.append(from_claim("ceil-div", "framework", Claim(
        sp.Eq(sp.ceiling(xx / s), ceil_div(xx, s)), (DOMAIN[s],),
        "⌈x/s⌉ = ⌊(x + s − 1)/s⌋ for every integer x and s ≥ 1 (how the rules write ceil)")))
    for ex in (*EXCEPTIONS, *OPSET19):
        out.append(from_claim(f"onnx.exception.{ex.name}", "framework", exception_claim(ex)))
    return out
