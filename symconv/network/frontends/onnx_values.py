"""Small ONNX tensors known at analysis time, with exact integer semantics: the constants of a
graph and the values of its shape computations (``Shape → Gather → Sub → Div → Concat`` in an
export with dynamic axes), whose elements are integers or SymPy expressions over
:func:`symconv.network.ir.size_symbol` symbols.

Pure: no onnx import. Each operation follows the ONNX operator as ONNX runtimes compute it on
int64 tensors; where that differs from Python it says so (``Div`` truncates toward zero).
Floating-point values are kept only as constants (a Resize scale): arithmetic on a float that
depends on a size is refused, because float arithmetic is never exact for every size.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeAlias

import sympy as sp

from symconv.frameworks.base import trunc_div

Scalar: TypeAlias = int | float | sp.Expr

# Tensors with more elements than this are kept by shape only (weights); no shape computation
# in a real export comes near it.
MAX_TRACKED = 4096


class DType(Enum):
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"


class ShapeValueError(ValueError):
    """An operation on known values that ONNX would refuse or symconv cannot do exactly; the
    front-end adds the node's name."""


@dataclass(frozen=True, slots=True)
class Const:
    """A tensor whose shape is known, and whose elements (row-major) are known unless
    ``values`` is None (a weight, kept by shape only)."""

    shape: tuple[int, ...]
    dtype: DType
    values: tuple[Scalar, ...] | None

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def known(self, what: str) -> tuple[Scalar, ...]:
        if self.values is None:
            raise ShapeValueError(f"{what} is a tensor of {self.size} elements, not a small "
                                  "constant")
        return self.values

    def ints(self, what: str) -> tuple[int | sp.Expr, ...]:
        """The elements as integers (symbolic allowed); refuses floats."""
        out: list[int | sp.Expr] = []
        for v in self.known(what):
            if isinstance(v, float) or self.dtype is DType.FLOAT:
                raise ShapeValueError(f"{what} must be integers, got {v!r}")
            out.append(v)
        return tuple(out)

    def concrete_ints(self, what: str) -> tuple[int, ...]:
        out: list[int] = []
        for v in self.ints(what):
            c = concrete(v)
            if c is None:
                raise ShapeValueError(f"{what} must be constant, got {v} (it depends on a size)")
            out.append(c)
        return tuple(out)


