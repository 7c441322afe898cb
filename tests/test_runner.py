"""symconv.runner: jobs on several forked processes give the same values, in the same order, as
running them one by one here; batches stay in one process; failures surface, never hang."""

from __future__ import annotations

import os
import time

import pytest

from symconv.runner import Job, Runner, WorkerDied, default_jobs


def _square(n: int, delay: float = 0.0) -> Job[tuple[int, int]]:
    def run() -> tuple[int, int]:
        time.sleep(delay)
        return n * n, os.getpid()
    return Job(f"square {n}", run)


def _values(jobs: int, items: list[Job[tuple[int, int]]]) -> list[tuple[int, int]]:
    runner: Runner[tuple[int, int]] = Runner(jobs)
    runner.add(items)
    return runner.finish()


def test_values_in_job_order_whatever_finishes_first() -> None:
    # the first jobs are the slowest, so a second worker finishes later ones first
    items = [_square(n, delay=0.2 if n < 2 else 0.0) for n in range(8)]
    serial = [v for v, _ in _values(1, items)]
    parallel = [v for v, _ in _values(3, items)]
    assert serial == parallel == [n * n for n in range(8)]


def test_serial_runs_here_and_parallel_elsewhere() -> None:
    items = [_square(n) for n in range(4)]
    assert {pid for _, pid in _values(1, items)} == {os.getpid()}
    assert os.getpid() not in {pid for _, pid in _values(2, items)}


def test_a_batch_runs_in_one_process() -> None:
    def job(n: int, batch: str) -> Job[tuple[int, int]]:
        return Job(f"{batch}{n}", lambda: (n, os.getpid()), batch)

    items = [job(n, b) for b in ("a", "b", "c", "d") for n in range(3)]
    values = _values(2, items)
    for b in range(4):
        assert len({pid for _, pid in values[3 * b:3 * b + 3]}) == 1


def test_in_order_callback_sees_every_job_once_in_order() -> None:
    seen: list[int] = []
    started: list[int] = []
    runner: Runner[tuple[int, int]] = Runner(2, started.append, None,
                                             lambda i, v: seen.append(i))
    runner.add([_square(n, 0.05 if n == 0 else 0.0) for n in range(5)])
    runner.add([_square(n) for n in range(5, 9)])  # listed after the early worker started
    values = runner.finish()
    assert seen == list(range(9))
    assert sorted(started) == list(range(9))
    assert [v for v, _ in values] == [n * n for n in range(9)]


def test_an_exception_in_a_worker_is_raised_here() -> None:
    def bad() -> tuple[int, int]:
        raise ValueError("no such theorem")

    with pytest.raises(ValueError, match="no such theorem"):
        _values(2, [_square(1), Job("bad", bad), _square(2)])


def test_a_dead_worker_is_reported_not_waited_for() -> None:
    def die() -> tuple[int, int]:
        os._exit(7)

    start = time.perf_counter()
    with pytest.raises(WorkerDied, match="exit code 7"):
        _values(2, [_square(1), Job("die", die)])
    assert time.perf_counter() - start < 30


def test_default_jobs_is_the_usable_cores() -> None:
    assert 1 <= default_jobs() <= (os.cpu_count() or 1)
