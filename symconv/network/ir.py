"""A network as data: layers over named tensors, the one description every front-end builds.

A :class:`Network` is a list of :class:`Node` in topological order; the first is the input.
Every tensor is ``(batch 1, channels, *spatial axes)``; each spatial axis is analysed on its own,
and a node's parameters are given per spatial axis. Front-ends (a spec file, a traced PyTorch
model, an ONNX graph) only build this; the analysis turns it into closed forms and claims.

A per-axis parameter is an ``int`` or, where the source computes it from tensor sizes (a U-Net
that crops a skip connection to ``(big - small) // 2``), a SymPy integer expression over
:func:`size_symbol` symbols of tensors earlier in the order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, TypeAlias

from symconv.errors import UsageError

if TYPE_CHECKING:
    import sympy as sp

# SymPy is imported only where an expression is made or read: a spec file needs none.
Size: TypeAlias = "int | sp.Expr"

# Spatial axis names by rank, for front-ends that do not name them.
AXIS_NAMES: Mapping[int, tuple[str, ...]] = {
    1: ("L",),
    2: ("H", "W"),
    3: ("D", "H", "W"),
}


class Kind(Enum):
    """What a layer does to the spatial sizes. Parameters (per axis unless said otherwise):

    - ``INPUT``: none; ``Network.axes`` names the axes, ``channels`` is the input's channels.
    - ``WINDOW``: a framework rule (``Node.rule``, e.g. ``torch.max_pool.ceil``) applied per axis;
      the axis parameters are the rule's parameters except ``i`` (``k``, ``s``, ``p`` or
      ``p_begin``/``p_end``, ``d``, ``a``, ``o``). Convolution, transposed convolution, pooling.
    - ``ADAPTIVE_POOL``: ``size`` — the output size, whatever the input (≥ 1).
    - ``UPSAMPLE``: ``scale`` — an integer factor (nearest / bilinear to ``i · scale``).
    - ``RESIZE``: ``size`` — a fixed output size (int or expression).
    - ``PAD``: ``begin``, ``end`` (negative crops, as ``F.pad`` does); ``attrs["mode"]`` is
      ``constant`` (default), ``reflect``, ``replicate`` or ``circular``.
    - ``SLICE``: ``start``, ``stop``, ``step`` with Python's slice semantics (clamped, negative
      indices from the end); ``stop`` may be ``None`` for "to the end".
    - ``CENTER_CROP``: inputs ``(x, ref)``: crop x to ref's size, offset ``(big − small) // 2``;
      needs ``big ≥ small``.
    - ``CONCAT``: along channels; every input's spatial sizes must be equal.
    - ``ELEMENTWISE``: add, mul, …: the framework's broadcasting (PyTorch and ONNX: a size-1 axis
      meets any size; the guide: equal sizes).
    - ``FLATTEN``: all of ``(channels, *spatial)`` into one feature axis: no spatial axes after.
      ``attrs["features"]`` (optional): a fixed feature count the result must have (a reshape
      to a fixed size, e.g. ``x.view(1, 25088)`` or an ONNX Reshape with constants).
    - ``LINEAR``: ``attrs["in_features"]`` must equal the features; ``channels`` = out_features.
      On a tensor that still has spatial axes it acts on the last one, as ``nn.Linear`` does
      (that axis must equal in_features and becomes out_features).
    - ``IDENTITY``: activations, normalisation, dropout: sizes unchanged.
    """

    INPUT = "input"
    WINDOW = "window"
    ADAPTIVE_POOL = "adaptive_pool"
    UPSAMPLE = "upsample"
    RESIZE = "resize"
    PAD = "pad"
    SLICE = "slice"
    CENTER_CROP = "center_crop"
    CONCAT = "concat"
    ELEMENTWISE = "elementwise"
    FLATTEN = "flatten"
    LINEAR = "linear"
    IDENTITY = "identity"


class NetworkError(UsageError):
    """A network that cannot be analysed as given: the message names the node, its op and where
    it comes from (``spec.toml:12:1``, ``fx node 'layer1.0.conv1'``, ``onnx node 'Conv_3'``)."""


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    kind: Kind
    inputs: tuple[str, ...]
    origin: str  # where the layer is: "unet.toml:14:1", "fx node 'down1.pool'", …
    op: str = ""  # the source's own name for the op: "Conv2d", "max_pool2d", "MaxPool", "conv"
    framework: str = "guide"  # whose rules apply: guide, torch, tf, onnx, jax, keras
    rule: str = ""  # WINDOW only: the framework rule id
    axes: tuple[Mapping[str, Size | None], ...] = ()  # per spatial axis parameters
    channels: int | None = None  # output channels where the layer sets them
    in_channels: int | None = None  # input channels the layer expects, where it checks
    attrs: Mapping[str, object] = field(default_factory=dict)

    def where(self) -> str:
        """``node 'conv1' (Conv2d) at unet.toml:14:1`` — for error messages."""
        op = f" ({self.op})" if self.op else ""
        return f"node {self.name!r}{op} at {self.origin}"


@dataclass(frozen=True, slots=True)
class Network:
    name: str
    axes: tuple[str, ...]  # the input's spatial axis names, e.g. ("H", "W")
    channels: int  # the input's channels
    nodes: tuple[Node, ...]  # topological order; nodes[0] is the input
    outputs: tuple[str, ...]  # names of the output nodes
    # the order a runtime runs the nodes in, where a front-end knows it (ONNX: onnxruntime's):
    # of independent branches, the one it runs first is where it fails first
    run_order: tuple[str, ...] = ()

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)


def axis_symbol(name: str) -> sp.Symbol:
    """The input size along the spatial axis ``name`` (``H``, ``W``, …)."""
    import sympy as sp

    return sp.Symbol(name, integer=True)


def size_symbol(tensor: str, axis: int) -> sp.Symbol:
    """The size of node ``tensor``'s output along spatial axis ``axis`` (0-based), for parameters
    a front-end reads off the source as expressions of tensor sizes."""
    import sympy as sp

    return sp.Symbol(f"size[{tensor}][{axis}]", integer=True)


def topological(nodes: Sequence[Node]) -> tuple[Node, ...]:
    """``nodes`` ordered so that every node comes after its inputs, otherwise in the given order.

    Raises :class:`NetworkError` for a repeated name, an unknown input or a cycle (naming the
    nodes on it).
    """
    by_name: dict[str, Node] = {}
    for n in nodes:
        if n.name in by_name:
            raise NetworkError(f"{n.where()}: name {n.name!r} is already used by "
                               f"{by_name[n.name].where()}")
        by_name[n.name] = n
    for n in nodes:
        for src in n.inputs:
            if src not in by_name:
                raise NetworkError(f"{n.where()}: input {src!r} is not a node of the network")
    # Kahn's algorithm, always taking the earliest ready node: stable, and no recursion depth
    position = {n.name: index for index, n in enumerate(nodes)}
    waiting = {n.name: len(set(n.inputs)) for n in nodes}
    users: dict[str, list[str]] = {n.name: [] for n in nodes}
    for n in nodes:
        for src in set(n.inputs):
            users[src].append(n.name)
    ready = [position[name] for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[Node] = []
    while ready:
        node = nodes[heapq.heappop(ready)]
        order.append(node)
        for user in users[node.name]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, position[user])
    if len(order) < len(nodes):
        stuck = {name for name, count in waiting.items() if count > 0}
        raise NetworkError(_cycle_message(by_name, stuck))
    return tuple(order)


def _cycle_message(by_name: Mapping[str, Node], stuck: set[str]) -> str:
    # walk back along inputs inside the stuck set until a name repeats: that is a cycle
    start = min(stuck, key=list(by_name).index)
    path = [start]
    while True:
        nxt = next(src for src in by_name[path[-1]].inputs if src in stuck)
        if nxt in path:
            cycle = [*path[path.index(nxt):], nxt][::-1]
            return f"{by_name[nxt].where()}: the layers form a cycle: " + " -> ".join(cycle)
        path.append(nxt)


def expression_sizes(value: Size | None) -> Iterable[tuple[str, int]]:
    """The ``(tensor, axis)`` pairs a parameter value refers to."""
    if value is None or isinstance(value, int):
        return
    import sympy as sp

    if isinstance(value, sp.Expr):
        for sym in value.free_symbols:
            name = sym.name
            if name.startswith("size[") and name.endswith("]"):
                tensor, _, axis = name[len("size["):-1].rpartition("][")
                yield tensor, int(axis)
