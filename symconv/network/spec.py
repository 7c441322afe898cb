"""The spec-file front-end: a network written as TOML (``tomllib``) or JSON, layer by layer.

```toml
name = "tiny"
framework = "torch"            # whose rules apply (default: the guide)

[input]
channels = 3                   # default 3
axes = ["H", "W"]              # or the number of spatial axes (default 2: H, W)

[[layer]]
name = "conv1"                 # default: op and position, e.g. conv1
op = "conv"
channels = 16
kernel = 3                     # one value for every axis, or a list with one per axis
padding = 1                    # per axis: p, or [begin, end] where the rule pads unequally
from = ["input"]               # default: the previous layer
```

Ops: conv, conv_transpose (output_padding, output_size), max_pool and avg_pool (stride
defaults to the kernel; ceil_mode), adaptive_avg_pool / adaptive_max_pool (size),
global_avg_pool / global_max_pool, upsample (an integer scale, or size), pad (begin, end, mode),
crop (begin, end), slice (start, stop, step), center_crop (from = [tensor, reference]), cat,
add / sub / mul / div / maximum / minimum, flatten (features), linear (in_features,
out_features) and the size-preserving layers (relu, batch_norm, dropout, …). A window's rule
follows the framework and the padding (``padding = "same"`` picks ``torch.conv.same``); ``rule``
names one explicitly. Per-axis lists: ``padding = [1, 2]`` pads H by 1 and W by 2;
``[[0, 1], [0, 1]]`` gives begin and end per axis.

Every error names the file, line and column: tomllib and json give positions only for syntax
errors, so each layer's (and each key's) position is found in the text here.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symconv.errors import UsageError, read_input_file
from symconv.network import rules as R
from symconv.network.analysis import PAD_MODES
from symconv.network.ir import AXIS_NAMES, Kind, Network, NetworkError, Node, topological
from symconv.network.rules import RuleSpec

IDENTITY_OPS = frozenset({
    "identity", "relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "gelu", "silu",
    "mish", "sigmoid", "tanh", "hardswish", "hardsigmoid", "hardtanh", "softplus", "softmax",
    "log_softmax", "batch_norm", "instance_norm", "group_norm", "layer_norm",
    "local_response_norm", "dropout", "dropout2d", "alpha_dropout",
})
ELEMENTWISE_OPS = frozenset({"add", "sub", "mul", "div", "maximum", "minimum"})
WINDOW_OPS = ("conv", "conv_transpose", "max_pool", "avg_pool")
OTHER_OPS = ("adaptive_avg_pool", "adaptive_max_pool", "global_avg_pool", "global_max_pool",
             "upsample", "pad", "crop", "slice", "center_crop", "cat", "flatten", "linear")
COMMON_KEYS = frozenset({"name", "op", "from", "framework"})
OP_KEYS: Mapping[str, frozenset[str]] = {
    "conv": frozenset({"channels", "in_channels", "kernel", "stride", "padding", "dilation",
                       "rule"}),
    "conv_transpose": frozenset({"channels", "in_channels", "kernel", "stride", "padding",
                                 "dilation", "output_padding", "output_size", "rule"}),
    "max_pool": frozenset({"kernel", "stride", "padding", "dilation", "ceil_mode", "rule"}),
    "avg_pool": frozenset({"kernel", "stride", "padding", "ceil_mode", "rule"}),
    "adaptive_avg_pool": frozenset({"size"}),
    "adaptive_max_pool": frozenset({"size"}),
    "global_avg_pool": frozenset(),
    "global_max_pool": frozenset(),
    "upsample": frozenset({"scale", "size"}),
    "pad": frozenset({"begin", "end", "mode"}),
    "crop": frozenset({"begin", "end"}),
    "slice": frozenset({"start", "stop", "step"}),
    "center_crop": frozenset(),
    "cat": frozenset({"channels"}),
    "flatten": frozenset({"features"}),
    "linear": frozenset({"in_features", "out_features"}),
}


class SpecError(NetworkError):
    """A spec that cannot be read: the message starts with ``FILE:LINE:COL``."""


@dataclass(frozen=True, slots=True)
class _Where:
    path: str
    text: str
    start: int  # offset of the layer (or table) in the text
    stop: int
    json: bool

    def at(self, offset: int) -> str:
        line = self.text.count("\n", 0, offset) + 1
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return f"{self.path}:{line}:{col}"

    def here(self) -> str:
        return self.at(self.start)

    def key(self, key: str) -> str:
        if self.json:
            found = self.text.find(json.dumps(key), self.start, self.stop)
        else:
            match = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.M).search(
                self.text, self.start, self.stop)
            found = -1 if match is None else match.start() + len(match.group(0)) - len(
                match.group(0).lstrip())
        return self.at(found) if found >= 0 else self.here()


class _PosDict(dict[str, Any]):
    start: int = 0
    stop: int = 0


_JSON_OBJECT: Any = getattr(json.decoder, "JSONObject")  # noqa: B009 (untyped in typeshed)
_PY_SCANNER: Any = getattr(json.scanner, "py_make_scanner")  # noqa: B009


class _PositionDecoder(json.JSONDecoder):
    """Records where each JSON object starts and ends (the pure-Python scanner calls
    ``parse_object``; the C one would not)."""

    def __init__(self) -> None:
        super().__init__()

        def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[_PosDict, int]:
            obj, end = _JSON_OBJECT(s_and_end, *args)
            out = _PosDict(obj)
            out.start, out.stop = s_and_end[1] - 1, end
            return out, end

        self.parse_object = parse_object
        self.scan_once = _PY_SCANNER(self)


def load_spec(path: str | Path) -> Network:
    """Read a ``.toml`` or ``.json`` spec; raises :class:`SpecError` (a UsageError)."""
    p = Path(path)
    try:
        raw = read_input_file(p, str(p))
    except UsageError as exc:
        raise SpecError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{p}: not UTF-8 (byte {exc.start})") from None
    return parse_spec(text, str(p), json_format=p.suffix.lower() == ".json")


def parse_spec(text: str, path: str = "<spec>", *, json_format: bool = False) -> Network:
    if json_format:
        try:
            data = _PositionDecoder().decode(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path}:{exc.lineno}:{exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise SpecError(f"{path}:1:1: nested too deeply") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path}:{_toml_message(str(exc))}") from None
    top = _Where(path, text, 0, len(text), json_format)
    if not isinstance(data, dict):
        raise SpecError(f"{top.here()}: the spec must be a table (object)")
    return _Reader(path, text, json_format).network(data, top)


def _toml_message(message: str) -> str:
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match is None:
        return message
    text = message[:match.start()].strip()
    return f"{match.group(1)}:{match.group(2)}: {text}"


class _Reader:
    def __init__(self, path: str, text: str, json_format: bool) -> None:
        self.path = path
        self.text = text
        self.json = json_format

    def network(self, data: Mapping[str, Any], top: _Where) -> Network:
        allowed = {"name", "framework", "input", "layer", "layers", "outputs"}
        for key in data:
            if key not in allowed:
                raise SpecError(f"{top.key(key)}: unknown key {key!r} (allowed: "
                                f"{', '.join(sorted(allowed))})")
        name = _string(data.get("name", Path(self.path).stem), "name", top)
        framework = self._framework(data.get("framework", "guide"), top)
        if "layer" in data and "layers" in data:
            raise SpecError(f"{top.key('layers')}: give 'layer' or 'layers', not both")
        layers = data.get("layer", data.get("layers"))
        key = "layer" if "layer" in data else "layers"
        if not isinstance(layers, list) or not layers:
            raise SpecError(f"{top.key(key) if layers is not None else top.here()}: the spec "
                            "needs a non-empty list of layers ([[layer]] tables)")
        input_table = data.get("input", {})
        if not isinstance(input_table, dict):
            raise SpecError(f"{top.key('input')}: 'input' must be a table")
        where_input = self._table_where(input_table, "input", top)
        axes, channels, input_name = self._input(input_table, where_input)
        positions = self._layer_positions(layers, key, top)
        nodes = [Node(input_name, Kind.INPUT, (), where_input.here(), "input", framework,
                      channels=channels)]
        previous = input_name
        used = {input_name}
        for index, (layer, where) in enumerate(zip(layers, positions, strict=True), 1):
            if not isinstance(layer, dict):
                raise SpecError(f"{where.here()}: layer {index} must be a table")
            node = self._layer(layer, where, index, previous, framework, len(axes))
            if node.name in used:
                raise SpecError(f"{where.key('name')}: layer name {node.name!r} is used twice")
            used.add(node.name)
            nodes.append(node)
            previous = node.name
        outputs = self._outputs(data.get("outputs"), previous, used, top)
        try:
            ordered = topological(nodes)
        except NetworkError as exc:
            raise SpecError(str(exc)) from None
        return Network(name, axes, channels, ordered, outputs)

    def _framework(self, value: object, where: _Where, key: str = "framework") -> str:
        if value not in R.frameworks():
            raise SpecError(f"{where.key(key)}: framework must be one of "
                            f"{', '.join(R.frameworks())}, got {value!r}")
        return str(value)

    def _table_where(self, table: Mapping[str, Any], name: str, top: _Where) -> _Where:
        if isinstance(table, _PosDict):
            return _Where(self.path, self.text, table.start, table.stop, True)
        match = re.search(rf"^[ \t]*\[[ \t]*{name}[ \t]*\][ \t]*$", self.text, re.M)
        if match is None:
            return _Where(self.path, self.text, 0, len(self.text), self.json)
        nxt = re.compile(r"^[ \t]*\[", re.M).search(self.text, match.end())
        return _Where(self.path, self.text, match.start(),
                      nxt.start() if nxt else len(self.text), False)

    def _layer_positions(self, layers: Sequence[Any], key: str, top: _Where) -> list[_Where]:
        if self.json:
            return [_Where(self.path, self.text, layer.start, layer.stop, True)
                    if isinstance(layer, _PosDict) else top for layer in layers]
        headers = [m.start() for m in re.finditer(
            rf"^[ \t]*\[\[[ \t]*{key}[ \t]*\]\]", self.text, re.M)]
        if len(headers) != len(layers):
            return [_Where(self.path, self.text, top.start, top.stop, False)] * len(layers)
        out = []
        for n, start in enumerate(headers):
            stop = headers[n + 1] if n + 1 < len(headers) else len(self.text)
            nxt = re.compile(r"^[ \t]*\[", re.M).search(self.text, start + 2, stop)
            out.append(_Where(self.path, self.text, start, nxt.start() if nxt else stop, False))
        return out

    def _input(self, table: Mapping[str, Any], where: _Where) -> tuple[tuple[str, ...], int, str]:
        for key in table:
            if key not in ("channels", "axes", "name"):
                raise SpecError(f"{where.key(key)}: unknown input key {key!r} (channels, axes, "
                                "name)")
        channels = _int(table.get("channels", 3), "channels", where, low=1)
        axes_raw = table.get("axes", 2)
        if isinstance(axes_raw, int) and not isinstance(axes_raw, bool):
            if axes_raw not in AXIS_NAMES:
                raise SpecError(f"{where.key('axes')}: axes must be 1, 2 or 3 (or a list of "
                                f"names), got {axes_raw}")
            axes = AXIS_NAMES[axes_raw]
        elif isinstance(axes_raw, list) and axes_raw and all(
                isinstance(a, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", a) for a in axes_raw):
            axes = tuple(axes_raw)
            if len(set(axes)) != len(axes):
                raise SpecError(f"{where.key('axes')}: axis names repeat: {axes_raw}")
        else:
            raise SpecError(f"{where.key('axes')}: axes must be a count (1-3) or a list of "
                            f"names like [\"H\", \"W\"], got {axes_raw!r}")
        name = _string(table.get("name", "input"), "name", where)
        return axes, channels, name

    def _outputs(self, raw: object, last: str, names: set[str], top: _Where) -> tuple[str, ...]:
        if raw is None:
            return (last,)
        if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
            raise SpecError(f"{top.key('outputs')}: outputs must be a list of layer names")
        for name in raw:
            if name not in names:
                raise SpecError(f"{top.key('outputs')}: output {name!r} is not a layer")
        return tuple(raw)

    # -- one layer --------------------------------------------------------------------------

    def _layer(self, layer: Mapping[str, Any], where: _Where, index: int, previous: str,
               default_framework: str, rank: int) -> Node:
        op = layer.get("op")
        known = (*WINDOW_OPS, *OTHER_OPS, *sorted(ELEMENTWISE_OPS), *sorted(IDENTITY_OPS),
                 "concat", "adaptive_pool")
        if not isinstance(op, str):
            raise SpecError(f"{where.key('op') if 'op' in layer else where.here()}: layer "
                            f"{index} needs an op (one of {', '.join(known[:16])}, …)")
        op = {"concat": "cat", "adaptive_pool": "adaptive_avg_pool"}.get(op, op)
        if op not in known:
            raise SpecError(f"{where.key('op')}: layer {index}: unknown op {op!r}: symconv "
                            "knows conv, conv_transpose, max_pool, avg_pool, adaptive and "
                            "global pools, upsample, pad, crop, slice, center_crop, cat, "
                            "add/mul/…, flatten, linear and size-preserving layers "
                            f"({', '.join(sorted(IDENTITY_OPS)[:6])}, …)")
        name = _string(layer.get("name", f"{op}{index}"), "name", where)
        allowed = COMMON_KEYS | OP_KEYS.get(op, frozenset())
        for key in layer:
            if key not in allowed:
                raise SpecError(f"{where.key(key)}: layer {name!r} ({op}): unknown key {key!r}"
                                f" (it takes {', '.join(sorted(allowed - COMMON_KEYS)) or 'none'})")
        framework = (self._framework(layer["framework"], where) if "framework" in layer
                     else default_framework)
        inputs = self._inputs(layer.get("from"), previous, where)
        ctx = _Layer(name, op, framework, inputs, where, rank, layer)
        try:
            return ctx.node()
        except SpecError:
            raise
        except NetworkError as exc:
            raise SpecError(f"{where.here()}: layer {name!r} ({op}): {exc}") from None

    def _inputs(self, raw: object, previous: str, where: _Where) -> tuple[str, ...]:
        if raw is None:
            return (previous,)
        if isinstance(raw, str):
            return (raw,)
        if isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
            return tuple(raw)
        raise SpecError(f"{where.key('from')}: 'from' must be a layer name or a list of names")


@dataclass(frozen=True, slots=True)
class _Layer:
    name: str
    op: str
    framework: str
    inputs: tuple[str, ...]
    where: _Where
    rank: int
    data: Mapping[str, Any]

    def fail(self, key: str | None, message: str) -> SpecError:
        at = self.where.key(key) if key is not None else self.where.here()
        return SpecError(f"{at}: layer {self.name!r} ({self.op}): {message}")

    def make(self, kind: Kind, **kw: Any) -> Node:
        return Node(self.name, kind, self.inputs, self.where.here(), self.op, self.framework,
                    **kw)

    def node(self) -> Node:
        op = self.op
        if op in WINDOW_OPS:
            return self.window()
        if op in IDENTITY_OPS:
            return self.make(Kind.IDENTITY)
        if op in ELEMENTWISE_OPS:
            return self.make(Kind.ELEMENTWISE)
        handler = getattr(self, f"op_{op}")
        node: Node = handler()
        return node

    # -- values ---------------------------------------------------------------------------

    def per_axis(self, key: str, default: object = None, pairs: bool = False) -> list[Any]:
        """One value per axis: a scalar for all, or a list with one per axis (a value may be a
        [begin, end] pair where ``pairs``)."""
        raw = self.data.get(key, default)
        if raw is None:
            return [None] * self.rank
        if isinstance(raw, list) and not (pairs and self.rank == 1 and _is_pair(raw)):
            if len(raw) != self.rank:
                raise self.fail(key, f"{key} has {len(raw)} values; give one, or one per "
                                f"spatial axis ({self.rank})")
            return [self.check_value(key, v, pairs) for v in raw]
        return [self.check_value(key, raw, pairs)] * self.rank

    def check_value(self, key: str, value: object, pairs: bool) -> object:
        if pairs and _is_pair(value):
            return value
        if (isinstance(value, float) and key == "scale") or (
                isinstance(value, str) and key == "padding"):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"{key} must be an integer"
                            + (" or a [begin, end] pair" if pairs else "") + f", got {value!r}")
        return value

    def integer(self, key: str, default: int | None = None, low: int | None = None) -> int:
        raw = self.data.get(key, default)
        if raw is None:
            raise self.fail(None, f"needs {key}")
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise self.fail(key, f"{key} must be an integer, got {raw!r}")
        if low is not None and raw < low:
            raise self.fail(key, f"{key} must be >= {low}, got {raw}")
        return raw

    def optional_channels(self, key: str) -> int | None:
        return None if key not in self.data else self.integer(key, low=1)

    # -- windows --------------------------------------------------------------------------

    def window(self) -> Node:
        op = self.op
        rule = self.choose_rule(op)
        params = [x for x in rule.params if x != "i"]
        kernel = self.per_axis("kernel")
        if kernel[0] is None:
            raise self.fail(None, "needs kernel")
        pool = op in ("max_pool", "avg_pool")
        stride = self.per_axis("stride", self.data.get("kernel") if pool else 1)
        dilation = self.per_axis("dilation", 1)
        padding = self.per_axis("padding", 0, pairs=True)
        output_padding = self.per_axis("output_padding", 0)
        output_size = self.per_axis("output_size")
        axes: list[dict[str, object]] = []
        for axis in range(self.rank):
            values: dict[str, object] = {"k": kernel[axis], "s": stride[axis],
                                         "d": dilation[axis], "a": output_padding[axis],
                                         "o": output_size[axis]}
            pad = padding[axis]
            if isinstance(pad, str):
                pad = 0
            begin, end = (pad if _is_pair(pad) else (pad, pad))
            values.update(p_begin=begin, p_end=end)
            if "p" in params:
                if begin != end:
                    raise self.fail("padding", f"rule {rule.id} pads both sides equally; got "
                                    f"[{begin}, {end}]")
                values["p"] = begin
            axes.append({name: values[name] for name in params})
        self.unused(rule, params)
        return self.make(Kind.WINDOW, rule=rule.id, axes=tuple(axes),
                         channels=self.optional_channels("channels"),
                         in_channels=self.optional_channels("in_channels"))

    def unused(self, rule: RuleSpec, params: Sequence[str]) -> None:
        for key, param, default in (("dilation", "d", 1), ("output_padding", "a", 0),
                                    ("output_size", "o", None)):
            if key in self.data and param not in params and self.data[key] != default:
                raise self.fail(key, f"rule {rule.id} has no {key}")
        if "padding" in self.data and not {"p", "p_begin"} & set(params):
            padding = self.data["padding"]
            if not isinstance(padding, str) and padding != 0:
                raise self.fail("padding", f"rule {rule.id} takes no explicit padding")

    def choose_rule(self, op: str) -> RuleSpec:
        if "rule" in self.data:
            rid = self.data["rule"]
            try:
                rule = R.get(str(rid))
            except KeyError as exc:
                raise self.fail("rule", str(exc.args[0])) from None
            if rule.op != op:
                raise self.fail("rule", f"rule {rule.id} is a {rule.op}, not a {self.op}")
            return rule

        ceil = self.data.get("ceil_mode", False)
        if not isinstance(ceil, bool):
            raise self.fail("ceil_mode", f"ceil_mode must be true or false, got {ceil!r}")
        padding = self.data.get("padding", 0)
        mode = padding.lower() if isinstance(padding, str) else ""
        if "output_size" in self.data:
            mode = "output_size"
        candidates = [r for r in R.by_framework(self.framework)
                      if r.op == op and r.ceil_mode == ceil and ".infer." not in r.id
                      and _padding_mode(r) == _canonical_mode(mode, self.framework)]
        with_a = [r for r in candidates if "a" in r.params]
        if self.data.get("output_padding", 0) != 0:
            candidates = with_a
        elif len(candidates) > len(with_a) > 0:
            candidates = [r for r in candidates if r not in with_a]
        if not candidates:
            what = f"padding {padding!r}" if mode else "explicit padding"
            raise self.fail("padding" if "padding" in self.data else None,
                            f"framework {self.framework} has no {self.op} rule with {what}"
                            + (" and ceil_mode" if ceil else ""))
        return candidates[0]

    # -- the rest -------------------------------------------------------------------------

    def op_adaptive_avg_pool(self) -> Node:
        sizes = self.per_axis("size")
        if sizes[0] is None:
            raise self.fail(None, "needs size")
        return self.make(Kind.ADAPTIVE_POOL, axes=tuple({"size": v} for v in sizes))

    op_adaptive_max_pool = op_adaptive_avg_pool

    def op_global_avg_pool(self) -> Node:
        return self.make(Kind.ADAPTIVE_POOL, axes=tuple({"size": 1} for _ in range(self.rank)))

    op_global_max_pool = op_global_avg_pool

    def op_upsample(self) -> Node:
        if ("scale" in self.data) == ("size" in self.data):
            raise self.fail(None, "needs exactly one of scale and size")
        if "size" in self.data:
            return self.make(Kind.RESIZE, axes=tuple({"size": v} for v in self.per_axis("size")))
        scales = self.per_axis("scale")
        for s in scales:
            if isinstance(s, float) and not s.is_integer():
                raise self.fail("scale", f"scale {s!r} is not an integer: upsampling "
                                "computes floor(size · scale) in double precision, an "
                                "integer relation only for integer scales")
        return self.make(Kind.UPSAMPLE, axes=tuple(
            {"scale": int(s) if isinstance(s, float) else s} for s in scales))

    def op_pad(self, sign: int = 1) -> Node:
        begin = self.per_axis("begin", 0)
        end = self.per_axis("end", 0)
        mode = self.data.get("mode", "constant")
        if mode not in PAD_MODES:
            raise self.fail("mode", f"mode must be one of {', '.join(PAD_MODES)}, got {mode!r}")
        return self.make(Kind.PAD, axes=tuple({"begin": sign * b, "end": sign * e}
                                              for b, e in zip(begin, end, strict=True)),
                         attrs={"mode": mode})

    def op_crop(self) -> Node:
        return self.op_pad(-1)

    def op_slice(self) -> Node:
        starts, stops = self.per_axis("start"), self.per_axis("stop")
        steps = self.per_axis("step", 1)
        return self.make(Kind.SLICE, axes=tuple(
            {"start": a, "stop": b, "step": c} for a, b, c in zip(starts, stops, steps,
                                                                    strict=True)))

    def op_center_crop(self) -> Node:
        if len(self.inputs) != 2:
            raise self.fail("from", "center_crop takes from = [tensor, reference]")
        return self.make(Kind.CENTER_CROP)

    def op_cat(self) -> Node:
        return self.make(Kind.CONCAT)

    def op_flatten(self) -> Node:
        attrs: dict[str, object] = {}
        if "features" in self.data:
            attrs["features"] = self.integer("features", low=1)
        return self.make(Kind.FLATTEN, attrs=attrs)

    def op_linear(self) -> Node:
        return self.make(Kind.LINEAR, channels=self.integer("out_features", low=1),
                         attrs={"in_features": self.integer("in_features", low=1)})


def _is_pair(value: object) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value))


def _padding_mode(rule: RuleSpec) -> str:
    mode = rule.padding.lower()
    return "" if mode in ("", "notset", "explicit") else (
        "output_size" if mode == "output_shape" else mode)


def _canonical_mode(mode: str, framework: str) -> str:
    if framework == "onnx" and mode == "same":
        return "same_upper"
    return mode


def _string(value: object, key: str, where: _Where) -> str:
    if not isinstance(value, str) or not value:
        raise SpecError(f"{where.key(key)}: {key} must be a non-empty string, got {value!r}")
    return value


def _int(value: object, key: str, where: _Where, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where.key(key)}: {key} must be an integer, got {value!r}")
    if value < low:
        raise SpecError(f"{where.key(key)}: {key} must be >= {low}, got {value}")
    return value
