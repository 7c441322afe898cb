"""A PyTorch model read through its own symbolic shapes: every path explored
(``frontends.explore``), V in normal form and proved, the outputs' closed forms per path, the
layer table of one path, and the answers about sizes (``--sizes``, ``--near``, ``--why``).

``study_model`` is the entry; the result is pure data. Torch is imported only to trace.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from symconv.network.frontends.explore import (
    DEFAULT_PATHS,
    DEFAULT_SECONDS,
    Exploration,
    Region,
    TracedValidSet,
    exactness_note,
    explore,
    valid_set,
)
from symconv.network.frontends.symexpr import compile_python
from symconv.network.frontends.torch_trace import Path, Step, Tracer
from symconv.network.ir import AXIS_NAMES, NetworkError
from symconv.network.verdict import Outcome, Verdict, combine

START = {1: 16000, 2: 224, 3: 32}
SEARCH_LIMIT = 1 << 20  # --near looks this far for a valid size


@dataclass(frozen=True, slots=True)
class Derivation:
    """PyTorch's size of one window op (its meta kernel, traced) against the engine's rule for
    it, for every input size: ``result`` PROVED when they agree everywhere."""

    module: str
    rule: str
    params: Mapping[str, int]
    result: Outcome


@dataclass(frozen=True, slots=True)
class Answer:
    size: int
    point: tuple[int, ...]
    valid: bool
    outputs: tuple[tuple[int, ...], ...]
    refused_by: tuple[str, str] | None  # (module path, PyTorch's message, in the symbols)

    def as_json(self) -> dict[str, object]:
        rank = len(self.point)
        first = self.outputs[0] if self.outputs else ()
        # the spatial sizes of a (batch, channels, *spatial) output; none for features
        spatial = list(first[2:]) if len(first) == rank + 2 else []
        obj: dict[str, object] = {"size": self.size, "point": list(self.point),
                                  "valid": self.valid, "output": spatial,
                                  "outputs": [list(o) for o in self.outputs]}
        if self.refused_by is not None:
            obj["refused_by"] = {"layer": self.refused_by[0], "message": self.refused_by[1]}
        return obj


@dataclass(frozen=True, slots=True)
class TracedStudy:
    name: str
    channels: int
    axes: tuple[str, ...]
    exploration: Exploration
    valid: TracedValidSet
    derivations: tuple[Derivation, ...]
    seconds: float
    tracer: Tracer | None = field(default=None, compare=False)

    @property
    def width(self) -> int | None:
        return self.exploration.width

    @property
    def status(self) -> Verdict:
        return combine([self.exploration.coverage.status, self.valid.proof.status,
                        *(d.result.status for d in self.derivations)])

    @property
    def main(self) -> Path:
        valid = [r.path for r in self.exploration.regions if r.path.valid]
        return valid[0] if valid else self.exploration.regions[0].path

    def point(self, n: int, width: int | None = None) -> tuple[int, ...]:
        rank = len(self.axes)
        w = width if width is not None else self.width
        if w is None:
            return (n,) * rank
        return (*([n] * (rank - 1)), w)

    def answer(self, n: int, width: int | None = None) -> Answer:
        point = self.point(n, width)
        region = self.exploration.region_at(point)
        if region is None:
            raise NetworkError(f"size {'×'.join(map(str, point))} is on no path explored")
        env = dict(zip(self.axes, point, strict=True))
        path = region.path
        if self.valid.sets is not None:
            free = point if self.width is None else point[:-1]
            inside = all(x in s for x, s in zip(free, self.valid.sets, strict=True))
            if inside != path.valid:
                raise AssertionError(f"V's normal form and the paths disagree at {point}")
        if not path.valid:
            where = path.where.module if path.where is not None else ""
            return Answer(n, point, False, (), (where or "(model)", show_message(path)))
        assert path.outputs is not None
        outs = tuple(tuple(int(compile_python(s, path.names)(env)) for s in shape)
                     for shape in path.outputs)
        return Answer(n, point, True, outs, None)

    def listing(self, low: int, high: int, width: int | None = None) -> list[Answer]:
        return [self.answer(n, width) for n in range(low, high + 1)]

    def next_valid(self, n: int, width: int | None = None, step: int = 1) -> int | None:
        x = n
        for _ in range(SEARCH_LIMIT):
            if x < 1:
                return None
            if self._in_v(self.point(x, width)):
                return x
            x += step
        return None

    def _in_v(self, point: Sequence[int]) -> bool:
        if self.valid.sets is not None:
            free = point if self.width is None else point[:-1]
            if len(free) == len(self.valid.sets):
                return all(x in s for x, s in zip(free, self.valid.sets, strict=True))
        region = self.exploration.region_at(point)
        return region is not None and region.path.valid

    def why(self, n: int, width: int | None = None) -> tuple[Answer, Path | None]:
        """The answer at n and, where refused, the trace at exactly that size (PyTorch's message
        with numbers, the module and the source line)."""
        got = self.answer(n, width)
        if got.valid or self.tracer is None:
            return got, None
        return got, self.tracer.trace(got.point, symbolic=False)


# ---------------------------------------------------------------------------------------------
# Building


def rank_of(model: Any) -> tuple[int, str] | None:
    """The number of spatial axes the first layer that fixes it takes, and its module path."""
    for path, module in model.named_modules():
        name = type(module).__name__
        for rank in (1, 2, 3):
            if name.endswith(f"{rank}d") and any(
                    name.startswith(p) for p in ("Conv", "MaxPool", "AvgPool", "BatchNorm",
                                                 "InstanceNorm", "LazyConv", "Adaptive")):
                return rank, path or name
    return None


def study_model(model: Any, *, name: str, channels: int = 3, rank: int | None = None,
                start: Sequence[int] | None = None, width: int | None = None,
                max_paths: int = DEFAULT_PATHS, max_seconds: float = DEFAULT_SECONDS,
                timeout: float = 30.0,
                progress: Callable[[int, tuple[int, ...]], None] | None = None) -> TracedStudy:
    began = time.perf_counter()
    fixed = rank_of(model)
    if rank is None:
        if fixed is None:
            raise NetworkError("the model's spatial rank is not fixed by any layer: give "
                               "--rank N (1, 2 or 3)")
        rank = fixed[0]
    elif fixed is not None and fixed[0] != rank:
        raise NetworkError(f"layer {fixed[1]} takes a tensor with {fixed[0]} spatial axes "
                           f"({fixed[0] + 2}-D); its input has {rank} (--rank)")
    axes = AXIS_NAMES[rank]
    tracer = Tracer(model, channels, axes)
    first = tuple(start) if start is not None else (START[rank],) * rank
    if width is not None:
        first = (*first[:-1], width)
    ex = explore(tracer.trace, axes, start=[first], width=width, max_paths=max_paths,
                 max_seconds=max_seconds, timeout=timeout, progress=progress)
    _refuses_everything(ex, channels)
    v = valid_set(ex, timeout)
    derivations = derive_windows(ex, timeout)
    return TracedStudy(name, channels, axes, ex, v, derivations,
                       time.perf_counter() - began, tracer)


def _refuses_everything(ex: Exploration, channels: int) -> None:
    """A refusal that does not depend on the size at all (no guard: the input's channels, a
    wrong rank) is bad input, not a valid set: say so with PyTorch's message."""
    for r in ex.regions:
        sized = [g for g in r.path.guards if not _is_range(g)]
        if not r.path.valid and not sized and ex.coverage.status is Verdict.PROVED and all(
                not x.path.valid for x in ex.regions):
            hint = (f" (the input's channels are set with --channels; now {channels})"
                    if "channel" in r.path.message else "")
            where = r.path.where.text() if r.path.where is not None else ""
            raise NetworkError(f"PyTorch refuses every size{' at ' + where if where else ''}: "
                               f"{r.path.error}: {show_message(r.path)}{hint}")


