"""One path of a PyTorch model's forward, traced on PyTorch's own symbolic shapes.

The model runs on fake tensors (``FakeTensorMode``: no storage, meta kernels) whose spatial
sizes are SymPy symbols of a ``ShapeEnv``, one per axis (``duck_shape=False``: two axes of equal
example size stay independent); batch and channels stay concrete. Every decision the forward
takes on a size — a Python ``if``, a ``torch._check``, a size-1 broadcast, a kernel picked by a
threshold — is recorded by the ShapeEnv as a guard: the guards (with the symbols' value ranges)
are the *region* of sizes that take this path. The trace ends valid, with every output's sizes as
expressions in the symbols, or refused, with PyTorch's message and where it was raised.

PyTorch specialises sizes 0 and 1 (a symbol is never made for them): an axis of size 1 is traced
as the constant 1, and its region says so. Traces that fail for a reason of the tracer rather
than the model (an operator without a meta kernel, data-dependent control flow) raise
:class:`TraceError`: a refusal, never an "invalid" size.

This module imports torch; it runs the user's model, never its weights' values.
"""

from __future__ import annotations

import copy
import linecache
import os
import re
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from symconv.network.ir import NetworkError
from symconv.network.frontends.torch_frontend import short_path


class TraceError(NetworkError):
    """The model cannot be traced symbolically at some size (not a refusal of that size)."""


@dataclass(frozen=True, slots=True)
class Where:
    """Where a trace was refused: the innermost module (its path in the model) and the source
    line outside torch that raised or called the refusing op."""

    module: str
    source: str

    def text(self) -> str:
        parts = [p for p in (self.module or "(model)", self.source) if p]
        return " at ".join(parts)


@dataclass(frozen=True, slots=True)
class Step:
    """A module's output on the path: its module path and output shapes (SymPy sizes)."""

    module: str
    kind: str
    shapes: tuple[tuple[Any, ...], ...]
    window: tuple[tuple[str, Any], ...] = ()  # (name, value) of a conv/pool's parameters


@dataclass(frozen=True, slots=True)
class Path:
    """One trace at ``point``: ``guards`` (SymPy booleans in the symbols), ``names`` (symbol
    name → axis), and either ``outputs`` (valid) or ``message``/``where`` (refused)."""

    point: tuple[int, ...]
    names: Mapping[str, str]
    guards: tuple[Any, ...]
    outputs: tuple[tuple[Any, ...], ...] | None
    message: str = ""
    error: str = ""
    where: Where | None = None
    steps: tuple[Step, ...] = ()

    @property
    def valid(self) -> bool:
        return self.outputs is not None


def _torch() -> Any:
    import torch

    return torch


# Exceptions of the tracer itself, not of the model at these sizes (by class name: their
# modules move between torch releases).
_TRACER_ERRORS = frozenset({
    "GuardOnDataDependentSymNode", "DataDependentOutputException",
    "DynamicOutputShapeException", "UnsupportedOperatorException", "UnsupportedFakeTensorException",
    "MetadataMismatchError", "UserError", "PendingUnbackedSymbolNotFound",
    "ConstraintViolationError", "FakeTensorDeviceMismatchError",
})


def _tracer_error(exc: BaseException) -> bool:
    for cls in type(exc).__mro__:
        if cls.__name__ in _TRACER_ERRORS:
            return True
    text = str(exc)
    return ("SymIntArrayRef expected to contain only concrete" in text
            or "Cannot call sizes() on tensor with symbolic sizes" in text
            or "data-dependent" in text.lower() or "item()" in text
            or "cannot be converted to a Python scalar" in text)


