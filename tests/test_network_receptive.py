"""Receptive fields against their first-principles definition: the input positions output m
depends on, Dep_l(m) = ⋃_t Dep_{l−1}(m·s − p + d·t), computed as sets (padding positions are
positions too, as in Araujo et al.); the field's ends must be min and max of Dep."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from symconv.network import terms as T
from symconv.network.analysis import Analysis, Layer, analyse
from symconv.network.ir import Kind
from symconv.network.receptive import STEP_STATEMENTS, Field, NoField, prove_step, receptive_fields
from symconv.network.frontends.spec import load_spec, parse_spec
from symconv.network.verdict import Verdict as Status

EXAMPLES = {p.stem: p for p in (Path(__file__).parent.parent / "examples" / "networks").glob(
    "*.toml")}
Dep = Callable[[int], frozenset[int]]


def _int(layer: Layer, key: str, default: int) -> int:
    value = layer.params[0].get(key)
    if value is None:
        return default
    assert value.is_const
    return value.const


def dependencies(analysis: Analysis, point: dict[str, int]) -> dict[str, Dep]:
    """Per layer: m ↦ the input positions (axis 0) output m depends on."""
    deps: dict[str, Dep] = {}
    for layer in analysis.layers:
        node = layer.node
        ins = [deps[n] for n in node.inputs if n in deps]
        dep = _layer_dep(analysis, layer, ins, point)
        if dep is not None:
            deps[node.name] = cache(dep)
    return deps


def _layer_dep(analysis: Analysis, layer: Layer, ins: list[Dep], point: dict[str, int]
               ) -> Dep | None:
    node = layer.node
    if node.kind is Kind.INPUT:
        return lambda m: frozenset({m})
    if len(ins) != len(node.inputs):
        return None
    if node.kind is Kind.IDENTITY:
        return ins[0]
    if node.kind in (Kind.CONCAT, Kind.ELEMENTWISE):
        return lambda m: frozenset().union(*(d(m) for d in ins))
    if node.kind is Kind.WINDOW and layer.rule is not None:
        k, s, d = _int(layer, "k", 1), _int(layer, "s", 1), _int(layer, "d", 1)
        p = _int(layer, "p", _int(layer, "p_begin", 0))
        prev = ins[0]
        if layer.rule.op == "conv_transpose":
            if s != 1:
                return None
            return lambda m: frozenset().union(*(prev(m + p - d * t) for t in range(k)))
        return lambda m: frozenset().union(*(prev(m * s - p + d * t) for t in range(k)))
    if node.kind is Kind.PAD and node.attrs.get("mode", "constant") == "constant":
        begin = _int(layer, "begin", 0)
        return lambda m: ins[0](m - begin)
    if node.kind is Kind.CENTER_CROP:
        sizes = [analysis.layer(n).shape.sizes for n in node.inputs]
        big, small = (T.value(x[0], point) for x in sizes if x is not None)
        return lambda m: ins[0](m + (big - small) // 2)
    return None


@pytest.mark.parametrize(("name", "size"), [
    ("resnet18", 64), ("unet-2015", 188), ("unet-padded", 64), ("dilated", 80),
    ("ceil-pool", 41), ("transposed-residual", 16), ("vgg11-fixed", 224), ("bench-100", 32),
])
def test_fields_are_the_ends_of_the_dependency_sets(name: str, size: int) -> None:
    analysis = analyse(load_spec(EXAMPLES[name]))
    point = dict.fromkeys(analysis.axes, size)
    fields = receptive_fields(analysis)
    deps = dependencies(analysis, point)
    checked = 0
    for layer in analysis.layers:
        field = fields[layer.node.name][0]
        if not isinstance(field, Field):
            continue
        assert layer.node.name in deps, layer.node.name
        sizes = layer.shape.sizes
        assert sizes is not None
        out = T.value(sizes[0], point)
        start, width = T.value(field.start, point), T.value(field.size, point)
        for m in range(min(out, 6)):
            got = deps[layer.node.name](m)
            assert min(got) == start + m * field.jump, (layer.node.name, m)
            assert max(got) == start + m * field.jump + width - 1, (layer.node.name, m)
            checked += 1
    assert checked > 0


def test_resnet18_final_receptive_field_is_435() -> None:
    fields = receptive_fields(analyse(load_spec(EXAMPLES["resnet18"])))
    field = fields["layer4.1.relu2"][0]
    assert isinstance(field, Field)
    assert (T.value(field.size, {}), field.jump, T.value(field.start, {})) == (435, 32, -217)
    assert isinstance(fields["avgpool"][0], NoField)


def test_no_field_is_claimed_past_a_strided_transposed_convolution() -> None:
    fields = receptive_fields(analyse(load_spec(EXAMPLES["unet-2015"])))
    assert isinstance(fields["dec1.upconv"][0], NoField)
    assert isinstance(fields["enc5.relu2"][0], Field)


def test_pads_and_crops_shift_the_start() -> None:
    net = parse_spec('[input]\naxes = 1\n[[layer]]\nop = "pad"\nbegin = 3\nend = 0\n'
                     '[[layer]]\nop = "conv"\nkernel = 3\nstride = 2\n'
                     '[[layer]]\nop = "crop"\nbegin = 1\nend = 1\n'
                     '[[layer]]\nop = "conv_transpose"\nkernel = 3\ndilation = 2\n'
                     'padding = 1\n')
    analysis = analyse(net)
    fields = receptive_fields(analysis)
    deps = dependencies(analysis, {"L": 20})
    for name in ("pad1", "conv2", "crop3", "conv_transpose4"):
        field = fields[name][0]
        assert isinstance(field, Field)
        got = deps[name](2)
        low = T.value(field.start, {"L": 20}) + 2 * field.jump
        assert (min(got), max(got)) == (low, low + T.value(field.size, {"L": 20}) - 1), name


@pytest.mark.parametrize("name", sorted(STEP_STATEMENTS))
def test_step_theorems_are_proved(name: str) -> None:
    theorem = prove_step(name)
    assert theorem.result.status is Status.PROVED
    assert theorem.statement
