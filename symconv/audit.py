"""An audit of the guide as printed: every numbered relation, every caption that states parameters
or sizes, and the matrix C of §4.1 — transcribed exactly as printed (errors included), each next
to the verbatim text it encodes, and checked against the engine's relations and first principles.

First principles used here, independently of the formulas under audit:

* a direct convolution's output is the number of kernel placements, counted by brute force on a
  padded line (``_placements``), or proved for all integers as ``(o − 1)s + k̂ ≤ i + 2p < o·s + k̂``;
* a transposed convolution restores the input size of its direct convolution (``o′ = i``), and is
  the direct convolution, with a flipped kernel, over the input stretched by ``s − 1`` zeros between
  units, padded with ``p′ = k − p − 1`` (plus ``a`` zeros at the bottom/right); checked on the real
  matrices: ``Cᵀ y`` equals that convolution for every figure;
* the matrix C of a convolution is built by brute force from kernel placements.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp
import z3

from symconv.evaluate import EvaluationError, evaluate
from symconv.prover import Claim, Result, Status, prove
from symconv.reference import guide_values
from symconv.relations import RELATIONS, placements
from symconv.symbols import a, d, domains_for, i, i_prime, i_tilde, k, k_hat, n, p, s
from symconv.z3bridge import Z3Translator

GUIDE_NAME = "conv-arithmetic-guide.zh.md"
TIMEOUT = 10.0
PRIME = "\u2032"

# ---------------------------------------------------------------------------------------------
# Findings


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    location: str
    status: str  # "holds" or "wrong"
    detail: str
    printed: tuple[str, ...]
    encoded: str
    checks: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "status": self.status, "detail": self.detail,
                "location": self.location, "printed": list(self.printed),
                "encoded": self.encoded, "checks": list(self.checks)}


@dataclass(slots=True)
class _Log:
    """The checks of one claim: each line says what was established and how."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.lines.append(f"ok: {text}")

    def fail(self, text: str) -> None:
        self.lines.append(f"FAILS: {text}")
        self.failures.append(text)

    def expect(self, cond: bool, text: str, why_not: str = "") -> None:
        if cond:
            self.ok(text)
        else:
            self.fail(f"{text}{' — ' + why_not if why_not else ''}")


def _txt(expr: sp.Basic) -> str:
    return str(expr).replace("i_tilde", f"ĩ{PRIME}").replace("_prime", PRIME)


def _cx(claim: Claim, result: Result, timeout: float) -> str:
    """A refutation's counterexample, made canonical (each variable, in name order, the
    smallest value in 0..64 that keeps a counterexample) so reports are deterministic, and
    re-evaluated in plain Python."""
    if result.counterexample is None:
        return ""
    env = _smallest_counterexample(claim, timeout) or dict(result.counterexample)
    if not _violates(claim, env):
        env = dict(result.counterexample)
    shown = ", ".join(f"{_txt(sp.Symbol(k_))}={v}" for k_, v in sorted(env.items()))
    evals = []
    for atom in _atoms(claim.goal):
        try:
            if evaluate(atom, env) is False:
                evals.append(f"{_txt(atom.lhs)} is {evaluate(atom.lhs, env)}, "
                             f"{_txt(atom.rhs)} is {evaluate(atom.rhs, env)}")
        except EvaluationError as exc:
            evals.append(f"{_txt(atom)}: {exc}")
    return f"counterexample {shown}" + (f" ({'; '.join(evals)})" if evals else "")


def _atoms(goal: sp.Basic) -> list[sp.Basic]:
    if isinstance(goal, sp.core.relational.Relational):
        return [goal]
    return [x for arg in goal.args for x in _atoms(arg)]


def _violates(claim: Claim, env: Mapping[str, int]) -> bool:
    try:
        if not all(evaluate(h, env) is True for h in claim.hypotheses):
            return False
        return evaluate(claim.goal, env) is not True
    except EvaluationError:
        return True


def _smallest_counterexample(claim: Claim, timeout: float) -> dict[str, int] | None:
    tr = Z3Translator()
    hyps = [tr.translate(h) for h in claim.hypotheses]
    goal = tr.translate(claim.goal)
    for sym in claim.goal.free_symbols:
        tr.translate(sym)
    defined = z3.And(*tr.obligations) if tr.obligations else z3.BoolVal(True)
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(*hyps, z3.Not(z3.And(defined, goal)))
    out: dict[str, int] = {}
    for name, var in sorted(tr.variables.items()):
        for value in range(65):
            solver.push()
            solver.add(var == value)
            if solver.check() == z3.sat:
                out[name] = value
                break
            solver.pop()
        else:
            return None
    return out


def _prove(log: _Log, goal: sp.Basic, hyps: Sequence[sp.Basic], text: str,
           timeout: float) -> Result:
    free: set[sp.Symbol] = set(goal.free_symbols)
    for h in hyps:
        free |= h.free_symbols
    claim = Claim(goal, (*domains_for(free), *hyps), text)
    result = prove(claim, timeout=timeout)
    if result.status is Status.PROVED:
        log.ok(f"{text} [proved for all integers]")
    elif result.status is Status.REFUTED:
        log.fail(f"{text} [refuted: {_cx(claim, result, timeout)}]")
    else:
        log.fail(f"{text} [solver: {result.status.value}, {result.reason}]")
    return result


# ---------------------------------------------------------------------------------------------
# Brute force: placements, stretched inputs, the matrix C and the transposed convolution


def _placements(size: int, extent: int, stride: int) -> int:
    """Kernel placements on ``size`` units (padding included), counted one by one."""
    count, start = 0, 0
    while start + extent <= size:
        count += 1
        start += stride
    return count


def _taps(i_: int, k_: int, s_: int, p_: int) -> list[list[tuple[int, int]]]:
    """Per output unit along one axis: the (input unit, kernel tap) pairs it reads (padding is
    read as zero and left out)."""
    out = []
    for start in range(0, i_ + 2 * p_ - k_ + 1, s_):
        out.append([(start + m - p_, m) for m in range(k_) if 0 <= start + m - p_ < i_])
    return out


Entry = tuple[int, int] | None  # a kernel element (row, col) or zero


def conv_matrix_2d(i_: int, k_: int, s_: int, p_: int) -> list[list[Entry]]:
    """The guide's C for a square 2-D convolution: rows are output units, columns input units,
    both flattened left to right, top to bottom; an entry names the kernel element or is 0."""
    axis = _taps(i_, k_, s_, p_)
    rows: list[list[Entry]] = []
    for oy, ox in itertools.product(range(len(axis)), repeat=2):
        row: list[Entry] = [None] * (i_ * i_)
        for (y, u), (x, v) in itertools.product(axis[oy], axis[ox]):
            row[y * i_ + x] = (u, v)
        rows.append(row)
    return rows


Linear = Counter[tuple[tuple[int, int], int]]  # coefficient of (kernel element, input unit)


def transposed_by_matrix(i_: int, k_: int, s_: int, p_: int) -> list[Linear]:
    """Cᵀ y for a symbolic y: each output unit as a sum of (kernel element, y unit) terms."""
    c = conv_matrix_2d(i_, k_, s_, p_)
    out: list[Linear] = [Counter() for _ in range(i_ * i_)]
    for r, row in enumerate(c):
        for col, entry in enumerate(row):
            if entry is not None:
                out[col][(entry, r)] += 1
    return out


def transposed_by_equivalent(i_: int, k_: int, s_: int, p_: int) -> list[Linear] | None:
    """The equivalent direct convolution of chapter 4: y (o × o) stretched by s − 1 zeros between
    units, padded with p′ = k − p − 1 on each side plus a = (i + 2p − k) mod s at the bottom and
    right, convolved at unit stride with the kernel flipped on both axes. None if p′ < 0."""
    o = (i_ + 2 * p_ - k_) // s_ + 1
    pp = k_ - p_ - 1
    extra = (i_ + 2 * p_ - k_) % s_
    if pp < 0:
        return None
    stretched = o + (s_ - 1) * (o - 1)
    size = stretched + 2 * pp + extra
    # position along the padded, stretched axis -> y unit, or None for an inserted/padding zero
    line: list[int | None] = [None] * size
    for u in range(o):
        line[pp + u * s_] = u
    out: list[Linear] = []
    n_out = size - k_ + 1
    for oy, ox in itertools.product(range(n_out), repeat=2):
        acc: Linear = Counter()
        for u, v in itertools.product(range(k_), repeat=2):
            y, x = line[oy + u], line[ox + v]
            if y is not None and x is not None:
                acc[((k_ - 1 - u, k_ - 1 - v), y * o + x)] += 1
        out.append(acc)
    return out


