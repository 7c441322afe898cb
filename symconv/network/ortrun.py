"""The layer a user running an ONNX model in onnxruntime sees fail, at one input size.

The analysis' conditions follow the ONNX spec, and the valid set V is where none fails (a
window's, a resize's or a global pool's output below 1 fails one; a slice or a pad to 0 does
not); :meth:`~symconv.network.analysis.Analysis.first_refusal` names the first that fails.
onnxruntime does not stop there: a pooling layer whose output size is 0 returns an empty
tensor and the run goes on until a node that cannot take it raises (or to the end).
:func:`attribution` replays the run on concrete sizes, node by node in the order onnxruntime
runs them (``Network.run_order``), with what onnxruntime 1.32 (CPU) does, and names the node
it raises at, saying why; V is unchanged.

onnxruntime 1.32, probed with small models (tests/test_network_onnx_runtime.py holds every size
of its models to onnxruntime itself):

- MaxPool / AveragePool (``pool_attributes.h``): an empty input raises ("Invalid input shape.
  Only N can be zero"). With explicit pads the output size is ``trunc(num / s) + 1``,
  ``num = i + p_begin + p_end − k̂``, in floor mode — C++ division: 1, not the spec's refusal,
  for a window that does not fit the padded input (num in (−s, 0)) — and the spec's ceil rule in
  ceil mode; a negative size raises ("Calculated output dimension is negative"); 0 gives an
  empty tensor.
- Conv raises where an output size is < 1, on an empty input too (padding can make it
  positive, and then it runs); ConvTranspose raises where an output size is <= 0 and, on an
  empty input, where output_padding > 0 ("Computed output shape is inconsistent").
- GlobalAveragePool / GlobalMaxPool / GlobalLpPool and GroupNormalization raise on an empty
  input; InstanceNormalization of an empty tensor from a pool crashes the process (SIGSEGV);
  the Reduce* ops reduce it to size 1 and the run goes on; every other size-keeping op passes
  the empty tensor on.
- Concat leaves empty inputs out (the others must agree); broadcasting is NumPy's (0 meets 1,
  not 2); Gemm / MatMul / a Reshape to a fixed count raise on any other feature count, 0
  included (a Reshape to [1, -1] passes 0 features on); Resize to a fixed size raises on an
  empty input, by scales gives an empty tensor; Pad pads an empty tensor in constant mode, and
  in the others raises where an axis it pads is 0 (an empty tensor's other axes are not
  checked against reflection pads).
- A pool whose output size is negative, followed by a Slice, aborts the process (an assertion
  in ``std::clamp``) before the pool raises; the pool is named, as where the run should stop.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from symconv.network import rules as R
from symconv.network import terms as T
from symconv.network.analysis import Analysis, Condition, Layer
from symconv.network.ir import Kind
from symconv.network.semantics import ORT_EMPTY_OUTPUT
from symconv.network.trees import NotPresburger, build_cond, build_lin

FRAMEWORK = "onnx"
RETURNS_EMPTY = "onnxruntime returns an empty tensor there"
_POOLS = ("max_pool", "avg_pool")


@dataclass(frozen=True, slots=True)
class _Tensor:
    sizes: tuple[int, ...] | None  # spatial sizes; None once flattened
    features: int | None = None
    cause: str = field(default="", compare=False)  # what made it empty or not the spec's

    @property
    def empty(self) -> bool:
        return (self.sizes is not None and 0 in self.sizes) or self.features == 0


class _Raise(Exception):
    """onnxruntime raises at this node with this message."""


class _Unknown(Exception):
    """A node whose behaviour in onnxruntime is not modelled here."""


@dataclass(slots=True)
class _Run:
    """The replay's notes: the first layer giving an empty tensor, the first pool where
    onnxruntime answers a size the spec refuses, the first layer turning an empty input into
    a non-empty output."""

    empty: tuple[Layer, str] | None = None
    departure: tuple[Layer, str] | None = None
    healed: Layer | None = None


def runs_in_onnxruntime(analysis: Analysis) -> bool:
    """Whether ``analysis`` is of an ONNX network (every layer with ONNX semantics)."""
    return _plan(analysis).onnx


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the replay needs of an analysis, once: the layers in onnxruntime's order, the
    per-axis parameters of those whose parameters are all constants, and, where every layer's
    are (the replay then depends on the input sizes only through the tensors it computes), the
    positions after which one tensor alone is needed later (a cut) and the outcomes already
    replayed from there: sizes that give the same tensor at a cut end the same way."""

    onnx: bool
    order: tuple[Layer, ...]
    constant: Mapping[str, tuple[dict[str, int], ...]]
    cuts: tuple[str | None, ...]
    seen: dict[tuple[object, ...], _Outcome] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """How a replay ended: at the node that raised (its message and inputs), or at the end."""

    raised: Layer | None
    message: str
    ins: tuple[_Tensor, ...]
    empty: tuple[Layer, str] | None
    departure: tuple[Layer, str] | None
    healed: Layer | None
    outputs_empty: bool


