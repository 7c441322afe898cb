from __future__ import annotations

import random
import time
from collections.abc import Mapping

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from numeric_reference import Grid, conv2d, shape, transpose_by_basis, transposed_direct, zeros
from symconv import equivalence as eq
from symconv import reference
from symconv.matrix import Axis
from symconv.prover import Status
from symconv.theorems import all_theorems, select


def _khat(k: int, d: int) -> int:
    return k + (k - 1) * (d - 1)


def test_family_is_every_small_direct_convolution() -> None:
    direct = {
        (i, k, s, p, d)
        for i in range(1, 9) for k in range(1, 5) for s in range(1, 4) for p in range(k)
        for d in (1, 2) if i + 2 * p >= _khat(k, d)
    }
    fam = eq.family(1)
    got = {(c.direct.axes[0].input, k, s, p, d) for c in fam for (_ip, k, s, p, d, _a) in c.axes}
    assert got == direct
    assert len(fam) == len(direct)
    pairs = {(s, a) for c in fam for (_ip, _k, s, _p, _d, a) in c.axes}
    assert pairs == {(s, a) for s in range(1, 4) for a in range(s)}
    assert len(eq.family(2)) == 2 * len(direct)
    assert any(c.axes[0] != c.axes[1] for c in eq.family(2))


def _grids(cfg: eq.Config, rnd: random.Random) -> tuple[Grid, Grid, tuple[int, int]]:
    axes = cfg.axes if len(cfg.axes) == 2 else ((1, 1, 1, 0, 1, 0), cfg.axes[0])
    y = [[rnd.randint(-9, 9) for _ in range(axes[1][0])] for _ in range(axes[0][0])]
    w = [[rnd.randint(-9, 9) for _ in range(axes[1][1])] for _ in range(axes[0][1])]
    return y, w, (axes[0][2], axes[1][2])


def _axes2(cfg: eq.Config) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if len(cfg.axes) == 2:
        return cfg.axes[0], cfg.axes[1]
    return (1, 1, 1, 0, 1, 0), cfg.axes[0]


def _numeric_sides(cfg: eq.Config, y: Grid, w: Grid, p_prime: tuple[int, int] | None = None,
                   a_at_end: bool = True) -> tuple[Grid, Grid]:
    ax = _axes2(cfg)
    i = tuple(s * (ip - 1) + a + _khat(k, d) - 2 * p for ip, k, s, p, d, a in ax)
    s = (ax[0][2], ax[1][2])
    p = (ax[0][3], ax[1][3])
    d = (ax[0][4], ax[1][4])
    a = (ax[0][5], ax[1][5])
    if p_prime is None:
        p_prime = (_khat(ax[0][1], d[0]) - p[0] - 1, _khat(ax[1][1], d[1]) - p[1] - 1)
    lhs = transpose_by_basis(y, w, (i[0], i[1]), s, p, d)
    rhs = transposed_direct(y, w, s, p_prime, a, d, a_at_end)
    return lhs, rhs


def test_equivalence_numerically_on_the_1d_family() -> None:
    rnd = random.Random(6)
    for cfg in eq.family(1):
        y, w, _ = _grids(cfg, rnd)
        lhs, rhs = _numeric_sides(cfg, y, w)
        assert lhs == rhs, cfg


def test_equivalence_numerically_on_a_2d_sample() -> None:
    rnd = random.Random(7)
    fam = eq.family(2)
    for cfg in rnd.sample(fam, 60) + [c for _, c in eq.guide_configs()]:
        y, w, _ = _grids(cfg, rnd)
        lhs, rhs = _numeric_sides(cfg, y, w)
        assert lhs == rhs, cfg