# ---------------------------------------------------------------------------------------------
# The relations as printed


@dataclass(frozen=True, slots=True)
class PrintedRelation:
    id: str
    location: str
    statement: str  # verbatim: the relation's sentence with its conditions
    formula: str  # verbatim: the display formula (all lines)
    conditions: tuple[sp.Basic, ...]  # as printed
    lines: tuple[sp.Expr, ...]  # the formula's right-hand sides, line by line, as printed
    transposed: bool = False
    equivalent: Mapping[str, sp.Expr] = field(default_factory=dict)  # k', s', p' as printed
    stretched_input: bool = False  # the equivalent convolution runs over ĩ′
    size_word: str = ""  # what the statement calls the result ("输出大小" / "输入大小")


_HALF = (sp.Eq(k, 2 * n + 1), sp.Eq(s, 1), sp.Eq(p, sp.floor(k / 2)), sp.Eq(p, n))
_KH = k_hat()

PRINTED_RELATIONS: tuple[PrintedRelation, ...] = (
    PrintedRelation(
        "R1", "§2.1, 关系 1",
        "关系 1. 对任何  $i$  和  $k$ , 以及对  $s = 1$  和  $p = 0$ ,",
        "$$o = (i - k) + 1.$$",
        (sp.Eq(s, 1), sp.Eq(p, 0)), ((i - k) + 1,)),
    PrintedRelation(
        "R2", "§2.2, 关系 2",
        "关系 2. 对任何  $i, k$  和  $p$ , 且对  $s = 1$ , 有",
        "$$o = (i - k) + 2p + 1.$$",
        (sp.Eq(s, 1),), ((i - k) + 2 * p + 1,)),
    PrintedRelation(
        "R3", "§2.2.1, 关系 3",
        "关系 3. 对任何  $i$  和奇数  $k$  ( $k = 2n + 1, n \\in \\mathbb{N}$ ),  $s = 1$ ,  "
        "$p = \\lfloor k/2 \\rfloor = n$ , 有",
        "$$\\begin{aligned} o &= i + 2\\lfloor k/2 \\rfloor - (k - 1) \\\\ &= i + 2n - 2n "
        "\\\\ &= i. \\end{aligned}$$",
        _HALF, (i + 2 * sp.floor(k / 2) - (k - 1), i + 2 * n - 2 * n, i)),
    PrintedRelation(
        "R4", "§2.2.2, 关系 4",
        "关系 4. 对任何  $i$  和  $k$ , 且对  $p = k - 1$  和  $s = 1$ , 有",
        "$$\\begin{aligned} o &= i + 2(k - 1) - (k - 1) \\\\ &= i + (k - 1). "
        "\\end{aligned}$$",
        (sp.Eq(p, k - 1), sp.Eq(s, 1)), (i + 2 * (k - 1) - (k - 1), i + (k - 1))),
    PrintedRelation(
        "R5", "§2.3, 关系 5",
        "关系 5. 对任何  $i$ ,  $k$  和  $s$ , 并对  $p = 0$ , 有",
        "$$o = \\left\\lfloor \\frac{i - k}{s} \\right\\rfloor + 1.$$",
        (sp.Eq(p, 0),), (sp.floor((i - k) / s) + 1,)),
    PrintedRelation(
        "R6", "§2.4, 关系 6",
        "关系 6. 对任何  $i, k, p$  和  $s$ ,",
        "$$o = \\left\\lfloor \\frac{i + 2p - k}{s} \\right\\rfloor + 1.$$",
        (), (sp.floor((i + 2 * p - k) / s) + 1,)),
    PrintedRelation(
        # "由于池化不涉及零填充" (pooling involves no zero padding): p = 0 is the chapter's setting.
        "R7", "§3, 关系 7",
        "关系 7. 对任何  $i, k$  和  $s$ , 有",
        "$$o = \\left\\lfloor \\frac{i - k}{s} \\right\\rfloor + 1.$$",
        (sp.Eq(p, 0),), (sp.floor((i - k) / s) + 1,)),
    PrintedRelation(
        "R8", "§4.3, 关系 8",
        "**关系 8.** 由  $s = 1, p = 0$  和  $k$  描述的卷积具有由  $k' = k, s' = s$  和  "
        "$p' = k - 1$  描述的相关转置卷积，并且其输入大小为",
        "$$o' = i' + (k - 1).$$",
        (sp.Eq(s, 1), sp.Eq(p, 0)), (i_prime + (k - 1),), True,
        {"k'": k, "s'": s, "p'": k - 1}, False, "输入大小"),
    PrintedRelation(
        "R9", "§4.4, 关系 9",
        "**关系 9.** 一个由  $s = 1$ ,  $k$  和  $p$  描述的卷积与一个由  $k' = k$ ,  $s' = s$  "
        "和  $p' = k - p - 1$  描述的转置卷积相关联。且其输出大小为",
        "$$o' = i' + (k - 1) - 2p.$$",
        (sp.Eq(s, 1),), (i_prime + (k - 1) - 2 * p,), True,
        {"k'": k, "s'": s, "p'": k - p - 1}, False, "输出大小"),
    PrintedRelation(
        "R10", "§4.4.1, 关系 10",
        "**关系 10.** 一个由  $k = 2n + 1$ ,  $n \\in \\mathbb{N}$ ,  $s = 1$  和  "
        "$p = \\lfloor k/2 \\rfloor = n$  描述的卷积与一个由  $k' = k$ ,  $s' = s$  和  "
        "$p' = p$  描述的转置卷积相关联，且其输出大小为",
        "$$\\begin{aligned} o' &= i' + (k - 1) - 2p \\\\ &= i' + 2n - 2n \\\\ &= i'. "
        "\\end{aligned}$$",
        _HALF, (i_prime + (k - 1) - 2 * p, i_prime + 2 * n - 2 * n, i_prime), True,
        {"k'": k, "s'": s, "p'": p}, False, "输出大小"),
    PrintedRelation(
        "R11", "§4.4.2, 关系 11",
        "**关系 11.** 一个由  $s = 1$ ,  $k$  和  $p = k - 1$  描述的卷积与一个由  $k' = k$ ,  "
        "$s' = s$  和  $p' = 0$  描述的转置卷积相关联, 且其输出大小为",
        "$$\\begin{aligned} o' &= i' + (k - 1) - 2p \\\\ &= i' - (k - 1) \\end{aligned}$$",
        (sp.Eq(s, 1), sp.Eq(p, k - 1)), (i_prime + (k - 1) - 2 * p, i_prime - (k - 1)), True,
        {"k'": k, "s'": s, "p'": sp.Integer(0)}, False, "输出大小"),
    PrintedRelation(
        "R12", "§4.5, 关系 12",
        "**关系 12.** 由  $p = 0$ ,  $k$  和  $s$  描述的一种卷积, 其输入大小使  $i - k$  为  "
        "$s$  的倍数, 它有一个由  $\\tilde{i}'$ ,  $k' = k$ ,  $s' = 1$  和  $p' = k - 1$  "
        "所描述的相关转置卷积, 其中  $\\tilde{i}'$  是通过在每个输入单元之间添加  $s - 1$  "
        "个零得到的扩展输入大小, 其输出大小是",
        "$$o' = s(i' - 1) + k.$$",
        (sp.Eq(p, 0), sp.Eq(sp.Mod(i - k, s), 0)), (s * (i_prime - 1) + k,), True,
        {"k'": k, "s'": sp.Integer(1), "p'": k - 1}, True, "输出大小"),
    PrintedRelation(
        "R13", "§4.6, 关系 13",
        "**关系 13.** 一个由  $k, s$  和  $p$  描述的卷积, 其输入大小  $i$  使  $i+2p-k$  是  "
        "$s$  的倍数, 它有一个由  $\\tilde{i}', k' = k, s' = 1$  和  $p' = k-p-1$  描述的相关"
        "转置卷积, 其中  $\\tilde{i}'$  是通过在每个输入单元之间添加  $s-1$  个零得到的扩展"
        "输入的大小, 其输出大小为",
        "$$o' = s(\\tilde{i}' - 1) + k - 2p.$$",
        (sp.Eq(sp.Mod(i + 2 * p - k, s), 0),), (s * (i_tilde - 1) + k - 2 * p,), True,
        {"k'": k, "s'": sp.Integer(1), "p'": k - p - 1}, True, "输出大小"),
    PrintedRelation(
        "R14", "§4.6, 关系 14",
        "**关系 14.** 一种由  $k, s$  和  $p$  描述的卷积, 与一个由  $a, \\tilde{i}', k' = k, "
        "s' = 1$  和  $p' = k-p-1$  描述的转置卷积相关联, 其中  $\\tilde{i}'$  是通过在每个输入"
        "单元之间添加  $s-1$  个零而获得的扩展输入大小, 而  $a = (i + 2p - k) \\bmod s$  表示"
        "添加到输入的下边与右边的零的个数, 且其输出大小为",
        "$$o' = s(\\tilde{i}' - 1) + a + k - 2p.$$",
        (sp.Eq(a, sp.Mod(i + 2 * p - k, s)),), (s * (i_tilde - 1) + a + k - 2 * p,), True,
        {"k'": k, "s'": sp.Integer(1), "p'": k - p - 1}, True, "输出大小"),
    PrintedRelation(
        "R15", "§5.1, 关系 15",
        "**关系 15.** 对任意  $i, k, p$  和  $s$ , 并对扩张率  $d$ ,",
        "$$o = \\left\\lfloor \\frac{i + 2p - k - (k - 1)(d - 1)}{s} \\right\\rfloor + 1.$$",
        (), (sp.floor((i + 2 * p - k - (k - 1) * (d - 1)) / s) + 1,)),
)

