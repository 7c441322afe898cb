"""The PyTorch front-end's IR, held to the model definitions: node kinds, rule ids and per-axis
parameters read off small modules written here and off torchvision's models; the refusals of
what it does not model (naming the node, op and source line); bad targets.

Whether the IR *means* what PyTorch does is tested against the real thing in
test_network_torch_models.py."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from symconv.network.ir import Kind, Network, NetworkError, Node, size_symbol  # noqa: E402
from symconv.network.torch_frontend import (  # noqa: E402
    from_module,
    import_torchvision,
    load_torch,
)
from torch_network_reference import run, sizes_at  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "networks"
THIS = Path(__file__).name


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """Small models on a shared 2-core machine: a second intra-op thread only contends."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def windows(net: Network) -> list[Node]:
    return [n for n in net.nodes if n.kind is Kind.WINDOW]


def only(net: Network, kind: Kind) -> Node:
    (node,) = [n for n in net.nodes if n.kind is kind]
    return node


class Wrap(nn.Module):
    """A module around one callable, for one-op networks."""

    def __init__(self, fn: Any, **modules: nn.Module) -> None:
        super().__init__()
        self.fn = fn
        for name, module in modules.items():
            self.add_module(name, module)

    def forward(self, x: Any) -> Any:
        return self.fn(self, x)


def net_of(fn: Any, channels: int = 3, rank: int | None = 2, **modules: nn.Module) -> Network:
    return from_module(Wrap(fn, **modules).eval(), channels=channels, rank=rank)


# -- windows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("layer", "rule", "axes"), [
    (nn.Conv2d(3, 8, 3), "torch.conv", [{"k": 3, "s": 1, "p": 0, "d": 1}] * 2),
    (nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 3)), "torch.conv",
     [{"k": 3, "s": 2, "p": 1, "d": 1}, {"k": 5, "s": 1, "p": 2, "d": 3}]),
    (nn.Conv2d(3, 8, 4, padding="same", dilation=2), "torch.conv.same",
     [{"k": 4, "s": 1, "d": 2}] * 2),
    (nn.Conv2d(3, 8, 3, stride=2, padding="valid"), "torch.conv.valid",
     [{"k": 3, "s": 2, "d": 1}] * 2),
    (nn.ConvTranspose2d(3, 8, 3, stride=2, padding=1, output_padding=1), "torch.conv_transpose",
     [{"k": 3, "s": 2, "p": 1, "d": 1, "a": 1}] * 2),
    (nn.MaxPool2d(3), "torch.max_pool", [{"k": 3, "s": 3, "p": 0, "d": 1}] * 2),
    (nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True), "torch.max_pool.ceil",
     [{"k": 3, "s": 2, "p": 1, "d": 2}] * 2),
    (nn.AvgPool2d((2, 4), stride=(1, 2), padding=(1, 2), ceil_mode=True), "torch.avg_pool.ceil",
     [{"k": 2, "s": 1, "p": 1}, {"k": 4, "s": 2, "p": 2}]),
])
def test_window_modules(layer: nn.Module, rule: str, axes: list[dict[str, int]]) -> None:
    net = net_of(lambda self, x: self.layer(x), layer=layer)
    (node,) = windows(net)
    assert (node.name, node.rule, [dict(a) for a in node.axes]) == ("layer", rule, axes)
    assert node.framework == "torch"
    assert node.origin.startswith("fx node 'layer', ")
    assert THIS in node.origin
    if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d):
        assert (node.in_channels, node.channels) == (3, 8)


