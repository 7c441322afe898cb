"""The valid set V: every input size where every layer accepts, in a normal form a person reads
at a glance, proved equivalent to the conjunction of the layers' conditions for ALL integers.

Per axis the conditions are Presburger (linear, floors by constants), so the set of valid sizes
is ultimately periodic. The normal form is guessed — the conditions evaluated in plain Python
over a window a few periods long, the period read off the floors' divisors — and then proved:
Z3 shows ``normal form ⇔ conjunction`` for every integer, or returns a counterexample that
widens the window. What is not proved is never shown as a simplification: without a proof the
set is given as the conjunction itself, with the solver's verdict.

Axes are independent except through a ``Linear`` after ``flatten`` (``c·∏ size_j = n``): then V
is a union over the factorisations of ``n / c`` of products of per-axis sets, proved with the
factorisation as a lemma.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import z3

from symconv.network import terms as T
from symconv.network.analysis import Analysis, Condition
from symconv.network.proofs import DEFAULT_TIMEOUT, Session
from symconv.prover import Result, Status

WINDOW_MIN = 256  # sizes evaluated at least, per guess
WINDOW_MAX = 1 << 15  # beyond this the guess gives up and the conjunction is shown
ROUNDS = 6
SEVERITY = {Status.REFUTED: 0, Status.UNKNOWN: 1, Status.PROVED_BOUNDED: 2, Status.PROVED: 3}


# ---------------------------------------------------------------------------------------------
# A set of integers in normal form


@dataclass(frozen=True, slots=True)
class Periodic:
    """``∪ finite intervals ∪ {x ≥ start : x mod modulus ∈ residues}`` (no tail if start is
    None); intervals are disjoint, sorted, and below ``start``."""

    finite: tuple[tuple[int, int], ...] = ()
    start: int | None = None
    modulus: int = 1
    residues: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.finite and self.start is None

    def __contains__(self, x: object) -> bool:
        if not isinstance(x, int):
            return False
        if any(lo <= x <= hi for lo, hi in self.finite):
            return True
        return self.start is not None and x >= self.start and x % self.modulus in self.residues

    def minimum(self) -> int | None:
        if self.finite:
            return self.finite[0][0]
        return self.start

    def maximum(self) -> int | None:
        if self.start is not None:
            return None
        return self.finite[-1][1] if self.finite else None

    def next_at_least(self, x: int) -> int | None:
        for lo, hi in self.finite:
            if x <= hi:
                return max(lo, x)
        if self.start is None:
            return None
        y = max(x, self.start)
        for step in range(self.modulus):
            if (y + step) % self.modulus in self.residues:
                return y + step
        return None

    def prev_at_most(self, x: int) -> int | None:
        if self.start is not None and x >= self.start:
            for step in range(self.modulus):
                y = x - step
                if y < self.start:
                    break
                if y % self.modulus in self.residues:
                    return y
        for lo, hi in reversed(self.finite):
            if x >= lo:
                return min(hi, x)
        return None

    def cond(self, x: T.Lin) -> T.Cond:
        parts = [T.conj(T.ge(x, lo), T.le(x, hi)) if lo != hi else T.eq(x, lo)
                 for lo, hi in self.finite]
        if self.start is not None:
            tail = T.ge(x, self.start)
            if self.modulus > 1:
                tail = T.conj(tail, T.disj(*(T.eq(T.mod(x, self.modulus), r)
                                              for r in self.residues)))
            parts.append(tail)
        return T.disj(*parts)

    def text(self, axis: str) -> str:
        """``H ≥ 32 and H ≡ 0 (mod 32)``, ``H = 224``, ``H ∈ {1} ∪ {H ≥ 4 : H ≡ 0 (mod 4)}``."""
        if self.empty:
            return f"no {axis}"
        if not self.finite and self.start is not None:
            if self.modulus == 1:
                return f"{axis} ≥ {self.start}"
            return f"{axis} ≥ {self.start} and {_residues(axis, self.modulus, self.residues)}"
        if self.start is None and len(self.finite) == 1:
            lo, hi = self.finite[0]
            return f"{axis} = {lo}" if lo == hi else f"{lo} ≤ {axis} ≤ {hi}"
        pieces: list[str] = []
        points: list[int] = []
        for lo, hi in self.finite:
            if hi - lo <= 1:
                points.extend(range(lo, hi + 1))
                continue
            if points:
                pieces.append("{" + ", ".join(map(str, points)) + "}")
                points = []
            pieces.append(f"[{lo}, {hi}]")
        if points:
            pieces.append("{" + ", ".join(map(str, points)) + "}")
        if self.start is not None:
            pieces.append(self._tail(axis))
        return f"{axis} ∈ " + " ∪ ".join(pieces)

    def _tail(self, axis: str) -> str:
        if self.modulus == 1:
            return f"{{{axis} ≥ {self.start}}}"
        return f"{{{axis} ≥ {self.start} : {_residues(axis, self.modulus, self.residues)}}}"

    def as_json(self) -> dict[str, object]:
        return {"intervals": [list(iv) for iv in self.finite],
                "tail": None if self.start is None else {
                    "start": self.start, "modulus": self.modulus,
                    "residues": list(self.residues)}}


def _residues(axis: str, modulus: int, residues: Sequence[int]) -> str:
    if len(residues) == 1:
        return f"{axis} ≡ {residues[0]} (mod {modulus})"
    return f"{axis} mod {modulus} ∈ {{{', '.join(map(str, residues))}}}"


# ---------------------------------------------------------------------------------------------
# One axis: guess, then prove


@dataclass(frozen=True, slots=True)
class AxisSet:
    """The set where ``cond`` holds (one variable ``var``): ``normal`` if proved (``result``),
    else None with the solver's verdict."""

    var: str
    cond: T.Cond
    normal: Periodic | None
    result: Result