KHAT_PRINTED = "$$\\hat{k} = k + (k - 1)(d - 1).$$"
KHAT_ENCODED = k + (k - 1) * (d - 1)


def _stretched(size: sp.Expr) -> sp.Expr:
    """Units after inserting s − 1 zeros between each pair of neighbours."""
    return size + (s - 1) * (size - 1)


def _direct_output(size: sp.Expr, pad: sp.Expr, kern: sp.Expr, stride: sp.Expr) -> sp.Expr:
    return sp.floor((size + 2 * pad - kern) / stride) + 1


def _audit_relation(rel: PrintedRelation, timeout: float) -> Finding:
    log = _Log()
    engine = RELATIONS[rel.id]
    extent = _KH if rel.id == "R15" else k
    fits = sp.Ge(i + 2 * p, extent)
    hyps: list[sp.Basic] = list(rel.conditions)
    if rel.transposed:
        # i′ is the output of the direct convolution the transposed one belongs to; ĩ′ is i′
        # with s − 1 zeros between units (the printed definition).
        hyps += [sp.Eq(i_prime, _direct_output(i, p, k, s)), sp.Eq(i_tilde, _stretched(i_prime))]
    for prev, nxt in itertools.pairwise(rel.lines):
        _prove(log, sp.Eq(prev, nxt), [*hyps, fits],
               f"line '{_txt(prev)}' = next line '{_txt(nxt)}'", timeout)
    final = rel.lines[-1]
    if not rel.transposed:
        _prove(log, placements(final, i + 2 * p, extent, s), [*hyps, fits],
               f"o = {_txt(final)} counts kernel placements when the kernel fits "
               f"(i + 2p >= {_txt(extent)})", timeout)
        loose_claim = Claim(sp.And(sp.Ge(final, 1), placements(final, i + 2 * p, extent, s)),
                            (*domains_for(final.free_symbols | {i, p, s, k}), *hyps))
        loose = prove(loose_claim, timeout=timeout)
        if loose.status is Status.REFUTED:
            log.caveats.append(
                "the printed 'for any i, k' tacitly assumes the kernel fits "
                f"(i + 2p >= {_txt(extent)}): otherwise o < 1 is no count of placements "
                f"({_cx(loose_claim, loose, timeout)})")
    else:
        for line in rel.lines:
            _prove(log, sp.Eq(line, i), [*hyps, fits],
                   f"o′ = {_txt(line)} restores the direct convolution's input size i", timeout)
        eq = rel.equivalent
        source = i_tilde if rel.stretched_input else i_prime
        extra = a if a in final.free_symbols else 0
        kp, sp_, pp = eq["k'"], eq["s'"], eq["p'"]
        _prove(log, sp.Eq(pp, k - p - 1), [*hyps, fits],
               f"printed p′ = {_txt(pp)} is k − p − 1 (the padding that lets the first kernel "
               "application touch only the first unit)", timeout)
        _prove(log, sp.Eq(sp_, 1), [*hyps, fits], f"printed s′ = {_txt(sp_)} is 1", timeout)
        equiv = sp.floor((source + 2 * pp + extra - kp) / sp_) + 1
        _prove(log, sp.Eq(equiv, final), [*hyps, fits, sp.Le(p, k - 1)],
               f"the printed equivalent convolution (over {_txt(source)}, k′ = {_txt(kp)}, "
               f"s′ = {_txt(sp_)}, p′ = {_txt(pp)}{', plus a zeros' if extra else ''}) "
               f"outputs o′ = {_txt(final)}", timeout)
        implied = prove(Claim(sp.Le(p, k - 1), (*domains_for({i, k, s, p, n}), *rel.conditions)),
                        timeout=timeout)
        if implied.status is not Status.PROVED:
            log.caveats.append("p′ = k − p − 1 is a padding only for p <= k − 1; the "
                               "equivalent convolution is checked there (the statement does "
                               "not restrict p)")
    engine_hyps = [*engine.hypotheses(), sp.Eq(i_tilde, _stretched(i_prime))]
    _prove(log, sp.Eq(final, engine.expr), engine_hyps,
           f"printed {'o′' if rel.transposed else 'o'} = {_txt(final)} equals the engine's "
           f"{engine.id}: {_txt(engine.expr)}", timeout)
    if rel.id == "R15":
        _prove(log, sp.Eq(KHAT_ENCODED, (k - 1) * d + 1), [],
               "printed k̂ = k + (k − 1)(d − 1) is the span (k − 1)d + 1 of k taps d apart",
               timeout)
        spans = all(_dilated_span(k_, d_) == k_ + (k_ - 1) * (d_ - 1)
                    for k_ in range(1, 8) for d_ in range(1, 6))
        log.expect(spans, "k̂ matches the brute-force span of dilated kernels (k <= 7, d <= 5)")
    printed = (rel.statement, rel.formula) + ((KHAT_PRINTED,) if rel.id == "R15" else ())
    encoded = (f"if {', '.join(_txt(c) for c in rel.conditions) or 'no condition'}: "
               f"{'o′' if rel.transposed else 'o'} = "
               + " = ".join(_txt(x) for x in rel.lines))
    if rel.transposed:
        encoded += "; equivalent: " + ", ".join(
            f"{key.replace(chr(39), PRIME)} = {_txt(v)}" for key, v in rel.equivalent.items())
        if rel.stretched_input:
            encoded += "; ĩ′ = i′ + (s − 1)(i′ − 1)"
    if log.failures:
        correct = f"{'o′' if rel.transposed else 'o'} = {_txt(engine.expr)}"
        detail = "; ".join(log.failures) + f". Correct: {correct}"
        detail += _figure_numbers(rel, final)
        status = "wrong"
    else:
        detail = "all checks hold" + ("; " + "; ".join(log.caveats) if log.caveats else "")
        status = "holds"
    return Finding(rel.id, rel.location, status, detail, printed, encoded, tuple(log.lines))


def _dilated_span(k_: int, d_: int) -> int:
    taps = [m * d_ for m in range(k_)]
    return max(taps) - min(taps) + 1


