"""Shapes without z3 or sympy: :func:`shape` (what ``symconv shape`` prints), and the verified
shape helpers of ``generated/python/convshape.py``, typed, for ``from symconv import
conv_output_size`` and the rest. Each forwards to the generated function (standard library
only, proved equal to its relation); the docstrings there give the formula and the conditions.

Bad input raises :class:`~symconv.errors.UsageError` naming the parameter and the violated
condition, as every function of the API does: the generated helper's ValueError becomes a
UsageError (a ValueError), its TypeError for a non-int (``bool`` and floats included; numpy.int64
and any type with ``__index__`` are taken as their int) a
:class:`~symconv.errors.UsageTypeError` (a UsageError and a TypeError). A test holds every
signature here to the generated one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any, NamedTuple, ParamSpec, TypeVar, cast

from symconv.errors import UsageError, UsageTypeError
from symconv.genload import load_convshape

__all__ = [
    "ShapeResult",
    "conv_output_size",
    "conv_shape",
    "conv_transpose_shape",
    "input_size_range",
    "pool_output_size",
    "pool_shape",
    "same_padding",
    "shape",
    "transposed_conv_a",
    "transposed_conv_output_size",
]


P = ParamSpec("P")
R = TypeVar("R")


def _usage_errors(helper: Callable[P, R]) -> Callable[P, R]:
    """``helper`` raising the API's UsageError where the generated function raises ValueError
    or TypeError (message unchanged)."""

    @wraps(helper)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return helper(*args, **kwargs)
        except UsageError:
            raise
        except TypeError as exc:
            raise UsageTypeError(str(exc)) from None
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    return call


@_usage_errors
def conv_output_size(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Relation 15: ``(i + 2p - d(k-1) - 1) // s + 1``."""
    return cast(int, load_convshape().conv_output_size(i, k, s, p, d))


@_usage_errors
def transposed_conv_output_size(
    i: int, k: int, s: int = 1, p: int = 0, d: int = 1, a: int = 0
) -> int:
    """Relation 14 (dilated): ``s(i - 1) + d(k - 1) + a + 1 - 2p``, with ``0 <= a <= s - 1``."""
    return cast(int, load_convshape().transposed_conv_output_size(i, k, s, p, d, a))


