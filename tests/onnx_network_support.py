"""Judges for the ONNX front-end's tests: a dumb evaluator of a Network at concrete sizes (each
layer's rule evaluated in plain Python, nothing simplified), onnxruntime running the exported
graph, and PyTorch running the original module on the meta device."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ort_runner
import sympy as sp

from symconv.frameworks import compiled, get
from symconv.frameworks.base import Refused
from symconv.network.ir import Kind, Network, Node


@dataclass(frozen=True)
class Outcome:
    """What a judge says at one input size: the output's spatial sizes (one tuple per output,
    empty for a flattened output), or the refusal."""

    ok: bool
    outputs: tuple[tuple[int, ...], ...] = ()
    why: str = ""

    def same(self, other: Outcome) -> bool:
        return self.ok == other.ok and (not self.ok or self.outputs == other.outputs)


class _Refuse(Exception):
    pass


_EXPRS: dict[sp.Basic, compiled.Fn] = {}
_RULES: dict[str, Any] = {}


def _param(value: Any, env: Mapping[str, int]) -> Any:
    if isinstance(value, sp.Basic):
        if value not in _EXPRS:
            _EXPRS[value] = compiled.expr(value)
        return _EXPRS[value](env)
    return value


@dataclass
class _T:
    channels: int | None
    sizes: tuple[int, ...]  # () after flatten
    features: int | None = None


def _window(node: Node, x: _T, env: Mapping[str, int]) -> tuple[int, ...]:
    if node.rule not in _RULES:
        _RULES[node.rule] = compiled.verdict(get(node.rule))
    rule = _RULES[node.rule]
    out = []
    for i, axis in zip(x.sizes, node.axes, strict=True):
        # every size reaching a layer is >= 1 (checked after each node), the rule's domain
        value = rule({"i": i, **{k: _param(v, env) for k, v in axis.items()}})
        if isinstance(value, Refused):
            raise _Refuse(f"{node.name}: {value.message}")
        out.append(value)
    return tuple(out)


def _sizes(node: Node, ins: Sequence[_T], env: Mapping[str, int]) -> _T:
    x = ins[0] if ins else _T(None, ())
    ch = node.channels if node.channels is not None else x.channels
    per = [{k: _param(v, env) for k, v in a.items()} for a in node.axes]
    kind = node.kind
    if kind is Kind.WINDOW:
        return _T(ch, _window(node, x, env))
    if kind is Kind.ADAPTIVE_POOL:
        return _T(ch, tuple(a["size"] for a in per))
    if kind is Kind.UPSAMPLE:
        return _T(ch, tuple(i * a["scale"] for i, a in zip(x.sizes, per, strict=True)))
    if kind is Kind.RESIZE:
        return _T(ch, tuple(a["size"] for a in per))
    if kind is Kind.PAD:
        assert node.attrs.get("mode", "constant") == "constant"
        return _T(ch, tuple(i + a["begin"] + a["end"] for i, a in zip(x.sizes, per, strict=True)))
    if kind is Kind.SLICE:
        return _T(ch, tuple(len(range(i)[a["start"]:a["stop"]:a["step"]])
                            for i, a in zip(x.sizes, per, strict=True)))
    if kind is Kind.CONCAT:
        if x.sizes == () and x.features is not None:
            return _T(None, (), sum(t.features or 0 for t in ins))
        if any(t.sizes != x.sizes for t in ins):
            raise _Refuse(f"{node.name}: concat of {[t.sizes for t in ins]}")
        return _T(ch, x.sizes)
    if kind is Kind.ELEMENTWISE:
        out = []
        for axis in zip(*(t.sizes for t in ins), strict=True):
            big = set(axis) - {1}
            if len(big) > 1:
                raise _Refuse(f"{node.name}: broadcast of {[t.sizes for t in ins]}")
            out.append(big.pop() if big else 1)
        return _T(ch, tuple(out), x.features)
    if kind is Kind.FLATTEN:
        assert x.channels is not None
        return _T(None, (), x.channels * math.prod(x.sizes))
    if kind is Kind.LINEAR:
        if x.features != node.attrs["in_features"]:
            raise _Refuse(f"{node.name}: {x.features} features, needs {node.attrs['in_features']}")
        return _T(ch, (), node.channels)
    if kind is Kind.IDENTITY:
        return _T(ch, x.sizes, x.features)
    raise AssertionError(f"no reference for {kind}")


def layer_sizes(net: Network, sizes: Sequence[int]) -> dict[str, tuple[int, ...]]:
    """Every layer's spatial output sizes at input ``sizes`` (raises _Refuse where refused)."""
    done: dict[str, _T] = {}
    env: dict[str, int] = {}
    for node in net.nodes:
        if node.kind is Kind.INPUT:
            t = _T(net.channels, tuple(sizes))
        else:
            t = _sizes(node, [done[n] for n in node.inputs], env)
        if any(n < 1 for n in t.sizes):
            raise _Refuse(f"{node.name}: size {t.sizes}")
        done[node.name] = t
        for j, n in enumerate(t.sizes):
            env[f"size[{node.name}][{j}]"] = n
    return {name: t.sizes for name, t in done.items()}


