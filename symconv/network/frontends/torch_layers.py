"""PyTorch layers for the fx mapping (``torch_ops``): convolution, pooling, resizing, padding,
linear, normalisation and the size-preserving modules, as modules and as functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from symconv.network.ir import Kind
from symconv.network.frontends.torch_ops import (
    _MISSING,
    FUNCTIONS,
    MODE_RANK,
    MODULES,
    ConstTensor,
    Mapper,
    Size,
    TensorValue,
    bind,
    register,
)

PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _input(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any],
           names: Sequence[str] = ("input",)) -> list[Any]:
    bound = bind(m, args, kwargs, [(n, _MISSING) for n in names])
    return [bound[n] for n in names]


def _weight(m: Mapper, value: object, rank: int, what: str = "weight") -> ConstTensor:
    if not isinstance(value, ConstTensor) or len(value.shape) != rank + 2:
        raise m.fail(f"{what} must be a parameter of {rank + 2} dimensions, got {value!r}")
    return value


# -- convolution ------------------------------------------------------------------------------


def _conv(m: Mapper, x: TensorValue, rank: int, kernel: Sequence[int], stride: object,
          padding: object, dilation: object, channels: tuple[int, int],
          padding_mode: str = "zeros", reversed_pad: Sequence[int] = ()) -> TensorValue:
    in_channels, out_channels = channels
    m.expect_channels(x, in_channels)
    k = m.per_axis(tuple(kernel), rank, "kernel_size")
    s = m.per_axis(stride, rank, "stride")
    d = m.per_axis(dilation, rank, "dilation")
    if padding_mode != "zeros":
        x = pad(m, x, list(reversed_pad), padding_mode, suffix="pad", op="pad")
        rule, axes = "torch.conv", [{"k": k[j], "s": s[j], "p": 0, "d": d[j]}
                                    for j in range(rank)]
    elif isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise m.fail(f"padding must be 'same', 'valid' or integers, got {padding!r}")
        rule = f"torch.conv.{padding}"
        axes = [{"k": k[j], "s": s[j], "d": d[j]} for j in range(rank)]
    else:
        p = m.per_axis(padding, rank, "padding")
        rule, axes = "torch.conv", [{"k": k[j], "s": s[j], "p": p[j], "d": d[j]}
                                    for j in range(rank)]
    return m.emit(Kind.WINDOW, [x], rule=rule, axes=axes, channels=out_channels, rank=rank,
                  in_channels=in_channels, node_channels=out_channels)


@register(MODULES, nn.Conv1d, nn.Conv2d, nn.Conv3d)
def conv_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    _no_lazy(m, mod)
    rank = len(mod.kernel_size)
    (x,) = _input(m, args, kwargs)
    return _conv(m, m.spatial(x, rank), rank, mod.kernel_size, mod.stride, mod.padding,
                 mod.dilation, (mod.in_channels, mod.out_channels), mod.padding_mode,
                 mod._reversed_padding_repeated_twice)


def _conv_function(rank: int) -> Any:
    def handler(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
        a = bind(m, args, kwargs, [("input", _MISSING), ("weight", _MISSING), ("bias", None),
                                   ("stride", 1), ("padding", 0), ("dilation", 1),
                                   ("groups", 1)])
        x = m.spatial(a["input"], rank)
        w = _weight(m, a["weight"], rank)
        groups = m.constant(a["groups"], "groups")
        return _conv(m, x, rank, w.shape[2:], a["stride"], a["padding"], a["dilation"],
                     (w.shape[1] * groups, w.shape[0]))
    return handler


for _rank, _fn in ((1, F.conv1d), (2, F.conv2d), (3, F.conv3d)):
    FUNCTIONS[_fn] = _conv_function(_rank)


def _conv_transpose(m: Mapper, x: TensorValue, rank: int, kernel: Sequence[int],
                    a: dict[str, Any], channels: tuple[int, int]) -> TensorValue:
    in_channels, out_channels = channels
    m.expect_channels(x, in_channels)
    k = m.per_axis(tuple(kernel), rank, "kernel_size")
    s = m.per_axis(a["stride"], rank, "stride")
    p = m.per_axis(a["padding"], rank, "padding")
    d = m.per_axis(a["dilation"], rank, "dilation")
    size = a.get("output_size")
    if size is not None:
        sizes = list(size) if isinstance(size, list | tuple) else [size]
        if len(sizes) == rank + 2:
            sizes = sizes[2:]  # _output_padding drops the batch and channel entries
        o = m.per_axis(sizes, rank, "output_size")
        rule = "torch.conv_transpose.output_size"
        axes = [{"k": k[j], "s": s[j], "p": p[j], "d": d[j], "o": o[j]} for j in range(rank)]
    else:
        op = m.per_axis(a["output_padding"], rank, "output_padding")
        rule = "torch.conv_transpose"
        axes = [{"k": k[j], "s": s[j], "p": p[j], "d": d[j], "a": op[j]} for j in range(rank)]
    return m.emit(Kind.WINDOW, [x], rule=rule, axes=axes, channels=out_channels, rank=rank,
                  in_channels=in_channels, node_channels=out_channels)


@register(MODULES, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
def conv_transpose_module(m: Mapper, mod: Any, args: tuple[Any, ...],
                          kwargs: dict[str, Any]) -> object:
    _no_lazy(m, mod)
    rank = len(mod.kernel_size)
    b = bind(m, args, kwargs, [("input", _MISSING), ("output_size", None)])
    x = m.spatial(b["input"], rank)
    params = {"stride": mod.stride, "padding": mod.padding, "dilation": mod.dilation,
              "output_padding": mod.output_padding, "output_size": b["output_size"]}
    return _conv_transpose(m, x, rank, mod.kernel_size, params,
                           (mod.in_channels, mod.out_channels))


def _conv_transpose_function(rank: int) -> Any:
    def handler(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
        a = bind(m, args, kwargs, [("input", _MISSING), ("weight", _MISSING), ("bias", None),
                                   ("stride", 1), ("padding", 0), ("output_padding", 0),
                                   ("groups", 1), ("dilation", 1)])
        x = m.spatial(a["input"], rank)
        w = _weight(m, a["weight"], rank)
        groups = m.constant(a["groups"], "groups")
        return _conv_transpose(m, x, rank, w.shape[2:], a, (w.shape[0], w.shape[1] * groups))
    return handler


for _rank, _fn in ((1, F.conv_transpose1d), (2, F.conv_transpose2d), (3, F.conv_transpose3d)):
    FUNCTIONS[_fn] = _conv_transpose_function(_rank)


def _no_lazy(m: Mapper, mod: Any) -> None:
    if isinstance(mod, nn.modules.lazy.LazyModuleMixin) and mod.has_uninitialized_params():
        raise m.fail("a lazy module has no in_channels before it first runs: build the model "
                     "with explicit in_channels")


# -- pooling ----------------------------------------------------------------------------------


def _pool(m: Mapper, x: TensorValue, rank: int, kind: str, a: dict[str, Any]) -> object:
    k = m.per_axis(a["kernel_size"], rank, "kernel_size")
    stride = a["stride"]
    s = k if stride is None or stride == [] or stride == () else m.per_axis(stride, rank,
                                                                              "stride")
    p = m.per_axis(a["padding"], rank, "padding")
    ceil = bool(a["ceil_mode"])
    rule = f"torch.{kind}" + (".ceil" if ceil else "")
    if kind == "max_pool":
        d = m.per_axis(a["dilation"], rank, "dilation")
        axes = [{"k": k[j], "s": s[j], "p": p[j], "d": d[j]} for j in range(rank)]
    else:
        axes = [{"k": k[j], "s": s[j], "p": p[j]} for j in range(rank)]
    out = m.emit(Kind.WINDOW, [x], rule=rule, axes=axes, channels=x.channels, rank=rank)
    return (out, out) if a.get("return_indices") else out


@register(MODULES, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
def max_pool_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    rank = int(type(mod).__name__[-2])
    (x,) = _input(m, args, kwargs)
    return _pool(m, m.spatial(x, rank), rank, "max_pool", {
        "kernel_size": mod.kernel_size, "stride": mod.stride, "padding": mod.padding,
        "dilation": mod.dilation, "ceil_mode": mod.ceil_mode,
        "return_indices": mod.return_indices})


@register(MODULES, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
def avg_pool_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    rank = int(type(mod).__name__[-2])
    (x,) = _input(m, args, kwargs)
    return _pool(m, m.spatial(x, rank), rank, "avg_pool", {
        "kernel_size": mod.kernel_size, "stride": mod.stride, "padding": mod.padding,
        "ceil_mode": mod.ceil_mode})


_MAX_SPEC = [("input", _MISSING), ("kernel_size", _MISSING), ("stride", None), ("padding", 0),
             ("dilation", 1), ("ceil_mode", False), ("return_indices", False)]
_AVG_SPEC = [("input", _MISSING), ("kernel_size", _MISSING), ("stride", None), ("padding", 0),
             ("ceil_mode", False), ("count_include_pad", True), ("divisor_override", None)]


def _pool_function(rank: int, kind: str, indices: bool = False) -> Any:
    spec = _MAX_SPEC if kind == "max_pool" else _AVG_SPEC[:6 if rank == 1 else 7]

    def handler(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
        a = bind(m, args, kwargs, spec)
        if indices:
            a["return_indices"] = True
        return _pool(m, m.spatial(a["input"], rank), rank, kind, a)
    return handler


for _rank in (1, 2, 3):
    FUNCTIONS[getattr(F, f"max_pool{_rank}d")] = _pool_function(_rank, "max_pool")
    FUNCTIONS[getattr(torch, f"max_pool{_rank}d", None)] = _pool_function(_rank, "max_pool")
    FUNCTIONS[getattr(F, f"max_pool{_rank}d_with_indices")] = _pool_function(
        _rank, "max_pool", indices=True)
    FUNCTIONS[getattr(F, f"avg_pool{_rank}d")] = _pool_function(_rank, "avg_pool")
FUNCTIONS.pop(None, None)


def _adaptive(m: Mapper, x: TensorValue, rank: int, size: object, indices: bool,
              pool: str) -> object:
    items = list(size) if isinstance(size, list | tuple) else [size]
    if len(items) == 1:
        items = items * rank
    if len(items) != rank:
        raise m.fail(f"output_size has {len(items)} entries, the input {rank} spatial axes")
    sizes: list[Size] = [x.size(2 + j) if v is None else m.integer(v, "output_size")
                         for j, v in enumerate(items)]
    fixed = tuple(v if isinstance(v, int) else None for v in sizes)
    # "pool" tells avg from max: adaptive_avg_pool to size 1 is a mean, which takes an empty
    # input that adaptive_max_pool refuses
    out = m.emit(Kind.ADAPTIVE_POOL, [x], axes=[{"size": v} for v in sizes], channels=x.channels,
                 rank=rank, fixed=fixed, attrs={"pool": pool})
    return (out, out) if indices else out


@register(MODULES, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
          nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)
def adaptive_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    rank = int(type(mod).__name__[-2])
    (x,) = _input(m, args, kwargs)
    return _adaptive(m, m.spatial(x, rank), rank, mod.output_size,
                     bool(getattr(mod, "return_indices", False)),
                     "avg" if "Avg" in type(mod).__name__ else "max")


def _adaptive_function(rank: int, indices: bool | None) -> Any:
    pool = "avg" if indices is None else "max"
    def handler(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
        spec: list[tuple[str, object]] = [("input", _MISSING), ("output_size", _MISSING)]
        if indices is not None:
            spec.append(("return_indices", indices))
        a = bind(m, args, kwargs, spec)
        return _adaptive(m, m.spatial(a["input"], rank), rank, a["output_size"],
                         bool(a.get("return_indices")), pool)
    return handler


for _rank in (1, 2, 3):
    FUNCTIONS[getattr(F, f"adaptive_avg_pool{_rank}d")] = _adaptive_function(_rank, None)
    FUNCTIONS[getattr(F, f"adaptive_max_pool{_rank}d")] = _adaptive_function(_rank, False)
    FUNCTIONS[getattr(F, f"adaptive_max_pool{_rank}d_with_indices")] = _adaptive_function(
        _rank, True)


# -- resizing ---------------------------------------------------------------------------------

def _interpolate(m: Mapper, x: TensorValue, size: object, scale: object, mode: str) -> object:
    rank = x.rank
    if mode in MODE_RANK and MODE_RANK[mode] != rank:
        raise m.fail(f"mode {mode!r} takes {MODE_RANK[mode]} spatial axes, the input has "
                     f"{rank}: PyTorch refuses every size")
    if (size is None) == (scale is None):
        raise m.fail("exactly one of size and scale_factor must be given")
    if size is not None:
        sizes = m.per_axis(size, rank, "size")
        fixed = tuple(v if isinstance(v, int) else None for v in sizes)
        return m.emit(Kind.RESIZE, [x], axes=[{"size": v} for v in sizes], channels=x.channels,
                      rank=rank, fixed=fixed)
    items = list(scale) if isinstance(scale, list | tuple) else [scale]
    if len(items) == 1:
        items = items * rank
    if len(items) != rank:
        raise m.fail(f"scale_factor has {len(items)} entries, the input {rank} spatial axes")
    scales: list[int] = []
    for factor in items:
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            raise m.fail(f"scale_factor must be a number, got {factor!r}")
        if isinstance(factor, float) and not factor.is_integer():
            raise m.fail(f"scale_factor {factor!r} is not an integer: PyTorch computes "
                         f"floor(size · {factor!r}) in double precision, which symconv does not "
                         "take as an integer relation")
        scales.append(int(factor))
    return m.emit(Kind.UPSAMPLE, [x], axes=[{"scale": v} for v in scales], channels=x.channels,
                  rank=rank)


@register(MODULES, nn.Upsample)
def upsample_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = _input(m, args, kwargs)
    return _interpolate(m, m.spatial(x), mod.size, mod.scale_factor, mod.mode)


def _interpolate_function(mode: str | None, extra: Sequence[str]) -> Any:
    def handler(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
        spec: list[tuple[str, object]] = [("input", _MISSING), ("size", None),
                                          ("scale_factor", None)]
        spec += [(name, "nearest" if name == "mode" else None) for name in extra]
        a = bind(m, args, kwargs, spec)
        return _interpolate(m, m.spatial(a["input"]), a["size"], a["scale_factor"],
                            mode or str(a.get("mode")))
    return handler


FUNCTIONS[F.interpolate] = _interpolate_function(
    None, ("mode", "align_corners", "recompute_scale_factor", "antialias"))
FUNCTIONS[F.upsample] = _interpolate_function(None, ("mode", "align_corners"))
FUNCTIONS[F.upsample_nearest] = _interpolate_function("nearest", ())
FUNCTIONS[F.upsample_bilinear] = _interpolate_function("bilinear", ())


# -- padding ----------------------------------------------------------------------------------


def pad(m: Mapper, x: TensorValue, amounts: object, mode: str, suffix: str = "",
        op: str = "") -> TensorValue:
    """``F.pad(x, amounts, mode)``: pairs from the last axis backwards."""
    if mode not in PAD_MODES:
        raise m.fail(f"padding mode must be one of {', '.join(PAD_MODES)}, got {mode!r}")
    items = list(amounts) if isinstance(amounts, list | tuple) else None
    ndim = x.rank + 2
    if items is None or len(items) % 2 or len(items) // 2 > ndim:
        raise m.fail(f"pad must be a sequence of an even length up to {2 * ndim}, got "
                     f"{amounts!r}")
    values = [m.integer(v, "pad") for v in items]
    if mode != "constant" and len(values) // 2 not in (x.rank, x.rank + 1):
        raise m.fail(f"{mode} padding of a {ndim}-D tensor takes {2 * x.rank} pads, got "
                     f"{len(values)}: PyTorch refuses every size")
    axes: list[dict[str, Size | None]] = [{"begin": 0, "end": 0} for _ in range(x.rank)]
    channels = x.channels
    for j in range(len(values) // 2):
        dim, begin, end = ndim - 1 - j, values[2 * j], values[2 * j + 1]
        if dim >= 2:
            axes[dim - 2] = {"begin": begin, "end": end}
        elif begin != 0 or end != 0:
            if dim == 0 or mode != "constant" or not isinstance(begin, int) \
                    or not isinstance(end, int) or channels is None:
                raise m.fail("padding the batch axis, or the channels by a size expression "
                             "or in a non-constant mode, is not modelled")
            channels += begin + end
            if channels < 0:
                raise m.fail("the padding crops more channels than there are")
    return m.emit(Kind.PAD, [x], axes=axes, attrs={"mode": mode}, channels=channels,
                  rank=x.rank, node_channels=channels if channels != x.channels else None,
                  suffix=suffix, op=op)


_PAD_CLASSES = {
    "constant": (nn.ConstantPad1d, nn.ConstantPad2d, nn.ConstantPad3d, nn.ZeroPad1d,
                 nn.ZeroPad2d, nn.ZeroPad3d),
    "reflect": (nn.ReflectionPad1d, nn.ReflectionPad2d, nn.ReflectionPad3d),
    "replicate": (nn.ReplicationPad1d, nn.ReplicationPad2d, nn.ReplicationPad3d),
    "circular": (nn.CircularPad1d, nn.CircularPad2d, nn.CircularPad3d),
}


def _pad_module(mode: str) -> Any:
    def handler(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
        rank = int(type(mod).__name__[-2])
        (x,) = _input(m, args, kwargs)
        return pad(m, m.spatial(x, rank), mod.padding, mode)
    return handler


for _mode, _classes in _PAD_CLASSES.items():
    register(MODULES, *_classes)(_pad_module(_mode))


@register(FUNCTIONS, F.pad, getattr(torch._C._nn, "pad", None))
def pad_function(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    a = bind(m, args, kwargs, [("input", _MISSING), ("pad", _MISSING), ("mode", "constant"),
                               ("value", None)])
    return pad(m, m.tensor(a["input"]), a["pad"], str(a["mode"]))


# -- linear -----------------------------------------------------------------------------------


def _linear(m: Mapper, x: TensorValue, in_features: int, out_features: int) -> TensorValue:
    if x.rank == 0:
        m.expect_channels(x, in_features)
        return m.emit(Kind.LINEAR, [x], attrs={"in_features": in_features},
                      channels=out_features, rank=0, node_channels=out_features)
    # applied to the last axis, as nn.Linear does on a tensor that is not flattened
    fixed = (*(x.fixed or (None,) * x.rank)[:-1], out_features)
    return m.emit(Kind.LINEAR, [x], attrs={"in_features": in_features}, channels=x.channels,
                  rank=x.rank, fixed=fixed, node_channels=out_features)


@register(MODULES, nn.Linear)
def linear_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    _no_lazy(m, mod)
    (x,) = _input(m, args, kwargs)
    return _linear(m, m.tensor(x), mod.in_features, mod.out_features)


@register(FUNCTIONS, F.linear)
def linear_function(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    a = bind(m, args, kwargs, [("input", _MISSING), ("weight", _MISSING), ("bias", None)])
    w = a["weight"]
    if not isinstance(w, ConstTensor) or len(w.shape) != 2:
        raise m.fail(f"weight must be a 2-D parameter, got {w!r}")
    return _linear(m, m.tensor(a["input"]), w.shape[1], w.shape[0])


# -- normalisation and size-preserving modules ------------------------------------------------

# Modules that keep every size (in eval() mode), whatever the input's rank.
SIZE_PRESERVING = (
    nn.Identity, nn.Dropout, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
    nn.FeatureAlphaDropout, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU,
    nn.GELU, nn.SiLU, nn.Mish, nn.Hardswish, nn.Hardsigmoid, nn.Hardtanh, nn.Hardshrink,
    nn.Softshrink, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Softsign, nn.Tanhshrink, nn.Threshold,
    nn.LogSigmoid, nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.Softmax2d, nn.LocalResponseNorm,
)


@register(MODULES, *SIZE_PRESERVING)
def identity_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = _input(m, args, kwargs)
    return m.identity(m.tensor(x))


@register(MODULES, nn.Dropout1d)
def dropout1d_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = _input(m, args, kwargs)
    x = m.tensor(x)
    if x.rank > 1:
        raise m.fail("Dropout1d takes a 2-D or 3-D input: PyTorch refuses every size")
    return m.identity(x)


@register(MODULES, nn.PReLU)
def prelu_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = _input(m, args, kwargs)
    return m.identity(m.tensor(x), in_channels=mod.num_parameters if mod.num_parameters > 1
                      else None)


@register(MODULES, nn.modules.batchnorm._BatchNorm)
def batch_norm_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = _input(m, args, kwargs)
    x = m.tensor(x)
    name = type(mod).__name__
    ranks = {"BatchNorm1d": (0, 1), "BatchNorm2d": (2,), "BatchNorm3d": (3,)}.get(name)
    if ranks is not None and x.rank not in ranks:
        raise m.fail(f"{name} takes {' or '.join(str(r + 2) for r in ranks)}-D input, gets "
                     f"{x.rank + 2}-D: PyTorch refuses every size")
    if mod.running_mean is None:
        # batch statistics even in eval(): refuses a single value per channel
        raise m.fail("batch norm without running statistics refuses inputs with one value per "
                     "channel; not modelled")
    return m.identity(x, in_channels=mod.num_features)


@register(MODULES, nn.GroupNorm)
def group_norm_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = _input(m, args, kwargs)
    x = m.tensor(x)
    if mod.num_channels // mod.num_groups < 2:
        raise m.fail("GroupNorm with one channel per group refuses a single spatial element "
                     "(_verify_batch_size); not modelled")
    return m.identity(x, in_channels=mod.num_channels)


@register(MODULES, nn.modules.instancenorm._InstanceNorm)
def instance_norm_module(m: Mapper, mod: Any, args: tuple[Any, ...],
                         kwargs: dict[str, Any]) -> object:
    (x,) = _input(m, args, kwargs)
    x = m.spatial(x, int(type(mod).__name__[-2]))
    if not mod.track_running_stats:
        raise m.fail("InstanceNorm without running statistics refuses a single spatial element "
                     "(_verify_spatial_size), also in eval(); not modelled")
    return m.identity(x, in_channels=mod.num_features)


@register(MODULES, nn.LayerNorm)
def layer_norm_module(m: Mapper, mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    (x,) = _input(m, args, kwargs)
    x = m.tensor(x)
    shape = tuple(mod.normalized_shape)
    if x.rank != 0 or len(shape) != 1 or x.channels is None:
        raise m.fail("LayerNorm fixes the trailing sizes it normalises; symconv models it only "
                     "on a flat tensor of known features")
    return m.identity(x, in_channels=shape[0])


@register(FUNCTIONS, F.batch_norm)
def batch_norm_function(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
    a = bind(m, args, kwargs, [("input", _MISSING), ("running_mean", _MISSING),
                               ("running_var", _MISSING), ("weight", None), ("bias", None),
                               ("training", False), ("momentum", 0.1), ("eps", 1e-5)])
    mean = a["running_mean"]
    if a["training"] or not isinstance(mean, ConstTensor) or len(mean.shape) != 1:
        raise m.fail("batch_norm with batch statistics (training=True or no running mean) "
                     "refuses one value per channel; not modelled")
    return m.identity(m.tensor(a["input"]), in_channels=mean.shape[0])
