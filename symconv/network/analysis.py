"""The arithmetic of a whole network, per spatial axis: each tensor's size as a closed form in
the input sizes, and every layer's conditions (the framework's refusals and the merges' need to
line up), in the order the framework checks them.

This is the pure core: a :class:`~symconv.network.ir.Network` in, an :class:`Analysis` out, no
solver. Proofs (the rewrites behind the closed forms, the valid set, receptive fields) take an
Analysis and live in ``proofs``, ``validset`` and ``receptive``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TypeAlias

from symconv.network import rules as R
from symconv.network import semantics as S
from symconv.network import terms as T
from symconv.network.ir import Kind, Network, NetworkError, Node, expression_sizes, topological
from symconv.network.rules import RuleSpec
from symconv.network.textual import pretty
from symconv.network.trees import NotPresburger, build_cond, build_lin

PAD_MODES = ("constant", "reflect", "replicate", "circular")
INPUT_MESSAGE = "an input size must be >= 1"


@dataclass(frozen=True, slots=True)
class Features:
    """A flattened tensor's feature count: ``coeff · ∏ factors`` (factors: spatial sizes)."""

    coeff: int
    factors: tuple[T.Lin, ...]


@dataclass(frozen=True, slots=True)
class Shape:
    """A tensor's sizes per spatial axis (``None`` once flattened: then ``features``)."""

    sizes: tuple[T.Lin, ...] | None
    channels: int | None
    features: Features | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """Layer ``layer`` (position ``index`` in topological order) accepts where ``cond`` holds;
    elsewhere the framework refuses with ``message``."""

    layer: str
    index: int
    message: str
    cond: T.Cond


@dataclass(frozen=True, slots=True)
class Layer:
    node: Node
    index: int
    shape: Shape
    conditions: tuple[Condition, ...]
    params: tuple[Mapping[str, T.Lin | None], ...] = ()  # resolved per-axis parameters
    rule: RuleSpec | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    network: Network
    axes: tuple[str, ...]
    layers: tuple[Layer, ...]
    rewrites: frozenset[T.Rewrite] = field(default_factory=frozenset)
    facts: frozenset[T.Fact] = field(default_factory=frozenset)

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.node.name == name:
                return layer
        raise KeyError(name)

    @property
    def outputs(self) -> tuple[Layer, ...]:
        return tuple(self.layer(name) for name in self.network.outputs)

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return tuple(c for layer in self.layers for c in layer.conditions)

    def point(self, sizes: Sequence[int]) -> dict[str, int]:
        if len(sizes) != len(self.axes):
            raise ValueError(f"{len(self.axes)} input sizes needed ({', '.join(self.axes)}), "
                             f"got {len(sizes)}")
        return dict(zip(self.axes, sizes, strict=True))

    def first_refusal(self, point: Mapping[str, int]) -> Condition | None:
        """The first condition, in topological order and the framework's order of checks, that
        fails at ``point`` (plain Python), or None where the network runs."""
        memo: dict[int, T.Value] = {}
        for condition in self.conditions:
            if not T.holds(condition.cond, point, memo):
                return condition
        return None

    def sizes_at(self, point: Mapping[str, int]) -> Iterator[tuple[Layer, tuple[int, ...] | None]]:
        """Each layer's spatial sizes at ``point`` (None once flattened), in order, up to and
        including the first layer that refuses."""
        memo: dict[int, T.Value] = {}
        for layer in self.layers:
            sizes = layer.shape.sizes
            yield layer, (None if sizes is None else
                          tuple(T.value(s, point, memo) for s in sizes))
            if any(not T.holds(c.cond, point, memo) for c in layer.conditions):
                return


# ---------------------------------------------------------------------------------------------


def rule_by_id(rid: str) -> RuleSpec:
    return R.get(rid)