def solve_axis(cond: T.Cond, var: str, session: Session) -> AxisSet:
    x = T.var(var)
    p = T.period(cond)
    if p > T.PERIOD_MAX:
        return AxisSet(var, cond, None, Result(Status.UNKNOWN, 0.0, reason=(
            f"period above {T.PERIOD_MAX}: no normal form is guessed")))
    window = max(WINDOW_MIN, 8 * p)
    low = 1
    bits = _bits(cond, var, low, window)
    started = time.perf_counter()
    if not any(bits):
        status, witness, reason = session.satisfiable(T.conj(cond, T.gt(x, window)))
        if status is Status.UNKNOWN:
            return AxisSet(var, cond, None, Result(Status.UNKNOWN, 0.0, reason=reason))
        if status is Status.REFUTED and witness is not None:
            found = session.extreme_value(cond, var)
            if found is None:
                return AxisSet(var, cond, None, Result(
                    Status.UNKNOWN, 0.0, reason="the least valid size was not found"))
            low = found
            bits = _bits(cond, var, low, window)
    last: Result | None = None
    for _ in range(ROUNDS):
        guess = _infer(bits, low, p)
        result = _prove_equivalent(guess, cond, var, session)
        if result.status is Status.PROVED:
            return AxisSet(var, cond, guess, _timed(result, started))
        last = result
        if result.status is not Status.REFUTED or result.counterexample is None:
            break
        witness_x = result.counterexample[var]
        if witness_x < low:
            # a valid size below the one the solver gave as least: start over from there
            low = max(1, witness_x)
        window = max(2 * window, witness_x - low + 8 * p)
        if window > WINDOW_MAX:
            break
        bits = _bits(cond, var, low, window)
    assert last is not None
    reason = last.reason or ""
    if last.status is Status.REFUTED:
        reason = f"no ultimately periodic form found within {window} sizes of {low}"
    return AxisSet(var, cond, None, Result(Status.UNKNOWN, last.seconds, reason=reason))


