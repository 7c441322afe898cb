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

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy as sp
import z3

from symconv import pysem
from symconv.errors import UsageError
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
    """The file's text — read as bytes and decoded, never imported."""
    if not path.is_file():
        raise UsageError(f"PATH: {str(path)!r} is not a readable file")
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise UsageError(f"PATH: {str(path)!r} has {size} bytes (limit {MAX_SOURCE_BYTES})")
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"PATH: cannot read {str(path)!r} as UTF-8 text: {exc}") from None


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


def verify_source(
    source: str,
    func: str,
    relation: Relation,
    maps: Mapping[str, Binding] | None = None,
    *,
    index: int | None = None,
    timeout: float = 10.0,
    label: str | None = None,
) -> Verdict:
    """Verify function ``func`` of ``source`` against ``relation`` (see the module docstring)."""
    start = time.perf_counter()
    name = label or func
    limits = pysem.Limits(seconds=max(0.5, timeout))
    try:
        params = pysem.signature(source, func, limits=limits)
    except pysem.Unsupported as exc:
        if "no top-level function" in str(exc):
            raise UsageError(f"FUNC: {exc}") from None
        return Verdict("unsupported", name, relation.id, "", (), (),
                       time.perf_counter() - start, reason=str(exc))
    bindings = bind_parameters(params, relation, maps or {}, func)
    mapping = tuple((b.param, b.text + (" (default)" if b.default else "")) for b in bindings)
    output = _O_PRIME if relation.kind is Kind.TRANSPOSED else "o"
    call = f"{func}({', '.join(b.text for b in bindings)})" + (
        f"[{index}]" if index is not None else "")
    claim = f"{call} returns {output} = {_text(relation.expr)}"
    hyps = relation.hypotheses()
    assumptions = tuple(_text(h) for h in hyps)
    mapped = {x for b in bindings for x in b.symbols}
    notes: list[str] = []
    unmapped = sorted(x.name for x in relation.expr.free_symbols - mapped)
    if unmapped:
        notes.append("relation symbols mapped to no parameter (the function must not depend "
                     f"on them): {', '.join(unmapped)}")

    def verdict(status: str, **kw: Any) -> Verdict:
        return Verdict(status, name, relation.id, claim, mapping, assumptions,
                       time.perf_counter() - start, notes=tuple(notes), **kw)

    try:
        sem = pysem.translate_function(source, func, {b.param: b.value for b in bindings},
                                       limits=limits)
    except pysem.Unsupported as exc:
        if "float" not in str(exc) and "true division" not in str(exc):
            return verdict("unsupported", reason=str(exc))
        found = _float_probe(source, func, relation, bindings, index, limits, timeout)
        if found is not None:
            sem_at, cx = found
            return _recheck(verdict, relation, sem_at, cx, index, hyps, len(sem_at.paths),
                            note=f"{exc}; counterexample found by evaluating the float code at "
                            "probe points (Python float semantics), not by a proof")
        return verdict("unsupported", reason=f"{exc}; no counterexample at {len(PROBES)} "
                       "probe points (float code is never proved)")
    except (RecursionError, MemoryError, z3.Z3Exception) as exc:
        return verdict("unsupported", reason=f"translation failed: {type(exc).__name__}: {exc}")

    tr = Z3Translator()
    try:
        z_hyps = [tr.translate(h) for h in hyps]
        hyp_defined = list(tr.obligations)
        tr.obligations.clear()
        expected = tr.translate(relation.expr)
    except TranslationError as exc:
        return verdict("unsupported", reason=f"relation not translatable: {exc}")
    defined = z3.And(*tr.obligations) if tr.obligations else z3.BoolVal(True)
    correct = []
    for path in sem.paths:
        if path.outcome.kind is not pysem.Kind.RETURN:
            continue
        try:
            value = pysem.select_int(path.outcome.value, index)
        except pysem.Unsupported:
            continue  # a path returning a non-integer is wrong wherever it is taken
        correct.append(z3.And(path.condition, value == expected))
    goal = z3.Or(*correct) if correct else z3.BoolVal(False)
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(*z_hyps, *hyp_defined)
    solver.add(z3.Not(z3.And(defined, goal)))
    try:
        answer = solver.check()
    except z3.Z3Exception as exc:
        return verdict("unknown", reason=f"solver error: {exc}", paths=len(sem.paths))
    if answer == z3.unsat:
        return verdict("proved", paths=len(sem.paths))
    if answer != z3.sat:
        return verdict("unknown", reason=solver.reason_unknown() or "unknown",
                       paths=len(sem.paths))
    model = solver.model()
    names = sorted({*(x.name for x in relation.symbols), *_free_names(sem)})
    try:
        cx = {n: model.eval(z3.Int(n), model_completion=True).as_long() for n in names}
    except ValueError as exc:  # a model value beyond Python's int/str conversion limit
        return verdict("unknown", reason=f"counterexample too large to report: {exc}",
                       paths=len(sem.paths))
    for n in _bool_names(sem):
        cx[n] = int(z3.is_true(model.eval(z3.Bool(n), model_completion=True)))
    return _recheck(verdict, relation, sem, cx, index, hyps, len(sem.paths))


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