def test_functional_windows_read_the_weight_and_defaults() -> None:
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.zeros(6, 2, 3, 5))  # groups=2: 4 input channels
            self.wt = nn.Parameter(torch.zeros(6, 4, 2, 2))

        def forward(self, x: Any) -> Any:
            y = F.conv2d(x, self.w, None, 2, (1, 2), 1, 2)
            y = F.max_pool2d(y, 2)
            y = F.avg_pool2d(y, 3, stride=1, padding=1, ceil_mode=True)
            return F.conv_transpose2d(y, self.wt, stride=2)

    nodes = windows(from_module(Functional(), channels=4))
    assert [(n.rule, dict(n.axes[0])) for n in nodes] == [
        ("torch.conv", {"k": 3, "s": 2, "p": 1, "d": 1}),
        ("torch.max_pool", {"k": 2, "s": 2, "p": 0, "d": 1}),
        ("torch.avg_pool.ceil", {"k": 3, "s": 1, "p": 1}),
        ("torch.conv_transpose", {"k": 2, "s": 2, "p": 0, "d": 1, "a": 0}),
    ]
    assert dict(nodes[0].axes[1])["k"] == 5
    assert (nodes[0].in_channels, nodes[0].channels) == (4, 6)
    assert (nodes[3].in_channels, nodes[3].channels) == (6, 4)


def test_padding_mode_pads_first_then_convolves_without_padding() -> None:
    conv = nn.Conv2d(3, 4, (3, 5), padding=(1, 2), padding_mode="reflect")
    net = net_of(lambda self, x: self.conv(x), conv=conv)
    pad, window = net.nodes[1], net.nodes[2]
    assert (pad.name, pad.kind, pad.op, pad.attrs["mode"]) == ("conv.pad", Kind.PAD, "pad",
                                                               "reflect")
    assert [dict(a) for a in pad.axes] == [{"begin": 1, "end": 1}, {"begin": 2, "end": 2}]
    assert window.inputs == ("conv.pad",)
    assert [dict(a) for a in window.axes] == [{"k": 3, "s": 1, "p": 0, "d": 1},
                                              {"k": 5, "s": 1, "p": 0, "d": 1}]