def _timed(result: Result, started: float) -> Result:
    return Result(result.status, time.perf_counter() - started, result.counterexample,
                  result.evaluations, result.reason, result.bounds)


def _bits(cond: T.Cond, var: str, low: int, count: int) -> list[bool]:
    values = T.evaluate_many([cond], {var: range(low, low + count)}, count)[cond.serial]
    return [bool(v) for v in values]


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _infer(bits: Sequence[bool], low: int, p: int) -> Periodic:
    """The simplest ultimately periodic set agreeing with ``bits`` (sizes ``low``…), with
    nothing valid below ``low``."""
    n = len(bits)
    # the full period's transient first; then the smallest period with no longer a transient
    # (a too-small period fits only a short stretch at the end of the window)
    lengths = {m: _transient(bits, m) for m in _divisors(p) if 2 * m <= n}
    if p not in lengths:
        return Periodic(_intervals(bits, low, n))
    chosen = next((m, t) for m, t in sorted(lengths.items()) if t <= lengths[p])
    m, t = chosen
    residues = tuple(sorted({(low + j) % m for j in range(t, t + m) if bits[j]}))
    finite = _intervals(bits, low, t)
    if not residues:
        return Periodic(finite)
    start = next(low + j for j in range(t, n) if bits[j])
    # the tail reaches back as far as the evidence agrees with it
    while finite and finite[-1][1] == start - 1 and m == 1:
        start = finite[-1][0]
        finite = finite[:-1]
    return Periodic(finite, start, m, residues)


def _transient(bits: Sequence[bool], m: int) -> int:
    """The least t such that bits repeat with period m from t to the end of the window."""
    for j in range(len(bits) - m - 1, -1, -1):
        if bits[j] != bits[j + m]:
            return j + 1
    return 0


def _intervals(bits: Sequence[bool], low: int, count: int) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for j in range(count):
        if not bits[j]:
            continue
        x = low + j
        if out and out[-1][1] == x - 1:
            out[-1] = (out[-1][0], x)
        else:
            out.append((x, x))
    return tuple(out)


def _prove_equivalent(guess: Periodic, cond: T.Cond, var: str, session: Session) -> Result:
    normal = guess.cond(T.var(var))
    return session.prove(lambda tr: tr.bool_(normal) == tr.bool_(cond),
                         lambda env: T.holds(normal, env) == T.holds(cond, env))


# ---------------------------------------------------------------------------------------------
# The whole network


@dataclass(frozen=True, slots=True)
class Step:
    """One proof obligation of the valid set, with its verdict."""

    id: str
    statement: str
    result: Result


@dataclass(frozen=True, slots=True)
class ValidSet:
    """V as a union of boxes (one :class:`Periodic` per axis), or ``boxes = None`` when no
    normal form was proved: then V is ``conjunction`` and ``status`` says why."""

    axes: tuple[str, ...]
    conjunction: T.Cond
    boxes: tuple[tuple[Periodic, ...], ...] | None
    status: Status
    steps: tuple[Step, ...]
    reason: str = ""
    empty_by: Condition | None = None
    empty_status: Status | None = None
    seconds: float = 0.0

    @property
    def empty(self) -> bool:
        return self.boxes is not None and not self.boxes

    def contains(self, point: Sequence[int]) -> bool:
        if self.boxes is None:
            return T.holds(self.conjunction, dict(zip(self.axes, point, strict=True)))
        return any(all(x in s for x, s in zip(point, box, strict=True)) for box in self.boxes)

    def text(self) -> str:
        if self.boxes is None:
            return "the conjunction of the layers' conditions (no normal form proved)"
        if not self.boxes:
            return "∅ (no input size is valid)"
        if len(self.boxes) == 1:
            return " and ".join(_wrap(s.text(a)) if len(self.axes) > 1 else s.text(a)
                                for a, s in zip(self.axes, self.boxes[0], strict=True))
        names = ", ".join(self.axes)
        return f"({names}) ∈ " + " ∪ ".join(
            " × ".join(_box_part(s, a) for a, s in zip(self.axes, box, strict=True))
            for box in self.boxes)

    def result(self) -> Result:
        return Result(self.status, self.seconds, reason=self.reason)