@_usage_errors
def transposed_conv_a(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """The a that makes the transpose of this convolution restore i: ``(i + 2p - d(k-1) - 1) %
    s``."""
    return cast(int, load_convshape().transposed_conv_a(i, k, s, p, d))


@_usage_errors
def pool_output_size(i: int, k: int, s: int, p: int = 0, d: int = 1) -> int:
    """Pooling along one axis (floor mode): ``(i + 2p - d(k-1) - 1) // s + 1``."""
    return cast(int, load_convshape().pool_output_size(i, k, s, p, d))


@_usage_errors
def same_padding(i: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """(before, after) padding for output ``ceil(i/s)``, the extra unit after."""
    return cast(tuple[int, int], load_convshape().same_padding(i, k, s, d))


@_usage_errors
def input_size_range(o: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> range:
    """Every input size whose output is o, as ``range(lo, hi + 1)``."""
    return cast(range, load_convshape().input_size_range(o, k, s, p, d))


@_usage_errors
def conv_shape(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> tuple[int, ...]:
    """Output shape (N, C_out, *spatial) of a convolution: the guide's R15 per axis, in
    PyTorch's tensor layout (PyTorch answers exactly there, with these sizes)."""
    return cast(tuple[int, ...], load_convshape().conv_shape(
        input_shape, weight_shape, stride, padding, dilation, groups))


@_usage_errors
def conv_transpose_shape(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
) -> tuple[int, ...]:
    """Output shape of a transposed convolution: the guide's R14 per axis (0 <= a <= s - 1),
    in PyTorch's tensor layout; symconv's argument order (stride, padding, dilation,
    output_padding, groups)."""
    return cast(tuple[int, ...], load_convshape().conv_transpose_shape(
        input_shape, weight_shape, stride, padding, dilation, output_padding, groups))


@_usage_errors
def pool_shape(
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
) -> tuple[int, ...]:
    """Output shape of a pooling (floor mode; stride defaults to the kernel size)."""
    return cast(tuple[int, ...], load_convshape().pool_shape(
        input_shape, kernel_size, stride, padding, dilation))


# ---- shape ---------------------------------------------------------------------------------------

# kind -> (core helper, relation, formula shown)
SHAPE_KINDS = {
    "conv": ("conv_output_size", "R15", "o = (i + 2p - d(k-1) - 1) // s + 1"),
    "transposed-conv": (
        "transposed_conv_output_size", "R14", "o' = s(i' - 1) + a + d(k-1) + 1 - 2p",
    ),
    "pool": ("pool_output_size", "R7", "o = (i + 2p - d(k-1) - 1) // s + 1 (floor mode)"),
}
# kind -> the op of a framework rule (symconv.shapebatch)
SHAPE_OPS = {"conv": "conv", "transposed-conv": "conv_transpose", "pool": "max_pool",
             "max-pool": "max_pool", "avg-pool": "avg_pool"}
# the rule ids' names of the kinds (conv_transpose, max_pool), with either separator
KIND_ALIASES = {"conv-transpose": "transposed-conv", "conv_transpose": "transposed-conv",
                "transposed_conv": "transposed-conv", "max_pool": "max-pool",
                "avg_pool": "avg-pool"}


def kind_name(text: str) -> str:
    """The kind ``text`` names: a kind of :data:`SHAPE_OPS` or one of :data:`KIND_ALIASES`
    (any other text is returned as given, for the caller's error)."""
    return KIND_ALIASES.get(text, text)


# the registry's (symconv.frameworks), named here too: this module imports no SymPy
FRAMEWORKS = ("guide", "torch", "tf", "onnx", "jax", "keras")


class ShapeResult(NamedTuple):
    """An output shape, with what computed it: a relation and its generated helper (the
    guide's core), or the framework rules chosen per axis (``generated/python/
    frameworkshape.py``). ``axes`` holds each axis' parameters and output.

    A NamedTuple, not a dataclass: ``symconv shape`` starts in a few ms, and importing
    ``dataclasses`` (with ``inspect``) alone costs more than the rest of the command."""

    kind: str
    framework: str | None
    output: tuple[int, ...]
    rules: tuple[str, ...]
    helper: str
    formula: str
    axes: tuple[Mapping[str, object], ...]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "framework": self.framework, "output": list(self.output),
                "rules": list(self.rules), "helper": self.helper, "formula": self.formula or None,
                "axes": [dict(a) for a in self.axes]}


IntOrList = int | Sequence[int]


def _axes(name: str, value: IntOrList | None, rank: int) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, int | list | tuple):
        raise UsageError(f"{name} must be an int or a list of ints, got "
                         f"{type(value).__name__}")
    values = [value] if isinstance(value, int) else list(value)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int):
            raise UsageError(f"{name} must be an int or a list of ints, got {v!r}")
    if len(values) == 1:
        return values * rank
    if len(values) != rank:
        raise UsageError(
            f"{name} needs one value or one per spatial axis ({rank}), got {len(values)}")
    return values


def _generated(loader: str) -> Any:
    import symconv.genload

    try:
        return getattr(symconv.genload, loader)()
    except ImportError as exc:
        raise UsageError(
            f"the generated helpers are missing ({exc}): run `symconv generate`") from None


def shape(
    kind: str,
    input: IntOrList,
    kernel: IntOrList,
    *,
    stride: IntOrList | None = None,
    padding: IntOrList | None = None,
    dilation: IntOrList | None = None,
    output_padding: IntOrList | None = None,
    framework: str | None = None,
    mode: str | None = None,
    ceil_mode: bool = False,
    p_begin: IntOrList | None = None,
    p_end: IntOrList | None = None,
) -> ShapeResult:
    """Output shape of ``kind`` (conv, transposed-conv, pool; with a framework also max-pool,
    avg-pool; the rule ids' conv_transpose, max_pool, avg_pool too) over spatial ``input``
    sizes, one value per axis (a single value broadcasts): the guide's relations through the
    generated helpers, or ``framework``'s rule (with its padding ``mode``, ``ceil_mode``,
    ``p_begin``/``p_end``). Never imports z3 or sympy."""
    kind = kind_name(kind) if isinstance(kind, str) else kind
    if kind not in SHAPE_OPS:
        raise UsageError(f"kind must be one of {', '.join(sorted(SHAPE_OPS))} (or "
                         f"{', '.join(sorted(KIND_ALIASES))}), got {kind!r}")
    if not isinstance(input, int | list | tuple):
        raise UsageError(f"input must be an int or a list of ints, got {type(input).__name__}")
    rank = 1 if isinstance(input, int) else len(input)
    if rank == 0:
        raise UsageError("input needs at least one spatial size")
    values = {
        "i": _axes("input", input, rank), "k": _axes("kernel", kernel, rank),
        "s": _axes("stride", stride, rank), "p": _axes("padding", padding, rank),
        "d": _axes("dilation", dilation, rank), "a": _axes("output-padding", output_padding,
                                                           rank),
        "p_begin": _axes("p-begin", p_begin, rank), "p_end": _axes("p-end", p_end, rank),
    }
    if framework is not None:
        if framework not in FRAMEWORKS:
            raise UsageError(f"framework must be one of {', '.join(FRAMEWORKS)}, got "
                             f"{framework!r}")
        return _framework_shape(kind, framework, values, rank, mode, ceil_mode)
    if kind not in SHAPE_KINDS:
        raise UsageError(f"{kind} needs a framework (the guide's pool is `pool`)")
    if mode is not None or ceil_mode or p_begin is not None or p_end is not None:
        raise UsageError("--mode, --ceil-mode, --p-begin and --p-end need --framework")
    if output_padding is not None and kind != "transposed-conv":
        raise UsageError("--output-padding applies to transposed-conv only")
    return _core_shape(kind, values, rank)


def _core_shape(kind: str, values: Mapping[str, list[int] | None], rank: int) -> ShapeResult:
    helper_name, relation, formula = SHAPE_KINDS[kind]
    helper = getattr(_generated("load_convshape"), helper_name)
    ks = values["k"]
    assert ks is not None
    names = ("i", "k", "s", "p", "d", "a") if kind == "transposed-conv" else ("i", "k", "s",
                                                                              "p", "d")
    defaults = {"s": ks if kind == "pool" else [1] * rank, "p": [0] * rank, "d": [1] * rank,
                "a": [0] * rank}
    columns = {n: values[n] or defaults[n] for n in names}
    outputs, axes = [], []
    for axis in range(rank):
        args = {n: columns[n][axis] for n in names}
        try:
            o = helper(**args)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{f'axis {axis}: ' if rank > 1 else ''}{exc}") from None
        outputs.append(o)
        axes.append({**args, "o": o})
    return ShapeResult(kind, None, tuple(outputs), (relation,), helper_name, formula,
                       tuple(axes))


def _framework_shape(kind: str, framework: str, values: Mapping[str, list[int] | None],
                     rank: int, mode: str | None, ceil_mode: bool) -> ShapeResult:
    from symconv.shapebatch import BatchError, evaluator, select

    run = evaluator(_generated("load_frameworkshape"), framework)
    outputs, rules, axes = [], [], []
    for axis in range(rank):
        record: dict[str, object] = {"op": SHAPE_OPS[kind]}
        record.update({n: v[axis] for n, v in values.items() if v is not None})
        if mode is not None:
            record["padding"] = mode
        if ceil_mode:
            record["ceil_mode"] = True
        try:
            rules.append(select(framework, record)[0])
            outputs.append(run(record))
        except (BatchError, TypeError, ValueError) as exc:
            raise UsageError(f"{f'axis {axis}: ' if rank > 1 else ''}{exc}") from None
        axes.append({**record, "o": outputs[-1]})
    return ShapeResult(kind, framework, tuple(outputs), tuple(sorted(set(rules))),
                       "generated/python/frameworkshape.py", "", tuple(axes))
