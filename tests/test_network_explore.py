"""The exploration of paths (``symconv.network.frontends.explore``) with a trace of our own: a
forward whose path changes at every power of two, as a stride-2 network's does where an
intermediate size reaches 1. Traced one at a time or by forked workers, it finds the same paths,
proves the same coverage, traces no size twice, and a worker's failure comes back as an error
naming the size (a worker that dies is not waited for)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import sympy as sp

from symconv.network.frontends.explore import explore, valid_set
from symconv.network.frontends.torch_trace import Path
from symconv.network.verdict import Verdict

H, W = sp.Symbol("s0", integer=True, positive=True), sp.Symbol("s1", integer=True, positive=True)
NAMES = {"s0": "H", "s1": "W"}
EDGES = (1, 2, 4, 8, 16, 32)  # a new path above each: 7 per axis, 49 in all
TRACED: list[tuple[int, ...]] = []


def _block(sym: sp.Symbol, n: int) -> list[Any]:
    """The guards at n: which of the (e, 2e] blocks it is in, as sympy booleans."""
    lo = max((e for e in EDGES if e < n), default=0)
    hi = min((e for e in EDGES if e >= n), default=None)
    return [sp.Gt(sym, lo) if lo else sp.Ge(sym, 1)] + ([sp.Le(sym, hi)] if hi else [])


def staged(point: tuple[int, ...]) -> Path:
    """Valid from 9×9 on with output ⌊(H-1)/8⌋+1 per axis; refused below, PyTorch-like."""
    TRACED.append(point)
    h, w = point
    guards = tuple(_block(H, h) + _block(W, w))
    if h > 8 and w > 8:
        out = ((sp.Integer(1), sp.Integer(3), sp.floor((H - 1) / 8) + 1,
                sp.floor((W - 1) / 8) + 1),)
        return Path(point, NAMES, guards, out)
    return Path(point, NAMES, guards, None, message="Output size is too small",
                error="RuntimeError")


def failing(point: tuple[int, ...]) -> Path:
    if point[0] > 32:
        raise ValueError(f"cannot trace at {point[0]}")
    return staged(point)


def dying(point: tuple[int, ...]) -> Path:
    if point[0] > 32:
        os._exit(7)
    return staged(point)


def _conds(ex: Any) -> set[str]:
    return {str(r.cond) for r in ex.regions}


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_path_once_and_coverage_proved(jobs: int) -> None:
    TRACED.clear()
    ex = explore(staged, ("H", "W"), start=[(224, 224)], jobs=jobs)
    assert ex.coverage.status is Verdict.PROVED
    assert len(ex.regions) == 49
    v = valid_set(ex)
    assert v.text() == "H ≥ 9 and W ≥ 9"
    if jobs == 1:  # in this process: each path traced exactly once
        assert len(TRACED) == 49


def test_workers_find_the_same_paths_as_one_process() -> None:
    one = explore(staged, ("H", "W"), start=[(224, 224)], jobs=1)
    two = explore(staged, ("H", "W"), start=[(224, 224)], jobs=2)
    assert _conds(one) == _conds(two)
    assert two.coverage.status is Verdict.PROVED


def test_a_worker_s_error_is_raised_with_its_message() -> None:
    with pytest.raises(ValueError, match="cannot trace at"):
        explore(failing, ("H", "W"), start=[(8, 8)], jobs=2)


def test_a_worker_that_dies_is_an_error_naming_the_size_not_a_wait() -> None:
    with pytest.raises(RuntimeError, match=r"the process tracing size \d+×\d+ died \(exit "
                       r"code 7\)"):
        explore(dying, ("H", "W"), start=[(8, 8)], jobs=2)


def test_the_budget_counts_the_paths_traced_by_workers() -> None:
    ex = explore(staged, ("H", "W"), start=[(224, 224)], jobs=2, max_paths=10)
    assert ex.coverage.status is Verdict.UNKNOWN
    assert len(ex.regions) <= 10
    assert "budget spent" in ex.coverage.reason


def test_what_was_not_yet_written_is_written_once() -> None:
    """Workers are forked from a parent whose stdout may hold unwritten text (a pipe is block-
    buffered): multiprocessing flushes before it forks, so no worker writes it again."""
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import test_network_explore as t; "
            "from symconv.network.frontends.explore import explore; print('before'); "
            "explore(t.staged, ('H', 'W'), start=[(224, 224)], jobs=2); print('after')")
    done = subprocess.run([sys.executable, "-c", code, str(here)], capture_output=True,
                          text=True, timeout=300, check=True, cwd=here.parent)
    assert done.stdout.splitlines() == ["before", "after"], done.stdout


def forgetful(point: tuple[int, ...]) -> Path:
    """Valid from W ≥ 3 on, but the refusing trace below records no guard on W (as PyTorch's
    did for a division by a symbolic zero): its region claims every size."""
    w = point[1]
    if w >= 3:
        return Path(point, NAMES, (sp.Ge(W, 3),), ((sp.Integer(1), H, W),))
    return Path(point, NAMES, (), None, message="division by zero", error="ZeroDivisionError")


def test_overlapping_paths_are_unknown_never_an_answer() -> None:
    from symconv.network.ir import NetworkError
    from symconv.network.traced import TracedStudy

    ex = explore(forgetful, ("H", "W"), start=[(5, 5), (5, 1)], jobs=1)
    assert ex.overlap_at((5, 5)) is not None
    v = valid_set(ex)
    assert v.proof.status is Verdict.UNKNOWN
    assert "both claim some sizes" in v.proof.reason
    st = TracedStudy("forgetful", 3, ("H", "W"), ex, v, (), 0.0)
    with pytest.raises(NetworkError, match="no answer"):
        st.answer(5)
    assert st.status is not Verdict.PROVED
