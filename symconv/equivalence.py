"""The transposed convolution as Cᵀ, proved equal to its equivalent direct convolution.

Setting (per axis; N-D is the product of axes). The direct convolution has input i, kernel k,
stride s, padding p (0 ≤ p ≤ k − 1), dilation d: kernel tap m (0 ≤ m < k) sits at offset m·d,
the dilated kernel spans k̂ = k + (k − 1)(d − 1). It maps i units to i′ = ⌊(i + 2p − k̂)/s⌋ + 1
(relation 15) and is the matrix C (symconv.matrix). Its transposed convolution maps y (i′ units)
to Cᵀy (i units). The parameter a ∈ {0, …, s − 1} tells apart the s inputs that share one i′:
the family is indexed by (i′, k, s, p, d, a), with i := s(i′ − 1) + a + k̂ − 2p (relation 14
with k̂), so a = (i + 2p − k̂) mod s.

Claim 1 (equivalence). Cᵀy equals the direct convolution, with stride 1 and the same dilation
d, of the flipped kernel w′[m] = w[k − 1 − m] over z: y stretched with s − 1 zeros between
units (ĩ′ = s(i′ − 1) + 1 units), padded with p′ = k̂ − p − 1 zeros at the start and p′ + a at
the end — as polynomials in the symbolic w and y (the flipped dilated kernel is the dilated
kernel flipped, so this is "p′ = k − p − 1 for the dilated kernel k̂").

Claim 2 (gradient). C is the Jacobian of the direct convolution y = conv(x) (computed by
sliding the kernel over the zero-padded x) with respect to x, so Cᵀ is its gradient map:
∂L/∂x = Cᵀ ∂L/∂y.

Both sides are bilinear (in w and y, or in w and x), so two sides are equal polynomials iff
for every output unit the integer coefficient of every monomial w_m·y_r is the same. The
bounded families compare exactly those coefficients, computed by two independent routes (the
index arithmetic of C versus sliding a window over an explicit padded array). The guide's
figure configurations are, in addition, checked as SymPy polynomial identities.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import sympy as sp

from symconv.matrix import Axis, ConvSpec, Index, effective_kernel, structure, unflat
from symconv.prover import Result, Status
from symconv.theorems import Theorem

Cell = int | None  # an input unit, or a zero (padding or inserted)
Key = tuple[Index, Index, Index]  # (output unit, weight index, input unit)

BOUNDS_TEXT = "i ≤ 8, k ≤ 4, s ≤ 3, 0 ≤ p ≤ k−1, d ≤ 2, 0 ≤ a ≤ s−1"


def padding_prime(axis: Axis) -> int:
    """p′ = k̂ − p − 1, the equivalent convolution's padding (relation 14 with the dilated k̂)."""
    return axis.extent - axis.padding - 1


@dataclass(frozen=True, slots=True)
class Config:
    """One transposed convolution: per axis ``(i′, k, s, p, d, a)``."""

    axes: tuple[tuple[int, int, int, int, int, int], ...]

    @property
    def direct(self) -> ConvSpec:
        out = []
        for ip, k, s, p, d, a in self.axes:
            out.append(Axis(s * (ip - 1) + a + effective_kernel(k, d) - 2 * p, k, s, p, d))
        return ConvSpec(tuple(out))

    def env(self) -> dict[str, int]:
        """The configuration as plain ints (axis suffixes in 2-D)."""
        names = ("i_prime", "k", "s", "p", "d", "a")
        out: dict[str, int] = {}
        for n, values in enumerate(self.axes):
            suffix = f"_{n + 1}" if len(self.axes) > 1 else ""
            out.update({f"{name}{suffix}": v for name, v in zip(names, values, strict=True)})
            out[f"i{suffix}"] = self.direct.axes[n].input
        return out


PPrime = Callable[[Axis], int]


# ---- the integer coefficient structure: two independent routes ------------------------------


