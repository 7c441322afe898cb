"""The shape function of a model only PyTorch's symbolic shapes read: ``symconv generate
--network --torch`` where torch.fx cannot record the forward (or with ``--symbolic``).

The subject is a traced study (:mod:`symconv.network.traced`): every path explored, coverage
proved, V a product of per-axis periodic sets, proved. The function checks each axis against
its set (one requirement per axis whose set is not every size ≥ 1, refused by the model as a
whole: which layer refuses depends on the other axes too) and returns the outputs' spatial sizes
in one closed form per size: one of the valid paths' forms, chosen where Z3 proves it equal to
every valid path's on that path's region.

:func:`prove_subject` proves the spec against the paths for every size (``net.model.<name>``):
its checks hold exactly on the union of the valid regions, and on each valid region its results
are that path's sizes. The emitted texts are then proved against the spec as for every network
(:mod:`symconv.network.codegen_proofs`), so the chain reaches PyTorch's own expressions.

Refused, never approximated: a model whose coverage or V is not proved, whose V is not a product
of per-axis sets, explored with a fixed width, resting on float size arithmetic, or whose
outputs' forms the guards do not tell apart.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp
import z3

from symconv.codegen.c import piecewise
from symconv.codegen.pyprint import py
from symconv.codegen.spec import Check, Param, ShapeFunction
from symconv.network.codegen import (
    CodegenError,
    NetworkCode,
    Refusal,
    Subject,
    identifier,
    param_names,
    result_names,
)
from symconv.network.frontends.explore import Region, Space, decide, paths_solver
from symconv.network.frontends.symexpr import compile_python
from symconv.network.traced import TracedStudy
from symconv.network.validset import Periodic
from symconv.network.verdict import Outcome, Verdict
from symconv.z3bridge import Z3Translator


def traced_code(st: TracedStudy, source: str, timeout: float = 30.0) -> NetworkCode:
    """The shape function of the traced model (``source``: what banners name it). Raises
    :class:`CodegenError` where no function can be generated, saying why."""
    name = st.name
    if st.exploration.coverage.status is not Verdict.PROVED:
        raise CodegenError(f"{name}: the paths explored do not cover every size "
                           f"({st.exploration.coverage.reason}): no code generated")
    if st.width is not None:
        raise CodegenError(f"{name}: explored with one axis fixed: the function takes every "
                           "axis")
    if st.exploration.inexact:
        raise CodegenError(f"{name}: its paths rest on float size arithmetic, exact only "
                           "below 2**53: no code generated (the helpers take every int64)")
    sets = st.valid.sets
    if sets is None or st.valid.proof.status is not Verdict.PROVED:
        raise CodegenError(f"{name}: V has no proved normal form ({st.valid.proof.reason}): "
                           "no code generated")
    stem = identifier(name)
    params = param_names(st.axes)
    symbols = {axis: sp.Symbol(p, integer=True) for axis, p in zip(st.axes, params,
                                                                      strict=True)}
    refusals: list[Refusal] = []
    requires: list[Check] = []
    for axis, s in zip(st.axes, sets, strict=True):
        if s == Periodic(start=1, modulus=1, residues=(0,)):
            continue
        message = f"PyTorch refuses it: {name} runs only where {s.text(axis)}"
        refusals.append(Refusal(None, message, f"SYMCONV_{stem.upper()}_E_V_{axis.upper()}"))
        requires.append(Check(periodic_sympy(s, symbols[axis]), message))
    valid = [r for r in st.exploration.regions if r.path.valid]
    outputs = _output_axes(st, valid)
    results = tuple(_closed_form(st, valid, j, symbols, timeout) for j in range(len(outputs)))
    names = result_names(outputs)
    spec_params = tuple(
        Param(p, symbols[axis], None, Check(sp.Ge(symbols[axis], 1), f"{axis} >= 1"))
        for axis, p in zip(st.axes, params, strict=True))
    spec = ShapeFunction(f"{stem}_shape", "network", f"Output sizes of {name}.", spec_params,
                         tuple(requires), results, names,
                         "; ".join(f"{n} = {py(r)}" for n, r in zip(names, results,
                                                                     strict=True)))
    return NetworkCode(traced_subject(st, refusals), stem, source, params, tuple(refusals),
                       outputs, spec)


def periodic_sympy(s: Periodic, x: sp.Symbol) -> sp.Basic:
    """``x ∈ s`` as a SymPy condition the code generators take (``mod`` as ``x - m⌊x/m⌋``)."""
    parts: list[sp.Basic] = [sp.And(sp.Ge(x, lo), sp.Le(x, hi)) if lo != hi else sp.Eq(x, lo)
                             for lo, hi in s.finite]
    if s.start is not None:
        tail: sp.Basic = sp.Ge(x, s.start)
        if s.modulus != 1:
            rem = x - s.modulus * sp.floor(x / s.modulus)
            tail = sp.And(tail, sp.Or(*(sp.Eq(rem, r) for r in s.residues)))
        parts.append(tail)
    if not parts:
        return sp.Lt(x, 1)  # the empty set: never, on the domain x >= 1
    return sp.Or(*parts) if len(parts) > 1 else parts[0]


def traced_subject(st: TracedStudy, refusals: Sequence[Refusal]) -> Subject:
    """The subject of a traced study: the reference is the paths (the region at a point, its
    outputs in plain Python); a refused point's message is the first axis's set it is not in."""
    sets = st.valid.sets
    assert sets is not None
    by_axis = dict(zip((r.code.rsplit("_V_", 1)[1] for r in refusals), refusals, strict=True))

    def reference(env: Mapping[str, int]
                  ) -> tuple[tuple[int, ...] | None, tuple[str | None, str] | None]:
        point = [env[a] for a in st.axes]
        region = st.exploration.region_at(point)
        if region is None:
            raise AssertionError(f"{point} is on no path: coverage was proved")
        if not region.path.valid:
            for axis, s in zip(st.axes, sets, strict=True):
                if env[axis] not in s:
                    r = by_axis[axis.upper()]
                    return None, (r.layer, r.message)
            return None, (None, f"refused by the path at {point}, inside every axis's set")
        return tuple(int(compile_python(size, region.path.names)(env))
                     for size in _path_sizes(region, len(st.axes))), None

    doc = ("Valid exactly on V, the union of the valid paths of PyTorch's forward (every path "
           "explored, coverage proved):", f"    V: {st.valid.text()}")
    return Subject(st.name, st.axes, st.valid.text(), doc, reference,
                   refuses="the first axis outside the sizes PyTorch's forward runs at (which "
                   "layer refuses depends on every axis, so the model as a whole refuses it)",
                   forms="the output sizes of PyTorch's own paths")


def _output_axes(st: TracedStudy, valid: Sequence[Region]) -> tuple[tuple[str, str], ...]:
    rank = len(st.axes)
    layouts = {tuple(len(shape) == rank + 2 for shape in r.path.outputs or ()) for r in valid}
    if len(layouts) > 1:
        raise CodegenError(f"{st.name}: its valid paths return outputs of different ranks: "
                           "no code generated")
    layout = next(iter(layouts), ())
    kept = [j for j, spatial in enumerate(layout) if spatial]
    return tuple(("output" if len(kept) == 1 else f"output{j}", axis) for j in kept
                 for axis in st.axes)


def _closed_form(st: TracedStudy, valid: Sequence[Region], j: int,
                 symbols: Mapping[str, sp.Symbol], timeout: float) -> sp.Expr:
    """The ``j``-th result: the first valid path's form (most common first) that Z3 proves equal
    to every valid path's size on its region; where none is, each form under its paths'
    conditions (PyTorch's guards: a size's parity, say), the most common one otherwise."""
    forms: dict[str, tuple[sp.Expr, list[Region]]] = {}
    for r in valid:
        size = _path_sizes(r, len(st.axes))[j]
        names = {n: symbols[a] for n, a in r.path.names.items()}
        form = to_sympy(size, names)
        forms.setdefault(str(form), (form, []))[1].append(r)
    ranked = sorted(forms.values(), key=lambda t: -len(t[1]))
    for form, _ in ranked:
        if _equal_on_regions(st, valid, form, j, symbols, timeout).status is Verdict.PROVED:
            return form
    out = ranked[0][0]
    for form, regions in ranked[1:]:
        cond = sp.Or(*(sp.And(*(to_sympy_cond(g, {n: symbols[a]
                                                   for n, a in r.path.names.items()})
                                for g in r.path.guards)) for r in regions))
        out = piecewise(form, cond, out)
    outcome = _equal_on_regions(st, valid, out, j, symbols, timeout)
    if outcome.status is not Verdict.PROVED:
        raise CodegenError(f"{st.name}: output size {j + 1} has no closed form on V proved "
                           f"({outcome.status.value}): no code generated")
    return out


def _equal_on_regions(st: TracedStudy, valid: Sequence[Region], form: sp.Expr, j: int,
                      symbols: Mapping[str, sp.Symbol], timeout: float) -> Outcome:
    started = time.perf_counter()
    space = Space(st.axes, None, timeout)
    tr = _translator(space, symbols)
    mine = tr.translate(form)
    differs = []
    for r in valid:
        region = space.region(r.path)
        reader_out = _path_size(space, r, j)
        differs.append(z3.And(region.cond, region.exact, mine != reader_out))
    s = space.solver()
    s.add(space.domain(), z3.Or(differs))
    verdict = s.check()
    seconds = time.perf_counter() - started
    if verdict == z3.unsat:
        return Outcome(Verdict.PROVED, seconds)
    return Outcome(Verdict.REFUTED if verdict == z3.sat else Verdict.UNKNOWN, seconds)


def _translator(space: Space, symbols: Mapping[str, sp.Symbol]) -> Z3Translator:
    tr = Z3Translator(space.ctx)
    for axis, sym in symbols.items():
        tr.variables[sym.name] = space.vars[axis]
    return tr


def _path_sizes(r: Region, rank: int) -> list[Any]:
    """The spatial sizes of each output of ``r``'s path that has the input's axes (batch,
    channels, *spatial), in order; a flattened output (features, logits) has none."""
    return [x for shape in r.path.outputs or () if len(shape) == rank + 2 for x in shape[2:]]


def _path_size(space: Space, r: Region, j: int) -> z3.ArithRef:
    from symconv.network.frontends.symexpr import Z3Reader

    reader = Z3Reader(dict(r.path.names), space.ctx)
    reader.vars.update(space.vars)
    return reader.int_(_path_sizes(r, len(space.axes))[j])


def prove_subject(st: TracedStudy, code: NetworkCode, timeout: float = 30.0) -> Outcome:
    """For every size: the spec's checks hold exactly where some valid path's region holds and
    no refusing one, and on each valid region its results are that path's sizes. A
    counterexample is re-evaluated in plain Python (the paths against the spec)."""
    started = time.perf_counter()
    space = Space(st.axes, None, timeout)
    symbols = {axis: sp.Symbol(p, integer=True) for axis, p in zip(st.axes, code.params,
                                                                      strict=True)}
    tr = _translator(space, symbols)
    spec = code.spec
    checks = z3.And([z3.BoolVal(True, space.ctx),
                     *(tr.translate(c.condition) for c in spec.requires)])
    results = [tr.translate(r) for r in spec.results]
    regions = [space.region(r.path) for r in st.exploration.regions]
    s, ok, bad = paths_solver(space, regions)
    false = z3.BoolVal(False, space.ctx)
    wrong = [z3.And(r.cond, z3.Or([false, *(res != _path_size(space, r, j)
                                            for j, res in enumerate(results))]))
             for r in regions if r.path.valid]
    s.add(z3.Or(checks != z3.And(ok, z3.Not(bad)), *wrong))
    return decide(s, space, started, lambda point: _agrees(code, point), "the spec",
                  "the spec differs from PyTorch's paths there")


def _agrees(code: NetworkCode, point: Mapping[str, int]) -> bool:
    """The spec evaluated in plain Python at ``point`` (axis → size) says what the paths say."""
    spec = code.spec
    values = {p.symbol: point[axis] for p, axis in zip(spec.params, code.subject.axes,
                                                       strict=True)}
    runs = all(bool(c.condition.subs(values)) for c in spec.requires)
    want, _ = code.subject.reference(point)
    if not runs:
        return want is None
    got = tuple(int(r.subs(values)) for r in spec.results)
    return want == got


# --- PyTorch's size expressions as the code generators' SymPy --------------------------------


def to_sympy(e: Any, symbols: Mapping[str, sp.Symbol]) -> sp.Expr:
    """PyTorch's size expression (its ShapeEnv's SymPy classes, recognised by name) in plain
    integer SymPy over ``symbols`` (PyTorch's symbol name → the parameter's symbol): floors of
    quotients by positive constants, ``Max``/``Min``, sums and products. Anything else raises
    :class:`CodegenError`; whether the translation is right is proved, not assumed
    (:func:`prove_subject`)."""
    kind = type(e).__name__
    if getattr(e, "is_Symbol", False):
        if e.name not in symbols:
            raise CodegenError(f"unknown size symbol {e.name}")
        return symbols[e.name]
    if getattr(e, "is_Integer", False):
        return sp.Integer(int(e))
    if kind in ("CeilToInt", "FloorToInt", "ceiling", "floor"):
        num, den = _quotient(e.args[0], symbols)
        if kind in ("CeilToInt", "ceiling"):
            return _floor(num + den - 1, den)
        return _floor(num, den)
    args = [to_sympy(a, symbols) for a in getattr(e, "args", ())]
    if kind == "Add":
        return sp.Add(*args)
    if kind == "Mul":
        return sp.Mul(*args)
    if kind in ("FloorDiv", "CleanDiv"):
        return _floor(args[0], _positive(e.args[1], e))
    if kind in ("Mod", "PythonMod"):  # Python's %, the generators' floor modulo
        return sp.Mod(args[0], _positive(e.args[1], e))
    if kind == "ModularIndexing":
        return sp.Mod(_floor(args[0], _positive(e.args[1], e)), _positive(e.args[2], e))
    if kind in ("Max", "Min"):
        return (sp.Max if kind == "Max" else sp.Min)(*args, evaluate=False)
    raise CodegenError(f"no code for {kind} in a size ({e})")


_RELATIONS = {"Equality": sp.Eq, "Unequality": sp.Ne, "StrictLessThan": sp.Lt,
              "LessThan": sp.Le, "StrictGreaterThan": sp.Gt, "GreaterThan": sp.Ge}


def to_sympy_cond(e: Any, symbols: Mapping[str, sp.Symbol]) -> sp.Basic:
    """A guard of PyTorch's (a comparison of sizes, ``And``/``Or``/``Not`` of them) in plain
    SymPy, as :func:`to_sympy`."""
    kind = type(e).__name__
    if e is True or kind == "BooleanTrue":
        return sp.true
    if e is False or kind == "BooleanFalse":
        return sp.false
    if kind in _RELATIONS:
        a, b = (to_sympy(x, symbols) for x in e.args)
        return _RELATIONS[kind](a, b, evaluate=False)
    if kind in ("And", "Or"):
        return (sp.And if kind == "And" else sp.Or)(*(to_sympy_cond(x, symbols)
                                                        for x in e.args))
    if kind == "Not":
        return sp.Not(to_sympy_cond(e.args[0], symbols))
    raise CodegenError(f"no code for {kind} in a condition ({e})")


def _floor(num: sp.Expr, den: sp.Integer) -> sp.Expr:
    """⌊num/den⌋, a negated numerator (the ceiling idiom ``-(-h // 2)``) as ``-⌈-num/den⌉``:
    the C lowering multiplies only factors that are never negative, and sizes are not."""
    if num.could_extract_minus_sign():
        return -sp.floor((-num + den - 1) / den)
    return sp.floor(num / den)


def _positive(e: Any, whole: Any) -> sp.Integer:
    if getattr(e, "is_Integer", False) and int(e) > 0:
        return sp.Integer(int(e))
    raise CodegenError(f"a quotient by {e}, not a positive constant ({whole})")


def _quotient(e: Any, symbols: Mapping[str, sp.Symbol]) -> tuple[sp.Expr, sp.Integer]:
    if type(e).__name__ == "IntTrueDiv":
        return to_sympy(e.args[0], symbols), _positive(e.args[1], e)
    raise CodegenError(f"a rounding of {e}, not of an integer quotient")
