"""Benchmark-sized conformance run, not a test (pytest does not collect it): the ONNX rules
against real ONNX over the whole grid of tests/test_frameworks_onnx.py (pads 0..4 on each side,
output_padding 0..4: about 470,000 configurations, minutes), where the test takes a smaller one.

    python3 tests/bench_onnx_conformance.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from test_frameworks_onnx import FULL, check, exceptions_hold, transposed_cases, window_cases


def main() -> int:
    start = time.perf_counter()
    count_w, bad_w, seen_w = check(window_cases(FULL))
    count_t, bad_t, seen_t = check(transposed_cases(FULL))
    points = exceptions_hold({**seen_w, **seen_t})
    bad = bad_w + bad_t
    print(f"onnx: {count_w + count_t} configurations compared, {len(bad)} mismatches, "
          f"{points} inside documented exceptions, {time.perf_counter() - start:.0f} s")
    for line in bad[:20]:
        print("  " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