def test_conv_transpose_output_size_drops_batch_and_channels() -> None:
    class Up(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.down = nn.Conv2d(3, 3, 3, stride=2, padding=1)
            self.up = nn.ConvTranspose2d(3, 3, 3, stride=2, padding=1)

        def forward(self, x: Any) -> Any:
            a = self.up(self.down(x), output_size=x.size())
            return a + self.up(self.down(x), output_size=[x.size(2), 7])

    first, _, second = windows(from_module(Up()))[1:4]
    assert first.rule == second.rule == "torch.conv_transpose.output_size"
    assert [a["o"] for a in first.axes] == [size_symbol("x", 0), size_symbol("x", 1)]
    assert [a["o"] for a in second.axes] == [size_symbol("x", 0), 7]


def test_rank_is_read_off_the_first_layer() -> None:
    one = net_of(lambda self, x: self.c(x), rank=None, c=nn.Conv1d(3, 3, 3))
    three = net_of(lambda self, x: F.max_pool3d(x, 2), rank=None)
    assert (one.axes, three.axes) == (("L",), ("D", "H", "W"))
    with pytest.raises(NetworkError, match=r"cannot tell the number of spatial axes"):
        net_of(lambda self, x: torch.relu(x), rank=None)
    with pytest.raises(NetworkError, match=r"takes a tensor with 1 spatial axes .* has 2"):
        net_of(lambda self, x: self.c(x), rank=2, c=nn.Conv1d(3, 3, 3))


# -- resizing, padding, slicing -----------------------------------------------------------------


def test_adaptive_upsample_and_resize() -> None:
    def fn(self: Any, x: Any) -> Any:
        a = self.pool(x)
        b = F.adaptive_max_pool2d(x, 3)
        c = self.up(a) + F.interpolate(b, scale_factor=(2, 3.0))
        return F.interpolate(c, size=x.shape[2:]) + F.interpolate(c, size=9)

    net = net_of(fn, pool=nn.AdaptiveAvgPool2d((5, None)), up=nn.Upsample(scale_factor=2.0))
    pools = [n for n in net.nodes if n.kind is Kind.ADAPTIVE_POOL]
    assert [a["size"] for a in pools[0].axes] == [5, size_symbol("x", 1)]
    assert (pools[0].attrs["pool"], pools[1].attrs["pool"]) == ("avg", "max")
    ups = [n for n in net.nodes if n.kind is Kind.UPSAMPLE]
    assert [[a["scale"] for a in n.axes] for n in ups] == [[2, 2], [2, 3]]
    resizes = [n for n in net.nodes if n.kind is Kind.RESIZE]
    assert [a["size"] for a in resizes[0].axes] == [size_symbol("x", 0), size_symbol("x", 1)]
    assert [a["size"] for a in resizes[1].axes] == [9, 9]


def test_a_float_scale_is_an_error_naming_the_node() -> None:
    with pytest.raises(NetworkError) as info:
        net_of(lambda self, x: F.interpolate(x, scale_factor=1.5, mode="bilinear"))
    message = str(info.value)
    assert "'interpolate'" in message
    assert "scale_factor 1.5 is not an integer" in message
    assert THIS in message
    with pytest.raises(NetworkError, match=r"node 'up' \(Upsample\).*scale_factor 0.5"):
        net_of(lambda self, x: self.up(x), up=nn.Upsample(scale_factor=0.5))


def test_pad_to_match_reads_the_size_arithmetic() -> None:
    def fn(self: Any, x: Any) -> Any:
        y = self.pool(x)
        dy = x.size()[2] - y.size()[2]
        dx = x.shape[3] - y.shape[3]
        y = F.pad(y, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return torch.cat([x, y], dim=1)

    net = net_of(fn, pool=nn.MaxPool2d(2))
    pad = only(net, Kind.PAD)
    h, ph = size_symbol("x", 0), size_symbol("pool", 0)
    assert sp.simplify(pad.axes[0]["begin"] - sp.floor((h - ph) / 2)) == 0
    assert sp.simplify(pad.axes[0]["end"] - (h - ph - sp.floor((h - ph) / 2))) == 0
    assert only(net, Kind.CONCAT).inputs == ("x", "pad")
    # at H = 9: the pool gives 4, padded 2 + 3 back to 9
    assert run(net, [9, 9]).output == (9, 9)


def test_pad_covers_the_last_axes_first_and_may_crop_or_pad_channels() -> None:
    net = net_of(lambda self, x: F.pad(x, (1, 2, -3, 0, 2, 2)))
    pad = only(net, Kind.PAD)
    assert [dict(a) for a in pad.axes] == [{"begin": -3, "end": 0}, {"begin": 1, "end": 2}]
    assert pad.channels == 7
    with pytest.raises(NetworkError, match=r"reflect padding of a 4-D tensor takes 4 pads"):
        net_of(lambda self, x: F.pad(x, (1, 1), mode="reflect"))


def test_slices_with_size_dependent_bounds() -> None:
    def fn(self: Any, x: Any) -> Any:
        y = self.conv(x)
        top = (x.size(2) - y.size(2)) // 2
        return x[:, :, top:top + y.size(2), ::2] + y[..., 1:]

    net = net_of(fn, conv=nn.Conv2d(3, 3, 5))
    first, second = [n for n in net.nodes if n.kind is Kind.SLICE]
    h, ch = size_symbol("x", 0), size_symbol("conv", 0)
    top = sp.floor((h - ch) / 2)
    assert sp.simplify(first.axes[0]["start"] - top) == 0
    assert sp.simplify(first.axes[0]["stop"] - (top + ch)) == 0
    assert dict(first.axes[1]) == {"start": None, "stop": None, "step": 2}
    assert [dict(a) for a in second.axes] == [{"start": None, "stop": None, "step": 1},
                                              {"start": 1, "stop": None, "step": 1}]


def test_channel_slices_change_channels_only() -> None:
    net = net_of(lambda self, x: x[:, 1:] + self.c(x[:, :2]), c=nn.Conv2d(2, 2, 1))
    assert [n.kind for n in net.nodes].count(Kind.SLICE) == 0
    assert {n.channels for n in net.nodes if n.kind is Kind.IDENTITY} == {2}


# -- merges, flatten, linear ------------------------------------------------------------------


def test_merges_and_scalars() -> None:
    def fn(self: Any, x: Any) -> Any:
        y = self.a(x) * 0.5 + 1
        z = torch.cat([y, self.b(x)], 1)
        z += torch.sigmoid(self.se(F.adaptive_avg_pool2d(z, 1)))  # squeeze-excite: broadcast
        return z * self.scale

    model = Wrap(fn, a=nn.Conv2d(3, 4, 1), b=nn.Conv2d(3, 2, 1), se=nn.Conv2d(6, 6, 1))
    model.register_buffer("scale", torch.ones(1, 6, 1, 1))
    net = from_module(model, channels=3)
    kinds = [n.kind for n in net.nodes]
    assert kinds.count(Kind.CONCAT) == 1
    assert kinds.count(Kind.ELEMENTWISE) == 1
    assert only(net, Kind.CONCAT).channels == 6


def test_merges_that_cannot_line_up_for_any_size_are_refused() -> None:
    with pytest.raises(NetworkError, match=r"combines 4 and 2 channels"):
        net_of(lambda self, x: self.a(x) + self.b(x), a=nn.Conv2d(3, 4, 1),
               b=nn.Conv2d(3, 2, 1))
    with pytest.raises(NetworkError, match=r"concatenation along axis 2 is not modelled"):
        net_of(lambda self, x: torch.cat([x, x], dim=2))
    with pytest.raises(NetworkError, match=r"expects 4 input channels, gets 3"):
        net_of(lambda self, x: self.c(x), c=nn.Conv2d(4, 4, 1))
    with pytest.raises(NetworkError, match=r"expects 8 input channels, gets 4"):
        net_of(lambda self, x: self.bn(self.c(x)), c=nn.Conv2d(3, 4, 1), bn=nn.BatchNorm2d(8))


@pytest.mark.parametrize("flatten", [
    lambda self, x: torch.flatten(x, 1), lambda self, x: x.flatten(1),
    lambda self, x: x.view(x.size(0), -1), lambda self, x: x.reshape(1, -1),
    lambda self, x: torch.reshape(x, (x.shape[0], -1)), lambda self, x: self.flat(x),
])
def test_flatten_forms_then_linear(flatten: Any) -> None:
    net = net_of(lambda self, x: self.fc(flatten(self, self.c(x))), c=nn.Conv2d(3, 2, 1),
                 fc=nn.Linear(50, 4), flat=nn.Flatten())
    assert [n.kind for n in net.nodes][-2:] == [Kind.FLATTEN, Kind.LINEAR]
    linear = net.nodes[-1]
    assert (linear.attrs["in_features"], linear.channels) == (50, 4)
    assert run(net, [5, 5]).valid
    assert not run(net, [5, 6]).valid


def test_view_to_a_fixed_feature_count_and_what_is_not_modelled() -> None:
    net = net_of(lambda self, x: self.c(x).view(1, 32), c=nn.Conv2d(3, 2, 1))
    assert net.nodes[-1].attrs["features"] == 32
    for fn, message in [
        (lambda self, x: x.view(-1, 3), r"view/reshape to \[-1, 3\] is not modelled"),
        (lambda self, x: torch.flatten(x), r"flattening axes 0\.\.3"),
        (lambda self, x: x.mean((2, 3)), r"method Tensor\.mean is not modelled"),
        (lambda self, x: torch.stack([x, x]), r"function torch\.stack is not modelled"),
        (lambda self, x: x[:, :, 0], r"changes the number of axes"),
        (lambda self, x: x if x.size(2) == 4 else -x, r"torch.fx cannot trace"),
        (lambda self, x: self.u(x), r"module torch\.nn\.modules\.pixelshuffle\.PixelUnshuffle"),
        (lambda self, x: self.g(x), r"GroupNorm with one channel per group"),
        (lambda self, x: self.i(x), r"InstanceNorm without running statistics"),
    ]:
        with pytest.raises(NetworkError, match=message):
            net_of(fn, c=nn.Conv2d(3, 2, 1), u=nn.PixelUnshuffle(2), g=nn.GroupNorm(3, 3),
                   i=nn.InstanceNorm2d(3))


def test_unknown_op_names_node_op_module_and_line() -> None:
    class Block(nn.Module):
        def forward(self, x: Any) -> Any:
            return torch.roll(x, 1, 2)  # the line reported

    line = Block.forward.__code__.co_firstlineno + 1
    with pytest.raises(NetworkError) as info:
        from_module(nn.Sequential(nn.Conv2d(3, 3, 1), Block()))
    message = str(info.value)
    assert re.search(rf"node 'roll' \(roll\) in module '1' at fx node 'roll', .*{THIS}:{line}",
                     message), message
    assert "function torch.roll is not modelled" in message


def test_size_comparisons_are_refused_not_folded() -> None:
    def fn(self: Any, x: Any) -> Any:
        torch._assert(x.size(2) % 16 == 0, "H must be a multiple of 16")
        return x

    with pytest.raises(NetworkError, match=r"comparison of sizes"):
        net_of(fn)


# -- loading ----------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_load_from_a_file_with_kwargs_and_a_sibling_import(tmp_path: Path) -> None:
    (tmp_path / "parts.py").write_text("WIDTH = 5\n")
    source = write(tmp_path, """
        from torch import nn
        from parts import WIDTH

        def build(channels, width=WIDTH):
            return nn.Sequential(nn.Conv2d(channels, width, 3), nn.ReLU())
    """)
    net = load_torch(f"{source}:build", kwargs={"channels": 2}, channels=2)
    assert net.name == "build"
    assert net.channels == 2
    assert [n.name for n in net.nodes] == ["input", "0", "1"]
    assert net.nodes[1].channels == 5
    assert net.outputs == ("1",)


@pytest.mark.parametrize(("target", "kwargs", "message"), [
    ("resnet18", None, r"expected SOURCE:CALLABLE"),
    (":resnet18", None, r"expected SOURCE:CALLABLE"),
    ("no_such_module_xyz:f", None, r"cannot import no_such_module_xyz"),
    ("nowhere/model.py:f", None, r"no such file: nowhere/model.py"),
    ("{tmp}:missing", None, r"has no attribute 'missing'"),
    ("{tmp}:NUMBER", None, r"NUMBER is not callable"),
    ("{tmp}:not_a_module", None, r"returned a int, not a torch.nn.Module"),
    ("{tmp}:raises", None, r"building the model failed: ValueError: no"),
    ("{tmp}:two_inputs", None, r"takes a second input 'y'"),
    ("{tmp}:two_inputs", [1], r"--kwargs must be a JSON object"),
    ("{broken}:f", None, r"importing .*broken.py failed: SyntaxError"),
])
def test_bad_targets(tmp_path: Path, target: str, kwargs: Any, message: str) -> None:
    source = write(tmp_path, """
        from torch import nn
        NUMBER = 3
        def not_a_module():
            return 3
        def raises():
            raise ValueError("no")
        class Two(nn.Module):
            def forward(self, x, y):
                return x + y
        def two_inputs():
            return Two()
    """)
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    with pytest.raises(NetworkError, match=message):
        load_torch(target.format(tmp=source, broken=broken), kwargs=kwargs)


@pytest.mark.parametrize(("options", "message"), [
    ({"channels": 0}, r"channels must be an integer >= 1, got 0"),
    ({"channels": True}, r"channels must be an integer >= 1, got True"),
    ({"rank": 4}, r"rank \(spatial axes\) must be 1, 2 or 3, got 4"),
])
def test_bad_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        load_torch("torchvision.models:resnet18", **options)


def test_forward_parameters_with_defaults_are_fixed() -> None:
    class Optional(nn.Module):
        def forward(self, x: Any, mask: Any = None, scale: int = 2) -> Any:
            return F.max_pool2d(x, scale) if mask is None else x

    assert [dict(a) for a in windows(from_module(Optional()))[0].axes] == [
        {"k": 2, "s": 2, "p": 0, "d": 1}] * 2


# -- torchvision's models, layer by layer -------------------------------------------------------

TORCHVISION = [
    ("resnet18", {}), ("vgg11", {}), ("alexnet", {}), ("mobilenet_v2", {}),
    ("densenet121", {}), ("inception_v3", {"aux_logits": False, "init_weights": False}),
]


@pytest.fixture(scope="module")
def torchvision() -> Any:
    return import_torchvision()


def expected_window(module: nn.Module) -> tuple[str, list[dict[str, int]]] | None:
    """The rule and axes a layer's own attributes call for (the definition, read directly)."""
    def pair(v: Any) -> tuple[int, int]:
        return (v, v) if isinstance(v, int) else tuple(v)  # type: ignore[return-value]

    if isinstance(module, nn.Conv2d):
        keys = zip(pair(module.kernel_size), pair(module.stride), pair(module.padding),
                   pair(module.dilation), strict=True)
        return "torch.conv", [{"k": k, "s": s, "p": p, "d": d} for k, s, p, d in keys]
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
        stride = module.stride or module.kernel_size
        kind = "max_pool" if isinstance(module, nn.MaxPool2d) else "avg_pool"
        rule = f"torch.{kind}" + (".ceil" if module.ceil_mode else "")
        keys = zip(pair(module.kernel_size), pair(stride), pair(module.padding), strict=True)
        axes = [{"k": k, "s": s, "p": p} for k, s, p in keys]
        if kind == "max_pool":
            axes = [{**a, "d": d} for a, d in zip(axes, pair(module.dilation), strict=True)]
        return rule, axes
    return None


@pytest.mark.parametrize(("name", "extra"), TORCHVISION, ids=[n for n, _ in TORCHVISION])
def test_torchvision_layers_match_their_modules(torchvision: Any, name: str,
                                                extra: dict[str, object]) -> None:
    net = load_torch(f"torchvision.models:{name}", kwargs={"weights": None, **extra})
    with torch.device("meta"):  # the definition only: no weights allocated or initialised
        model = getattr(torchvision.models, name)(weights=None, **extra)
    seen = set()
    for node in net.nodes:
        if node.kind is Kind.WINDOW and node.op in ("Conv2d", "MaxPool2d", "AvgPool2d"):
            module = model.get_submodule(node.attrs["module"])
            assert (node.rule, [dict(a) for a in node.axes]) == expected_window(module), node
            seen.add(node.attrs["module"])
    used = {path for path, m in model.named_modules() if expected_window(m) is not None}
    assert seen == used  # every convolution and pooling module, each with its own parameters
    assert net.node(net.outputs[0]).kind is Kind.LINEAR


def test_torchvision_merges(torchvision: Any) -> None:
    dense = load_torch("torchvision.models:densenet121", kwargs={"weights": None})
    cats = [n for n in dense.nodes if n.kind is Kind.CONCAT]
    # one per dense layer but each block's first (a cat of one tensor), one per block
    assert len(cats) == (6 - 1) + (12 - 1) + (24 - 1) + (16 - 1) + 4
    assert cats[-1].channels == 512 + 16 * 32
    assert len(cats[-1].inputs) == 17
    inception = load_torch("torchvision.models:inception_v3",
                           kwargs={"weights": None, "aux_logits": False,
                                   "init_weights": False})
    # one per Mixed block, and two inside each of Mixed_7b and Mixed_7c
    assert len([n for n in inception.nodes if n.kind is Kind.CONCAT]) == 11 + 2 * 2
    mobile = load_torch("torchvision.models:mobilenet_v2", kwargs={"weights": None})
    assert len([n for n in mobile.nodes if n.kind is Kind.ELEMENTWISE]) == 10


# -- published tables from the IR -------------------------------------------------------------


def test_resnet18_table1_output_sizes(torchvision: Any) -> None:
    """He et al. 2016, Table 1: conv1 112, conv2_x 56, conv3_x 28, conv4_x 14, conv5_x 7."""
    net = load_torch("torchvision.models:resnet18", kwargs={"weights": None})
    sizes = sizes_at(net, [224, 224])
    stages = ["conv1", "layer1.1.relu_1", "layer2.1.relu_1", "layer3.1.relu_1",
              "layer4.1.relu_1"]
    assert [sizes[s] for s in stages] == [(n, n) for n in (112, 56, 28, 14, 7)]
    assert sizes["avgpool"] == (1, 1)
    assert sizes["fc"] is None


def test_unet_2015_figure1_sizes() -> None:
    """Ronneberger et al. 2015, figure 1: 572 → 570 → 568, … 32 → 30 → 28, … → 388."""
    net = load_torch(f"{EXAMPLES / 'unet_2015.py'}:UNet2015", channels=1)
    sizes = sizes_at(net, [572, 572])
    convs = [sizes[n.name][0] for n in net.nodes  # type: ignore[index]
             if n.op == "Conv2d" and n.axes[0]["k"] == 3]
    assert convs == [570, 568, 282, 280, 138, 136, 66, 64, 30, 28,
                     54, 52, 102, 100, 198, 196, 390, 388]
    ups = [sizes[n.name][0] for n in net.nodes if n.op == "ConvTranspose2d"]  # type: ignore[index]
    crops = [sizes[n.name][0] for n in net.nodes if n.kind is Kind.SLICE]  # type: ignore[index]
    assert ups == crops == [56, 104, 200, 392]
    assert sizes[net.outputs[0]] == (388, 388)


# -- through the CLI --------------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "message"), [
    (["--torch", "resnet18"], "expected SOURCE:CALLABLE"),
    (["--torch", f"{EXAMPLES / 'unet_2015.py'}:UNet2015"],
     "PyTorch refuses every size at down.0.0"),
    (["--torch", f"{EXAMPLES / 'unet_2015.py'}:UNet2015"],
     "to have 1 channels, but got 3 channels instead (the input's channels are set with "
     "--channels; now 3)"),
    (["--torch", "torchvision.models:resnet18", "--kwargs", '{"weights": null, "bogus": 1}'],
     "building the model failed: TypeError: "),
])
def test_cli_errors_are_one_line_and_exit_2(argv: list[str], message: str) -> None:
    import io

    from symconv.cli import main

    out, err = io.StringIO(), io.StringIO()
    assert main(["network", *argv], out, err) == 2
    assert message in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1