def slide(
    cells: Sequence[Sequence[Cell]],
    in_shape: Index,
    kernel: Index,
    dilation: Index,
    stride: Index,
    flip: bool,
) -> tuple[Index, Counter[Key]]:
    """Correlate a kernel with an N-D array given per axis as a list of cells (the array is their
    outer product: a unit only where every axis has a unit). Returns the output shape, counted by
    sliding, and the coefficient of every monomial w_m · unit_x at every output position."""
    shape = tuple(len(c) for c in cells)
    positions = []
    for n, c in enumerate(cells):
        span = (kernel[n] - 1) * dilation[n]
        positions.append([o for o in range(len(c)) if o * stride[n] + span < len(c)])
    out_shape = tuple(len(ps) for ps in positions)
    coef: Counter[Key] = Counter()
    taps = list(itertools.product(*(range(kk) for kk in kernel)))
    for o in itertools.product(*positions):
        for m in taps:
            x: list[int] = []
            for n in range(len(shape)):
                unit = cells[n][o[n] * stride[n] + m[n] * dilation[n]]
                if unit is None:
                    break
                x.append(unit)
            else:
                wm = tuple(kernel[n] - 1 - m[n] for n in range(len(m))) if flip else m
                coef[o, wm, tuple(x)] += 1
    return out_shape, coef


def padded(axis: Axis) -> list[Cell]:
    return [None] * axis.padding + list(range(axis.input)) + [None] * axis.padding


def stretched(units: int, stride: int, left: int, right: int) -> list[Cell]:
    """``units`` units with ``stride − 1`` zeros between them, ``left``/``right`` zeros around."""
    body: list[Cell] = [j // stride if j % stride == 0 else None
                        for j in range(stride * (units - 1) + 1)]
    return [None] * left + body + [None] * right


def transposed_coefficients(spec: ConvSpec) -> Counter[Key]:
    """Cᵀy from C's index arithmetic: (Cᵀy)_c = Σ_r C[r, c] y_r."""
    ins, outs = spec.input_shape, spec.output_shape
    return Counter({(unflat(c, ins), m, unflat(r, outs)): 1
                    for (r, c), m in structure(spec).items()})


def gradient_coefficients(spec: ConvSpec) -> Counter[Key]:
    """C[r, c] = ∂y_r/∂x_c = w_m as coefficients of w_m·x_c in y_r."""
    ins, outs = spec.input_shape, spec.output_shape
    return Counter({(unflat(r, outs), m, unflat(c, ins)): 1
                    for (r, c), m in structure(spec).items()})


def equivalent_cells(
    config: Config, p_prime: PPrime = padding_prime, a_at_end: bool = True
) -> list[list[Cell]]:
    """Per axis: y stretched, p′ zeros before, p′ + a after (``a_at_end=False`` puts the a
    zeros before instead — a wrong variant, for the tests)."""
    cells = []
    for (ip, _k, s, _p, _d, a), axis in zip(config.axes, config.direct.axes, strict=True):
        pp = max(p_prime(axis), 0)
        left, right = (pp, pp + a) if a_at_end else (pp + a, pp)
        cells.append(stretched(ip, s, left, right))
    return cells


@dataclass(frozen=True, slots=True)
class Mismatch:
    config: Config
    claim: str
    detail: str
    entry: dict[str, int]


def _first_difference(lhs: Counter[Key], rhs: Counter[Key]) -> Key | None:
    keys = sorted(set(lhs) | set(rhs))
    for key in keys:
        if lhs.get(key, 0) != rhs.get(key, 0):
            return key
    return None


def _describe(key: Key, lhs: Counter[Key], rhs: Counter[Key], left: str, right: str,
              in_name: str) -> tuple[str, dict[str, int]]:
    oi, m, xi = key
    text = (f"output unit {list(oi)}: coefficient of w_{list(m)}·{in_name}_{list(xi)} is "
            f"{lhs.get(key, 0)} in {left} but {rhs.get(key, 0)} in {right}")
    entry = {f"out_{n + 1}": v for n, v in enumerate(oi)}
    entry |= {f"w_{n + 1}": v for n, v in enumerate(m)}
    entry |= {f"{in_name}_{n + 1}": v for n, v in enumerate(xi)}
    entry |= {"lhs_coefficient": lhs.get(key, 0), "rhs_coefficient": rhs.get(key, 0)}
    return text, entry