def _recheck(verdict: Callable[..., Verdict], relation: Relation, sem: pysem.FunctionSemantics,
             cx: dict[str, int], index: int | None, hyps: Sequence[sp.Basic],
             paths: int, note: str = "") -> Verdict:
    """Both sides at the counterexample, in plain Python; refuted only if they really differ."""
    try:
        hyps_hold = all(evaluate(h, cx) is True for h in hyps)
    except EvaluationError as exc:
        hyps_hold = False
        bad = str(exc)
    else:
        bad = ""
    if not hyps_hold:
        return verdict("unknown", reason=f"solver model violates the assumptions {bad}".strip(),
                       paths=paths)
    try:
        out = sem.at(cx)
    except pysem.Unsupported as exc:
        return verdict("unknown", reason=f"cannot re-evaluate the counterexample: {exc}",
                       paths=paths)
    try:
        expected = evaluate(relation.expr, cx)
        out_name = _O_PRIME if relation.kind is Kind.TRANSPOSED else "o"
        relation_side = f"{out_name} = {expected}"
    except EvaluationError as exc:
        expected = None
        relation_side = f"undefined: {exc}"
    function_side = out.describe()
    got: object = None
    if out.kind is pysem.Kind.RETURN:
        try:
            got = pysem.as_python(z3.simplify(pysem.select_int(out.value, index)))
        except pysem.Unsupported:
            got = None
    if isinstance(got, int) and got == expected:
        return verdict("unknown", reason="solver model re-evaluates to agreement (not a "
                       "counterexample); refusing to report it", paths=paths)
    return verdict("refuted", counterexample=cx, function_side=function_side,
                   relation_side=relation_side, paths=paths, reason=note)


# Large magnitudes where doubles lose integers (2**53 and up), with small and odd strides.
PROBES: tuple[tuple[int | None, int], ...] = tuple(
    (big, stride)
    for big in (None, 2**53 + 1, 2**53 + 3, 2**54 + 5, 2**60 + 7, 10**17 + 1, 2**80 + 1)
    for stride in (1, 2, 3, 7)
)


def _float_probe(
    source: str, func: str, relation: Relation, bindings: Sequence[Binding],
    index: int | None, limits: pysem.Limits, timeout: float,
) -> tuple[pysem.FunctionSemantics, dict[str, int]] | None:
    """Points of the relation's domain (from Z3) at which the float code, evaluated with every
    input a constant, disagrees with the relation; the first one found, or None."""
    tr = Z3Translator()
    hyps = [tr.translate(h) for h in relation.hypotheses()]
    hyps.extend(tr.obligations)
    mapped = [x for b in bindings for x in b.symbols]
    big_symbol = next((x for x in mapped if x.name in ("i", "i_prime")), mapped[0] if mapped
                      else None)
    if big_symbol is None:
        return None
    names = sorted(x.name for x in relation.symbols)
    deadline = time.perf_counter() + timeout
    for big, stride in PROBES:
        if time.perf_counter() > deadline:
            return None
        solver = z3.Solver()
        solver.set("timeout", 2000)
        solver.add(*hyps)
        for name in names:
            var = z3.Int(name)
            if name == big_symbol.name:
                solver.add(var == big if big is not None else var <= 64)
            elif name in ("s", "s_prime"):
                solver.add(var == stride)
            elif name in ("i", "i_prime"):
                continue  # tied to the big one by the relation's conditions
            else:
                solver.add(var <= 3)
        if solver.check() != z3.sat:
            continue
        model = solver.model()
        cx = {n: model.eval(z3.Int(n), model_completion=True).as_long() for n in names}
        concrete = {b.param: _concretize(b.value, cx) for b in bindings}
        try:
            sem = pysem.translate_function(source, func, concrete, limits=limits)
            out = sem.at({})
        except pysem.Unsupported:
            return None
        try:
            expected = evaluate(relation.expr, cx)
        except EvaluationError:
            continue
        got: object = None
        if out.kind is pysem.Kind.RETURN:
            try:
                got = pysem.as_python(z3.simplify(pysem.select_int(out.value, index)))
            except pysem.Unsupported:
                value = out.value.value if isinstance(out.value, pysem.FloatV) else None
                got = value if value is not None and value == expected else None
        if got != expected:
            return sem, cx
    return None


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
                         label=f"{path}:{func}")