def _is_range(g: Any) -> bool:
    kind = type(g).__name__
    syms: set[Any] = getattr(g, "free_symbols", set())
    return (kind in ("GreaterThan", "LessThan", "Equality") and len(syms) == 1
            and any(getattr(a, "is_Integer", False) for a in g.args)
            and any(getattr(a, "is_Symbol", False) for a in g.args))


# ---------------------------------------------------------------------------------------------
# Two derivations of every window op


_RULES = {"Conv": "torch.conv", "ConvTranspose": "torch.conv_transpose",
          "MaxPool": "torch.max_pool", "AvgPool": "torch.avg_pool"}


def _window_rule(step: Step) -> tuple[str, str, list[dict[str, int]]] | None:
    kind = step.kind.rstrip("123d")
    family = kind if kind in _RULES else None
    if family is None or not step.window:
        return None
    w = dict(step.window)
    rank = int(step.kind[-2])
    if isinstance(w.get("padding"), str):
        return None

    def per_axis(v: Any, j: int) -> int:
        return int(v[j] if isinstance(v, tuple | list) else v)

    ceil = bool(w.get("ceil_mode", False))
    rid = _RULES[family] + (".ceil" if ceil and family in ("MaxPool", "AvgPool") else "")
    params = []
    for j in range(rank):
        p: dict[str, int] = {"k": per_axis(w["kernel_size"], j),
                             "s": per_axis(w["stride"] if w.get("stride") is not None
                                           else w["kernel_size"], j),
                             "p": per_axis(w.get("padding", 0), j)}
        if family != "AvgPool":
            p["d"] = per_axis(w.get("dilation", 1), j)
        if family == "ConvTranspose":
            p["a"] = per_axis(w.get("output_padding", 0), j)
        if family == "AvgPool" and not w.get("count_include_pad", True):
            pass
        params.append(p)
    return family, rid, params