def analyse(network: Network, excluded: frozenset[int] = frozenset(), *,
            use_facts: bool = True, rewrites: bool = True) -> Analysis:
    """Closed forms and conditions of every layer of ``network``; raises
    :class:`~symconv.network.ir.NetworkError` for a network that cannot be analysed.

    Simplifications rest on general rewrites and on facts (a dominated min/max argument, an
    if-then-else that never switches) checked by sampling here and proved by
    ``proofs.prove_fact``; ``excluded`` names facts (by their condition's serial) not to use,
    ``use_facts=False`` uses none, ``rewrites=False`` no simplification at all (see
    ``terms.plain``)."""
    nodes = topological(network.nodes)
    if not nodes or nodes[0].kind is not Kind.INPUT:
        raise NetworkError(f"network {network.name!r}: the first node must be the input")
    if not network.axes:
        raise NetworkError(f"network {network.name!r}: the input has no spatial axes")
    names = {n.name for n in nodes}
    for out in network.outputs:
        if out not in names:
            raise NetworkError(f"network {network.name!r}: output {out!r} is not a node")
    builder = _Builder(network)
    facts: set[T.Fact] = set()
    if not rewrites:
        with T.plain():
            layers = tuple(builder.layer(index, node) for index, node in enumerate(nodes))
        return Analysis(network, network.axes, layers)
    with T.recording() as used:
        if use_facts:
            with T.facts(excluded) as facts:
                layers = tuple(builder.layer(index, node) for index, node in enumerate(nodes))
        else:
            layers = tuple(builder.layer(index, node) for index, node in enumerate(nodes))
    return Analysis(network, network.axes, layers, frozenset(used), frozenset(facts))


_Params: TypeAlias = tuple[Mapping[str, T.Lin | None], ...]
_Result: TypeAlias = tuple[Shape, list[S.Check], _Params, RuleSpec | None]
_Make: TypeAlias = Callable[[str, T.Lin, dict[str, T.Lin]], tuple[T.Lin, list[S.Check]]]


