"""symconv's answers on the zoo judged against PyTorch's committed truth (``tests/zoo_truth/``).

For one zoo model: the model is built without weights (as the truth's oracle builds it), studied
in-process by ``symconv.network.traced.study_model`` (PyTorch's own symbolic shapes, every path
explored, coverage proved), and symconv's answer at every size the truth holds is compared with
PyTorch's verdict there: validity, every output's full shape, and for a refused size the
exception type and the message (symconv's message is PyTorch's in the size symbols: the sizes are
put in and the integer arithmetic of the printed expressions done, then it must equal PyTorch's
message or be contained in it). The refusing module is reported (the truth does not record one).

A model symconv refuses — a ``NetworkError``, or coverage not proved within the budget (the
CLI's exit 3) — is a refusal with symconv's reason, not a mismatch. Shared by
``tests/test_network_zoo.py``, ``tests/bench_network_zoo.py`` and ``tests/zoo_atlas.py``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import zoo_truth
from zoo_models import BY_NAME, ZooModel

MAX_SECONDS = 120.0  # the exploration's budget per model (symconv's --max-seconds)
MAX_PATHS = 400


@dataclass(frozen=True)
class Mismatch:
    size: str
    what: str  # "validity", "outputs", "error", "message", "no path", "symconv raised"
    symconv: Any
    pytorch: Any

    def text(self) -> str:
        return f"{self.size}: {self.what}: symconv {self.symconv!r}, PyTorch {self.pytorch!r}"


@dataclass(frozen=True)
class Outcome:
    name: str
    answered: bool  # symconv answers: traced, and the paths' regions proved to cover every size
    refusal: str  # symconv's reason where it does not answer ("" where it does)
    seconds: float  # build + study (not the judging)
    study_seconds: float
    paths: int
    valid_paths: int
    coverage: str  # "proved", "unknown", ...; "" where study_model raised
    status: str
    valid_text: str
    forms: tuple[tuple[str, int], ...]  # each output closed form with its number of paths
    judged: int  # truth sizes compared
    mismatches: tuple[Mismatch, ...]
    refusers: tuple[str, ...] = field(default=())  # modules refusing some size (symconv's)
    uncovered: int = 0  # truth sizes on no path explored (a refused model only; not judged)


def build(model: ZooModel) -> Any:
    """The model as the truth's oracle builds it (meta, or the CPU for a CPU-only model)."""
    import zoo_oracle

    return zoo_oracle.build(model, model.device)


# ------------------------------------------------------------------------------------------
# PyTorch's message from symconv's, sizes put in


_NAME = re.compile(r"(Max|Min|Mod|FloorDiv)\(")  # where a word may start: see evaluated


