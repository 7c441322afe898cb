"""Benchmark, not a test (pytest does not collect it): the speed targets of the light commands,
measured from fresh processes on this machine, best of ``--repeat`` runs.

    python3 tests/bench_speed.py [--repeat 5]

- ``symconv shape`` from the shell, minus a bare interpreter start (target: under 100 ms);
- ``symconv shape --batch`` over 100,000 random lines (target: under 3 s);
- importing the generated ``convshape`` module, bytecode compiled (target: under 5 ms);
- the generated C helpers, nanoseconds per call (``symconv.codegen.cbench.measure_c``).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best_wall(argv: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def batch_file(path: Path, lines: int = 100_000) -> None:
    rng = random.Random(1)
    with path.open("w") as f:
        for _ in range(lines):
            op = rng.choice(["conv", "conv_transpose", "max_pool", "avg_pool"])
            rec = {"op": op, "i": rng.randint(1, 64), "k": rng.randint(1, 7),
                   "s": rng.randint(1, 4), "p": rng.randint(0, 3)}
            if op != "avg_pool":
                rec["d"] = rng.randint(1, 3)
            if op == "conv_transpose":
                rec["a"] = rng.randint(0, 3)
            f.write(json.dumps(rec) + "\n")


def import_ms(repeat: int) -> float:
    import py_compile
    import shutil

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "convshape.py"
        shutil.copy(ROOT / "generated" / "python" / "convshape.py", copy)
        py_compile.compile(str(copy), doraise=True)
        code = ("import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter(); "
                "import convshape; print(time.perf_counter() - t)")
        return 1000 * min(float(subprocess.run([sys.executable, "-c", code, tmp],
                                               capture_output=True, text=True,
                                               check=True).stdout)
                          for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    shape = [sys.executable, "-m", "symconv", "shape", "conv", "--input", "32", "32",
             "--kernel", "3", "--stride", "2", "--padding", "1"]
    bare = best_wall([sys.executable, "-c", "pass"], args.repeat)
    cmd = best_wall(shape, args.repeat)
    print(f"shape from the shell: {1000 * cmd:.0f} ms, {1000 * (cmd - bare):.0f} ms over a bare "
          f"interpreter ({1000 * bare:.0f} ms)  [target < 100 ms over]")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonl"
        batch_file(path)
        seconds = best_wall([sys.executable, "-m", "symconv", "shape", "--framework", "torch",
                             "--batch", str(path)], min(args.repeat, 3))
    print(f"shape --batch, 100,000 lines: {seconds:.2f} s  [target < 3 s]")
    print(f"import convshape: {import_ms(args.repeat):.2f} ms  [target < 5 ms]")
    sys.path.insert(0, str(ROOT))
    from symconv.codegen.cbench import measure_c

    for name, ns in sorted(measure_c().items()):
        print(f"C {name}: {ns:.1f} ns per call")


if __name__ == "__main__":
    main()
