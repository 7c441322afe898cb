"""Benchmark, not a test (pytest does not collect it): issue 11's numbers for the README's main
job, each from a fresh process, start-up included.

    python3 tests/bench_prove.py [--repo DIR]... [--repeat N] [--only NAME]...

For ``symconv prove``, ``symconv prove --group relation --group identity`` and ``symconv
generate --check`` it prints the wall time, the peak memory of the whole process tree (the
forked workers' resident sets summed, sampled every 20 ms) and, run on a pseudo-terminal as a
user sees it, the time until the first line appears. ``--repo`` measures another checkout
(``git worktree add /tmp/base <commit>``) with the same interpreter; given more than once, each
measurement is taken on every checkout in turn: before/after numbers taken in one run.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = {
    "prove": ["prove"],
    "prove (core)": ["prove", "--group", "relation", "--group", "identity"],
    "generate --check": ["generate", "--check"],
}


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, in kB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def measure(repo: Path, argv: list[str]) -> tuple[float, int]:
    """(wall seconds, peak tree RSS in kB) with output to a pipe."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "symconv", *argv], cwd=repo,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.02)
    return time.perf_counter() - start, peak


def first_output(repo: Path, argv: list[str]) -> tuple[float, float]:
    """(seconds to the first byte on a terminal, total seconds) on a pseudo-terminal."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(repo)
        os.execv(sys.executable, [sys.executable, "-m", "symconv", *argv])
    first = None
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        if first is None and data.strip():
            first = time.perf_counter() - start
    os.waitpid(pid, 0)
    total = time.perf_counter() - start
    return (first if first is not None else total), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, action="append",
                        help="a checkout to measure (repeatable: each measurement is taken in "
                        "turn on every checkout, so that they share the machine's conditions)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", action="append", choices=list(RUNS),
                        help="measure only this (repeatable)")
    args = parser.parse_args()
    repos = args.repo or [ROOT]
    for name, argv in RUNS.items():
        if args.only and name not in args.only:
            continue
        runs: dict[Path, list[tuple[float, int]]] = {repo: [] for repo in repos}
        for _ in range(args.repeat):
            for repo in repos:
                runs[repo].append(measure(repo, argv))
        for repo in repos:
            best = min(runs[repo], key=lambda r: r[0])
            shown, total = first_output(repo, argv)
            where = f"  [{repo}]" if len(repos) > 1 else ""
            print(f"{name:<18} wall {best[0]:6.2f} s   peak memory {best[1] / 1024:7.0f} MB   "
                  f"on a terminal: first output after {shown:5.2f} s (of {total:.2f} s){where}",
                  flush=True)


if __name__ == "__main__":
    main()