def concrete(v: Scalar) -> int | None:
    """``v`` as a Python int when it is an integer constant (SymPy or not), else None."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, sp.Integer):
        return int(v)
    return None


def const(shape: Sequence[int], dtype: DType, values: Sequence[Scalar] | None) -> Const:
    shape = tuple(int(n) for n in shape)
    if values is None or math.prod(shape) > MAX_TRACKED:
        return Const(shape, dtype, None)
    vals = tuple(_normal(v, dtype) for v in values)
    if len(vals) != math.prod(shape):
        raise ShapeValueError(f"{len(vals)} values for shape {list(shape)}")
    return Const(shape, dtype, vals)


def _normal(v: Scalar, dtype: DType) -> Scalar:
    if dtype is DType.FLOAT:
        return float(v) if concrete(v) is not None or isinstance(v, float) else v
    c = concrete(v)
    return c if c is not None else sp.sympify(v)


def scalar(v: int | sp.Expr) -> Const:
    return const((), DType.INT, (v,))


def vector(values: Sequence[int | sp.Expr]) -> Const:
    return const((len(values),), DType.INT, tuple(values))


# --- broadcasting arithmetic (numpy's rules, as ONNX's multidirectional broadcasting) --------


def broadcast_shape(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    out: list[int] = []
    for x, y in itertools.zip_longest(reversed(a), reversed(b), fillvalue=1):
        if x != y and 1 not in (x, y):
            raise ShapeValueError(f"shapes {list(a)} and {list(b)} do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def _index(shape: tuple[int, ...], out_shape: tuple[int, ...], pos: tuple[int, ...]) -> int:
    offset = len(out_shape) - len(shape)
    flat = 0
    for axis, n in enumerate(shape):
        flat = flat * n + (0 if n == 1 else pos[axis + offset])
    return flat


def elementwise(op: str, args: Sequence[Const]) -> Const:
    """``Add``, ``Sub``, ``Mul``, ``Div``, ``Mod``, ``Min``, ``Max`` over known values."""
    fn = _BINARY[op]
    shape: tuple[int, ...] = ()
    for x in args:
        shape = broadcast_shape(shape, x.shape)
    dtype = DType.FLOAT if any(x.dtype is DType.FLOAT for x in args) else DType.INT
    vals = [x.known(f"input of {op}") for x in args]
    out: list[Scalar] = []
    for pos in itertools.product(*(range(n) for n in shape)):
        items = [v[_index(x.shape, shape, pos)] for x, v in zip(args, vals, strict=True)]
        acc = items[0]
        for item in items[1:]:
            acc = fn(acc, item, dtype)
        out.append(acc)
    return const(shape, dtype, out)


def _symbolic_float(a: Scalar, b: Scalar, dtype: DType) -> None:
    if dtype is DType.FLOAT and not all(isinstance(x, (int, float)) for x in (a, b)):
        raise ShapeValueError("a size is computed in floating point; symconv does not take float "
                          "arithmetic as exact for every size")


def _add(a: Scalar, b: Scalar, dtype: DType) -> Scalar:
    _symbolic_float(a, b, dtype)
    return a + b


def _sub(a: Scalar, b: Scalar, dtype: DType) -> Scalar:
    _symbolic_float(a, b, dtype)
    return a - b


def _mul(a: Scalar, b: Scalar, dtype: DType) -> Scalar:
    _symbolic_float(a, b, dtype)
    return a * b


def _div(a: Scalar, b: Scalar, dtype: DType) -> Scalar:
    _symbolic_float(a, b, dtype)
    if dtype is DType.FLOAT:
        if b == 0:
            raise ShapeValueError("division by zero")
        return float(a) / float(b)
    return int_div(a, b)


def int_div(a: Scalar, b: Scalar) -> int | sp.Expr:
    """ONNX ``Div`` on integers, as the reference evaluator and onnxruntime compute it: C++
    ``/``, rounding toward zero (−7 / 2 = −3, where Python's ``//`` gives −4)."""
    num, den = concrete(a), concrete(b)
    if den is None:
        raise ShapeValueError(f"division by {b}, which depends on a size")
    if den == 0:
        raise ShapeValueError("integer division by zero")
    if num is not None:
        q = abs(num) // abs(den)
        return q if (num >= 0) == (den > 0) else -q
    expr = sp.sympify(a)
    sign = 1 if den > 0 else -1
    if expr.is_nonnegative:
        return sign * sp.floor(expr / abs(den))
    result: sp.Expr = sign * trunc_div(expr, sp.Integer(abs(den)))
    return result


def _mod(a: Scalar, b: Scalar, dtype: DType) -> Scalar:
    # Mod with fmod=0: the sign of the divisor, as Python's % (checked against onnxruntime)
    _symbolic_float(a, b, dtype)
    den = concrete(b)
    if den is None or dtype is DType.FLOAT:
        raise ShapeValueError(f"Mod by {b} is not supported")
    if den == 0:
        raise ShapeValueError("integer modulo by zero")
    num = concrete(a)
    return num % den if num is not None else sp.Mod(a, den)


def _min(a: Scalar, b: Scalar, dtype: DType) -> Scalar:
    _symbolic_float(a, b, dtype)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return min(a, b)
    return sp.Min(a, b)


def _max(a: Scalar, b: Scalar, dtype: DType) -> Scalar:
    _symbolic_float(a, b, dtype)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return max(a, b)
    return sp.Max(a, b)


_BINARY: dict[str, Callable[[Scalar, Scalar, DType], Scalar]] = {
    "Add": _add, "Sub": _sub, "Mul": _mul, "Div": _div, "Mod": _mod, "Min": _min, "Max": _max,
    "Sum": _add,
}
BINARY_OPS = frozenset(_BINARY)


def neg(x: Const) -> Const:
    vals = x.known("input of Neg")
    if x.dtype is DType.FLOAT and not all(isinstance(v, float) for v in vals):
        raise ShapeValueError("a size is negated in floating point")
    return const(x.shape, x.dtype, [-v for v in vals])


def cast(x: Const, to: DType) -> Const:
    """``Cast``: int ↔ float on constants; a float → int cast truncates toward zero. A size
    cast to float is refused (float arithmetic is never exact for every size)."""
    if x.values is None:
        return Const(x.shape, to, None)
    out: list[Scalar] = []
    for v in x.values:
        if to is DType.FLOAT:
            c = concrete(v)
            if c is None and not isinstance(v, float):
                raise ShapeValueError("a size is cast to floating point; symconv does not take "
                                  "float arithmetic as exact for every size")
            out.append(float(c) if c is not None else v)
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise ShapeValueError(f"cast of {v} to an integer")
            out.append(int(v))  # C cast: toward zero
        elif to is DType.BOOL:
            c = concrete(v)
            if c is None:
                raise ShapeValueError(f"cast of {v} to bool depends on a size")
            out.append(int(c != 0))
        else:
            out.append(v)
    return const(x.shape, to, out)


# --- moving elements around ------------------------------------------------------------------


def _strides(shape: Sequence[int]) -> list[int]:
    out = [1] * len(shape)
    for axis in range(len(shape) - 2, -1, -1):
        out[axis] = out[axis + 1] * shape[axis + 1]
    return out


def norm_axis(axis: int, rank: int, what: str) -> int:
    if not -rank <= axis < rank:
        raise ShapeValueError(f"{what} {axis} is out of range for rank {rank}")
    return axis % rank


def gather(x: Const, indices: Const, axis: int) -> Const:
    vals = x.known("data of Gather")
    axis = norm_axis(axis, len(x.shape), "axis")
    n = x.shape[axis]
    idx = [norm_axis(i, n, "index") for i in indices.concrete_ints("indices of Gather")]
    outer, inner = math.prod(x.shape[:axis]), math.prod(x.shape[axis + 1:])
    out: list[Scalar] = []
    for o in range(outer):
        for i in idx:
            base = (o * n + i) * inner
            out.extend(vals[base:base + inner])
    shape = (*x.shape[:axis], *indices.shape, *x.shape[axis + 1:])
    return const(shape, x.dtype, out)


def reshape(x: Const, shape: Sequence[int], allowzero: bool) -> Const:
    target = [x.shape[axis] if n == 0 and not allowzero and axis < len(x.shape) else n
              for axis, n in enumerate(shape)]
    if target.count(-1) > 1:
        raise ShapeValueError(f"Reshape target {list(shape)} has more than one -1")
    if -1 in target:
        rest = math.prod(n for n in target if n != -1)
        if rest == 0 or x.size % rest:
            raise ShapeValueError(f"cannot reshape {list(x.shape)} to {list(shape)}")
        target[target.index(-1)] = x.size // rest
    if math.prod(target) != x.size or any(n < 0 for n in target):
        raise ShapeValueError(f"cannot reshape {list(x.shape)} to {list(shape)}")
    return Const(tuple(target), x.dtype, x.values)


def unsqueeze(x: Const, axes: Sequence[int]) -> Const:
    rank = len(x.shape) + len(axes)
    where = sorted(norm_axis(a, rank, "axis") for a in axes)
    shape = list(x.shape)
    for a in where:
        shape.insert(a, 1)
    return Const(tuple(shape), x.dtype, x.values)


def squeeze(x: Const, axes: Sequence[int] | None) -> Const:
    rank = len(x.shape)
    drop = ({norm_axis(a, rank, "axis") for a in axes} if axes is not None
            else {a for a, n in enumerate(x.shape) if n == 1})
    if any(x.shape[a] != 1 for a in drop):
        raise ShapeValueError(f"Squeeze of an axis whose size is not 1 (shape {list(x.shape)})")
    return Const(tuple(n for a, n in enumerate(x.shape) if a not in drop), x.dtype, x.values)


def concat(parts: Sequence[Const], axis: int) -> Const:
    rank = len(parts[0].shape)
    axis = norm_axis(axis, rank, "axis")
    for part in parts:
        if len(part.shape) != rank or any(
                part.shape[a] != parts[0].shape[a] for a in range(rank) if a != axis):
            raise ShapeValueError("Concat of tensors whose shapes differ off the concat axis")
    dtype = DType.FLOAT if any(p.dtype is DType.FLOAT for p in parts) else parts[0].dtype
    shape = (*parts[0].shape[:axis], sum(p.shape[axis] for p in parts), *parts[0].shape[axis + 1:])
    if any(p.values is None for p in parts):
        return Const(shape, dtype, None)
    outer = math.prod(parts[0].shape[:axis])
    out: list[Scalar] = []
    for o in range(outer):
        for p in parts:
            chunk = math.prod(p.shape[axis:])
            out.extend(p.known("Concat input")[o * chunk:(o + 1) * chunk])
    return const(shape, dtype, out)


def transpose(x: Const, perm: Sequence[int] | None) -> Const:
    rank = len(x.shape)
    order = list(perm) if perm is not None else list(range(rank))[::-1]
    if sorted(order) != list(range(rank)):
        raise ShapeValueError(f"perm {order} is not a permutation of the {rank} axes")
    shape = tuple(x.shape[a] for a in order)
    if x.values is None:
        return Const(shape, x.dtype, None)
    src = _strides(x.shape)
    out = [x.values[sum(pos[j] * src[order[j]] for j in range(rank))]
           for pos in itertools.product(*(range(n) for n in shape))]
    return const(shape, x.dtype, out)


def slice_indices(n: int, start: int, stop: int, step: int) -> range:
    """ONNX ``Slice`` along one axis of length n: the indices kept. ONNX adds n to a negative
    start or end and clamps ([0, n] for a positive step, [−1, n − 1] for a negative one):
    Python's slice semantics exactly."""
    if step == 0:
        raise ShapeValueError("Slice step must not be 0")
    return range(n)[start:stop:step]


def slice_(x: Const, starts: Sequence[int], ends: Sequence[int], axes: Sequence[int],
           steps: Sequence[int]) -> Const:
    vals = x.known("data of Slice")
    rank = len(x.shape)
    keep = [range(n) for n in x.shape]
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        a = norm_axis(axis, rank, "axis")
        keep[a] = slice_indices(x.shape[a], start, end, step)
    src = _strides(x.shape)
    out = [vals[sum(p * st for p, st in zip(pos, src, strict=True))]
           for pos in itertools.product(*keep)]
    return const(tuple(len(r) for r in keep), x.dtype, out)


def constant_of_shape(shape: Sequence[int], fill: Scalar, dtype: DType) -> Const:
    if any(n < 0 for n in shape):
        raise ShapeValueError(f"ConstantOfShape with a negative dimension: {list(shape)}")
    return const(tuple(shape), dtype, [fill] * math.prod(shape))


def range_(start: Scalar, limit: Scalar, delta: Scalar) -> Const:
    ints = [concrete(v) for v in (start, limit, delta)]
    if any(v is None for v in ints):
        raise ShapeValueError("Range whose bounds depend on a size")
    lo, hi, step = (v for v in ints if v is not None)
    if step == 0:
        raise ShapeValueError("Range delta must not be 0")
    values = list(range(lo, hi, step))
    return const((len(values),), DType.INT, values)