class Tracer:
    """Trace ``model`` (an ``nn.Module`` in eval mode) for a ``(1, channels, *sizes)`` input."""

    def __init__(self, model: Any, channels: int, axes: Sequence[str]) -> None:
        self.model = model
        self.channels = channels
        self.axes = tuple(axes)
        torch = _torch()
        params = [*model.parameters(), *model.buffers()]
        self.device = params[0].device if params else torch.device("meta")
        self.module_names = {id(m): n for n, m in model.named_modules()}

    def trace(self, point: Sequence[int], symbolic: bool = True) -> Path:
        """The path at ``point``; with ``symbolic=False`` every size is a constant (the trace
        then only says what happens at this point, with numbers in the message)."""
        torch = _torch()
        from torch._dispatch.python import enable_python_dispatcher
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.experimental.symbolic_shapes import (
            DimDynamic,
            ShapeEnv,
            StatelessSymbolicContext,
        )

        env = ShapeEnv(duck_shape=False)
        mode = _value_checked_mode(FakeTensorMode)(shape_env=env, allow_non_fake_inputs=True)
        # The fake-tensor cache keys each op by its tensors' memory formats, which records
        # guards no op decides on (a product of sizes > 1): without it a region has only the
        # ops' own guards, and a BatchNorm-heavy model traces faster (resnet50 0.37 -> 0.28 s)
        mode.cache_enabled = False
        sizes = tuple(int(n) for n in point)
        x = torch.empty(1, self.channels, *sizes, device="meta")
        dyn = [DimDynamic.STATIC, DimDynamic.STATIC] + [
            DimDynamic.DYNAMIC if symbolic and n >= 2 else DimDynamic.STATIC for n in sizes]
        fake = mode.from_tensor(x, symbolic_context=StatelessSymbolicContext(
            dynamic_sizes=dyn))
        if self.device.type != "meta":
            fake = fake.to(self.device)
        names: dict[str, str] = {}
        fixed: list[Any] = []
        for j, axis in enumerate(self.axes):
            size = fake.shape[2 + j]
            expr = size.node.expr if hasattr(size, "node") else None
            if expr is not None and getattr(expr, "is_Symbol", False):
                names[expr.name] = axis
            else:
                fixed.append((axis, sizes[j]))
        recorder = _Recorder(self.module_names)
        outputs: tuple[tuple[Any, ...], ...] | None = None
        message = error = ""
        where: Where | None = None
        # a tensor the forward makes (torch.ones(...), Wav2Vec2's feature extractor) goes to the
        # model's device: a meta-built model would otherwise meet a CPU tensor, a mismatch of
        # the trace, not of the model
        with (_state_kept(self.model), _quiet(), recorder.hooks(), torch.device(self.device), mode,
              enable_python_dispatcher(), _eager_upsample_checks(), _eager_conv_checks(),
              _eager_attention(), _guarded_division(), torch.no_grad()):
            try:
                result = self.model(fake)
                outputs = tuple(tuple(_expr(s) for s in t.shape) for t in _tensors(result))
                if not outputs:
                    raise TraceError("the model returned no tensor")
            except KeyboardInterrupt:
                raise
            except TraceError:
                raise
            except Exception as exc:  # the user's model may raise anything
                if _tracer_error(exc):
                    raise TraceError(f"the forward cannot be traced on symbolic sizes at "
                                     f"{'×'.join(map(str, sizes))}: {type(exc).__name__}: "
                                     f"{_first_line(exc)}") from None
                message, error = _first_line(exc), type(exc).__name__
                where = Where(recorder.current(), _source_line(exc))
        guards = [g.expr for g in env.guards]
        for runtime in env.deferred_runtime_asserts.values():
            guards.extend(r.expr for r in runtime)
        import sympy as sp

        for sym_name in names:
            sym = next(s for s in env.var_to_range if s.name == sym_name)
            vr = env.var_to_range[sym]
            lower = vr.lower
            upper = vr.upper
            if getattr(lower, "is_Integer", False):
                guards.append(sp.Ge(sym, int(lower)))
            if getattr(upper, "is_Integer", False):
                guards.append(sp.Le(sym, int(upper)))
            replaced = env.replacements.get(sym)
            if replaced is not None and replaced != sym:
                guards.append(sp.Eq(sym, replaced))
        for axis, n in fixed:
            guards.append(sp.Eq(sp.Symbol(f"__axis_{axis}", integer=True), n))
            names[f"__axis_{axis}"] = axis
        return Path(sizes, names, tuple(g for g in guards if g is not sp.true),
                    outputs, message, error, where, tuple(recorder.steps))