def _wrap(text: str) -> str:
    return f"({text})" if " and " in text else text


def _box_part(s: Periodic, axis: str) -> str:
    if s.start is None and len(s.finite) == 1:
        lo, hi = s.finite[0]
        return f"{{{lo}}}" if lo == hi else f"[{lo}, {hi}]"
    return f"{{{s.text(axis)}}}"


def combine(statuses: Iterable[Status]) -> Status:
    """The most severe: refuted before unknown before proved."""
    return min(statuses, key=lambda s: SEVERITY[s], default=Status.PROVED)


def valid_set(analysis: Analysis, timeout: float = DEFAULT_TIMEOUT,
              session: Session | None = None) -> ValidSet:
    started = time.perf_counter()
    session = session if session is not None else Session(timeout)
    axes = analysis.axes
    conditions = analysis.conditions
    conjunction = T.conj(*(c.cond for c in conditions))
    per_axis: dict[str, list[T.Cond]] = {a: [] for a in axes}
    products: list[T.Product] = []
    other: list[T.Cond] = []
    if conjunction is T.FALSE:
        # a layer refuses every size (its input size is a constant there)
        status, _, why = session.satisfiable(conjunction)
        step = Step("empty", "a layer's condition is false whatever the input size",
                    Result(status, time.perf_counter() - started, reason=why))
        return _finish(analysis, conjunction, (), (step,), started, session)
    for c in conditions:
        names = T.variables(c.cond)
        if isinstance(c.cond, T.Product) and _separable(c.cond):
            products.append(c.cond)
        elif len(names) == 1:
            per_axis[next(iter(names))].append(c.cond)
        else:
            other.append(c.cond)
    if other or len({(p.coeff, p.factors) for p in products}) > 1:
        return _fallback(analysis, conjunction, started, session,
                         "the conditions couple the axes other than through one product")
    solved = _solve_axes(axes, per_axis, session)
    steps = [Step(f"axis.{a}", f"{axes[j]}: normal form ⇔ the conditions on {a}",
                  s.result) for j, (a, s) in enumerate(solved.items())]
    if any(s.normal is None for s in solved.values()):
        reasons = "; ".join(f"{a}: {s.result.reason}" for a, s in solved.items()
                            if s.normal is None)
        return _fallback(analysis, conjunction, started, session, reasons, tuple(steps))
    sets = {a: s.normal for a, s in solved.items() if s.normal is not None}
    if any(s.empty for s in sets.values()) or not products:
        boxes = () if any(s.empty for s in sets.values()) else (tuple(sets[a] for a in axes),)
        return _finish(analysis, conjunction, boxes, tuple(steps), started, session)
    return _coupled(analysis, conjunction, sets, products, tuple(steps), started, session)


def _separable(product: T.Product) -> bool:
    names = [T.variables(f) for f in product.factors]
    return all(len(n) == 1 for n in names) and len(set().union(*names)) == len(names)


_CACHE: dict[tuple[int, float], AxisSet] = {}


def _solve_axes(axes: Sequence[str], per_axis: Mapping[str, list[T.Cond]], session: Session
                ) -> dict[str, AxisSet]:
    """Each axis on its own; axes whose conditions are the same up to renaming are solved once."""
    out: dict[str, AxisSet] = {}
    canonical = "x"
    for a in axes:
        cond = T.conj(*per_axis[a])
        renamed = T.substitute_cond(cond, {a: T.var(canonical)})
        key = (renamed.serial, session.timeout)
        solved = _CACHE.get(key)
        if solved is None:
            solved = _CACHE[key] = solve_axis(renamed, canonical, session)
        out[a] = AxisSet(a, cond, solved.normal, solved.result)
    return out