def check_equivalence(
    config: Config, p_prime: PPrime = padding_prime, a_at_end: bool = True
) -> Mismatch | None:
    """Claim 1 for one configuration, on the integer coefficient structure."""
    spec = config.direct
    for n, (ip, *_rest) in enumerate(config.axes):
        if spec.axes[n].output != ip:
            return Mismatch(config, "equivalence",
                            f"axis {n + 1}: the direct convolution of i = {spec.axes[n].input} "
                            f"has {spec.axes[n].output} outputs, not i′ = {ip}", {})
    cells = equivalent_cells(config, p_prime, a_at_end)
    k = spec.kernel_shape
    dil = tuple(ax.dilation for ax in spec.axes)
    out_shape, rhs = slide(cells, spec.output_shape, k, dil, (1,) * spec.dims, flip=True)
    lhs = transposed_coefficients(spec)
    key = _first_difference(lhs, rhs)
    shapes = ("" if out_shape == spec.input_shape else
              f" (the equivalent convolution has output shape {list(out_shape)}, Cᵀy has "
              f"{list(spec.input_shape)})")
    if key is None:
        if shapes:
            return Mismatch(config, "equivalence", shapes.strip(" ()"), {})
        return None
    text, entry = _describe(key, lhs, rhs, "Cᵀy", "the equivalent convolution", "y")
    return Mismatch(config, "equivalence", text + shapes, entry)


def check_gradient(config: Config) -> Mismatch | None:
    """Claim 2 for one configuration, on the integer coefficient structure."""
    spec = config.direct
    out_shape, conv = slide([padded(ax) for ax in spec.axes], spec.input_shape,
                            spec.kernel_shape,
                            tuple(ax.dilation for ax in spec.axes),
                            tuple(ax.stride for ax in spec.axes), flip=False)
    lhs = gradient_coefficients(spec)
    key = _first_difference(lhs, conv)
    shapes = ("" if out_shape == spec.output_shape else
              f" (sliding gives output shape {list(out_shape)}, C has "
              f"{list(spec.output_shape)})")
    if key is None:
        if shapes:
            return Mismatch(config, "gradient", shapes.strip(" ()"), {})
        return None
    text, entry = _describe(key, lhs, conv, "C", "the Jacobian of the convolution", "x")
    return Mismatch(config, "gradient", text + shapes, entry)


# ---- the families -----------------------------------------------------------------------------


def axis_family(max_i: int = 8, max_k: int = 4, max_s: int = 3, max_d: int = 2
                ) -> Iterator[tuple[int, int, int, int, int, int]]:
    """Every (i′, k, s, p, d, a) with 0 ≤ p ≤ k − 1, 0 ≤ a ≤ s − 1 and 1 ≤ i ≤ max_i."""
    for k in range(1, max_k + 1):
        for s in range(1, max_s + 1):
            for p in range(k):
                for d in range(1, max_d + 1):
                    kh = effective_kernel(k, d)
                    for a in range(s):
                        ip = 1
                        while (i := s * (ip - 1) + a + kh - 2 * p) <= max_i:
                            if i >= 1:
                                yield ip, k, s, p, d, a
                            ip += 1


NON_SQUARE_SHIFT = 1


def family(dims: int) -> list[Config]:
    """1-D: the whole axis family. 2-D: every square configuration (both axes equal), and the
    non-square pairs (axis n, axis n + 1) of the 1-D enumeration, cyclically, so that every axis
    configuration also appears on each axis next to a different one."""
    axes = list(axis_family())
    if dims == 1:
        return [Config((ax,)) for ax in axes]
    square = [Config((ax, ax)) for ax in axes]
    pairs = [Config((axes[n], axes[(n + NON_SQUARE_SHIFT) % len(axes)]))
             for n in range(len(axes))]
    return square + pairs


def guide_configs() -> list[tuple[str, Config]]:
    """The guide's chapter-4 figures (4.1–4.7), 2-D square, as configurations."""
    from symconv.figures import GUIDE_FIGURES, resolve

    out = []
    for fig in GUIDE_FIGURES:
        if fig.kind != "transposed":
            continue
        spec = resolve(fig)
        axes = []
        for ax in spec.axes:
            a = (ax.input + 2 * ax.padding - ax.extent) % ax.stride
            axes.append((ax.output, ax.kernel, ax.stride, ax.padding, ax.dilation, a))
        out.append((fig.number, Config(tuple(axes))))
    return out


# ---- the SymPy polynomial identities for the guide's figures ----------------------------------


def _symbol_array(name: str, shape: Index) -> dict[Index, sp.Symbol]:
    from symconv.matrix import unit_symbol

    return {idx: unit_symbol(name, idx) for idx in itertools.product(*(range(n) for n in shape))}