_FIGURE_OF = {"R13": (5, 3, 2, 1, "Figure 4.6"), "R14": (6, 3, 2, 1, "Figure 4.7")}


def _figure_numbers(rel: PrintedRelation, final: sp.Expr) -> str:
    """The printed formula evaluated at the parameters of the relation's own figure."""
    if rel.id not in _FIGURE_OF:
        return ""
    i_, k_, s_, p_, name = _FIGURE_OF[rel.id]
    env = guide_values(i_, k_, s_, p_)
    ip = env["i_prime"]
    try:
        value = evaluate(final, env)
    except EvaluationError:
        return ""
    return (f". At {name}'s parameters (i = {i_}, k = {k_}, s = {s_}, p = {p_}; i′ = {ip}, "
            f"ĩ′ = {env['i_tilde']}) the printed formula gives {value} instead of i = {i_}")


# ---------------------------------------------------------------------------------------------
# Other printed statements about relations


def _audit_r8_wording() -> Finding:
    rel = next(r for r in PRINTED_RELATIONS if r.id == "R8")
    holds = rel.size_word == "输出大小"
    detail = ("the statement calls o′ its '输入大小' (input size); o′ is the output size of the "
              "transposed convolution (relations 9-14 say '输出大小'). Correct: '并且其输出大小为'")
    return Finding("R8-text", rel.location, "holds" if holds else "wrong", detail,
                   (rel.statement,), f"o′ is called: {rel.size_word}")


AMBIGUITY_PRINTED = (
    "如前所述, 下取整函数意味着在某些情况下, 卷积将为多个输入大小生成相同的输出大小. 更具体地讲, "
    "如果  $i + 2p - k$  是  $s$  的倍数, 所有输出大小"
    "  $j = i + a$ ,  $a \\in \\{0, \\dots, s - 1\\}$"
    "  都将产生相同的输出大小. 注意, 这种二义性仅应用于  $s > 1$ ."
)


def _audit_ambiguity(timeout: float) -> Finding:
    log = _Log()
    out = _direct_output
    hyps = [sp.Eq(sp.Mod(i + 2 * p - k, s), 0), sp.Ge(i + 2 * p, k), sp.Ge(a, 0),
            sp.Le(a, s - 1)]
    _prove(log, sp.Eq(out(i + a, p, k, s), out(i, p, k, s)), hyps,
           "if s | (i + 2p − k), every input size j = i + a (0 <= a <= s − 1) has the output "
           "of i", timeout)
    _prove(log, sp.Eq(out(i + s, p, k, s), out(i, p, k, s) + 1), hyps[:2],
           "and j = i + s already gives one more output (the ambiguity is exactly s sizes)",
           timeout)
    log.fail("the sentence calls j = i + a '输出大小' (output sizes); they are input sizes")
    detail = ("the mathematics holds, the wording does not: '所有输出大小 j = i + a' should be "
              "'所有输入大小 j = i + a' (j are input sizes sharing one output size)")
    return Finding("text-2.4-ambiguity", "§2.4, after 关系 6", "wrong", detail,
                   (AMBIGUITY_PRINTED,), "s | (i+2p−k), 0 <= a <= s−1 ⇒ o(i + a) = o(i)",
                   tuple(log.lines))


# ---------------------------------------------------------------------------------------------
# Figure captions as printed


@dataclass(frozen=True, slots=True)
class PrintedFigure:
    id: str
    location: str
    caption: str  # verbatim
    kind: str  # "conv", "pool", "transposed", "dilated", "kernels", "stride-view", "steps"
    params: Mapping[str, int]  # i, k, s, p, d as printed
    sizes: Mapping[str, int] = field(default_factory=dict)  # "input", "kernel", "stride",
    # "border" as printed in "n × n" form
    setting: tuple[str, ...] = ()  # the section's conditions the caption's title names
    equivalent: Mapping[str, int] = field(default_factory=dict)  # i', ĩ', a, p', s' printed
    equivalent_sizes: Mapping[str, int] = field(default_factory=dict)  # "input", "border",
    # "zeros" (inserted between units)
    text: tuple[tuple[str, Mapping[str, int]], ...] = ()  # body sentences about the figure,
    # verbatim, with the parameters each states


SETTINGS: Mapping[str, Callable[[Mapping[str, int]], bool]] = {
    "s = 1": lambda e: e["s"] == 1,
    "p = 0": lambda e: e["p"] == 0,
    "p = ⌊k/2⌋, k odd (half padding)": lambda e: e["k"] % 2 == 1 and e["p"] == e["k"] // 2,
    "p = k − 1 (full padding)": lambda e: e["p"] == e["k"] - 1,
}