class _Builder:
    def __init__(self, network: Network) -> None:
        self.network = network
        self.rank = len(network.axes)
        self.shapes: dict[str, Shape] = {}

    def layer(self, index: int, node: Node) -> Layer:
        handler = getattr(self, f"_{node.kind.value}")
        shape, checks, params, rule = handler(node)
        self.shapes[node.name] = shape
        conditions = []
        for check in checks:
            if check.cond is T.TRUE:
                continue
            if check.cond is T.FALSE and check.parameter:
                raise NetworkError(f"{node.where()}: {node.framework} refuses these parameters "
                                   f"whatever the input size: {check.message}")
            conditions.append(Condition(node.name, index, check.message, check.cond))
        return Layer(node, index, shape, tuple(conditions), params, rule)

    # -- helpers --------------------------------------------------------------------------

    def _input_shape(self, node: Node, count: int | None = 1) -> list[Shape]:
        if count is not None and len(node.inputs) != count:
            raise NetworkError(f"{node.where()}: takes {count} input"
                               f"{'s' if count != 1 else ''}, got {len(node.inputs)}")
        if not node.inputs:
            raise NetworkError(f"{node.where()}: has no input")
        return [self.shapes[name] for name in node.inputs]

    def _spatial(self, node: Node, shape: Shape) -> tuple[T.Lin, ...]:
        if shape.sizes is None:
            raise NetworkError(f"{node.where()}: needs spatial axes, but its input is "
                               "flattened")
        return shape.sizes

    def _axes_params(self, node: Node) -> tuple[Mapping[str, object], ...]:
        if len(node.axes) != self.rank:
            raise NetworkError(f"{node.where()}: gives parameters for {len(node.axes)} spatial "
                               f"axes, the network has {self.rank} "
                               f"({', '.join(self.network.axes)})")
        return node.axes

    def _env(self, node: Node, raw: object) -> dict[str, T.Lin]:
        env = {name: T.var(name) for name in self.network.axes}
        for tensor, axis in expression_sizes(raw):
            shape = self.shapes.get(tensor)
            if shape is None:
                raise NetworkError(f"{node.where()}: a parameter uses the size of {tensor!r}, "
                                   "which is not computed before this layer")
            if shape.sizes is None or not 0 <= axis < len(shape.sizes):
                raise NetworkError(f"{node.where()}: a parameter uses axis {axis} of "
                                   f"{tensor!r}, which has no such spatial axis")
            from symconv.network.ir import size_symbol

            env[size_symbol(tensor, axis).name] = shape.sizes[axis]
        return env

    def _value(self, node: Node, name: str, raw: object) -> T.Lin | None:
        if raw is None:
            return None
        if isinstance(raw, bool):
            raise NetworkError(f"{node.where()}: parameter {name} must be an integer, got {raw}")
        if isinstance(raw, int):
            return T.const(raw)
        if isinstance(raw, float):
            raise NetworkError(f"{node.where()}: parameter {name} must be an integer, got "
                               f"{raw!r}")
        if hasattr(raw, "free_symbols"):  # a SymPy expression from a front-end
            from symconv.network.fromsympy import sympy_lin

            try:
                return sympy_lin(raw, self._env(node, raw))
            except NotPresburger as exc:
                raise NetworkError(f"{node.where()}: parameter {name} = {raw}: {exc}") from None
        raise NetworkError(f"{node.where()}: parameter {name} must be an integer or a size "
                           f"expression, got {raw!r}")

    def _const(self, node: Node, name: str, raw: object, low: int) -> int:
        value = self._value(node, name, raw)
        if value is None or not value.is_const:
            raise NetworkError(f"{node.where()}: parameter {name} must be a constant integer, "
                               f"got {raw!r}")
        if value.const < low:
            raise NetworkError(f"{node.where()}: parameter {name} must be >= {low}, got "
                               f"{value.const}")
        return value.const

    def _channels(self, node: Node, shape: Shape) -> int | None:
        if (node.in_channels is not None and shape.channels is not None
                and node.in_channels != shape.channels):
            raise NetworkError(f"{node.where()}: expects {node.in_channels} input channels, "
                               f"gets {shape.channels} from {node.inputs[0]!r}")
        return node.channels if node.channels is not None else shape.channels

    @staticmethod
    def _interleave(per_axis: Sequence[Sequence[S.Check]]) -> list[S.Check]:
        # a framework checks one condition on every axis before the next condition
        out: list[S.Check] = []
        for position in range(max((len(c) for c in per_axis), default=0)):
            out.extend(checks[position] for checks in per_axis if position < len(checks))
        return out

    # -- kinds (each returns shape, checks, resolved params, rule) ----------------------------

    def _input(self, node: Node) -> _Result:
        if node.inputs:
            raise NetworkError(f"{node.where()}: the input takes no inputs")
        sizes = tuple(T.var(name) for name in self.network.axes)
        checks = [S.Check(INPUT_MESSAGE, T.ge(x, 1)) for x in sizes]
        return Shape(sizes, self.network.channels), checks, (), None

    def _window(self, node: Node) -> _Result:
        (shape,) = self._input_shape(node)
        sizes = self._spatial(node, shape)
        try:
            rule = rule_by_id(node.rule)
        except KeyError as exc:
            raise NetworkError(f"{node.where()}: {exc.args[0]}") from None
        wanted = [x for x in rule.params if x != "i"]
        per_axis: list[list[S.Check]] = []
        outs: list[T.Lin] = []
        resolved: list[dict[str, T.Lin | None]] = []
        for axis, raw in enumerate(self._axes_params(node)):
            extra = sorted(set(raw) - set(wanted))
            missing = [w for w in wanted if raw.get(w) is None]
            if extra or missing:
                raise NetworkError(f"{node.where()}: rule {rule.id} takes parameters "
                                   f"{', '.join(wanted)}" + (f"; unknown: {', '.join(extra)}"
                                   if extra else "") + (f"; missing: {', '.join(missing)}"
                                   if missing else ""))
            params = {w: self._value(node, w, raw[w]) for w in wanted}
            env: dict[str, T.Lin] = {w: v for w, v in params.items() if v is not None}
            env["i"] = sizes[axis]
            out, checks = self._rule_checks(node, rule, env)
            outs.append(out)
            per_axis.append(checks)
            resolved.append(dict(params))
        shape_out = Shape(tuple(outs), self._channels(node, shape))
        return shape_out, self._interleave(per_axis), tuple(resolved), rule

    def _rule_checks(self, node: Node, rule: RuleSpec, env: dict[str, T.Lin]
                     ) -> tuple[T.Lin, list[S.Check]]:
        try:
            domain = []
            for tree, name in zip(rule.domain, rule.params, strict=True):
                if name == "i":
                    continue
                cond = build_cond(tree, env)
                if cond is T.TRUE:
                    continue
                wanted = _domain_text(rule.id, name)
                if cond is T.FALSE:
                    raise NetworkError(f"{node.where()}: {name} = {pretty(env[name])} is outside "
                                       f"the domain of {rule.id} ({wanted})")
                domain.append(S.Check(f"{rule.id}: {wanted} must hold", cond, parameter=True))
            refusals = [S.Check(message, T.negate(build_cond(when, env)),
                                parameter=not _mentions(when, "i"))
                        for when, message in rule.refusals]
            out = build_lin(rule.expr, env)
        except NotPresburger as exc:
            raise NetworkError(f"{node.where()}: rule {rule.id}: {exc}") from None
        params = {k: v for k, v in env.items() if k != "i"}
        checks = S.window_checks(rule, self.rank, env["i"], refusals, params, out)
        return out, [*domain, *checks]

    def _adaptive_pool(self, node: Node) -> _Result:
        return self._per_axis(node, ("size",), lambda fw, i, p: S.adaptive(fw, i, p["size"]))

    def _upsample(self, node: Node) -> _Result:
        for raw in self._axes_params(node):
            scale = raw.get("scale")
            if isinstance(scale, float):
                raise NetworkError(
                    f"{node.where()}: scale {scale!r} is not an integer: upsampling computes "
                    "floor(size · scale) in double precision, an integer relation only for "
                    "integer scales")
            self._const(node, "scale", scale, 1)
        return self._per_axis(node, ("scale",),
                              lambda fw, i, p: S.interpolate(fw, i, i * p["scale"].const))

    def _resize(self, node: Node) -> _Result:
        return self._per_axis(node, ("size",), lambda fw, i, p: S.interpolate(fw, i, p["size"]))

    def _pad(self, node: Node) -> _Result:
        mode = str(node.attrs.get("mode", "constant"))
        if mode not in PAD_MODES:
            raise NetworkError(f"{node.where()}: padding mode must be one of "
                               f"{', '.join(PAD_MODES)}, got {mode!r}")
        if mode != "constant":
            for raw in self._axes_params(node):
                for key in ("begin", "end"):
                    self._const(node, key, raw.get(key, 0), 0)
        return self._per_axis(node, ("begin", "end"),
                              lambda fw, i, p: S.pad(fw, mode, i, p["begin"], p["end"]),
                              defaults={"begin": 0, "end": 0})

    def _slice(self, node: Node) -> _Result:
        (shape,) = self._input_shape(node)
        sizes = self._spatial(node, shape)
        outs: list[T.Lin] = []
        resolved: list[dict[str, T.Lin | None]] = []
        for axis, raw in enumerate(self._axes_params(node)):
            extra = sorted(set(raw) - {"start", "stop", "step"})
            if extra:
                raise NetworkError(f"{node.where()}: unknown slice parameter {extra[0]}")
            step = self._const(node, "step", raw.get("step", 1), 1)
            start = self._value(node, "start", raw.get("start"))
            stop = self._value(node, "stop", raw.get("stop"))
            outs.append(S.slice_length(sizes[axis], start, stop, step))
            resolved.append({"start": start, "stop": stop, "step": T.const(step)})
        return Shape(tuple(outs), self._channels(node, shape)), [], tuple(resolved), None

    def _per_axis(self, node: Node, keys: tuple[str, ...], make: _Make,
                  defaults: Mapping[str, int] | None = None) -> _Result:
        (shape,) = self._input_shape(node)
        sizes = self._spatial(node, shape)
        per_axis: list[list[S.Check]] = []
        outs: list[T.Lin] = []
        resolved: list[dict[str, T.Lin | None]] = []
        for axis, raw in enumerate(self._axes_params(node)):
            extra = sorted(set(raw) - set(keys))
            if extra:
                raise NetworkError(f"{node.where()}: unknown parameter {extra[0]} (takes "
                                   f"{', '.join(keys)})")
            params: dict[str, T.Lin] = {}
            for key in keys:
                raw_value = raw.get(key, (defaults or {}).get(key))
                value = self._value(node, key, raw_value)
                if value is None:
                    raise NetworkError(f"{node.where()}: missing parameter {key}")
                params[key] = value
            out, checks = make(node.framework, sizes[axis], params)
            outs.append(out)
            per_axis.append(checks)
            resolved.append(dict(params))
        return (Shape(tuple(outs), self._channels(node, shape)), self._interleave(per_axis),
                tuple(resolved), None)

    def _center_crop(self, node: Node) -> _Result:
        x, ref = self._input_shape(node, 2)
        xs, rs = self._spatial(node, x), self._spatial(node, ref)
        per_axis = [S.center_crop(node.framework, a, b) for a, b in zip(xs, rs, strict=True)]
        checks = self._interleave([c for _, c in per_axis])
        return Shape(tuple(o for o, _ in per_axis), self._channels(node, x)), checks, (), None

    def _concat(self, node: Node) -> _Result:
        shapes = self._input_shape(node, None)
        if any(s.sizes is None for s in shapes):
            return self._flat_merge(node, shapes, concat=True)
        spatial = [self._spatial(node, s) for s in shapes]
        per_axis = [S.concat(node.framework, [s[axis] for s in spatial])
                    for axis in range(self.rank)]
        counts = [s.channels for s in shapes]
        channels = None if any(c is None for c in counts) else sum(c for c in counts if c)
        return (Shape(tuple(o for o, _ in per_axis), channels),
                self._interleave([c for _, c in per_axis]), (), None)

    def _elementwise(self, node: Node) -> _Result:
        shapes = self._input_shape(node, None)
        if any(s.sizes is None for s in shapes):
            return self._flat_merge(node, shapes, concat=False)
        spatial = [self._spatial(node, s) for s in shapes]
        per_axis = [S.elementwise(node.framework, [s[axis] for s in spatial])
                    for axis in range(self.rank)]
        channels = self._merge_channels(node, [s.channels for s in shapes])
        return (Shape(tuple(o for o, _ in per_axis), channels),
                self._interleave([c for _, c in per_axis]), (), None)

    def _merge_channels(self, node: Node, counts: Sequence[int | None]) -> int | None:
        known = [c for c in counts if c is not None]
        distinct = sorted(set(known))
        broadcast = node.framework in S.BROADCASTING
        if len(distinct) > 1 and not (broadcast and len(distinct) == 2 and distinct[0] == 1):
            listed = ", ".join(f"{n}: {c}" for n, c in zip(node.inputs, counts, strict=True))
            raise NetworkError(f"{node.where()}: merges tensors with different channel counts "
                               f"({listed})")
        if len(known) < len(counts):
            return None
        return max(known) if known else None

    def _flat_merge(self, node: Node, shapes: Sequence[Shape], concat: bool) -> _Result:
        counts: list[int] = []
        for name, shape in zip(node.inputs, shapes, strict=True):
            if shape.sizes is not None or shape.features is None or shape.features.factors:
                raise NetworkError(f"{node.where()}: merges {name!r}, whose size is not a fixed "
                                   "feature count (flattened tensors merge only after a "
                                   "linear layer fixes it)")
            counts.append(shape.features.coeff)
        if concat:
            total = sum(counts)
            return Shape(None, total, Features(total, ())), [], (), None
        channels = self._merge_channels(node, counts)
        assert channels is not None
        return Shape(None, channels, Features(channels, ())), [], (), None

    def _flatten(self, node: Node) -> _Result:
        (shape,) = self._input_shape(node)
        if shape.sizes is None:
            return shape, [], (), None
        features = None
        if shape.channels is not None:
            coeff = shape.channels
            for size in shape.sizes:
                coeff *= size.const if size.is_const else 1
            features = Features(coeff, tuple(x for x in shape.sizes if not x.is_const))
        checks: list[S.Check] = []
        fixed = node.attrs.get("features")
        if fixed is not None:
            count = self._const(node, "features", fixed, 1)
            if features is None:
                raise NetworkError(f"{node.where()}: fixes the feature count, but the channels "
                                   "before it are unknown")
            checks.append(S.Check(S.view_message(node.framework),
                                  T.product_eq(features.coeff, features.factors, count)))
        return Shape(None, None, features), checks, (), None

    def _linear(self, node: Node) -> _Result:
        (shape,) = self._input_shape(node)
        in_features = self._const(node, "in_features", node.attrs.get("in_features"), 1)
        if node.channels is None or node.channels < 1:
            raise NetworkError(f"{node.where()}: needs its out_features (channels)")
        message = S.linear_message(node.framework)
        if shape.sizes is not None:
            # applied to the last axis, as nn.Linear does on an unflattened tensor
            last = shape.sizes[-1]
            sizes = (*shape.sizes[:-1], T.const(node.channels))
            return (Shape(sizes, shape.channels), [S.Check(message, T.eq(last, in_features))],
                    (), None)
        if shape.features is None:
            raise NetworkError(f"{node.where()}: the feature count before it is unknown (give "
                               "the channels of the layers before the flatten)")
        check = S.Check(message, T.product_eq(shape.features.coeff, shape.features.factors,
                                              in_features))
        return (Shape(None, node.channels, Features(node.channels, ())), [check], (), None)

    def _identity(self, node: Node) -> _Result:
        (shape,) = self._input_shape(node)
        return shape, [], (), None


@cache
def _domain_text(rid: str, name: str) -> str:
    rule = R.get(rid)
    tree = rule.domain[rule.params.index(name)]
    return pretty(build_cond(tree, {name: T.var(name)}))


def _mentions(tree: tuple[object, ...], name: str) -> bool:
    if tree == ("sym", name):
        return True
    return any(isinstance(a, tuple) and _mentions(a, name) for a in tree[1:])


def _as_cond(x: T.Lin | T.Cond) -> T.Cond:
    if not isinstance(x, T.Cond):
        raise NotPresburger("expected a condition")
    return x