def _sympy_correlate(
    array: dict[Index, sp.Expr], shape: Index, kernel: dict[Index, sp.Expr], kshape: Index,
    dilation: Index, stride: Index,
) -> tuple[Index, list[sp.Expr]]:
    """Plain sliding-window correlation over an explicit array of SymPy expressions."""
    out_shape = tuple((shape[n] - (kshape[n] - 1) * dilation[n] - 1) // stride[n] + 1
                      for n in range(len(shape)))
    out: list[sp.Expr] = []
    for o in itertools.product(*(range(n) for n in out_shape)):
        total: sp.Expr = sp.S.Zero
        for m in itertools.product(*(range(n) for n in kshape)):
            pos = tuple(o[n] * stride[n] + m[n] * dilation[n] for n in range(len(o)))
            total += kernel[m] * array[pos]
        out.append(total)
    return out_shape, out


def _embed(units: dict[Index, sp.Symbol], cells: Sequence[Sequence[Cell]]) -> dict[Index, sp.Expr]:
    arr: dict[Index, sp.Expr] = {}
    for pos in itertools.product(*(range(len(c)) for c in cells)):
        src = tuple(cells[n][pos[n]] for n in range(len(pos)))
        arr[pos] = sp.S.Zero if any(x is None for x in src) else units[src]  # type: ignore[index]
    return arr


def sympy_equivalence(
    config: Config, p_prime: PPrime = padding_prime, a_at_end: bool = True
) -> str | None:
    """Claim 1 as a SymPy polynomial identity; None if it holds, else the first differing entry."""
    from symconv.matrix import conv_matrix, weight

    spec = config.direct
    c = conv_matrix(spec)
    y = _symbol_array("y", spec.output_shape)
    yvec = sp.Matrix([y[idx] for idx in sorted(y)])
    lhs = c.T * yvec
    cells = equivalent_cells(config, p_prime, a_at_end)
    shape = tuple(len(cl) for cl in cells)
    kshape = spec.kernel_shape
    flipped = {m: weight(tuple(kshape[n] - 1 - m[n] for n in range(len(m))))
               for m in itertools.product(*(range(n) for n in kshape))}
    out_shape, rhs = _sympy_correlate(_embed(y, cells), shape, flipped, kshape,
                                      tuple(ax.dilation for ax in spec.axes), (1,) * spec.dims)
    if out_shape != spec.input_shape:
        return f"equivalent convolution has shape {list(out_shape)}, Cᵀy {list(spec.input_shape)}"
    gens = [*yvec, *sorted(set(flipped.values()), key=str)]
    for n in range(len(rhs)):
        if not sp.Poly(lhs[n] - rhs[n], *gens).is_zero:
            return f"entry {list(unflat(n, out_shape))}: Cᵀy = {lhs[n]} but {rhs[n]}"
    return None


def sympy_gradient(config: Config) -> str | None:
    """Claim 2 as a SymPy identity: the Jacobian of the sliding-window convolution equals C."""
    from symconv.matrix import conv_matrix, weight

    spec = config.direct
    x = _symbol_array("x", spec.input_shape)
    xvec = sp.Matrix([x[idx] for idx in sorted(x)])
    kshape = spec.kernel_shape
    w = {m: weight(m) for m in itertools.product(*(range(n) for n in kshape))}
    cells = [padded(ax) for ax in spec.axes]
    _, y = _sympy_correlate(_embed(x, cells), tuple(len(cl) for cl in cells), w, kshape,
                            tuple(ax.dilation for ax in spec.axes),
                            tuple(ax.stride for ax in spec.axes))
    jac = sp.Matrix(y).jacobian(xvec)
    diff = jac.T - conv_matrix(spec).T
    for r in range(diff.rows):
        for col in range(diff.cols):
            if sp.expand(diff[r, col]) != 0:
                return (f"Cᵀ[{r}, {col}] = {conv_matrix(spec).T[r, col]} but ∂y/∂x gives "
                        f"{jac[col, r]}")
    return None


# ---- theorems ---------------------------------------------------------------------------------


def _bounded_result(
    start: float, checked: int, mismatch: Mismatch | None, bounds: str
) -> Result:
    seconds = time.perf_counter() - start
    if mismatch is None:
        return Result(Status.PROVED_BOUNDED, seconds,
                      reason=f"exact on all {checked} configurations with {bounds}")
    cx = mismatch.config.env() | mismatch.entry
    return Result(Status.REFUTED, seconds, counterexample=cx,
                  reason=f"{mismatch.claim} fails: {mismatch.detail}")