_PLANS: dict[int, tuple[Analysis, _Plan]] = {}
_WHERE = "\x00"  # stands for the input sizes in a cause (a replayed outcome serves many)


def _plan(analysis: Analysis) -> _Plan:
    got = _PLANS.get(id(analysis))
    if got is not None and got[0] is analysis:
        return got[1]
    constant = {layer.node.name: tuple({k: v.const for k, v in p.items() if v is not None}
                                       for p in layer.params)
                for layer in analysis.layers
                if all(v is None or v.is_const for p in layer.params for v in p.values())}
    order = tuple(_run_order(analysis))
    cuts: list[str | None] = [None] * len(order)
    if len(constant) == len(order):
        last_use = {o: len(order) for o in analysis.network.outputs}
        for k, layer in enumerate(order):
            for name in layer.node.inputs:
                last_use[name] = max(last_use.get(name, 0), k)
        for k in range(len(order)):
            live = [x.node.name for x in order[:k + 1] if last_use.get(x.node.name, -1) > k]
            cuts[k] = live[0] if len(live) == 1 else None
    plan = _Plan(all(layer.node.framework == FRAMEWORK for layer in analysis.layers[1:]),
                 order, constant, tuple(cuts))
    if len(_PLANS) >= 64:
        _PLANS.clear()
    _PLANS[id(analysis)] = (analysis, plan)
    return plan


def attribution(analysis: Analysis, point: Mapping[str, int],
                spec: Condition | None = None) -> Condition | None:
    """The refusal to report at ``point``: None exactly where ``first_refusal`` is None (V is
    the spec's); for an ONNX network, the node onnxruntime raises at, or, where onnxruntime
    runs through an empty tensor, the layer that makes it, each message saying what
    onnxruntime does. ``spec``: ``first_refusal(point)`` where the caller has it."""
    if spec is None:
        spec = analysis.first_refusal(point)
    if spec is None or not runs_in_onnxruntime(analysis) or spec.index == 0:
        return spec
    try:
        return _attribute(analysis, point, spec)
    except _Unknown:
        return spec


def _attribute(analysis: Analysis, point: Mapping[str, int], spec: Condition) -> Condition:
    memo: dict[int, T.Value] = {}
    where = ", ".join(f"{a} = {point[a]}" for a in analysis.axes)
    outcome = _replay(analysis, point, memo)
    if outcome.raised is None:
        run = _Run(outcome.empty, outcome.departure, outcome.healed)
        found = _ran_through(spec, run, outcome.outputs_empty, point, memo, where)
    else:
        layer = outcome.raised
        exact = all(_closed_form(analysis.layer(name), point, memo) == t
                    for name, t in zip(layer.node.inputs, outcome.ins, strict=True))
        found = _raised(layer, outcome.message, spec, outcome.ins, exact, point, memo)
    return Condition(found.layer, found.index, found.message.replace(_WHERE, where), found.cond)


