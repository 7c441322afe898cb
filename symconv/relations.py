"""The guide's relations 1–15 as data.

Each relation is what the guide states — conditions and output expression — plus what it means
from first principles, from which :func:`meaning` builds the claims that ``symconv prove`` checks:

* a direct convolution (or pooling) of output ``o`` counts kernel placements: the last one fits
  and one more does not, ``(o − 1)s + k̂ ≤ i + 2p < o·s + k̂``;
* a transposed convolution restores the input of its direct convolution, ``o′ = i``, and equals
  the equivalent direct convolution over the stretched input ``ĩ′ = i′ + (s − 1)(i′ − 1)`` with
  padding ``p′`` on each side and ``a`` extra zeros at one end.

The conditions tie a transposed relation to its direct convolution (``i′`` is that convolution's
output) — the guide's "a convolution described by k, s and p … has an associated transposed
convolution".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

import sympy as sp

from symconv.printing import pretty
from symconv.prover import Claim
from symconv.symbols import a, d, i, i_prime, i_tilde, k, k_hat, k_prime, n, o, o_prime, p
from symconv.symbols import p_prime, s, s_prime, domains_for


class Kind(Enum):
    CONVOLUTION = "convolution"
    POOLING = "pooling"
    TRANSPOSED = "transposed"


@dataclass(frozen=True, slots=True)
class Relation:
    id: str
    section: str
    title: str
    kind: Kind
    conditions: tuple[sp.Basic, ...]
    expr: sp.Expr
    parameters: tuple[sp.Symbol, ...]
    kernel_extent: sp.Expr = k
    equivalent: Mapping[sp.Symbol, sp.Expr] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return int(self.id[1:])

    @property
    def output(self) -> sp.Symbol:
        return o_prime if self.kind is Kind.TRANSPOSED else o

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """Every symbol the relation mentions (parameters, condition-only ones such as i, n)."""
        free: set[sp.Symbol] = set(self.expr.free_symbols) | set(self.parameters)
        for cond in self.conditions:
            free |= cond.free_symbols
        return tuple(sorted(free, key=lambda x: x.name))

    def hypotheses(self) -> tuple[sp.Basic, ...]:
        """Symbol domains and the relation's conditions."""
        return (*domains_for(self.symbols), *self.conditions)

    def statement(self) -> str:
        return f"{pretty(self.output)} = {pretty(self.expr)}"


def _fits(extent: sp.Expr = k) -> sp.Basic:
    return sp.Ge(i + 2 * p, extent)


def _direct_output(extent: sp.Expr = k) -> sp.Expr:
    return sp.floor((i + 2 * p - extent) / s) + 1


# The direct convolution a transposed relation belongs to: i' is its output, and it fits.
_TRANSPOSE_OF = (sp.Eq(i_prime, _direct_output()), _fits())
_STRETCHED = i_prime + (s - 1) * (i_prime - 1)


def _conv(
    rid: str,
    section: str,
    title: str,
    conditions: Sequence[sp.Basic],
    expr: sp.Expr,
    *,
    kind: Kind = Kind.CONVOLUTION,
    extent: sp.Expr = k,
) -> Relation:
    params = tuple(x for x in (i, k, s, p, d) if x in expr.free_symbols or x in _mentions(
        conditions))
    return Relation(
        rid, section, title, kind, (*conditions, _fits(extent)), expr, params, extent
    )


def _mentions(conditions: Sequence[sp.Basic]) -> set[sp.Symbol]:
    out: set[sp.Symbol] = set()
    for cond in conditions:
        out |= cond.free_symbols
    return out


def _transposed(
    rid: str,
    section: str,
    title: str,
    conditions: Sequence[sp.Basic],
    expr: sp.Expr,
    equivalent: Mapping[sp.Symbol, sp.Expr],
) -> Relation:
    params = tuple(x for x in (i_prime, k, s, p, a) if x in expr.free_symbols or x in _mentions(
        conditions))
    return Relation(
        rid, section, title, Kind.TRANSPOSED, (*conditions, *_TRANSPOSE_OF), expr, params,
        k, dict(equivalent),
    )