def evaluate_network(net: Network, sizes: Sequence[int]) -> Outcome:
    """Every layer of ``net`` at input sizes ``sizes``, one at a time; a size < 1 anywhere (the
    outputs included) is a refusal, as V counts it: PyTorch refuses to make an empty tensor,
    onnxruntime returns one from a pool and raises at a later node or gives an empty output
    (which node: symconv.network.ortrun, tests/test_network_onnx_runtime.py), and ONNX's
    reference evaluator returns one from a convolution too."""
    try:
        done = layer_sizes(net, sizes)
    except _Refuse as exc:
        return Outcome(False, why=str(exc))
    return Outcome(True, tuple(done[o] for o in net.outputs))


# --- the real things ------------------------------------------------------------------------


def ort_session(path: str) -> Any:
    return ort_runner.session(path)


def ort_outcome(session: Any, channels: int, sizes: Sequence[int]) -> Outcome:
    ok, outputs, why = ort_runner.run(session, channels, sizes)
    return Outcome(ok, outputs, why)


_WORKER = """
import json, sys
sys.path[:0] = json.loads(sys.argv[1])
import ort_runner
session = ort_runner.session(sys.argv[2])
for line in sys.stdin:
    sizes = json.loads(line)
    print(json.dumps(["start", sizes]), flush=True)
    ok, outputs, why = ort_runner.run(session, int(sys.argv[3]), sizes)
    print(json.dumps(["done", sizes, ok, outputs, why]), flush=True)
"""


def ort_outcomes(path: str, channels: int, sizes: Sequence[Sequence[int]]
                 ) -> dict[tuple[int, ...], Outcome]:
    """onnxruntime at each input size, in a child process, so that a runtime that dies (as
    onnxruntime 1.32 does at its default optimisation level on some sizes too small for
    inception_v3: SIGFPE) cannot take the tests down: such a size counts as refused, and the
    child is restarted for the rest."""
    import json
    import subprocess
    import sys

    pending = [tuple(hw) for hw in sizes]
    results: dict[tuple[int, ...], Outcome] = {}
    while pending:
        proc = subprocess.run(
            [sys.executable, "-c", _WORKER, json.dumps(sys.path), path, str(channels)],
            input="".join(json.dumps(hw) + "\n" for hw in pending), capture_output=True,
            text=True, timeout=1800, check=False)
        started = None
        for line in proc.stdout.splitlines():
            event = json.loads(line)
            if event[0] == "start":
                started = tuple(event[1])
            else:
                key = tuple(event[1])
                results[key] = Outcome(event[2], tuple(tuple(o) for o in event[3]), event[4])
                started = None
        if started is None:
            if proc.returncode != 0:
                raise RuntimeError(f"onnxruntime worker failed: {proc.stderr[-2000:]}")
            break
        results[started] = Outcome(False, why=f"onnxruntime crashed (exit {proc.returncode})")
        pending = pending[pending.index(started) + 1:]
    return results


def ort_pool_deviation(ours: Outcome, real: Outcome) -> bool:
    """onnxruntime's one known departure from the ONNX spec on sizes: a floor-mode pooling
    window that does not fit in the padded input (i + p_begin + p_end < k̂) gives output 1 in
    onnxruntime (C++ truncation of a negative quotient, as ``onnx.infer.*`` computes), while
    the spec, the reference evaluator and PyTorch refuse. symconv follows the spec there."""
    from symconv.frameworks.onnx import POOL_EMPTY

    return not ours.ok and real.ok and POOL_EMPTY in ours.why


def torch_outcome(module: Any, channels: int, sizes: Sequence[int]) -> Outcome:
    """``module`` run at input ``sizes`` on the device its parameters are on (meta, or the CPU
    with zeros in)."""
    import torch

    device = next(module.parameters()).device
    x = torch.zeros((1, channels, *sizes), device=device)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = module(x)
    except (RuntimeError, ValueError, IndexError) as exc:
        return Outcome(False, why=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    outs = out if isinstance(out, tuple) else (out,)
    if any(0 in o.shape for o in outs):
        return Outcome(False, why="empty output")
    return Outcome(True, tuple(tuple(int(n) for n in o.shape[2:]) for o in outs))
