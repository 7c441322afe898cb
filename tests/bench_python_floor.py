"""Benchmark behind issue 19's Python speed item: what a per-axis pool helper costs in CPython,
check by check, against PyTorch's ``pooling_output_shape`` (three Python calls, no checks).

    python3 tests/bench_python_floor.py [--number N] [--repeat R]

One run, one table: ns per call (best of R timings of N calls) and the ratio to PyTorch's.
The rows below the generated helper are the same function written by hand with fewer checks:
the formula alone, then its six range checks, then exact type checks in the cheapest layouts
found. Each is first compared with the generated helper on a grid of valid and invalid ints.
"""

from __future__ import annotations

import argparse
import sys
import timeit
import warnings
from collections.abc import Callable
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generated" / "python"))

import convshape

helper = convshape.pool_output_size


def formula_only(i: int, k: int, s: int, p: int = 0, d: int = 1) -> int:
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


def range_checks(i: int, k: int, s: int, p: int = 0, d: int = 1) -> int:
    if i >= 1 and k >= 1 and s >= 1 and p >= 0 and d >= 1:
        t0 = i + 2 * p - d * (k - 1) - 1
        if t0 >= 0:
            return t0 // s + 1
    return helper(i, k, s, p, d)  # the refusal, with its message


def exact_types(i: int, k: int, s: int, p: int = 0, d: int = 1) -> int:
    if (type(i) is int and type(k) is int and type(s) is int and type(p) is int
            and type(d) is int and i >= 1 and k >= 1 and s >= 1 and p >= 0 and d >= 1):
        t0 = i + 2 * p - d * (k - 1) - 1
        if t0 >= 0:
            return t0 // s + 1
    return helper(i, k, s, p, d)


def _closure_types() -> Callable[..., int]:
    kind, integer = type, int  # read as closure cells (LOAD_DEREF), not globals

    def closure_types(i: int, k: int, s: int, p: int = 0, d: int = 1) -> int:
        if (kind(i) is integer and kind(k) is integer and kind(s) is integer
                and kind(p) is integer and kind(d) is integer
                and i >= 1 and k >= 1 and s >= 1 and p >= 0 and d >= 1):
            t0 = i + 2 * p - d * (k - 1) - 1
            if t0 >= 0:
                return t0 // s + 1
        return helper(i, k, s, p, d)

    return closure_types


closure_types = _closure_types()


def declared_types(i: int, k: int, s: int, p: int = 0, d: int = 1) -> int:
    # __class__ is what isinstance trusts: an object may declare itself an int
    if (i.__class__ is int and k.__class__ is int and s.__class__ is int and p.__class__ is int
            and d.__class__ is int and i >= 1 and k >= 1 and s >= 1 and p >= 0 and d >= 1):
        t0 = i + 2 * p - d * (k - 1) - 1
        if t0 >= 0:
            return t0 // s + 1
    return helper(i, k, s, p, d)


def _agree(fn: Callable[..., int]) -> None:
    for i, k, s, p, d in product(range(-1, 9), range(-1, 5), range(-1, 4), range(-1, 3),
                                 range(-1, 3)):
        try:
            want: object = helper(i, k, s, p, d)
        except ValueError as exc:
            want = str(exc)
        try:
            got: object = fn(i, k, s, p, d)
        except ValueError as exc:
            got = str(exc)
        if got != want:
            raise AssertionError(f"{fn.__name__}{(i, k, s, p, d)} = {got!r}, helper {want!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--number", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import torch.jit._shape_functions as sf

    rows: list[tuple[str, Callable[[], object]]] = [
        ("PyTorch pooling_output_shape (no checks)",
         lambda: sf.pooling_output_shape(32, 3, 1, 2, 1, False)),
        ("generated pool_output_size (all checks)", lambda: helper(32, 3, 2, 1, 1)),
        ("hand: the formula alone", lambda: formula_only(32, 3, 2, 1, 1)),
        ("hand: + range checks", lambda: range_checks(32, 3, 2, 1, 1)),
        ("hand: + type(x) is int", lambda: exact_types(32, 3, 2, 1, 1)),
        ("hand: + type(x) is int, closure cells", lambda: closure_types(32, 3, 2, 1, 1)),
        ("hand: + x.__class__ is int (spoofable)", lambda: declared_types(32, 3, 2, 1, 1)),
    ]
    for fn in (range_checks, exact_types, closure_types, declared_types):
        _agree(fn)
    if sf.pooling_output_shape(32, 3, 1, 2, 1, False) != helper(32, 3, 2, 1, 1):
        raise AssertionError("PyTorch and the helper disagree")
    print(f"Python {sys.version.split()[0]}; ns per call, best of {args.repeat} x {args.number}")
    base = None
    for name, call in rows:
        ns = min(timeit.repeat(call, number=args.number, repeat=args.repeat)) / args.number * 1e9
        base = ns if base is None else base
        print(f"{name:44} {ns:6.0f}  {ns / base:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
