"""Benchmarks whose numbers go into the closing notes (never timed tests)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

from symconv.runner import default_jobs


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    seconds: float
    detail: str


def prove_wall_time(runs: int = 3, ids: tuple[str, ...] = (),
                    on_run: Callable[[int], None] | None = None) -> Timing:
    """Wall time of ``symconv prove`` in a fresh interpreter, start-up included: the best of
    ``runs`` runs, with their median beside it (``on_run(n)`` before run n, from 1)."""
    times = []
    for n in range(1, runs + 1):
        if on_run is not None:
            on_run(n)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "symconv", "prove", *ids],
            capture_output=True, text=True, check=False,
        )
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"symconv prove failed:\n{proc.stdout}{proc.stderr}")
    what = " ".join(x for x in ids if not x.startswith("-")) or "everything"
    runs_text = (f"best of {runs} (median {median(times):.2f} s)" if runs > 1 else "one run")
    return Timing("symconv prove", min(times),
                  f"{what}, {runs_text}, fresh process, {default_jobs()} cores")


def brute_force_restore(limit: int = 40) -> Timing:
    """Check the restore identity by enumeration for i, k, s, p in 1..limit (p from 0): the
    cost of saying, by testing, much less than the proof says."""
    start = time.perf_counter()
    checked = 0
    for i in range(1, limit + 1):
        for k in range(1, limit + 1):
            for s in range(1, limit + 1):
                for p in range(limit + 1):
                    o = (i + 2 * p - k) // s + 1
                    a = (i + 2 * p - k) % s
                    if s * (o - 1) + a + k - 2 * p != i:
                        raise AssertionError((i, k, s, p))
                    checked += 1
    return Timing("brute-force restore", time.perf_counter() - start,
                  f"{checked} cases, i,k,s <= {limit}, p <= {limit}")
