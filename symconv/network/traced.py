"""A PyTorch model read through its own symbolic shapes: every path explored
(``frontends.explore``), V in normal form and proved, the outputs' closed forms per path, the
layer table of one path, and the answers about sizes (``--sizes``, ``--near``, ``--why``).

``study_model`` is the entry; the result is pure data. Torch is imported only to trace.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from symconv.network.frontends.explore import (
    DEFAULT_PATHS,
    DEFAULT_SECONDS,
    Exploration,
    TracedValidSet,
    exactness_note,
    explore,
    overlap_reason,
    valid_set,
)
from symconv.network.frontends.messages import computed
from symconv.network.frontends.symexpr import compile_python, scaled
from symconv.network.frontends.torch_trace import Path, Step, Tracer
from symconv.network.frontends.workers import default_jobs
from symconv.network.ir import AXIS_NAMES, NetworkError
from symconv.network.receptive import Field, Receptive
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
    refused_by: tuple[str, str] | None  # (module path, PyTorch's message at these sizes)

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

    def default_path(self) -> tuple[tuple[int, ...], Path]:
        """The size and path a table shows by default: the first size's if it is valid, else
        the smallest valid square size's (the same on every run, however many traced at once),
        else the first size's."""
        first = self.exploration.regions[0].path
        smallest = None if first.valid else self.next_valid(1)
        if smallest is None:
            return first.point, first
        point = self.point(smallest)
        region = self.exploration.region_at(point)
        return (point, region.path) if region is not None else (first.point, first)

    def point(self, n: int, width: int | None = None) -> tuple[int, ...]:
        rank = len(self.axes)
        w = width if width is not None else self.width
        if w is None:
            return (n,) * rank
        return (*([n] * (rank - 1)), w)

    def answer(self, n: int, width: int | None = None) -> Answer:
        return self.answer_at(self.point(n, width), n)

    def answer_at(self, point: tuple[int, ...], n: int | None = None) -> Answer:
        """The answer at one point (one size per axis); a refusal with PyTorch's message at
        those sizes (:meth:`refusal_message`)."""
        region = self.exploration.region_at(point)
        if region is None:
            raise NetworkError(f"size {'×'.join(map(str, point))} is on no path explored")
        both = self.exploration.overlap_at(point)
        if both is not None:
            raise NetworkError(f"size {'×'.join(map(str, point))}: no answer: "
                               f"{overlap_reason(both)}")
        env = dict(zip(self.axes, point, strict=True))
        path = region.path
        if self.valid.sets is not None and self.valid.proof.status is Verdict.PROVED:
            free = point if self.width is None else point[:-1]
            inside = all(x in s for x, s in zip(free, self.valid.sets, strict=True))
            if inside != path.valid:
                raise AssertionError(f"V's normal form and the paths disagree at {point}")
        if not path.valid:
            where = path.where.module if path.where is not None else ""
            return Answer(point[0] if n is None else n, point, False, (),
                          (where or "(model)", self.refusal_message(path, point)))
        assert path.outputs is not None
        outs = tuple(tuple(int(compile_python(s, path.names)(env)) for s in shape)
                     for shape in path.outputs)
        return Answer(point[0] if n is None else n, point, True, outs, None)

    def refusal_message(self, path: Path, point: tuple[int, ...]) -> str:
        """The refusal's message at ``point``; where a size in it is not computed from the
        path's (a float scale's ``TruncToInt``), the message of a trace at those numbers."""
        text, complete = message_text(path, dict(zip(self.axes, point, strict=True)))
        if not complete and self.tracer is not None:
            at = self.tracer.trace(point, symbolic=False)
            if not at.valid:
                return at.message
        return text

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
        if self.valid.sets is not None and self.valid.proof.status is Verdict.PROVED:
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
                progress: Callable[[int, tuple[int, ...]], None] | None = None,
                jobs: int | None = None) -> TracedStudy:
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
                 max_seconds=max_seconds, timeout=timeout, progress=progress,
                 jobs=default_jobs() if jobs is None else jobs)
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
    from symconv.network.frontends.explore import Space
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
    space = Space(("i",), None, timeout)
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


@dataclass(frozen=True, slots=True)
class _Style:
    floor: tuple[str, str] = ("⌊", "⌋")
    ceil: tuple[str, str] = ("⌈", "⌉")
    times: str = "·"
    minus: str = " − "
    mod: str = " mod "
    function: str = "{}"