class _Arith:
    """The longest integer expression (``+ - * // %``, parentheses, unary minus, ``Max``/``Min``/
    ``Mod``/``FloorDiv`` calls) at a position of a text: a tiny parser, never ``eval``."""

    def __init__(self, text: str) -> None:
        self.s = text

    def _ws(self, i: int) -> int:
        while i < len(self.s) and self.s[i] == " ":
            i += 1
        return i

    def expr(self, i: int) -> tuple[int, int] | None:
        got = self.term(i)
        if got is None:
            return None
        v, i = got
        while True:
            j = self._ws(i)
            if j < len(self.s) and self.s[j] in "+-":
                rhs = self.term(self._ws(j + 1))
                if rhs is None:
                    return v, i
                v = v + rhs[0] if self.s[j] == "+" else v - rhs[0]
                i = rhs[1]
            else:
                return v, i

    def term(self, i: int) -> tuple[int, int] | None:
        got = self.factor(i)
        if got is None:
            return None
        v, i = got
        while True:
            j = self._ws(i)
            op = "//" if self.s.startswith("//", j) else self.s[j:j + 1]
            if op not in ("//", "*", "%"):
                return v, i
            rhs = self.factor(self._ws(j + len(op)))
            if rhs is None or (op != "*" and rhs[0] == 0):
                return v, i
            v = v * rhs[0] if op == "*" else v // rhs[0] if op == "//" else v % rhs[0]
            i = rhs[1]

    def factor(self, i: int) -> tuple[int, int] | None:
        s = self.s
        if i >= len(s):
            return None
        if s[i].isdigit():
            j = i
            while j < len(s) and s[j].isdigit():
                j += 1
            if j < len(s) and ((s[j].isalpha() and s[j] != "x") or s[j] in "._"):
                return None  # part of a word or a float
            return int(s[i:j]), j
        if s[i] == "-":
            got = self.factor(i + 1)
            return (-got[0], got[1]) if got else None
        call = _NAME.match(s, i)
        if call:
            args: list[int] = []
            j = call.end()
            while True:
                got = self.expr(self._ws(j))
                if got is None:
                    return None
                args.append(got[0])
                j = self._ws(got[1])
                if j < len(s) and s[j] == ",":
                    j += 1
                    continue
                if j < len(s) and s[j] == ")":
                    break
                return None
            fn = call.group(1)
            if fn in ("Mod", "FloorDiv") and (len(args) != 2 or args[1] == 0):
                return None
            value = (max(args) if fn == "Max" else min(args) if fn == "Min"
                     else args[0] % args[1] if fn == "Mod" else args[0] // args[1])
            return value, j + 1
        if s[i] == "(":
            got = self.expr(self._ws(i + 1))
            if got is None:
                return None
            j = self._ws(got[1])
            if j < len(s) and s[j] == ")":
                return got[0], j + 1
        return None


def evaluated(text: str) -> str:
    """``text`` with every integer expression in it replaced by its value: what PyTorch prints
    at numbers for what it printed in symbols (``(((9 - 3)//2)) + 1`` → ``4``). A lone number
    stays as it was, so PyTorch's own message is unchanged by it."""
    arith = _Arith(text)
    out: list[str] = []
    i = 0
    while i < len(text):
        # after a word no expression starts, but after PyTorch's size separator ("64x…") one does
        boundary = i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_.") or (
            text[i - 1] == "x" and i >= 2 and (text[i - 2].isdigit() or text[i - 2] == ")"))
        got = arith.expr(i) if boundary and (text[i].isdigit() or text[i] in "(-"
                                              or _NAME.match(text, i)) else None
        if got is not None and got[1] > i and not re.fullmatch(r"-?\d+", text[i:got[1]]):
            chunk = text[i:got[1]]
            # a parenthesised lone number, "(5)", is PyTorch's own punctuation: keep it
            if not re.fullmatch(r"\(\s*-?\d+\s*\)", chunk):
                out.append(str(got[0]))
                i = got[1]
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def with_sizes(message: str, names: Mapping[str, str], point: Mapping[str, int]) -> str:
    """symconv's message (PyTorch's in the size symbols) at a point, arithmetic done."""
    text = message
    for sym, axis in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if not sym.startswith("__"):
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(sym)}(?![0-9_])", str(point[axis]),
                          text)
    return evaluated(text)


_LONE = re.compile(r"\((-?\d+)\)")


def _plain(text: str) -> str:
    """Parentheses around a lone number dropped: PyTorch prints a size in symbols as
    ``(<expr>)`` and the same size at numbers as ``(4)``, or as ``4`` where the expression came
    with its own parentheses; which of them a message had is not what is judged."""
    while True:
        out = _LONE.sub(r"\1", text)
        if out == text:
            return out
        text = out


def same_message(symconv: str, pytorch: str) -> bool:
    a, b = _plain(evaluated(symconv)), _plain(evaluated(pytorch))
    return a == b or (bool(a) and a in b)


# ------------------------------------------------------------------------------------------
# Judging


def answer_at(st: Any, point: tuple[int, ...]) -> tuple[str, Any, Any]:
    """symconv's answer at ``point``: ("valid", outputs, None) or ("refused", (module, error),
    message with the sizes put in). Through ``TracedStudy.answer`` where the point is one it
    takes (n × … × n × width); checked against the path's region otherwise."""
    from symconv.network.frontends.symexpr import compile_python

    rank = len(point)
    region = st.exploration.region_at(point)
    if region is None:
        return "no path", None, None
    path = region.path
    if all(n == point[0] for n in point[:-1]):
        got = st.answer(point[0], point[-1])
        assert got.point == point
        if got.valid:
            return "valid", [list(o) for o in got.outputs], None
    elif path.valid:
        env = dict(zip(st.axes, point, strict=True))
        outs = [[int(compile_python(s, path.names)(env)) for s in shape]
                for shape in path.outputs]
        return "valid", outs, None
    env = dict(zip(st.axes[:rank], point, strict=True))
    where = path.where.module if path.where is not None else ""
    return "refused", (where or "(model)", path.error), with_sizes(path.message, path.names,
                                                                     env)