def test_gradient_numerically() -> None:
    """C's rows are the convolution's Jacobian: C x = conv(x) for every basis vector x."""
    from symconv.matrix import structure

    rnd = random.Random(8)
    for cfg in rnd.sample(eq.family(2), 40):
        spec = cfg.direct
        w = [[rnd.randint(-9, 9) for _ in range(spec.axes[1].kernel)]
             for _ in range(spec.axes[0].kernel)]
        cmat: dict[tuple[int, int], int] = {
            rc: w[m[0]][m[1]] for rc, m in structure(spec).items()}
        cols = spec.input_shape[1]
        for col in range(spec.cols):
            e = zeros(*spec.input_shape)
            e[col // cols][col % cols] = 1
            ref = conv2d(e, w, (spec.axes[0].stride, spec.axes[1].stride),
                         (spec.axes[0].padding, spec.axes[1].padding),
                         (spec.axes[0].dilation, spec.axes[1].dilation))
            flat = [v for row in ref for v in row]
            assert flat == [cmat.get((r, col), 0) for r in range(spec.rows)]


@pytest.mark.parametrize("tid", [t.id for t in eq.theorems()])
def test_theorems_are_proved_bounded_with_bounds(tid: str) -> None:
    (theorem,) = select(all_theorems(), [tid])
    result = theorem.check(10.0)
    assert result.status is Status.PROVED_BOUNDED, result
    text = theorem.statement + " " + result.reason
    assert ("i ≤ 8" in text and "s ≤ 3" in text) or "figures 4.1–4.7" in text


def _reevaluate(cx: Mapping[str, int], p_prime_rule: str, a_at_end: bool) -> tuple[int, int]:
    """The counterexample's entry, evaluated with one-hot w and y in the numeric reference."""
    dims = 2 if "k_1" in cx else 1
    sfx = ["_1", "_2"] if dims == 2 else [""]
    ax = [tuple(cx[f"{n}{x}"] for n in ("i_prime", "k", "s", "p", "d", "a")) for x in sfx]
    cfg = eq.Config(tuple(ax))  # type: ignore[arg-type]
    ax2 = _axes2(cfg)
    w = [[0] * ax2[1][1] for _ in range(ax2[0][1])]
    y = [[0] * ax2[1][0] for _ in range(ax2[0][0])]
    widx = [cx[f"w_{n}"] for n in range(1, dims + 1)]
    yidx = [cx[f"y_{n}"] for n in range(1, dims + 1)]
    oidx = [cx[f"out_{n}"] for n in range(1, dims + 1)]
    if dims == 1:
        widx, yidx, oidx = [0, *widx], [0, *yidx], [0, *oidx]
    w[widx[0]][widx[1]] = 1
    y[yidx[0]][yidx[1]] = 1
    pp = None
    if p_prime_rule == "k-p":
        pp = (ax2[0][1] - ax2[0][3], ax2[1][1] - ax2[1][3])
    lhs, rhs = _numeric_sides(cfg, y, w, pp, a_at_end)

    def at(g: Grid) -> int:
        rows, cols = shape(g)
        return g[oidx[0]][oidx[1]] if oidx[0] < rows and oidx[1] < cols else 0

    return at(lhs), at(rhs)


@pytest.mark.parametrize("dims", [1, 2])
def test_wrong_padding_is_refuted_with_a_concrete_entry(dims: int) -> None:
    def wrong(axis: Axis) -> int:
        return axis.kernel - axis.padding  # p′ = k − p instead of k̂ − p − 1

    result = eq.run_family(eq.family(dims), lambda c: eq.check_equivalence(c, wrong), "bounds")
    assert result.status is Status.REFUTED
    cx = result.counterexample
    assert cx is not None
    assert "coefficient of" in result.reason
    lhs, rhs = _reevaluate(cx, "k-p", True)
    assert (lhs, rhs) == (cx["lhs_coefficient"], cx["rhs_coefficient"])
    assert lhs != rhs


def test_extra_zeros_at_the_wrong_end_are_refuted() -> None:
    result = eq.run_family(eq.family(2), lambda c: eq.check_equivalence(c, a_at_end=False), "b")
    assert result.status is Status.REFUTED
    cx = result.counterexample
    assert cx is not None
    assert (cx["a_1"] > 0 or cx["a_2"] > 0)
    lhs, rhs = _reevaluate(cx, "", False)
    assert (lhs, rhs) == (cx["lhs_coefficient"], cx["rhs_coefficient"])
    assert lhs != rhs
    # the SymPy identity for figure 4.7 (a = 1) catches it too; 4.6 (a = 0) does not differ
    figures = dict(eq.guide_configs())
    assert eq.sympy_equivalence(figures["4.7"], a_at_end=False) is not None
    assert eq.sympy_equivalence(figures["4.6"], a_at_end=False) is None


def test_sympy_identity_detects_wrong_padding() -> None:
    figures = dict(eq.guide_configs())
    problem = eq.sympy_equivalence(figures["4.1"], lambda ax: ax.kernel - ax.padding)
    assert problem is not None


def test_guide_configs_are_the_chapter_4_figures() -> None:
    figures = dict(eq.guide_configs())
    assert sorted(figures) == [f"4.{n}" for n in range(1, 8)]
    assert figures["4.7"].direct.input_shape == (6, 6)
    assert figures["4.7"].axes[0] == (3, 3, 2, 1, 1, 1)  # i′ = 3, a = 1
    assert figures["4.4"].axes[0][3] == 2  # full padding: p = k − 1


def test_prove_is_fast() -> None:
    start = time.perf_counter()
    for theorem in eq.theorems():
        assert theorem.check(10.0).ok
    assert time.perf_counter() - start < 60


def test_running_past_the_timeout_is_unknown() -> None:
    result = eq.run_family(eq.family(1), eq.check_equivalence, "b", timeout=0.0)
    assert result.status is Status.UNKNOWN
    assert "timeout" in result.reason
    result = eq.run_figures(eq.sympy_gradient, "figs", timeout=0.0)
    assert result.status is Status.UNKNOWN


big_axis = st.tuples(st.integers(1, 6), st.integers(1, 5), st.integers(1, 4), st.integers(0, 4),
                     st.integers(1, 3), st.integers(0, 3)).filter(
    lambda t: t[3] <= t[1] - 1 and t[5] <= t[2] - 1)


@settings(max_examples=60, deadline=None)
@given(big_axis, big_axis, st.randoms(use_true_random=False))
def test_equivalence_beyond_the_bounds(ax0: tuple[int, ...], ax1: tuple[int, ...],
                                       rnd: random.Random) -> None:
    """Random non-square configurations outside the proved box (k ≤ 5, s ≤ 4, d ≤ 3): the
    structural check and the numeric reference agree that the claims hold."""
    cfg = eq.Config((ax0, ax1))  # type: ignore[arg-type]
    assume(all(ax.input >= 1 for ax in cfg.direct.axes))
    assert eq.check_equivalence(cfg) is None
    assert eq.check_gradient(cfg) is None
    y, w, _ = _grids(cfg, rnd)
    lhs, rhs = _numeric_sides(cfg, y, w)
    assert lhs == rhs


def test_1d_family_against_the_scatter_reference() -> None:
    """A third route: symconv.reference.transposed_convolve scatters each output through the
    kernel and crops p; it must equal Cᵀy (by the basis) on the whole 1-D family."""
    rnd = random.Random(9)
    for cfg in eq.family(1):
        ((ip, k, s, p, d, a),) = cfg.axes
        y = [rnd.randint(-9, 9) for _ in range(ip)]
        w = [rnd.randint(-9, 9) for _ in range(k)]
        lhs, rhs = _numeric_sides(cfg, [y], [w])
        assert lhs[0] == rhs[0] == reference.transposed_convolve(y, w, s, p, a, d), cfg