def derive_windows(ex: Exploration, timeout: float) -> tuple[Derivation, ...]:
    seen: dict[tuple[str, tuple[tuple[str, int], ...]], str] = {}
    for r in ex.regions:
        for step in r.path.steps:
            got = _window_rule(step)
            if got is None:
                continue
            _, rid, params = got
            for p in params:
                key = (rid, tuple(sorted(p.items())))
                seen.setdefault(key, step.module)
    return tuple(derive_one(rid, dict(items), module, timeout)
                 for (rid, items), module in sorted(seen.items()))


def _OnRow(op: Any) -> Any:
    import torch

    class OnRow(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.op = op

        def forward(self, x: Any) -> Any:
            return self.op(x.unsqueeze(2))

    return OnRow()


def derive_one(rid: str, params: Mapping[str, int], module: str, timeout: float) -> Derivation:
    """Trace the 1-D op alone on a symbolic length i (all its paths), and prove with Z3 that
    for every i ≥ 1 it runs exactly where the engine's rule accepts, with the rule's size."""
    import torch

    import z3

    from symconv.network import rules as R
    from symconv.network import terms as T
    from symconv.network.frontends.explore import _Space
    from symconv.network.proofs import Z3Terms
    from symconv.network.trees import build_cond, build_lin

    started = time.perf_counter()
    family = rid.split(".")[1]
    k, s, p = params["k"], params["s"], params["p"]
    d = params.get("d", 1)
    with torch.device("meta"):
        # the 2-D op on a 1 × i input: PyTorch's 1-D pools specialise the length to a constant
        if family == "conv":
            op: Any = torch.nn.Conv2d(1, 1, (1, k), (1, s), (0, p), (1, d))
        elif family == "conv_transpose":
            op = torch.nn.ConvTranspose2d(1, 1, (1, k), (1, s), (0, p), (0, params.get("a", 0)),
                                          1, True, (1, d))
        elif family == "max_pool":
            op = torch.nn.MaxPool2d((1, k), (1, s), (0, p), (1, d),
                                    ceil_mode=rid.endswith(".ceil"))
        else:
            op = torch.nn.AvgPool2d((1, k), (1, s), (0, p), ceil_mode=rid.endswith(".ceil"))
    tracer = Tracer(_OnRow(op).eval(), 1, ("i",))
    ex = explore(tracer.trace, ("i",), start=[(k * d + 2 * s,)], max_paths=64,
                 max_seconds=60.0, timeout=timeout)
    if ex.coverage.status is not Verdict.PROVED:
        return Derivation(module, rid, params, Outcome(
            Verdict.UNKNOWN, time.perf_counter() - started,
            reason=f"PyTorch's paths for the op alone: {ex.coverage.reason}"))
    rule = R.get(rid)
    env = {name: T.const(v) for name, v in params.items()}
    env["i"] = T.var("i")
    out = build_lin(rule.expr, env)
    refused = [build_cond(w, env) for w, _ in rule.refusals]
    domain = [build_cond(t, env) for t in rule.domain[1:]]
    accepts = T.conj(*domain, *(T.negate(c) for c in refused))
    space = _Space(("i",), None, timeout)
    tr = Z3Terms(space.ctx)
    i = space.vars["i"]
    regions = [space.region(r.path) for r in ex.regions]
    claims = []
    rule_out = tr.int_(out)
    rule_ok = tr.bool_(accepts)
    for region in regions:
        if region.path.valid:
            assert region.path.outputs is not None
            from symconv.network.frontends.symexpr import Z3Reader

            reader = Z3Reader(region.path.names, space.ctx)
            reader.vars.update(space.vars)
            size = reader.int_(region.path.outputs[0][-1])
            claims.append(z3.Implies(region.cond, z3.And(rule_ok, size == rule_out)))
        else:
            claims.append(z3.Implies(region.cond, z3.Not(rule_ok)))
    solver = space.solver()
    solver.add(i >= 1)
    solver.add(z3.Not(z3.And(claims)))
    verdict = solver.check()
    seconds = time.perf_counter() - started
    if verdict == z3.unsat:
        return Derivation(module, rid, params, Outcome(Verdict.PROVED, seconds))
    if verdict == z3.sat:
        n = solver.model().eval(i, model_completion=True).as_long()
        region_at = ex.region_at((n,))
        torch_ok = region_at is not None and region_at.path.valid
        rule_accepts = T.holds(accepts, {"i": n})
        return Derivation(module, rid, params, Outcome(
            Verdict.REFUTED, seconds, counterexample={"i": n},
            reason=f"PyTorch departs from {rid} at i = {n} (PyTorch "
            f"{'runs' if torch_ok else 'refuses'}, the rule "
            f"{'accepts' if rule_accepts else 'refuses'})"))
    return Derivation(module, rid, params, Outcome(Verdict.UNKNOWN, seconds,
                                                   reason=solver.reason_unknown()))


# ---------------------------------------------------------------------------------------------
# Text


_OPS = {"Add": None}


def show(expr: Any, names: Mapping[str, str]) -> str:
    """A size expression in the axes' names, floors as ⌊·⌋."""
    return _show(expr, names, 0)


def _paren(text: str, need: bool) -> str:
    return f"({text})" if need else text


def _show(e: Any, names: Mapping[str, str], prec: int) -> str:
    kind = type(e).__name__
    if getattr(e, "is_Symbol", False):
        return names.get(e.name, e.name)
    if getattr(e, "is_Integer", False):
        return str(int(e))
    if getattr(e, "is_Rational", False):
        return f"{int(e.p)}/{int(e.q)}"
    if kind == "Add":
        terms = sorted(e.args, key=lambda a: (getattr(a, "is_Number", False), str(a)))
        out = ""
        for t in terms:
            text = _show(t, names, 1)
            if out:
                out += f" − {text[1:]}" if text.startswith("-") else f" + {text}"
            else:
                out = text
        return _paren(out, prec > 0)
    if kind == "Mul":
        coeff = [a for a in e.args if getattr(a, "is_Number", False)]
        rest = [a for a in e.args if not getattr(a, "is_Number", False)]
        c = int(coeff[0]) if coeff and getattr(coeff[0], "is_Integer", False) else None
        body = "·".join(_show(a, names, 2) for a in rest)
        if c == -1:
            return "-" + body
        if c is not None:
            return f"{c}·{body}"
        return "·".join(_show(a, names, 2) for a in e.args)
    if kind in ("FloorDiv", "CleanDiv"):
        return f"⌊{_show(e.args[0], names, 0)}/{_show(e.args[1], names, 2)}⌋"
    if kind in ("CeilToInt", "FloorToInt") and type(e.args[0]).__name__ == "IntTrueDiv":
        a, b = e.args[0].args
        left, right = ("⌈", "⌉") if kind == "CeilToInt" else ("⌊", "⌋")
        return f"{left}{_show(a, names, 0)}/{_show(b, names, 2)}{right}"
    if kind in ("Mod", "PythonMod"):
        return _paren(f"{_show(e.args[0], names, 2)} mod {_show(e.args[1], names, 2)}", prec > 0)
    if kind in ("Max", "Min"):
        return f"{kind.lower()}({', '.join(_show(a, names, 0) for a in e.args)})"
    if kind == "Pow":
        return f"{_show(e.args[0], names, 3)}^{_show(e.args[1], names, 3)}"
    return str(e)


def show_shape(shape: Sequence[Any], names: Mapping[str, str]) -> str:
    return " × ".join(show(s, names) for s in shape)


def show_message(path: Path) -> str:
    """PyTorch's message with its size symbols renamed to the axes (H, W)."""
    text = path.message
    for sym, axis in sorted(path.names.items(), key=lambda kv: -len(kv[0])):
        if not sym.startswith("__"):
            text = text.replace(sym, axis)
    return text


def output_forms(st: TracedStudy) -> list[tuple[str, int]]:
    """Each distinct closed form of the outputs on V, with the number of paths giving it."""
    counts: dict[str, int] = {}
    for r in st.exploration.regions:
        if r.path.valid and r.path.outputs is not None:
            names = {**r.path.names}
            text = "; ".join(show_shape(o, names) for o in r.path.outputs)
            counts[text] = counts.get(text, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def status_text(result: Outcome) -> str:
    extra = f" ({result.reason})" if result.reason else ""
    return f"{result.status.value}{extra}"


def text_report(st: TracedStudy, point: Sequence[int] | None = None) -> str:
    ex = st.exploration
    lines = [f"{st.name}: traced on PyTorch's symbolic shapes, input {st.channels} × "
             f"{' × '.join(st.axes)}, {len(ex.regions)} paths explored "
             f"({sum(r.path.valid for r in ex.regions)} valid), {ex.seconds:.1f} s", ""]
    main = st.main
    env = dict(zip(st.axes, point, strict=True)) if point is not None else None
    rows = []
    for step in main.steps:
        shape = "; ".join(show_shape(s, main.names) for s in step.shapes)
        row = [step.module, step.kind, shape]
        if env is not None:
            at = _at(main, step, env, st)
            row.append(at)
        rows.append(row)
    if rows:
        header = ["layer", "op", f"output (path at {'×'.join(map(str, main.point))})"]
        if env is not None:
            header.append("at " + "×".join(map(str, point or ())))
        lines += _table(rows, header)
        lines.append("")
    lines.append(f"coverage: {status_text(ex.coverage)}: the {len(ex.regions)} paths' regions "
                 f"cover every size" + (f" with {st.axes[-1]} = {st.width}" if st.width else "")
                 + f" ({ex.coverage.seconds:.2f} s)")
    note = exactness_note(ex)
    if note:
        lines.append(f"  {note}")
    lines.append(f"valid set V: {st.valid.text()}")
    lines.append(f"  {status_text(st.valid.proof)}: equal to the union of the valid paths' "
                 f"regions for all integers ({st.valid.proof.seconds:.2f} s)")
    forms = output_forms(st)
    for text, count in forms[:4]:
        scope = "on V" if len(forms) == 1 else f"on {count} of the valid paths"
        lines.append(f"output {scope}: {text}")
    if len(forms) > 4:
        lines.append(f"  … {len(forms) - 4} more closed forms (--json lists every path)")
    smallest = st.next_valid(1)
    if smallest is not None:
        got = st.answer(smallest)
        lines.append(f"smallest valid input: {'×'.join(map(str, got.point))} → "
                     f"{_outs(got)}")
    if st.derivations:
        agree = sum(d.result.status is Verdict.PROVED for d in st.derivations)
        lines.append(f"window ops: {agree} of {len(st.derivations)} agree with the engine's "
                     "rules for every input size (PyTorch's kernel traced alone, Z3)")
        for d in st.derivations:
            if d.result.status is not Verdict.PROVED:
                lines.append(f"  {d.module} ({d.rule} {_params(d.params)}): "
                             f"{status_text(d.result)}")
    return "\n".join(lines) + "\n"


def _params(p: Mapping[str, int]) -> str:
    return " ".join(f"{k}{v}" for k, v in p.items())


def _at(path: Path, step: Step, env: Mapping[str, int], st: TracedStudy) -> str:
    region = st.exploration.region_at(tuple(env.values()))
    if region is None or region.path is not path:
        return "·"
    try:
        return "; ".join("×".join(str(int(compile_python(x, path.names)(env))) for x in s)
                         for s in step.shapes)
    except Exception:
        return "·"


def _outs(got: Answer) -> str:
    return ", ".join("×".join(map(str, o)) for o in got.outputs) or "·"


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> list[str]:
    from symconv.network.render import table_lines

    return table_lines([[c if len(c) <= 70 else c[:69] + "…" for c in r] for r in rows],
                       header)


def near_lines(st: TracedStudy, n: int, width: int | None) -> list[str]:
    here = st.answer(n, width)
    lines = [f"{n}: {'valid → ' + _outs(here) if here.valid else 'not valid'}"]
    below = st.next_valid(n - 1, width, step=-1) if n > 1 else None
    above = st.next_valid(n + 1, width)
    for label, value in (("below", below), ("above", above)):
        if value is None:
            lines.append(f"nearest valid {label} {n}: none")
        else:
            lines.append(f"nearest valid {label} {n}: {value} → {_outs(st.answer(value, width))}")
    return lines


def why_lines(st: TracedStudy, n: int, width: int | None) -> list[str]:
    got, concrete = st.why(n, width)
    point = "×".join(map(str, got.point))
    if got.valid:
        return [f"why {point}: it is valid → {_outs(got)}"]
    assert got.refused_by is not None
    if concrete is not None and not concrete.valid:
        where = concrete.where
        lines = [f"why {point}: {where.module if where and where.module else '(model)'} "
                 f"refuses it: {concrete.error}: {concrete.message}"]
        if where is not None and where.source:
            lines.append(f"  at {where.source}")
        lines.append(f"  in symbols: {got.refused_by[1]}")
        return lines
    return [f"why {point}: {got.refused_by[0]} refuses it: {got.refused_by[1]}"]


def json_report(st: TracedStudy, point: Sequence[int] | None = None,
                near: int | None = None, why: int | None = None,
                width: int | None = None) -> dict[str, Any]:
    ex = st.exploration
    paths = []
    for r in ex.regions:
        p = r.path
        obj: dict[str, Any] = {"point": list(p.point), "valid": p.valid,
                               "guards": [str(g) for g in p.guards]}
        if p.valid and p.outputs is not None:
            obj["outputs"] = [[show(x, p.names) for x in o] for o in p.outputs]
        else:
            obj["refused_by"] = {"layer": p.where.module if p.where else "",
                                 "source": p.where.source if p.where else "",
                                 "error": p.error, "message": show_message(p)}
        if r.notes:
            obj["notes"] = list(r.notes)
        paths.append(obj)
    main = st.main
    doc: dict[str, Any] = {
        "network": st.name, "frontend": "torch-symbolic", "channels": st.channels,
        "axes": list(st.axes), "width": st.width, "status": st.status.value,
        "seconds": round(st.seconds, 6),
        "coverage": ex.coverage.as_json(paths=len(ex.regions)),
        "valid_set": st.valid.proof.as_json(text=st.valid.text(), sets=[
            _set_json(s) for s in st.valid.sets] if st.valid.sets is not None else None),
        "outputs": [{"closed_form": t, "paths": c} for t, c in output_forms(st)],
        "layers": [{"layer": s.module, "op": s.kind,
                    "outputs": [[show(x, main.names) for x in sh] for sh in s.shapes]}
                   for s in main.steps],
        "derivations": [d.result.as_json(layer=d.module, rule=d.rule, params=dict(d.params))
                        for d in st.derivations],
        "paths": paths,
    }
    note = exactness_note(ex)
    if note:
        doc["note"] = note
    smallest = st.next_valid(1)
    doc["smallest_valid"] = st.answer(smallest).as_json() if smallest is not None else None
    if point is not None:
        region = ex.region_at(point)
        doc["input"] = {"point": list(point), "valid": bool(region and region.path.valid)}
    if near is not None:
        below = st.next_valid(near - 1, width, step=-1) if near > 1 else None
        above = st.next_valid(near + 1, width)
        doc["near"] = {"size": near, "here": st.answer(near, width).as_json(),
                       "below": st.answer(below, width).as_json() if below else None,
                       "above": st.answer(above, width).as_json() if above else None}
    if why is not None:
        got, concrete = st.why(why, width)
        w: dict[str, Any] = got.as_json()
        if concrete is not None and concrete.where is not None:
            w["concrete"] = {"layer": concrete.where.module, "source": concrete.where.source,
                             "error": concrete.error, "message": concrete.message}
        doc["why"] = w
    return doc


def _set_json(s: Any) -> dict[str, Any]:
    return {"finite": [list(x) for x in s.finite], "start": s.start, "modulus": s.modulus,
            "residues": list(s.residues)}


def region_of(st: TracedStudy, point: Sequence[int]) -> Region | None:
    return st.exploration.region_at(point)


def iter_sizes(st: TracedStudy, low: int, high: int, width: int | None = None
               ) -> Iterator[Answer]:
    for n in range(low, high + 1):
        yield st.answer(n, width)