def _timed_out(start: float, timeout: float, done: int, total: int) -> Result | None:
    seconds = time.perf_counter() - start
    if seconds <= timeout:
        return None
    return Result(Status.UNKNOWN, seconds,
                  reason=f"timeout ({timeout:g} s) after {done} of {total} configurations")


def run_family(
    configs: Sequence[Config],
    check: Callable[[Config], Mismatch | None],
    bounds: str,
    timeout: float = float("inf"),
) -> Result:
    """Check every configuration; the first mismatch refutes, running past ``timeout`` seconds
    is ``unknown``."""
    start = time.perf_counter()
    for n, cfg in enumerate(configs):
        found = check(cfg)
        if found is not None:
            return _bounded_result(start, n + 1, found, bounds)
        late = _timed_out(start, timeout, n + 1, len(configs))
        if late is not None and n + 1 < len(configs):
            return late
    return _bounded_result(start, len(configs), None, bounds)


def run_figures(
    check: Callable[[Config], str | None], bounds: str, timeout: float = float("inf")
) -> Result:
    start = time.perf_counter()
    configs = guide_configs()
    for n, (number, cfg) in enumerate(configs):
        problem = check(cfg)
        if problem is not None:
            return Result(Status.REFUTED, time.perf_counter() - start,
                          counterexample=cfg.env(), reason=f"figure {number}: {problem}")
        late = _timed_out(start, timeout, n + 1, len(configs))
        if late is not None and n + 1 < len(configs):
            return late
    return Result(Status.PROVED_BOUNDED, time.perf_counter() - start,
                  reason=f"exact SymPy polynomial identity for {bounds}")


def theorems() -> list[Theorem]:
    figs = "the 2-D configurations of figures 4.1–4.7"
    b1 = f"1-D, {BOUNDS_TEXT}"
    b2 = (f"2-D, {BOUNDS_TEXT}: every square configuration, and each 1-D configuration paired "
          "with the next one in enumeration order (non-square)")
    eq = ("Cᵀy = flipped kernel (dilation d, stride 1) over y stretched by s−1 zeros, "
          "padded p′ = k̂−p−1 (+a at the end)")
    grad = "C = ∂conv(x)/∂x, so Cᵀ is the convolution's gradient w.r.t. its input"
    setting = (
        "direct convolution: input i, kernel k, stride s, padding 0 ≤ p ≤ k−1, dilation d; "
        "tap m at offset m·d, k̂ = k + (k−1)(d−1); C flattens row-major",
        "transposed: input y of i′ units; i = s(i′−1) + a + k̂ − 2p with 0 ≤ a ≤ s−1 "
        "(so a = (i + 2p − k̂) mod s and i′ = ⌊(i + 2p − k̂)/s⌋ + 1)",
        "equivalent: w′[m] = w[k−1−m] at offsets m·d, stride 1, over y with s−1 zeros between "
        "units, p′ = k̂−p−1 zeros before and p′ + a after (per axis; a at the bottom/right)",
        "equality: as polynomials in the symbolic weights and inputs (both sides bilinear)",
    )
    return [
        Theorem("transposed-equals-direct-figures", "matrix", f"{eq}; SymPy identity for {figs}",
                lambda timeout: run_figures(sympy_equivalence, figs, timeout), setting),
        Theorem("transposed-equals-direct-1d", "matrix", f"{eq}; bounded: {b1}",
                lambda timeout: run_family(family(1), check_equivalence, b1, timeout), setting),
        Theorem("transposed-equals-direct-2d", "matrix", f"{eq}; bounded: {b2}",
                lambda timeout: run_family(family(2), check_equivalence, b2, timeout), setting),
        Theorem("transpose-is-gradient-figures", "matrix", f"{grad}; SymPy identity for {figs}",
                lambda timeout: run_figures(sympy_gradient, figs, timeout), setting),
        Theorem("transpose-is-gradient-1d", "matrix", f"{grad}; bounded: {b1}",
                lambda timeout: run_family(family(1), check_gradient, b1, timeout), setting),
        Theorem("transpose-is-gradient-2d", "matrix", f"{grad}; bounded: {b2}",
                lambda timeout: run_family(family(2), check_gradient, b2, timeout), setting),
    ]
