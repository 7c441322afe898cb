"""Verify a Python function against a relation, from its source text, for all integers.

The function is read with :mod:`symconv.pysem` (never imported or run). Its parameters are bound
to the relation's symbols (by name or by an explicit map, or to constants); under the relation's
hypotheses (symbol domains and conditions) the claim is

    the function returns, without raising, an integer equal to the relation's output.

``proved``: Z3 shows the negation unsatisfiable. ``refuted``: a counterexample, re-evaluated in
plain Python on both sides — the function's outcome from its translation, the relation's output
with :func:`symconv.evaluate.evaluate` — and reported only if the two really differ.
``unsupported``: the function uses a construct outside the translated subset (floats included: they
are never proved). ``unknown``: the solver gave up (its reason is reported).
"""

from __future__ import annotations

import io
import re
import time
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp
import z3

from symconv import pysem
from symconv.errors import UsageError, path_kind
from symconv.evaluate import EvaluationError, evaluate
from symconv.relations import RELATIONS, Kind, Relation
from symconv.symbols import SYMBOLS, d, i, k, k_hat, p, s
from symconv.z3bridge import TranslationError, Z3Translator

MAX_SOURCE_BYTES = 1_000_000
EXIT_CODES = {"proved": 0, "refuted": 1, "unknown": 3, "unsupported": 4}

_KH = k_hat()


def _ceil_mode_pooling() -> Relation:
    """PyTorch's ceil_mode pooling (not in the guide): windows start every s units; a window is
    kept if it starts at or before the last padded position reachable by rounding up, and starts
    inside the input or the left padding — so o = min(ceil((i + 2p - k̂)/s) + 1, ceil((i + p)/s)).
    PyTorch requires p ≤ k̂/2 (pool2d_shape_check: kW // 2 >= padW at d = 1)."""
    expr = sp.Min(sp.ceiling((i + 2 * p - _KH) / s) + 1, sp.ceiling((i + p) / s))
    conditions = (sp.Le(2 * p, _KH), sp.Ge(i + 2 * p, _KH))
    params = (i, k, s, p, d)
    return Relation("PCEIL", "3 (PyTorch ceil_mode)", "pooling, ceil mode (PyTorch)",
                    Kind.POOLING, conditions, expr, params, _KH)


EXTRA_RELATIONS: Mapping[str, Relation] = {"PCEIL": _ceil_mode_pooling()}


def find_relation(rid: str) -> Relation:
    key = rid.upper()
    if key in RELATIONS:
        return RELATIONS[key]
    if key in EXTRA_RELATIONS:
        return EXTRA_RELATIONS[key]
    known = ", ".join([*RELATIONS, *EXTRA_RELATIONS])
    raise UsageError(f"--relation: unknown relation {rid!r}; known: {known}")


# ---------------------------------------------------------------------------------------------
# Reading the target and the --map values (no eval: a tiny grammar)


def split_target(target: str) -> tuple[Path, str]:
    path_text, sep, func = target.rpartition(":")
    if not sep or not path_text:
        raise UsageError(f"PATH:FUNC: expected a file and a function name, got {target!r}")
    if not func.isidentifier():
        raise UsageError(f"PATH:FUNC: function name {func!r} is not a Python identifier")
    return Path(path_text), func


