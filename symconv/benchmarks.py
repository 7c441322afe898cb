"""Benchmarks whose numbers go into the closing notes (never timed tests)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    seconds: float
    detail: str


def prove_wall_time(repeat: int = 3, ids: tuple[str, ...] = ()) -> Timing:
    """Best wall time of ``symconv prove`` in a fresh interpreter, start-up included."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "symconv", "prove", *ids],
            capture_output=True, text=True, check=False,
        )
        best = min(best, time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"symconv prove failed:\n{proc.stdout}{proc.stderr}")
    what = " ".join(x for x in ids if not x.startswith("-")) or "everything"
    return Timing("symconv prove", best, f"{what}, best of {repeat}, fresh process")


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
