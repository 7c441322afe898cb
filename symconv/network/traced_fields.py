"""Receptive field and jump along one traced path of a PyTorch model, with the recurrences of
:mod:`symconv.network.receptive` (``window_field``, ``shift``, ``hull``: the same code, proved
there, as the fx front-end's table).

The path is traced once more at its own point with a ``TorchFunctionMode`` on top of the fake
tensors: every torch function the forward calls is seen with its tensors, so each tensor that
depends on the input carries its field per spatial axis. A convolution, pooling or transposed
convolution composes its window; constant padding, channel slicing and ``cat``/``chunk`` on
the channels shift or merge; an op that acts position by position (an activation, an eval-mode
norm, an elementwise sum) merges its operands when their spatial sizes are equal. Anything
else — an op whose window is not known, a broadcast over a spatial axis, a reshape — ends the
field (``NoField``: the table's "—"), never a guess. The leaf modules' outputs are matched with
the path's steps by module path, in order.

This module imports torch only inside :func:`path_fields`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from symconv.network import terms as T
from symconv.network.frontends.torch_trace import Path, Tracer, _expr, _tensors
from symconv.network.receptive import ORIGIN, Field, NoField, Receptive, hull, shift, window_field

# ops whose output at a position reads their operands at that same position only (eval mode:
# dropout is the identity, batch_norm uses its running statistics)
POINTWISE = frozenset({
    "relu", "relu_", "relu6", "gelu", "silu", "silu_", "sigmoid", "sigmoid_", "tanh", "tanh_",
    "hardswish", "hardswish_", "hardsigmoid", "hardsigmoid_", "hardtanh", "hardtanh_",
    "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu", "mish", "softplus",
    "prelu", "batch_norm", "dropout", "dropout_", "dropout1d", "dropout2d", "dropout3d",
    "feature_dropout", "alpha_dropout", "add", "add_", "__add__", "__iadd__", "__radd__",
    "sub", "sub_", "__sub__", "__isub__", "__rsub__", "mul", "mul_", "__mul__", "__imul__",
    "__rmul__", "div", "div_", "__truediv__", "__itruediv__", "clamp", "clamp_", "clamp_min",
    "clamp_max", "contiguous", "clone", "to", "float", "type_as", "detach", "neg", "__neg__",
    "abs", "exp", "sqrt", "rsqrt", "maximum", "minimum", "where",
})
_WINDOW = re.compile(r"(conv|conv_transpose|max_pool|avg_pool)([123])d(_with_indices)?")
# positional parameters after the input, per family (PyTorch's functional signatures)
_SIGNATURES: Mapping[str, tuple[str, ...]] = {
    "conv": ("weight", "bias", "stride", "padding", "dilation", "groups"),
    "conv_transpose": ("weight", "bias", "stride", "padding", "output_padding", "groups",
                       "dilation"),
    "max_pool": ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "avg_pool": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
}
OPAQUE = "pad@"  # a padding that depends on the input size: an unknown offset of the start


def _bind(names: Sequence[str], args: Sequence[Any], kwargs: Mapping[str, Any]
          ) -> dict[str, Any]:
    bound = dict(zip(names, args[1:], strict=False))
    bound.update((k, v) for k, v in kwargs.items() if k in names)
    return bound


def _per_axis(value: Any, rank: int, default: int) -> list[Any]:
    if value is None or (isinstance(value, list | tuple) and not value):
        return [default] * rank
    if isinstance(value, list | tuple):
        return list(value) if len(value) == rank else [value[0]] * rank
    return [value] * rank


def _const(value: Any) -> int | None:
    """An int, or a SymInt whose expression is a constant; None for a size-dependent one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    expr = getattr(getattr(value, "node", None), "expr", None)
    if expr is not None and getattr(expr, "is_Integer", False):
        return int(expr)
    return None


def _same(a: Sequence[Any] | None, b: Sequence[Any] | None) -> bool:
    """Equal sizes on this path. Two expressions that differ may still be equal on the path
    (a ``cat`` or a broadcast made PyTorch guard it): SymInts compare through the trace's
    ShapeEnv, which answers as the path decided (its guards are this re-trace's own)."""
    if a is None or b is None or len(a) != len(b):
        return False
    return all(_expr(x) == _expr(y) or bool(x == y) for x, y in zip(a, b, strict=True))


def _spatial(t: Any, rank: int) -> tuple[Any, ...] | None:
    return tuple(t.shape[2:]) if t.dim() == rank + 2 else None


def _none(rank: int, reason: str) -> tuple[Receptive, ...]:
    return (NoField(reason),) * rank