_S1 = sp.Eq(s, 1)
_P0 = sp.Eq(p, 0)
_HALF = (sp.Eq(k, 2 * n + 1), sp.Eq(p, sp.floor(k / 2)), _S1)
_FULL = (sp.Eq(p, k - 1), _S1)


RELATIONS: Mapping[str, Relation] = {
    r.id: r
    for r in (
        _conv("R1", "2.1", "no zero padding, unit strides", (_S1, _P0), (i - k) + 1),
        _conv("R2", "2.2", "zero padding, unit strides", (_S1,), (i - k) + 2 * p + 1),
        _conv("R3", "2.2.1", "half (same) padding", _HALF, i),
        _conv("R4", "2.2.2", "full padding", _FULL, i + (k - 1)),
        _conv("R5", "2.3", "no zero padding, non-unit strides", (_P0,),
              sp.floor((i - k) / s) + 1),
        _conv("R6", "2.4", "zero padding, non-unit strides", (), _direct_output()),
        _conv("R7", "3", "pooling", (_P0,), sp.floor((i - k) / s) + 1, kind=Kind.POOLING),
        _transposed("R8", "4.3", "no zero padding, unit strides, transposed", (_S1, _P0),
                    i_prime + (k - 1), {k_prime: k, s_prime: s, p_prime: k - 1}),
        _transposed("R9", "4.4", "zero padding, unit strides, transposed", (_S1,),
                    i_prime + (k - 1) - 2 * p, {k_prime: k, s_prime: s, p_prime: k - p - 1}),
        _transposed("R10", "4.4.1", "half (same) padding, transposed", _HALF, i_prime,
                    {k_prime: k, s_prime: s, p_prime: p}),
        _transposed("R11", "4.4.2", "full padding, transposed", _FULL, i_prime - (k - 1),
                    {k_prime: k, s_prime: s, p_prime: 0}),
        _transposed("R12", "4.5", "no zero padding, non-unit strides, transposed",
                    (_P0, sp.Eq(sp.Mod(i - k, s), 0)), s * (i_prime - 1) + k,
                    {i_tilde: _STRETCHED, k_prime: k, s_prime: 1, p_prime: k - 1}),
        _transposed("R13", "4.6", "zero padding, non-unit strides, transposed",
                    (sp.Eq(sp.Mod(i + 2 * p - k, s), 0),), s * (i_prime - 1) + k - 2 * p,
                    {i_tilde: _STRETCHED, k_prime: k, s_prime: 1, p_prime: k - p - 1}),
        _transposed("R14", "4.6", "zero padding, non-unit strides, transposed (general)",
                    (sp.Eq(a, sp.Mod(i + 2 * p - k, s)),), s * (i_prime - 1) + a + k - 2 * p,
                    {i_tilde: _STRETCHED, k_prime: k, s_prime: 1, p_prime: k - p - 1}),
        _conv("R15", "5.1", "dilated convolution", (),
              sp.floor((i + 2 * p - k - (k - 1) * (d - 1)) / s) + 1, extent=k_hat()),
    )
}


def get(rid: str) -> Relation:
    try:
        return RELATIONS[rid.upper()]
    except KeyError:
        known = ", ".join(RELATIONS)
        raise KeyError(f"unknown relation {rid!r}; known: {known}") from None


def placements(out: sp.Expr, size: sp.Expr, extent: sp.Expr, stride: sp.Expr) -> sp.Basic:
    """``out`` kernel placements of stride ``stride`` on ``size`` units: the last one fits and
    one more does not."""
    return sp.And(
        sp.Le((out - 1) * stride + extent, size), sp.Lt(size, out * stride + extent)
    )