def _finish(analysis: Analysis, conjunction: T.Cond, boxes: tuple[tuple[Periodic, ...], ...],
            steps: tuple[Step, ...], started: float, session: Session) -> ValidSet:
    status = combine(s.result.status for s in steps)
    empty_by, empty_status = (None, None)
    if not boxes:
        empty_by, empty_status = first_emptying(analysis, session)
    return ValidSet(analysis.axes, conjunction, boxes, status, steps,
                    empty_by=empty_by, empty_status=empty_status,
                    seconds=time.perf_counter() - started)


def _fallback(analysis: Analysis, conjunction: T.Cond, started: float, session: Session,
              reason: str, steps: tuple[Step, ...] = ()) -> ValidSet:
    # no normal form: V is the conjunction; still decide whether it is empty
    status, _, why = session.satisfiable(conjunction)
    if status is Status.PROVED:
        step = Step("empty", "no input size satisfies the conjunction", Result(
            Status.PROVED, time.perf_counter() - started))
        empty_by, empty_status = first_emptying(analysis, session)
        return ValidSet(analysis.axes, conjunction, (), Status.PROVED, (*steps, step),
                        empty_by=empty_by, empty_status=empty_status,
                        seconds=time.perf_counter() - started)
    return ValidSet(analysis.axes, conjunction, None, Status.UNKNOWN, steps,
                    reason=reason if status is Status.REFUTED else f"{reason}; {why}",
                    seconds=time.perf_counter() - started)


def first_emptying(analysis: Analysis, session: Session) -> tuple[Condition | None, Status]:
    """The first layer (topological order) whose conditions, with all before it, admit no
    input size: a binary search over prefixes, each decided by Z3."""
    layers = [layer for layer in analysis.layers if layer.conditions]
    lo, hi = 0, len(layers) - 1
    verdict = Status.PROVED
    while lo < hi:
        mid = (lo + hi) // 2
        prefix = T.conj(*(c.cond for layer in layers[:mid + 1] for c in layer.conditions))
        status, _, _ = session.satisfiable(prefix)
        if status is Status.UNKNOWN:
            return None, Status.UNKNOWN
        if status is Status.PROVED:
            hi = mid
        else:
            lo = mid + 1
    if not layers:
        return None, verdict
    return layers[lo].conditions[0], verdict


# ---------------------------------------------------------------------------------------------
# Coupling through c·∏ size_j = n


def _coupled(analysis: Analysis, conjunction: T.Cond, sets: Mapping[str, Periodic],
             products: Sequence[T.Product], steps: tuple[Step, ...], started: float,
             session: Session) -> ValidSet:
    axes = analysis.axes
    rhs = {p.rhs for p in products}
    product = products[0]
    if len(rhs) > 1 or product.rhs % product.coeff or product.rhs <= 0:
        return _fallback(analysis, conjunction, started, session,
                         "the product conditions cannot all hold", steps)
    factor_axis = [next(iter(T.variables(f))) for f in product.factors]
    target = product.rhs // product.coeff
    axis_cond = {a: T.conj(*(c.cond for c in analysis.conditions
                             if not isinstance(c.cond, T.Product)
                             and T.variables(c.cond) == {a})) for a in axes}
    new_steps = list(steps)
    lemma = _nonnegative(axis_cond, product, factor_axis, session)
    new_steps.append(lemma)
    fact = _factorisation_lemma(product, target, session)
    new_steps.append(fact)
    pieces: dict[tuple[str, int], Periodic | None] = {}
    boxes: list[tuple[Periodic, ...]] = []
    for combo in _factorisations(target, len(product.factors)):
        box: dict[str, Periodic] = {}
        ok = True
        for f, a, value in zip(product.factors, factor_axis, combo, strict=True):
            key = (a, value)
            if key not in pieces:
                solved = solve_axis(T.conj(axis_cond[a], T.eq(f, value)), a, session)
                new_steps.append(Step(f"axis.{a}={value}", f"{a}: normal form ⇔ the conditions "
                                      f"on {a} and size {value}", solved.result))
                pieces[key] = solved.normal
            piece = pieces[key]
            if piece is None:
                return _fallback(analysis, conjunction, started, session,
                                 f"no normal form for {a} with size {value}", tuple(new_steps))
            if piece.empty:
                ok = False
                break
            box[a] = piece
        if ok:
            boxes.append(tuple(box.get(a, sets[a]) for a in axes))
    final = _prove_union(analysis, axis_cond, product, target, boxes, session)
    new_steps.append(final)
    return _finish(analysis, conjunction, tuple(boxes), tuple(new_steps), started, session)


