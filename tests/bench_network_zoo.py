"""The zoo benchmark: ``python tests/bench_network_zoo.py [--models a,b] [--jobs N]
[--max-seconds S] [--write]`` studies every zoo model with symconv's symbolic front-end
(``study_model``, in a fresh process per model, killed past a hard limit), judges the answer at
every size of the model's committed truth (``tests/zoo_judge.py``), and prints per model: answered
or refused (and why), paths explored, coverage, build+study time, peak memory (the process's
maximum RSS), sizes judged, mismatches.

``--write`` records the results in ``docs/zoo-bench.json`` (merged by model: ``--models`` updates
those models only) and regenerates the atlas ``docs/zoo-atlas.md`` from it
(``tests/zoo_atlas.py``). Exit 1 if any answered model has a mismatch.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = ROOT / "docs" / "zoo-bench.json"
COMMAND = "python tests/bench_network_zoo.py"


def one(name: str, max_seconds: float) -> dict[str, Any]:
    """In this process: one model's outcome as JSON (with peak memory)."""
    import torch

    torch.set_num_threads(1)
    import zoo_judge

    got, _ = zoo_judge.outcome(name, max_seconds=max_seconds)
    data = zoo_judge.as_json(got)
    data["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    data["max_seconds"] = max_seconds
    return data


def run(name: str, max_seconds: float, limit: float) -> dict[str, Any]:
    """One model in a child process; killed after ``limit`` seconds (then a refusal)."""
    began = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, __file__, "--one", name, "--max-seconds",
                               str(max_seconds)], capture_output=True, text=True,
                              timeout=limit, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"name": name, "answered": False, "crashed": True,
                "refusal": f"killed: no answer within {limit:g} s", "seconds": limit,
                "max_seconds": max_seconds}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"name": name, "answered": False, "crashed": True,
                "refusal": f"crashed (exit {proc.returncode}): {tail[:300]}",
                "seconds": round(time.perf_counter() - began, 1), "max_seconds": max_seconds}
    data: dict[str, Any] = json.loads(lines[-1])
    return data


def record(results: dict[str, dict[str, Any]]) -> None:
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    old.update(results)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(dict(sorted(old.items())), indent=1, sort_keys=True) + "\n")


def line(r: dict[str, Any]) -> str:
    head = f"{r['name']}: "
    if r.get("crashed"):
        return head + r["refusal"]
    state = "answered" if r["answered"] else f"refused ({r['refusal']})"
    return (head + f"{state}; {r['paths']} paths ({r['valid_paths']} valid), coverage "
            f"{r['coverage'] or '-'}, {r['seconds']:.1f} s (study {r['study_seconds']:.1f} s), "
            f"peak {r['peak_mib']} MiB; {r['judged']} sizes judged, "
            f"{len(r['mismatches'])} mismatches"
            + (f", {r['uncovered']} sizes on no path explored" if r.get("uncovered") else ""))


def main(argv: Sequence[str] | None = None) -> int:
    sys.path.insert(0, str(HERE))
    ap = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", help="comma-separated zoo names (default: all)")
    ap.add_argument("--jobs", type=int, default=1, help="models studied at once (default 1)")
    ap.add_argument("--max-seconds", type=float, default=None,
                    help="symconv's exploration budget per model (default zoo_judge's)")
    ap.add_argument("--limit", type=float, default=None,
                    help="hard wall-clock limit per model in seconds (default 3 × budget + 300)")
    ap.add_argument("--write", action="store_true",
                    help="record in docs/zoo-bench.json and regenerate docs/zoo-atlas.md")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    import zoo_judge
    from zoo_models import BY_NAME, MODELS

    budget = args.max_seconds if args.max_seconds is not None else zoo_judge.MAX_SECONDS
    if budget <= 0:
        ap.error(f"--max-seconds must be > 0, got {budget}")
    if args.one:
        print(json.dumps(one(args.one, budget)), flush=True)
        return 0
    names = args.models.split(",") if args.models else [m.name for m in MODELS]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        ap.error(f"--models: not in the zoo: {', '.join(unknown)}")
    if args.jobs < 1:
        ap.error(f"--jobs must be >= 1, got {args.jobs}")
    # build, V's proof and the window derivations come on top of the exploration's budget
    limit = args.limit if args.limit is not None else 3 * budget + 300
    if limit <= 0:
        ap.error(f"--limit must be > 0, got {limit}")
    results: dict[str, dict[str, Any]] = {}
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for r in pool.map(lambda n: run(n, budget, limit), names):
            results[r["name"]] = r
            print(line(r), flush=True)
            for m in r.get("mismatches", [])[:5]:
                print(f"  {m}", flush=True)
            if args.write:
                record({r["name"]: r})
    bad = [n for n, r in results.items() if r.get("answered") and r.get("mismatches")]
    print(f"{len(names)} models in {time.perf_counter() - began:.0f} s: "
          f"{sum(bool(r.get('answered')) for r in results.values())} answered, "
          f"{len(bad)} with mismatches", flush=True)
    if args.write:
        import zoo_atlas

        zoo_atlas.main([])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