PLAIN = _Style()
# inline math for the LaTeX table (no package beyond the table's)
TEX = _Style((r"\lfloor ", r" \rfloor"), (r"\lceil ", r" \rceil"), r" \cdot ", " - ",
             r" \bmod ", r"\{}")


def show(expr: Any, names: Mapping[str, str]) -> str:
    """A size expression in the axes' names, floors as ⌊·⌋."""
    return _show(expr, names, 0, PLAIN)


def show_tex(expr: Any, names: Mapping[str, str]) -> str:
    """A size expression as LaTeX math (without the dollars)."""
    return _show(expr, names, 0, TEX)


def _paren(text: str, need: bool) -> str:
    return f"({text})" if need else text


def _show(e: Any, names: Mapping[str, str], prec: int, style: _Style) -> str:
    kind = type(e).__name__
    if getattr(e, "is_Symbol", False):
        return names.get(e.name, e.name)
    if getattr(e, "is_Integer", False):
        return str(int(e))
    if getattr(e, "is_Rational", False):
        return _paren(f"{int(e.p)}/{int(e.q)}", prec > 0)
    if kind == "Add":
        terms = sorted(e.args, key=lambda a: (getattr(a, "is_Number", False), str(a)))
        out = ""
        for t in terms:
            text = _show(t, names, 1, style)
            if out:
                out += f"{style.minus}{text[1:]}" if text.startswith("-") else f" + {text}"
            else:
                out = text
        return _paren(out, prec > 0)
    if kind == "Mul":
        coeff = [a for a in e.args if getattr(a, "is_Number", False)]
        rest = [a for a in e.args if not getattr(a, "is_Number", False)]
        c = int(coeff[0]) if coeff and getattr(coeff[0], "is_Integer", False) else None
        body = style.times.join(_show(a, names, 2, style) for a in rest)
        if c == -1 and len(rest) == 1 and type(rest[0]).__name__ == "FloorDiv":
            # -⌊(-a)/b⌋ is ⌈a/b⌉, as the model's code wrote it (-(-h // s))
            num, den = rest[0].args
            left, right = style.ceil
            return f"{left}{_show(-num, names, 2, style)}/{_show(den, names, 3, style)}{right}"
        if c == -1:
            return _paren("-" + body, prec > 1)
        if c is not None:
            return _paren(f"{c}{style.times}{body}", prec > 2)
        return _paren(style.times.join(_show(a, names, 2, style) for a in e.args), prec > 2)
    if kind in ("FloorDiv", "CleanDiv"):
        left, right = style.floor
        return (f"{left}{_show(e.args[0], names, 2, style)}/"
                f"{_show(e.args[1], names, 3, style)}{right}")
    if kind in ("CeilToInt", "FloorToInt", "TruncToInt"):
        quotient = _quotient_text(e.args[0], names, style)
        if quotient is not None:
            if kind == "TruncToInt":
                return (rf"\mathrm{{trunc}}({quotient})" if style is TEX
                        else f"trunc({quotient})")
            left, right = style.ceil if kind == "CeilToInt" else style.floor
            return f"{left}{quotient}{right}"
    if kind in ("Mod", "PythonMod"):
        # a product on the right is parenthesised: H mod (2·H), not (H mod 2)·H
        return _paren(f"{_show(e.args[0], names, 2, style)}{style.mod}"
                      f"{_show(e.args[1], names, 3, style)}", prec > 0)
    if kind in ("Max", "Min"):
        return (style.function.format(kind.lower())
                + f"({', '.join(_show(a, names, 0, style) for a in e.args)})")
    if kind == "Pow":
        power = _show(e.args[1], names, 3, style)
        return f"{_show(e.args[0], names, 3, style)}^" + (
            f"{{{power}}}" if style is TEX else power)
    if style is TEX:  # a node shown as SymPy writes it: as text, every character escaped
        from symconv.texescape import tex_text

        return r"\mbox{\texttt{" + tex_text(str(e)) + "}}"
    return str(e)


