"""Forked tracing workers (``frontends.workers``): results as they finish, and a trace whose
size a path found meanwhile covers is stopped, its worker replaced, never waited for."""

from __future__ import annotations

import time

import pytest

from symconv.network.frontends import workers


def _slow_at_one(point: tuple[int, ...]) -> tuple[int, ...]:
    if point == (1,):
        time.sleep(60)
    return tuple(2 * n for n in point)


@pytest.mark.skipif(not workers._can_fork(), reason="needs fork")
def test_a_cancelled_trace_is_not_waited_for_and_its_worker_is_replaced() -> None:
    runner = workers.tracing(_slow_at_one, 2)
    assert isinstance(runner, workers.Forked)
    try:
        began = time.perf_counter()
        runner.submit((1,))
        runner.submit((2,))
        assert runner.result() == ((2,), (4,))
        first = [p.pid for p, _ in runner.workers]
        runner.cancel((1,))
        assert [p.pid for p, _ in runner.workers] != first  # a new process in its place
        runner.submit((3,))
        runner.submit((4,))  # both workers free again
        assert sorted([runner.result(), runner.result()]) == [((3,), (6,)), ((4,), (8,))]
        assert time.perf_counter() - began < 30
    finally:
        runner.close()


def test_inline_cancel_drops_a_point_not_yet_traced() -> None:
    runner = workers.Inline(_slow_at_one)
    runner.submit((1,))
    runner.submit((2,))
    runner.cancel((1,))
    assert runner.result() == ((2,), (4,))