def _replay(analysis: Analysis, point: Mapping[str, int], memo: dict[int, T.Value]
            ) -> _Outcome:
    plan = _plan(analysis)
    run = _Run()
    tensors: dict[str, _Tensor] = {}
    keys: list[tuple[object, ...]] = []
    outcome: _Outcome | None = None
    for k, layer in enumerate(plan.order):
        ins = [tensors[name] for name in layer.node.inputs]
        departed = run.departure
        per = plan.constant.get(layer.node.name)
        if per is None:
            per = tuple(_values(p, point, memo) for p in layer.params)
        try:
            out = _step(analysis, layer, ins, per, point, run)
        except _Raise as exc:
            outcome = _Outcome(layer, str(exc), tuple(ins), run.empty, run.departure,
                               run.healed, False)
            break
        if out.empty and not any(t.empty for t in ins):
            axes = _empty_axes(analysis, out)
            cause = f"{_label(layer)} gives size 0 on {axes} at {_WHERE} ({RETURNS_EMPTY})"
            if run.empty is None:
                run.empty = (layer, axes)
        elif run.departure is not departed and run.departure is not None:
            cause = f"{_label(layer)} {run.departure[1]}"
        else:
            cause = next((t.cause for t in ins if t.cause), "")
        if any(t.empty for t in ins) and not out.empty and run.healed is None:
            run.healed = layer
        tensors[layer.node.name] = _Tensor(out.sizes, out.features, cause)
        cut = plan.cuts[k]
        if cut is not None:
            t = tensors[cut]
            key = (k, t.sizes, t.features, t.cause,
                   run.empty and (run.empty[0].node.name, run.empty[1]),
                   run.departure and (run.departure[0].node.name, run.departure[1]),
                   run.healed and run.healed.node.name)
            outcome = plan.seen.get(key)
            if outcome is not None:
                break
            keys.append(key)
    if outcome is None:
        outputs_empty = any(tensors[o.node.name].empty for o in analysis.outputs)
        outcome = _Outcome(None, "", (), run.empty, run.departure, run.healed, outputs_empty)
    if len(plan.seen) > 1 << 16:
        plan.seen.clear()
    plan.seen.update(dict.fromkeys(keys, outcome))
    return outcome


def _closed_form(layer: Layer, point: Mapping[str, int], memo: dict[int, T.Value]) -> _Tensor:
    """The layer's sizes as the analysis computes them (the spec's, continued past an empty
    tensor: every rewrite behind them holds for all integers)."""
    shape = layer.shape
    if shape.sizes is not None:
        return _Tensor(tuple(T.value(x, point, memo) for x in shape.sizes))
    features = shape.features
    if features is None:
        return _Tensor(None)
    return _Tensor(None, features.coeff * math.prod(T.value(f, point, memo)
                                                    for f in features.factors))


def _run_order(analysis: Analysis) -> list[Layer]:
    """The layers in the order onnxruntime runs them (the front-end's ``run_order``: of two
    independent branches it runs the later one in the file first), else in the analysis'."""
    by_name = {layer.node.name: layer for layer in analysis.layers}
    order = [by_name[n] for n in analysis.network.run_order if n in by_name]
    done: set[str] = set()
    for layer in order:
        if not set(layer.node.inputs) <= done:
            return list(analysis.layers)
        done.add(layer.node.name)
    return order if len(order) == len(by_name) == len(done) else list(analysis.layers)


def _own(layer: Layer, point: Mapping[str, int], memo: dict[int, T.Value]) -> Condition | None:
    return next((c for c in layer.conditions if not T.holds(c.cond, point, memo)), None)


def _label(layer: Layer) -> str:
    node = layer.node
    return f"{node.op or node.kind.value} {node.name!r}"