def _quotient_text(inner: Any, names: Mapping[str, str], style: _Style) -> str | None:
    """``a/b`` of ``IntTrueDiv(a, b)`` or ``p·a/q`` of ``c * ToFloat(a)`` (c = p/q exactly)."""
    if type(inner).__name__ == "IntTrueDiv":
        a, b = inner.args
        return f"{_show(a, names, 2, style)}/{_show(b, names, 3, style)}"
    product = scaled(inner)
    if product is None:
        return None
    factor, size = product
    num = _show(size, names, 2, style)
    if factor.numerator != 1:
        num = f"{factor.numerator}{style.times}{_show(size, names, 3, style)}"
    return num if factor.denominator == 1 else f"{num}/{factor.denominator}"


def show_shape(shape: Sequence[Any], names: Mapping[str, str]) -> str:
    return " × ".join(show(s, names) for s in shape)


def message_text(path: Path, at: Mapping[str, int]) -> tuple[str, bool]:
    """PyTorch's message of a refused path at one point of its region (axis → size): each
    printed size expression computed there
    (:func:`~symconv.network.frontends.messages.at_numbers`), as PyTorch's forward words it at
    those sizes; and whether every size in it was computed."""
    sizes = {sym: at[axis] for sym, axis in path.names.items() if axis in at}
    # an expression not computed (a float scale) keeps its symbols, renamed to the axes
    axes = {sym: axis for sym, axis in path.names.items() if not sym.startswith("__")}
    return computed(path.message, sizes, axes)