def judge(st: Any, sizes: Mapping[str, Mapping[str, Any]]) -> list[Mismatch]:
    out: list[Mismatch] = []
    for key, truth in sorted(sizes.items(), key=lambda kv: zoo_truth.parse_key(kv[0])):
        point = zoo_truth.parse_key(key)
        try:
            kind, a, b = answer_at(st, point)
        except Exception as exc:  # symconv's own failure at a size is a mismatch, not a crash
            out.append(Mismatch(key, "symconv raised", f"{type(exc).__name__}: {exc}",
                                truth["valid"]))
            continue
        if kind == "no path":
            out.append(Mismatch(key, "no path", None, truth["valid"]))
        elif (kind == "valid") != truth["valid"]:
            out.append(Mismatch(key, "validity", kind == "valid",
                                (truth["valid"] and truth["outputs"]) or truth.get("message")))
        elif kind == "valid":
            if a != truth["outputs"]:
                out.append(Mismatch(key, "outputs", a, truth["outputs"]))
        else:
            if a[1] != truth["error"]:
                out.append(Mismatch(key, "error", a[1], truth["error"]))
            if not same_message(b, truth["message"]):
                out.append(Mismatch(key, "message", b, truth["message"]))
    return out


def as_json(got: Outcome) -> dict[str, Any]:
    """An outcome as the bench records it in ``docs/zoo-bench.json`` (mismatches as text)."""
    data = asdict(got)
    data["mismatches"] = [m.text() for m in got.mismatches]
    data["forms"] = [list(f) for f in got.forms]
    data["refusers"] = list(got.refusers)
    return data


def outcome(name: str, *, max_seconds: float = MAX_SECONDS, max_paths: int = MAX_PATHS,
            sizes: Sequence[str] | None = None) -> tuple[Outcome, Any]:
    """Build, study and judge one zoo model (at ``sizes`` of its truth, default all). Returns
    the outcome and the study (None where symconv raised)."""
    from symconv.network.ir import NetworkError
    from symconv.network.traced import output_forms, study_model
    from symconv.network.verdict import Verdict

    model = BY_NAME[name]
    truth = zoo_truth.load(name)["sizes"]
    if sizes is not None:
        truth = {k: truth[k] for k in sizes}
    began = time.perf_counter()
    net = build(model)
    try:
        # one trace at a time: with a path budget, the paths explored (and so the sizes
        # judged) are then the same on every run and machine
        st = study_model(net, name=name, channels=model.channels, rank=model.rank,
                         max_paths=max_paths, max_seconds=max_seconds, jobs=1)
    except NetworkError as exc:
        seconds = time.perf_counter() - began
        return Outcome(name, False, f"{type(exc).__name__}: {exc}", seconds, seconds, 0, 0,
                       "", "", "", (), 0, ()), None
    seconds = time.perf_counter() - began
    ex = st.exploration
    answered = ex.coverage.status is Verdict.PROVED
    refusal = "" if answered else (
        f"coverage {ex.coverage.status.value} within {max_paths} paths / {max_seconds:g} s"
        + (f": {ex.coverage.reason}" if ex.coverage.reason else ""))
    refusers = sorted({(r.path.where.module if r.path.where else "") or "(model)"
                       for r in ex.regions if not r.path.valid})
    mismatches = judge(st, truth)
    # coverage not proved: sizes on no path explored are not answered, so not judged
    uncovered = 0 if answered else sum(m.what == "no path" for m in mismatches)
    if not answered:
        mismatches = [m for m in mismatches if m.what != "no path"]
    return Outcome(name, answered, refusal, seconds, st.seconds, len(ex.regions),
                   sum(r.path.valid for r in ex.regions), ex.coverage.status.value,
                   st.status.value, st.valid.text(), tuple(output_forms(st)),
                   len(truth) - uncovered, tuple(mismatches), tuple(refusers), uncovered), st
