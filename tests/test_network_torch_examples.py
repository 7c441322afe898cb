"""The spec examples judged by PyTorch itself: each spec is built as a torch model (channel
counts shrunk: sizes do not depend on them, except before a Linear, whose features are scaled
to match) and run on CPU at every size in a range; validity, the output sizes and the refusing
layer's message must be what `symconv network --sizes --json` says."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from symconv.cli import main
from symconv.network.ir import Kind, Network, Node
from symconv.network.frontends.spec import load_spec

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

EXAMPLES = Path(__file__).parent.parent / "examples" / "networks"
SHRINK = 16


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """Tiny convolutions on a shared 2-core machine: a second intra-op thread only contends."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _ch(c: int | None) -> int:
    return max(1, (c or 1) // SHRINK)


class SpecModel(nn.Module):  # type: ignore[misc]
    """Runs a spec's IR with real torch layers (2-D)."""

    def __init__(self, network: Network) -> None:
        super().__init__()
        self.network = network
        self.layers = nn.ModuleDict()
        channels: dict[str, int] = {network.nodes[0].name: network.channels}
        for node in network.nodes[1:]:
            cin = channels[node.inputs[0]]
            module, cout = self._module(node, cin, channels)
            if module is not None:
                self.layers[self._key(node.name)] = module
            channels[node.name] = cout

    @staticmethod
    def _key(name: str) -> str:
        return name.replace(".", "_")

    def _module(self, node: Node, cin: int, channels: dict[str, int]) -> tuple[Any, int]:
        if node.kind is Kind.WINDOW:
            p = node.axes[0]
            if node.rule.startswith("torch.conv_transpose"):
                cout = _ch(node.channels)
                return nn.ConvTranspose2d(cin, cout, p["k"], p["s"], p["p"], p["a"],
                                          dilation=p["d"]), cout
            if node.rule.startswith("torch.conv"):
                cout = _ch(node.channels)
                return nn.Conv2d(cin, cout, p["k"], p["s"], p["p"], p["d"]), cout
            if node.rule.startswith("torch.max_pool"):
                return nn.MaxPool2d(p["k"], p["s"], p["p"], p["d"],
                                    ceil_mode=node.rule.endswith(".ceil")), cin
            return nn.AvgPool2d(p["k"], p["s"], p["p"], ceil_mode=node.rule.endswith(".ceil")), cin
        if node.kind is Kind.ADAPTIVE_POOL:
            return nn.AdaptiveAvgPool2d(node.axes[0]["size"]), cin
        if node.kind is Kind.LINEAR:
            return None, node.channels or 1
        if node.kind is Kind.CONCAT:
            return None, sum(channels[n] for n in node.inputs)
        if node.kind is Kind.IDENTITY and node.op == "batch_norm":
            return nn.BatchNorm2d(cin).eval(), cin
        return None, cin

    def forward(self, x: Any) -> Any:
        values: dict[str, Any] = {self.network.nodes[0].name: x}
        shrunk: dict[str, bool] = {self.network.nodes[0].name: False}  # features scaled down
        for node in self.network.nodes[1:]:
            ins = [values[n] for n in node.inputs]
            shrunk[node.name] = node.kind is Kind.FLATTEN or (
                node.kind is not Kind.LINEAR and shrunk[node.inputs[0]])
            key = self._key(node.name)
            if key in self.layers:
                values[node.name] = self.layers[key](ins[0])
            elif node.kind is Kind.CONCAT:
                values[node.name] = torch.cat(ins, 1)
            elif node.kind is Kind.ELEMENTWISE:
                values[node.name] = ins[0] + ins[1]
            elif node.kind is Kind.CENTER_CROP:
                big, small = ins[0], ins[1]
                dh = (big.shape[2] - small.shape[2]) // 2
                dw = (big.shape[3] - small.shape[3]) // 2
                if dh < 0 or dw < 0:
                    raise RuntimeError("torch: a center crop needs the input at least as large "
                                       "as the reference")
                values[node.name] = big[:, :, dh:dh + small.shape[2], dw:dw + small.shape[3]]
            elif node.kind is Kind.FLATTEN:
                values[node.name] = torch.flatten(ins[0], 1)
            elif node.kind is Kind.LINEAR:
                features = node.attrs["in_features"]
                weight = torch.zeros(node.channels, features // SHRINK
                                     if shrunk[node.inputs[0]] else features)
                values[node.name] = F.linear(ins[0], weight)
            else:
                values[node.name] = F.relu(ins[0])
        return values[self.network.outputs[0]]


def _judge(model: Any, size: int) -> tuple[bool, list[int], str]:
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = model(torch.zeros(1, model.network.channels, size, size))
    except RuntimeError as exc:
        return False, [], str(exc)
    return True, list(y.shape[2:]), ""


@pytest.mark.parametrize(("name", "high"), [
    ("unet-padded", 40), ("ceil-pool", 70), ("transposed-residual", 50), ("dilated", 72),
    ("unet-2015", 40), ("resnet18", 24),
])
def test_examples_agree_with_pytorch(name: str, high: int) -> None:
    network = load_spec(EXAMPLES / f"{name}.toml")
    model = SpecModel(network).eval()
    out, err = io.StringIO(), io.StringIO()
    assert main(["network", str(EXAMPLES / f"{name}.toml"), "--sizes", f"1..{high}", "--json"],
                out, err) == 0, err.getvalue()
    extra = [188, 189, 204] if name == "unet-2015" else []
    rows = {r["size"]: r for r in json.loads(out.getvalue())}
    if extra:
        out = io.StringIO()
        main(["network", str(EXAMPLES / f"{name}.toml"), "--sizes", "188..204", "--json"],
             out, err)
        rows.update({r["size"]: r for r in json.loads(out.getvalue())})
    for size in [*range(1, high + 1), *extra]:
        ok, shape, message = _judge(model, size)
        row = rows[size]
        assert row["valid"] == ok, (size, message)
        if ok:
            assert row["output"] == shape, size
        else:
            assert row["refused_by"]["message"] in message, (size, message)


def test_vgg_without_pool_agrees_with_pytorch_on_its_linear_layer() -> None:
    network = load_spec(EXAMPLES / "vgg11-fixed.toml")
    model = SpecModel(network).eval()
    out, err = io.StringIO(), io.StringIO()
    main(["network", str(EXAMPLES / "vgg11-fixed.toml"), "--sizes", "220..260", "--json"],
         out, err)
    for row in json.loads(out.getvalue()):
        if 226 <= row["size"] <= 252:
            continue
        ok, _, message = _judge(model, row["size"])
        assert row["valid"] == ok, row
        if not ok:
            assert row["refused_by"]["message"] in message
