"""Benchmark of issue 18's speed target: ``network --torch`` through PyTorch's symbolic shapes on
resnet50 and a ViT, wall time beyond importing torch and building the model (paths included),
and the process's peak memory.

    python3 tests/bench_network_traced.py [MODEL ...]

Each model runs in a fresh process (peak memory is the process's maximum resident set).
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
import json, resource, sys, time
from symconv.network.torch_frontend import build_model, import_torchvision
import_torchvision()
model = build_model(sys.argv[1], {"weights": None})
from symconv.network.traced import study_model
began = time.perf_counter()
st = study_model(model, name=sys.argv[1])
seconds = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "paths": len(st.exploration.regions),
                  "status": st.status.value, "valid": st.valid.text(), "peak_mb": peak}))
"""


def main(names: list[str]) -> int:
    for name in names or ["resnet50", "vit_b_16"]:
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, MODELS[name]], capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            print(f"{name}: failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:14} {r['seconds']:7.1f} s study ({time.perf_counter() - began:.1f} s in "
              f"all), {r['paths']} paths, {r['status']}, peak {r['peak_mb']:.0f} MB, "
              f"V: {r['valid']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