# A forward may keep what it computed on its module (YOLO's Detect head keeps the input's shape
# and the anchors made for it, recomputed when the shape differs): a trace would leave there
# tensors and sizes of its own ShapeEnv, and the next trace — whose symbols have the same names
# — take them as its own (yolo_v8n refused 25×25 with the anchors of another size). Each trace
# starts from the model as it was: every module's attributes, and the contents of its
# parameter, buffer and submodule tables and of any list, dict or set it holds, put back after.
@contextmanager
def _state_kept(model: Any) -> Iterator[None]:
    containers = (list, dict, set)
    saved = []
    for m in model.modules():
        attrs = dict(m.__dict__)
        contents = {k: copy.copy(v) for k, v in attrs.items() if isinstance(v, containers)}
        saved.append((m, attrs, contents))
    try:
        yield
    finally:
        for m, attrs, contents in saved:
            m.__dict__.clear()
            m.__dict__.update(attrs)
            for k, v in contents.items():
                held = attrs[k]
                held.clear()
                if isinstance(held, list):
                    held.extend(v)
                else:
                    held.update(v)


# A division by a symbolic size computes its hint and raises ZeroDivisionError where that is 0,
# recording no guard (SymInt / SymInt, //, %): a path then claimed sizes whose run divides by
# zero, and the refusing trace no sizes at all. Each such division guards its divisor != 0
# first, raising Python's own error where it is 0 (int / int, // and %, as the user's run).
_DIVISIONS = (("__truediv__", False, "division by zero"),
              ("__rtruediv__", True, "division by zero"),
              ("__floordiv__", False, "integer division or modulo by zero"),
              ("__rfloordiv__", True, "integer division or modulo by zero"),
              ("__mod__", False, "integer modulo by zero"),
              ("__rmod__", True, "integer modulo by zero"))


@contextmanager
def _guarded_division() -> Iterator[None]:
    torch = _torch()
    cls = torch.SymInt
    saved = [(name, vars(cls).get(name)) for name, _, _ in _DIVISIONS]
    for name, reflected, message in _DIVISIONS:
        setattr(cls, name, _guard_divisor(getattr(cls, name), reflected, message))
    try:
        yield
    finally:
        for name, original in saved:
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)


def _guard_divisor(divide: Any, reflected: bool, message: str) -> Any:
    torch = _torch()

    def guarded(self: Any, other: Any) -> Any:
        divisor = self if reflected else other
        # divisor == 0 is a guard where the divisor is symbolic
        if (isinstance(divisor, int | torch.SymInt) and not isinstance(divisor, bool)
                and divisor == 0):
            raise ZeroDivisionError(message)
        return divide(self, other)

    return guarded


# Ops whose eager kernels check the VALUES of an index tensor (in bounds), which fake tensors
# do not have: where the index has a size that depends on the input's (max_unpool's indices
# from a max_pool, an embedding of arange(W)), whether a size runs depends on values PyTorch's
# symbolic shapes cannot see, and no answer is given (an index of a fixed size, such as a
# relative-position table's, is the model's own and the same at every input size).
_VALUE_CHECKED = frozenset({
    "max_unpool2d", "max_unpool3d", "embedding", "embedding_bag", "_embedding_bag", "gather",
    "index_select", "take", "take_along_dim", "scatter", "scatter_add", "scatter_reduce",
    "index_add", "index_copy", "index_fill", "index", "index_put"})


# PyTorch's own decompositions index with what they computed in bounds (im2col for F.unfold)
_DECOMPOSITIONS = (f"{os.sep}torch{os.sep}_decomp{os.sep}", f"{os.sep}torch{os.sep}_refs{os.sep}",
                   f"{os.sep}torch{os.sep}_prims{os.sep}")


