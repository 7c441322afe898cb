"""What each kind of layer does to one spatial axis, per framework: the output size and the
conditions (each with the framework's own message, in the framework's order of checks).

PyTorch's messages are distinctive parts of what torch 2.13.0 raises on CPU tensors (checked by
running it; the ``meta`` device words some differently, e.g. "Attempting to broadcast a
dimension" for an add). Sources: ``aten/src/ATen/native/PadNd.cpp`` (``constant_pad_nd`` narrows
for negative pads before padding), ``ReflectionPad.cpp`` / ``ReplicationPadding.cpp``
(``padding::check_valid_input``: every non-batch dimension non-zero; reflection pads below the
input size), ``torch/nn/functional.py`` ``_pad_circular`` (no wrap-around more than once),
``TensorShape.cpp`` (cat), ``TensorIterator.cpp`` (broadcasting), ``Linear.cpp`` / ``Blas.cpp``
(``mat1 and mat2``), ``Pool.h`` and ``DilatedMaxPool2d.cpp`` (zero-size inputs),
``AdaptiveAveragePooling.cpp``, ``UpSample.h``. The guide has no such layers: for it a size is
simply a positive integer and merges need equal sizes (no broadcasting).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from symconv.network import terms as T
from symconv.network.rules import RuleSpec

BROADCASTING = frozenset({"torch", "onnx", "tf", "jax", "keras"})  # keras: its Add layer too

TORCH_ZERO_CONV = "Only zero batch or zero channel inputs are supported"
TORCH_ZERO_POOL = "(batch mode) tensor with optional 0 dim batch size for input"
TORCH_ZERO_POOL3D = "non-batch dimensions to have positive length"
TORCH_POOL_TOO_SMALL = "Output size is too small"
TORCH_AVG3D_KERNEL = "smaller than kernel size"
TORCH_CAT = "Sizes of tensors must match except in dimension 1"
TORCH_BROADCAST = "must match the size of tensor b"
TORCH_LINEAR = "mat1 and mat2 shapes cannot be multiplied"
TORCH_VIEW = "is invalid for input of size"
TORCH_NARROW = "narrow(): length must be non-negative"
TORCH_PAD_ZERO = "with possibly 0 batch size and other non-zero dimensions"
TORCH_REFLECT = "Padding size should be less than the corresponding input dimension"
TORCH_CIRCULAR = "Padding value causes wrapping around more than once"
TORCH_ADAPTIVE_ZERO = "Expected input to have non-zero size for non-batch dimensions"
TORCH_INTERPOLATE_ZERO = "Input and output sizes should be greater than 0"
# onnxruntime's refusal of a Conv / ConvTranspose output size <= 0 (its words, onnxruntime 1.32)
ORT_EMPTY_OUTPUT = {
    "conv": "onnxruntime: Conv: Invalid input shape (an output size is < 1)",
    "conv_transpose": "onnxruntime: ConvTranspose: Computed output dimension is <= 0"}


@dataclass(frozen=True, slots=True)
class Check:
    """The layer accepts where ``cond`` holds; otherwise the framework says ``message``.
    ``parameter``: the check reads the layer's parameters only (a false one is bad input, not
    an empty valid set)."""

    message: str
    cond: T.Cond
    parameter: bool = False


def _generic(framework: str, text: str) -> str:
    return f"{framework}: {text}"


def positive_input(framework: str, what: str) -> str:
    """Message for an empty (size 0) input where the framework's message is not modelled."""
    return _generic(framework, f"{what} needs an input size >= 1")


def window_checks(rule: RuleSpec, rank: int, i: T.Lin, refusals: Sequence[Check],
                  params: dict[str, T.Lin], output: T.Lin) -> list[Check]:
    """The rule's refusals with the size-0 checks where the framework makes them, and
    PyTorch's rank-specific wording (the rules are conformance-tested in one dimension)."""
    nonempty = T.ge(i, 1)
    out = list(refusals)
    if rule.framework == "onnx" and rule.op in ORT_EMPTY_OUTPUT:
        # The spec and its reference evaluator return an empty tensor from a Conv or
        # ConvTranspose whose output size is 0; onnxruntime refuses it (1.32, every
        # optimisation level), as it refuses an empty input, and so does PyTorch (torch.* rules)
        out.append(Check(ORT_EMPTY_OUTPUT[rule.op], T.ge(output, 1)))
    if rule.framework != "torch":
        return [Check(positive_input(rule.framework, rule.id), nonempty), *out]
    if rule.op == "conv":
        # check_shape_forward: the kernel-size check first, then the zero-size one
        return [*out[:1], Check(TORCH_ZERO_CONV, nonempty), *out[1:]]
    if rule.op == "conv_transpose":
        return [Check(TORCH_ZERO_CONV, nonempty), *out]
    zero = TORCH_ZERO_POOL if rank <= 2 else TORCH_ZERO_POOL3D
    if rank >= 2:
        # max_pool2d/3d say "Output size is too small" where max_pool1d says "Invalid computed
        # output size" (the rule's message)
        out = [Check(TORCH_POOL_TOO_SMALL, c.cond, c.parameter)
               if "Invalid computed output size" in c.message else c for c in out]
    if rank == 3 and rule.op == "avg_pool":
        # avg_pool3d's pool3d_shape_check also wants the unpadded input to hold the kernel
        out = [*out[:-1], Check(TORCH_AVG3D_KERNEL, T.ge(i, params["k"])), *out[-1:]]
    return [Check(zero, nonempty), *out]