def _raised(layer: Layer, message: str, spec: Condition, ins: Sequence[_Tensor], exact: bool,
            point: Mapping[str, int], memo: dict[int, T.Value]) -> Condition:
    """onnxruntime raises at ``layer``: its own failing condition's words where the analysis'
    sizes of its inputs are onnxruntime's (``exact``), and what led there when something
    before it gave an empty tensor or departed from the spec."""
    cause = next((t.cause for t in ins if t.cause), "")
    if not cause and layer.node.name == spec.layer:
        return spec  # onnxruntime refuses where the spec does, for the same reason
    own = _own(layer, point, memo)
    text = own.message if own is not None and exact else message
    if cause:
        empty = any(t.empty for t in ins)
        text += (": its input is empty: " if empty else ": onnxruntime gets here after ") + cause
    # the layer's own condition where the analysis has one failing (else none to show)
    return Condition(layer.node.name, layer.index, text, T.FALSE if own is None else own.cond)


def _ran_through(spec: Condition, run: _Run, outputs_empty: bool, point: Mapping[str, int],
                 memo: dict[int, T.Value], where: str) -> Condition:
    """onnxruntime raises nowhere: the size is still not valid (a layer's output is empty,
    or the spec refuses a pool onnxruntime answers), and the message says so."""
    if run.empty is not None:
        layer, axes = run.empty
        what = (f"onnxruntime does not refuse: it returns an empty tensor here (size 0 on {axes} "
                f"at {where}) and runs on")
    elif run.departure is not None:
        layer, text = run.departure
        what = f"onnxruntime does not refuse: it {text} and runs on"
    else:
        return spec
    own = _own(layer, point, memo)
    first = (own.message if own is not None
             else f"the spec refuses the size at {spec.layer} ({spec.message})")
    if outputs_empty:
        tail = " to an empty output"
    elif run.healed is not None:
        tail = (f" ({_label(run.healed)} makes it non-empty again) to an output; symconv counts "
                "the size as not valid")
    else:
        tail = " to an output; symconv counts the size as not valid (it follows the spec)"
    return Condition(layer.node.name, layer.index, f"{first}: {what}{tail}",
                     T.FALSE if own is None else own.cond)


def _empty_axes(analysis: Analysis, t: _Tensor) -> str:
    if t.sizes is None:
        return "its features"
    return ", ".join(a for a, n in zip(analysis.axes, t.sizes, strict=True) if n == 0)


# --- one node ---------------------------------------------------------------------------------


def _values(params: Mapping[str, T.Lin | None], point: Mapping[str, int],
            memo: dict[int, T.Value]) -> dict[str, int]:
    return {k: v.const if v.is_const else T.value(v, point, memo)
            for k, v in params.items() if v is not None}


def _step(analysis: Analysis, layer: Layer, ins: Sequence[_Tensor],
          per: Sequence[Mapping[str, int]], point: Mapping[str, int], run: _Run) -> _Tensor:
    node = layer.node
    kind = node.kind
    if kind is Kind.INPUT:
        return _Tensor(tuple(point[a] for a in analysis.axes))
    x = ins[0]
    if kind in (Kind.FLATTEN, Kind.LINEAR, Kind.CONCAT, Kind.ELEMENTWISE, Kind.IDENTITY):
        return _merge_or_flat(analysis, layer, ins)
    if x.sizes is None:
        raise _Unknown(node.name)
    if kind is Kind.WINDOW:
        return _window(layer, x.sizes, per, run)
    if kind is Kind.ADAPTIVE_POOL:
        if x.empty and node.op.startswith("Global"):
            raise _Raise(f"onnxruntime: {node.op} of an empty input (Invalid input shape. Only "
                         "N can be zero)")
        return _Tensor(tuple(p["size"] for p in per))
    if kind is Kind.UPSAMPLE:
        return _Tensor(tuple(i * p["scale"] for i, p in zip(x.sizes, per, strict=True)))
    if kind is Kind.RESIZE:
        out = tuple(p["size"] for p in per)
        if any(i == 0 and o != 0 for i, o in zip(x.sizes, out, strict=True)):
            raise _Raise("onnxruntime: Resize: Input dim is zero but required output dim is "
                         "non-zero")
        if any(o < 1 for o in out) and not x.empty:
            raise _Raise("onnx: resizing needs an output size >= 1")
        return _Tensor(out)
    if kind is Kind.PAD:
        return _pad(layer, x.sizes, per)
    if kind is Kind.SLICE:
        return _Tensor(tuple(len(range(i)[p.get("start"):p.get("stop"):p["step"]])
                             for i, p in zip(x.sizes, per, strict=True)))
    raise _Unknown(node.name)


