"""The spec front-end: examples read, TOML and JSON agree, and every error names the file,
line and column of what is wrong."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from symconv.errors import UsageError
from symconv.network.analysis import analyse
from symconv.network.ir import Kind, NetworkError
from symconv.network.frontends.spec import SpecError, load_spec, parse_spec

EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "networks").glob("*.toml"))
HEAD = '[input]\nchannels = 3\n'


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_read_and_json_gives_the_same_network(path: Path, tmp_path: Path) -> None:
    network = load_spec(path)
    assert network.nodes[0].kind is Kind.INPUT
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    as_json = tmp_path / f"{path.stem}.json"
    as_json.write_text(json.dumps(data, indent=1), encoding="utf-8")
    other = load_spec(as_json)
    strip = [(n.name, n.kind, n.inputs, n.rule, n.axes, n.channels, n.in_channels, n.attrs)
             for n in network.nodes]
    assert strip == [(n.name, n.kind, n.inputs, n.rule, n.axes, n.channels, n.in_channels,
                      n.attrs) for n in other.nodes]
    assert all(n.origin.startswith(str(as_json)) for n in other.nodes)


def _error(text: str, json_format: bool = False) -> str:
    with pytest.raises(SpecError) as info:
        parse_spec(text, "net.toml" if not json_format else "net.json", json_format=json_format)
    assert isinstance(info.value, UsageError)
    return str(info.value)


@pytest.mark.parametrize(("text", "where", "what"), [
    ('[input]\nchannels = 3\n[[layer]]\nop = "conv"\nkernel = \n', "net.toml:5:", "Invalid"),
    (HEAD + '[[layer]]\nop = "conv"\nkernel = 3\n[[layer]]\nop = "warp"\n', "net.toml:7:1",
     "unknown op 'warp'"),
    (HEAD + '[[layer]]\nop = "conv"\nkernel = 3\nstrid = 2\n', "net.toml:6:1",
     "unknown key 'strid'"),
    (HEAD + '[[layer]]\nop = "conv"\n', "net.toml:3:1", "needs kernel"),
    (HEAD + '[[layer]]\nop = "conv"\nkernel = "3"\n', "net.toml:5:1", "kernel must be an"),
    (HEAD + '[[layer]]\nop = "conv"\nkernel = [3, 3, 3]\n', "net.toml:5:1", "3 values"),
    (HEAD + '[[layer]]\nop = "conv"\nkernel = true\n', "net.toml:5:1", "integer"),
    (HEAD + '[[layer]]\nname = "a"\nop = "relu"\n[[layer]]\nname = "a"\nop = "relu"\n',
     "net.toml:7:1", "used twice"),
    (HEAD + '[[layer]]\nname = "a"\nop = "add"\nfrom = ["input", "b"]\n[[layer]]\n'
     'name = "b"\nop = "relu"\nfrom = ["a"]\n', "node 'a' (add) at net.toml:3:1", "cycle"),
    (HEAD + '[[layer]]\nop = "relu"\nfrom = ["nope"]\n', "node 'relu1' (relu) at net.toml:3:1",
     "not a node"),
    ('framework = "caffe"\n' + HEAD + '[[layer]]\nop = "relu"\n', "net.toml:1:1", "framework"),
    (HEAD + '[[layer]]\nop = "upsample"\nscale = 1.5\n', "net.toml:5:1", "not an integer"),
    (HEAD + '[[layer]]\nop = "max_pool"\nkernel = 2\nceil_mode = true\n', "net.toml:3:1",
     "ceil_mode"),
    (HEAD, "net.toml:", "layers"),
    ('[input]\naxes = 4\n[[layer]]\nop = "relu"\n', "net.toml:2:1", "axes must be 1, 2 or 3"),
    (HEAD + '[[layer]]\nop = "conv"\nkernel = 3\npadding = [[1, 2], [1, 2]]\n', "net.toml:",
     "pads both sides equally"),
])
def test_errors_point_at_line_and_column(text: str, where: str, what: str) -> None:
    message = _error(text)
    assert message.startswith(where), message
    assert what in message, message


def test_json_errors_point_at_line_and_column() -> None:
    message = _error('{"layers": [\n {"op": "conv", "kernel": 3},\n {"op": "conv", "kernl": 3}'
                     "\n]}", json_format=True)
    assert message.startswith("net.json:3:17"), message
    assert "unknown key 'kernl'" in message
    message = _error('{"layers": [\n {"op": "conv",, "kernel": 3}]}', json_format=True)
    assert message.startswith("net.json:2:16"), message


def test_analysis_errors_name_the_layer_and_its_position() -> None:
    net = parse_spec(HEAD + '[[layer]]\nop = "conv"\nchannels = 8\nkernel = 3\n'
                     '[[layer]]\nop = "conv"\nin_channels = 4\nkernel = 3\n', "net.toml")
    with pytest.raises(NetworkError, match=r"node 'conv2' \(conv\) at net.toml:7:1: expects 4 "
                       "input channels, gets 8"):
        analyse(net)


def test_a_merge_of_different_channel_counts_names_the_layer() -> None:
    net = parse_spec(HEAD + '[[layer]]\nname = "a"\nop = "conv"\nchannels = 8\nkernel = 1\n'
                     '[[layer]]\nname = "b"\nop = "conv"\nfrom = ["input"]\nchannels = 16\n'
                     'kernel = 1\n[[layer]]\nname = "m"\nop = "cat"\n[[layer]]\nop = "add"\n'
                     'from = ["a", "b"]\n', "net.toml")
    with pytest.raises(NetworkError, match=r"add4.*net.toml:17:1.*different channel counts"):
        analyse(net)


def test_rule_choice_follows_the_framework() -> None:
    net = parse_spec('framework = "onnx"\n' + HEAD + '[[layer]]\nop = "conv"\nkernel = 3\n'
                     'padding = "same_upper"\nstride = 2\n[[layer]]\nop = "max_pool"\n'
                     'kernel = 3\nstride = 2\npadding = [[0, 1], [0, 1]]\n[[layer]]\nop = "conv"\n'
                     'kernel = 3\nframework = "torch"\npadding = "same"\n')
    rules = [n.rule for n in net.nodes[1:]]
    assert rules == ["onnx.conv.same_upper", "onnx.max_pool", "torch.conv.same"]
    assert net.nodes[2].axes[0] == {"k": 3, "s": 2, "d": 1, "p_begin": 0, "p_end": 1}


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(bad)