def adaptive(framework: str, i: T.Lin, size: T.Lin) -> tuple[T.Lin, list[Check]]:
    message = (TORCH_ADAPTIVE_ZERO if framework == "torch"
               else positive_input(framework, "adaptive pooling"))
    return size, [Check(message, T.ge(i, 1))]


def interpolate(framework: str, i: T.Lin, out: T.Lin) -> tuple[T.Lin, list[Check]]:
    message = (TORCH_INTERPOLATE_ZERO if framework == "torch"
               else positive_input(framework, "resizing"))
    return out, [Check(message, T.conj(T.ge(i, 1), T.ge(out, 1)))]


def pad(framework: str, mode: str, i: T.Lin, begin: T.Lin, end: T.Lin
        ) -> tuple[T.Lin, list[Check]]:
    out = i + begin + end
    if framework != "torch":
        checks = [Check(_generic(framework, "padding leaves a negative size"), T.ge(out, 0))]
        if mode == "reflect":
            checks.append(Check(_generic(framework, "reflection padding must be smaller than "
                                         "the input"), T.conj(T.lt(begin, i), T.lt(end, i))))
        return out, checks
    if mode == "constant":
        # narrows for each negative pad (begin, then end), then pads: the second narrowing's
        # length is the smaller, so it alone decides
        return out, [Check(TORCH_NARROW, T.ge(i + T.minimum(begin, 0) + T.minimum(end, 0), 0))]
    if mode == "reflect":
        return out, [Check(TORCH_PAD_ZERO, T.ge(i, 1)),
                     Check(TORCH_REFLECT, T.conj(T.lt(begin, i), T.lt(end, i)))]
    if mode == "replicate":
        return out, [Check(TORCH_PAD_ZERO, T.ge(i, 1))]
    return out, [Check(TORCH_CIRCULAR, T.conj(T.le(begin, i), T.le(end, i)))]


def slice_length(i: T.Lin, start: T.Lin | None, stop: T.Lin | None, step: int) -> T.Lin:
    """len(range(n)[start:stop:step]) for step ≥ 1, Python's clamping and negative indices."""
    first = T.const(0) if start is None else _index(i, start)
    last = i if stop is None else _index(i, stop)
    return T.maximum(0, T.floor_div(last - first + step - 1, step))


def slice_start(i: T.Lin, start: T.Lin | None) -> T.Lin:
    return T.const(0) if start is None else _index(i, start)


def _index(n: T.Lin, index: T.Lin) -> T.Lin:
    if index.is_const:
        return T.minimum(index, n) if index.const >= 0 else T.maximum(n + index, 0)
    return T.ite(T.ge(index, 0), T.minimum(index, n), T.maximum(n + index, 0))


def center_crop(framework: str, x: T.Lin, ref: T.Lin) -> tuple[T.Lin, list[Check]]:
    return ref, [Check(_generic(framework, "a center crop needs the input at least as large as "
                                "the reference"), T.ge(x, ref))]


def concat(framework: str, sizes: Sequence[T.Lin]) -> tuple[T.Lin, list[Check]]:
    message = TORCH_CAT if framework == "torch" else _generic(
        framework, "concatenated tensors need equal sizes on the other axes")
    return sizes[0], [Check(message, T.conj(*(T.eq(s, sizes[0]) for s in sizes[1:])))]


def elementwise(framework: str, sizes: Sequence[T.Lin]) -> tuple[T.Lin, list[Check]]:
    """Broadcasting (a size-1 axis meets any size) where the framework has it, folded left to
    right as a chain of binary operations does."""
    if framework not in BROADCASTING:
        message = _generic(framework, "an elementwise operation needs equal sizes")
        return sizes[0], [Check(message, T.conj(*(T.eq(s, sizes[0]) for s in sizes[1:])))]
    message = TORCH_BROADCAST if framework == "torch" else _generic(
        framework, "sizes must be equal or 1 to broadcast")
    out = sizes[0]
    checks: list[Check] = []
    for other in sizes[1:]:
        checks.append(Check(message, T.disj(T.eq(out, other), T.eq(out, 1), T.eq(other, 1))))
        out = T.ite(T.eq(out, 1), other, out)
    return out, checks


def linear_message(framework: str) -> str:
    return TORCH_LINEAR if framework == "torch" else _generic(
        framework, "the features must equal the linear layer's in_features")


def view_message(framework: str) -> str:
    return TORCH_VIEW if framework == "torch" else _generic(
        framework, "the element count must equal the fixed feature count")
