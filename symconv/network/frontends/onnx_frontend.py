"""The ONNX front-end: an ``.onnx`` file's graph, node by node, as a :class:`Network`.

The file is read with ``onnx.load`` (external weights are not loaded: only their shapes are
needed) and never run. Each node is mapped with ONNX's own rules (``symconv.frameworks.onnx``).

Choices, and why:

- **Rules: the runtime's, not shape inference's.** Windows use the ``onnx.*`` rules (the operator
  spec as the reference evaluator computes it), never ``onnx.infer.*``: what a user hits is the
  model running in a runtime. onnxruntime 1.32 computes the ``onnx.*`` sizes for explicit pads at
  opsets 17 and 22 — ceil-mode pooling included, where shape inference below opset 22
  (``onnx.infer.*.ceil.opset19``) gives a plain ceil that keeps a last window starting in the
  right padding (tests/test_network_onnx_rules.py). onnxruntime departs from the spec only where
  the spec refuses or returns an empty tensor: it refuses a pooling pad >= the kernel and a
  convolution of output 0, and answers 1 for a floor-mode pooling window that does not fit in
  the padded input (C++ truncation). Each window node records the rule ONNX's shape inference
  applies at the model's opset in ``attrs["shape_inference_rule"]``, so a disagreement can be
  shown, never silently followed. The valid set is the spec's (every output non-empty); the
  layer named as refusing a size is the node onnxruntime fails at (``network.ortrun``).
- **The input's spatial axes are analysed as free**, whatever the model declares: the question is
  which sizes the graph's arithmetic accepts. A fixed ``dim_value`` (an export without dynamic
  axes) is kept in the input node's ``attrs["declared"]`` with a note: an ONNX runtime checks it,
  so such a model runs only at that size, and only if it lies in the valid set.
- **Sizes computed in the graph** (``Shape → Gather → Sub → Div → Concat`` in exports with dynamic
  axes) are evaluated exactly, into expressions over ``size_symbol`` of the tensors they read;
  integer ``Div`` truncates toward zero, as in ONNX runtimes (not Python's floor).
- The batch axis is taken as 1 (``Shape`` of a tensor gives 1 there), as the analysis assumes.
- An op that is not known here and takes a tensor with spatial axes is a :class:`NetworkError`
  naming the node, its op and its place: it could change a spatial size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import sympy as sp

from symconv.network.frontends import onnx_values as ov
from symconv.network.ir import (
    AXIS_NAMES,
    Kind,
    Network,
    NetworkError,
    Node,
    Size,
    size_symbol,
    topological,
)
from symconv.network.frontends.onnx_values import Const, DType, ShapeValueError

FRAMEWORK = "onnx"
# ONNX TensorProto data types, by kind.
_FLOAT_TYPES = frozenset({1, 10, 11, 16, 17, 18, 19, 20})
_INT_TYPES = frozenset({2, 3, 4, 5, 6, 7, 12, 13, 21, 22})
_BOOL = 9
# Python's slice semantics make any bound past ±2**62 the same as "to the end" for real sizes.
_HUGE = 1 << 62


@dataclass(frozen=True, slots=True)
class Data:
    """A tensor computed from the input: the IR node that makes it, its ONNX rank, and its
    channels (``(batch, channels, *spatial)``) or, after flattening, its feature count."""

    node: str
    rank: int
    channels: int | None
    flat: bool = False
    features: Size | None = None

    @property
    def spatial(self) -> int:
        return 0 if self.flat else self.rank - 2


Value: TypeAlias = Data | Const
Inputs: TypeAlias = list[Value | None]


def load_onnx(path: str) -> Network:
    """The network of the ONNX model at ``path`` (read, never run)."""
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - onnx is a test dependency here
        raise NetworkError(f"{path}: reading ONNX models needs the onnx package "
                           f"(pip install onnx): {exc}") from None
    try:
        model = onnx.load(path, load_external_data=False)
    except OSError as exc:
        raise NetworkError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except Exception as exc:  # protobuf's DecodeError and onnx's own: the file is not a model
        raise NetworkError(f"{path}: not an ONNX model ({exc})") from None
    return from_model(model, path)


def from_model(model: Any, source: str) -> Network:
    """The network of an in-memory ``onnx.ModelProto``; ``source`` names it in messages."""
    return _Reader(model, source).run()


@dataclass(frozen=True, slots=True)
class _Ctx:
    """One ONNX node being mapped: its IR name, place and attributes."""

    proto: Any
    name: str
    origin: str
    attrs: Mapping[str, Any]
    index: int

    @property
    def op(self) -> str:
        return str(self.proto.op_type)

    def where(self) -> str:
        return f"node {self.name!r} ({self.op}) at {self.origin}"

    def error(self, message: str) -> NetworkError:
        return NetworkError(f"{self.where()}: {message}")

    def ints(self, key: str, default: Sequence[int]) -> list[int]:
        return [int(v) for v in self.attrs.get(key, default)]

    def int(self, key: str, default: int) -> int:
        return int(self.attrs.get(key, default))

    def str(self, key: str, default: str) -> str:
        value = self.attrs.get(key, default)
        return value.decode() if isinstance(value, bytes) else str(value)


class _Reader:
    def __init__(self, model: Any, source: str) -> None:
        self.model = model
        self.source = source
        self.opset = _opset(model, source)
        self.values: dict[str, Value] = {}
        self.nodes: list[Node] = []
        self.used: set[str] = set()
        self.axes: tuple[str, ...] = ()
        self.emitted: dict[int, list[str]] = {}  # graph node index: the IR nodes it made

    def run(self) -> Network:
        graph = self.model.graph
        for tensor in graph.initializer:
            self.values[tensor.name] = tensor_const(tensor)
        channels = self._input(graph)
        for index, proto in enumerate(graph.node):
            self._node(index, proto)
        outputs = tuple(dict.fromkeys(
            v.node for v in (self.values.get(o.name) for o in graph.output)
            if isinstance(v, Data)))
        if not outputs:
            raise NetworkError(f"{self.source}: no graph output is computed from the input")
        name = Path(self.source).stem or str(graph.name) or "onnx"
        nodes = topological(self.nodes)
        order = [nodes[0].name] + [ir for j in ort_order(graph) for ir in self.emitted.get(j, ())]
        return Network(name, self.axes, channels, nodes, outputs, tuple(order))

    # --- the input --------------------------------------------------------------------------

    def _input(self, graph: Any) -> int:
        inits = {t.name for t in graph.initializer}
        data = [vi for vi in graph.input if vi.name not in inits]
        if len(data) != 1:
            names = ", ".join(repr(vi.name) for vi in data) or "none"
            raise NetworkError(f"{self.source}: symconv analyses a network with one input "
                               f"tensor; this graph has {len(data)} ({names})")
        vi = data[0]
        where = f"{self.source}: graph input {vi.name!r}"
        ttype = vi.type.tensor_type
        if not vi.type.HasField("tensor_type") or not ttype.HasField("shape"):
            raise NetworkError(f"{where}: its shape is not declared")
        dims = list(ttype.shape.dim)
        if len(dims) - 2 not in AXIS_NAMES:
            raise NetworkError(f"{where}: rank {len(dims)}; symconv analyses (batch, channels, "
                               f"1 to 3 spatial axes) tensors")
        channel = dims[1]
        if not channel.HasField("dim_value") or channel.dim_value < 1:
            raise NetworkError(f"{where}: the channels (axis 1) must be a fixed size, got "
                               f"{channel.dim_param or 'an unknown size'!r}")
        self.axes = AXIS_NAMES[len(dims) - 2]
        declared = tuple(int(d.dim_value) if d.HasField("dim_value") else (d.dim_param or None)
                         for d in dims)
        fixed = [f"{a}={v}" for a, v in zip(self.axes, declared[2:], strict=True)
                 if isinstance(v, int)]
        attrs: dict[str, object] = {"declared": declared}
        if fixed:
            attrs["note"] = (f"the model declares {', '.join(fixed)}: ONNX runtimes accept only "
                             f"that size; the graph's arithmetic is analysed for every size")
        self.nodes.append(Node(vi.name, Kind.INPUT, (), where, "input", FRAMEWORK,
                               channels=int(channel.dim_value), attrs=attrs))
        self.used.add(vi.name)
        self.values[vi.name] = Data(vi.name, len(dims), int(channel.dim_value))
        return int(channel.dim_value)

    # --- one node ---------------------------------------------------------------------------

    def _node(self, index: int, proto: Any) -> None:
        name = str(proto.name) or f"{proto.op_type}_{index}"
        if name in self.used:
            name = f"{name}#{index}"
        ctx = _Ctx(proto, name, f"{self.source}, graph node #{index}", _attributes(proto), index)
        if proto.domain not in ("", "ai.onnx"):
            raise ctx.error(f"op {proto.domain}.{proto.op_type} is not an ONNX standard op: "
                            f"symconv does not know what it does to sizes")
        ins: Inputs = []
        for src in proto.input:
            if not src:
                ins.append(None)
            elif src in self.values:
                ins.append(self.values[src])
            else:
                raise ctx.error(f"input {src!r} is not produced by any earlier node")
        on_data = any(isinstance(v, Data) for v in ins)
        handler = (_DATA_OPS if on_data else _CONST_OPS).get(ctx.op)
        if handler is None:
            if on_data:
                raise ctx.error(f"op {ctx.op!r} is not known to symconv and takes a tensor "
                                f"with spatial axes: it could change a spatial size")
            raise ctx.error(f"op {ctx.op!r} on constants is not evaluated by symconv")
        try:
            outs = handler(self, ctx, ins)
        except ShapeValueError as exc:
            raise ctx.error(str(exc)) from None
        for out_name, value in zip(proto.output, outs, strict=False):
            if out_name:
                self.values[out_name] = value

    def emit(self, ctx: _Ctx, kind: Kind, inputs: Sequence[Data], *, suffix: str = "",
             rule: str = "", axes: Sequence[Mapping[str, Size | None]] = (),
             channels: int | None = None, in_channels: int | None = None,
             attrs: Mapping[str, object] | None = None) -> str:
        name = ctx.name + suffix
        self.used.add(name)
        self.emitted.setdefault(ctx.index, []).append(name)
        self.nodes.append(Node(name, kind, tuple(d.node for d in inputs), ctx.origin, ctx.op,
                               FRAMEWORK, rule, tuple(axes), channels, in_channels,
                               dict(attrs or {})))
        return name


def ort_order(graph: Any) -> list[int]:
    """The graph's node indices in the order onnxruntime runs them (``GraphViewer``'s default
    order, ``Graph::ReverseDFSFrom`` in onnxruntime/core/graph): a depth-first walk back from
    the nodes nobody consumes, which pushes a node's inputs in index order and so runs the
    input of the highest index first; the nodes onnxruntime removes before running do not
    count (Constant nodes and what only they feed become initializers; Identity, Dropout and a
    BatchNormalization after a Conv are eliminated or fused, their consumers reading their
    input). A removed node comes right after the node whose output it passes on."""
    nodes = list(graph.node)
    producer = {o: j for j, n in enumerate(nodes) for o in n.output if o}
    consumers: dict[int, int] = {}
    for n in nodes:
        for name in n.input:
            if name in producer:
                consumers[producer[name]] = consumers.get(producer[name], 0) + 1
    known = {t.name for t in graph.initializer}
    folded: set[int] = set()
    for j, n in enumerate(nodes):
        if n.op_type == "Constant" or all(not x or x in known for x in n.input):
            folded.add(j)
            known.update(o for o in n.output if o)

    def removed(j: int) -> bool:
        n = nodes[j]
        if n.op_type in ("Identity", "Dropout"):
            return True
        if n.op_type == "BatchNormalization" and n.input and n.input[0] in producer:
            conv = producer[n.input[0]]
            return nodes[conv].op_type == "Conv" and consumers.get(conv, 0) == 1
        return False

    def source(name: str) -> int | None:
        j = producer.get(name)
        while j is not None and j not in folded and removed(j):
            j = producer.get(nodes[j].input[0]) if nodes[j].input else None
        return None if j is None or j in folded else j

    live = [j for j in range(len(nodes)) if j not in folded and not removed(j)]
    inputs = {j: [i for x in nodes[j].input if x and (i := source(x)) is not None]
              for j in live}
    fed = {i for j in live for i in inputs[j]}
    stack = [(j, False) for j in live if j not in fed]
    seen: set[int] = set()
    order: list[int] = []
    while stack:
        j, leave = stack.pop()
        if leave:
            order.append(j)
            continue
        if j in seen:
            continue
        seen.add(j)
        stack.append((j, True))
        stack.extend((i, False) for i in sorted(inputs[j]))
    passed: dict[int | None, list[int]] = {}
    for j in range(len(nodes)):
        if j not in folded and removed(j):
            passed.setdefault(source(nodes[j].input[0]) if nodes[j].input else None,
                              []).append(j)

    def with_passed(j: int | None) -> list[int]:
        out = [] if j is None else [j]
        for r in passed.get(j, ()):
            out += with_passed(r)
        return out

    return [*with_passed(None), *(k for j in order for k in with_passed(j))]


def _opset(model: Any, source: str) -> int:
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    raise NetworkError(f"{source}: the model imports no version of the ONNX operator set")


def _attributes(proto: Any) -> dict[str, Any]:
    from onnx import helper

    out: dict[str, Any] = {}
    for attr in proto.attribute:
        if attr.ref_attr_name:
            raise NetworkError(f"attribute {attr.name!r} of node {proto.name!r} refers to a "
                               f"function attribute, which symconv does not resolve")
        out[attr.name] = helper.get_attribute_value(attr)
    return out


def tensor_const(tensor: Any) -> Const:
    """A ``TensorProto`` as a :class:`Const`; a large or external one by shape only."""
    shape = tuple(int(n) for n in tensor.dims)
    kind = tensor.data_type
    dtype = (DType.FLOAT if kind in _FLOAT_TYPES else DType.BOOL if kind == _BOOL
             else DType.INT)
    small = kind in _FLOAT_TYPES | _INT_TYPES | {_BOOL} and math.prod(shape) <= ov.MAX_TRACKED
    if not small or tensor.data_location == 1:  # 1 = EXTERNAL
        return Const(shape, dtype, None)
    from onnx import numpy_helper

    array = numpy_helper.to_array(tensor)
    flat = array.reshape(-1).tolist()
    values = [float(v) for v in flat] if dtype is DType.FLOAT else [int(v) for v in flat]
    return ov.const(shape, dtype, values)


Handler: TypeAlias = Callable[[_Reader, _Ctx, Inputs], list[Value]]


# --- reading a node's inputs --------------------------------------------------------------------


def _at(ins: Inputs, index: int) -> Value | None:
    return ins[index] if index < len(ins) else None


def _const(ctx: _Ctx, value: Value | None, what: str) -> Const:
    if value is None:
        raise ctx.error(f"{what} is missing")
    if isinstance(value, Data):
        raise ctx.error(f"{what} is computed from the values of the input tensor, not from "
                        f"sizes: symconv needs it constant")
    return value


def _data(ctx: _Ctx, value: Value | None, what: str) -> Data:
    if not isinstance(value, Data):
        raise ctx.error(f"{what} must be a tensor computed from the network's input")
    return value


def _axes_arg(ctx: _Ctx, ins: Inputs, index: int, since: int, opset: int) -> list[int] | None:
    """An ``axes`` list: an attribute before opset ``since``, an optional input from then on."""
    if opset < since:
        return ctx.ints("axes", []) if "axes" in ctx.attrs else None
    value = _at(ins, index)
    return None if value is None else list(_const(ctx, value, "axes").concrete_ints("axes"))


def dims(ctx: _Ctx, x: Value) -> list[int | sp.Expr]:
    """The shape of ``x`` as ``Shape`` returns it (batch 1; sizes as ``size_symbol``)."""
    if isinstance(x, Const):
        return list(x.shape)
    if x.flat:
        if x.features is None:
            raise ctx.error("the feature count of a flattened tensor is not known here")
        return [1, x.features]
    if x.channels is None:
        raise ctx.error("the channel count of this tensor is not known here")
    return [1, x.channels, *(size_symbol(x.node, j) for j in range(x.spatial))]


# --- ops on constants and sizes -------------------------------------------------------------


def _c_constant(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    a = ctx.attrs
    if "value" in a:
        return [tensor_const(a["value"])]
    if "value_int" in a:
        return [ov.scalar(int(a["value_int"]))]
    if "value_ints" in a:
        return [ov.vector([int(v) for v in a["value_ints"]])]
    if "value_float" in a:
        return [ov.const((), DType.FLOAT, (float(a["value_float"]),))]
    if "value_floats" in a:
        floats = [float(v) for v in a["value_floats"]]
        return [ov.const((len(floats),), DType.FLOAT, floats)]
    raise ctx.error("a Constant with a sparse or string value is not supported")


def _c_shape(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = ins[0]
    if x is None:
        raise ctx.error("Shape has no input")
    shape = dims(ctx, x)
    start, end = ctx.int("start", 0), ctx.int("end", len(shape))
    return [ov.vector(shape[start:end])]  # ONNX clamps start and end as Python slices do


def _c_gather(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x, idx = _const(ctx, _at(ins, 0), "data"), _const(ctx, _at(ins, 1), "indices")
    return [ov.gather(x, idx, ctx.int("axis", 0))]


def _c_unsqueeze(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    axes = _axes_arg(ctx, ins, 1, 13, r.opset)
    if axes is None:
        raise ctx.error("Unsqueeze needs axes")
    return [ov.unsqueeze(_const(ctx, ins[0], "data"), axes)]


def _c_squeeze(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    return [ov.squeeze(_const(ctx, ins[0], "data"), _axes_arg(ctx, ins, 1, 13, r.opset))]


def _c_concat(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    parts = [_const(ctx, v, f"input {n}") for n, v in enumerate(ins)]
    return [ov.concat(parts, ctx.int("axis", 0))]


def _c_reshape(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    shape = _const(ctx, _at(ins, 1), "shape").concrete_ints("shape")
    return [ov.reshape(_const(ctx, ins[0], "data"), shape, bool(ctx.int("allowzero", 0)))]


def _c_flatten(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _const(ctx, ins[0], "data")
    axis = ov.norm_axis(ctx.int("axis", 1), len(x.shape) + 1, "axis")
    return [ov.reshape(x, [math.prod(x.shape[:axis]), math.prod(x.shape[axis:])], True)]


def _slice_args(r: _Reader, ctx: _Ctx, ins: Inputs
                ) -> tuple[list[int | sp.Expr], list[int | sp.Expr], list[int], list[int]]:
    """``starts, ends, axes, steps`` of a Slice (attributes before opset 10, inputs after)."""
    if r.opset < 10:
        starts: list[int | sp.Expr] = list(ctx.ints("starts", []))
        ends: list[int | sp.Expr] = list(ctx.ints("ends", []))
        axes = ctx.ints("axes", range(len(starts)))
        return starts, ends, axes, [1] * len(starts)
    starts = list(_const(ctx, _at(ins, 1), "starts").ints("starts"))
    ends = list(_const(ctx, _at(ins, 2), "ends").ints("ends"))
    axes_v, steps_v = _at(ins, 3), _at(ins, 4)
    axes = (list(_const(ctx, axes_v, "axes").concrete_ints("axes")) if axes_v is not None
            else list(range(len(starts))))
    steps = (list(_const(ctx, steps_v, "steps").concrete_ints("steps")) if steps_v is not None
             else [1] * len(starts))
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise ctx.error("starts, ends, axes and steps differ in length")
    return starts, ends, axes, steps


def _c_slice(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    starts, ends, axes, steps = _slice_args(r, ctx, ins)
    begin = [_concrete(ctx, v, "starts") for v in starts]
    end = [_concrete(ctx, v, "ends") for v in ends]
    return [ov.slice_(_const(ctx, ins[0], "data"), begin, end, axes, steps)]


def _concrete(ctx: _Ctx, v: int | sp.Expr, what: str) -> int:
    c = ov.concrete(v)
    if c is None:
        raise ctx.error(f"{what} {v} depends on a size; here it must be constant")
    return c


def _c_transpose(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    perm = ctx.ints("perm", []) if "perm" in ctx.attrs else None
    return [ov.transpose(_const(ctx, ins[0], "data"), perm)]


def _dtype(ctx: _Ctx, kind: int) -> DType:
    if kind in _FLOAT_TYPES:
        return DType.FLOAT
    if kind in _INT_TYPES:
        return DType.INT
    if kind == _BOOL:
        return DType.BOOL
    raise ctx.error(f"cast to ONNX data type {kind} is not supported")


def _c_cast(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    return [ov.cast(_const(ctx, ins[0], "input"), _dtype(ctx, ctx.int("to", 1)))]


def _c_cast_like(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    return [ov.cast(_const(ctx, ins[0], "input"), _const(ctx, _at(ins, 1), "target").dtype)]


def _c_identity(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    return [_const(ctx, ins[0], "input")]


def _c_binary(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    args = [_const(ctx, v, f"input {n}") for n, v in enumerate(ins)]
    return [ov.elementwise(ctx.op, args)]


def _c_neg(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    return [ov.neg(_const(ctx, ins[0], "input"))]


def _c_constant_of_shape(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    shape = _const(ctx, _at(ins, 0), "shape").concrete_ints("shape")
    fill = tensor_const(ctx.attrs["value"]) if "value" in ctx.attrs else ov.const(
        (1,), DType.FLOAT, (0.0,))
    value = fill.known("value")
    if len(value) != 1:
        raise ctx.error("the value of ConstantOfShape must have one element")
    return [ov.constant_of_shape(shape, value[0], fill.dtype)]


def _c_range(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    start, limit, delta = (_const(ctx, _at(ins, n), w).ints(w)[0]
                           for n, w in enumerate(("start", "limit", "delta")))
    return [ov.range_(start, limit, delta)]


_CONST_OPS: dict[str, Handler] = {
    "Constant": _c_constant,
    "Shape": _c_shape,
    "Gather": _c_gather,
    "Unsqueeze": _c_unsqueeze,
    "Squeeze": _c_squeeze,
    "Concat": _c_concat,
    "Reshape": _c_reshape,
    "Flatten": _c_flatten,
    "Slice": _c_slice,
    "Transpose": _c_transpose,
    "Cast": _c_cast,
    "CastLike": _c_cast_like,
    "Identity": _c_identity,
    "Neg": _c_neg,
    "ConstantOfShape": _c_constant_of_shape,
    "Range": _c_range,
    **dict.fromkeys(ov.BINARY_OPS, _c_binary),
}


# --- windows: convolution, transposed convolution, pooling ----------------------------------

_MODES = {"NOTSET": "", "VALID": ".valid", "SAME_UPPER": ".same_upper",
          "SAME_LOWER": ".same_lower"}


@dataclass(frozen=True, slots=True)
class _Window:
    kernel: list[int]
    strides: list[int]
    dilations: list[int]
    pads: list[tuple[int, int]]
    mode: str  # "", ".valid", ".same_upper", ".same_lower"

    def axes(self, *, pads: bool, **extra: Sequence[int]) -> list[dict[str, Size | None]]:
        out: list[dict[str, Size | None]] = []
        for j, k in enumerate(self.kernel):
            axis: dict[str, Size | None] = {"k": k, "s": self.strides[j], "d": self.dilations[j]}
            if pads:
                axis["p_begin"], axis["p_end"] = self.pads[j]
            axis.update({key: values[j] for key, values in extra.items()})
            out.append(axis)
        return out


def _spatial_data(ctx: _Ctx, value: Value | None) -> Data:
    x = _data(ctx, value, "the input X")
    if x.flat or x.spatial < 1:
        raise ctx.error(f"{ctx.op} needs a tensor with spatial axes; this one is flattened")
    return x


def _window(ctx: _Ctx, n: int, kernel: Sequence[int]) -> _Window:
    strides, dilations = ctx.ints("strides", [1] * n), ctx.ints("dilations", [1] * n)
    pads = ctx.ints("pads", [0] * (2 * n))
    auto_pad = ctx.str("auto_pad", "NOTSET")
    for key, values, size in (("kernel_shape", kernel, n), ("strides", strides, n),
                              ("dilations", dilations, n), ("pads", pads, 2 * n)):
        if len(values) != size:
            raise ctx.error(f"{key} has {len(values)} values; the input has {n} spatial axes")
        low = 0 if key == "pads" else 1
        if any(v < low for v in values):
            raise ctx.error(f"{key} must be >= {low}, got {list(values)}")
    if auto_pad not in _MODES:
        raise ctx.error(f"auto_pad must be one of {', '.join(_MODES)}, got {auto_pad!r}")
    if auto_pad != "NOTSET" and any(pads):
        raise ctx.error(f"pads {pads} cannot be used together with auto_pad {auto_pad}")
    return _Window(list(kernel), strides, dilations,
                   list(zip(pads[:n], pads[n:], strict=True)), _MODES[auto_pad])


def _check_channels(ctx: _Ctx, x: Data, expected: int) -> None:
    if x.channels is not None and x.channels != expected:
        raise ctx.error(f"the weights expect {expected} input channels, the input has "
                        f"{x.channels}")


def _weights(ctx: _Ctx, ins: Inputs, n: int) -> tuple[int, ...]:
    w = _const(ctx, _at(ins, 1), "the weights W")
    if len(w.shape) != n + 2:
        raise ctx.error(f"the weights have shape {list(w.shape)}; for {n} spatial axes they "
                        f"need rank {n + 2}")
    return w.shape


def _kernel(ctx: _Ctx, shape: tuple[int, ...]) -> list[int]:
    kernel = ctx.ints("kernel_shape", shape[2:])
    if kernel != list(shape[2:]):
        raise ctx.error(f"kernel_shape {kernel} differs from the weights' {list(shape[2:])}")
    return kernel


def _d_conv(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    shape = _weights(ctx, ins, x.spatial)
    group = ctx.int("group", 1)
    if group < 1 or shape[0] % group:
        raise ctx.error(f"group must be >= 1 and divide the {shape[0]} output channels, "
                        f"got {group}")
    _check_channels(ctx, x, shape[1] * group)
    win = _window(ctx, x.spatial, _kernel(ctx, shape))
    name = r.emit(ctx, Kind.WINDOW, [x], rule=f"onnx.conv{win.mode}",
                  axes=win.axes(pads=not win.mode), channels=shape[0],
                  in_channels=shape[1] * group,
                  attrs={"shape_inference_rule": f"onnx.infer.conv{win.mode}"})
    return [Data(name, x.rank, shape[0])]


def _d_conv_transpose(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    n = x.spatial
    shape = _weights(ctx, ins, n)
    group = ctx.int("group", 1)
    if group < 1 or shape[0] % group:
        raise ctx.error(f"group must be >= 1 and divide the {shape[0]} input channels, "
                        f"got {group}")
    _check_channels(ctx, x, shape[0])
    win = _window(ctx, n, _kernel(ctx, shape))
    a = ctx.ints("output_padding", [0] * n)
    if len(a) != n or any(v < 0 for v in a):
        raise ctx.error(f"output_padding must have {n} values >= 0, got {a}")
    sfx, axes = win.mode, win.axes(pads=not win.mode, a=a)
    if "output_shape" in ctx.attrs:
        o = ctx.ints("output_shape", [])[-n:]
        if len(o) != n or any(v < 1 for v in o):
            raise ctx.error(f"output_shape must end in {n} sizes >= 1, got "
                            f"{ctx.ints('output_shape', [])}")
        if win.mode or any(a) or any(p for pair in win.pads for p in pair):
            raise ctx.error("output_shape together with auto_pad, pads or output_padding is "
                            "not supported (onnx.conv_transpose.output_shape has none)")
        sfx, axes = ".output_shape", win.axes(pads=False, o=o)
    channels = shape[1] * group
    name = r.emit(ctx, Kind.WINDOW, [x], rule=f"onnx.conv_transpose{sfx}", axes=axes,
                  channels=channels, in_channels=shape[0],
                  attrs={"shape_inference_rule": f"onnx.infer.conv_transpose{sfx}"})
    return [Data(name, x.rank, channels)]


def _d_pool(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    kernel = ctx.ints("kernel_shape", [])
    win = _window(ctx, x.spatial, kernel)
    family = "max_pool" if ctx.op == "MaxPool" else "avg_pool"
    ceil = bool(ctx.int("ceil_mode", 0))
    mode = win.mode
    if ceil and mode.startswith(".same"):
        raise ctx.error("ceil_mode with auto_pad SAME_* has no ONNX rule (the reference "
                        "evaluator refuses it)")
    csfx = ".ceil" if ceil else ""
    # VALID is zero padding; with ceil_mode the explicit-padding rule computes it
    rule_mode = "" if ceil else mode
    infer = f"onnx.infer.{family}{mode}{csfx}" + (".opset19" if ceil and r.opset < 22 else "")
    name = r.emit(ctx, Kind.WINDOW, [x], rule=f"onnx.{family}{rule_mode}{csfx}",
                  axes=win.axes(pads=not rule_mode), channels=x.channels,
                  attrs={"shape_inference_rule": infer})
    return [Data(name, x.rank, x.channels)] * len(ctx.proto.output)


def _d_global_pool(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    name = r.emit(ctx, Kind.ADAPTIVE_POOL, [x], axes=[{"size": 1}] * x.spatial,
                  channels=x.channels)
    return [Data(name, x.rank, x.channels)]


def _d_reduce(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    since = 13 if ctx.op == "ReduceSum" else 18
    axes = _axes_arg(ctx, ins, 1, since, r.opset)
    keep = bool(ctx.int("keepdims", 1))
    which = ({ov.norm_axis(a, x.rank, "axis") for a in axes} if axes else set())
    spatial = set(range(2, x.rank))
    if which == spatial:
        name = r.emit(ctx, Kind.ADAPTIVE_POOL, [x], axes=[{"size": 1}] * x.spatial,
                      channels=x.channels)
        if keep:
            return [Data(name, x.rank, x.channels)]
        flat = r.emit(ctx, Kind.FLATTEN, [Data(name, x.rank, x.channels)], suffix="#flatten")
        return [Data(flat, 2, None, True, x.channels)]
    if which == {1} and keep:
        name = r.emit(ctx, Kind.IDENTITY, [x], channels=1)
        return [Data(name, x.rank, 1)]
    raise ctx.error(f"{ctx.op} over axes {sorted(which) or 'all'} (keepdims={int(keep)}) is "
                    f"not supported: only over every spatial axis, or over the channels")


# --- resizing, padding, slicing -------------------------------------------------------------


def _present(value: Value | None) -> Const | None:
    """An optional constant input, None when absent or empty (Resize's unused scales)."""
    if value is None or (isinstance(value, Const) and value.size == 0):
        return None
    if isinstance(value, Data):
        return Const((1,), DType.FLOAT, None)  # refused by the caller: data-dependent
    return value


def _resize_inputs(r: _Reader, ctx: _Ctx, ins: Inputs) -> tuple[Const | None, Const | None]:
    """``(scales, sizes)`` of a Resize or Upsample, whichever the node gives."""
    if ctx.op == "Upsample" and r.opset < 9:
        scales = [float(v) for v in ctx.attrs.get("scales", [])]
        return ov.const((len(scales),), DType.FLOAT, scales), None
    if ctx.op == "Upsample" or r.opset < 11:
        return _present(_at(ins, 1)), None
    return _present(_at(ins, 2)), _present(_at(ins, 3))


def _d_resize(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    scales, sizes = _resize_inputs(r, ctx, ins)
    if (scales is None) == (sizes is None):
        raise ctx.error("exactly one of scales and sizes must be given")
    policy = ctx.str("keep_aspect_ratio_policy", "stretch")
    if policy != "stretch":
        raise ctx.error(f"keep_aspect_ratio_policy {policy!r} is not supported (only stretch)")
    axes = [ov.norm_axis(a, x.rank, "axis") for a in ctx.ints("axes", range(x.rank))]
    given = scales if scales is not None else sizes
    assert given is not None
    values = dict(zip(axes, given.known("scales" if scales else "sizes"), strict=True))
    if scales is not None:
        per_axis = [_scale(ctx, r.axes, a, values.get(a, 1.0)) for a in range(x.rank)]
        name = r.emit(ctx, Kind.UPSAMPLE, [x], axes=[{"scale": s} for s in per_axis[2:]],
                      channels=x.channels)
        return [Data(name, x.rank, x.channels)]
    now = dims(ctx, x)
    for a in (0, 1):
        if a in values and ov.concrete(values[a]) != now[a]:
            raise ctx.error(f"sizes change axis {a} ({['batch', 'channels'][a]}) from {now[a]} "
                            f"to {values[a]}: not supported")
    out: list[dict[str, Size | None]] = []
    for a in range(2, x.rank):
        size = values.get(a, now[a])
        if isinstance(size, float):
            raise ctx.error("sizes must be integers")
        out.append({"size": size})
    name = r.emit(ctx, Kind.RESIZE, [x], axes=out, channels=x.channels)
    return [Data(name, x.rank, x.channels)]


def _scale(ctx: _Ctx, names: Sequence[str], axis: int, value: int | float | sp.Expr) -> int:
    label = ("batch", "channels", *names)[axis]
    if isinstance(value, sp.Expr) or not float(value).is_integer() or value < 1:
        raise ctx.error(f"scale {value} on axis {label}: symconv takes only integer scales "
                        f"(a float scale is floor(size · scale) in floating point)")
    if axis < 2 and value != 1:
        raise ctx.error(f"scale {value} on axis {label}: only spatial axes may be scaled")
    return int(value)


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate",
              "wrap": "circular"}


def _d_pad(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    mode = ctx.str("mode", "constant")
    if mode not in _PAD_MODES:
        raise ctx.error(f"mode must be one of {', '.join(_PAD_MODES)}, got {mode!r}")
    if r.opset < 11:
        pads: list[int | sp.Expr] = list(ctx.ints("pads" if r.opset > 1 else "paddings", []))
    else:
        pads = list(_const(ctx, _at(ins, 1), "pads").ints("pads"))
    if isinstance(_at(ins, 2), Data):
        raise ctx.error("constant_value must not depend on the input tensor")
    axes_v = _at(ins, 3) if r.opset >= 18 else None
    axes = (list(_const(ctx, axes_v, "axes").concrete_ints("axes")) if axes_v is not None
            else list(range(x.rank)))
    axes = [ov.norm_axis(a, x.rank, "axis") for a in axes]
    if len(pads) != 2 * len(axes):
        raise ctx.error(f"pads has {len(pads)} values for {len(axes)} axes")
    begin = dict(zip(axes, pads[:len(axes)], strict=True))
    end = dict(zip(axes, pads[len(axes):], strict=True))
    for a in (0, 1):
        if ov.concrete(begin.get(a, 0)) != 0 or ov.concrete(end.get(a, 0)) != 0:
            raise ctx.error(f"padding axis {a} ({['batch', 'channels'][a]}) is not supported")
    axes_out = [{"begin": begin.get(a, 0), "end": end.get(a, 0)} for a in range(2, x.rank)]
    name = r.emit(ctx, Kind.PAD, [x], axes=axes_out, channels=x.channels,
                  attrs={"mode": _PAD_MODES[mode]})
    return [Data(name, x.rank, x.channels)]


def _bound(v: int | sp.Expr, step: int, is_start: bool) -> int | sp.Expr | None:
    """A Slice bound as the IR takes it: past ±2**62 it means "from/to the end" (Python's
    clamping gives the same indices for every size below 2**62)."""
    c = ov.concrete(v)
    if c is None:
        return v
    if is_start:
        if step > 0 and c <= -_HUGE:
            return 0
        return -1 if step < 0 and c >= _HUGE else c
    return None if (step > 0 and c >= _HUGE) or (step < 0 and c <= -_HUGE) else c


def _d_slice(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    starts, ends, axes, steps = _slice_args(r, ctx, ins)
    per_axis: dict[int, dict[str, Size | None]] = {}
    channels = x.channels
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        a = ov.norm_axis(axis, x.rank, "axis")
        if step == 0:
            raise ctx.error("steps must not be 0")
        if a >= 2:
            per_axis[a] = {"start": _bound(start, step, True), "stop": _bound(end, step, False),
                           "step": step}
            continue
        length = 1 if a == 0 else x.channels
        if length is None:
            raise ctx.error("slicing channels whose count is not known")
        kept = len(ov.slice_indices(length, _concrete(ctx, start, "starts"),
                                    _concrete(ctx, end, "ends"), step))
        if a == 0 and kept != 1:
            raise ctx.error("slicing the batch axis is not supported")
        if a == 1:
            if kept < 1:
                raise ctx.error(f"the slice keeps no channel of {x.channels}")
            channels = kept
    full: dict[str, Size | None] = {"start": 0, "stop": None, "step": 1}
    name = r.emit(ctx, Kind.SLICE, [x], axes=[per_axis.get(a, full) for a in range(2, x.rank)],
                  channels=channels)
    return [Data(name, x.rank, channels)]


# --- merges, flattening and the classifier head ---------------------------------------------


def _d_concat(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    parts = [_data(ctx, v, f"input {n}") for n, v in enumerate(ins)]
    rank = parts[0].rank
    if any(p.rank != rank or p.flat != parts[0].flat for p in parts):
        raise ctx.error("Concat of tensors of different ranks")
    axis = ov.norm_axis(ctx.int("axis", 0), rank, "axis")
    if parts[0].flat and axis == 1:
        feats = [p.features for p in parts]
        total = None if any(f is None for f in feats) else sp.Add(*feats)
        name = r.emit(ctx, Kind.CONCAT, parts)
        return [Data(name, 2, None, True, total)]
    if axis != 1:
        label = "batch" if axis == 0 else f"spatial axis {r.axes[axis - 2]}"
        raise ctx.error(f"Concat along the {label} changes its size: not supported (only "
                        f"along the channels)")
    counts = [p.channels for p in parts]
    channels = None if any(c is None for c in counts) else sum(c for c in counts if c)
    name = r.emit(ctx, Kind.CONCAT, parts, channels=channels)
    return [Data(name, rank, channels)]


def _flatten(r: _Reader, ctx: _Ctx, x: Data, suffix: str = "") -> Data:
    name = r.emit(ctx, Kind.FLATTEN, [x], suffix=suffix)
    feats = None if x.channels is None else sp.Mul(
        x.channels, *(size_symbol(x.node, j) for j in range(x.spatial)))
    return Data(name, 2, None, True, feats)


def _fix_features(r: _Reader, ctx: _Ctx, x: Data, count: int, why: str,
                  suffix: str = "") -> Data:
    """``x`` (flattened) must have exactly ``count`` features: a LINEAR count → count."""
    name = r.emit(ctx, Kind.LINEAR, [x], suffix=suffix, channels=count,
                  attrs={"in_features": count, "why": why})
    return Data(name, 2, count, True, count)


def _d_flatten(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _data(ctx, ins[0], "the input")
    axis = ov.norm_axis(ctx.int("axis", 1), x.rank + 1, "axis")
    if axis != 1:
        raise ctx.error(f"Flatten with axis {axis} is not supported (only axis 1: keep the "
                        f"batch, flatten the rest)")
    if x.flat:
        name = r.emit(ctx, Kind.IDENTITY, [x], channels=x.channels)
        return [Data(name, 2, x.channels, True, x.features)]
    return [_flatten(r, ctx, x)]


def _d_reshape(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _data(ctx, ins[0], "the input")
    target = list(_const(ctx, _at(ins, 1), "shape").ints("shape"))
    now = dims(ctx, x) if not x.flat or x.features is not None else [1, None]
    if not ctx.int("allowzero", 0):
        target = [now[a] if ov.concrete(v) == 0 and a < len(now) else v
                  for a, v in enumerate(target)]
    if len(target) == len(now) and all(
            now[a] is not None and sp.simplify(sp.sympify(v) - now[a]) == 0
            for a, v in enumerate(target)):
        name = r.emit(ctx, Kind.IDENTITY, [x], channels=x.channels)
        return [Data(name, x.rank, x.channels, x.flat, x.features)]
    if len(target) == 2 and ov.concrete(target[0]) == 1:
        flat = x if x.flat else _flatten(r, ctx, x)
        count = ov.concrete(target[1])
        if count == -1:
            return [flat]
        if count is not None and count >= 1:
            return [_fix_features(r, ctx, flat, count, f"Reshape to [1, {count}]",
                                  "" if x.flat else "#features")]
    raise ctx.error(f"Reshape of a {x.rank}-D tensor to {target} is not supported (only to "
                    f"[batch, features] or to its own shape)")


def _d_squeeze(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _spatial_data(ctx, ins[0])
    axes = _axes_arg(ctx, ins, 1, 13, r.opset)
    which = {ov.norm_axis(a, x.rank, "axis") for a in axes} if axes else None
    if which != set(range(2, x.rank)) or x.channels is None:
        raise ctx.error("Squeeze is supported only of every spatial axis (each must be 1)")
    flat = _flatten(r, ctx, x)
    return [_fix_features(r, ctx, flat, x.channels, "Squeeze needs every spatial size to be 1",
                          "#features")]


def _d_gemm(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _data(ctx, ins[0], "the input A")
    if not x.flat:
        raise ctx.error(f"{ctx.op} of a tensor with spatial axes acts on its last axis and "
                        f"changes its size: not supported (flatten it first)")
    w = _const(ctx, _at(ins, 1), "the weights B")
    if len(w.shape) != 2 or ctx.int("transA", 0):
        raise ctx.error(f"{ctx.op} needs 2-D weights and transA = 0")
    k, n = (w.shape[1], w.shape[0]) if ctx.int("transB", 0) else w.shape
    name = r.emit(ctx, Kind.LINEAR, [x], channels=n, attrs={"in_features": k})
    return [Data(name, 2, n, True, n)]


# --- elementwise and size-preserving ops ----------------------------------------------------


def _broadcast_const(ctx: _Ctx, x: Data, c: Const) -> int | None:
    """Check that constant ``c`` broadcasts onto ``x`` without changing a spatial size; return
    the channel count it brings (None: it does not set one)."""
    if len(c.shape) > x.rank:
        raise ctx.error(f"a constant of shape {list(c.shape)} raises the rank of the tensor")
    shape = (1,) * (x.rank - len(c.shape)) + c.shape
    if any(n != 1 for n in shape[1 if x.flat else 2:]):
        raise ctx.error(f"a constant of shape {list(c.shape)} would fix or expand a "
                        f"{'feature' if x.flat else 'spatial'} size: not supported")
    if shape[0] != 1:
        raise ctx.error(f"a constant of shape {list(c.shape)} expands the batch")
    return None if x.flat or shape[1] == 1 else shape[1]


def _d_elementwise(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    datas = [v for v in ins if isinstance(v, Data)]
    first = datas[0]
    if any(d.rank != first.rank or d.flat != first.flat for d in datas):
        raise ctx.error("an elementwise op on tensors of different ranks is not supported")
    counts = {d.channels for d in datas if d.channels is not None}
    for v in ins:
        if isinstance(v, Const):
            brought = _broadcast_const(ctx, first, v)
            if brought is not None:
                counts.add(brought)
    if len(counts - {1}) > 1:
        raise ctx.error(f"the inputs have different channel counts {sorted(counts)}")
    channels = max(counts) if counts and None not in {d.channels for d in datas} else None
    if len(datas) == 1:
        name = r.emit(ctx, Kind.IDENTITY, datas, channels=channels)
    else:
        name = r.emit(ctx, Kind.ELEMENTWISE, datas, channels=channels)
    return [Data(name, first.rank, channels, first.flat, first.features)]


def _d_identity(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _data(ctx, ins[0], "the input")
    for n, v in enumerate(ins[1:], start=1):
        if isinstance(v, Data):
            raise ctx.error(f"input {n} of {ctx.op} depends on the input tensor's values")
    name = r.emit(ctx, Kind.IDENTITY, [x], channels=x.channels)
    return [Data(name, x.rank, x.channels, x.flat, x.features)] * len(ctx.proto.output)


def _d_layer_norm(r: _Reader, ctx: _Ctx, ins: Inputs) -> list[Value]:
    x = _data(ctx, ins[0], "the input")
    scale = _const(ctx, _at(ins, 1), "Scale")
    if not x.flat:
        raise ctx.error("LayerNormalization over spatial axes fixes their sizes (its scale "
                        "has one entry per position): not supported")
    if len(scale.shape) != 1:
        raise ctx.error(f"a scale of shape {list(scale.shape)} on a flattened tensor")
    return [_fix_features(r, ctx, x, scale.shape[0], "LayerNormalization's scale")]


# Ops that keep every size (their other inputs are parameters, constant in a model).
SIZE_PRESERVING = frozenset({
    "Abs", "BatchNormalization", "Cast", "CastLike", "Ceil", "Celu", "Clip", "Cos",
    "DequantizeLinear", "Dropout", "Elu", "Erf", "Exp", "Floor", "Gelu", "GroupNormalization",
    "HardSigmoid", "HardSwish", "Hardmax", "Identity", "InstanceNormalization", "IsInf", "IsNaN",
    "LRN", "LeakyRelu", "Log", "LogSoftmax", "LpNormalization", "MeanVarianceNormalization",
    "Mish", "Neg", "Not", "QuantizeLinear", "Reciprocal", "Relu", "Round", "Selu", "Shrink",
    "Sigmoid", "Sign", "Sin", "Softmax", "Softplus", "Softsign", "Sqrt", "Tanh",
    "ThresholdedRelu",
})
ELEMENTWISE = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "PRelu",
                         "Where", "And", "Or", "Xor", "Equal", "Greater", "Less",
                         "GreaterOrEqual", "LessOrEqual", "Mod", "BitShift"})
_REDUCE = frozenset({"ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd",
                     "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
                     "ReduceSumSquare"})


def _table() -> dict[str, Handler]:
    out: dict[str, Handler] = dict.fromkeys(SIZE_PRESERVING, _d_identity)
    out.update(dict.fromkeys(ELEMENTWISE, _d_elementwise))
    out.update(dict.fromkeys(_REDUCE, _d_reduce))
    out.update({
        "Conv": _d_conv, "ConvTranspose": _d_conv_transpose,
        "MaxPool": _d_pool, "AveragePool": _d_pool,
        "GlobalAveragePool": _d_global_pool, "GlobalMaxPool": _d_global_pool,
        "GlobalLpPool": _d_global_pool,
        "Resize": _d_resize, "Upsample": _d_resize, "Pad": _d_pad, "Slice": _d_slice,
        "Concat": _d_concat, "Flatten": _d_flatten, "Reshape": _d_reshape,
        "Squeeze": _d_squeeze, "Gemm": _d_gemm, "MatMul": _d_gemm,
        "LayerNormalization": _d_layer_norm, "Shape": _c_shape,
    })
    return out


_DATA_OPS: dict[str, Handler] = _table()
