"""Benchmark: ``symconv network`` on the 100-layer spec, from fresh processes, start-up
included. Run ``python3 -m symconv.network.bench [SPEC] [--runs N]``; prints wall times (best and
median), a bare ``python3 -c pass`` for comparison, the peak memory of a run, and one in-process
breakdown (read, analyse, V proved, everything else)."""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_SPEC = Path(__file__).resolve().parents[2] / "examples" / "networks" / "bench-100.toml"


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def _breakdown(spec: Path) -> list[tuple[str, float]]:
    from symconv.network.analysis import analyse
    from symconv.network.frontends.spec import load_spec
    from symconv.network.study import study
    from symconv.network.validset import valid_set

    t0 = time.perf_counter()
    network = load_spec(spec)
    t1 = time.perf_counter()
    analysis = analyse(network)
    t2 = time.perf_counter()
    valid = valid_set(analysis)
    t3 = time.perf_counter()
    study(network)
    t4 = time.perf_counter()
    return [("read the spec", t1 - t0), ("analyse (closed forms, conditions)", t2 - t1),
            (f"V proved ({valid.status.value})", t3 - t2),
            ("a whole study (again, caches warm)", t4 - t3)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m symconv.network.bench")
    parser.add_argument("spec", nargs="?", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "symconv", "network", str(args.spec)]
    runs = [_wall(command) for _ in range(max(1, args.runs))]
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    bare = min(_wall([sys.executable, "-c", "pass"]) for _ in range(3))
    print(f"{' '.join(command[1:])}: best {min(runs):.3f} s, median "
          f"{statistics.median(runs):.3f} s over {len(runs)} runs (start-up included)")
    print(f"python3 -c pass: best {bare:.3f} s; peak memory of a run: {peak_kb / 1024:.0f} MB")
    for what, seconds in _breakdown(args.spec):
        print(f"  {what}: {seconds:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
