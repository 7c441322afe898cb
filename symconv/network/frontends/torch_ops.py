"""A ``torch.fx`` graph as the network IR, node by node, with PyTorch's rules.

Each fx node gets a value: a :class:`TensorValue` (the IR node whose output it is, its channels
and spatial rank), a :class:`ConstTensor` (a parameter or buffer: only its shape matters), a size
(``int``, or a SymPy expression over :func:`~symconv.network.ir.size_symbol`: ``x.size(2)`` of
IR node ``n`` is ``size[n][0]``), or a plain Python value. Ops are looked up in three tables (by
module class, by function, by method name); an op in none of them is an error naming the node,
never taken as size-preserving.

The PyTorch behaviours this relies on, and where they come from (torch 2.13.0):

- ``Conv*d(padding_mode != 'zeros')`` pads with ``F.pad(x, _reversed_padding_repeated_twice,
  mode)`` and convolves with padding 0 (``torch/nn/modules/conv.py`` ``_conv_forward``);
  ``ConvTranspose*d`` only takes ``'zeros'``; ``forward(x, output_size)`` drops the batch and
  channel entries of an ``output_size`` of length rank + 2 (``_output_padding``).
- A pooling module's ``stride`` defaults to its kernel size (``torch/nn/modules/pooling.py``).
- ``F.pad`` pads the last axis first: ``(left_W, right_W, top_H, bottom_H, …)``; negative
  constant pads crop; a non-constant mode takes exactly the spatial axes
  (``torch/nn/functional.py`` ``pad``, ``aten/src/ATen/native/PadNd.cpp``).
- ``F.interpolate`` with a scale factor gives ``floor(size · scale)`` computed in double
  precision: an integer relation only for an integer scale (``torch/nn/functional.py``).
- ``GroupNorm`` refuses a single value per group (``_verify_batch_size``) and ``InstanceNorm``
  without running statistics a single spatial element (``_verify_spatial_size``), also in
  ``eval()`` mode; ``BatchNorm`` in ``eval()`` mode takes any size.
- Tensor indexing with slices follows Python's slice rules (clamping, negative indices).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import sympy as sp
import torch

from symconv.network.ir import (
    AXIS_NAMES,
    Kind,
    Network,
    NetworkError,
    Node,
    size_symbol,
    topological,
)
from symconv.network.frontends.torch_frontend import source_line

Size: TypeAlias = int | sp.Expr


@dataclass(frozen=True, slots=True)
class TensorValue:
    """The output of IR node ``name``: ``(1, channels, *spatial)``, or once flattened
    ``(1, channels)`` with ``rank`` 0 (channels = features, None where not a constant)."""

    name: str
    channels: int | None
    rank: int
    fixed: tuple[int | None, ...] = ()  # spatial sizes known to be constant (adaptive pooling)

    def size(self, dim: int) -> Size:
        if dim == 0:
            return 1
        if dim == 1:
            if self.channels is None:
                raise ValueError("the feature count of a flattened tensor is not a constant")
            return self.channels
        axis = dim - 2
        known = self.fixed[axis] if self.fixed else None
        return size_symbol(self.name, axis) if known is None else known


@dataclass(frozen=True, slots=True)
class ConstTensor:
    """A parameter, buffer or tensor computed from them: no spatial axes of the input."""

    shape: tuple[int, ...]


Handler: TypeAlias = Callable[["Mapper", tuple[Any, ...], dict[str, Any]], object]
ModuleHandler: TypeAlias = Callable[["Mapper", Any, tuple[Any, ...], dict[str, Any]], object]

MODULES: dict[type, ModuleHandler] = {}
FUNCTIONS: dict[Any, Handler] = {}
METHODS: dict[str, Handler] = {}

_MISSING = object()


def to_network(model: Any, graph: Any, *, name: str, channels: int,
               rank: int | None) -> Network:
    """The IR of ``graph`` (traced from ``model``) for a batch-1 input of ``channels``."""
    from symconv.network.frontends import torch_layers, torch_tensorops  # noqa: F401 - fill the tables

    return Mapper(model, graph, name, channels, rank).run()


class Mapper:
    def __init__(self, model: Any, graph: Any, name: str, channels: int,
                 rank: int | None) -> None:
        self.model = model
        self.graph = graph
        self.name = name
        self.channels = channels
        self.rank = rank if rank is not None else infer_rank(graph, model)
        self.nodes: list[Node] = []
        self.values: dict[Any, object] = {}
        self.used: set[str] = set()
        self.fx: Any = None
        self.input_seen = False

    # -- driving ----------------------------------------------------------------------------

    def run(self) -> Network:
        outputs: tuple[str, ...] = ()
        for fx in self.graph.nodes:
            self.fx = fx
            if fx.op == "output":
                outputs = self._outputs(self._resolve(fx.args[0]))
                continue
            self.values[fx] = self._step(fx)
        nodes = topological(self.nodes)
        return Network(self.name, AXIS_NAMES[self.rank], self.channels, nodes, outputs)

    def _step(self, fx: Any) -> object:
        if fx.op == "placeholder":
            return self._placeholder(fx)
        if fx.op == "get_attr":
            return self._get_attr(fx.target)
        args, kwargs = self._resolve(fx.args), self._resolve(fx.kwargs)
        if fx.op == "call_module":
            module = self.model.get_submodule(fx.target)
            handler = _module_handler(type(module))
            if handler is None:
                raise self.fail(f"module {type(module).__module__}.{type(module).__name__} is "
                                "not modelled: symconv does not know what it does to the "
                                "spatial sizes")
            return handler(self, module, tuple(args), dict(kwargs))
        if fx.op == "call_method":
            method = METHODS.get(fx.target)
            if method is None:
                raise self.fail(f"method Tensor.{fx.target} is not modelled: symconv does not "
                                "know what it does to the spatial sizes")
            return method(self, tuple(args), dict(kwargs))
        function = FUNCTIONS.get(fx.target)
        if function is None:
            raise self.fail(f"function {_qualname(fx.target)} is not modelled: symconv does "
                            "not know what it does to the spatial sizes")
        return function(self, tuple(args), dict(kwargs))

    def _resolve(self, value: Any) -> Any:
        return torch.fx.node.map_arg(value, lambda n: self.values[n])

    def _placeholder(self, fx: Any) -> object:
        if not self.input_seen:
            self.input_seen = True
            name = self._unique(str(fx.target))
            self.nodes.append(Node(name, Kind.INPUT, (), self._origin(), op="input",
                                   framework="torch", channels=self.channels))
            return TensorValue(name, self.channels, self.rank)
        return fx.args[0] if fx.args else None  # a forward parameter fixed to its default

    def _get_attr(self, target: str) -> object:
        value: Any = self.model
        for part in target.split("."):
            value = getattr(value, part)
        if isinstance(value, torch.Tensor):
            return ConstTensor(tuple(int(n) for n in value.shape))
        return value

    def _outputs(self, value: Any) -> tuple[str, ...]:
        names: list[str] = []
        for item in _leaves(value):
            if item is None:  # e.g. an auxiliary output that eval() leaves out
                continue
            if not isinstance(item, TensorValue):
                raise self.fail(f"the model returns {type(item).__name__} {item!r}; symconv "
                                "analyses models that return tensors")
            if item.name not in names:
                names.append(item.name)
        if not names:
            raise self.fail("the model returns no tensor")
        return tuple(names)

    # -- naming and errors ------------------------------------------------------------------

    def module_path(self) -> str:
        if self.fx.op == "call_module":
            return str(self.fx.target)
        stack = self.fx.meta.get("nn_module_stack") or {}
        if not stack:
            return ""
        path = list(stack.values())[-1]
        return str(path[0] if isinstance(path, tuple) else path)

    def op_name(self) -> str:
        fx = self.fx
        if fx.op == "call_module":
            return type(self.model.get_submodule(fx.target)).__name__
        if fx.op == "call_method":
            return str(fx.target)
        if fx.op == "call_function":
            return str(getattr(fx.target, "__name__", fx.target))
        return str(fx.op)

    def _origin(self) -> str:
        line = source_line(self.fx.stack_trace)
        return f"fx node {self.fx.name!r}" + (f", {line}" if line else "")

    def fail(self, message: str) -> NetworkError:
        path = self.module_path()
        where = f" in module {path!r}" if path and self.fx.op != "call_module" else ""
        return NetworkError(f"node {path if self.fx.op == 'call_module' else self.fx.name!r} "
                            f"({self.op_name()}){where} at {self._origin()}: {message}")

    def _unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.used:
            candidate = f"{name}_{n}"
            n += 1
        self.used.add(candidate)
        return candidate

    def _new_name(self, suffix: str) -> str:
        path = self.module_path()
        if self.fx.op == "call_module":
            base = path
        else:
            base = re.sub(r"_\d+$", "", self.op_name()).strip("_") or "op"
            base = f"{path}.{base}" if path else base
        return self._unique(f"{base}.{suffix}" if suffix else base)

    # -- emitting ---------------------------------------------------------------------------

    def emit(self, kind: Kind, inputs: Sequence[TensorValue], *, channels: int | None,
             rank: int, axes: Sequence[Mapping[str, Size | None]] = (), rule: str = "",
             in_channels: int | None = None, attrs: Mapping[str, object] | None = None,
             fixed: tuple[int | None, ...] = (), node_channels: int | None = None,
             suffix: str = "", op: str = "") -> TensorValue:
        """Append an IR node for the current fx node; the value of its output."""
        name = self._new_name(suffix)
        all_attrs = {"module": self.module_path(), "fx": self.fx.name, **(attrs or {})}
        self.nodes.append(Node(
            name, kind, tuple(t.name for t in inputs), self._origin(), op=op or self.op_name(),
            framework="torch", rule=rule, axes=tuple(dict(a) for a in axes),
            channels=node_channels, in_channels=in_channels, attrs=all_attrs))
        return TensorValue(name, channels, rank, fixed if any(f is not None for f in fixed)
                           else ())

    def identity(self, x: TensorValue, *, in_channels: int | None = None,
                 channels: int | None = None) -> TensorValue:
        if in_channels is not None:
            self.expect_channels(x, in_channels)
        out_channels = x.channels if channels is None else channels
        return self.emit(Kind.IDENTITY, [x], channels=out_channels, rank=x.rank, fixed=x.fixed,
                         in_channels=in_channels, node_channels=channels)

    # -- checks -----------------------------------------------------------------------------

    def tensor(self, value: object, what: str = "input") -> TensorValue:
        if isinstance(value, TensorValue):
            return value
        raise self.fail(f"its {what} is {_describe(value)}, not a tensor computed from the "
                        "model's input")

    def spatial(self, value: object, rank: int | None = None) -> TensorValue:
        x = self.tensor(value)
        if x.rank == 0:
            raise self.fail("needs spatial axes, but its input is flattened")
        if rank is not None and x.rank != rank:
            raise self.fail(f"takes a tensor with {rank} spatial axes ({rank + 2}-D); its "
                            f"input has {x.rank} ({x.rank + 2}-D): PyTorch refuses every size")
        return x

    def expect_channels(self, x: TensorValue, expected: int) -> None:
        if x.channels is not None and x.channels != expected:
            what = "features" if x.rank == 0 else "channels"
            hint = (f" (the input's channels are set with --channels {expected})"
                    if x.name == self.nodes[0].name else "")
            raise self.fail(f"expects {expected} input {what}, gets {x.channels} from "
                            f"{x.name!r}: PyTorch refuses every size{hint}")

    def per_axis(self, value: object, rank: int, what: str) -> tuple[Size, ...]:
        """An int or a sequence of ``rank`` ints (or of one), per spatial axis."""
        items = list(value) if isinstance(value, list | tuple) else [value]
        if len(items) == 1:
            items = items * rank
        if len(items) != rank:
            raise self.fail(f"{what} has {len(items)} entries, the input {rank} spatial axes")
        return tuple(self.integer(v, what) for v in items)

    def integer(self, value: object, what: str) -> Size:
        if isinstance(value, bool) or value is None:
            raise self.fail(f"{what} must be an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, sp.Expr) and value.is_integer:
            return int(value) if value.is_Integer else value
        raise self.fail(f"{what} must be an integer or a size expression, got "
                        f"{_describe(value)}")

    def constant(self, value: object, what: str) -> int:
        v = self.integer(value, what)
        if not isinstance(v, int):
            raise self.fail(f"{what} must be a constant integer here, got {v}")
        return v

    def dim(self, value: object, ndim: int, what: str = "dim") -> int:
        d = self.constant(value, what)
        if not -ndim <= d < ndim:
            raise self.fail(f"{what} {d} is out of range for a {ndim}-D tensor")
        return d + ndim if d < 0 else d


# interpolation modes that fix the number of spatial axes
MODE_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def infer_rank(graph: Any, model: Any) -> int:
    """Spatial axes of the input: read off the first layer whose name (Conv2d, max_pool1d,
    ReflectionPad3d, …) or interpolation mode fixes them."""
    for fx in graph.nodes:
        mode = None
        if fx.op == "call_module":
            module = model.get_submodule(fx.target)
            name, mode = type(module).__name__, getattr(module, "mode", None)
        elif fx.op == "call_function":
            name, mode = str(getattr(fx.target, "__name__", "")), fx.kwargs.get("mode")
        else:
            continue
        match = re.search(r"(?:conv|pool|Conv|Pool|Pad|pad|Upsampling)\w*?([123])[dD]$", name)
        if match:
            return int(match.group(1))
        if isinstance(mode, str) and mode in MODE_RANK:
            return MODE_RANK[mode]
    raise NetworkError("cannot tell the number of spatial axes of the input: no layer of the "
                       "model fixes it (a convolution, pooling, padding or interpolation mode); "
                       "give it: --rank N (load_torch(..., rank=N))")


def _module_handler(cls: type) -> ModuleHandler | None:
    for base in cls.__mro__:
        if base in MODULES:
            return MODULES[base]
    return None


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    else:
        yield value


def _qualname(target: Any) -> str:
    try:
        return str(torch.fx.node._get_qualified_name(target)).replace("_operator.", "operator.")
    except Exception:  # fx's naming is best effort: fall back to ours
        pass
    module = getattr(target, "__module__", None) or ""
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    return f"{module}.{name}" if module and name else repr(target)


def _describe(value: object) -> str:
    if isinstance(value, ConstTensor):
        return f"a constant tensor of shape {list(value.shape)}"
    return f"{type(value).__name__} {value!r}"


def bind(m: Mapper, args: tuple[Any, ...], kwargs: dict[str, Any],
         spec: Sequence[tuple[str, object]]) -> dict[str, Any]:
    """Arguments by name for a signature given as (name, default) pairs (``_MISSING``: required)."""
    out: dict[str, Any] = {}
    if len(args) > len(spec):
        raise m.fail(f"takes at most {len(spec)} positional arguments, got {len(args)}")
    for (name, _), value in zip(spec, args, strict=False):
        out[name] = value
    for name, value in kwargs.items():
        if name in out or name not in {n for n, _ in spec}:
            raise m.fail(f"unexpected or repeated argument {name!r}")
        out[name] = value
    for name, default in spec:
        if name not in out:
            if default is _MISSING:
                raise m.fail(f"missing argument {name!r}")
            out[name] = default
    return out


def register(table: dict[Any, Any], *keys: Any) -> Callable[[Any], Any]:
    def deco(fn: Any) -> Any:
        for key in keys:
            if key is not None:
                table[key] = fn
        return fn
    return deco