def _factorisations(n: int, k: int) -> Iterator[tuple[int, ...]]:
    if k == 1:
        yield (n,)
        return
    for d in _divisors(n):
        for rest in _factorisations(n // d, k - 1):
            yield (d, *rest)


def _nonnegative(axis_cond: Mapping[str, T.Cond], product: T.Product, factor_axis: list[str],
                 session: Session) -> Step:
    goal = T.conj(*(T.ge(f, 0) for f in product.factors))
    hyp = T.conj(*(axis_cond[a] for a in factor_axis))
    result = session.prove(lambda tr: z3.Implies(tr.bool_(hyp), tr.bool_(goal)),
                           lambda env: (not T.holds(hyp, env)) or T.holds(goal, env))
    return Step("flatten.nonnegative", "the flattened sizes are ≥ 0 wherever the layers before "
                "accept", result)


def _factorisation_lemma(product: T.Product, target: int, session: Session) -> Step:
    k = len(product.factors)
    combos = list(_factorisations(target, k))
    statement = (f"for integers y ≥ 0: {product.coeff}·∏y = {product.rhs} ⇔ (y) ∈ "
                 f"{{{', '.join(str(c) for c in combos)}}}")
    start = time.perf_counter()
    ctx = session.ctx
    ys = [z3.Int(f"_factor{j}", ctx) for j in range(k)]
    prod = z3.IntVal(product.coeff, ctx)
    for y in ys:
        prod = prod * y
    listed = z3.Or(*[z3.And(*[y == v for y, v in zip(ys, c, strict=True)]) for c in combos])
    claim = z3.Implies(z3.And(*[y >= 0 for y in ys]), (prod == product.rhs) == listed)
    solver = z3.Solver(ctx=ctx)
    solver.set("timeout", max(1, int(session.timeout * 1000)))
    solver.add(z3.Not(claim))
    verdict = solver.check()
    seconds = time.perf_counter() - start
    if verdict == z3.unsat:
        result = Result(Status.PROVED, seconds)
    elif verdict == z3.sat:
        result = Result(Status.REFUTED, seconds, reason="the factorisation list is wrong")
    else:
        result = Result(Status.UNKNOWN, seconds, reason=solver.reason_unknown() or "unknown")
    return Step("flatten.factorisations", statement, result)


def _prove_union(analysis: Analysis, axis_cond: Mapping[str, T.Cond], product: T.Product,
                 target: int, boxes: Sequence[tuple[Periodic, ...]], session: Session) -> Step:
    """V's normal form ⇔ the conjunction with the product replaced by its factorisations (the
    two lemmas justify the replacement): linear, so Z3 decides it."""
    axes = analysis.axes
    xs = {a: T.var(a) for a in axes}
    listed = T.disj(*(T.conj(*(T.eq(f, v) for f, v in zip(product.factors, c, strict=True)))
                      for c in _factorisations(target, len(product.factors))))
    linear = T.conj(*(axis_cond[a] for a in axes), listed)
    normal = T.disj(*(T.conj(*(s.cond(xs[a]) for a, s in zip(axes, box, strict=True)))
                      for box in boxes))
    result = session.prove(lambda tr: tr.bool_(normal) == tr.bool_(linear),
                           lambda env: T.holds(normal, env) == T.holds(linear, env))
    return Step("flatten.union", "normal form ⇔ the per-axis conditions and one of the "
                "factorisations", result)

