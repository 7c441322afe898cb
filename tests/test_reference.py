"""The oracle against itself: counting placements = length of a real convolution."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from symconv.reference import (
    convolve,
    count_placements,
    count_placements_nd,
    transposed_convolve,
)


@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 4),
       st.integers(1, 3))
def test_count_is_length_of_real_convolution(i: int, k: int, s: int, p: int, d: int) -> None:
    x = list(range(1, i + 1))
    w = [1] * k
    assert len(convolve(x, w, s, p, d)) == count_placements(i, k, s, p, d)


def test_transpose_is_adjoint_of_convolution() -> None:
    # <conv(x), y> == <x, conv^T(y)> for every small configuration where the shapes agree
    for i in range(1, 9):
        for k in range(1, 4):
            for s in range(1, 4):
                for p in range(0, k):
                    x = [(3 * t + 1) % 7 - 3 for t in range(i)]
                    w = [(5 * t + 2) % 5 - 2 for t in range(k)]
                    out = convolve(x, w, s, p)
                    if not out:
                        continue
                    a = (i + 2 * p - k) % s
                    y = [(2 * t + 3) % 5 - 1 for t in range(len(out))]
                    back = transposed_convolve(y, w, s, p, a)
                    assert len(back) == i
                    assert sum(u * v for u, v in zip(out, y, strict=True)) == sum(
                        u * v for u, v in zip(x, back, strict=True)
                    )


def test_nd_counts_each_axis_independently() -> None:
    assert count_placements_nd((5, 7), (3, 2), (2, 1), (1, 0), (1, 2)) == (
        count_placements(5, 3, 2, 1, 1),
        count_placements(7, 2, 1, 0, 2),
    )
