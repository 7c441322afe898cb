"""Conformance of the TensorFlow and Keras rules against real TensorFlow and its Keras (skipped
when tensorflow is absent; `.ci/run` installs 2.21.0). TensorFlow answers in a child process
(``tests/tf_runner.py``) with its reference CPU kernels; every size and every refusal is
compared, and where TensorFlow departs from the kernels' rules (graph shape inference, the
reference transposed kernel) the test pins down exactly where."""

from __future__ import annotations

import importlib.util
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from symconv.frameworks import get
from symconv.frameworks.base import Refused
from symconv.frameworks.compiled import expr, verdict
from symconv.frameworks.tf import DILATED_STRIDE, NEGATIVE, OUTPUT_PADDING

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None,
                       reason="tensorflow is not installed"),
    pytest.mark.slow,
]

RUNNER = Path(__file__).with_name("tf_runner.py")
Query = dict[str, Any]


def ask(queries: list[Query]) -> list[dict[str, Any]]:
    run = subprocess.run([sys.executable, str(RUNNER)], input=json.dumps(queries),
                         capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    answers: list[dict[str, Any]] = json.loads(run.stdout)
    assert len(answers) == len(queries)
    return answers


def same(expected: int | Refused, got: dict[str, Any]) -> bool:
    if isinstance(expected, Refused):
        return expected.message in got.get("refused", "")
    return got == {"size": expected}


def _windowed(what: str, sizes: range, kernels: range, strides: range, dilations: range,
              pads: range) -> list[tuple[str, dict[str, int], Query]]:
    """(rule id, its env, the query) for every windowed rule on the grid."""
    cases: list[tuple[str, dict[str, int], Query]] = []
    for i, k, s in itertools.product(sizes, kernels, strides):
        for d in dilations:
            env = {"i": i, "k": k, "s": s, "d": d}
            for mode in ("valid", "same"):
                cases.append((f"tf.conv.{mode}", env, {"what": what, "op": "conv", **env,
                                                       "padding": mode.upper()}))
            for lo, hi in itertools.product(pads, pads):
                cases.append(("tf.conv.explicit", {**env, "p_begin": lo, "p_end": hi},
                              {"what": what, "op": "conv", **env, "padding": [lo, hi]}))
        for op, mode in itertools.product(("max_pool", "avg_pool"), ("valid", "same")):
            env = {"i": i, "k": k, "s": s}
            cases.append((f"tf.{op}.{mode}", env, {"what": what, "op": op, **env, "d": 1,
                                                   "padding": mode.upper()}))
    return cases


def test_windowed_ops_run_as_the_rules_say() -> None:
    cases = _windowed("eager", range(1, 10), range(1, 6), range(1, 5), range(1, 4), range(4))
    refused: set[str] = set()
    for (rid, env, _), got in zip(cases, ask([q for _, _, q in cases]), strict=True):
        expected = verdict(get(rid))(env)
        assert same(expected, got), (rid, env, expected, got)
        if isinstance(expected, Refused):
            refused.add(rid)
    assert len(cases) > 9000
    # every rule that refuses a negative size (VALID and explicit; SAME never does) reached it
    assert refused == {c[0] for c in cases if get(c[0]).refusals}
    assert {r.message for c in cases for r in get(c[0]).refusals} == {NEGATIVE}


def test_same_padding_puts_the_odd_pad_at_the_end() -> None:
    rule, queries = get("tf.conv.same"), []
    for i, k, s, d in itertools.product(range(1, 10), range(1, 6), range(1, 4), range(1, 3)):
        env = {"i": i, "k": k, "s": s, "d": d}
        pads = {side: expr(rule.extras[side])(env) for side in ("p_begin", "p_end")}
        queries.append({"what": "same_pads", **env, **pads})
    # an equal result from the explicit pads the rule gives, on inputs whose values all differ
    assert ask(queries) == [{"size": 1}] * len(queries)
    # and the check can fail: the pads swapped give another result where they differ
    swapped = [dict(q, p_begin=q["p_end"], p_end=q["p_begin"]) for q in queries
               if q["p_begin"] != q["p_end"]]
    assert swapped
    assert ask(swapped) == [{"size": 0}] * len(swapped)


def test_graph_shape_inference_refuses_exactly_where_the_window_does_not_fit() -> None:
    cases = _windowed("graph", range(1, 8), range(1, 5), range(1, 4), range(1, 3), range(3))
    departures = 0
    for (rid, env, _), got in zip(cases, ask([q for _, _, q in cases]), strict=True):
        padded = env["i"] + env.get("p_begin", 0) + env.get("p_end", 0)
        window = env.get("d", 1) * (env["k"] - 1) + 1
        if rid.endswith(".same") or padded >= window:
            assert same(verdict(get(rid))(env), got), (rid, env, got)
        else:  # the kernels give 0 or refuse a negative size; graphs refuse it all
            assert "Negative dimension size caused by subtracting" in got.get("refused", ""), (
                rid, env, got)
            departures += 1
    assert departures > 100


def test_keras_layers_follow_the_keras_rules() -> None:
    cases = [(rid.replace("tf.", "keras.", 1), env,
              dict(q, what="keras_layer", padding=q["padding"].lower()))
             for rid, env, q in _windowed("graph", range(1, 10), range(1, 6), range(1, 5),
                                          range(1, 4), range(0))]
    refusals: set[str] = set()
    for (rid, env, _), got in zip(cases, ask([q for _, _, q in cases]), strict=True):
        expected = verdict(get(rid))(env)
        assert same(expected, got), (rid, env, expected, got)
        if isinstance(expected, Refused):
            refusals.add(expected.message)
    assert refusals == {r.message for c in cases for r in get(c[0]).refusals}
    assert len(refusals) == 2


def test_keras_add_broadcasts_as_keras_networks_do() -> None:
    from symconv.network import semantics
    from symconv.network import terms as T

    pairs = list(itertools.product(range(1, 5), repeat=2))
    answers = ask([{"what": "keras_add", "i": i, "j": j} for i, j in pairs])
    for (i, j), got in zip(pairs, answers, strict=True):
        out, checks = semantics.elementwise("keras", [T.const(i), T.const(j)])
        if all(T.holds(c.cond, {}) for c in checks):
            assert got == {"size": T.value(out, {})}, (i, j, got)
        else:
            assert "incompatible shapes" in got.get("refused", ""), (i, j, got)


def _transposed() -> list[tuple[str, dict[str, int], Query]]:
    cases: list[tuple[str, dict[str, int], Query]] = []
    for i, k, s, d in itertools.product(range(1, 7), range(1, 5), range(1, 4), range(1, 3)):
        env = {"i": i, "k": k, "s": s, "d": d}
        for mode, a in itertools.product(("same", "valid"), (None, 0, 1, 2, 3)):
            rid = f"tf.conv_transpose.{mode}" + ("" if a is None else ".output_padding")
            cases.append((rid, env if a is None else {**env, "a": a},
                          {**env, "padding": mode, "a": a}))
    return cases


def test_keras_conv_transpose_shapes() -> None:
    cases = _transposed()
    refusals: set[str] = set()
    answers = ask([{"what": "keras_shape", **q} for _, _, q in cases])
    for (rid, env, _), got in zip(cases, answers, strict=True):
        expected = verdict(get(rid))(env)
        assert same(expected, got), (rid, env, expected, got)
        if isinstance(expected, Refused):
            refusals.add(expected.message)
    assert refusals == {DILATED_STRIDE, OUTPUT_PADDING}


def test_keras_conv_transpose_runs_as_shaped_except_two_cases() -> None:
    cases = _transposed()
    answers = ask([{"what": "keras_call", **q} for _, _, q in cases])
    departures = {"dilated": 0, "even same": 0}
    for (rid, env, _), got in zip(cases, answers, strict=True):
        expected = verdict(get(rid))(env)
        # 'same' with output_padding=0 and an even k̂ is shaped (i − 1)s, but the forward conv
        # of that size with SAME padding has i − 1 outputs, not i: running it is refused
        even_same = (rid == "tf.conv_transpose.same.output_padding" and env["a"] == 0
                     and env["k"] % 2 == 0)
        if isinstance(expected, Refused) or (env["d"] == 1 and not even_same):
            assert same(expected, got), (rid, env, expected, got)
        elif env["d"] > 1:  # the reference CPU kernel (Conv2DBackpropInput) has no dilation
            assert "do not yet support dilation rates larger than 1" in got["refused"], got
            departures["dilated"] += 1
        else:
            assert "Size of out_backprop doesn't match computed" in got["refused"], got
            departures["even same"] += 1
    assert min(departures.values()) > 0
