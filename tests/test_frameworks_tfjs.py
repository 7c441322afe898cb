"""TensorFlow.js beside the proved TensorFlow rules: tfjs-core's own shape functions
(``backend_util.computeConv2DInfo`` and ``computePool2DInfo``, from npm, run under Node) against
generated/python/frameworkshape.py's TF functions (proved equal to the rules, as are their
TypeScript twins), on a grid of small sizes, on large safe integers and on parameters outside the
rules' domain. Every departure is pinned down here, by a formula that predicts exactly where it
happens and what tfjs answers there (its source: tfjs-core's ``conv_util.ts``)."""

from __future__ import annotations

import itertools
import json
import math
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from symconv.genload import load_frameworkshape
from tests.node_support import NODE_MODULES, node, tfjs_core

SCRIPT = """
import { createRequire } from "node:module";
const require = createRequire(%s);
const cu = require("@tensorflow/tfjs-core").backend_util;
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const [kind, i, k, s, d, pad] of JSON.parse(input)) {
  try {
    const info = kind === "conv"
      ? cu.computeConv2DInfo([1, i, i, 1], [k, k, 1, 1], s, d, pad)
      : cu.computePool2DInfo([1, i, i, 1], k, s, d, pad);
    // as text: JSON has no Infinity, NaN or -0
    out.push([Object.is(info.outHeight, -0) ? "-0" : String(info.outHeight),
              String(info.outWidth)]);
  } catch (e) {
    out.push(["throws", String(e)]);
  }
}
process.stdout.write(JSON.stringify(out));
"""

SIZES, KERNELS, STRIDES, DILATIONS = range(1, 21), range(1, 6), range(1, 5), range(1, 4)
MAX = 2**53 - 1

Case = tuple[str, str, tuple[int, ...], Any, tuple[int, ...]]


def _cases() -> list[Case]:
    """(tfjs op, our function, its arguments, tfjs's pad argument, (i, k, s, d))."""
    out: list[Case] = []
    for i, k, s, d in itertools.product(SIZES, KERNELS, STRIDES, DILATIONS):
        out.append(("conv", "tf_conv_valid", (i, k, s, d), "valid", (i, k, s, d)))
        out.append(("conv", "tf_conv_same", (i, k, s, d), "same", (i, k, s, d)))
        for p in range(4):  # tfjs's own number padding: the same p on every side
            out.append(("conv", "tf_conv_explicit", (i, k, s, p, p, d), p, (i, k, s, d)))
        for pb, pe in itertools.product(range(3), range(3)):
            pads = [[0, 0], [pb, pe], [pb, pe], [0, 0]]
            out.append(("conv", "tf_conv_explicit", (i, k, s, pb, pe, d), pads, (i, k, s, d)))
        if d == 1:
            for op in ("max_pool", "avg_pool"):
                out.append(("pool", f"tf_{op}_valid", (i, k, s), "valid", (i, k, s, d)))
                out.append(("pool", f"tf_{op}_same", (i, k, s), "same", (i, k, s, d)))
    return out


