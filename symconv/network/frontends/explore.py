"""Every path of a forward explored, coverage proved: the valid set of a traced model.

A trace at one size gives a region (its guards) where the forward takes the same path, valid with
its output sizes or refused with the framework's message. Like a concolic tester, Z3 is asked for
a size outside every region found so far, the model is traced there, and so on until Z3 proves
the regions cover every size of the domain (every integer ≥ 1 per axis; the last axis held at
``width`` if given). Within a budget of paths and seconds; what is not covered then is said, with
a size that is not, and the verdict is ``unknown`` — never a guess.

V is the union of the valid regions. Its normal form (a product of per-axis ultimately periodic
sets) is guessed from the regions evaluated in plain Python and proved with Z3 for every point of
the domain: inside it some valid region holds and no refusing one, outside it the reverse.

Pure but for the ``trace`` callback: nothing here imports torch.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from math import lcm

import z3

from symconv.network.frontends.symexpr import (
    EXACT_LIMIT,
    Eval,
    Unreadable,
    Z3Reader,
    compile_python,
    period,
)
from symconv.network.frontends.torch_trace import Path
from symconv.network.frontends.workers import Inline, Tracing, tracing
from symconv.network.ir import NetworkError
from symconv.network.validset import WINDOW_MIN, Periodic, _infer
from symconv.network.verdict import Outcome, Verdict

DEFAULT_PATHS = 400
DEFAULT_SECONDS = 600.0
SMALL = 1024  # sizes tried first: small, informative paths before huge ones
PERIOD_MAX = 1 << 12
WINDOW_MAX = 1 << 15  # sizes per axis at most looked at to guess V


@dataclass(frozen=True, slots=True)
class Region:
    """A path's region: where ``cond`` holds (Z3 over the axes, with ``exact``: the side
    conditions under which the guards are read exactly — float size arithmetic below 2**53
    (``floats``), size-dependent divisors not zero) the forward takes ``path``."""

    path: Path
    cond: z3.BoolRef
    exact: z3.BoolRef
    checks: tuple[Eval, ...]
    notes: tuple[str, ...] = ()
    floats: bool = False
    # the order the checks are tried in: a check that fails moves to the front (a path's
    # guards mostly hold; the few that tell it from its neighbours decide)
    order: list[int] = field(default_factory=list, compare=False, repr=False)

    def contains(self, point: Mapping[str, int]) -> bool:
        order = self.order
        if len(order) != len(self.checks):
            order[:] = range(len(self.checks))
        try:
            for n, j in enumerate(order):
                if not self.checks[j](point):
                    if n:
                        order.insert(0, order.pop(n))
                    return False
        except ZeroDivisionError:  # a size-dependent divisor is zero: outside the region
            return False
        return True


@dataclass(frozen=True, slots=True)
class Exploration:
    axes: tuple[str, ...]
    width: int | None
    regions: tuple[Region, ...]
    coverage: Outcome  # PROVED: the regions cover the domain
    seconds: float
    inexact: bool = False  # some region rests on float size arithmetic (exact below 2**53)

    def overlap_at(self, point: Sequence[int]) -> tuple[Region, Region] | None:
        """A valid and a refusing region that both hold at ``point``: a trace refused without
        the guards its refusal depends on (then neither path is the answer there)."""
        env = dict(zip(self.axes, point, strict=True))
        holding = [r for r in self.regions if r.contains(env)]
        ok = next((r for r in holding if r.path.valid), None)
        bad = next((r for r in holding if not r.path.valid), None)
        return (ok, bad) if ok is not None and bad is not None else None

    def region_at(self, point: Sequence[int]) -> Region | None:
        env = dict(zip(self.axes, point, strict=True))
        for r in self.regions:
            if r.contains(env):
                return r
        return None


ProgressFn = Callable[[int, tuple[int, ...]], None]


class Space:
    def __init__(self, axes: Sequence[str], width: int | None, timeout: float) -> None:
        self.axes = tuple(axes)
        self.width = width
        self.timeout = timeout
        self.ctx = z3.Context()
        self.vars = {a: z3.Int(a, self.ctx) for a in self.axes}

    def domain(self, bound: int | None = None) -> z3.BoolRef:
        parts = []
        for j, a in enumerate(self.axes):
            v = self.vars[a]
            if self.width is not None and j == len(self.axes) - 1:
                parts.append(v == self.width)
            else:
                parts.append(v >= 1)
                if bound is not None:
                    parts.append(v <= bound)
        return z3.And(parts)

    def solver(self) -> z3.Solver:
        s = z3.Solver(ctx=self.ctx)
        s.set("timeout", max(1, int(self.timeout * 1000)))
        return s

    def region(self, path: Path) -> Region:
        names = dict(path.names)
        reader = Z3Reader(names, self.ctx)
        reader.vars.update(self.vars)
        conds: list[z3.BoolRef] = []
        checks: list[Eval] = []
        notes: list[str] = []
        at = "×".join(map(str, path.point))
        for g in path.guards:
            try:
                conds.append(reader.bool_(g))
                checks.append(compile_python(g, names))
            except Unreadable as exc:
                raise NetworkError(f"the forward at {at} decides on {g}, which is not read "
                                   f"exactly: {exc}") from None
        for shape in path.outputs or ():
            for size in shape:
                try:
                    compile_python(size, names)
                    reader.int_(size)
                except Unreadable as exc:
                    raise NetworkError(f"an output size of the forward at {at} is {size}, "
                                       f"which is not read exactly: {exc}") from None
        side = reader.exact + reader.defined
        exact = z3.And(side) if side else z3.BoolVal(True, self.ctx)
        return Region(path, z3.And(conds) if conds else z3.BoolVal(True, self.ctx), exact,
                      tuple(checks), tuple(notes), bool(reader.exact))


def explore(trace: Callable[[tuple[int, ...]], Path], axes: Sequence[str], *,
            start: Sequence[Sequence[int]] = (), width: int | None = None,
            max_paths: int = DEFAULT_PATHS, max_seconds: float = DEFAULT_SECONDS,
            timeout: float = 30.0, progress: ProgressFn | None = None,
            jobs: int = 1) -> Exploration:
    """Trace at ``start`` points, then wherever Z3 finds a size no region covers, until the
    regions provably cover the domain or the budget is spent.

    With ``jobs`` > 1, after the first trace (done here: it warms PyTorch up once), up to
    ``jobs`` traces run at once in forked processes at sizes no region covers yet; a trace
    whose size a region found meanwhile covers would find the same path again: it is stopped
    (a result that came in first is dropped). Z3 is asked only when no trace is running, so
    coverage is proved over every region found.
    """
    began = time.perf_counter()
    space = Space(axes, width, timeout)
    regions: list[Region] = []
    queue = [tuple(int(n) for n in p) for p in start]
    prober = _Prober(space)
    coverage: Outcome | None = None
    runner: Tracing = Inline(trace)
    running: list[tuple[int, ...]] = []

    def covered(point: tuple[int, ...]) -> bool:
        env = dict(zip(space.axes, point, strict=True))
        return any(r.contains(env) for r in regions)

    def spent() -> bool:
        return (len(regions) + len(running) >= max_paths
                or time.perf_counter() - began > max_seconds)

    def submit(point: tuple[int, ...]) -> None:
        nonlocal runner
        if jobs > 1 and regions and not running and isinstance(runner, Inline):
            runner = tracing(trace, jobs)
        runner.submit(point)
        running.append(point)

    try:
        while coverage is None:
            while len(running) < (jobs if regions else 1) and not spent():
                point = _next_point(queue, prober, regions, running, covered)
                if point is None:
                    break
                submit(point)
            if not running:
                found = queue.pop(0) if queue else _uncovered(space, regions, prober)
                if isinstance(found, Outcome):
                    coverage = found
                    break
                if covered(found):
                    continue
                if spent():
                    coverage = Outcome(
                        Verdict.UNKNOWN, time.perf_counter() - began,
                        counterexample=dict(zip(space.axes, found, strict=True)),
                        reason=f"budget spent ({len(regions)} paths, "
                        f"{time.perf_counter() - began:.0f} s): size "
                        f"{'×'.join(map(str, found))} is on no path explored")
                    break
                submit(found)
            point, path = runner.result()
            running.remove(point)
            if isinstance(path, BaseException):
                raise path
            if covered(point):  # a trace run at once with the one that found its path
                continue
            region = space.region(path)
            if not region.contains(dict(zip(space.axes, point, strict=True))):
                raise AssertionError(f"the region of the path at {point} does not contain it")
            regions.append(region)
            for other in [p for p in running
                          if region.contains(dict(zip(space.axes, p, strict=True)))]:
                runner.cancel(other)  # the same path again: its trace would be dropped
                running.remove(other)
            if progress is not None:
                progress(len(regions), point)
    finally:
        runner.close()
    inexact = any(r.floats for r in regions)
    return Exploration(space.axes, width, tuple(regions), coverage,
                       time.perf_counter() - began, inexact)


def _block(point: tuple[int, ...]) -> tuple[int, ...]:
    """The dyadic block (2^k, 2^(k+1)] of each size: sizes a stride-2 network handles alike."""
    return tuple((n - 1).bit_length() for n in point)


def _next_point(queue: list[tuple[int, ...]], prober: _Prober, regions: Sequence[Region],
                running: Sequence[tuple[int, ...]],
                covered: Callable[[tuple[int, ...]], bool]) -> tuple[int, ...] | None:
    """The next size to trace while others run: a start point, else a probe no region covers
    and not in the dyadic block of a running trace (likely its path); None: wait for them."""
    while queue:
        point = queue.pop(0)
        if not covered(point) and point not in running:
            return point
    if not running:
        return prober.uncovered(regions)
    busy = {_block(p) for p in running}
    for point in prober.candidates(regions):
        if point not in running and _block(point) not in busy:
            return point
    return None


# sizes looked at in Python before Z3 is asked: where paths usually change (small sizes, powers
# of two and their neighbours, the usual input sizes), so that Z3 mostly proves coverage rather
# than searches (its queries over size-dependent divisors are slow)
_PROBES = sorted({*range(1, 18), *(2**k + d for k in range(5, 11) for d in (-1, 0, 1)),
                  *range(18, 130, 7), 160, 192, 200, 224, 225, 256, 299, 320, 384, 448, 512,
                  640, 768})
_PROBE_LIMIT = 4096


def _probes(space: Space) -> Iterator[tuple[int, ...]]:
    free = len(space.axes) - (space.width is not None)
    tail = (space.width,) if space.width is not None else ()
    per_axis = _PROBES if len(_PROBES) ** free <= _PROBE_LIMIT else _PROBES[::3]
    grid = sorted(itertools.product(per_axis, repeat=free), key=lambda p: (max(p), p))
    for point in grid[:_PROBE_LIMIT]:
        yield (*point, *tail)


class _Prober:
    """The probes in order, each dropped once a region covers it. Regions are only added, so a
    probe is checked once against each region (``seen``: how many it is known to lie outside)."""

    def __init__(self, space: Space) -> None:
        self.axes = space.axes
        self.todo = list(_probes(space))
        self.next = 0
        self.seen = [0] * len(self.todo)

    def _outside(self, j: int, regions: Sequence[Region]) -> bool:
        env = dict(zip(self.axes, self.todo[j], strict=True))
        for n in range(self.seen[j], len(regions)):
            if regions[n].contains(env):
                return False
            self.seen[j] = n + 1
        return True

    def uncovered(self, regions: Sequence[Region]) -> tuple[int, ...] | None:
        while self.next < len(self.todo):
            if self._outside(self.next, regions):
                return self.todo[self.next]
            self.next += 1
        return None

    def candidates(self, regions: Sequence[Region]) -> Iterator[tuple[int, ...]]:
        """The probes from the first uncovered one on that no region covers."""
        if self.uncovered(regions) is None:
            return
        for j in range(self.next, len(self.todo)):
            if self._outside(j, regions):
                yield self.todo[j]


def _uncovered(space: Space, regions: Sequence[Region], prober: _Prober
               ) -> tuple[int, ...] | Outcome:
    """A point of the domain in no region (a probe, else small ones first by Z3), or the proof
    that none is."""
    started = time.perf_counter()
    probe = prober.uncovered(regions)
    if probe is not None:
        return probe
    for bound in (SMALL, None):
        s = space.solver()
        s.add(space.domain(bound))
        for r in regions:
            s.add(z3.Not(z3.And(r.cond, r.exact)))
            s.add(z3.Implies(r.cond, r.exact))
        verdict = s.check()
        if verdict == z3.sat:
            m = s.model()
            point = tuple(m.eval(space.vars[a], model_completion=True).as_long()
                          for a in space.axes)
            env = dict(zip(space.axes, point, strict=True))
            if any(r.contains(env) for r in regions):
                raise AssertionError(f"Z3 and Python disagree whether {point} is covered")
            return point
        if verdict == z3.unknown:
            return Outcome(Verdict.UNKNOWN, time.perf_counter() - started,
                           reason=s.reason_unknown() or "unknown")
    return Outcome(Verdict.PROVED, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------
# V in normal form


@dataclass(frozen=True, slots=True)
class TracedValidSet:
    axes: tuple[str, ...]
    width: int | None
    sets: tuple[Periodic, ...] | None  # V = ∏ sets (per free axis), proved; None: not found
    proof: Outcome

    def text(self) -> str:
        free = self.axes if self.width is None else self.axes[:-1]
        if self.sets is None:
            return "the union of the valid paths' regions (no normal form proved)"
        if any(s.empty for s in self.sets):
            return "∅ (no input size is valid)"
        parts = [s.text(a) for a, s in zip(free, self.sets, strict=True)]
        text = " and ".join(f"({p})" if " and " in p and len(parts) > 1 else p for p in parts)
        if self.width is not None:
            text += f" (with {self.axes[-1]} = {self.width})"
        return text


def periodic_z3(s: Periodic, x: z3.ArithRef) -> z3.BoolRef:
    parts = [z3.And(x >= lo, x <= hi) for lo, hi in s.finite]
    if s.start is not None:
        parts.append(z3.And(x >= s.start, z3.Or([x % s.modulus == r for r in s.residues])))
    return z3.Or(parts) if parts else z3.BoolVal(False, x.ctx)


def valid_set(ex: Exploration, timeout: float = 30.0) -> TracedValidSet:
    free = ex.axes if ex.width is None else ex.axes[:-1]
    valid = [r for r in ex.regions if r.path.valid]
    if ex.coverage.status is not Verdict.PROVED:
        return TracedValidSet(ex.axes, ex.width, None, Outcome(
            Verdict.UNKNOWN, 0.0, reason="the paths do not cover every size"))
    p = 1
    for r in ex.regions:
        for g in r.path.guards:
            p = lcm(p, period(g))
    if p > PERIOD_MAX:
        return TracedValidSet(ex.axes, ex.width, None, Outcome(
            Verdict.UNKNOWN, 0.0, reason=f"period {p} above {PERIOD_MAX}"))
    # past every constant the guards compare with (Whisper's H = 3000), times the period
    bound = max((abs(int(a)) for r in ex.regions for g in r.path.guards
                 for a in g.atoms() if getattr(a, "is_Integer", False)), default=0)
    window = max(WINDOW_MIN, 8 * p, min(p * (bound + 2) + bound, WINDOW_MAX))
    if not valid:
        sets: tuple[Periodic, ...] = tuple(Periodic() for _ in free)
    else:
        ref = valid[0].path.point
        guessed = []
        for j in range(len(free)):
            bits = []
            for t in range(1, window + 1):
                pt = list(ref)
                pt[j] = t
                at = ex.region_at(pt)
                bits.append(at is not None and at.path.valid)
            guessed.append(_infer(bits, 1, p))
        sets = tuple(guessed)
    proof = prove_valid_set(ex, sets, timeout)
    if proof.status is Verdict.REFUTED:
        # a wrong guess refutes the guess, not the model: V couples the axes (one axis's
        # padding computed from another's size) or is not periodic where it was looked at
        where = "×".join(str((proof.counterexample or {}).get(a, "?")) for a in ex.axes)
        return TracedValidSet(ex.axes, ex.width, None, Outcome(
            Verdict.UNKNOWN, proof.seconds, reason=f"V is not a product of periodic sets per "
            f"axis (the best guess of one differs from the paths at {where})"))
    return TracedValidSet(ex.axes, ex.width, sets, proof)


def paths_solver(space: Space, regions: Sequence[Region]
                 ) -> tuple[z3.Solver, z3.BoolRef, z3.BoolRef]:
    """A solver over the domain where each region rests on its side conditions, with where
    some valid path holds and where some refusing one does."""
    false = z3.BoolVal(False, space.ctx)
    ok = z3.Or([false, *(r.cond for r in regions if r.path.valid)])
    bad = z3.Or([false, *(r.cond for r in regions if not r.path.valid)])
    s = space.solver()
    s.add(space.domain())
    for r in regions:
        s.add(z3.Implies(r.cond, r.exact))
    return s, ok, bad


def prove_valid_set(ex: Exploration, sets: Sequence[Periodic], timeout: float) -> Outcome:
    """∀ x in the domain: x ∈ ∏ sets ⇔ some valid region holds and no refusing one (under the
    exactness of float size arithmetic, where a region rests on it)."""
    started = time.perf_counter()
    space = Space(ex.axes, ex.width, timeout)
    regions = [space.region(r.path) for r in ex.regions]
    box = z3.And([z3.BoolVal(True, space.ctx), *(
        periodic_z3(s, space.vars[a]) for a, s in zip(ex.axes, sets, strict=False))])
    s, ok, bad = paths_solver(space, regions)
    s.add(z3.Not(z3.And(z3.Implies(box, z3.And(ok, z3.Not(bad))),
                        z3.Implies(z3.Not(box), z3.And(bad, z3.Not(ok))))))

    def agrees(point: Mapping[str, int]) -> bool:
        both = ex.overlap_at([point[a] for a in ex.axes])
        if both is not None:
            raise _Overlap(both)
        inside = all(point[a] in s_ for a, s_ in zip(ex.axes, sets, strict=False))
        at = ex.region_at([point[a] for a in ex.axes])
        return inside == (at is not None and at.path.valid)

    try:
        return decide(s, space, started, agrees, "V",
                      "the guessed normal form differs from the paths there")
    except _Overlap as exc:
        return Outcome(Verdict.UNKNOWN, time.perf_counter() - started, reason=exc.reason)


class _Overlap(Exception):
    def __init__(self, both: tuple[Region, Region]) -> None:
        super().__init__(overlap_reason(both))
        self.reason = overlap_reason(both)


def overlap_reason(both: tuple[Region, Region]) -> str:
    ok, bad = both
    return (f"a valid path (traced at {'×'.join(map(str, ok.path.point))}) and a refusing one "
            f"(at {'×'.join(map(str, bad.path.point))}: {bad.path.error}: "
            f"{bad.path.message}) both claim some sizes: PyTorch raised without recording the "
            "sizes its refusal depends on")


def decide(s: z3.Solver, space: Space, started: float,
           agrees: Callable[[Mapping[str, int]], bool], what: str, differs: str) -> Outcome:
    """The verdict of ``s`` (a claim's negation over ``space``): a model is a size where the
    claim fails, re-evaluated in plain Python (``agrees`` there would be Z3 and Python
    disagreeing: an error, never a verdict)."""
    verdict = s.check()
    seconds = time.perf_counter() - started
    if verdict == z3.unsat:
        return Outcome(Verdict.PROVED, seconds)
    if verdict == z3.sat:
        m = s.model()
        point = {a: m.eval(space.vars[a], model_completion=True).as_long() for a in space.axes}
        if agrees(point):
            raise AssertionError(f"Z3 counterexample {point} to {what} does not re-evaluate")
        return Outcome(Verdict.REFUTED, seconds, counterexample=point, reason=differs)
    return Outcome(Verdict.UNKNOWN, seconds, reason=s.reason_unknown() or "unknown")


def exactness_note(ex: Exploration) -> str:
    if not ex.inexact:
        return ""
    return (f"float size arithmetic (math.ceil(a / b) and the like) is read exactly where its "
            f"numerator is below 2**{EXACT_LIMIT.bit_length() - 1}: the proof covers those "
            "sizes")