def _value_checked_mode(base: Any) -> Any:
    class ValueChecked(base):  # type: ignore[misc]
        def dispatch(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            # in-place variants (index_put_, scatter_) check as theirs
            if (func.__name__.split(".")[0].rstrip("_") in _VALUE_CHECKED
                    and not _in_decomposition()):
                _sized_index(func, args, kwargs or {})
            if func is _torch().ops.aten._native_batch_norm_legit_no_training.default:
                with self:
                    fast = _contiguous_batch_norm(func, args, kwargs or {})
                if fast is not None:
                    return fast
            return super().dispatch(func, types, args, kwargs or {})

    return ValueChecked


def _contiguous_batch_norm(func: Any, args: Sequence[Any],
                           kwargs: Mapping[str, Any]) -> tuple[Any, Any, Any] | None:
    """Eval-mode BatchNorm of an input whose strides are contiguous at every size, or None.

    Fake tensors run PyTorch's decomposition (``native_batch_norm_helper`` in
    torch/_decomp/decompositions.py): ``(x - mean) * invstd * weight + bias`` with the
    parameters shaped (C, 1, ...). Each of those elementwise ops then takes its contiguous fast
    path (``fast_binary_impl``: every operand contiguous) at every size, so the output is
    ``torch.empty(x.shape)``, as here. The decomposition also records guards on sizes equal to 1
    (broadcast and contiguity tests) whose outcome changes nothing, at ~10 ms an op; the
    statistics it returns are computed as it does. Anything else (other dtypes, a parameter
    that is not (C,), strides not contiguous for every size) goes to the decomposition."""
    torch = _torch()
    from torch._prims_common import make_contiguous_strides_for
    from torch.fx.experimental.symbolic_shapes import statically_known_true

    given = _named(func, args, kwargs)
    x = given.get("input")
    if not isinstance(x, torch.Tensor) or x.dim() < 2 or x.dtype not in (torch.float32,
                                                                         torch.float64):
        return None
    channels = x.shape[1]
    mean, var = given.get("running_mean"), given.get("running_var")
    params = [given.get("weight"), given.get("bias"), mean, var]
    if not isinstance(channels, int) or mean is None or var is None or any(
            p is not None and (p.dtype != x.dtype or tuple(p.shape) != (channels,))
            for p in params):
        return None
    contiguous = make_contiguous_strides_for(x.shape)
    if not all(statically_known_true(a == b) for a, b in zip(x.stride(), contiguous,
                                                              strict=True)):
        return None
    out = torch.empty_strided(x.shape, contiguous, dtype=x.dtype, device=x.device)
    # the statistics: a copy of running_mean and 1 / sqrt(running_var + eps) off the CPU, each a
    # new (C,) tensor; on the CPU, empty
    saved = (0,) if x.device.type == "cpu" else (channels,)
    return (out, *(torch.empty(saved, dtype=x.dtype, device=x.device) for _ in range(2)))


def _in_decomposition() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if any(part in frame.f_code.co_filename for part in _DECOMPOSITIONS):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _named(op: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """An ATen call's arguments by their names in ``op``'s schema."""
    names = [a.name for a in op._schema.arguments]
    return {**dict(zip(names, args, strict=False)), **kwargs}


def _sized_index(func: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    torch = _torch()
    given = _named(func, args, kwargs)
    for name in ("index", "indices"):
        value = given.get(name)
        tensors = value if isinstance(value, list | tuple) else [value]
        for t in tensors:
            # a boolean mask selects by shape, which is checked: only integer indexes go out
            # of bounds
            if isinstance(t, torch.Tensor) and not t.dtype.is_floating_point and t.dtype not in (
                    torch.bool, torch.uint8) and any(isinstance(n, torch.SymInt)
                                                     for n in t.shape):
                raise TraceError(
                    f"{func.__name__.split('.')[0]} reads an index tensor of size "
                    f"{'×'.join(str(n) for n in t.shape)}, made from the input's size: whether "
                    "a size runs depends on the index's values (checked in bounds by the "
                    "eager kernel), which PyTorch's symbolic shapes do not see")


# PyTorch's fake convolution (meta_conv in torch/_meta_registrations.py) lets a transposed
# convolution's output be 0 on some axes (its check is sym_or over the axes); the eager CPU
# kernels (slow_conv_transpose{2,3}d's shape check) refuse any output size below 1. The check is
# put back before the kernel, with the eager message (a 1-d one as the 2-d it runs as).
@contextmanager
def _eager_conv_checks() -> Iterator[None]:
    torch = _torch()
    from torch._subclasses import fake_impls

    aten = torch.ops.aten
    table = fake_impls.op_implementations_dict
    ops = [op for op in (aten.convolution.default, aten._convolution.default,
                         aten._convolution.deprecated) if op in table]
    saved = {op: table[op] for op in ops}
    for op in ops:
        table[op] = _checked_conv(op, saved[op])
    try:
        yield
    finally:
        table.update(saved)


def _checked_conv(op: Any, impl: Any) -> Any:
    def checked(fake_mode: Any, func: Any, *args: Any, **kwargs: Any) -> Any:
        given = _named(op, args, kwargs)
        if given.get("transposed"):
            _transposed_check(given)
        return impl(fake_mode, func, *args, **kwargs)

    return checked


def _transposed_check(given: Mapping[str, Any]) -> None:
    torch = _torch()
    sizes = list(given["input"].shape[2:])
    kernel = list(given["weight"].shape[2:])
    rank = len(sizes)

    def each(value: Any) -> list[Any]:
        values = list(value) if isinstance(value, list | tuple) else [value]
        return values * rank if len(values) == 1 else values

    stride, padding, dilation, extra = (each(given[k]) for k in (
        "stride", "padding", "dilation", "output_padding"))
    out = [(i - 1) * s - 2 * p + d * (k - 1) + a + 1
           for i, k, s, p, d, a in zip(sizes, kernel, stride, padding, dilation, extra,
                                       strict=True)]
    shown_in, shown_out = ([1, *sizes], [1, *out]) if rank == 1 else (sizes, out)

    def message() -> str:
        return (f"Given input size per channel: ({' x '.join(map(str, shown_in))}). "
                f"Calculated output size per channel: ({' x '.join(map(str, shown_out))}). "
                "Output size is too small")

    torch._check(all(o >= 1 for o in out), message)


# Upsampling ops by spatial rank. PyTorch's python-dispatcher decompositions of them (what its
# fake tensors run: torch/_decomp/decompositions.py _upsample_nearest, _upsample_linear, ...)
# skip the eager kernels' check that every input and output size is > 0
# (aten/src/ATen/native/UpSample.h upsample_{1,2,3}d_common_check): F.interpolate's output
# would be 0 × 0 where the user's run fails. The check is put back, with the eager message.
_UPSAMPLE = {"upsample_nearest1d": 1, "_upsample_nearest_exact1d": 1, "upsample_linear1d": 1,
             "upsample_nearest2d": 2, "_upsample_nearest_exact2d": 2, "upsample_bilinear2d": 2,
             "_upsample_bilinear2d_aa": 2, "upsample_bicubic2d": 2, "_upsample_bicubic2d_aa": 2,
             "upsample_nearest3d": 3, "_upsample_nearest_exact3d": 3,
             "upsample_trilinear3d": 3}


# PyTorch's math attention (attention.cpp, _scaled_dot_product_attention_math) adds the mask
# in place, attn.add_(mask): a mask broadcasts to q·kᵀ's shape but never grows it. For tensor
# subclasses, fake tensors among them, it adds out of place: the trace called a mask of a larger
# batch valid, and refused a grown one later, at the bmm, in other words. The in-place check is
# put back before the call, in TensorIterator's words: the eager run reaches it after q·kᵀ,
# which cannot refuse first where the batch and feature sizes are equal constants.
def _eager_attention() -> Any:
    torch = _torch()
    from torch.overrides import TorchFunctionMode

    attention = torch.nn.functional.scaled_dot_product_attention

    class EagerAttention(TorchFunctionMode):  # type: ignore[misc]
        def __torch_function__(self, func: Any, types: Any, args: Any = (),
                               kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            if func is attention:
                _attention_mask_check(args, kwargs)
            return func(*args, **kwargs)

    return EagerAttention()


def _attention_mask_check(args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    torch = _torch()
    given: dict[str, Any] = {**dict(zip(
        ("query", "key", "value", "attn_mask", "dropout_p", "is_causal"), args, strict=False)),
        **kwargs}
    q: Any = given.get("query")
    k: Any = given.get("key")
    v: Any = given.get("value")
    mask: Any = given.get("attn_mask")
    # anything the eager run refuses before the mask (dtypes, ranks, q·kᵀ) is left to it
    if (not all(isinstance(t, torch.Tensor) for t in (q, k, v, mask)) or given.get("is_causal")
            or given.get("enable_gqa") or mask.dtype not in (torch.bool, q.dtype)
            or not q.dtype == k.dtype == v.dtype or q.dim() < 2
            or not q.dim() == k.dim() == v.dim()):
        return
    fixed_q, fixed_k = [*q.shape[:-2], q.shape[-1]], [*k.shape[:-2], k.shape[-1]]
    if not all(isinstance(n, int) for n in (*fixed_q, *fixed_k)) or fixed_q != fixed_k:
        return
    attn = [*q.shape[:-1], k.shape[-2]]
    n = max(len(attn), mask.dim())
    a = [1] * (n - len(attn)) + attn
    b = [1] * (n - mask.dim()) + list(mask.shape)
    for i in reversed(range(n)):  # infer_size_impl
        if not (a[i] == b[i] or a[i] == 1 or b[i] == 1):
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b "
                               f"({b[i]}) at non-singleton dimension {i}")
    broadcast = [y if x == 1 else x for x, y in zip(a, b, strict=True)]
    if n > len(attn) or any(x != y for x, y in zip(broadcast, attn, strict=True)):
        raise RuntimeError(f"output with shape [{', '.join(map(str, attn))}] doesn't match the "
                           f"broadcast shape [{', '.join(map(str, broadcast))}]")


@contextmanager
def _eager_upsample_checks() -> Iterator[None]:
    torch = _torch()
    from torch._C import DispatchKey

    keys = (DispatchKey.Autograd, DispatchKey.CompositeImplicitAutograd)
    saved: list[tuple[Any, Any, Any]] = []
    for name, rank in _UPSAMPLE.items():
        packet = getattr(torch.ops.aten, name)
        for overload in ("default", "vec"):
            op = getattr(packet, overload)
            for key in keys:
                kernel = op.py_kernels.get(key)
                if kernel is not None:
                    saved.append((op, key, kernel))
                    op.py_kernels[key] = _checked_upsample(op, kernel, rank)
            op._dispatch_cache.clear()
    try:
        yield
    finally:
        for op, key, kernel in saved:
            op.py_kernels[key] = kernel
            op._dispatch_cache.clear()


def _checked_upsample(op: Any, kernel: Any, rank: int) -> Any:
    """``kernel`` after the eager check, on the output size ``op``'s arguments ask for (the
    decompositions divide by it: a 0 there raised ZeroDivisionError with no guard)."""
    from torch._decomp.decompositions import upsample_compute_output_size

    def checked(*args: Any, **kwargs: Any) -> Any:
        given = _named(op, args, kwargs)
        size = given.get("output_size")
        if size is None or "scale_factors" in given:
            size = upsample_compute_output_size(args[0].shape, size,
                                                given.get("scale_factors"))
        _upsample_check(args[0].shape[2:], size, rank)
        return kernel(*args, **kwargs)

    return checked


def _upsample_check(before: Sequence[Any], after: Sequence[Any], rank: int) -> None:
    torch = _torch()
    labels = ("D", "H", "W")[3 - rank:]

    def message() -> str:
        ins = ", ".join(f"{a}: {n}" for a, n in zip(labels, before, strict=True))
        outs = ", ".join(f"{a}: {n}" for a, n in zip(labels, after, strict=True))
        return (f"Input and output sizes should be greater than 0, but got input ({ins})"
                f"{' and' if rank == 1 else ''} output ({outs})")

    # eager's condition, in its order, each size a guard where it is symbolic
    torch._check(all(n > 0 for n in (*before, *after)), message)


def _expr(size: Any) -> Any:
    import sympy as sp

    if hasattr(size, "node"):
        return size.node.expr
    return sp.Integer(int(size))


def _tensors(result: Any) -> Iterator[Any]:
    torch = _torch()
    if isinstance(result, torch.Tensor):
        yield result
    elif isinstance(result, Mapping) or hasattr(result, "to_tuple"):
        values = result.to_tuple() if hasattr(result, "to_tuple") else result.values()
        for v in values:
            yield from _tensors(v)
    elif isinstance(result, list | tuple):
        for v in result:
            yield from _tensors(v)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return eager_wording(text.splitlines()[0][:500])


# The fake kernels word six refusals differently from the eager (CPU) kernels the user's run
# meets; each is rewritten to the eager text, sizes (numbers or symbols) kept.
# torch/_subclasses/fake_impls.py infer_size: '... at non-singleton dimension {i})', a stray ')'
# where ATen's infer_size_impl (ExpandUtils.cpp) ends at the dimension.
_STRAY = re.compile(r"^(The size of tensor a \(.+\) must match the size of tensor b \(.+\) at "
                    r"non-singleton dimension \d+)\)$")
# torch/_prims/__init__.py cat: 'Expected {n} in dimension {d} but got {m} for tensor number
# {t} in the list' where ATen's check_cat_shape_except_dim (TensorShape.cpp) says 'Expected size
# {n} but got size {m} for tensor number {t} in the list.'
_CAT = re.compile(r"^(Sizes of tensors must match except in dimension \d+\. )Expected (.+) in "
                  r"dimension \d+ but got (.+) for tensor number (\d+) in the list$")
# torch/_refs/__init__.py _broadcast_shapes, where a size is the constant 1 (so no fast path):
# the second operand's size at a dimension counted from the right against the first's, where
# ATen's infer_size_impl names both sizes and the dimension from the left
_BROADCAST = re.compile(r"^Attempting to broadcast a dimension of length (.+) at (-\d+)! "
                        r"Mismatching argument at index 1 had torch\.Size\(\[(.*)\]\); but "
                        r"expected shape should be broadcastable to \[(.*)\]$")

# torch/_meta_registrations.py meta_mm (a Linear's matmul on fake tensors): 'a and b must have
# same reduction dim, but got [N, M1] X [M2, P].' where ATen's mm/addmm meta function
# (LinearAlgebra.cpp) says 'mat1 and mat2 shapes cannot be multiplied (NxM1 and M2xP)'
_MM = re.compile(r"^a and b must have same reduction dim, but got \[(.*)\] X \[(.*)\]\.$")

# torch/_refs/__init__.py native_layer_norm: '... expected input with shape {normalized_shape},
# but got input of size torch.Size([...])' where ATen's _check_layer_norm_inputs (layer_norm.h)
# says 'expected input with shape [*, 8], but got input of size[1, 3, 4, 5]'
_LAYER_NORM = re.compile(r"^Given normalized_shape=\[(.*)\], expected input with shape \[\1\], but "
                         r"got input of size torch\.Size\(\[(.*)\]\)$")
# torch/_decomp/decompositions.py im2col (F.unfold): 'Given an input with spatial size (h, w),
# kernel_size=[..], dilation=[..], padding=[..], stride=[..], the calculated shape of the array
# of sliding blocks is (..), ...' where ATen's im2col_shape_check (im2col_shape_check.h) says
# 'Given input with spatial size (h, w), kernel_size=(..), dilation=(..), padding=(..),
# calculated shape of the array of sliding blocks as (..), ...' (no stride)
_UNFOLD = re.compile(r"^Given an input with spatial size (\(.*\)), kernel_size=\[(.*)\], "
                     r"dilation=\[(.*)\], padding=\[(.*)\], stride=\[.*\], the calculated "
                     r"shape of the array of sliding blocks is (\(.*\)), but its components "
                     r"must be at least one\.$")


def eager_wording(message: str) -> str:
    """A fake kernel's refusal in the words PyTorch's eager kernel uses for it."""
    if m := _STRAY.match(message):
        return m.group(1)
    if m := _CAT.match(message):
        return (f"{m.group(1)}Expected size {m.group(2)} but got size {m.group(3)} for tensor "
                f"number {m.group(4)} in the list.")
    if m := _LAYER_NORM.match(message):
        return (f"Given normalized_shape=[{m.group(1)}], expected input with shape "
                f"[*, {m.group(1)}], but got input of size[{m.group(2)}]")
    if m := _UNFOLD.match(message):
        return (f"Given input with spatial size {m.group(1)}, kernel_size=({m.group(2)}), "
                f"dilation=({m.group(3)}), padding=({m.group(4)}), calculated shape of the array "
                f"of sliding blocks as {m.group(5)}, but its components must be at least one.")
    if m := _MM.match(message):
        left, right = _items(m.group(1)), _items(m.group(2))
        if len(left) == len(right) == 2:
            return (f"mat1 and mat2 shapes cannot be multiplied ({left[0]}x{left[1]} and "
                    f"{right[0]}x{right[1]})")
    if m := _BROADCAST.match(message):
        length, at = m.group(1), int(m.group(2))
        b, a = _items(m.group(3)), _items(m.group(4))
        ndim = max(len(a), len(b))
        if -len(a) <= at < 0 and -len(b) <= at < 0 and b[at] == length:
            return (f"The size of tensor a ({a[at]}) must match the size of tensor b ({length}) "
                    f"at non-singleton dimension {ndim + at}")
    return message


def _items(text: str) -> list[str]:
    """'1, Max(1, s0), 4' → ['1', 'Max(1, s0)', '4']: commas outside parentheses."""
    out, depth, start = [], 0, 0
    for j, ch in enumerate(text):
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            out.append(text[start:j].strip())
            start = j + 1
    out.append(text[start:].strip())
    return [x for x in out if x]


def _source_line(exc: BaseException) -> str:
    """The innermost frame of the traceback outside torch and symconv: the model's line."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        name = frame.filename
        if f"{os.sep}torch{os.sep}" in name or f"{os.sep}symconv{os.sep}" in name:
            continue
        line = frame.line or linecache.getline(name, frame.lineno or 0).strip()
        name = short_path(name)
        return f"{name}:{frame.lineno} ({line})" if line else f"{name}:{frame.lineno}"
    return ""


_WINDOWS = {"Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
            "ConvTranspose3d", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d",
            "AvgPool3d"}


class _Recorder:
    """The module path of the innermost running module, and each module's output shapes."""

    def __init__(self, names: Mapping[int, str]) -> None:
        self.names = names
        self.stack: list[str] = []
        self.steps: list[Step] = []

    def current(self) -> str:
        return self.stack[-1] if self.stack else ""

    @contextmanager
    def hooks(self) -> Iterator[None]:
        from torch.nn.modules import module as nn_module

        def pre(module: Any, args: Any) -> None:
            self.stack.append(self.names.get(id(module), type(module).__name__))

        def post(module: Any, args: Any, output: Any) -> None:
            name = self.stack.pop() if self.stack else ""
            if list(module.children()):
                return
            try:
                shapes = tuple(tuple(_expr(s) for s in t.shape) for t in _tensors(output))
            except Exception:  # an output that is not made of tensors
                return
            kind = type(module).__name__
            window: tuple[tuple[str, Any], ...] = ()
            if kind in _WINDOWS:
                window = tuple((k, getattr(module, k)) for k in (
                    "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                    "output_padding", "count_include_pad") if hasattr(module, k))
            if shapes:
                self.steps.append(Step(name, kind, shapes, window))

        h1 = nn_module.register_module_forward_pre_hook(pre)
        h2 = nn_module.register_module_forward_hook(post)
        try:
            yield
        finally:
            h1.remove()
            h2.remove()


@contextmanager
def _quiet() -> Iterator[None]:
    """The user's prints and warnings go to stderr: stdout is symconv's (one JSON document)."""
    import logging
    import warnings

    saved = sys.stdout
    sys.stdout = sys.stderr
    # torch logs every refusal of a meta kernel with its traceback; the refusal is the answer
    fake_log = logging.getLogger("torch._subclasses.fake_tensor")
    level = fake_log.level
    fake_log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout = saved
        fake_log.setLevel(level)