def _window(layer: Layer, sizes: tuple[int, ...], per: Sequence[Mapping[str, int]],
            run: _Run) -> _Tensor:
    rule = layer.rule
    node = layer.node
    if rule is None or rule.op not in (*_POOLS, "conv", "conv_transpose"):
        raise _Unknown(node.name)
    if rule.op in _POOLS and 0 in sizes:
        raise _Raise(f"onnxruntime: {node.op} of an empty input (Invalid input shape. Only N "
                     "can be zero)")
    outs = []
    for i, params in zip(sizes, per, strict=True):
        spec, refusal = _rule_at(rule.id, i, tuple(sorted(params.items())))
        if spec is None:
            raise _Unknown(node.name)
        if rule.op in _POOLS:
            out = _ort_pool(rule.padding, rule.ceil_mode, i, params, spec)
            if out < 0:
                raise _Raise(f"onnxruntime: {node.op}: Calculated output dimension is negative")
            if out >= 1 and out != spec and run.departure is None:
                run.departure = (layer, f"gives size {out} where the spec refuses (C++ "
                                        "division truncates toward zero)")
        else:
            out = spec
            if rule.op == "conv_transpose" and i == 0 and params.get("a", 0) > 0:
                raise _Raise("onnxruntime: ConvTranspose of an empty input with output_padding"
                             " > 0 (Computed output shape is inconsistent with input spatial "
                             "dimensions)")
            if out < 1:
                raise _Raise(ORT_EMPTY_OUTPUT[rule.op])
            if i >= 1 and refusal is not None:
                raise _Raise(f"onnx: {refusal}")
        outs.append(out)
    return _Tensor(tuple(outs))


@lru_cache(maxsize=1 << 16)
def _rule_at(rid: str, i: int, params: tuple[tuple[str, int], ...]
             ) -> tuple[int | None, str | None]:
    """Rule ``rid``'s output at input size ``i`` (None: not a constant here) and the message of
    its first refusal that holds there."""
    out, refusals = _rule_terms(rid, params)
    if out is None:
        return None, None
    env = {"i": i}
    refused = next((m for cond, m in refusals if T.holds(cond, env)), None)
    return T.value(out, env), refused


@lru_cache(maxsize=1 << 12)
def _rule_terms(rid: str, params: tuple[tuple[str, int], ...]
                ) -> tuple[T.Lin | None, tuple[tuple[T.Cond, str], ...]]:
    """Rule ``rid`` with constant parameters, as terms in its input size ``i``."""
    rule = R.get(rid)
    env = {k: T.const(v) for k, v in params} | {"i": T.var("i")}
    try:
        with T.plain():
            return build_lin(rule.expr, env), tuple((build_cond(when, env), message)
                                                    for when, message in rule.refusals)
    except NotPresburger:
        return None, ()


def _ort_pool(padding: str, ceil: bool, i: int, params: Mapping[str, int], spec: int) -> int:
    """onnxruntime's pooled size: the spec's except in floor mode, where C++ ``/`` truncates
    (SAME padding never gives less than 1 on a non-empty input)."""
    if ceil or padding.startswith("SAME"):
        return spec
    num = (i + params.get("p_begin", 0) + params.get("p_end", 0)
           - params["d"] * (params["k"] - 1) - 1)
    quotient = abs(num) // params["s"]
    return (quotient if num >= 0 else -quotient) + 1