def show_message(path: Path) -> str:
    """PyTorch's message with its size symbols renamed to the axes (H, W): the path's, for
    every size of its region."""
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
    table = layer_table(st, point)
    if table.rows:
        lines.append(f"layers of the path {table.path_text}:")
        lines += table_lines(table)
        lines.append("")
    if point is not None and table.rows and table.rows[0].at is None:
        refused = ex.region_at(tuple(point))
        if refused is None or not refused.path.valid:
            where = refused.path.where.module if refused and refused.path.where else ""
            lines += [f"input {'×'.join(map(str, point))}: refused" + (
                f" by {where or '(model)'}: {st.refusal_message(refused.path, tuple(point))}"
                if refused else ""), ""]
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
        region = st.exploration.region_at(got.point)
        if region is not None:
            lines.append(f"  in symbols: {show_message(region.path)}")
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
    table = layer_table(st, point)
    doc: dict[str, Any] = {
        "network": st.name, "frontend": "torch-symbolic", "channels": st.channels,
        "axes": list(st.axes), "width": st.width, "status": st.status.value,
        "seconds": round(st.seconds, 6),
        "coverage": ex.coverage.as_json(paths=len(ex.regions)),
        "valid_set": st.valid.proof.as_json(text=st.valid.text(), sets=[
            _set_json(s) for s in st.valid.sets] if st.valid.sets is not None else None),
        "outputs": [{"closed_form": t, "paths": c} for t, c in output_forms(st)],
        "layers": [_layer_json(table, row, step) for row, step in zip(
            table.rows, table.path.steps, strict=True)],
        "layers_path": list(table.shown),
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


def _layer_json(table: LayerTable, row: Row, step: Step) -> dict[str, Any]:
    names = table.path.names
    obj: dict[str, Any] = {
        "layer": row.layer, "op": row.op, "params": row.params,
        "outputs": [[show(x, names) for x in sh] for sh in step.shapes],
        "receptive_field": None if row.fields is None else [_field_json(f) for f in row.fields]}
    if table.point is not None:
        obj["at_input"] = None if row.at is None else list(row.at)
    return obj


def _field_json(f: Receptive) -> dict[str, Any]:
    from symconv.network.render import field_json
    from symconv.network.traced_fields import mentions_opaque

    obj = field_json(f)
    if isinstance(f, Field) and mentions_opaque(f.start):
        obj["start"] = None  # after a padding that depends on the input size
    return obj


def _set_json(s: Any) -> dict[str, Any]:
    return {"finite": [list(x) for x in s.finite], "start": s.start, "modulus": s.modulus,
            "residues": list(s.residues)}


# ---------------------------------------------------------------------------------------------
# The layer table: one path's leaf modules, with parameters, sizes, and receptive fields


@dataclass(frozen=True, slots=True)
class Row:
    """A leaf module on the path: its first output's sizes (SymPy, in the path's symbols), those
    sizes at the table's input (when the input takes this path) and its receptive field per
    axis (None: not claimed)."""

    layer: str
    op: str
    params: str
    shape: tuple[Any, ...]
    at: tuple[int, ...] | None
    fields: tuple[Receptive, ...] | None


@dataclass(frozen=True, slots=True)
class LayerTable:
    name: str
    axes: tuple[str, ...]
    path: Path
    point: tuple[int, ...] | None
    rows: tuple[Row, ...]
    valid_text: str
    valid_status: Verdict
    shown: tuple[int, ...]  # a size on ``path``: the one asked for, or the default's

    @property
    def path_text(self) -> str:
        """'traced at 224×224', or 'of 16×16 (traced at 16×17)' where another size of the
        same path was the one traced."""
        shown, traced = "×".join(map(str, self.shown)), "×".join(map(str, self.path.point))
        return f"traced at {traced}" if shown == traced else f"of {shown} (traced at {traced})"

    def spatial(self, row: Row) -> bool:
        return len(row.shape) == len(self.axes) + 2

    @property
    def one_axis(self) -> str | None:
        """The first axis where every axis of every row reads alike (then one size is shown)."""
        if len(self.axes) == 1:
            return None
        first = dict.fromkeys(self.path.names, self.axes[0])
        for row in self.rows:
            if self.spatial(row):
                texts = {show(x, first) for x in row.shape[2:]}
                if len(texts) > 1:
                    return None
        return self.axes[0]

    def size_text(self, row: Row, tex: bool = False) -> str:
        """The closed form (only the first axis where all read alike; features once flat)."""
        shower = show_tex if tex else show
        times = r" \times " if tex else " × "
        names = self.path.names
        if self.spatial(row):
            sizes = row.shape[2:3] if self.one_axis else row.shape[2:]
            return times.join(shower(x, names) for x in sizes)
        text = times.join(shower(x, names) for x in row.shape[1:])
        return f"{text} features" if len(row.shape) == 2 and not tex else text

    def at_text(self, row: Row) -> str:
        if row.at is None:
            return "·"
        values = row.at[2:] if self.spatial(row) else row.at[1:]
        return "×".join(map(str, values))

    def field_texts(self, row: Row) -> tuple[str, str]:
        from symconv.network.render import field_texts

        return ("—", "—") if row.fields is None else field_texts(row.fields)


def layer_table(st: TracedStudy, point: Sequence[int] | None = None) -> LayerTable:
    """The table of the path ``point`` takes (the first valid path when it has none or is
    refused), its receptive fields traced along it (:mod:`symconv.network.traced_fields`)."""
    from symconv.network.traced_fields import path_fields

    shown, path = st.default_path()
    env: dict[str, int] | None = None
    if point is not None:
        region = st.exploration.region_at(tuple(point))
        if region is not None and region.path.valid:
            path, shown = region.path, tuple(point)
            env = dict(zip(st.axes, point, strict=True))
    fields = path_fields(st.tracer, path) if st.tracer is not None else None
    rows = []
    for j, step in enumerate(path.steps):
        shape = step.shapes[0]
        at = (tuple(int(compile_python(x, path.names)(env)) for x in shape)
              if env is not None else None)
        rows.append(Row(step.module, step.kind, module_params(st, step), shape, at,
                        fields[j] if fields is not None else None))
    return LayerTable(st.name, st.axes, path, tuple(point) if point is not None else None,
                      tuple(rows), st.valid.text(), st.valid.proof.status, shown)


def _axis_values(value: Any) -> str:
    values = list(value) if isinstance(value, tuple | list) else [value]
    texts = [str(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)


def _trivial(value: Any, neutral: int) -> bool:
    values = list(value) if isinstance(value, tuple | list) else [value]
    return all(v == neutral for v in values)


def module_params(st: TracedStudy, step: Step) -> str:
    """The parameters of the module behind ``step`` that decide sizes, written as the fx
    front-end's table writes them (``k3 s2 p1 →64``)."""
    module: Any = None
    if st.tracer is not None and step.module:
        try:
            module = st.tracer.model.get_submodule(step.module)
        except AttributeError:
            module = None
    if step.window:
        w = dict(step.window)
        pieces = [f"k{_axis_values(w['kernel_size'])}"]
        stride = w.get("stride")
        if stride is not None and not _trivial(stride, 1):
            pieces.append(f"s{_axis_values(stride)}")
        padding = w.get("padding", 0)
        if isinstance(padding, str):
            pieces.append(padding)
        elif not _trivial(padding, 0):
            pieces.append(f"p{_axis_values(padding)}")
        if not _trivial(w.get("dilation", 1), 1):
            pieces.append(f"d{_axis_values(w['dilation'])}")
        if not _trivial(w.get("output_padding", 0), 0):
            pieces.append(f"a{_axis_values(w['output_padding'])}")
        if w.get("ceil_mode"):
            pieces.append("ceil")
        mode = getattr(module, "padding_mode", "zeros")
        if isinstance(mode, str) and mode != "zeros":
            pieces.append(mode)
        out = getattr(module, "out_channels", None)
        if isinstance(out, int):
            pieces.append(f"→{out}")
        return " ".join(pieces)
    if module is None:
        return ""
    kind = type(module).__name__
    if kind == "Linear":
        return f"{module.in_features}→{module.out_features}"
    if kind.startswith("Adaptive"):
        return f"size {_axis_values(module.output_size)}"
    if kind in ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"):
        if module.size is not None:
            return f"size {_axis_values(module.size)}"
        return f"×{_axis_values(module.scale_factor)}"
    if kind.endswith(("Pad1d", "Pad2d", "Pad3d")):
        return f"pad {_axis_values(module.padding)}"
    return ""


def table_lines(table: LayerTable) -> list[str]:
    from symconv.network.render import SIZE_WIDTH

    one = table.one_axis
    size_head = f"size ({one}; {', '.join(table.axes[1:])} alike)" if one else "size"
    header = ["layer", "op", "parameters", size_head]
    if table.point is not None:
        header.append("at " + "×".join(map(str, table.point)))
    header += ["RF", "jump"]
    rows = []
    for row in table.rows:
        size = table.size_text(row)
        if len(size) > SIZE_WIDTH:
            size = size[:SIZE_WIDTH - 1] + "…"
        cells = [row.layer, row.op, row.params, size]
        if table.point is not None:
            cells.append(table.at_text(row))
        rows.append([*cells, *table.field_texts(row)])
    return _table(rows, header)


def markdown_report(table: LayerTable) -> str:
    from symconv.network.render import markdown_table, md_text

    one = table.one_axis
    header = ["layer", "op", "parameters", f"size ({one})" if one else "size"]
    if table.point is not None:
        header.append("at " + "×".join(map(str, table.point)))
    header += ["RF", "jump"]
    rows = []
    for row in table.rows:
        cells = [f"`{row.layer}`", md_text(row.op), md_text(row.params),
                 f"`{table.size_text(row)}`"]
        if table.point is not None:
            cells.append(table.at_text(row))
        rows.append([*cells, *table.field_texts(row)])
    lines = [f"**{md_text(table.name)}** (PyTorch's symbolic shapes, the path "
             f"{md_text(table.path_text)})", "", *markdown_table(header, rows), "",
             f"Valid set V: {md_text(table.valid_text)} — {table.valid_status.value}"]
    return "\n".join(lines) + "\n"


def latex_report(table: LayerTable, user_caption: str | None = None,
                 label: str | None = None) -> str:
    """The table as the fx front-end's ``--latex`` sets it (``render.latex_table``); a closed
    form longer than the terminal's cell is elided (``--json`` has it)."""
    from symconv.network.render import (
        ELIDED,
        SIZE_WIDTH,
        latex_head,
        latex_table,
        tex_name,
        tex_plain,
        tex_valid,
    )
    from symconv.texescape import tex_text

    rows = []
    for row in table.rows:
        plain = table.size_text(row)
        size = ELIDED if len(plain) > SIZE_WIDTH else table.size_text(row, tex=True)
        features = " features" if not table.spatial(row) and len(row.shape) == 2 else ""
        cells = [tex_name(row.layer), f"{tex_plain(row.op)} {tex_text(row.params)}".strip(),
                 f"${size}${features}"]
        if table.point is not None:
            cells.append(tex_text(table.at_text(row)))
        rows.append([*cells, *(tex_text(t) for t in table.field_texts(row))])
    caption = (f"Layer sizes of \\texttt{{{tex_text(table.name)}}} (PyTorch's symbolic "
               f"shapes). Valid inputs: {tex_valid(table.valid_text)} "
               f"({table.valid_status.value}).")
    return latex_table(latex_head(table.one_axis, table.point), rows,
                       user_caption if user_caption is not None else caption, label)