def _tfjs(payload: list[tuple[Any, ...]], workdir: Path) -> list[list[str]]:
    """tfjs's (outHeight, outWidth) as text for each (kind, i, k, s, d, pad); ("throws", why)
    where it throws."""
    tfjs_core()
    script = workdir / "tfjs.mjs"
    script.write_text(SCRIPT % json.dumps(str(NODE_MODULES) + "/"), encoding="utf-8")
    done = subprocess.run([node(), str(script)], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out: list[list[str]] = json.loads(done.stdout)
    assert len(out) == len(payload)
    return out


def _tensorflow(fname: str, args: tuple[int, ...]) -> int | None:
    """The proved TensorFlow rule's answer; None where TensorFlow refuses."""
    try:
        got = getattr(load_frameworkshape(), fname)(*args)
    except ValueError:
        return None
    assert isinstance(got, int)
    return got


def _predicted_departure(fname: str, args: tuple[int, ...], pad: Any,
                         ikds: tuple[int, ...]) -> int | None:
    """What tfjs answers where the formula says it departs from TensorFlow (None: it agrees).

    VALID: tfjs computes ceil((i - k^ + 1) / s) (k^ = d(k - 1) + 1), TensorFlow
    (i - k^ + s) / s truncated, refused below 0. With the window longer than the input by
    u = k^ - i, they agree for u <= s; for s < u < 2s TensorFlow gives 0 and tfjs -1; from
    u >= 2s TensorFlow refuses and tfjs returns ceil((1 - u) / s) < 0.
    Explicit pads (a number or per-side): tfjs computes trunc((i - k^ + p_b + p_e) / s + 1),
    which is TensorFlow's size; where that is negative TensorFlow refuses and tfjs returns it.
    SAME: ceil(i / s) in both, never a departure."""
    i, k, s, d = ikds
    u = d * (k - 1) + 1 - i
    if pad == "valid":
        if u <= s:
            return None
        return -1 if u < 2 * s else -((u - 1) // s)
    if pad == "same":
        return None
    pb, pe = args[3], args[4]
    size = math.trunc((i - (d * (k - 1) + 1) + pb + pe) / s + 1)
    return size if size < 0 else None


@pytest.mark.slow
def test_tfjs_departs_from_tensorflow_exactly_where_the_formula_says(tmp_path: Path) -> None:
    cases = _cases()
    got = _tfjs([(kind, *ikds, pad) for kind, _, _, pad, ikds in cases], tmp_path)
    agree = departed = 0
    kinds: set[tuple[str, str]] = set()
    for (_, fname, args, pad, ikds), (height, width) in zip(cases, got, strict=True):
        assert height == width or (height == "-0" and width == "0")
        want = _tensorflow(fname, args)
        predicted = _predicted_departure(fname, args, pad, ikds)
        if predicted is None:
            # -0: tfjs truncates a negative fraction (trunc(-0.5) is -0), a size of 0 all the same
            assert want is not None, (fname, args)
            assert int(height.replace("-0", "0")) == want, (fname, args, height, want)
            agree += 1
        else:
            assert int(height) == predicted, (fname, args, height, predicted)
            assert want != predicted, (fname, args)
            assert want is None or want == 0, (fname, args, want)
            kinds.add((fname, "refuses" if want is None else "0"))
            departed += 1
    assert agree > 10_000
    assert departed > 500
    # every way of departing occurs on the grid, none on SAME
    assert kinds == {("tf_conv_valid", "0"), ("tf_conv_valid", "refuses"),
                     ("tf_max_pool_valid", "0"), ("tf_max_pool_valid", "refuses"),
                     ("tf_avg_pool_valid", "0"), ("tf_avg_pool_valid", "refuses"),
                     ("tf_conv_explicit", "refuses")}


def test_the_departure_formula_is_not_vacuous() -> None:
    """Where the window fits, tfjs's VALID formula is TensorFlow's (the formula predicts no
    departure there), and where it overshoots by s + 1 it predicts one."""
    for i, k, s in itertools.product(range(1, 30), range(1, 8), range(1, 6)):
        pred = _predicted_departure("tf_conv_valid", (i, k, s, 1), "valid", (i, k, s, 1))
        assert (pred is None) == (k - i <= s)
        if k <= i:
            assert math.ceil((i - k + 1) / s) == _tensorflow("tf_conv_valid", (i, k, s, 1))


@pytest.mark.slow
def test_tfjs_rounds_large_explicit_padding_in_doubles(tmp_path: Path) -> None:
    """With explicit pads, i + p_b + p_e - k^ can pass 2**53, and tfjs computes it, its quotient
    and the + 1 in doubles: its answer is exactly Python's float evaluation of its formula, and
    that departs from TensorFlow's exact size (int64 arithmetic) wherever a rounding bites."""
    rng = random.Random(527)
    cases: list[tuple[int, int, int, int, int]] = []
    for _ in range(3000):
        i = rng.choice([rng.randint(1, MAX), rng.randint(2**52, MAX)])
        k = rng.choice([1, 2, 3, rng.randint(1, 64)])
        s = rng.choice([1, 2, 3, 7, rng.randint(1, 2**20)])
        pb = rng.choice([0, 1, rng.randint(0, MAX)])
        pe = rng.choice([0, 1, rng.randint(0, MAX)])
        cases.append((i, k, s, pb, pe))
    pads = [[[0, 0], [pb, pe], [pb, pe], [0, 0]] for _, _, _, pb, pe in cases]
    got = _tfjs([("conv", i, k, s, 1, pad) for (i, k, s, _, _), pad in zip(cases, pads,
                                                                            strict=True)],
                tmp_path)
    departed = 0
    for (i, k, s, pb, pe), (height, _) in zip(cases, got, strict=True):
        # tfjs's formula in its order of operations, each one in doubles (Python's float)
        doubles = math.trunc((((float(i) - k) + pb) + pe) / s + 1)
        assert float(height) == doubles, (i, k, s, pb, pe, height)
        exact = _tensorflow("tf_conv_explicit", (i, k, s, pb, pe, 1))
        assert exact == (i - k + pb + pe + s) // s
        if doubles != exact:
            departed += 1
    assert departed > 100
    # one pinned: 2**53 - 1 padded by 2 with a 1-wide kernel is 2**53 + 1 wide, but doubles
    # have no 2**53 + 1: tfjs says 2**53
    (height, _), = _tfjs([("conv", MAX, 1, 1, 1, [[0, 0], [1, 1], [1, 1], [0, 0]])], tmp_path)
    assert int(height) == 2**53
    assert _tensorflow("tf_conv_explicit", (MAX, 1, 1, 1, 1, 1)) == 2**53 + 1


@pytest.mark.slow
def test_tfjs_answers_where_tensorflow_refuses_the_parameters(tmp_path: Path) -> None:
    """tfjs's shape functions check no parameter: stride 0 gives Infinity, a negative stride a
    negative size, dilation 0 is taken as 1, a kernel of 0 widens the output. TensorFlow refuses
    each (our functions throw ShapeError there, proved)."""
    payload = [("conv", 5, 3, 0, 1, "valid"), ("conv", 5, 3, 0, 1, "same"),
               ("conv", 5, 3, -1, 1, "valid"), ("conv", 5, 3, 1, 0, "valid"),
               ("conv", 5, 0, 1, 1, "valid")]
    got = [h for h, _ in _tfjs(payload, tmp_path)]
    assert got == ["Infinity", "Infinity", "-3", "3", "6"]
    for args in [(5, 3, 0, 1), (5, 3, -1, 1), (5, 3, 1, 0), (5, 0, 1, 1)]:
        assert _tensorflow("tf_conv_valid", args) is None
