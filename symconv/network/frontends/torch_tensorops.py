"""Tensor-level ops for the fx mapping (``torch_ops``): size arithmetic (``x.size(2) - 4``),
indexing and slicing, flatten/view, concatenation, elementwise merges with broadcasting, and the
size-preserving functions and methods."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp
import torch
import torch.nn.functional as F
from torch import nn

from symconv.network.ir import Kind
from symconv.network.frontends.torch_ops import (
    _MISSING,
    FUNCTIONS,
    METHODS,
    MODULES,
    ConstTensor,
    Mapper,
    Size,
    TensorValue,
    bind,
    register,
)

Scalar = int | float | sp.Expr


# -- sizes --------------------------------------------------------------------------------------


def _sizes(m: Mapper, x: object) -> tuple[Size, ...]:
    if isinstance(x, ConstTensor):
        return x.shape
    t = m.tensor(x)
    try:
        return tuple(t.size(d) for d in range(t.rank + 2))
    except ValueError as exc:
        raise m.fail(str(exc)) from None


def _normal(value: object) -> object:
    if isinstance(value, sp.Basic) and value.is_Integer:
        return int(value)
    return value


@register(METHODS, "size")
def size_method(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    a = bind(m, args, kwargs, [("self", _MISSING), ("dim", None)])
    sizes = _sizes(m, a["self"])
    if a["dim"] is None:
        return sizes
    return sizes[m.dim(a["dim"], len(sizes))]


@register(METHODS, "dim")
def dim_method(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    return len(_sizes(m, bind(m, args, kwargs, [("self", _MISSING)])["self"]))


class Opaque(str):
    """A tensor attribute that does not bear on sizes (dtype, device)."""


@register(FUNCTIONS, getattr)
def getattr_function(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    obj, name = args[0], args[1]
    if isinstance(obj, TensorValue | ConstTensor):
        if name == "shape":
            return _sizes(m, obj)
        if name == "ndim":
            return len(_sizes(m, obj))
        if name in ("dtype", "device", "is_cuda", "requires_grad", "layout"):
            return Opaque(name)
        raise m.fail(f"tensor attribute {name!r} is not modelled")
    try:
        return getattr(obj, name)
    except AttributeError as exc:
        raise m.fail(str(exc)) from None


_ARITHMETIC: dict[Any, Callable[[Any, Any], Any]] = {
    operator.add: operator.add, operator.sub: operator.sub, operator.mul: operator.mul,
    operator.floordiv: operator.floordiv, operator.mod: operator.mod,
    operator.truediv: operator.truediv, operator.iadd: operator.add,
    operator.isub: operator.sub, operator.imul: operator.mul,
    operator.ifloordiv: operator.floordiv, operator.itruediv: operator.truediv,
    torch.add: operator.add, torch.sub: operator.sub, torch.mul: operator.mul,
    torch.div: operator.truediv,
}
_METHOD_ARITHMETIC = {"add": operator.add, "add_": operator.add, "sub": operator.sub,
                      "sub_": operator.sub, "mul": operator.mul, "mul_": operator.mul,
                      "div": operator.truediv, "div_": operator.truediv}
_COMPARE = {operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge}


def _scalar_op(m: Mapper, fn: Callable[[Any, Any], Any], a: object, b: object) -> object:
    for v in (a, b):
        if isinstance(v, bool) or not isinstance(v, int | float | sp.Expr):
            raise m.fail(f"arithmetic on {_kind(v)} is not modelled")
    if fn in (operator.floordiv, operator.mod) and (isinstance(b, sp.Expr) or b == 0):
        raise m.fail("division by a size, or by zero, is not modelled")
    return _normal(fn(a, b))


def _kind(v: object) -> str:
    return type(v).__name__


def _binary(fn: Callable[[Any, Any], Any]) -> Callable[..., object]:
    def handler(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
        spec = [("input", _MISSING), ("other", _MISSING)]
        if fn is operator.add or fn is operator.sub:
            spec.append(("alpha", 1))
        a = bind(m, args, {k: v for k, v in kwargs.items() if k != "out"}, spec)
        x, y = a["input"], a["other"]
        if isinstance(x, TensorValue) or isinstance(y, TensorValue):
            return _merge(m, x, y)
        if isinstance(x, ConstTensor) or isinstance(y, ConstTensor):
            return ConstTensor(_broadcast(m, _sizes_or_scalar(x), _sizes_or_scalar(y)))
        return _scalar_op(m, fn, x, y)
    return handler


for _fn, _op in _ARITHMETIC.items():
    FUNCTIONS[_fn] = _binary(_op)
for _name, _op in _METHOD_ARITHMETIC.items():
    METHODS[_name] = _binary(_op)


@register(FUNCTIONS, operator.neg, operator.pos)
def unary_sign(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = args
    if isinstance(x, TensorValue):
        return m.identity(x)
    if isinstance(x, ConstTensor):
        return x
    if isinstance(x, bool) or not isinstance(x, int | float | sp.Expr):
        raise m.fail(f"arithmetic on {_kind(x)} is not modelled")
    return _normal(-x if m.fx.target is operator.neg else x)


def _compare(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    a, b = args
    values = [_normal(v) for v in (a, b)]
    if any(isinstance(v, sp.Basic | TensorValue | ConstTensor) for v in values):
        raise m.fail("a comparison of sizes or tensors is not modelled (symconv keeps sizes "
                     "symbolic; an assertion on them would restrict the valid sizes)")
    return m.fx.target(*values)


for _fn in _COMPARE:
    FUNCTIONS[_fn] = _compare


@register(FUNCTIONS, torch._assert, getattr(torch.fx._symbolic_trace, "_assert_is_none", None))
def assert_function(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    condition = args[0] if args else None
    if m.fx.target is torch._assert and condition is not True:
        raise m.fail(f"an assertion on {condition!r} is not modelled")
    if m.fx.target is not torch._assert and condition is not None:
        raise m.fail("a forward parameter fixed to None at tracing got another value")
    return None


# -- indexing -----------------------------------------------------------------------------------


@register(FUNCTIONS, operator.getitem)
def getitem(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    obj, index = args
    if isinstance(obj, TensorValue):
        return _index_tensor(m, obj, index)
    if isinstance(obj, ConstTensor):
        raise m.fail("indexing a parameter tensor is not modelled")
    if isinstance(obj, tuple | list) and (isinstance(index, int) or (
            isinstance(index, slice) and all(v is None or isinstance(v, int)
                                             for v in (index.start, index.stop, index.step)))):
        try:
            return obj[index]
        except IndexError:
            raise m.fail(f"index {index} is out of range for {obj!r}") from None
    if isinstance(obj, dict) and index in obj:
        return obj[index]
    raise m.fail(f"indexing {_kind(obj)} with {index!r} is not modelled")


def _index_tensor(m: Mapper, x: TensorValue, index: object) -> TensorValue:
    items = list(index) if isinstance(index, tuple) else [index]
    ndim = x.rank + 2
    if items.count(Ellipsis) > 1:
        raise m.fail("an index may hold one Ellipsis")
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at:at + 1] = [slice(None)] * (ndim - len(items) + 1)
    if len(items) > ndim:
        raise m.fail(f"too many indices ({len(items)}) for a {ndim}-D tensor")
    items += [slice(None)] * (ndim - len(items))
    slices: list[slice] = []
    for item in items:
        if not isinstance(item, slice):
            raise m.fail(f"indexing with {item!r} changes the number of axes; symconv models "
                         "slices (a:b:c) only")
        slices.append(item)
    if slices[0] != slice(None):
        raise m.fail("slicing the batch axis is not modelled")
    channels = _slice_channels(m, x, slices[1])
    spatial = slices[2:]
    if all(s == slice(None) for s in spatial):
        return m.identity(x, channels=channels) if channels != x.channels else m.identity(x)
    axes: list[dict[str, Size | None]] = []
    for s in spatial:
        step = 1 if s.step is None else m.constant(s.step, "slice step")
        if step < 1:
            raise m.fail(f"slice step must be >= 1 (PyTorch refuses others), got {step}")
        axes.append({"start": None if s.start is None else m.integer(s.start, "slice start"),
                     "stop": None if s.stop is None else m.integer(s.stop, "slice stop"),
                     "step": step})
    fixed = tuple(f if s == slice(None) else None
                  for f, s in zip(x.fixed or (None,) * x.rank, spatial, strict=True))
    return m.emit(Kind.SLICE, [x], axes=axes, channels=channels, rank=x.rank, fixed=fixed,
                  node_channels=channels if channels != x.channels else None)


def _slice_channels(m: Mapper, x: TensorValue, s: slice) -> int | None:
    if s == slice(None):
        return x.channels
    bounds = [v if v is None else m.constant(v, "channel slice") for v in (s.start, s.stop,
                                                                              s.step)]
    if x.channels is None or (bounds[2] is not None and bounds[2] < 1):
        raise m.fail("this slice of the channel axis is not modelled")
    return len(range(x.channels)[slice(*bounds)])


# -- flatten, view ------------------------------------------------------------------------------


def _flatten(m: Mapper, x: TensorValue, features: int | None = None) -> TensorValue:
    if x.rank == 0:
        if features is not None:
            m.expect_channels(x, features)
        return m.identity(x)
    known = None
    if x.channels is not None and x.fixed and all(f is not None for f in x.fixed):
        known = x.channels
        for f in x.fixed:
            known *= f  # type: ignore[operator]
    if features is not None:
        if known is not None and known != features:
            raise m.fail(f"views {known} features as {features}: PyTorch refuses every size")
        known = features
    return m.emit(Kind.FLATTEN, [x], channels=known, rank=0,
                  attrs={} if features is None else {"features": features})


def _flatten_dims(m: Mapper, value: object, start: object, end: object) -> TensorValue:
    x = m.tensor(value)
    ndim = x.rank + 2
    first, last = m.dim(start, ndim, "start_dim"), m.dim(end, ndim, "end_dim")
    if first == 1 and last == ndim - 1:
        return _flatten(m, x)
    if first == last:
        return m.identity(x)
    raise m.fail(f"flattening axes {first}..{last} of a {ndim}-D tensor is not modelled "
                 "(symconv models flatten(x, 1): every axis after the batch)")


@register(FUNCTIONS, torch.flatten)
def flatten_function(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    a = bind(m, args, kwargs, [("input", _MISSING), ("start_dim", 0), ("end_dim", -1)])
    return _flatten_dims(m, a["input"], a["start_dim"], a["end_dim"])


@register(METHODS, "flatten")
def flatten_method(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    a = bind(m, args, kwargs, [("self", _MISSING), ("start_dim", 0), ("end_dim", -1)])
    return _flatten_dims(m, a["self"], a["start_dim"], a["end_dim"])


@register(MODULES, nn.Flatten)
def flatten_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = args
    return _flatten_dims(m, x, mod.start_dim, mod.end_dim)


def _view(m: Mapper, value: object, shape: Sequence[object]) -> object:
    x = m.tensor(value)
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = shape[0]
    dims = [_normal(v) for v in shape]
    if dims == list(_sizes(m, x)):
        return m.identity(x)
    if len(dims) == 2 and dims[0] == 1:
        if dims[1] == -1:
            return _flatten(m, x)
        if isinstance(dims[1], int) and dims[1] >= 1:
            return _flatten(m, x, features=dims[1])
    raise m.fail(f"view/reshape to {dims} is not modelled (symconv models (batch, -1) and "
                 "(batch, features))")


@register(METHODS, "view", "reshape")
def view_method(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    if kwargs or not args:
        raise m.fail("view/reshape with keyword arguments is not modelled")
    if isinstance(args[0], ConstTensor):
        raise m.fail("reshaping a parameter tensor is not modelled")
    return _view(m, args[0], args[1:])


@register(FUNCTIONS, torch.reshape)
def reshape_function(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    a = bind(m, args, kwargs, [("input", _MISSING), ("shape", _MISSING)])
    return _view(m, a["input"], [a["shape"]])


# -- merges -------------------------------------------------------------------------------------


def _concat(m: Mapper, tensors: object, dim: object) -> object:
    if not isinstance(tensors, list | tuple) or not tensors:
        raise m.fail(f"cat takes a non-empty sequence of tensors, got {tensors!r}")
    xs = [m.tensor(t, "input") for t in tensors]
    if len({x.rank for x in xs}) > 1:
        raise m.fail("concatenates tensors of different ranks: PyTorch refuses every size")
    d = m.dim(dim, xs[0].rank + 2)
    if d != 1:
        raise m.fail(f"concatenation along axis {d} is not modelled (symconv models channel "
                     "concatenation, dim=1)")
    if len(xs) == 1:
        return m.identity(xs[0])
    counts = [x.channels for x in xs]
    channels = None if any(c is None for c in counts) else sum(c or 0 for c in counts)
    fixed = xs[0].fixed if all(x.fixed == xs[0].fixed for x in xs) else ()
    return m.emit(Kind.CONCAT, xs, channels=channels, rank=xs[0].rank, fixed=fixed,
                  node_channels=channels)


def _cat_handler(axis_name: str) -> Callable[..., object]:
    def handler(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
        a = bind(m, args, kwargs, [("tensors", _MISSING), (axis_name, 0)])
        return _concat(m, a["tensors"], a[axis_name])
    return handler


FUNCTIONS[torch.cat] = _cat_handler("dim")
FUNCTIONS[torch.concat] = _cat_handler("dim")
FUNCTIONS[torch.concatenate] = _cat_handler("axis")


def _sizes_or_scalar(v: object) -> tuple[int, ...]:
    return v.shape if isinstance(v, ConstTensor) else ()


def _broadcast(m: Mapper, a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    out: list[int] = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            raise m.fail(f"shapes {list(a)} and {list(b)} do not broadcast")
        out.append(max(x, y) if 1 in (x, y) else x)
    return tuple(reversed(out))


def _merge(m: Mapper, x: object, y: object) -> TensorValue:
    """An elementwise operation with broadcasting: two tensors of the model make a merge;
    a scalar, or a constant with size 1 on every spatial axis, leaves the sizes alone."""
    if isinstance(x, TensorValue) and isinstance(y, TensorValue):
        if x.rank != y.rank:
            raise m.fail(f"combines a {x.rank + 2}-D and a {y.rank + 2}-D tensor; not modelled")
        counts = {c for c in (x.channels, y.channels) if c is not None}
        if len(counts) == 2 and 1 not in counts:
            raise m.fail(f"combines {x.channels} and {y.channels} channels ({x.name!r}, "
                         f"{y.name!r}): PyTorch refuses every size")
        channels = None if None in (x.channels, y.channels) else max(counts)
        fixed = x.fixed if x.fixed == y.fixed else ()
        return m.emit(Kind.ELEMENTWISE, [x, y], channels=channels, rank=x.rank, fixed=fixed)
    t, other = (x, y) if isinstance(x, TensorValue) else (y, x)
    assert isinstance(t, TensorValue)
    if isinstance(other, ConstTensor):
        shape, ndim = other.shape, t.rank + 2
        for back, n in enumerate(reversed(shape), start=1):
            dim = ndim - back
            if dim < 0 or (dim != 1 and n != 1) or (dim == 1 and n not in (1, t.channels)):
                raise m.fail(f"combines the tensor with a constant of shape {list(shape)}, "
                             "which is not 1 on the batch and spatial axes (or does not match "
                             "the channels); not modelled")
        return m.identity(t)
    if isinstance(other, bool | int | float | sp.Expr):
        return m.identity(t)
    raise m.fail(f"combines a tensor with {_kind(other)}; not modelled")


# -- size-preserving functions and methods ------------------------------------------------------

_PRESERVING_FUNCTIONS = (
    F.relu, F.relu_, torch.relu, torch.relu_, F.relu6, F.elu, F.elu_, F.selu, F.celu,
    F.leaky_relu, F.leaky_relu_, F.gelu, F.silu, F.mish, F.hardswish, F.hardsigmoid,
    F.hardtanh, F.hardtanh_, F.sigmoid, torch.sigmoid, F.tanh, torch.tanh, F.softplus,
    F.softsign, F.logsigmoid, F.softmax, F.log_softmax, F.threshold, F.dropout, F.dropout2d,
    F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout, F.normalize, F.local_response_norm,
    torch.clamp, torch.clip, torch.exp, torch.abs, torch.neg, torch.sqrt, torch.zeros_like,
    torch.ones_like, torch.empty_like, torch.rand_like, torch.randn_like,
)
_PRESERVING_METHODS = (
    "contiguous", "clone", "detach", "float", "double", "half", "to", "type_as", "relu",
    "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_", "clamp", "clamp_", "clip", "exp", "neg",
    "abs", "sqrt", "softmax", "log_softmax", "zero_", "fill_", "requires_grad_",
)


def _preserving(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    x = args[0] if args else kwargs.get("input")
    if isinstance(x, ConstTensor):
        return x
    for extra in (*args[1:], *kwargs.values()):
        if isinstance(extra, TensorValue):
            raise m.fail("a size-preserving op with a second tensor of the model is not "
                         "modelled")
    return m.identity(m.tensor(x))


for _fn in _PRESERVING_FUNCTIONS:
    FUNCTIONS[_fn] = _preserving
for _name in _PRESERVING_METHODS:
    METHODS[_name] = _preserving
