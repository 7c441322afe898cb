"""The refusing layer of an ONNX model is the node onnxruntime fails at (symconv.network.ortrun).

Each model is run in onnxruntime at every size of a grid: where onnxruntime raises, its message
names the node ("Name:'fc'"), and symconv must name the same node. Where it runs, the model is
run again with every node's output exposed as a graph output, for the sizes of each (not the
model whose failures count: an exposed Identity is not removed, which changes the order);
where it runs through an empty tensor, symconv must name the first node whose output is empty
and say that onnxruntime does not refuse (the size stays invalid: V is the spec's); where it
answers a pool the spec refuses (a floor-mode window that does not fit: C++ truncation),
symconv says so. Zero mismatches."""

from __future__ import annotations

import itertools
import json
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from symconv.cli import main
from symconv.network_api import network_of

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
np = pytest.importorskip("numpy")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

C = 2
GRID = list(itertools.product(range(1, 11), range(1, 8)))


def model(nodes: list[Any], inits: dict[str, Any] | None = None, opset: int = 17,
          expose: bool = False) -> Any:
    """A graph on x (1, C, H, W) with output y; ``expose``: every node's outputs too."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C, "H", "W"])
    names = [o for n in nodes for o in n.output] if expose else ["y"]
    ys = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in names]
    tensors = [numpy_helper.from_array(np.asarray(v), k) for k, v in (inits or {}).items()]
    g = helper.make_graph(nodes, "g", [x], ys, initializer=tensors)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


_WORKER = """
import json, sys
import numpy as np, onnxruntime as ort
ort.set_default_logger_severity(4)
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
plain, exposed = (ort.InferenceSession(p, options, providers=["CPUExecutionProvider"])
                  for p in sys.argv[1:3])
names = [o.name for o in exposed.get_outputs()]
for line in sys.stdin:
    h, w = json.loads(line)
    x = {"x": np.ones((1, int(sys.argv[3]), h, w), np.float32)}
    try:
        plain.run(None, x)
    except Exception as exc:
        print(json.dumps({"raised": str(exc).splitlines()[0]}), flush=True)
        continue
    outs = exposed.run(None, x)
    print(json.dumps({"shapes": [[n, list(o.shape)] for n, o in zip(names, outs)]}), flush=True)
