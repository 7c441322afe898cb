"""The dumb reference for network arithmetic: run a network's IR on concrete sizes, layer by
layer, in plain Python. Window layers use the SymPy rules' own ``Rule.verdict`` (not the
analysis' terms or the generated rulebook); every other kind is written out directly from the
framework's behaviour. Returns, per layer, the sizes or the first refusal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import symconv_generated.frameworkshape as frameworkshape
from symconv.frameworks import get
from symconv.frameworks.base import Op
from symconv.network import semantics as S
from symconv.network.ir import Kind, Network, Node


@dataclass(frozen=True)
class Run:
    sizes: dict[str, tuple[int, ...] | None]  # spatial sizes (None once flattened)
    refused: tuple[str, str] | None  # (layer, message)


class _Refuse(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def run(network: Network, point: Sequence[int]) -> Run:
    sizes: dict[str, tuple[int, ...] | None] = {}
    channels: dict[str, int | None] = {}
    features: dict[str, int | None] = {}
    rank = len(network.axes)
    for node in network.nodes:
        try:
            out, ch, feat = _node(node, network, point, sizes, channels, features, rank)
        except _Refuse as exc:
            return Run(sizes, (node.name, exc.message))
        sizes[node.name], channels[node.name], features[node.name] = out, ch, feat
    return Run(sizes, None)


def _value(raw: object, sizes: Mapping[str, tuple[int, ...] | None]) -> int | None:
    if raw is None or isinstance(raw, int):
        return raw
    import sympy as sp

    assert isinstance(raw, sp.Expr)
    env = {}
    for sym in raw.free_symbols:
        tensor, _, axis = sym.name[len("size["):-1].rpartition("][")
        got = sizes[tensor]
        assert got is not None
        env[sym] = got[int(axis)]
    return int(raw.subs(env))


def _node(node: Node, network: Network, point: Sequence[int],
          sizes: Mapping[str, tuple[int, ...] | None], channels: Mapping[str, int | None],
          features: Mapping[str, int | None], rank: int
          ) -> tuple[tuple[int, ...] | None, int | None, int | None]:
    kind = node.kind
    ins = [sizes[name] for name in node.inputs]
    if kind is Kind.INPUT:
        if any(x < 1 for x in point):
            raise _Refuse("an input size must be >= 1")
        return tuple(point), network.channels, None
    first = ins[0] if ins else None
    ch = channels[node.inputs[0]] if node.inputs else None
    if kind is Kind.WINDOW:
        assert first is not None
        return _window(node, first, rank), node.channels or ch, None
    if kind is Kind.IDENTITY:
        return first, ch, features[node.inputs[0]]
    if kind is Kind.FLATTEN:
        if first is None:
            return None, None, features[node.inputs[0]]
        total = (ch or 0)
        for x in first:
            total *= x
        fixed = node.attrs.get("features")
        if fixed is not None and total != fixed:
            raise _Refuse(S.view_message(node.framework))
        return None, None, total
    if kind is Kind.LINEAR:
        need = node.attrs["in_features"]
        if first is None:
            if features[node.inputs[0]] != need:
                raise _Refuse(S.linear_message(node.framework))
            return None, node.channels, node.channels
        if first[-1] != need:
            raise _Refuse(S.linear_message(node.framework))
        assert node.channels is not None
        return (*first[:-1], node.channels), ch, None
    assert first is not None
    return _spatial(node, ins, sizes), _merged_channels(node, channels), None


def _merged_channels(node: Node, channels: Mapping[str, int | None]) -> int | None:
    counts = [channels[n] for n in node.inputs]
    if any(c is None for c in counts):
        return None
    if node.kind is Kind.CONCAT:
        return sum(c for c in counts if c is not None)
    return max(c for c in counts if c is not None)


def _window(node: Node, sizes: tuple[int, ...], rank: int) -> tuple[int, ...]:
    rule = get(node.rule)
    out: list[int] = []
    verdicts = []
    for axis, i in enumerate(sizes):
        env = {k: v for k, v in node.axes[axis].items() if v is not None}
        env["i"] = i
        assert all(isinstance(v, int) for v in env.values())
        verdicts.append(_rule_verdict(rule, env, rank))
    # the framework checks each condition on every axis before the next condition
    for position in range(max(len(v[1]) for v in verdicts)):
        for _, failures in verdicts:
            if position < len(failures) and failures[position]:
                raise _Refuse(failures[position])
    for value, _ in verdicts:
        assert value is not None
        out.append(value)
    return tuple(out)


def _rule_verdict(rule: object, env: dict[str, int], rank: int
                  ) -> tuple[int | None, list[str]]:
    """(value, per check position: the message if that check fails there, else ''). The value
    comes from the generated, proved helper of the rule (``frameworkshape``)."""
    from symconv.frameworks.base import Rule

    assert isinstance(rule, Rule)
    i = env["i"]
    messages = [r.message for r in rule.refusals]
    checks = [""] * len(messages)
    value: int | None = None
    if i >= 1:
        helper = getattr(frameworkshape, rule.id.replace(".", "_"))
        try:
            value = helper(**env)
        except ValueError as exc:
            # the helper says "torch.max_pool: <the framework's message>"
            message = str(exc).removeprefix(f"{rule.id}: ")
            checks[messages.index(message)] = message
    zero = i < 1
    if rule.framework == "onnx" and rule.op.value in S.ORT_EMPTY_OUTPUT:
        # onnxruntime refuses a Conv / ConvTranspose output of 0 (the reference evaluator
        # returns an empty tensor): a check after the rule's own
        empty = value is not None and value < 1
        checks.append(S.ORT_EMPTY_OUTPUT[rule.op.value] if empty else "")
    if rule.framework != "torch":
        return value, [S.positive_input(rule.framework, rule.id) if zero else "", *checks]
    if rule.op is Op.CONV:
        kernel = env["d"] * (env["k"] - 1) + 1 if "d" in env else env["k"]
        too_big = i + 2 * env.get("p", 0) < kernel
        return value, [messages[0] if too_big else "", S.TORCH_ZERO_CONV if zero else "",
                       *checks[1:]]
    if rule.op is Op.CONV_TRANSPOSE:
        return value, [S.TORCH_ZERO_CONV if zero else "", *checks]
    if rank >= 2:
        checks = [S.TORCH_POOL_TOO_SMALL if "Invalid computed output size" in m else m
                  for m in checks]
    if rank == 3 and rule.op is Op.AVG_POOL:
        checks = [*checks[:-1], "" if i >= env["k"] else S.TORCH_AVG3D_KERNEL, checks[-1]]
    zero_message = S.TORCH_ZERO_POOL if rank <= 2 else S.TORCH_ZERO_POOL3D
    return value, [zero_message if zero else "", *checks]


def _spatial(node: Node, ins: list[tuple[int, ...] | None],
             sizes: Mapping[str, tuple[int, ...] | None]) -> tuple[int, ...]:
    kind, fw = node.kind, node.framework
    first = ins[0]
    assert first is not None
    rank = len(first)
    if kind is Kind.ADAPTIVE_POOL:
        if any(x < 1 for x in first):
            raise _Refuse(S.TORCH_ADAPTIVE_ZERO if fw == "torch"
                          else S.positive_input(fw, "adaptive pooling"))
        return tuple(_value(node.axes[a]["size"], sizes) or 0 for a in range(rank))
    if kind in (Kind.UPSAMPLE, Kind.RESIZE):
        if kind is Kind.UPSAMPLE:
            out = tuple(first[a] * int(node.axes[a]["scale"]) for a in range(rank))  # type: ignore[call-overload]
        else:
            out = tuple(_value(node.axes[a]["size"], sizes) or 0 for a in range(rank))
        if any(x < 1 for x in first) or any(x < 1 for x in out):
            raise _Refuse(S.TORCH_INTERPOLATE_ZERO if fw == "torch"
                          else S.positive_input(fw, "resizing"))
        return out
    if kind is Kind.PAD:
        return _pad(node, first, sizes)
    if kind is Kind.SLICE:
        out_list = []
        for a in range(rank):
            p = node.axes[a]
            start, stop = _value(p.get("start"), sizes), _value(p.get("stop"), sizes)
            step = int(p.get("step") or 1)  # type: ignore[call-overload]
            out_list.append(len(range(first[a])[start:stop:step]))
        return tuple(out_list)
    if kind is Kind.CENTER_CROP:
        ref = ins[1]
        assert ref is not None
        if any(x < r for x, r in zip(first, ref, strict=True)):
            raise _Refuse(f"{fw}: a center crop needs the input at least as large as the "
                          "reference")
        return ref
    if kind is Kind.CONCAT:
        for other in ins[1:]:
            if other != first:
                raise _Refuse(S.TORCH_CAT if fw == "torch" else
                              f"{fw}: concatenated tensors need equal sizes on the other axes")
        return first
    if kind is Kind.ELEMENTWISE:
        out = first
        for other in ins[1:]:
            assert other is not None
            merged = []
            for a, b in zip(out, other, strict=True):
                if a == b or (fw in S.BROADCASTING and (a == 1 or b == 1)):
                    merged.append(b if a == 1 else a)
                else:
                    raise _Refuse(S.TORCH_BROADCAST if fw == "torch" else (
                        f"{fw}: sizes must be equal or 1 to broadcast" if fw in S.BROADCASTING
                        else f"{fw}: an elementwise operation needs equal sizes"))
            out = tuple(merged)
        return out
    raise AssertionError(f"reference: no {kind}")


def _pad(node: Node, first: tuple[int, ...], sizes: Mapping[str, tuple[int, ...] | None]
         ) -> tuple[int, ...]:
    mode = node.attrs.get("mode", "constant")
    fw = node.framework
    pads = [(_value(p.get("begin", 0), sizes) or 0, _value(p.get("end", 0), sizes) or 0)
            for p in node.axes]
    out = tuple(i + b + e for i, (b, e) in zip(first, pads, strict=True))
    if fw != "torch":
        if any(x < 0 for x in out):
            raise _Refuse(f"{fw}: padding leaves a negative size")
        if mode == "reflect" and any(b >= i or e >= i for i, (b, e) in zip(first, pads,
                                                                          strict=True)):
            raise _Refuse(f"{fw}: reflection padding must be smaller than the input")
        return out
    if mode == "constant":
        for i, (b, e) in zip(first, pads, strict=True):
            if i + min(b, 0) + min(e, 0) < 0:
                raise _Refuse(S.TORCH_NARROW)
        return out
    if mode in ("reflect", "replicate") and any(i < 1 for i in first):
        raise _Refuse(S.TORCH_PAD_ZERO)
    if mode == "reflect" and any(b >= i or e >= i for i, (b, e) in zip(first, pads,
                                                                      strict=True)):
        raise _Refuse(S.TORCH_REFLECT)
    if mode == "circular" and any(b > i or e > i for i, (b, e) in zip(first, pads,
                                                                     strict=True)):
        raise _Refuse(S.TORCH_CIRCULAR)
    return out