def meaning(rel: Relation) -> Claim:
    """The first-principles claim behind a relation (see the module docstring)."""
    if rel.kind is not Kind.TRANSPOSED:
        goal = placements(rel.expr, i + 2 * p, rel.kernel_extent, s)
        text = f"o = {pretty(rel.expr)} counts kernel placements: (o−1)s + k̂ ≤ i+2p < o·s + k̂"
        return Claim(goal, rel.hypotheses(), text)
    eq = rel.equivalent
    stretched = eq.get(i_tilde, i_prime)
    padded = stretched + 2 * eq[p_prime] + (a if a in rel.expr.free_symbols else 0)
    # The equivalent convolution pads with p' = k - p - 1 zeros: a real padding only for p < k.
    goal = sp.And(
        sp.Eq(rel.expr, i),
        sp.Implies(
            sp.Le(p, k - 1),
            sp.And(sp.Eq(eq[p_prime], k - p - 1), placements(rel.expr, padded, k, 1)),
        ),
    )
    text = (
        f"o′ = {pretty(rel.expr)} restores i, and equals the direct convolution with k′ = k,"
        f" s′ = 1, p′ = {pretty(eq[p_prime])} over {'ĩ′' if i_tilde in eq else 'i′'}"
        f"{' plus a zeros' if a in rel.expr.free_symbols else ''}"
    )
    return Claim(goal, rel.hypotheses(), text)


@dataclass(frozen=True, slots=True)
class NDRelation:
    """A relation in N dimensions: every symbol gets one copy per axis (``i_1``, ``k_1``, …),
    so sizes, kernels, strides and paddings may differ between axes (non-square)."""

    relation: Relation
    dims: int
    outputs: tuple[sp.Expr, ...]
    conditions: tuple[sp.Basic, ...]

    def axis_symbols(self, axis: int) -> dict[sp.Symbol, sp.Symbol]:
        return _axis_map(self.relation, axis)

    def evaluate(self, **per_axis: Sequence[int]) -> tuple[int, ...]:
        """Output per axis for ``name=[value on axis 1, …]``; a relation's condition that fails
        on some axis raises ValueError naming the axis."""
        from symconv.evaluate import evaluate

        env: dict[str, int] = {}
        for name, values in per_axis.items():
            if len(values) != self.dims:
                raise ValueError(f"{name} needs {self.dims} values, got {len(values)}")
            for axis, value in enumerate(values, start=1):
                env[f"{name}_{axis}"] = value
        for cond in self.conditions:
            if evaluate(cond, env) is not True:
                raise ValueError(f"condition {pretty(cond)} fails")
        return tuple(int(evaluate(out, env)) for out in self.outputs)

    def meaning(self) -> Claim:
        """Every axis's output is its own count of kernel placements."""
        goals: list[sp.Basic] = []
        hyps: list[sp.Basic] = []
        base = meaning(self.relation)
        for axis in range(1, self.dims + 1):
            mapping = _axis_map(self.relation, axis)
            goals.append(base.goal.xreplace(mapping))
            hyps.extend(h.xreplace(mapping) for h in base.hypotheses)
        return Claim(sp.And(*goals), tuple(hyps),
                     f"{self.relation.id} in {self.dims}-D: each axis counts its own placements")


def _axis_map(rel: Relation, axis: int) -> dict[sp.Symbol, sp.Symbol]:
    return {x: sp.Symbol(f"{x.name}_{axis}", integer=True) for x in rel.symbols}


def nd(rel: Relation, dims: int) -> NDRelation:
    if dims < 1:
        raise ValueError(f"dims must be >= 1, got {dims}")
    outputs: list[sp.Expr] = []
    conditions: list[sp.Basic] = []
    for axis in range(1, dims + 1):
        mapping = _axis_map(rel, axis)
        outputs.append(rel.expr.xreplace(mapping))
        conditions.extend(c.xreplace(mapping) for c in rel.hypotheses())
    return NDRelation(rel, dims, tuple(outputs), tuple(conditions))