def _merge(ins: Sequence[tuple[Receptive, ...]], rank: int) -> tuple[Receptive, ...]:
    out: list[Receptive] = []
    for axis in range(rank):
        per = [f[axis] for f in ins]
        gone = [f for f in per if isinstance(f, NoField)]
        out.append(gone[0] if gone else hull([f for f in per if isinstance(f, Field)]))
    return tuple(out)


class _Fields:
    """The field of every tensor that depends on the input, by identity (the tensors are kept
    alive so that an identity is never reused)."""

    def __init__(self, rank: int) -> None:
        self.rank = rank
        self.of: dict[int, tuple[Receptive, ...]] = {}
        self.keep: list[Any] = []
        self.opaque = itertools.count()

    def set(self, t: Any, fields: tuple[Receptive, ...]) -> None:
        self.of[id(t)] = fields
        self.keep.append(t)

    def tracked(self, values: Any) -> list[tuple[Any, tuple[Receptive, ...]]]:
        import torch

        found: list[tuple[Any, tuple[Receptive, ...]]] = []
        stack = [values]
        while stack:
            v = stack.pop()
            if isinstance(v, torch.Tensor):
                got = self.of.get(id(v))
                if got is not None:
                    found.append((v, got))
            elif isinstance(v, list | tuple):
                stack.extend(v)
            elif isinstance(v, dict):
                stack.extend(v.values())
        return found

    def record(self, func: Any, args: Sequence[Any], kwargs: Mapping[str, Any],
               out: Any) -> None:
        ins = self.tracked([list(args), dict(kwargs)])
        if not ins:
            return
        outs = list(_tensors(out))
        if not outs:
            return
        name = getattr(func, "__name__", "") or type(func).__name__
        try:
            result = self.rule(name, args, kwargs, ins, outs)
        except Exception as exc:  # a call shaped unlike PyTorch's signature: no field
            result = _none(self.rank, f"{name}: {type(exc).__name__}")
        for t in outs:
            self.set(t, result)

    def rule(self, name: str, args: Sequence[Any], kwargs: Mapping[str, Any],
             ins: Sequence[tuple[Any, tuple[Receptive, ...]]], outs: Sequence[Any]
             ) -> tuple[Receptive, ...]:
        rank = self.rank
        window = _WINDOW.fullmatch(name)
        if window is not None:
            return self.window(window.group(1), int(window.group(2)), args, kwargs, ins)
        out_shape = _spatial(outs[0], rank)
        same = all(_same(_spatial(t, rank), out_shape) for t, _ in ins)
        if name in POINTWISE or name in ("cat", "concat", "concatenate", "chunk", "split",
                                         "view", "reshape", "flatten", "__getitem__"):
            if not same:
                return _none(rank, f"{name} changes or broadcasts a spatial axis")
            if name in ("cat", "concat", "concatenate", "chunk", "split"):
                at = 1 if name in ("cat", "concat", "concatenate") else 2
                dim = kwargs.get("dim", args[at] if len(args) > at else 0)
                if not isinstance(dim, int) or dim % (rank + 2) >= 2:
                    return _none(rank, f"{name} along a spatial axis")
            elif name in ("view", "reshape", "flatten"):
                if not all(_same(tuple(t.shape), tuple(outs[0].shape)) for t, _ in ins):
                    return _none(rank, f"{name} rearranges the positions")
            elif name == "__getitem__" and not _channel_index(args[1] if len(args) > 1
                                                              else None, rank):
                return _none(rank, "indexing along a spatial axis")
            return _merge([f for _, f in ins], rank)
        if name in ("pad", "_pad"):
            return self.pad(args, kwargs, ins)
        return _none(rank, f"{name}: its window is not known")

    def window(self, family: str, n: int, args: Sequence[Any], kwargs: Mapping[str, Any],
               ins: Sequence[tuple[Any, tuple[Receptive, ...]]]) -> tuple[Receptive, ...]:
        rank = self.rank
        before = self.of.get(id(args[0]))
        if n != rank or before is None or _spatial(args[0], rank) is None:
            return _none(rank, f"{family}{n}d on a tensor of another rank")
        p = _bind(_SIGNATURES[family], args, kwargs)
        if family in ("conv", "conv_transpose"):
            kernel = [int(k) for k in p["weight"].shape[2:]]
        else:
            kernel = _per_axis(p["kernel_size"], rank, 1)
        stride = _per_axis(p.get("stride"), rank, 1) if (
            family in ("conv", "conv_transpose") or p.get("stride")) else kernel
        dilation = _per_axis(p.get("dilation"), rank, 1)
        padding = p.get("padding", 0)
        out: list[Receptive] = []
        for j in range(rank):
            field = before[j]
            k, s, d = _const(kernel[j]), _const(stride[j]), _const(dilation[j])
            if isinstance(field, NoField):
                out.append(field)
                continue
            if k is None or s is None or d is None:
                out.append(NoField(f"{family}: a window that depends on the input size"))
                continue
            if padding == "same":
                left: int | None = d * (k - 1) // 2
            elif padding == "valid":
                left = 0
            else:
                left = _const(_per_axis(padding, rank, 0)[j])
            if left is None:
                out.append(NoField(f"{family}: a padding that depends on the input size"))
                continue
            out.append(window_field(field, k, s, d, T.const(left), family == "conv_transpose"))
        return tuple(out)

    def pad(self, args: Sequence[Any], kwargs: Mapping[str, Any],
            ins: Sequence[tuple[Any, tuple[Receptive, ...]]]) -> tuple[Receptive, ...]:
        rank = self.rank
        p = _bind(("pad", "mode", "value"), args, kwargs)
        before = self.of.get(id(args[0]))
        if before is None or _spatial(args[0], rank) is None:
            return _none(rank, "pad of a tensor of another rank")
        if p.get("mode", "constant") not in ("constant", None):
            return _none(rank, f"{p.get('mode')} padding repeats input positions")
        amounts = list(p["pad"])
        out: list[Receptive] = []
        for j, field in enumerate(before):
            q = 2 * (rank - 1 - j)  # F.pad lists the last axis first
            if isinstance(field, NoField) or q >= len(amounts):
                out.append(field)
                continue
            begin = _const(amounts[q])
            offset = (T.const(begin) if begin is not None
                      else T.var(f"{OPAQUE}{next(self.opaque)}"))
            out.append(shift(field, -offset, 1))
        return tuple(out)


