"""Independent jobs on every core, results in job order whatever the scheduling.

A job is a closure over SymPy and Z3 state (a theorem's check), which cannot be pickled, so
workers are forked: a worker runs, by index, the jobs that existed when it was forked, and sends
back each value pickled (results are plain data). Jobs that share a ``batch`` key run one after
the other in one worker, so they share what they build (a C function's symbolic execution).

While the caller is still listing jobs (:meth:`Runner.add` between listings), early workers
(one for two cores) already run what is listed, a new one forked when the last has run out;
:meth:`Runner.finish` forks the rest and returns every value in job order. With ``jobs=1`` (or
where ``fork`` does not exist) everything runs in this process, in order, as it is added.
Nothing is shared between jobs but what the caller's closures share; each
solver call makes its own Z3 context or context per batch, so a verdict does not depend on which
worker ran it or what ran before.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Job(Generic[T]):
    label: str
    run: Callable[[], T]
    batch: str = ""  # jobs with one non-empty key run consecutively in one process


class WorkerDied(RuntimeError):
    """A worker process ended while running a job (killed, out of memory, a crash in Z3)."""


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(slots=True)
class _Worker:
    process: Any
    conn: Connection
    horizon: int  # it knows the jobs with index < horizon (those that existed at its fork)
    running: list[int] = field(default_factory=list)
    idle: bool = True
    retired: bool = False  # told to exit: no job it knows is left


class Runner(Generic[T]):
    """Collects jobs (:meth:`add`), runs them (:meth:`finish`), reports through callbacks:
    ``on_start(i)`` and ``on_done(i, value)`` as they happen (any order), ``in_order(i, value)``
    in job order as soon as every earlier job is done."""

    def __init__(self, jobs: int,
                 on_start: Callable[[int], None] | None = None,
                 on_done: Callable[[int, T], None] | None = None,
                 in_order: Callable[[int, T], None] | None = None) -> None:
        self.jobs = max(1, jobs)
        self._on_start = on_start or (lambda i: None)
        self._on_done = on_done or (lambda i, v: None)
        self._in_order = in_order or (lambda i, v: None)
        self._items: list[Job[T]] = []
        self._values: dict[int, T] = {}
        self._emitted = 0
        self._pending: deque[list[int]] = deque()
        self._workers: list[_Worker] = []
        self._serial = self.jobs == 1 or "fork" not in multiprocessing.get_all_start_methods()

    def add(self, items: Sequence[Job[T]]) -> None:
        """Append jobs; in serial mode run them now, else let the early worker start on them."""
        start = len(self._items)
        self._items.extend(items)
        if self._serial:
            for i in range(start, len(self._items)):
                self._run_here(i)
            return
        self._pending.extend(_batches(self._items, start))
        try:
            self._pump(timeout=0)
            # while this process lists, up to jobs - 1 workers run what is listed so far
            live = sum(not w.retired for w in self._workers)
            if self._pending and live < max(1, self.jobs - 1):
                self._fork(1)
        except BaseException:
            self._stop()
            raise

    def finish(self) -> list[T]:
        """Run everything not yet run; every value, in job order."""
        try:
            if not self._serial:
                knows_all = sum(w.horizon == len(self._items) and not w.retired
                                for w in self._workers)
                self._fork(max(0, min(self.jobs - knows_all, len(self._pending))))
                while len(self._values) < len(self._items):
                    self._pump(timeout=None)
        finally:
            self._stop()
        return [self._values[i] for i in range(len(self._items))]

    # --- in this process ---------------------------------------------------------------------
    def _run_here(self, i: int) -> None:
        self._on_start(i)
        self._record(i, self._items[i].run())

    def _record(self, i: int, value: T) -> None:
        self._values[i] = value
        self._on_done(i, value)
        while self._emitted in self._values:
            self._in_order(self._emitted, self._values[self._emitted])
            self._emitted += 1

    # --- workers -----------------------------------------------------------------------------
    def _fork(self, n: int) -> None:
        context = multiprocessing.get_context("fork")
        gc.collect()
        gc.freeze()  # the children then leave the parent's objects' pages shared
        for _ in range(n):
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, self._items), daemon=True)
            process.start()
            theirs.close()
            worker = _Worker(process, mine, len(self._items))
            self._workers.append(worker)
            self._dispatch(worker)

    def _dispatch(self, worker: _Worker) -> None:
        for n, batch in enumerate(self._pending):
            if batch[-1] < worker.horizon:
                del self._pending[n]
                worker.running = list(batch)
                worker.idle = False
                worker.conn.send(batch)
                return
        # jobs added later are unknown to it: nothing will ever be left for it
        worker.retired = True
        worker.conn.send(None)

    def _pump(self, timeout: float | None) -> None:
        busy = [w for w in self._workers if not w.idle]
        if not busy:
            return
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
        for w in busy:
            if w.conn in ready:
                self._receive(w)
            elif w.process.sentinel in ready and not w.conn.poll():
                raise self._died(w)

    def _died(self, w: _Worker) -> WorkerDied:
        w.process.join(timeout=5)
        return WorkerDied(f"a worker ended (exit code {w.process.exitcode}) while running "
                          f"{self._items[w.running[0]].label}")

    def _receive(self, w: _Worker) -> None:
        while not w.retired and w.conn.poll():
            try:
                message = w.conn.recv()
            except EOFError:
                if not w.running:
                    return
                raise self._died(w) from None
            kind = message[0]
            if kind == "start":
                self._on_start(message[1])
            elif kind == "done":
                w.running.remove(message[1])
                self._record(message[1], message[2])
            elif kind == "error":
                raise message[2]
            else:  # idle: its batch is done
                w.idle = True
                self._dispatch(w)

    def _stop(self) -> None:
        for w in self._workers:
            if w.process.is_alive() and not w.retired:
                with contextlib.suppress(BrokenPipeError, OSError):
                    w.conn.send(None)
        for w in self._workers:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.terminate()
                w.process.join()
            w.conn.close()
        self._workers.clear()
        gc.unfreeze()


def _batches(items: Sequence[Job[Any]], start: int) -> list[list[int]]:
    out: list[list[int]] = []
    for i in range(start, len(items)):
        key = items[i].batch
        if key and out and items[out[-1][-1]].batch == key:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _serve(conn: Connection, items: Sequence[Job[Any]]) -> None:
    """A worker: run the batches the parent sends until it sends None."""
    from symconv.interrupt import z3_ignores_sigint

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers on Ctrl-C
    z3_ignores_sigint()
    while True:
        batch = conn.recv()
        if batch is None:
            return
        for i in batch:
            conn.send(("start", i))
            try:
                value = items[i].run()
            except Exception as exc:
                conn.send(("error", i, _portable(exc)))
                return
            conn.send(("done", i, value))
        conn.send(("idle",))


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling, else a RuntimeError carrying its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
