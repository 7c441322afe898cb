"""Benchmark, not a test (pytest does not collect it): every model of
``test_network_onnx_models`` exported to ONNX and judged at every square size 1..256 (or
``--top``): symconv's ``network MODEL.onnx --sizes --json`` against onnxruntime running the
graph and PyTorch running the model, and the network's dumb evaluation. Prints per model the
time each took and the mismatches, which must be zero (the tests judge a planned subset of these
sizes; see ``network_plan``).

    python3 tests/bench_network_onnx.py [--top 256] [MODEL[:EXPORTER] ...]

MODEL is one of the test's models (``padded_unet``, ``resnet18``, …), EXPORTER
``torchscript`` or ``dynamo`` (default: every case of the test).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from onnx_export import Exporter
from symconv.network.frontends.onnx_frontend import load_onnx
from onnx_network_support import evaluate_network
from test_network_onnx_models import CASES, analysed, judge


def sweep(cases: list[tuple[str, str]], top: int) -> int:
    print(f"{'model':22} {'exporter':12} {'symconv s':>9} {'judges s':>9} {'valid':>6} "
          f"{'vs ort':>7} {'vs torch':>8} {'vs cli':>7}", flush=True)
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        exporter = Exporter(Path(tmp))
        for name, kind in cases:
            exporter.submit(name, kind)
        for name, kind in cases:
            path = exporter.path(name, kind)
            sizes = list(range(1, top + 1))
            start = time.perf_counter()
            cli = analysed(path, top)
            ours = time.perf_counter() - start
            net = load_onnx(path)
            dumb = {h: evaluate_network(net, (h, h)) for h in sizes}
            start = time.perf_counter()
            vs_ort, vs_torch, _ = judge(dumb, path, name, sizes)
            theirs = time.perf_counter() - start
            vs_cli = [h for h in sizes if not cli[h].same(dumb[h])]
            if name in ("vgg11", "alexnet"):  # the exported band: see the test
                vs_torch = [m for m in vs_torch if not m[2].ok]
            total += len(vs_ort) + len(vs_torch) + len(vs_cli)
            print(f"{name:22} {kind:12} {ours:9.1f} {theirs:9.1f} "
                  f"{sum(d.ok for d in dumb.values()):6} {len(vs_ort):7} {len(vs_torch):8} "
                  f"{len(vs_cli):7}", flush=True)
            for h, a, b in [*vs_ort, *vs_torch][:5]:
                print(f"    H={h}: symconv {a}, real {b}")
        exporter.close()
    print(f"total mismatches: {total}")
    return 1 if total else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="MODEL or MODEL:EXPORTER (default: all)")
    parser.add_argument("--top", type=int, default=256)
    args = parser.parse_args()
    cases = [c for c in CASES if not args.cases or c[0] in args.cases
             or f"{c[0]}:{c[1]}" in args.cases]
    if not cases:
        parser.error(f"no such case; cases: {', '.join(f'{n}:{e}' for n, e in CASES)}")
    return sweep(cases, args.top)


if __name__ == "__main__":
    sys.exit(main())