def _channel_index(key: Any, rank: int) -> bool:
    """The index picks batch entries or channels and keeps every spatial position."""
    items = list(key) if isinstance(key, tuple) else [key]
    if any(item is None for item in items) or items.count(Ellipsis) > 1:
        return False
    if Ellipsis in items:
        cut = items.index(Ellipsis)
        head, tail = items[:cut], items[cut + 1:]
    else:
        head, tail = items, []
    spatial = [*head[2:], *tail]
    if len(head) > 2 and len(head) + len(tail) > rank + 2:
        return False
    if any(isinstance(i, int) for i in tail) or any(
            not isinstance(i, int | slice) for i in head[:2]):
        return False
    return all(isinstance(i, slice) and i == slice(None) for i in spatial)


def mentions_opaque(node: T.Node) -> bool:
    if isinstance(node, T.Var):
        return node.name.startswith(OPAQUE)
    return any(mentions_opaque(c) for c in T.children(node))


def shown(fields: tuple[Receptive, ...]) -> tuple[Receptive, ...]:
    """A field whose size depends on a padding that depends on the input size is not shown."""
    return tuple(NoField("a padding that depends on the input size") if isinstance(f, Field)
                 and mentions_opaque(f.size) else f for f in fields)


def path_fields(tracer: Tracer, path: Path) -> tuple[tuple[Receptive, ...], ...] | None:
    """Per step of ``path`` (in order), per axis: the receptive field of the step's first
    output. None when the forward traced again at the path's point does not call the same
    leaf modules in the same order (then no field is claimed)."""
    from torch.nn.modules import module as nn_module
    from torch.overrides import TorchFunctionMode

    rank = len(tracer.axes)
    state = _Fields(rank)
    calls: list[tuple[str, tuple[Receptive, ...]]] = []

    class Mode(TorchFunctionMode):  # type: ignore[misc]
        def __torch_function__(self, func: Any, types: Any, args: Sequence[Any] = (),
                               kwargs: Mapping[str, Any] | None = None) -> Any:
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            if state.of:
                try:
                    state.record(func, args, kwargs, out)
                except Exception:  # never the model's error: that op's outputs get no field
                    for t in _tensors(out):
                        state.set(t, _none(rank, "not read"))
            return out

    def mark(module: Any, args: Any) -> None:
        if not state.of and args:
            state.set(args[0], (ORIGIN,) * rank)

    def leaf(module: Any, args: Any, output: Any) -> None:
        if list(module.children()):
            return
        try:
            tensors = list(_tensors(output))
        except Exception:
            return
        if tensors:
            name = tracer.module_names.get(id(module), type(module).__name__)
            got = state.of.get(id(tensors[0]))
            calls.append((name, got if got is not None else _none(
                rank, "does not depend on the input")))

    h0 = tracer.model.register_forward_pre_hook(mark)
    h1 = nn_module.register_module_forward_hook(leaf)
    try:
        with Mode():
            again = tracer.trace(path.point)
    except Exception:  # the trace did not repeat itself under the mode: no field claimed
        return None
    finally:
        h0.remove()
        h1.remove()
    steps = [s.module for s in path.steps]
    if [c[0] for c in calls] != steps or again.valid != path.valid:
        return None
    return tuple(shown(f) for _, f in calls)