def read_source(path: Path) -> str:
    """The file's text, decoded as Python decodes a source file (a UTF-8 BOM, a ``coding:``
    line, else UTF-8: :func:`tokenize.detect_encoding`) — read as bytes, never imported."""
    if path_kind(path, "PATH") != "file":
        raise UsageError(f"PATH: {str(path)!r} is not a readable file")
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise UsageError(f"PATH: {str(path)!r} has {size} bytes (limit {MAX_SOURCE_BYTES})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"PATH: cannot read {str(path)!r}: {exc}") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an unknown codec, a BOM with another coding line, non-UTF-8
        raise UsageError(f"PATH: {str(path)!r} is not Python source text (utf-8 unless a "
                         f"coding line says otherwise): {exc.msg}") from None
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UsageError(f"PATH: cannot read {str(path)!r} as {encoding} text: {exc}") from None


_TOKEN = re.compile(r"\s*(-?\d{1,30}|True|False|None|[A-Za-z_][A-Za-z_0-9]*'?|\[|\]|,)\s*")
_PRIME = "\u2032"
_PRETTY = {"i'": "i_prime", "k'": "k_prime", "s'": "s_prime", "p'": "p_prime", "o'": "o_prime",
           **{f"{x}{_PRIME}": f"{x}_prime" for x in "ikspo"}, f"ĩ{_PRIME}": "i_tilde"}
_O_PRIME = f"o{_PRIME}"


@dataclass(frozen=True, slots=True)
class Binding:
    param: str
    text: str  # as shown to the user
    value: Any  # what pysem receives: a Z3 Int, int, bool, None or a list of these
    symbols: tuple[sp.Symbol, ...] = ()
    default: bool = False


def parse_map_value(text: str, relation: Relation, param: str) -> Binding:
    """``SYMBOL``, an integer, ``True``/``False``/``None`` or a list ``[2, 3, i]`` of these."""
    raw = text.strip()
    for pretty, name in _PRETTY.items():
        raw = raw.replace(pretty, name)
    tokens: list[str] = []
    pos = 0
    while pos < len(raw):
        m = _TOKEN.match(raw, pos)
        if m is None or m.end() == pos:
            raise UsageError(f"--map {param}: cannot read {text!r} at character {pos + 1} "
                             "(expected a symbol, an integer, True/False/None or [a, b, ...])")
        tokens.append(m.group(1))
        pos = m.end()
    if not tokens:
        raise UsageError(f"--map {param}: empty value")
    symbols: list[sp.Symbol] = []
    by_name = {x.name: x for x in relation.symbols}

    def atom(tok: str) -> Any:
        if tok == "True":
            return True
        if tok == "False":
            return False
        if tok == "None":
            return None
        if re.fullmatch(r"-?\d+", tok):
            return int(tok)
        if tok in by_name:
            symbols.append(by_name[tok])
            return z3.Int(tok)
        names = ", ".join(sorted(by_name))
        raise UsageError(f"--map {param}: {tok!r} is not a symbol of {relation.id} "
                         f"(symbols: {names}), an integer, True, False or None")

    if tokens[0] == "[":
        if tokens[-1] != "]":
            raise UsageError(f"--map {param}: unterminated list {text!r}")
        inner = tokens[1:-1]
        items: list[Any] = []
        expect_item = True
        for tok in inner:
            if expect_item:
                if tok in "[],":
                    raise UsageError(f"--map {param}: bad list {text!r} (nested or empty item)")
                items.append(atom(tok))
            elif tok != ",":
                raise UsageError(f"--map {param}: expected ',' in {text!r}, got {tok!r}")
            expect_item = not expect_item
        if inner and expect_item:
            raise UsageError(f"--map {param}: trailing ',' in {text!r}")
        shown = "[" + ", ".join(_show_atom(x) for x in items) + "]"
        return Binding(param, shown, items, tuple(symbols))
    if len(tokens) != 1:
        raise UsageError(f"--map {param}: expected one value, got {text!r}")
    value = atom(tokens[0])
    return Binding(param, _show_atom(value), value, tuple(symbols))


def _show_atom(x: Any) -> str:
    if isinstance(x, z3.ExprRef):
        name = x.decl().name()
        return SYMBOLS[name].pretty if name in SYMBOLS else name
    return repr(x)


def parse_maps(items: Sequence[str], relation: Relation) -> dict[str, Binding]:
    out: dict[str, Binding] = {}
    for item in items:
        param, sep, value = item.partition("=")
        param = param.strip()
        if not sep or not param.isidentifier():
            raise UsageError(f"--map: expected ARG=VALUE with ARG a parameter name, got {item!r}")
        if param in out:
            raise UsageError(f"--map: parameter {param} mapped twice")
        out[param] = parse_map_value(value, relation, param)
    return out


def bind_parameters(
    params: Sequence[pysem.Param], relation: Relation, maps: Mapping[str, Binding], func: str
) -> list[Binding]:
    """Every parameter's binding: --map, else the relation symbol of the same name, else its
    default."""
    names = {x.name for x in params}
    for extra in maps:
        if extra not in names:
            raise UsageError(f"--map {extra}: {func} has no parameter {extra} "
                             f"(parameters: {', '.join(x.name for x in params)})")
    by_name = {x.name: x for x in relation.symbols}
    out: list[Binding] = []
    for param in params:
        if param.name in maps:
            out.append(maps[param.name])
        elif param.name in by_name:
            sym = by_name[param.name]
            out.append(Binding(param.name, SYMBOLS[sym.name].pretty if sym.name in SYMBOLS
                               else sym.name, z3.Int(sym.name), (sym,)))
        elif param.has_default:
            value = pysem.as_python(param.default)
            out.append(Binding(param.name, repr(value), value, default=True))
        else:
            raise UsageError(
                f"parameter {param.name} of {func} matches no symbol of {relation.id} "
                f"({', '.join(x.name for x in relation.symbols)}) and has no default: "
                f"use --map {param.name}=SYMBOL or --map {param.name}=VALUE"
            )
    return out


# ---------------------------------------------------------------------------------------------
# The verdict


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str
    function: str
    relation: str
    claim: str
    mapping: tuple[tuple[str, str], ...]
    assumptions: tuple[str, ...]
    seconds: float
    counterexample: Mapping[str, int] | None = None
    function_side: str = ""
    relation_side: str = ""
    reason: str = ""
    paths: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "status": self.status,
            "function": self.function,
            "relation": self.relation,
            "claim": self.claim,
            "mapping": dict(self.mapping),
            "assumptions": list(self.assumptions),
            "seconds": round(self.seconds, 6),
            "paths": self.paths,
        }
        if self.counterexample is not None:
            obj["counterexample"] = dict(self.counterexample)
            obj["function_side"] = self.function_side
            obj["relation_side"] = self.relation_side
        if self.reason:
            obj["reason"] = self.reason
        if self.notes:
            obj["notes"] = list(self.notes)
        return obj

    def describe(self) -> str:
        lines = [
            f"{self.function} against {self.relation}: {self.status} ({self.seconds:.2f} s)",
            "  mapping: " + ", ".join(f"{k}={v}" for k, v in self.mapping),
            "  assumes: " + "; ".join(self.assumptions),
            f"  claim: {self.claim}",
        ]
        if self.counterexample is not None:
            cx = ", ".join(f"{k}={v}" for k, v in self.counterexample.items())
            lines.append(f"  counterexample: {cx}")
            lines.append(f"    function (translated): {self.function_side}")
            lines.append(f"    relation (evaluated):  {self.relation_side}")
        if self.reason:
            lines.append(f"  reason: {self.reason}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def _text(expr: sp.Basic) -> str:
    return str(expr).replace("i_tilde", f"ĩ{_PRIME}").replace("_prime", _PRIME)


@dataclass(slots=True)
class _Run:
    """One verification: what every verdict it gives repeats (the claim, the mapping...)."""

    name: str
    relation: Relation
    claim: str
    mapping: tuple[tuple[str, str], ...]
    assumptions: tuple[str, ...]
    notes: list[str]
    start: float

    def verdict(self, status: str, **kw: Any) -> Verdict:
        return Verdict(status, self.name, self.relation.id, self.claim, self.mapping,
                       self.assumptions, time.perf_counter() - self.start,
                       notes=tuple(self.notes), **kw)


def _read_module(source: str, func: str, limits: pysem.Limits, where: str) -> pysem.Module:
    """The module's top level; bad input (not Python, no such function) as a UsageError."""
    try:
        module = pysem.parse_module(source, limits)
    except pysem.InvalidSource as exc:
        raise UsageError(f"PATH {where}: {exc}") from None
    if func not in module.functions:
        raise UsageError(f"FUNC: {module.no_function(func)}")
    return module


def _start(module: pysem.Module, source: str, func: str, relation: Relation,
           maps: Mapping[str, Binding], index: int | None, name: str, limits: pysem.Limits,
           start: float) -> tuple[_Run, list[Binding]]:
    params = pysem.signature(source, func, limits=limits, module=module)
    bindings = bind_parameters(params, relation, maps, func)
    mapping = tuple((b.param, b.text + (" (default)" if b.default else "")) for b in bindings)
    output = _O_PRIME if relation.kind is Kind.TRANSPOSED else "o"
    call = f"{func}({', '.join(b.text for b in bindings)})" + (
        f"[{index}]" if index is not None else "")
    claim = f"{call} returns {output} = {_text(relation.expr)}"
    assumptions = tuple(_text(h) for h in relation.hypotheses())
    mapped = {x for b in bindings for x in b.symbols}
    notes: list[str] = []
    lines = module.redefined.get(func)
    if lines:
        notes.append(f"{func} is defined {len(lines)} times (lines "
                     f"{', '.join(map(str, lines))}); Python binds the last, line {lines[-1]}: "
                     "that one is verified")
    unmapped = sorted(x.name for x in relation.expr.free_symbols - mapped)
    if unmapped:
        notes.append("relation symbols mapped to no parameter (the function must not depend "
                     f"on them): {', '.join(unmapped)}")
    return _Run(name, relation, claim, mapping, assumptions, notes, start), bindings


def verify_source(
    source: str,
    func: str,
    relation: Relation,
    maps: Mapping[str, Binding] | None = None,
    *,
    index: int | None = None,
    timeout: float = 10.0,
    label: str | None = None,
    where: str = "(source text)",
) -> Verdict:
    """Verify function ``func`` of ``source`` against ``relation`` (see the module docstring).

    Bad input raises :class:`UsageError`: source that is not Python (``where`` names it), no
    such function, an ``index`` that no returned value has.
    """
    start = time.perf_counter()
    limits = pysem.Limits(seconds=max(0.5, timeout))
    try:
        module = _read_module(source, func, limits, where)
        run, bindings = _start(module, source, func, relation, maps or {}, index, label or func,
                               limits, start)
    except pysem.Unsupported as exc:
        return Verdict("unsupported", label or func, relation.id, "", (), (),
                       time.perf_counter() - start, reason=str(exc))
    try:
        sem = pysem.translate_function(source, func, {b.param: b.value for b in bindings},
                                       limits=limits, module=module)
    except pysem.FloatArithmetic as exc:
        return _float_verdict(run, exc, source, func, bindings, index, limits, timeout)
    except pysem.Unsupported as exc:
        return run.verdict("unsupported", reason=str(exc))
    except (RecursionError, MemoryError, z3.Z3Exception) as exc:
        return run.verdict("unsupported",
                           reason=f"translation failed: {type(exc).__name__}: {exc}")
    try:
        sem = _indexed(sem, index, func)
    except pysem.Unsupported as exc:
        return run.verdict("unsupported", reason=str(exc))
    return _prove(run, sem, timeout)


def _indexed(sem: pysem.FunctionSemantics, index: int | None, func: str
             ) -> pysem.FunctionSemantics:
    """``sem`` followed by ``[index]`` (Python's semantics); bad input when no value the
    function returns has that element."""
    if index is None:
        return sem
    returned = [p.outcome.value for p in sem.paths if p.outcome.kind is pysem.Kind.RETURN]
    out = sem.subscript(index)
    if returned and not any(p.outcome.kind is pysem.Kind.RETURN for p in out.paths):
        kinds = sorted({_kind_text(v) for v in returned})
        raise UsageError(f"--index {index}: no value {func} returns has an element {index} "
                         f"(it returns {' or '.join(kinds)})")
    return out


def _kind_text(v: pysem.Value | None) -> str:
    if isinstance(v, pysem.TupleV | pysem.ListV):
        kind = "tuple" if isinstance(v, pysem.TupleV) else "list"
        return f"a {kind} of {len(v.items)} element{'s' if len(v.items) != 1 else ''}"
    return "NoneType" if v is None else pysem.type_name(v)


def _prove(run: _Run, sem: pysem.FunctionSemantics, timeout: float) -> Verdict:
    relation = run.relation
    if sem.paths and all(p.outcome.kind is not pysem.Kind.RETURN for p in sem.paths):
        raised = sorted({p.outcome.exception for p in sem.paths})
        run.notes.append(f"{sem.name} returns on no path: every input raises "
                         f"({', '.join(raised)})")
    hyps = relation.hypotheses()
    tr = Z3Translator()
    try:
        z_hyps = [tr.translate(h) for h in hyps]
        hyp_defined = list(tr.obligations)
        tr.obligations.clear()
        expected = tr.translate(relation.expr)
    except TranslationError as exc:
        return run.verdict("unsupported", reason=f"relation not translatable: {exc}")
    defined = z3.And(*tr.obligations) if tr.obligations else z3.BoolVal(True)
    correct = []
    for path in sem.paths:
        if path.outcome.kind is not pysem.Kind.RETURN:
            continue
        try:
            value = _returned_int(path.outcome.value)
        except pysem.Unsupported:
            continue  # a path returning a non-integer (a bool too) is wrong wherever it is taken
        correct.append(z3.And(path.condition, value == expected))
    goal = z3.Or(*correct) if correct else z3.BoolVal(False)
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(*z_hyps, *hyp_defined)
    solver.add(z3.Not(z3.And(defined, goal)))
    paths = len(sem.paths)
    try:
        answer = solver.check()
    except z3.Z3Exception as exc:
        return run.verdict("unknown", reason=f"solver error: {exc}", paths=paths)
    if answer == z3.unsat:
        return run.verdict("proved", paths=paths)
    if answer != z3.sat:
        return run.verdict("unknown", reason=solver.reason_unknown() or "unknown", paths=paths)
    model = solver.model()
    names = sorted({*(x.name for x in relation.symbols), *_free_names(sem)})
    try:
        cx = {n: model.eval(z3.Int(n), model_completion=True).as_long() for n in names}
    except ValueError as exc:  # a model value beyond Python's int/str conversion limit
        return run.verdict("unknown", reason=f"counterexample too large to report: {exc}",
                           paths=paths)
    for n in _bool_names(sem):
        cx[n] = int(z3.is_true(model.eval(z3.Bool(n), model_completion=True)))
    return _recheck(run, sem, cx, paths)


def _free_names(sem: pysem.FunctionSemantics) -> set[str]:
    out: set[str] = set()
    for v in sem.inputs.values():
        for item in v.items if isinstance(v, pysem.ListV | pysem.TupleV) else (v,):
            if isinstance(item, z3.ArithRef) and z3.is_const(item) and not z3.is_int_value(item):
                out.add(item.decl().name())
    return out


def _bool_names(sem: pysem.FunctionSemantics) -> set[str]:
    return {v.decl().name() for v in sem.inputs.values()
            if isinstance(v, z3.BoolRef) and z3.is_const(v) and not z3.is_true(v)
            and not z3.is_false(v)}


def _recheck(run: _Run, sem: pysem.FunctionSemantics, cx: dict[str, int], paths: int,
             note: str = "") -> Verdict:
    """Both sides at the counterexample, in plain Python; refuted only if they really differ."""
    relation = run.relation
    try:
        hyps_hold = all(evaluate(h, cx) is True for h in relation.hypotheses())
    except EvaluationError as exc:
        hyps_hold = False
        bad = str(exc)
    else:
        bad = ""
    if not hyps_hold:
        return run.verdict("unknown", paths=paths,
                           reason=f"solver model violates the assumptions {bad}".strip())
    try:
        out = sem.at(cx)
    except pysem.Unsupported as exc:
        return run.verdict("unknown", reason=f"cannot re-evaluate the counterexample: {exc}",
                           paths=paths)
    try:
        expected = evaluate(relation.expr, cx)
        out_name = _O_PRIME if relation.kind is Kind.TRANSPOSED else "o"
        relation_side = f"{out_name} = {expected}"
    except EvaluationError as exc:
        expected = None
        relation_side = f"undefined: {exc}"
    if _returned(out) == expected and expected is not None:
        return run.verdict("unknown", reason="solver model re-evaluates to agreement (not a "
                           "counterexample); refusing to report it", paths=paths)
    return run.verdict("refuted", counterexample=cx, function_side=out.describe(),
                       relation_side=relation_side, paths=paths, reason=note)


def _returned_int(v: pysem.Value | None) -> z3.ExprRef:
    """The int a path returns. A bool is not one: ``True == 1`` in Python, but a function
    specified to return an int that returns ``True`` is wrong at that input (``o == 1 or o``)."""
    if isinstance(v, z3.BoolRef):
        raise pysem.Unsupported(f"returned value {pysem.show(v)} is a bool, not an int")
    return pysem.select_int(v, None)


def _returned(out: pysem.Outcome) -> object:
    """The integer an outcome returns, else None (a bool too)."""
    if out.kind is not pysem.Kind.RETURN:
        return None
    try:
        return pysem.as_python(z3.simplify(_returned_int(out.value)))
    except pysem.Unsupported:
        return None


# Large magnitudes where doubles lose integers (2**53 and up), with small and odd strides.
PROBES: tuple[tuple[int | None, int], ...] = tuple(
    (big, stride)
    for big in (None, 2**53 + 1, 2**53 + 3, 2**54 + 5, 2**60 + 7, 10**17 + 1, 2**80 + 1)
    for stride in (1, 2, 3, 7)
)


@dataclass(frozen=True, slots=True)
class _Probe:
    """What evaluating float code at points of the domain found: a counterexample (the
    function at that point, the point), how many points were compared, and why it stopped
    before the last probe ("" if it did not)."""

    found: tuple[pysem.FunctionSemantics, dict[str, int]] | None
    compared: int
    stopped: str


def _float_verdict(run: _Run, exc: pysem.FloatArithmetic, source: str, func: str,
                   bindings: Sequence[Binding], index: int | None, limits: pysem.Limits,
                   timeout: float) -> Verdict:
    probe = _float_probe(source, func, run.relation, bindings, index, limits, timeout)
    if probe.found is not None:
        sem_at, cx = probe.found
        return _recheck(run, sem_at, cx, len(sem_at.paths),
                        note=f"{exc}; counterexample found by evaluating the float code at "
                        "probe points (Python float semantics), not by a proof")
    n = probe.compared
    points = f"{n} point{'' if n == 1 else 's'}" if n else "no point"
    reason = (f"{exc}; evaluated at {points} of the domain with Python's float semantics, no "
              "counterexample (float code is never proved)")
    if probe.stopped:
        reason += f"; evaluation stopped: {probe.stopped}"
    return run.verdict("unsupported", reason=reason)


def _probe_solver(hyps: Sequence[z3.BoolRef], names: Sequence[str], big_name: str,
                  big: int | None, stride: int) -> z3.Solver:
    """A point of the domain with ``big_name`` = big (or small) and the stride ``stride``."""
    solver = z3.Solver()
    solver.set("timeout", 2000)
    solver.add(*hyps)
    for name in names:
        var = z3.Int(name)
        if name == big_name:
            solver.add(var == big if big is not None else var <= 64)
        elif name in ("s", "s_prime"):
            solver.add(var == stride)
        elif name in ("i", "i_prime"):
            continue  # tied to the big one by the relation's conditions
        else:
            solver.add(var <= 3)
    return solver


def _float_probe(
    source: str, func: str, relation: Relation, bindings: Sequence[Binding],
    index: int | None, limits: pysem.Limits, timeout: float,
) -> _Probe:
    """Points of the relation's domain (from Z3) at which the float code, evaluated with every
    input a constant, disagrees with the relation: the first one found."""
    tr = Z3Translator()
    hyps = [tr.translate(h) for h in relation.hypotheses()]
    hyps.extend(tr.obligations)
    mapped = [x for b in bindings for x in b.symbols]
    big_symbol = next((x for x in mapped if x.name in ("i", "i_prime")), mapped[0] if mapped
                      else None)
    if big_symbol is None:
        return _Probe(None, 0, "no parameter is mapped to a relation symbol")
    names = sorted(x.name for x in relation.symbols)
    deadline = time.perf_counter() + timeout
    compared = 0
    for big, stride in PROBES:
        if time.perf_counter() > deadline:
            return _Probe(None, compared, f"time limit of {timeout} s")
        solver = _probe_solver(hyps, names, big_symbol.name, big, stride)
        if solver.check() != z3.sat:
            continue
        model = solver.model()
        cx = {n: model.eval(z3.Int(n), model_completion=True).as_long() for n in names}
        concrete = {b.param: _concretize(b.value, cx) for b in bindings}
        try:
            sem = _indexed(pysem.translate_function(source, func, concrete, limits=limits),
                           index, func)
            out = sem.at({})
        except pysem.Unsupported as exc:
            return _Probe(None, compared, f"at {_show_point(cx)}: {exc}")
        try:
            expected = evaluate(relation.expr, cx)
        except EvaluationError:
            continue
        compared += 1
        got = _returned(out)
        if got is None and out.kind is pysem.Kind.RETURN and isinstance(out.value, pysem.FloatV):
            got = out.value.value  # a float equal to the integer is not a counterexample
        if got != expected:
            return _Probe((sem, cx), compared, "")
    return _Probe(None, compared, "")


def _show_point(cx: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in cx.items())


def _concretize(value: Any, cx: Mapping[str, int]) -> Any:
    if isinstance(value, list):
        return [_concretize(x, cx) for x in value]
    if isinstance(value, z3.ExprRef):
        return cx[value.decl().name()]
    return value


def verify_file(path: Path, func: str, relation: Relation, map_items: Sequence[str] = (),
                *, index: int | None = None, timeout: float = 10.0) -> Verdict:
    source = read_source(path)
    maps = parse_maps(map_items, relation)
    return verify_source(source, func, relation, maps, index=index, timeout=timeout,
                         label=f"{path}:{func}", where=repr(str(path)))