PRINTED_FIGURES: tuple[PrintedFigure, ...] = (
    PrintedFigure(
        "fig-1.2", "§1.1, 图 1.2",
        "图 1.2: 对  $N = 2$ ,  $i_1 = i_2 = 5$ ,  $k_1 = k_2 = 3$ ,  $s_1 = s_2 = 2$ , 和  "
        "$p_1 = p_2 = 1$  计算离散卷积的输出值.",
        "conv", {"i": 5, "k": 3, "s": 2, "p": 1},
        {"input": 5, "kernel": 3, "stride": 2, "border": 1},
        text=(("例如, Figure 1.2 展示了一个应用于  $5 \\times 5$  输入的  $3 \\times 3$  卷积核, "
               "使用了  $2 \\times 2$  的步长填充了  $1 \\times 1$  的零边界。",
               {"i": 5, "k": 3, "s": 2, "p": 1}),)),
    PrintedFigure(
        "fig-1.3", "§1.1, 图 1.3",
        "图 1.3: 一种从两个输入特征映射到三个输出特征映射的卷积映射, 使用  "
        "$3 \\times 2 \\times 3 \\times 3$  的一批卷积核  $\\mathbf{w}$ .",
        "kernels", {"outputs": 3, "inputs": 2, "k": 3},
        {"shape0": 3, "shape1": 2, "shape2": 3, "shape3": 3}),
    PrintedFigure(
        "fig-1.4", "§1.1, 图 1.4",
        "图 1.4: 另一种步长可视方法. 不是以  $s = 2$  (左边) 的增量去转换"
        "  $3 \\times 3$  的卷积核, "
        "而是以 1 为增量进行转换, 且只保留一个  $s = 2$  的输出元素 (右边).",
        "stride-view", {"k": 3, "s": 2}, {"kernel": 3}),
    PrintedFigure(
        "fig-1.5", "§1.2, 图 1.5",
        "图 1.5: 使用  $1 \\times 1$  步长计算  $5 \\times 5$  输入、 $3 \\times 3$  平均池化操作的"
        "输出值.",
        "pool", {"i": 5, "k": 3, "s": 1, "p": 0}, {"stride": 1, "input": 5, "kernel": 3}),
    PrintedFigure(
        "fig-1.6", "§1.2, 图 1.6",
        "图 1.6: 使用  $1 \\times 1$  步长计算"
        "  $5 \\times 5$  输入、 $3 \\times 3$  最大值池化操作的"
        "输出值.",
        "pool", {"i": 5, "k": 3, "s": 1, "p": 0}, {"stride": 1, "input": 5, "kernel": 3}),
    PrintedFigure(
        "fig-2.1", "§2.1, 图 2.1",
        "图 2.1: (无零填充, 单位步长) 用单位步长 (即  $i = 4, k = 3, s = 1$  和  $p = 0$ ), 将  "
        "$3 \\times 3$  的卷积核与  $4 \\times 4$  的输入做卷积.",
        "conv", {"i": 4, "k": 3, "s": 1, "p": 0}, {"kernel": 3, "input": 4},
        ("s = 1", "p = 0"),
        text=(("要分析的最简单情形是卷积核在输入 (即  $s = 1$  且  $p = 0$  时) 的每个位置滑动。"
               "Figure 2.1 提供了当  $i = 4$  且  $k = 3$  时的例子。",
               {"s": 1, "p": 0, "i": 4, "k": 3}),)),
    PrintedFigure(
        "fig-2.2", "§2.2, 图 2.2",
        "图 2.2: (任意填充, 单位步长) 用单位步长 (即  $i = 5, k = 4, s = 1$  和  $p = 2$ ), 将  "
        "$4 \\times 4$  的卷积核与  $5 \\times 5$  的输入做卷积, 并用"
        "  $2 \\times 2$  的零边界填充.",
        "conv", {"i": 5, "k": 4, "s": 1, "p": 2}, {"kernel": 4, "input": 5, "border": 2},
        ("s = 1",),
        text=(("Figure 2.2 给出了当  $i = 5, k = 4$  且  $p = 2$  时的一个例子.",
               {"i": 5, "k": 4, "p": 2}),)),
    PrintedFigure(
        "fig-2.3", "§2.2.1, 图 2.3",
        "图 2.3: (半填充, 单位步长) 用半填充和单位步长 (即  $i = 5, k = 3, s = 1$  和  $p = 2$ ), "
        "将  $3 \\times 3$  的卷积核与  $5 \\times 5$  的输入做卷积.",
        "conv", {"i": 5, "k": 3, "s": 1, "p": 2}, {"kernel": 3, "input": 5},
        ("s = 1", "p = ⌊k/2⌋, k odd (half padding)"),
        text=(("这有时被称为半填充 (或相似填充). Figure 2.3 给出了当  $i = 5, k = 3$  且 (因此)  "
               "$p = 1$  时的一个例子.", {"i": 5, "k": 3, "p": 1}),)),
    PrintedFigure(
        "fig-2.4", "§2.2.2, 图 2.4",
        "图 2.4: (全填充, 单位步长) 使用全填充和单位步长 (即  $i = 5, k = 3, s = 1$  和"
        "  $p = 2$ ), "
        "将  $3 \\times 3$  的卷积核与  $5 \\times 5$  的输入做卷积.",
        "conv", {"i": 5, "k": 3, "s": 1, "p": 2}, {"kernel": 3, "input": 5},
        ("s = 1", "p = k − 1 (full padding)"),
        text=(("这有时被称为全填充, 因为在这个设定中, 输入特征映射上卷积核的每一个可能的部分或完全"
               "重叠都被考虑在内. Figure 2.4 给出了当  $i = 5$ ,  $k = 3$  且 (因此)  $p = 2$  的"
               "一个例子.", {"i": 5, "k": 3, "p": 2}),)),
    PrintedFigure(
        "fig-2.5", "§2.3, 图 2.5",
        "图 2.5: (无零填充, 任意步长) 使用  $2 \\times 2$  步长 (即  $i = 5, k = 3, s = 2$  和  "
        "$p = 0$ ) 将  $3 \\times 3$  的卷积核与  $5 \\times 5$  的输入做卷积.",
        "conv", {"i": 5, "k": 3, "s": 2, "p": 0}, {"stride": 2, "kernel": 3, "input": 5},
        ("p = 0",),
        text=(("迄今为止导出的所有关系仅适用于单位步长卷积. 合并非单位步长需要另一种进一步的推理. "
               "为了便于分析, 让我们暂时忽略零填充 (即  $s > 1$  且  $p = 0$ ). Figure 2.5 给出了"
               "当  $i = 5$ ,  $k = 3$  且"
               "  $s = 2$  时的一个例子.", {"p": 0, "i": 5, "k": 3, "s": 2}),
              )),
    PrintedFigure(
        "fig-2.6", "§2.4, 图 2.6",
        "图 2.6: (任意填充和步长) 使用  $2 \\times 2$  步长 (即  $i = 5, k = 3, s = 2$  和  "
        "$p = 1$ ) 将  $3 \\times 3$  的卷积核与填充了  $1 \\times 1$  零边界的  $5 \\times 5$  "
        "输入做卷积.",
        "conv", {"i": 5, "k": 3, "s": 2, "p": 1},
        {"stride": 2, "kernel": 3, "border": 1, "input": 5}),
    PrintedFigure(
        "fig-2.7", "§2.4, 图 2.7",
        "图 2.7: (任意填充和步长) 使用  $2 \\times 2$  步长 (即  $i = 6, k = 3, s = 2$  且  "
        "$p = 1$ ) 在  $6 \\times 6$  的输入上与  $3 \\times 3$  的卷积核做卷积, 输入使用  "
        "$2 \\times 2$  的步长, 并填充  $1 \\times 1$  的零边界. 在这个例子中, 零填充的底行和"
        "右列不被卷积核覆盖.",
        "conv", {"i": 6, "k": 3, "s": 2, "p": 1},
        {"stride": 2, "input": 6, "kernel": 3, "border": 1},
        text=(("Figure 2.6 给出了当  $i = 5$ ,  $k = 3$ ,  $s = 2$  和  $p = 1$  时的一个例子, "
               "而 Figure 2.7 给出了当  $i = 6$ ,  $k = 3$ ,  $s = 2$  且  $p = 1$  时的例子. "
               "有趣的是, 尽管输入大小不同, 这些卷积依然共享同一输出大小.",
               {"i": 6, "k": 3, "s": 2, "p": 1}),)),
    PrintedFigure(
        "fig-2.8a", "§2.4, 图 2.8 (a)",
        "(a) 卷积核必须向右滑动两步才能接触到输入的右侧（等价于向下）。加一以说明初始卷积核位置，"
        "输出大小为  $3 \\times 3$ 。",
        "steps", {"steps": 2, "step": 1, "o": 3}),
    PrintedFigure(
        "fig-2.8b", "§2.4, 图 2.8 (b)",
        "(b) 内核必须向右滑动一步（大小为 2）才能接触到输入的右侧（相当于向下）。加一以说明初始"
        "卷积核的位置，输出大小为  $2 \\times 2$ 。",
        "steps", {"steps": 1, "step": 2, "o": 2}),
    PrintedFigure(
        "fig-4.1", "§4.3, 图 4.1",
        "图 4.1: 一个  $3 \\times 3$  卷积核与一个使用了单位步长 (即  $i = 4, k = 3, s = 1$  和  "
        "$p = 0$ ) 的  $4 \\times 4$  输入做转置卷积. 等价于一个  $3 \\times 3$  卷积核与一个使用了"
        "单位步长且填充  $2 \\times 2$  零边界 (即  $i' = 2, k' = k, s' = 1$  且  $p' = 2$ ) 的  "
        "$2 \\times 2$  输入做卷积.",
        "transposed", {"i": 4, "k": 3, "s": 1, "p": 0}, {"kernel": 3, "input": 4},
        ("s = 1", "p = 0"), {"i'": 2, "s'": 1, "p'": 2}, {"border": 2, "input": 2},
        (("考虑在单位步长且无填充的  $4 \\times 4$  输入 (即  $i = 4, k = 3, s = 1$  且  $p = 0$ ) "
          "上应用  $3 \\times 3$  的卷积核。", {"i": 4, "k": 3, "s": 1, "p": 0}),)),
    PrintedFigure(
        "fig-4.2", "§4.4, 图 4.2",
        "图 4.2: 一个  $4 \\times 4$  卷积核与一个应用了单位步长且填充  $2 \\times 2$  零边界 (即  "
        "$i = 5, k = 4, s = 1$  和  $p = 2$ ) 的  $5 \\times 5$  输入做转置卷积. 等价于一个  "
        "$4 \\times 4$  卷积核与一个应用单位步长且填充了  $1 \\times 1$  零边界 (即  "
        "$i' = 6, k' = k, s' = 1$  且  $p' = 1$ ) 的  $6 \\times 6$  输入做卷积.",
        "transposed", {"i": 5, "k": 4, "s": 1, "p": 2},
        {"kernel": 4, "border": 2, "input": 5}, ("s = 1",),
        {"i'": 6, "s'": 1, "p'": 1}, {"border": 1, "input": 6},
        (("确实如此，对  $i = 5$ ,  $k = 4$  和  $p = 2$ ，如 Figure 4.2 所示。",
          {"i": 5, "k": 4, "p": 2}),)),
    PrintedFigure(
        "fig-4.3", "§4.4.1, 图 4.3",
        "图 4.3: 一个  $3 \\times 3$  卷积核与一个应用半填充和单位步长 (即  $i = 5, k = 3, s = 1$  "
        "和  $p = 1$ ) 的  $5 \\times 5$  输入做转置卷积. 等价于一个  $3 \\times 3$  卷积核与一个"
        "使用半填充和单位步长 (即  $i' = 5, k' = k, s' = 1$  且  $p' = 1$ ) 的  $5 \\times 5$  "
        "输入做卷积.",
        "transposed", {"i": 5, "k": 3, "s": 1, "p": 1}, {"kernel": 3, "input": 5},
        ("s = 1", "p = ⌊k/2⌋, k odd (half padding)"), {"i'": 5, "s'": 1, "p'": 1},
        {"input": 5},
        (("Figure 4.3 给出了当  $i = 5$ ,  $k = 3$  且 (因此)  $p = 1$  的一个例子。",
          {"i": 5, "k": 3, "p": 1}),)),
    PrintedFigure(
        "fig-4.4", "§4.4.2, 图 4.4",
        "图 4.4: 一个  $3 \\times 3$  的卷积核与一个应用了单位步长和全填充 (即  $i = 5$ ,"
        "  $k = 3$ ,  "
        "$s = 1$  且  $p = 2$ ) 的  $5 \\times 5$  输入做转置卷积. 等价于一个  $3 \\times 3$  卷积"
        "核与一个使用单位步长 (即  $i' = 7$ ,  $k' = k$ ,  $s' = 1$  且  $p' = 0$ ) 的  "
        "$7 \\times 7$  输入做卷积.",
        "transposed", {"i": 5, "k": 3, "s": 1, "p": 2}, {"kernel": 3, "input": 5},
        ("s = 1", "p = k − 1 (full padding)"), {"i'": 7, "s'": 1, "p'": 0}, {"input": 7},
        (("Figure 4.4 给出了当  $i = 5$ ,  $k = 3$  且 (因此)  $p = 2$  时的一个例子.",
          {"i": 5, "k": 3, "p": 2}),)),
    PrintedFigure(
        "fig-4.5", "§4.5, 图 4.5",
        "图 4.5: 一个  $3 \\times 3$  卷积核与一个应用  $2 \\times 2$  步长 (即"
        "  $i = 5$ ,  $k = 3$ ,  "
        "$s = 2$  和  $p = 0$ ) 的"
        "  $5 \\times 5$  输入做转置卷积. 等价于一个  $3 \\times 3$  卷积核"
        "与一个应用单位步长且填充了  $2 \\times 2$  零边界 (即  $i' = 2$ ,  $\\tilde{i}' = 3$ ,  "
        "$k' = k$ ,  $s' = 1$  and  $p' = 2$ ) 的  $2 \\times 2$  输入 (在输入之间插入 1 个零) "
        "做卷积.",
        "transposed", {"i": 5, "k": 3, "s": 2, "p": 0},
        {"kernel": 3, "stride": 2, "input": 5}, ("p = 0",),
        {"i'": 2, "ĩ'": 3, "s'": 1, "p'": 2}, {"border": 2, "input": 2, "zeros": 1},
        (("Figure 4.5 给出了当  $i = 5$ ,  $k = 3$  且  $s = 2$  时的一个例子",
          {"i": 5, "k": 3, "s": 2}),)),
    PrintedFigure(
        "fig-4.6", "§4.6, 图 4.6",
        "图 4.6: 一个  $3 \\times 3$  卷积核与一个使用  $2 \\times 2$  步长且填充了"
        "  $1 \\times 1$  "
        "零边界 (即  $i = 5$ ,  $k = 3$ ,  $s = 2$  且  $p = 1$ ) 的  $5 \\times 5$  输入做转置"
        "卷积. 等价于一个  $3 \\times 3$  卷积核与一个使用了单位步长且填充  $1 \\times 1$  零边界 "
        "(即  $i' = 3$ ,  $\\tilde{i}' = 5$ ,  $k' = k$ ,  $s' = 1$  且  $p' = 1$ ) 的  "
        "$3 \\times 3$  输入 (在输入之间插入 1 个零) 做卷积.",
        "transposed", {"i": 5, "k": 3, "s": 2, "p": 1},
        {"kernel": 3, "stride": 2, "border": 1, "input": 5}, (),
        {"i'": 3, "ĩ'": 5, "s'": 1, "p'": 1}, {"border": 1, "input": 3, "zeros": 1},
        (("Figure 4.6 给出了当  $i = 5, k = 3, s = 2$  且  $p = 1$  时的一个例子.",
          {"i": 5, "k": 3, "s": 2, "p": 1}),)),
    PrintedFigure(
        "fig-4.7", "§4.6, 图 4.7",
        "图 4.7: 一个  $3 \\times 3$  的卷积核与一个使用  $2 \\times 2$  步长且填充"
        "  $1 \\times 1$  "
        "零边界 (即  $i = 6, k = 3, s = 2$  和  $p = 1$ ) 的  $6 \\times 6$  输入做转置卷积. 等价于"
        "一个  $3 \\times 3$  卷积核与一个使用了单位步长 (即  "
        "$i' = 3, \\tilde{i}' = 5, a = 1, k' = k, s' = 1$  且  $p' = 1$ ) 且填充  $1 \\times 1$  "
        "零边界 (在底部和右边添加了一个大小为 1 的边框) 的  $2 \\times 2$  输入 (在输入之间插入 1 "
        "个零) 做卷积.",
        "transposed", {"i": 6, "k": 3, "s": 2, "p": 1},
        {"kernel": 3, "stride": 2, "border": 1, "input": 6}, (),
        {"i'": 3, "ĩ'": 5, "a": 1, "s'": 1, "p'": 1},
        {"border": 1, "extra": 1, "input": 2, "zeros": 1},
        (("Figure 4.7 提供了当  $i = 6, k = 3, s = 2$  且  $p = 1$  时的一个例子.",
          {"i": 6, "k": 3, "s": 2, "p": 1}),)),
    PrintedFigure(
        "fig-5.1", "§5.1, 图 5.1",
        "图 5.1: (Dilated convolution) 将一个  $3 \\times 3$  的卷积核卷积到一个扩张因子为 2(即  "
        "$i = 7, k = 3, d = 2, s = 1$  and  $p = 0$ ) 的  $7 \\times 7$  输入上.",
        "dilated", {"i": 7, "k": 3, "d": 2, "s": 1, "p": 0}, {"kernel": 3, "input": 7},
        text=(("Figure 5.1 给出了当  $i = 7, k = 3$  和  $d = 2$  时的一个例子.",
               {"i": 7, "k": 3, "d": 2}),)),
)