"""


def ort_runs(plain: str, exposed: str, points: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """onnxruntime at each point: the model as it is (where it raises, and where its run
    order and eliminations are its own), and, where that runs, the model with every node's
    output exposed, for the sizes of each; in a child process restarted after a crash (a
    crash is ``{"crashed": exit code}``)."""
    out: list[dict[str, Any]] = []
    while len(out) < len(points):
        pending = points[len(out):]
        proc = subprocess.run([sys.executable, "-c", _WORKER, plain, exposed, str(C)],
                              check=False, input="".join(json.dumps(p) + "\n" for p in pending),
                              capture_output=True, text=True, timeout=600)
        out += [json.loads(line) for line in proc.stdout.splitlines()]
        if len(out) < len(points):
            assert proc.returncode < 0, proc.stderr[-2000:]  # killed by a signal
            out.append({"crashed": proc.returncode})
    return out


def expected(run: dict[str, Any], nodes: list[Any]) -> tuple[str, str]:
    """("raises", node) / ("empty", first node with an empty output) / ("ok", "")."""
    if "crashed" in run:
        return "crashes", ""
    if "raised" in run:
        found = re.search(r"Name:'([^']*)'", run["raised"])
        assert found, run["raised"]
        return "raises", found.group(1)
    shapes = dict(run["shapes"])
    for node in nodes:
        if any(0 in shapes[o] for o in node.output):
            return "empty", node.name
    return "ok", ""


def mismatches(nodes: list[Any], inits: dict[str, Any], tmp_path: Path, opset: int = 17
               ) -> tuple[list[Any], dict[str, int]]:
    plain, exposed = tmp_path / "m.onnx", tmp_path / "exposed.onnx"
    onnx.save(model(nodes, inits, opset), str(plain))
    onnx.save(model(nodes, inits, opset, expose=True), str(exposed))
    net = network_of(str(plain))
    # the front-end's run order is a complete topological order (else the replay falls back)
    network = net.study.analysis.network
    done: set[str] = set()
    for name in network.run_order:
        assert set(network.node(name).inputs) <= done, (name, network.run_order)
        done.add(name)
    assert done == {n.name for n in network.nodes}
    ops = {n.name: n.op_type for n in nodes}
    bad, seen = [], {}
    for point, run in zip(GRID, ort_runs(str(plain), str(exposed), GRID), strict=True):
        what, node = expected(run, nodes)
        got = net.answer(point)
        layer, message = got.refused_by or ("", "")
        layer = layer.split("#")[0]
        if what == "ok" and got.valid:
            kind = "valid"
        elif what == "empty" and got.valid and ops.get(node) in ("Slice", "Pad"):
            # V counts a slice or pad to 0 as valid: nothing refuses it, in ONNX or PyTorch
            # (tests/test_network_analysis.py); only a window's or resize's output must be >= 1
            kind = "valid, an empty slice or pad"
        elif (what == "ok" and "where the spec refuses" in message
              and "onnxruntime does not refuse" in message):
            kind = "departure"  # a pool onnxruntime answers (truncation), symconv refuses
        elif (what == "crashes" and not got.valid and "crashes here" in message
              and ops.get(layer) == "InstanceNormalization"):
            kind = "crashes"
        elif what == "crashes" and not got.valid:
            # no node to compare with: a pool of negative size before a Slice aborts
            # onnxruntime 1.32 in std::clamp (symconv names the pool)
            kind = "crashes, not compared"
        elif what == "raises" and not got.valid and layer == node:
            kind = "raises" + (" after an empty tensor" if "returns an empty tensor" in message
                               else " after a departure" if "where the spec refuses" in message
                               else "")
        elif (what == "empty" and not got.valid and layer == node
              and "onnxruntime does not refuse" in message):
            kind = "runs through an empty tensor"
        else:
            kind = "mismatch"
            bad.append((point, what, node, got.refused_by))
        seen[kind] = seen.get(kind, 0) + 1
    return bad, seen


def node(op: str, ins: list[str], out: str, name: str, **attrs: Any) -> Any:
    return helper.make_node(op, ins, [out], name=name, **attrs)


def ones(*shape: int) -> Any:
    return np.ones(shape, np.float32)


def pool(out: str = "p", op: str = "MaxPool", k: int = 3, s: int = 2, **attrs: Any) -> Any:
    return node(op, ["x"], out, "pool1", kernel_shape=[k, k], strides=[s, s], **attrs)


GEMM = [node("Flatten", ["p"], "f", "flat"), node("Gemm", ["f", "w"], "y", "fc")]

CASES: dict[str, tuple[list[Any], dict[str, Any], set[str]]] = {
    # the case: the pool's empty output runs, the Gemm after it fails
    "maxpool-flatten-gemm": ([pool(), *GEMM], {"w": ones(C * 4, 3)},
                             {"raises after an empty tensor", "departure"}),
    "maxpool-conv": ([pool(), node("Conv", ["p", "w"], "y", "conv", kernel_shape=[2, 2])],
                     {"w": ones(3, C, 2, 2)}, {"raises after an empty tensor", "raises"}),
    # a padded Conv runs on an empty input and gives a non-empty tensor
    "maxpool-padded-conv-gemm": (
        [pool(), node("Conv", ["p", "w"], "c", "conv", kernel_shape=[1, 1], pads=[1, 1, 1, 1]),
         node("Flatten", ["c"], "f", "flat"), node("Gemm", ["f", "v"], "y", "fc")],
        {"w": ones(3, C, 1, 1), "v": ones(3 * 2 * 3, 2)},
        {"raises after an empty tensor", "runs through an empty tensor"}),
    "maxpool-gap-gemm": ([pool(), node("GlobalAveragePool", ["p"], "g", "gap"),
                          node("Flatten", ["g"], "f", "flat"),
                          node("Gemm", ["f", "w"], "y", "fc")], {"w": ones(C, 3)},
                         {"raises after an empty tensor"}),
    "avgpool-gemm": ([pool(op="AveragePool", k=3, s=2), *GEMM], {"w": ones(C * 4, 3)},
                     {"raises after an empty tensor", "raises after a departure", "raises"}),
    "ceil-avgpool-maxpool": (
        [pool("q", op="AveragePool", k=3, s=2, ceil_mode=1),
         node("MaxPool", ["q"], "p", "pool2", kernel_shape=[2, 2], strides=[2, 2]), *GEMM],
        {"w": ones(C * 4, 3)}, {"raises after an empty tensor", "raises"}),
    # a ReduceMean of an empty tensor is NaN of size 1: onnxruntime runs the model through
    "ceil-maxpool-reducemean-gemm": (
        [pool(ceil_mode=1), node("ReduceMean", ["p", "axes"], "r", "mean", keepdims=1),
         node("Flatten", ["r"], "f", "flat"), node("Gemm", ["f", "w"], "y", "fc")],
        {"axes": np.array([2, 3], np.int64), "w": ones(C, 3)},
        {"runs through an empty tensor"}),
    "maxpool-relu-output": ([pool(), node("Relu", ["p"], "y", "relu")], {},
                            {"runs through an empty tensor"}),
    # Concat leaves an empty input out
    "concat-of-two-pools": (
        [pool("a"), node("MaxPool", ["x"], "b", "pool2", kernel_shape=[2, 2], strides=[2, 2]),
         node("Concat", ["a", "b"], "y", "cat", axis=1)], {},
        {"raises", "runs through an empty tensor"}),
    "maxpool-add-input-pool": (
        [pool("a"), node("MaxPool", ["x"], "b", "pool2", kernel_shape=[3, 3], strides=[1, 1]),
         node("Add", ["a", "b"], "y", "add")], {}, {"raises", "runs through an empty tensor"}),
    "maxpool-resize-conv": (
        [pool(), node("Resize", ["p", "", "sc"], "r", "up", mode="nearest"),
         node("Conv", ["r", "w"], "y", "conv", kernel_shape=[3, 3])],
        {"sc": np.array([1, 1, 2, 2], np.float32), "w": ones(3, C, 3, 3)},
        {"raises after an empty tensor", "raises"}),
    # onnxruntime runs the branch later in the file first: its node is the one that fails
    "two-branches-after-an-empty-pool": (
        [pool(), node("Conv", ["p", "w"], "a", "conv", kernel_shape=[1, 1]),
         node("AveragePool", ["p"], "b", "avg", kernel_shape=[1, 1]),
         node("Concat", ["a", "b"], "y", "cat", axis=1)], {"w": ones(3, C, 1, 1)},
        {"raises after an empty tensor", "valid"}),
    "two-branches-the-first-in-the-file-later": (
        [pool(), node("AveragePool", ["p"], "b", "avg", kernel_shape=[1, 1]),
         node("Conv", ["p", "w"], "a", "conv", kernel_shape=[1, 1]),
         node("Concat", ["a", "b"], "y", "cat", axis=1)], {"w": ones(3, C, 1, 1)},
        {"raises after an empty tensor", "valid"}),
    # onnxruntime removes the Identity before it runs: the Concat's inputs are then the Conv
    # and the AveragePool, and the AveragePool (later in the file) runs first
    "a removed identity": (
        [pool(), node("Conv", ["p", "w"], "a", "conv", kernel_shape=[1, 1]),
         node("AveragePool", ["p"], "b", "avg", kernel_shape=[1, 1]),
         node("Identity", ["a"], "ia", "id"), node("Concat", ["ia", "b"], "y", "cat", axis=1)],
        {"w": ones(3, C, 1, 1)}, {"raises after an empty tensor", "valid"}),
    # and fuses a BatchNormalization into the Conv before it
    "a fused batch norm": (
        [pool(), node("Conv", ["p", "w"], "a", "conv", kernel_shape=[1, 1]),
         node("AveragePool", ["p"], "b", "avg", kernel_shape=[1, 1]),
         node("BatchNormalization", ["a", "s", "o", "m", "v"], "na", "bn"),
         node("Concat", ["na", "b"], "y", "cat", axis=1)],
        {"w": ones(3, C, 1, 1), "s": ones(3), "o": ones(3), "m": ones(3), "v": ones(3)},
        {"raises after an empty tensor", "valid"}),
    # onnxruntime 1.32 dies of SIGSEGV there: symconv names the node and says so
    "maxpool-instancenorm": (
        [pool(), node("InstanceNormalization", ["p", "sc", "b"], "y", "norm")],
        {"sc": ones(C), "b": ones(C)}, {"crashes", "valid"}),
    "maxpool-pads": (
        [pool(), node("Pad", ["p", "pp"], "q", "pad", mode="constant"),
         node("Pad", ["q", "pr"], "y", "padr", mode="reflect")],
        {"pp": np.array([0, 0, 1, 0, 0, 0, 1, 0], np.int64),
         "pr": np.array([0, 0, 0, 1, 0, 0, 0, 1], np.int64)},
        {"raises after an empty tensor", "raises", "runs through an empty tensor"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_refusing_node_is_the_one_onnxruntime_fails_at(name: str, tmp_path: Path) -> None:
    nodes, inits, kinds = CASES[name]
    bad, seen = mismatches(nodes, inits, tmp_path, opset=18)
    assert not bad, bad[:5]
    # each model reaches the behaviours it is built for
    assert kinds <= set(seen), seen


def test_json_and_why_name_the_gemm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "m.onnx")
    onnx.save(model([pool(), *GEMM], {"w": ones(C * 4, 3)}), path)
    assert main(["network", path, "--sizes", "1..5", "--json"]) == 0
    rows = {row["size"]: row for row in json.loads(capsys.readouterr().out)}
    # H = W = 1: the pool's output is 1 - 3 // 2 + 1 = 0 both ways: an empty tensor, then fc
    assert rows[1]["refused_by"]["layer"] == "fc"
    message = rows[1]["refused_by"]["message"]
    assert "its input is empty: MaxPool 'pool1' gives size 0 on H, W at H = 1, W = 1" in message
    assert "onnxruntime returns an empty tensor there" in message
    # H = W = 2: the window does not fit, onnxruntime truncates to 1 and the Gemm gets 2 features
    assert rows[2]["refused_by"]["layer"] == "fc"
    assert "MaxPool 'pool1' gives size 1 where the spec refuses" in rows[2]["refused_by"]["message"]
    assert rows[5]["valid"]
    assert main(["network", path, "--why", "1"]) == 0
    assert "layer fc refuses it" in capsys.readouterr().out


def test_a_run_through_an_empty_tensor_is_still_not_valid(tmp_path: Path) -> None:
    path = str(tmp_path / "m.onnx")
    onnx.save(model([pool(), node("Relu", ["p"], "y", "relu")]), path)
    net = network_of(path)
    got = net.answer(1)
    assert not got.valid
    assert got.refused_by is not None
    assert got.refused_by[0] == "pool1"
    assert "onnxruntime does not refuse" in got.refused_by[1]
    assert "to an empty output" in got.refused_by[1]
    assert 1 not in net
    assert 3 in net


def random_chain(rng: random.Random) -> tuple[list[Any], dict[str, Any]]:
    """2 to 4 size-changing or size-keeping ops on x, often ending in Flatten -> Gemm (a
    feature count that some sizes meet)."""
    nodes: list[Any] = []
    inits: dict[str, Any] = {}
    cur, channels = "x", C
    for j in range(rng.randint(2, 4)):
        out, name = f"t{j}", f"n{j}"
        ops = ["MaxPool", "AveragePool", "Conv", "ConvTranspose", "Relu", "Resize", "Pad",
               "Slice", "ReduceMean", "GlobalAveragePool", "Branches", "Branches"]
        if any(n.op_type in ("ReduceMean", "GlobalAveragePool") for n in nodes):
            # constant sizes from here: shape inference would check the merge at load time
            ops = ops[:-2]
        op = rng.choice(ops)
        k, s = rng.randint(1, 3), rng.randint(1, 3)
        if op in ("MaxPool", "AveragePool"):
            k = max(k, 2)
            pad = rng.randint(0, 1)
            nodes.append(node(op, [cur], out, name, kernel_shape=[k, k], strides=[s, s],
                              pads=[pad, 0, 0, pad], ceil_mode=rng.randint(0, 1)))
        elif op == "Conv":
            pad = rng.randint(0, 1)
            inits[f"w{j}"] = ones(3, channels, k, k)
            nodes.append(node(op, [cur, f"w{j}"], out, name, kernel_shape=[k, k],
                              strides=[s, s], pads=[pad, pad, 0, pad]))
            channels = 3
        elif op == "ConvTranspose":
            s = min(s, 2)
            inits[f"w{j}"] = ones(channels, 2, k, k)
            a = rng.randint(0, s - 1)
            nodes.append(node(op, [cur, f"w{j}"], out, name, kernel_shape=[k, k],
                              strides=[s, s], pads=[rng.randint(0, 1), 0, 0, 0],
                              output_padding=[a, 0]))
            channels = 2
        elif op == "Resize":
            inits[f"sc{j}"] = np.array([1, 1, 2, 1], np.float32)
            nodes.append(node(op, [cur, "", f"sc{j}"], out, name, mode="nearest"))
        elif op == "Pad":
            inits[f"pp{j}"] = np.array([0, 0, 0, 1, 0, 0, 0, 1], np.int64)
            nodes.append(node(op, [cur, f"pp{j}"], out, name,
                              mode=rng.choice(["constant", "reflect"])))
        elif op == "Slice":
            for key, value in (("st", 1), ("en", 1 << 40), ("ax", 2)):
                inits[f"{key}{j}"] = np.array([value], np.int64)
            nodes.append(node(op, [cur, f"st{j}", f"en{j}", f"ax{j}"], out, name))
        elif op == "Branches":
            # two branches merged: onnxruntime runs the later one in the file first
            first, second = (node("MaxPool", [cur], f"{out}a", f"{name}a", kernel_shape=[k, k],
                                  strides=[s, s]),
                             node("AveragePool", [cur], f"{out}b", f"{name}b",
                                  kernel_shape=[2, 2], strides=[2, 2]))
            pair = [first, second] if rng.random() < 0.5 else [second, first]
            if rng.random() < 0.5:
                merge = node("Concat", [f"{out}a", f"{out}b"], out, name, axis=1)
                channels *= 2
            else:
                merge = node("Add", [f"{out}a", f"{out}b"], out, name)
            nodes += [*pair, merge]
        elif op == "ReduceMean":
            inits[f"axes{j}"] = np.array([2, 3], np.int64)
            nodes.append(node(op, [cur, f"axes{j}"], out, name, keepdims=1))
        else:
            nodes.append(node(op, [cur], out, name))
        cur = out
    # (after a global reduction the features are constant: shape inference checks them when
    # onnxruntime loads the model)
    reduced = any(n.op_type in ("ReduceMean", "GlobalAveragePool") for n in nodes)
    if rng.random() < 0.6 and not reduced:
        nodes += [node("Flatten", [cur], "f", "flat"), node("Gemm", ["f", "g"], "y", "fc")]
        inits["g"] = ones(channels * rng.randint(1, 3) * rng.randint(1, 3), 2)
    else:
        nodes.append(node("Identity", [cur], "y", "last"))
    return nodes, inits


@pytest.mark.parametrize("seed", range(24))
def test_random_chains_fail_where_onnxruntime_fails(seed: int, tmp_path: Path) -> None:
    nodes, inits = random_chain(random.Random(seed))
    bad, _ = mismatches(nodes, inits, tmp_path, opset=18)
    assert not bad, ([(n.op_type, n.name) for n in nodes], bad[:5])


def test_why_at_a_node_with_no_condition_of_its_own(tmp_path: Path) -> None:
    path = str(tmp_path / "m.onnx")
    onnx.save(model([pool(), node("InstanceNormalization", ["p", "sc", "b"], "y", "norm")],
                    {"sc": ones(C), "b": ones(C)}), path)
    lines = network_of(path).why(1).splitlines()
    assert lines[0].startswith("why 1×1: layer norm refuses it: onnxruntime: "
                               "InstanceNormalization of an empty tensor")
    assert "its input is empty: MaxPool 'pool1' gives size 0" in lines[0]
    assert lines[1].startswith("  at ")
    assert "graph node #1" in lines[1]
