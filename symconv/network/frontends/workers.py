"""Traces at several sizes at once: forked worker processes, each with the model as the parent
held it when they were forked.

A trace is pure Python work in PyTorch's dispatcher and SymPy (one core each, the GIL held), so
threads would not help; processes forked from the parent need no pickling of the model and pay
its first-trace warm-up only once (it is done before the fork). Results come back as they finish
(a :class:`~symconv.network.frontends.torch_trace.Path` pickles) through one pipe per worker.
Workers ignore SIGINT: the parent alone sees Ctrl-C and ends them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

Point = tuple[int, ...]
Result = tuple[Point, Any]  # (point, its Path, or the exception the trace raised)

MAX_JOBS = 64

# the trace a worker runs: set in the parent just before the fork, inherited by the children
_TRACE: Callable[[Point], Any] | None = None


class Tracing(Protocol):
    """Where traces run: ``submit`` a point, ``result`` the next one finished."""

    jobs: int

    def submit(self, point: Point) -> None: ...

    def result(self) -> Result: ...

    def cancel(self, point: Point) -> None: ...

    def close(self) -> None: ...


class Inline:
    """One trace at a time, in this process, when ``result`` is asked for."""

    jobs = 1

    def __init__(self, trace: Callable[[Point], Any]) -> None:
        self.trace = trace
        self.todo: list[Point] = []

    def submit(self, point: Point) -> None:
        self.todo.append(point)

    def result(self) -> Result:
        point = self.todo.pop(0)
        try:
            return point, self.trace(point)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # handed back like a worker's, raised by the caller
            return point, exc

    def cancel(self, point: Point) -> None:
        if point in self.todo:
            self.todo.remove(point)

    def close(self) -> None:
        self.todo.clear()


def _serve(conn: Connection) -> None:
    """A worker: trace each point received, send back (point, Path or the exception)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            point = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if _TRACE is None:  # pragma: no cover - set before every fork
                raise RuntimeError("worker forked without a trace")
            result: Any = _TRACE(point)
        except BaseException as exc:  # handed back, raised by the parent
            result = exc
        try:
            conn.send((point, result))
        except Exception as exc:  # an exception that does not pickle: its text does
            conn.send((point, RuntimeError(f"{type(result).__name__}: {result} ({exc})")))


class Forked:
    """``jobs`` forked processes tracing concurrently; a worker that dies (killed, out of
    memory) is an error naming the size it was tracing, never a wait for ever."""

    def __init__(self, trace: Callable[[Point], Any], jobs: int) -> None:
        global _TRACE
        _TRACE = trace
        self.jobs = jobs
        self.workers: list[tuple[Any, Connection]] = [self._fork() for _ in range(jobs)]
        self.busy: dict[Connection, Point] = {}

    @staticmethod
    def _fork() -> tuple[Any, Connection]:
        ctx = multiprocessing.get_context("fork")
        here, there = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(there,), daemon=True)
        proc.start()
        there.close()
        return proc, here

    def submit(self, point: Point) -> None:
        conn = next(c for _, c in self.workers if c not in self.busy)
        conn.send(point)
        self.busy[conn] = point

    def result(self) -> Result:
        procs = {c: p for p, c in self.workers}
        while True:
            ready = set(wait([*self.busy, *(procs[c].sentinel for c in self.busy)]))
            for conn in list(self.busy):
                proc = procs[conn]
                if conn not in ready and proc.sentinel not in ready:
                    continue
                point = self.busy.pop(conn)
                try:
                    return conn.recv()  # type: ignore[no-any-return]
                except (EOFError, OSError):  # the worker died before it answered
                    proc.join()
                    return point, RuntimeError(
                        f"the process tracing size {'×'.join(map(str, point))} died "
                        f"(exit code {proc.exitcode})")

    def cancel(self, point: Point) -> None:
        """Stop tracing ``point`` (a path found meanwhile covers it): its worker is ended and
        a new one forked in its place, from this process as it is now."""
        for j, (proc, conn) in enumerate(self.workers):
            if self.busy.get(conn) == point:
                del self.busy[conn]
                conn.close()
                proc.terminate()
                proc.join()
                self.workers[j] = self._fork()
                return

    def close(self) -> None:
        for proc, conn in self.workers:
            conn.close()
            if proc.is_alive():
                proc.terminate()
        for proc, _ in self.workers:
            proc.join()
        self.workers.clear()
        self.busy.clear()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def default_jobs() -> int:
    """Worker processes for tracing when none is asked for: the cores this process may use,
    at most 4 (a trace holds a few hundred MB); 1 where processes cannot be forked."""
    if not _can_fork():  # pragma: no cover - Windows
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def tracing(trace: Callable[[Point], Any], jobs: int) -> Tracing:
    """``jobs`` forked workers, or this process alone where there is one job or no fork."""
    return Forked(trace, jobs) if jobs > 1 and _can_fork() else Inline(trace)
