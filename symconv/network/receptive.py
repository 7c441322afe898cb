"""Receptive field, jump (effective stride) and start offset after each layer, per axis, with
the closed forms of Araujo, Norris & Sim, "Computing receptive fields of convolutional neural
networks" (Distill, 2019):

    jump  j_l = j_{l−1} · s_l                    (j_0 = 1)
    field r_l = r_{l−1} + d_l (k_l − 1) j_{l−1}  (r_0 = 1)
    start u_l = u_{l−1} − p_l j_{l−1}            (u_0 = 0; left padding p_l)

Output position m of layer l then reads input positions u_l + m·j_l … u_l + m·j_l + r_l − 1
(padding counts as positions outside 0..size−1, as in the paper).

First principles: the input positions output m depends on are Dep_l(m) = ⋃_{t<k} Dep_{l−1}(m·s
− p + d·t), Dep_0(q) = {q}. Each recurrence step is a theorem proved here for symbolic k, s,
p, d, j, u, r, m (``STEP_THEOREMS``): given the closed form for the layer before, the least and
greatest positions of Dep_l(m) are the ones above — so by induction they hold along every chain.
A merge (add, cat) of inputs with equal jumps takes the hull. Transposed convolutions with
stride > 1, upsampling, resizing and adaptive pooling map several outputs onto one input
position: no affine field exists and none is claimed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import z3

from symconv.network import semantics as S
from symconv.network import terms as T
from symconv.network.analysis import Analysis, Layer
from symconv.network.trees import NotPresburger, build_lin
from symconv.network.ir import Kind
from symconv.network.proofs import DEFAULT_TIMEOUT, Theorem, general_context
from symconv.network.verdict import Outcome, Verdict


@dataclass(frozen=True, slots=True)
class Field:
    """Output position m reads input positions start + m·jump … start + m·jump + size − 1."""

    start: T.Lin
    jump: int
    size: T.Lin
    steps: frozenset[str] = frozenset()  # the step theorems this field rests on


@dataclass(frozen=True, slots=True)
class NoField:
    reason: str


Receptive = Field | NoField
ORIGIN = Field(T.const(0), 1, T.const(1))


def receptive_fields(analysis: Analysis) -> dict[str, tuple[Receptive, ...]]:
    """Per layer (by name), per axis."""
    out: dict[str, tuple[Receptive, ...]] = {}
    rank = len(analysis.axes)
    for layer in analysis.layers:
        node = layer.node
        inputs = [out[name] for name in node.inputs]
        if node.kind is Kind.INPUT:
            out[node.name] = (ORIGIN,) * rank
        elif layer.shape.sizes is None:
            out[node.name] = (NoField("every feature depends on the whole input"),) * rank
        else:
            out[node.name] = tuple(_step(analysis, layer, axis, [i[axis] for i in inputs])
                                   for axis in range(rank))
    return out


def _step(analysis: Analysis, layer: Layer, axis: int, before: Sequence[Receptive]
          ) -> Receptive:
    node = layer.node
    for field in before:
        if isinstance(field, NoField):
            return field
    fields = [f for f in before if isinstance(f, Field)]
    kind = node.kind
    if kind is Kind.IDENTITY:
        return fields[0]
    if kind in (Kind.CONCAT, Kind.ELEMENTWISE):
        return hull(fields)
    if kind is Kind.WINDOW:
        return _window(analysis, layer, axis, fields[0])
    if kind is Kind.PAD:
        if node.attrs.get("mode", "constant") != "constant":
            return NoField(f"{node.attrs.get('mode')} padding repeats input positions")
        begin = layer.params[axis]["begin"]
        assert begin is not None
        return shift(fields[0], -begin, 1)
    if kind is Kind.SLICE:
        params = layer.params[axis]
        step = params["step"]
        assert step is not None
        size_before = _input_size(analysis, layer, 0, axis)
        first = S.slice_start(size_before, params["start"])
        return shift(fields[0], first, step.const)
    if kind is Kind.CENTER_CROP:
        big = _input_size(analysis, layer, 0, axis)
        small = _input_size(analysis, layer, 1, axis)
        return shift(fields[0], T.floor_div(big - small, 2), 1)
    if kind is Kind.LINEAR:
        if axis == len(analysis.axes) - 1:
            return NoField("a linear layer mixes the whole axis")
        return fields[0]
    what = {Kind.ADAPTIVE_POOL: "adaptive pooling: the windows depend on the input size",
            Kind.UPSAMPLE: "upsampling maps several outputs onto one input position",
            Kind.RESIZE: "resizing maps outputs onto input positions by the input size"}
    return NoField(what.get(kind, f"no receptive field for {kind.value}"))


def _input_size(analysis: Analysis, layer: Layer, index: int, axis: int) -> T.Lin:
    sizes = analysis.layer(layer.node.inputs[index]).shape.sizes
    assert sizes is not None
    return sizes[axis]


def hull(fields: Sequence[Field]) -> Receptive:
    jumps = {f.jump for f in fields}
    if len(jumps) > 1:
        return NoField(f"merged inputs advance by different jumps {sorted(jumps)}")
    if len(fields) == 1:
        return fields[0]
    start = T.minimum(*(f.start for f in fields))
    end = T.maximum(*(f.start + f.size for f in fields))
    steps = frozenset().union(*(f.steps for f in fields)) | {"merge"}
    return Field(start, fields[0].jump, end - start, steps)


def shift(field: Field, offset: T.Lin, step: int) -> Field:
    """Output m reads input position m·step + offset."""
    return Field(field.start + offset * field.jump, field.jump * step, field.size,
                 field.steps | {"shift"})


def _window(analysis: Analysis, layer: Layer, axis: int, field: Field) -> Receptive:
    rule = layer.rule
    assert rule is not None
    params = layer.params[axis]
    consts: dict[str, int] = {}
    for name in ("k", "s", "d"):
        value = params.get(name)
        if value is None:
            consts[name] = 1
        elif not value.is_const:
            return NoField(f"{name} depends on the input size")
        else:
            consts[name] = value.const
    left = _left_padding(analysis, layer, axis)
    if left is None:
        return NoField(f"rule {rule.id}: its padding is not modelled for receptive fields")
    return window_field(field, consts["k"], consts["s"], consts["d"], left,
                        rule.op == "conv_transpose")


def window_field(field: Field, k: int, s: int, d: int, left: T.Lin, transposed: bool
                 ) -> Receptive:
    """The field after a window op (kernel k, stride s, dilation d, ``left`` padding before
    the first input position) whose input has ``field``."""
    reach = d * (k - 1)
    if transposed:
        if s != 1:
            return NoField("a strided transposed convolution spreads each input over several "
                           "outputs")
        # output m reads inputs m + p − d·t: a window with padding d(k−1) − p
        return Field(field.start + (left - reach) * field.jump, field.jump,
                     field.size + reach * field.jump, field.steps | {"transposed"})
    return Field(field.start - left * field.jump, field.jump * s,
                 field.size + reach * field.jump, field.steps | {"window"})


def _left_padding(analysis: Analysis, layer: Layer, axis: int) -> T.Lin | None:
    rule = layer.rule
    assert rule is not None
    params = layer.params[axis]
    for name in ("p", "p_begin"):
        value = params.get(name)
        if value is not None:
            return value
    if "p_begin" in rule.extras:
        env: dict[str, T.Lin] = {n: v for n, v in params.items() if v is not None}
        env["i"] = _input_size(analysis, layer, 0, axis)
        try:
            return build_lin(rule.extras["p_begin"], env)
        except NotPresburger:
            return None
    if rule.padding.lower() in ("valid", "", "notset", "output_size"):
        return T.const(0)
    return None


def steps_used(fields: Mapping[str, tuple[Receptive, ...]]) -> frozenset[str]:
    used: set[str] = set()
    for per_axis in fields.values():
        for f in per_axis:
            if isinstance(f, Field):
                used |= f.steps
    return frozenset(used)


# ---------------------------------------------------------------------------------------------
# The step theorems


STEP_STATEMENTS: Mapping[str, str] = {
    "window": "if Dep(q) spans u + q·j … u + q·j + r − 1 (j, r ≥ 1), then ⋃_{0≤t<k} Dep(m·s − p "
              "+ d·t) spans (u − p·j) + m·(s·j) … that + r + d(k − 1)·j − 1 (k, s, d ≥ 1), "
              "both ends attained",
    "transposed": "for stride 1, ⋃_{0≤t<k} Dep(m + p − d·t) spans (u + (p − d(k − 1))·j) + m·j"
                  " … that + r + d(k − 1)·j − 1, both ends attained",
    "shift": "Dep(m·c + b) spans (u + b·j) + m·(c·j) … that + r − 1",
    "merge": "Dep_a(m) ∪ Dep_b(m) with equal jumps spans min(u_a, u_b) + m·j … max(u_a + r_a, "
             "u_b + r_b) + m·j − 1",
}


def _claims(name: str, ctx: z3.Context) -> list[z3.BoolRef]:
    u, j, r, k, s, p, d, m, t, b, c = (z3.Int(x, ctx) for x in "ujrkspdmtbc")

    def lo(q: z3.ArithRef) -> z3.ArithRef:
        return u + q * j

    def hi(q: z3.ArithRef) -> z3.ArithRef:
        return u + q * j + r - 1

    if name == "window":
        q = m * s - p + d * t
        u2, j2, r2 = u - p * j, s * j, r + d * (k - 1) * j
        # split into identities and one product sign: each is easy for the solver
        return [lo(q) - (u2 + m * j2) == d * t * j,
                (u2 + m * j2 + r2 - 1) - hi(q) == d * (k - 1 - t) * j,
                lo(m * s - p) == u2 + m * j2,
                hi(m * s - p + d * (k - 1)) == u2 + m * j2 + r2 - 1,
                _nonneg_product(ctx)]
    if name == "transposed":
        q = m + p - d * t
        u2, r2 = u + (p - d * (k - 1)) * j, r + d * (k - 1) * j
        return [lo(q) - (u2 + m * j) == d * (k - 1 - t) * j,
                (u2 + m * j + r2 - 1) - hi(q) == d * t * j,
                lo(m + p - d * (k - 1)) == u2 + m * j,
                hi(m + p) == u2 + m * j + r2 - 1,
                _nonneg_product(ctx)]
    if name == "shift":
        return [lo(m * c + b) == (u + b * j) + m * (c * j),
                hi(m * c + b) == (u + b * j) + m * (c * j) + r - 1]
    if name == "merge":
        ua, ra, ub, rb = (z3.Int(x, ctx) for x in ("ua", "ra", "ub", "rb"))
        least = z3.If(ua <= ub, ua, ub)
        most = z3.If(ua + ra >= ub + rb, ua + ra, ub + rb)
        lo_a, lo_b, hi_a, hi_b = ua + m * j, ub + m * j, ua + m * j + ra - 1, ub + m * j + rb - 1
        return [z3.If(lo_a <= lo_b, lo_a, lo_b) == least + m * j,
                z3.If(hi_a >= hi_b, hi_a, hi_b) == most + m * j - 1]
    raise KeyError(name)


def _normalises_to_zero(claim: z3.BoolRef) -> bool:
    """A polynomial identity lhs = rhs whose difference Z3's simplifier brings to the sum of
    monomials 0: proved by ring normalisation (the solver takes far longer on these)."""
    if not z3.is_eq(claim):
        return False
    difference = z3.simplify(claim.arg(0) - claim.arg(1), som=True)
    return bool(z3.is_int_value(difference) and difference.as_long() == 0)


def _nonneg_product(ctx: z3.Context) -> z3.BoolRef:
    # the identities above leave d·t·j and d·(k−1−t)·j: products of non-negative factors
    x, y, w = (z3.Int(n, ctx) for n in ("x", "y", "w"))
    return z3.Implies(z3.And(x >= 0, y >= 0, w >= 0), x * y * w >= 0)


@cache
def prove_step(name: str, timeout: float = DEFAULT_TIMEOUT) -> Theorem:
    start = time.perf_counter()
    ctx = general_context()
    worst = Verdict.PROVED
    reason = ""
    for claim in _claims(name, ctx):
        if _normalises_to_zero(claim):
            continue
        solver = z3.Solver(ctx=ctx)
        solver.set("timeout", max(1, int(timeout * 1000)))
        solver.add(z3.Not(claim))
        verdict = solver.check()
        if verdict == z3.sat:
            worst, reason = Verdict.REFUTED, f"a part is false: {claim}"
            break
        if verdict == z3.unknown:
            worst, reason = Verdict.UNKNOWN, solver.reason_unknown() or "unknown"
    return Theorem(f"receptive.{name}", STEP_STATEMENTS[name],
                   Outcome(worst, time.perf_counter() - start, reason=reason))


def prove_steps(names: frozenset[str], timeout: float = DEFAULT_TIMEOUT) -> tuple[Theorem, ...]:
    return tuple(prove_step(n, timeout) for n in sorted(names))