def _pad(layer: Layer, sizes: tuple[int, ...], per: Sequence[Mapping[str, int]]) -> _Tensor:
    mode = str(layer.node.attrs.get("mode", "constant"))
    padded = [(i, p) for i, p in zip(sizes, per, strict=True) if p["begin"] or p["end"]]
    # onnxruntime checks only the axes it pads
    if mode != "constant" and any(i == 0 for i, _ in padded):
        raise _Raise(f"onnxruntime: Pad: Cannot use '{mode}' mode to pad dimension with a value "
                     "of 0")
    # nor does it reflect (or check the pads against the sizes) where there is nothing to copy
    if mode == "reflect" and 0 not in sizes and any(p["begin"] >= i or p["end"] >= i
                                                    for i, p in padded):
        raise _Raise("onnx: reflection padding must be smaller than the input")
    outs = []
    for i, p in zip(sizes, per, strict=True):
        out = i + p["begin"] + p["end"]
        if out < 0:
            raise _Raise("onnx: padding leaves a negative size")
        outs.append(out)
    return _Tensor(tuple(outs))


def _merge_or_flat(analysis: Analysis, layer: Layer, ins: Sequence[_Tensor]) -> _Tensor:
    node = layer.node
    kind = node.kind
    x = ins[0]
    if kind is Kind.IDENTITY:
        if node.op == "GroupNormalization" and x.empty:
            raise _Raise("onnxruntime: GroupNormalization of an empty input (its reshape "
                         "fails)")
        if node.op == "InstanceNormalization" and x.empty:
            # an empty graph input passes; an empty tensor from a pool before it crashes
            # onnxruntime 1.32 (SIGSEGV) instead of raising
            raise _Raise("onnxruntime: InstanceNormalization of an empty tensor: onnxruntime "
                         "1.32 crashes here (SIGSEGV)")
        return x
    if kind is Kind.FLATTEN:
        if x.sizes is None:
            return x
        channels = analysis.layer(node.inputs[0]).shape.channels
        features = None if channels is None else channels * math.prod(x.sizes)
        fixed = node.attrs.get("features")
        if fixed is not None and features != fixed:
            raise _Raise("onnx: the element count must equal the fixed feature count")
        return _Tensor(None, features)
    if kind is Kind.LINEAR:
        want = node.attrs.get("in_features")
        got = x.features if x.sizes is None else x.sizes[-1]
        if got is None or got != want:
            raise _Raise(f"onnxruntime: {node.op}: {got} features, needs {want}")
        if x.sizes is not None:
            return _Tensor((*x.sizes[:-1], node.channels or 0))
        return _Tensor(None, node.channels)
    if x.sizes is None or any(t.sizes is None for t in ins):
        if kind is Kind.CONCAT:
            return _Tensor(None, sum(t.features or 0 for t in ins))
        return _Tensor(None, x.features)
    shapes = [t.sizes for t in ins if t.sizes is not None]
    if kind is Kind.CONCAT:
        # onnxruntime's Concat leaves an empty input out of its checks and its output
        kept = [s for t, s in zip(ins, shapes, strict=True) if not t.empty] or shapes
        if any(s != kept[0] for s in kept):
            raise _Raise("onnx: concatenated tensors need equal sizes on the other axes")
        return _Tensor(kept[0])
    out = list(shapes[0])
    for other in shapes[1:]:
        for j, n in enumerate(other):
            if out[j] != n and 1 not in (out[j], n):
                raise _Raise("onnx: sizes must be equal or 1 to broadcast")
            out[j] = n if out[j] == 1 else out[j]
    return _Tensor(tuple(out))
