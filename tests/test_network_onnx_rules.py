"""Why the ONNX front-end uses the ``onnx.*`` rules (the spec, as the reference evaluator runs
it) and not ``onnx.infer.*`` (shape inference): onnxruntime, the runtime users hit, computes the
``onnx.*`` sizes for convolution and pooling with explicit pads at opsets 17 and 22 (ceil mode
included), while shape inference below opset 22 does not.

Every point of an exhaustive small grid is compared; the only departures allowed are the
documented ones, each checked to be exactly what it says:

- onnxruntime refuses a pooling pad >= the kernel ("Pad should be smaller than kernel"), which
  the spec allows (PyTorch exports never have one: it requires pad <= k/2);
- where the rule gives 0 (an empty output), onnxruntime refuses a convolution and returns an
  empty tensor from a pool: the network evaluation counts both as refused (not in V), and names
  the node where onnxruntime's run then fails (``symconv.network.ortrun``,
  tests/test_network_onnx_runtime.py);
- a floor-mode pooling window that does not fit the padded input: the spec refuses,
  onnxruntime answers 1 (``ort_pool_deviation`` in the network tests).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import pytest

from symconv.frameworks import compiled, get
from symconv.frameworks.base import Refused

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
np = pytest.importorskip("numpy")
from onnx import TensorProto, helper  # noqa: E402

SIZES, K, S, D = range(1, 9), range(1, 4), range(1, 4), range(1, 3)
PADS = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 1), (1, 3)]


def session(op: str, k: int, opset: int, attrs: dict[str, Any]) -> Any:
    """An onnxruntime session, or its refusal to make one (a message)."""
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, "L"])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)
    inputs, inits = ["X"], []
    if op == "Conv":
        inits = [helper.make_tensor("W", TensorProto.FLOAT, [1, 1, k], np.ones(k, np.float32))]
        inputs.append("W")
    else:
        attrs = {**attrs, "kernel_shape": [k]}
    g = helper.make_graph([helper.make_node(op, inputs, ["Y"], **attrs)], "g", [x], [y],
                          initializer=inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)
    ort.set_default_logger_severity(4)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    try:
        return ort.InferenceSession(model.SerializeToString(), options,
                                    providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime checks some attributes when it builds the kernel
        return str(exc)


def run(sess: Any, i: int) -> int | str:
    if isinstance(sess, str):
        return sess
    try:
        return int(sess.run(None, {"X": np.ones((1, 1, i), np.float32)})[0].shape[-1])
    except Exception as exc:  # onnxruntime's Fail / InvalidArgument
        return str(exc)


def classify(op: str, ceil: bool, env: dict[str, int], rule: int | Refused,
             got: int | str) -> str:
    if isinstance(got, int) and got == rule:
        return "agree"
    if isinstance(got, str):
        if "Pad should be smaller than kernel" in got and op != "Conv":
            assert max(env["p_begin"], env["p_end"]) >= env["k"], (env, got)
            return "ort refuses pad >= kernel"
        if rule == 0 or isinstance(rule, Refused):
            return "both refuse or empty"
        return f"ort refuses where the rule gives {rule}: {got}"
    if got == 0 and (rule == 0 or isinstance(rule, Refused)):
        return "both refuse or empty"
    k_eff = env["d"] * (env["k"] - 1) + 1
    if (not ceil and op != "Conv" and isinstance(rule, Refused) and got == 1
            and env["i"] + env["p_begin"] + env["p_end"] < k_eff):
        return "window does not fit: ort answers 1"
    return f"ort {got} vs rule {rule}"


@cache
def _verdict(rid: str) -> Callable[[Mapping[str, int]], int | Refused]:
    """The rule's verdict compiled to plain Python (``Rule.verdict``'s semantics; SymPy's
    substitution at each of the grid's points took most of this test's time)."""
    return compiled.verdict(get(rid))


@pytest.mark.parametrize("opset", [17, 22])
def test_onnxruntime_computes_the_onnx_rules(opset: int) -> None:
    seen: dict[str, int] = {}
    infer_differs = 0
    for k, s, d, (pb, pe) in itertools.product(K, S, D, PADS):
        base = {"strides": [s], "pads": [pb, pe], "dilations": [d]}
        # opset 22 changed only ceil-mode pooling (in shape inference): the rest once, at 17
        cases = [("Conv", "conv", False, base)] if opset < 22 else []
        for ceil in (False, True) if opset < 22 else (True,):
            cases.append(("MaxPool", "max_pool", ceil, {**base, "ceil_mode": int(ceil)}))
            if d == 1 or opset >= 19:  # AveragePool has dilations since opset 19
                avg = {**base, "ceil_mode": int(ceil)}
                if d == 1:
                    del avg["dilations"]
                cases.append(("AveragePool", "avg_pool", ceil, avg))
        for op, family, ceil, attrs in cases:
            sess = session(op, k, opset, attrs)
            rid = f"onnx.{family}" + (".ceil" if ceil else "")
            infer = _verdict(f"onnx.infer.{family}.ceil" + (".opset19" if opset < 22 else "")
                             if ceil else f"onnx.infer.{family}")
            for i in SIZES:
                env = {"i": i, "k": k, "s": s, "d": d, "p_begin": pb, "p_end": pe}
                rule, got = _verdict(rid)(env), run(sess, i)
                verdict = classify(op, ceil, env, rule, got)
                seen[verdict] = seen.get(verdict, 0) + 1
                if ceil and isinstance(got, int) and got >= 1 and infer(env) != got:
                    infer_differs += 1
    allowed = {"agree", "ort refuses pad >= kernel", "both refuse or empty",
               "window does not fit: ort answers 1"}
    assert set(seen) <= allowed, {v: n for v, n in seen.items() if v not in allowed}
    assert seen["agree"] > (2_000 if opset < 22 else 800)
    # shape inference's ceil rule at opset < 22 is not what the runtime computes
    assert (infer_differs > 0) == (opset < 22), infer_differs
