"""The analysis against the dumb reference: every example network, at every size in a range
(square and not), gives the same sizes per layer and the same first refusal (layer and
framework message) as running the IR layer by layer in plain Python with the SymPy rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from symconv.network import semantics as S
from symconv.network import terms as T
from symconv.network.analysis import analyse
from symconv.network.ir import Kind, Network, NetworkError, Node
from symconv.network.frontends.spec import load_spec
from tests.network_reference import run

EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "networks").glob("*.toml"))


def _compare(network: Network, points: list[tuple[int, ...]]) -> None:
    analysis = analyse(network)
    for point in points:
        env = analysis.point(point)
        ref = run(network, point)
        got = analysis.first_refusal(env)
        if ref.refused is None:
            assert got is None, (point, got)
        else:
            assert got is not None, (point, ref.refused)
            assert (got.layer, got.message) == ref.refused, point
        memo: dict[int, T.Value] = {}
        for layer in analysis.layers:
            name = layer.node.name
            if name not in ref.sizes:
                break
            sizes = layer.shape.sizes
            expected = ref.sizes[name]
            if sizes is None:
                assert expected is None
                continue
            assert tuple(T.value(s, env, memo) for s in sizes) == expected, (point, name)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_square_sizes_match_reference(path: Path) -> None:
    network = load_spec(path)
    high = 80 if path.stem != "vgg11-fixed" else 40
    points = [(n, n) for n in range(1, high)]
    if path.stem == "vgg11-fixed":
        points += [(n, n) for n in (223, 224, 255, 256)] + [(40, 1570), (1570, 40), (40, 1600)]
    _compare(network, points)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_unequal_sizes_match_reference(path: Path) -> None:
    network = load_spec(path)
    points = [(h, w) for h in (1, 2, 5, 16, 31, 48) for w in (1, 3, 16, 20, 64)]
    _compare(network, points)


def test_resnet18_table1_sizes() -> None:
    analysis = analyse(load_spec(EXAMPLES[[p.stem for p in EXAMPLES].index("resnet18")]))
    env = {"H": 224, "W": 224}
    want = {"conv1": 112, "maxpool": 56, "layer1.1.relu2": 56, "layer2.1.relu2": 28,
            "layer3.1.relu2": 14, "layer4.1.relu2": 7}
    for name, size in want.items():
        sizes = analysis.layer(name).shape.sizes
        assert sizes is not None
        assert [T.value(s, env) for s in sizes] == [size, size]


def test_unet2015_figure1_sizes() -> None:
    analysis = analyse(load_spec(EXAMPLES[[p.stem for p in EXAMPLES].index("unet-2015")]))
    env = {"H": 572, "W": 572}
    seen = []
    for layer in analysis.layers:
        if layer.node.op in ("input", "conv", "max_pool", "conv_transpose"):
            sizes = layer.shape.sizes
            assert sizes is not None
            seen.append(T.value(sizes[0], env))
    # figure 1 of Ronneberger et al.: every size printed, top-left to the output tile
    assert seen == [572, 570, 568, 284, 282, 280, 140, 138, 136, 68, 66, 64, 32, 30, 28,
                    56, 54, 52, 104, 102, 100, 200, 198, 196, 392, 390, 388, 388]


def _node(name: str, kind: Kind, inputs: tuple[str, ...], **kw: object) -> Node:
    return Node(name, kind, inputs, "test:1:1", kw.pop("op", kind.value), **kw)  # type: ignore[arg-type]


def _net(*nodes: Node, axes: tuple[str, ...] = ("H",)) -> Network:
    return Network("t", axes, 3, (Node("x", Kind.INPUT, (), "test"), *nodes), (nodes[-1].name,))


def _conv(name: str, src: str, framework: str = "torch", channels: int | None = None,
          in_channels: int | None = None, **params: object) -> Node:
    axis = {"k": 3, "s": 1, "p": 0, "d": 1} | params
    return _node(name, Kind.WINDOW, (src,), framework=framework, rule=f"{framework}.conv",
                 axes=(axis,), channels=channels, in_channels=in_channels)


@pytest.mark.parametrize(("nodes", "message"), [
    ((_conv("c", "x", k=0),), r"k = 0 is outside the domain of torch.conv \(k ≥ 1\)"),
    ((_node("m", Kind.WINDOW, ("x",), framework="torch", rule="torch.max_pool",
            axes=({"k": 2, "s": 2, "p": 2, "d": 1},)),), "whatever the input size"),
    ((_node("u", Kind.UPSAMPLE, ("x",), axes=({"scale": 1.5},)),), "not an integer"),
    ((_node("p", Kind.PAD, ("x",), attrs={"mode": "reflect"},
            axes=({"begin": -1, "end": 0},)),), "must be >= 0"),
    ((_conv("c", "x", in_channels=4),), "expects 4 input channels, gets 3"),
    ((_conv("c", "x", q=1),), "unknown: q"),
    ((_node("w", Kind.WINDOW, ("x",), rule="torch.nope", axes=({},)),), "unknown rule"),
    ((_node("l", Kind.LINEAR, ("x",), channels=2, attrs={}),), "in_features"),
    ((_node("f", Kind.FLATTEN, ("x",)), _conv("c", "f")), "flattened"),
])
def test_bad_networks_name_the_node(nodes: tuple[Node, ...], message: str) -> None:
    with pytest.raises(NetworkError, match=message) as info:
        analyse(_net(*nodes))
    assert "at test:1:1" in str(info.value) or "test" in str(info.value)


def test_merge_of_different_channel_counts_is_an_error() -> None:
    a = _conv("a", "x", channels=8)
    b = _conv("b", "x", channels=16)
    with pytest.raises(NetworkError, match="different channel counts"):
        analyse(_net(a, b, _node("add", Kind.ELEMENTWISE, ("a", "b"), framework="torch")))
    # a 1-channel tensor broadcasts against any channel count in PyTorch
    one = _conv("one", "x", channels=1)
    analyse(_net(a, one, _node("add", Kind.ELEMENTWISE, ("a", "one"), framework="torch")))


def test_sympy_parameters_from_front_ends_are_resolved() -> None:
    """A U-Net crop written by a front-end as a slice with size expressions."""
    from symconv.network.ir import size_symbol

    skip = size_symbol("big", 0)
    small = size_symbol("small", 0)
    start = (skip - small) // 2
    nodes = (
        _conv("big", "x"),
        _node("small", Kind.WINDOW, ("big",), framework="torch", rule="torch.max_pool",
              axes=({"k": 2, "s": 2, "p": 0, "d": 1},)),
        _node("crop", Kind.SLICE, ("big",), axes=({"start": start, "stop": start + small,
                                                   "step": 1},)),
        _node("cat", Kind.CONCAT, ("crop", "small"), framework="torch"),
    )
    network = _net(*nodes)
    _compare(network, [(n,) for n in range(1, 60)])
    analysis = analyse(network)
    assert analysis.first_refusal({"H": 40}) is None


def test_every_kind_matches_reference_in_one_dimension() -> None:
    nodes = (
        _node("pad", Kind.PAD, ("x",), framework="torch", axes=({"begin": -2, "end": 3},)),
        _node("refl", Kind.PAD, ("pad",), framework="torch", attrs={"mode": "reflect"},
              axes=({"begin": 2, "end": 1},)),
        _node("circ", Kind.PAD, ("refl",), framework="torch", attrs={"mode": "circular"},
              axes=({"begin": 4, "end": 0},)),
        _node("sl", Kind.SLICE, ("circ",), axes=({"start": 1, "stop": -2, "step": 3},)),
        _node("up", Kind.UPSAMPLE, ("sl",), framework="torch", axes=({"scale": 3},)),
        _node("ap", Kind.ADAPTIVE_POOL, ("up",), framework="torch", axes=({"size": 5},)),
        _node("rs", Kind.RESIZE, ("x",), framework="torch", axes=({"size": 5},)),
        _node("add", Kind.ELEMENTWISE, ("ap", "rs"), framework="torch"),
        _node("mp", Kind.WINDOW, ("add",), framework="torch", rule="torch.max_pool.ceil",
              axes=({"k": 2, "s": 2, "p": 1, "d": 1},)),
        _node("lin", Kind.LINEAR, ("mp",), framework="torch", channels=7,
              attrs={"in_features": 3}),
    )
    _compare(_net(*nodes), [(n,) for n in range(1, 40)])


@pytest.mark.parametrize(("framework", "refused"), [
    ("onnx", S.ORT_EMPTY_OUTPUT["conv"]), ("torch", None), ("jax", None)])
def test_a_last_convolution_giving_0_as_the_framework_runs_it(framework: str,
                                                              refused: str | None) -> None:
    """onnxruntime refuses a Conv whose output size is 0 (the ONNX reference evaluator would
    return an empty tensor); JAX clamps to 0 and runs; PyTorch already refuses the kernel
    (torch.conv: "Kernel size can't be greater"), and a slice to 0 runs in both."""
    rule = {"onnx": "onnx.conv", "torch": "torch.conv", "jax": "jax.conv"}[framework]
    axis = {"onnx": {"p_begin": 0, "p_end": 0}, "jax": {"p_begin": 0, "p_end": 0},
            "torch": {"p": 0}}[framework] | {"k": 3, "s": 2, "d": 1}
    conv = _node("c", Kind.WINDOW, ("x",), framework=framework, rule=rule, axes=(axis,))
    network = _net(conv)
    _compare(network, [(n,) for n in range(1, 12)])
    got = analyse(network).first_refusal({"H": 1})  # floor((1 − 3)/2) + 1 = 0
    if framework == "torch":
        assert got is not None
        assert "Kernel size" in got.message
    else:
        assert (None if got is None else got.message) == refused
    empty = _net(_node("sl", Kind.SLICE, ("x",), axes=({"start": 5, "stop": 2, "step": 1},)))
    assert analyse(empty).first_refusal({"H": 8}) is None


def test_an_onnx_conv_transpose_giving_0_is_refused_as_onnxruntime_does() -> None:
    axis = {"k": 3, "s": 1, "d": 1, "p_begin": 1, "p_end": 2, "a": 0}  # o = i − 1
    up = _node("t", Kind.WINDOW, ("x",), framework="onnx", rule="onnx.conv_transpose",
               axes=(axis,))
    network = _net(up)
    _compare(network, [(n,) for n in range(1, 6)])
    got = analyse(network).first_refusal({"H": 1})
    assert got is not None
    assert got.message == S.ORT_EMPTY_OUTPUT["conv_transpose"]
    assert analyse(network).first_refusal({"H": 2}) is None