_SIZE_NAMES = {"input": ("i", "input size"), "kernel": ("k", "kernel size"),
               "stride": ("s", "stride"), "border": ("p", "zero border")}


def _sizes_match(log: _Log, fig: PrintedFigure) -> None:
    for key, (param, what) in _SIZE_NAMES.items():
        if key in fig.sizes and param in fig.params:
            n_ = fig.sizes[key]
            log.expect(n_ == fig.params[param],
                       f"printed {n_} × {n_} {what} agrees with {param} = {fig.params[param]}")


def _audit_figure(fig: PrintedFigure) -> Finding:
    log = _Log()
    prm = fig.params
    correct: list[str] = []
    for sentence, stated in fig.text:
        clash = {key: v for key, v in stated.items() if prm.get(key, v) != v}
        where = sentence[:24] + "…"
        log.expect(not clash, f"the body text ('{where}') states the caption's parameters "
                   f"{', '.join(f'{key} = {v}' for key, v in stated.items())}",
                   ", ".join(f"text {key} = {v}, caption {key} = {prm[key]}"
                             for key, v in clash.items()))
    if fig.kind in ("conv", "pool", "dilated", "transposed"):
        _sizes_match(log, fig)
        for name in fig.setting:
            ok = SETTINGS[name](prm)
            log.expect(ok, f"the caption's setting {name} holds for the printed parameters",
                       f"not for i = {prm['i']}, k = {prm['k']}, s = {prm['s']}, p = {prm['p']}")
            if not ok and name.startswith("p = ⌊k/2⌋"):
                correct.append(f"half padding with k = {prm['k']} means p = ⌊k/2⌋ = "
                               f"{prm['k'] // 2}")
        ext = prm["k"] + (prm["k"] - 1) * (prm.get("d", 1) - 1)
        size = prm["i"] + 2 * prm["p"]
        log.expect(size >= ext, f"the kernel fits: i + 2p = {size} >= k̂ = {ext}")
        o_ = _placements(size, ext, prm["s"])
        rel = "R15" if fig.kind == "dilated" else "R7" if fig.kind == "pool" else "R6"
        env = {"i": prm["i"], "k": prm["k"], "s": prm["s"], "p": prm["p"],
               "d": prm.get("d", 1)}
        formula = evaluate(RELATIONS["R15"].expr, env)
        log.expect(formula == o_, f"output {o_} × {o_} by counting placements = "
                   f"{rel}'s {formula}")
        if fig.kind == "pool":
            log.expect(prm["p"] == 0, "pooling without zero padding (chapter 3's setting)")
        if "half padding" in " ".join(fig.setting) and fig.kind == "conv":
            log.expect(o_ == prm["i"], f"half padding keeps the size: o = {o_} = i",
                       f"o = {o_} != i = {prm['i']}")
        if fig.id == "fig-2.7":
            covered = _covered(prm["i"], prm["k"], prm["s"], prm["p"])
            uncovered = [x for x in range(size) if x not in covered]
            log.expect(uncovered == [size - 1],
                       f"only the last padded row/column ({size - 1}) is never covered "
                       f"(brute force: {uncovered})")
            other = _placements(5 + 2, 3, 2)
            log.expect(other == o_, f"Figure 2.6 (i = 5) has the same output size {other}")
        if fig.kind == "transposed":
            _audit_transposed_figure(log, fig, o_, correct)
    elif fig.kind == "kernels":
        z = fig.sizes
        log.expect(z["shape0"] == prm["outputs"] and z["shape1"] == prm["inputs"],
                   f"kernel batch {z['shape0']}×{z['shape1']}×{z['shape2']}×{z['shape3']} = "
                   "(outputs, inputs, k, k) for 2 input and 3 output feature maps")
    elif fig.kind == "stride-view":
        ok = all(
            [t[0] for t in _taps(i_, 3, 2, 0)] == [t[0] for t in _taps(i_, 3, 1, 0)][::2]
            for i_ in range(3, 16))
        log.expect(ok, "stride 2 = stride 1 keeping every 2nd output (brute force, i = 3..15)")
        log.expect(all(_placements(i_, 3, 2) == -(-(i_ - 2) // 2) for i_ in range(3, 40)),
                   "output count ⌊(i−k)/2⌋ + 1 = ⌈(i−k+1)/2⌉ (brute force, i = 3..39)")
    elif fig.kind == "steps":
        log.expect(prm["steps"] + 1 == prm["o"],
                   f"{prm['steps']} steps + 1 initial position = {prm['o']}")
        step = prm["step"]
        example = [(i_, k_) for i_ in range(3, 8) for k_ in range(1, i_ + 1)
                   if _placements(i_, k_, step) == prm["o"] and (i_ - k_) == step * prm["steps"]]
        log.expect(bool(example), f"realised e.g. by i = {example[0][0]}, k = {example[0][1]}, "
                   f"s = {step}" if example else "no configuration realises it")
    if log.failures:
        detail = "; ".join(log.failures)
        if correct:
            detail += ". Correct: " + "; ".join(correct)
        status = "wrong"
    else:
        detail = "all checks hold"
        status = "holds"
    encoded = ", ".join(f"{key.replace(chr(39), PRIME)}={v}" for key, v in prm.items())
    if fig.sizes:
        encoded += "; sizes " + ", ".join(f"{key} {v}" for key, v in fig.sizes.items())
    if fig.setting:
        encoded += "; setting " + ", ".join(fig.setting)
    if fig.equivalent:
        encoded += "; equivalent " + ", ".join(
            f"{key.replace(chr(39), PRIME)}={v}" for key, v in fig.equivalent.items())
        encoded += " (" + ", ".join(f"{key} {v}" for key, v in fig.equivalent_sizes.items()) + ")"
    return Finding(fig.id, fig.location, status, detail,
                   (fig.caption, *(t for t, _ in fig.text)), encoded, tuple(log.lines))


def _covered(i_: int, k_: int, s_: int, p_: int) -> set[int]:
    out: set[int] = set()
    for start in range(0, i_ + 2 * p_ - k_ + 1, s_):
        out.update(range(start, start + k_))
    return out


def _audit_transposed_figure(log: _Log, fig: PrintedFigure, o_: int,
                             correct: list[str]) -> None:
    prm, eq, sizes = fig.params, fig.equivalent, fig.equivalent_sizes
    i_, k_, s_, p_ = prm["i"], prm["k"], prm["s"], prm["p"]
    ip, pp = eq["i'"], eq["p'"]
    log.expect(ip == o_, f"i′ = {ip} is the direct convolution's output {o_}")
    stretched = o_ + (s_ - 1) * (o_ - 1)
    if "ĩ'" in eq:
        it = eq["ĩ'"]
        log.expect(it == stretched, f"ĩ′ = {it} is i′ with s − 1 zeros between units: "
                   f"{stretched}")
    if "zeros" in sizes:
        log.expect(sizes["zeros"] == s_ - 1, f"{sizes['zeros']} zero(s) inserted = s − 1")
    extra = (i_ + 2 * p_ - k_) % s_
    if "a" in eq:
        log.expect(eq["a"] == extra, f"a = {eq['a']} is (i + 2p − k) mod s = {extra}")
    log.expect(pp == k_ - p_ - 1, f"p′ = {pp} is k − p − 1 = {k_ - p_ - 1}")
    log.expect(eq["s'"] == 1, "s′ = 1")
    if "input" in sizes:
        ok = sizes["input"] == o_
        log.expect(ok, f"the equivalent input printed {sizes['input']} × {sizes['input']} is "
                   f"i′ × i′ = {o_} × {o_}")
        if not ok:
            correct.append(f"the equivalent convolution's input is {o_} × {o_} (i′ = {o_}; "
                           f"{stretched} × {stretched} once stretched)")
    if "border" in sizes:
        log.expect(sizes["border"] == pp,
                   f"the printed {sizes['border']} × {sizes['border']} zero border is p′")
    if "extra" in sizes:
        log.expect(sizes["extra"] == extra, f"the extra bottom/right border {sizes['extra']} "
                   f"is a = {extra}")
    restored = _placements(stretched + 2 * (k_ - p_ - 1) + extra, k_, 1)
    log.expect(restored == i_, f"the equivalent convolution outputs {restored} = i "
               "(the input size is restored)")
    by_matrix = transposed_by_matrix(i_, k_, s_, p_)
    by_conv = transposed_by_equivalent(i_, k_, s_, p_)
    log.expect(by_conv == by_matrix,
               "Cᵀ·y (the real transposed convolution, from the brute-force matrix C) equals "
               "the equivalent direct convolution with the flipped kernel, unit by unit")


# ---------------------------------------------------------------------------------------------
# The matrix C of §4.1


MATRIX_PRINTED = (
    "$$\\begin{pmatrix} w_{0,0} & w_{0,1} & w_{0,2} & 0 & w_{1,0} & w_{1,1} & w_{1,2} & 0 & "
    "w_{2,0} & w_{2,1} & w_{2,2} & 0 & 0 & 0 & 0 \\\\ 0 & w_{0,0} & w_{0,1} & w_{0,2} & 0 & "
    "w_{1,0} & w_{1,1} & w_{1,2} & 0 & w_{2,0} & w_{2,1} & w_{2,2} & 0 & 0 & 0 \\\\ 0 & 0 & 0 & "
    "0 & w_{0,0} & w_{0,1} & w_{0,2} & 0 & w_{1,0} & w_{1,1} & w_{1,2} & 0 & w_{2,0} & w_{2,1} "
    "& w_{2,2} \\\\ 0 & 0 & 0 & 0 & 0 & w_{0,0} & w_{0,1} & w_{0,2} & 0 & w_{1,0} & w_{1,1} & "
    "w_{1,2} & 0 & w_{2,0} & w_{2,1} & w_{2,2} \\end{pmatrix}$$"
)
MATRIX_TEXT = ("此线性运算将展平后的输入矩阵作为 16 维向量, 并生成一个 4 维向量, "
               "该向量随后变为形状是  $2 \\times 2$  的输出矩阵.")


def parse_printed_matrix(latex: str) -> list[list[Entry]]:
    """The printed pmatrix, entry by entry (rows split at \\\\, entries at &)."""
    body = latex.split("\\begin{pmatrix}", 1)[1].split("\\end{pmatrix}", 1)[0]
    rows: list[list[Entry]] = []
    for row in body.split("\\\\"):
        entries: list[Entry] = []
        for cell in row.split("&"):
            cell = cell.strip()
            m = re.fullmatch(r"w_\{(\d+),(\d+)\}", cell)
            if m:
                entries.append((int(m.group(1)), int(m.group(2))))
            elif cell == "0":
                entries.append(None)
            else:
                raise ValueError(f"unreadable matrix entry {cell!r}")
        rows.append(entries)
    return rows


def _entry_text(e: Entry) -> str:
    return "0" if e is None else f"w{e[0]}{e[1]}"


def _audit_matrix() -> Finding:
    log = _Log()
    printed = parse_printed_matrix(MATRIX_PRINTED)
    real = conv_matrix_2d(4, 3, 1, 0)
    lengths = [len(r) for r in printed]
    log.expect(len(printed) == len(real), f"{len(printed)} rows = {len(real)} output units")
    for r, (got, want) in enumerate(zip(printed, real, strict=False)):
        if got == want:
            log.ok(f"row {r + 1} is the real row (16 entries)")
        elif want[: len(got)] == got:
            log.fail(f"row {r + 1} has {len(got)} entries, not 16: it is the real row without "
                     f"its last {len(want) - len(got)} zero(s)")
        else:
            first = next(c for c, (x, y) in enumerate(zip(got, want, strict=False)) if x != y)
            log.fail(f"row {r + 1} differs from the real row at column {first + 1}")
    log.expect(all(len(row) == 16 for row in real),
               "the real C maps the flattened 4 × 4 input (16) to the 2 × 2 output (4): 4 × 16, "
               "as the text says ('16 维向量' → '4 维向量')")
    cross = _engine_matrix()
    if cross is not None:
        log.expect(cross == real, "the engine's matrix builder (symconv.matrix) gives the same C")
    log.expect(transposed_by_matrix(4, 3, 1, 0) == transposed_by_equivalent(4, 3, 1, 0),
               "Cᵀ maps 4 → 16 and equals the full-padding (p′ = 2) convolution of the 2 × 2 "
               "output with the flipped kernel (Figure 4.1)")
    correct = " \\\\ ".join(" & ".join(_entry_text(e) for e in row) for row in real)
    status = "wrong" if log.failures else "holds"
    detail = ("; ".join(log.failures) + f". Printed row lengths {lengths}; the real C is 4 × 16: "
              f"{correct}") if log.failures else "all checks hold"
    encoded = " \\\\ ".join(" & ".join(_entry_text(e) for e in row) for row in printed)
    return Finding("matrix-4.1", "§4.1, the matrix C", status, detail,
                   (MATRIX_PRINTED, MATRIX_TEXT), encoded, tuple(log.lines))


def _engine_matrix() -> list[list[Entry]] | None:
    try:
        from symconv import matrix as engine
    except ImportError:
        return None
    mat = engine.conv_matrix(engine.make_spec(4, 3, 1, 0))
    out: list[list[Entry]] = []
    for r in range(mat.rows):
        row: list[Entry] = []
        for c in range(mat.cols):
            entry = mat[r, c]
            if entry == 0:
                row.append(None)
                continue
            m = re.fullmatch(r"w_\{?(\d+),\s*(\d+)\}?", str(entry))
            if m is None:
                return None
            row.append((int(m.group(1)), int(m.group(2))))
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------------
# Entry points


def _steps(timeout: float) -> list[tuple[str, str, Callable[[], Finding]]]:
    """(finding id, location, the check) for every claim, in the guide's order."""
    r8 = next(r for r in PRINTED_RELATIONS if r.id == "R8")
    return [
        *((rel.id, rel.location, lambda rel=rel: _audit_relation(rel, timeout))
          for rel in PRINTED_RELATIONS),
        ("R8-text", r8.location, _audit_r8_wording),
        ("text-2.4-ambiguity", "§2.4, after 关系 6", lambda: _audit_ambiguity(timeout)),
        *((fig.id, fig.location, lambda fig=fig: _audit_figure(fig)) for fig in PRINTED_FIGURES),
        ("matrix-4.1", "§4.1, the matrix C", _audit_matrix),
    ]


def run_audit(timeout: float = TIMEOUT,
              observe: Callable[[str, Finding | None], None] | None = None) -> list[Finding]:
    """Every claim's finding, in the guide's order of sections (figures with their section).
    ``observe(claim id, None)`` is called before each claim, ``observe(id, finding)`` after."""
    out: list[Finding] = []
    for name, location, step in _steps(timeout):
        if observe is not None:
            observe(name, None)
        out.append(step())
        if (out[-1].id, out[-1].location) != (name, location):
            raise AssertionError(f"the audit plan says {name} at {location}, the check found "
                                 f"{out[-1].id} at {out[-1].location}")
        if observe is not None:
            observe(name, out[-1])
    return out


def audit_plan() -> list[tuple[str, str]]:
    """(finding id, location) of each finding :func:`run_audit` returns, in order, known before
    any check runs."""
    return [(name, location) for name, location, _ in _steps(TIMEOUT)]


def audit_size() -> int:
    """How many findings :func:`run_audit` returns."""
    return len(audit_plan())


def all_printed() -> list[tuple[str, str]]:
    """(claim id, verbatim snippet) for every transcription, for checking against the guide."""
    out: list[tuple[str, str]] = []
    for rel in PRINTED_RELATIONS:
        out += [(rel.id, rel.statement), (rel.id, rel.formula)]
    out.append(("R15", KHAT_PRINTED))
    out.append(("text-2.4-ambiguity", AMBIGUITY_PRINTED))
    for fig in PRINTED_FIGURES:
        out.append((fig.id, fig.caption))
        out += [(fig.id, t) for t, _ in fig.text]
    out += [("matrix-4.1", MATRIX_PRINTED), ("matrix-4.1", MATRIX_TEXT)]
    return out


def find_guide(start: Path | None = None) -> Path | None:
    """The guide file in ``shared/guide/`` beside the repository (or any parent of it)."""
    here = (start or Path(__file__)).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "guide" / GUIDE_NAME
        if candidate.is_file():
            return candidate
    return None


def transcription_mismatches(guide_text: str) -> list[tuple[str, str]]:
    return [(cid, text) for cid, text in all_printed() if text not in guide_text]


def report_markdown(findings: Sequence[Finding]) -> str:
    wrong = [f for f in findings if f.status == "wrong"]
    lines = [
        "# Audit of the guide as printed",
        "",
        "Every numbered relation, every caption stating parameters or sizes and the matrix C of "
        "§4.1 of `conv-arithmetic-guide.zh.md`, transcribed exactly as printed and checked "
        "against symconv's relations and first principles (kernel placements, the transpose "
        "restoring the input, the real matrix of the convolution).",
        "",
        f"{len(findings)} claims: {len(findings) - len(wrong)} hold, {len(wrong)} wrong.",
        "",
        "| id | where | status |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {f.id} | {f.location} | {f.status} |" for f in findings]
    lines += ["", "## Wrong as printed", ""]
    for f in wrong:
        lines += [f"### {f.id} ({f.location})", "", "Printed:", ""]
        for n_, t in enumerate(f.printed):
            lines += ([">"] if n_ else []) + [f"> {t}"]
        lines += ["", f"Finding: {f.detail}", ""]
    lines += ["## Every claim with its checks", ""]
    for f in findings:
        lines += [f"### {f.id} — {f.status}", "", f"Encoded: `{f.encoded}`", ""]
        lines += [f"- {c}" for c in f.checks]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def artifacts() -> dict[str, str]:
    from symconv.artifacts import banner

    path = "guide-audit.md"
    return {path: banner(path) + report_markdown(run_audit())}
