"""Benchmark of issue 18's speed target: ``network --torch`` through PyTorch's symbolic shapes on
resnet50 and a ViT, wall time beyond importing torch and building the model (paths included),
and the process's peak memory.

    python3 tests/bench_network_traced.py [MODEL ...] [--jobs=N]

Each model runs in a fresh process: its peak resident set, its largest tracing worker's, and the
peak of all of them together sampled as PSS (pages the forked workers share with it counted
once). --jobs as ``network --jobs`` (default: the cores available, at most 4).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

MODELS = {
    "resnet50": "torchvision.models:resnet50",
    "vit_b_16": "torchvision.models:vit_b_16",
    "resnet18": "torchvision.models:resnet18",
    "convnext_tiny": "torchvision.models:convnext_tiny",
}

CHILD = r"""
import json, os, resource, sys, threading, time
from symconv.network.frontends.torch_frontend import build_model, import_torchvision
import_torchvision()
model = build_model(sys.argv[1], {"weights": None})
from symconv.network.traced import study_model

def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("Pss:")) / 1024
    except (OSError, StopIteration):
        return 0.0

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []

peak_total = [0.0]
done = threading.Event()
def sample():  # memory of this process and its tracing workers together (PSS: shared pages once)
    while not done.wait(0.1):
        me = os.getpid()
        peak_total[0] = max(peak_total[0], pss(me) + sum(pss(c) for c in children(me)))
threading.Thread(target=sample, daemon=True).start()
jobs = int(sys.argv[2]) if len(sys.argv) > 2 else None
began = time.perf_counter()
st = study_model(model, name=sys.argv[1], jobs=jobs)
seconds = time.perf_counter() - began
done.set()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "paths": len(st.exploration.regions),
                  "status": st.status.value, "valid": st.valid.text(), "peak_mb": peak,
                  "worker_peak_mb": worker, "total_pss_mb": peak_total[0]}))
"""


def main(args: list[str]) -> int:
    jobs = [a for a in args if a.startswith("--jobs=")]
    names = [a for a in args if not a.startswith("--jobs=")]
    extra = [jobs[-1].partition("=")[2]] if jobs else []
    for name in names or ["resnet50", "vit_b_16"]:
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, MODELS[name], *extra],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{name}: failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:14} {r['seconds']:7.1f} s study ({time.perf_counter() - began:.1f} s in "
              f"all), {r['paths']} paths, {r['status']}, peak {r['peak_mb']:.0f} MB "
              f"(a worker {r['worker_peak_mb']:.0f} MB; all together {r['total_pss_mb']:.0f} MB "
              f"PSS), V: {r['valid']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