_NO_RANK = '''
import torch
import torch.nn.functional as F


class Upscale(torch.nn.Module):
    """Nothing here fixes the number of spatial axes: nearest interpolation, then a crop."""

    def forward(self, x):
        return F.interpolate(x, scale_factor=2)[:, :, 1:-1]
'''


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_cli_rank_gives_the_spatial_axes_no_layer_fixes(rank: int, tmp_path: Path) -> None:
    import io
    import json

    from symconv.cli import main
    from symconv.network.torch_judge import observe_cpu

    (tmp_path / "up.py").write_text(_NO_RANK, encoding="utf-8")
    target = f"{tmp_path / 'up.py'}:Upscale"
    out, err = io.StringIO(), io.StringIO()
    assert main(["network", "--torch", target], out, err) == 2
    assert "--rank N" in err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    code = main(["network", "--torch", target, "--rank", str(rank), "--sizes", "1..5",
                 "--json"], out, err)
    assert code == 0, err.getvalue()
    answers = json.loads(out.getvalue())
    assert [len(a["output"]) for a in answers] == [rank] * 5
    seen = observe_cpu(target, range(1, 6), rank=rank)
    assert [(a["valid"], tuple(a["output"])) for a in answers] == [
        (o.valid, o.output) for o in seen]


@pytest.mark.parametrize(("argv", "message"), [
    ([str(EXAMPLES / "dilated.toml"), "--rank", "2"], "--rank go with --torch"),
    (["--torch", f"{EXAMPLES / 'dilated.py'}:Dilated", "--rank", "4"],
     "--rank (spatial axes) must be 1, 2 or 3, got 4"),
    (["--torch", f"{EXAMPLES / 'dilated.py'}:Dilated", "--rank", "1"],
     "takes a tensor with 2 spatial axes (4-D); its input has 1"),
])
def test_cli_rank_is_refused_where_it_does_not_apply(argv: list[str], message: str) -> None:
    import io

    from symconv.cli import main

    out, err = io.StringIO(), io.StringIO()
    assert main(["network", *argv], out, err) == 2
    assert message in err.getvalue()
