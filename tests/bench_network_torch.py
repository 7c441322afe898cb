"""Benchmark, not a test (pytest does not collect it): every model of ``torch_models`` at every
square size 1..512 (or ``--top``), symconv's ``--sizes --json`` against PyTorch on the meta
device. Prints per model the time symconv took (load, trace, analyse, prove V, list the sizes),
the time PyTorch took, and the mismatches, which must be zero.

    python3 tests/bench_network_torch.py [--jobs 2] [--top 512] [--width W] [MODEL ...]
    python3 tests/bench_network_torch.py --export [MODEL ...]

``--export`` instead asks ``torch.export`` with a dynamic height (2..top) and reports what it
says (its error's guards and suggested fixes, or the range it accepts) and its time, next to
symconv's valid set and its time.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from symconv.cli import main as symconv_main
from symconv.network.frontends.torch_frontend import build_model, import_torchvision
from symconv.network.torch_judge import Judge
from torch_models import MODELS, mismatch, network, symconv_sizes


def sweep(names: list[str], jobs: int, top: int, width: int | None) -> int:
    print(f"{'model':22} {'symconv s':>10} {'PyTorch s':>10} {'sizes':>6} {'valid':>6} "
          f"{'mismatches':>10}", flush=True)
    total = 0
    with Judge(jobs) as judge:
        for name in names:
            model = MODELS[name]
            start = time.perf_counter()
            answers = symconv_sizes(model, 1, top, width)
            ours = time.perf_counter() - start
            start = time.perf_counter()
            seen = judge(model.target, range(1, top + 1), kwargs=model.kwargs,
                         channels=model.channels, width=width)
            theirs = time.perf_counter() - start
            net = network(name)
            problems = [p for a, o in zip(answers, seen, strict=True)
                        if (p := mismatch(net, a, o)) is not None]
            total += len(problems)
            print(f"{name:22} {ours:10.1f} {theirs:10.1f} {top:6} "
                  f"{sum(o.valid for o in seen):6} {len(problems):10}", flush=True)
            for problem in problems[:5]:
                print(f"    {problem}")
    print(f"total mismatches: {total}")
    return 1 if total else 0


def export(names: list[str], top: int) -> None:
    import torch

    for name in names:
        model = MODELS[name]
        out = io.StringIO()
        start = time.perf_counter()
        code = symconv_main([*model.args()], out, io.StringIO())
        ours = time.perf_counter() - start
        valid = next((line for line in out.getvalue().splitlines()
                      if line.startswith("valid set")), f"exit {code}")
        net = build_model(model.target, model.kwargs).to_empty(device="cpu")
        size = _some_valid(name)
        x = torch.zeros(1, model.channels, size, size)
        h = torch.export.Dim("h", min=2, max=top)
        start = time.perf_counter()
        try:
            exported = torch.export.export(net, (x,), dynamic_shapes={"x": {2: h}})
            said = "exported; range constraints: " + "; ".join(
                f"{k}: {v}" for k, v in exported.range_constraints.items())
        except Exception as exc:  # what export says is the measurement
            said = _summary(str(exc))
        theirs = time.perf_counter() - start
        print(f"== {name}\n  symconv ({ours:.1f} s): {valid}\n  torch.export "
              f"({theirs:.1f} s): {said}\n", flush=True)


def _some_valid(name: str) -> int:
    answers = symconv_sizes(MODELS[name], 1, 600)
    return next(a["size"] for a in answers if a["valid"] and a["size"] >= 224)


def _summary(message: str) -> str:
    """The guards export reports and every line of its suggested fixes."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    guards = [line for line in lines if "generated guard" in line or "specialized" in line]
    fixes: list[str] = []
    if "Suggested fixes:" in lines:
        for line in lines[lines.index("Suggested fixes:") + 1:]:
            if line.startswith(("For more", "The error", "Constraints violated")):
                break
            fixes.append(line)
    head = lines[0] if lines else ""
    return " | ".join([head, *guards, "suggested fixes: " + ("; ".join(fixes) or "none")])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", help=f"default: all ({', '.join(MODELS)})")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--top", type=int, default=512)
    parser.add_argument("--width", type=int)
    parser.add_argument("--export", action="store_true")
    args = parser.parse_args()
    names = args.models or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f"unknown models: {', '.join(unknown)}")
    import_torchvision()
    if args.export:
        export(names, args.top)
        return 0
    return sweep(names, args.jobs, args.top, args.width)


if __name__ == "__main__":
    sys.exit(main())
