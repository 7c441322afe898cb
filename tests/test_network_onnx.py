"""The ONNX front-end on small graphs built with onnx.helper: each op maps to the IR with ONNX's
rules, computed sizes become exact expressions, and every graph is judged by onnxruntime (and
ONNX's reference evaluator) at every size in a range, against a dumb evaluation of the IR."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from onnx_network_support import evaluate_network, ort_outcome, ort_pool_deviation, ort_session
from symconv.network.frontends import onnx_values as ov
from symconv.network.ir import Kind, Network, NetworkError, size_symbol
from symconv.network.frontends.onnx_frontend import from_model, load_onnx

onnx = pytest.importorskip("onnx")
np = pytest.importorskip("numpy")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def graph(nodes: list[Any], inits: dict[str, Any] | None = None, *, opset: int = 17,
          dims: tuple[Any, ...] = (1, 2, "H", "W"), outputs: tuple[str, ...] = ("y",)) -> Any:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(dims))
    ys = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs]
    tensors = [numpy_helper.from_array(np.asarray(v), name) for name, v in (inits or {}).items()]
    g = helper.make_graph(nodes, "g", [x], ys, initializer=tensors)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def weights(cout: int, cin: int, *kernel: int) -> Any:
    return np.ones((cout, cin, *kernel), np.float32)


def i64(*values: int) -> Any:
    return np.array(values, np.int64)


def save(model: Any, tmp_path: Path, name: str = "m.onnx") -> str:
    path = str(tmp_path / name)
    onnx.save(model, path)
    return path


def judged(model: Any, tmp_path: Path, sizes: Any, channels: int = 2) -> Network:
    """The network of ``model``, after checking it against onnxruntime at every size in
    ``sizes`` (pairs H, W): validity and output sizes must agree."""
    pytest.importorskip("onnxruntime")
    path = save(model, tmp_path)
    net = load_onnx(path)
    session = ort_session(path)
    bad = []
    for hw in sizes:
        ours, real = evaluate_network(net, hw), ort_outcome(session, channels, hw)
        if not ours.same(real) and not ort_pool_deviation(ours, real):
            bad.append((hw, ours, real))
    assert not bad, bad[:5]
    return net


SQUARE = [(h, h) for h in range(1, 41)]
PAIRS = list(itertools.product(range(1, 15), range(1, 15)))


# --- windows ----------------------------------------------------------------------------------


def test_conv_explicit_pads_map_to_onnx_conv(tmp_path: Path) -> None:
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="c1", strides=[2, 3],
                            pads=[1, 0, 2, 1], dilations=[2, 1])
    net = judged(graph([conv], {"w": weights(4, 2, 3, 2)}), tmp_path, PAIRS)
    node = net.node("c1")
    assert (node.kind, node.rule, node.channels, node.in_channels) == (
        Kind.WINDOW, "onnx.conv", 4, 2)
    assert node.axes == ({"k": 3, "s": 2, "d": 2, "p_begin": 1, "p_end": 2},
                         {"k": 2, "s": 3, "d": 1, "p_begin": 0, "p_end": 1})
    assert node.framework == "onnx"
    assert node.attrs["shape_inference_rule"] == "onnx.infer.conv"


@pytest.mark.parametrize("mode", ["VALID", "SAME_UPPER", "SAME_LOWER"])
def test_conv_auto_pad(tmp_path: Path, mode: str) -> None:
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="c", strides=[2, 3], auto_pad=mode)
    net = judged(graph([conv], {"w": weights(3, 2, 3, 4)}), tmp_path, PAIRS)
    assert net.node("c").rule == f"onnx.conv.{mode.lower()}"
    assert net.node("c").axes[1] == {"k": 4, "s": 3, "d": 1}


@pytest.mark.parametrize(("opset", "ceil", "pads", "infer"), [
    (17, 1, [1, 1, 1, 1], "onnx.infer.max_pool.ceil.opset19"),
    (22, 1, [0, 1, 0, 1], "onnx.infer.max_pool.ceil"),
    (19, 0, [1, 0, 1, 0], "onnx.infer.max_pool"),
])
def test_max_pool_ceil_mode_and_opsets(tmp_path: Path, opset: int, ceil: int, pads: list[int],
                                       infer: str) -> None:
    if opset > 21:  # onnxruntime here runs opsets up to 21 or 22 depending on its version
        ort = pytest.importorskip("onnxruntime")
        if int(ort.__version__.split(".")[1]) < 20:
            pytest.skip("onnxruntime without opset 22")
    pool = helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 3],
                            strides=[2, 2], pads=pads, ceil_mode=ceil)
    net = judged(graph([pool], opset=opset), tmp_path, PAIRS)
    node = net.node("p")
    assert node.rule == ("onnx.max_pool.ceil" if ceil else "onnx.max_pool")
    assert node.attrs["shape_inference_rule"] == infer


def test_valid_ceil_pool_is_the_explicit_rule_with_zero_pads(tmp_path: Path) -> None:
    pool = helper.make_node("AveragePool", ["x"], ["y"], name="p", kernel_shape=[3, 2],
                            strides=[2, 2], auto_pad="VALID", ceil_mode=1)
    net = judged(graph([pool]), tmp_path, PAIRS)
    assert net.node("p").rule == "onnx.avg_pool.ceil"
    assert net.node("p").axes[0] == {"k": 3, "s": 2, "d": 1, "p_begin": 0, "p_end": 0}
    assert net.node("p").attrs["shape_inference_rule"] == "onnx.infer.avg_pool.valid.ceil.opset19"


def test_conv_transpose_output_padding_and_output_shape(tmp_path: Path) -> None:
    up = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="t", strides=[2, 3],
                          pads=[1, 0, 1, 1], output_padding=[1, 2])
    net = judged(graph([up], {"w": weights(2, 5, 3, 3)}), tmp_path, PAIRS)
    node = net.node("t")
    assert (node.rule, node.channels, node.in_channels) == ("onnx.conv_transpose", 5, 2)
    assert node.axes[1] == {"k": 3, "s": 3, "d": 1, "p_begin": 0, "p_end": 1, "a": 2}
    fixed = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="t", strides=[2, 2],
                             output_shape=[9, 10])
    net = load_onnx(save(graph([fixed], {"w": weights(2, 1, 3, 3)}), tmp_path))
    assert net.node("t").rule == "onnx.conv_transpose.output_shape"
    assert [a["o"] for a in net.node("t").axes] == [9, 10]


def test_global_pool_reduce_flatten_gemm(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("ReduceMean", ["c"], ["m"], name="mean", axes=[2, 3], keepdims=1),
        helper.make_node("Flatten", ["m"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "fc"], ["y"], name="fc", transB=1),
    ]
    net = judged(graph(nodes, {"w": weights(3, 2, 3, 3),
                               "fc": np.ones((5, 3), np.float32)}), tmp_path, PAIRS)
    assert [net.node(n).kind for n in ("mean", "flat", "fc")] == [
        Kind.ADAPTIVE_POOL, Kind.FLATTEN, Kind.LINEAR]
    assert net.node("fc").attrs["in_features"] == 3
    assert net.node("fc").channels == 5


def test_reshape_to_fixed_features_fixes_the_sizes(tmp_path: Path) -> None:
    # (1, 2, H, W) → pool 2 → Reshape [1, 18]: valid exactly where 2·⌊H/2⌋·⌊W/2⌋ = 18
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Reshape", ["p", "shape"], ["r"], name="reshape"),
        helper.make_node("Relu", ["r"], ["y"], name="relu"),
    ]
    net = judged(graph(nodes, {"shape": i64(1, 18)}), tmp_path, PAIRS)
    valid = {hw for hw in PAIRS if evaluate_network(net, hw).ok}
    assert valid == {(h, w) for h, w in PAIRS if 2 * (h // 2) * (w // 2) == 18}


def test_residual_add_broadcasts_a_size_one_axis(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", strides=[2, 2]),
        helper.make_node("Add", ["c", "g"], ["s"], name="add"),
        helper.make_node("Add", ["x", "s"], ["y"], name="add2"),
    ]
    net = judged(graph(nodes, {"w": weights(2, 2, 1, 1)}), tmp_path, PAIRS)
    assert net.node("add").kind is Kind.ELEMENTWISE
    # the strided branch has ⌈H/2⌉ rows: it meets x only where one of the two is 1
    assert {hw for hw in PAIRS if evaluate_network(net, hw).ok} == {
        (h, w) for h, w in PAIRS if h <= 2 and w <= 2}


def test_concat_needs_equal_sizes_and_sums_channels(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[0, 0, 1, 0]),
        helper.make_node("Concat", ["x", "c"], ["y"], name="cat", axis=1),
    ]
    net = judged(graph(nodes, {"w": weights(3, 2, 2, 2)}), tmp_path, PAIRS)
    assert net.node("cat").channels == 5
    assert not any(evaluate_network(net, hw).ok for hw in PAIRS)


def test_upsample_by_integer_scales_and_to_computed_sizes(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Resize", ["x", "", "scales"], ["u"], name="up", mode="nearest"),
        helper.make_node("Conv", ["u", "w"], ["c"], name="conv", strides=[3, 3]),
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Resize", ["c", "", "", "s"], ["y"], name="back", mode="linear"),
    ]
    net = judged(graph(nodes, {"scales": np.array([1, 1, 2, 3], np.float32),
                               "w": weights(2, 2, 1, 1)}), tmp_path, PAIRS)
    assert net.node("up").kind is Kind.UPSAMPLE
    assert [a["scale"] for a in net.node("up").axes] == [2, 3]
    assert net.node("back").kind is Kind.RESIZE
    assert [a["size"] for a in net.node("back").axes] == [size_symbol("x", 0),
                                                          size_symbol("x", 1)]


def test_a_float_scale_is_an_error_naming_the_node(tmp_path: Path) -> None:
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], name="up1", mode="linear")
    model = graph([node], {"scales": np.array([1, 1, 1.5, 2], np.float32)})
    with pytest.raises(NetworkError, match=r"node 'up1' \(Resize\) at .*graph node #0: scale "
                                           r"1\.5 on axis H"):
        load_onnx(save(model, tmp_path))


# --- sizes computed in the graph ------------------------------------------------------------


def pad_to(target: str, ref: str, out: str) -> list[Any]:
    """The TorchScript export of F.pad(t, [dw//2, dw - dw//2, dh//2, dh - dh//2]) with
    dh = ref.H − t.H (Shape → Gather → Sub → Div → Concat), written out by hand."""
    nodes = []
    for axis in (2, 3):
        nodes += [
            helper.make_node("Shape", [ref], [f"sr{axis}"]),
            helper.make_node("Gather", [f"sr{axis}", f"ax{axis}"], [f"gr{axis}"], axis=0),
            helper.make_node("Shape", [target], [f"st{axis}"]),
            helper.make_node("Gather", [f"st{axis}", f"ax{axis}"], [f"gt{axis}"], axis=0),
            helper.make_node("Sub", [f"gr{axis}", f"gt{axis}"], [f"d{axis}"]),
            helper.make_node("Div", [f"d{axis}", "two"], [f"h{axis}"]),
            helper.make_node("Sub", [f"d{axis}", f"h{axis}"], [f"r{axis}"]),
            helper.make_node("Unsqueeze", [f"h{axis}", "zero"], [f"uh{axis}"]),
            helper.make_node("Unsqueeze", [f"r{axis}", "zero"], [f"ur{axis}"]),
        ]
    nodes += [
        helper.make_node("Concat", ["z2", "uh2", "uh3", "z2", "ur2", "ur3"], ["pads"], axis=0),
        helper.make_node("Pad", [target, "pads"], [out], name="pad", mode="constant"),
    ]
    return nodes


PAD_CONSTS = {"ax2": np.array(2, np.int64), "ax3": np.array(3, np.int64),
              "two": np.array(2, np.int64), "zero": i64(0), "z2": i64(0, 0)}


def test_pads_computed_from_sizes_become_expressions(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2], ceil_mode=1),
        helper.make_node("Resize", ["p", "", "scales"], ["u"], name="up", mode="nearest"),
        *pad_to("u", "x", "padded"),
        helper.make_node("Concat", ["x", "padded"], ["y"], name="cat", axis=1),
    ]
    model = graph(nodes, {**PAD_CONSTS, "scales": np.array([1, 1, 2, 2], np.float32)})
    net = judged(model, tmp_path, PAIRS)
    begin = net.node("pad").axes[0]["begin"]
    assert isinstance(begin, sp.Expr)
    assert begin.free_symbols == {size_symbol("x", 0), size_symbol("up", 0)}
    assert all(evaluate_network(net, hw).ok for hw in PAIRS)


def test_negative_differences_crop_and_divide_toward_zero(tmp_path: Path) -> None:
    # the upsampled tensor is larger than the reference: negative pads crop, and −3 / 2 is −1
    # in ONNX (C++ truncation), not Python's −2: the sizes show it at every odd difference
    nodes = [
        helper.make_node("Resize", ["x", "", "scales"], ["u"], name="up", mode="nearest"),
        *pad_to("u", "x", "y"),
    ]
    model = graph(nodes, {**PAD_CONSTS, "scales": np.array([1, 1, 3, 2], np.float32)})
    net = judged(model, tmp_path, PAIRS)
    assert all(evaluate_network(net, hw).outputs == ((hw[0], hw[1]),) for hw in PAIRS)
    env = {"size[x][0]": 3, "size[up][0]": 9}
    begin, end = (net.node("pad").axes[0][key] for key in ("begin", "end"))
    assert (int(begin.subs({size_symbol("x", 0): 3, size_symbol("up", 0): 9})),
            int(end.subs({size_symbol("x", 0): 3, size_symbol("up", 0): 9}))) == (-3, -3), env


def test_center_crop_by_slices_with_computed_starts(tmp_path: Path) -> None:
    # x[:, :, d:d + h] with d = (x.H − c.H) / 2 — the 2015 U-Net's cropped skip
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node("Shape", ["x"], ["sx"]),
        helper.make_node("Shape", ["c"], ["sc"]),
        helper.make_node("Slice", ["sx", "two1", "four"], ["hx"]),
        helper.make_node("Slice", ["sc", "two1", "four"], ["hc"]),
        helper.make_node("Sub", ["hx", "hc"], ["diff"]),
        helper.make_node("Div", ["diff", "two"], ["start"]),
        helper.make_node("Add", ["start", "hc"], ["stop"]),
        helper.make_node("Slice", ["x", "start", "stop", "axes"], ["crop"], name="crop"),
        helper.make_node("Concat", ["crop", "c"], ["y"], name="cat", axis=1),
    ]
    consts = {"w": weights(3, 2, 5, 3), "two1": i64(2), "four": i64(4), "two": i64(2),
              "axes": i64(2, 3)}
    net = judged(graph(nodes, consts), tmp_path, PAIRS)
    assert net.node("crop").kind is Kind.SLICE
    assert {hw for hw in PAIRS if evaluate_network(net, hw).ok} == {
        (h, w) for h, w in PAIRS if h >= 5 and w >= 3}


def test_channel_slice_and_batch_taken_as_one(tmp_path: Path) -> None:
    nodes = [helper.make_node("Slice", ["x", "s", "e", "a"], ["y"], name="sl")]
    net = judged(graph(nodes, {"s": i64(1, 0), "e": i64(2, 2**63 - 1), "a": i64(1, 3)},
                       dims=("N", 2, "H", "W")), tmp_path, PAIRS[:20])
    assert net.node("sl").channels == 1
    assert net.node("sl").axes[1] == {"start": 0, "stop": None, "step": 1}


# --- the input, and bad input -----------------------------------------------------------------


def test_fixed_input_dims_are_analysed_free_and_noted(tmp_path: Path) -> None:
    relu = helper.make_node("Relu", ["x"], ["y"], name="r")
    net = load_onnx(save(graph([relu], dims=(1, 2, 224, "W")), tmp_path))
    x = net.nodes[0]
    assert x.kind is Kind.INPUT
    assert x.channels == 2
    assert net.axes == ("H", "W")
    assert x.attrs["declared"] == (1, 2, 224, "W")
    assert "H=224" in str(x.attrs["note"])
    assert evaluate_network(net, (5, 7)).outputs == ((5, 7),)


def test_one_spatial_axis_and_three(tmp_path: Path) -> None:
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="c", strides=[2])
    net = load_onnx(save(graph([conv], {"w": weights(1, 2, 3)}, dims=(1, 2, "L")), tmp_path))
    assert net.axes == ("L",)
    pool = helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2, 2])
    net = load_onnx(save(graph([pool], dims=(1, 2, "D", "H", "W")), tmp_path))
    assert net.axes == ("D", "H", "W")


@pytest.mark.parametrize(("nodes", "inits", "message"), [
    ([helper.make_node("Einsum", ["x"], ["y"], name="e1", equation="nchw->nhwc")], {},
     r"node 'e1' \(Einsum\) at .*m\.onnx, graph node #0: op 'Einsum' is not known to symconv "
     r"and takes a tensor with spatial axes: it could change a spatial size"),
    ([helper.make_node("Foo", ["x"], ["y"], name="f", domain="com.example")], {},
     r"node 'f' \(Foo\).*com\.example\.Foo is not an ONNX standard op"),
    ([helper.make_node("Concat", ["x", "x"], ["y"], name="cat", axis=2)], {},
     r"node 'cat' \(Concat\).*along the spatial axis H changes its size"),
    ([helper.make_node("Relu", ["nope"], ["y"], name="r")], {},
     r"node 'r' \(Relu\).*input 'nope' is not produced by any earlier node"),
    ([helper.make_node("Conv", ["x", "w"], ["y"], name="c")], {"w": weights(1, 3, 3, 3)},
     r"node 'c' \(Conv\).*weights expect 3 input channels, the input has 2"),
    ([helper.make_node("Conv", ["x", "w"], ["y"], name="c", strides=[0, 1])],
     {"w": weights(1, 2, 3, 3)}, r"node 'c' \(Conv\).*strides must be >= 1, got \[0, 1\]"),
    ([helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2],
                       auto_pad="SAME_UPPER", ceil_mode=1)], {},
     r"node 'p' \(MaxPool\).*ceil_mode with auto_pad SAME"),
    ([helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Cast", ["s"], ["f"], to=1),
      helper.make_node("Resize", ["x", "", "", "f"], ["y"], name="rs")], {},
     r"node 'Cast_1' \(Cast\).*a size is cast to floating point"),
    ([helper.make_node("Reshape", ["x", "shape"], ["y"], name="rs")], {"shape": i64(1, 2, -1)},
     r"node 'rs' \(Reshape\).*Reshape of a 4-D tensor to \[1, 2, -1\] is not supported"),
    ([helper.make_node("MatMul", ["x", "m"], ["y"], name="mm")],
     {"m": np.ones((4, 4), np.float32)}, r"node 'mm' \(MatMul\).*acts on its last axis"),
    ([helper.make_node("Add", ["x", "b"], ["y"], name="add")],
     {"b": np.ones((1, 1, 1, 5), np.float32)}, r"node 'add' \(Add\).*shape \[1, 1, 1, 5\] "
                                               r"would fix or expand a spatial size"),
])
def test_errors_name_the_node_its_op_and_where(tmp_path: Path, nodes: list[Any],
                                               inits: dict[str, Any], message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        load_onnx(save(graph(nodes, inits), tmp_path))


def test_bad_files_and_inputs(tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match=r"missing\.onnx: cannot read the file"):
        load_onnx(str(tmp_path / "missing.onnx"))
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\xff\x00not a model" * 10)
    with pytest.raises(NetworkError, match=r"junk\.onnx: not an ONNX model"):
        load_onnx(str(junk))
    relu = helper.make_node("Relu", ["x"], ["y"])
    with pytest.raises(NetworkError, match=r"the channels \(axis 1\) must be a fixed size, "
                                           r"got 'C'"):
        load_onnx(save(graph([relu], dims=(1, "C", "H", "W")), tmp_path))
    with pytest.raises(NetworkError, match="rank 2"):
        load_onnx(save(graph([relu], dims=(1, 2)), tmp_path))
    two = graph([helper.make_node("Add", ["x", "x2"], ["y"])])
    two.graph.input.append(helper.make_tensor_value_info("x2", TensorProto.FLOAT, [1, 2, 3, 3]))
    with pytest.raises(NetworkError, match=r"one input tensor; this graph has 2 \('x', 'x2'\)"):
        from_model(two, "two.onnx")
    only_shape = graph([helper.make_node("Shape", ["x"], ["y"])])
    with pytest.raises(NetworkError, match="no graph output is computed from the input"):
        from_model(only_shape, "s.onnx")


# --- the small tensors of shape computations ------------------------------------------------


@given(st.integers(-10**6, 10**6), st.integers(-50, 50).filter(lambda d: d != 0))
def test_int_div_truncates_like_onnx(num: int, den: int) -> None:
    expected = int(np.trunc(num / den)) if abs(num) < 2**52 else None
    got = ov.int_div(num, den)
    assert got == expected
    h = sp.Symbol("h", integer=True)
    value = ov.int_div(h + 0, den)
    assert isinstance(value, sp.Expr)
    assert int(value.subs(h, num)) == expected


@given(st.integers(1, 12), st.integers(-20, 20), st.integers(-20, 20),
       st.sampled_from([-3, -2, -1, 1, 2, 3]))
def test_slice_indices_match_onnx_reference(n: int, start: int, stop: int, step: int) -> None:
    from onnx.reference.ops.op_slice import _slice

    data = np.arange(n)
    got = np.asarray(_slice(data, np.array([start]), np.array([stop]), np.array([0]),
                            np.array([step])))
    assert list(ov.slice_indices(n, start, stop, step)) == got.tolist()


def test_small_tensor_ops_against_numpy() -> None:
    a = np.arange(24, dtype=np.int64).reshape(2, 3, 4)
    c = ov.const(a.shape, ov.DType.INT, a.reshape(-1).tolist())
    for axis in range(3):
        idx = np.array([2, 0]) % a.shape[axis]
        got = ov.gather(c, ov.vector(idx.tolist()), axis)
        assert list(got.values or ()) == np.take(a, idx, axis).reshape(-1).tolist()
    assert list(ov.transpose(c, [2, 0, 1]).values or ()) == a.transpose(2, 0, 1).reshape(
        -1).tolist()
    both = ov.concat([c, c], 1)
    assert both.shape == (2, 6, 4)
    assert list(both.values or ()) == np.concatenate([a, a], 1).reshape(-1).tolist()
    assert ov.reshape(c, [0, -1], allowzero=False).shape == (2, 12)
    assert ov.unsqueeze(c, [0, -1]).shape == (1, 2, 3, 4, 1)
    s = ov.slice_(c, [2, -1], [0, -10], [1, 2], [-1, -2])
    assert list(s.values or ()) == a[:, 2:0:-1, -1:-10:-2].reshape(-1).tolist()
    b = ov.elementwise("Sub", [c, ov.vector([1, 2, 3, 4])])
    assert list(b.values or ()) == (a - np.array([1, 2, 3, 4])).reshape(-1).tolist()
    with pytest.raises(ov.ShapeValueError, match="do not broadcast"):
        ov.elementwise("Add", [c, ov.vector([1, 2])])
