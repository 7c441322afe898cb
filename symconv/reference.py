"""The dumb oracle: shapes by counting and by running tiny convolutions in plain Python.

Nothing here is clever, so everything clever is tested against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product


def count_placements(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Number of positions of a (dilated) kernel on ``i`` units padded with ``p`` zeros on each
    side, moving by ``s``: start at 0, step while the last tap stays inside."""
    extent = (k - 1) * d + 1
    count, start = 0, 0
    while start + extent <= i + 2 * p:
        count += 1
        start += s
    return count


def convolve(
    x: Sequence[int], w: Sequence[int], s: int = 1, p: int = 0, d: int = 1, extra: int = 0
) -> list[int]:
    """1-D cross-correlation of ``x`` with ``w`` (zero padding ``p`` each side, ``extra`` more
    zeros at the end, stride ``s``, dilation ``d``)."""
    padded = [0] * p + list(x) + [0] * (p + extra)
    extent = (len(w) - 1) * d + 1
    return [
        sum(w[t] * padded[start + t * d] for t in range(len(w)))
        for start in range(0, len(padded) - extent + 1, s)
    ]


def transposed_convolve(
    y: Sequence[int], w: Sequence[int], s: int = 1, p: int = 0, a: int = 0, d: int = 1
) -> list[int]:
    """The transpose of :func:`convolve` (scatter each output unit back through the kernel),
    cropped by ``p`` on each side, ``a`` extra units kept at the end."""
    extent = (len(w) - 1) * d + 1
    full = [0] * ((len(y) - 1) * s + extent + a)
    for j, value in enumerate(y):
        for t, weight in enumerate(w):
            full[j * s + t * d] += value * weight
    return full[p : len(full) - p] if p else full


def guide_values(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> dict[str, int]:
    """Every guide symbol at one direct configuration, by plain arithmetic: its output i′ (the
    transposed input), the stretched ĩ′, the a that restores i, and n for k = 2n + 1."""
    extent = (k - 1) * d + 1
    i_prime = (i + 2 * p - extent) // s + 1
    return {
        "i": i, "k": k, "s": s, "p": p, "d": d, "n": (k - 1) // 2, "i_prime": i_prime,
        "a": (i + 2 * p - extent) % s, "i_tilde": i_prime + (s - 1) * (i_prime - 1),
    }


def count_placements_nd(
    shape: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
    padding: Sequence[int], dilation: Sequence[int],
) -> tuple[int, ...]:
    """Output shape of an N-D convolution, found by trying every window position of the padded
    N-D input (no per-axis shortcut)."""
    extents = [(k - 1) * d + 1 for k, d in zip(kernel, dilation, strict=True)]
    padded = [n + 2 * p for n, p in zip(shape, padding, strict=True)]
    starts = [range(0, size, s) for size, s in zip(padded, stride, strict=True)]
    fitting = [
        pos for pos in product(*starts)
        if all(q + e <= size for q, e, size in zip(pos, extents, padded, strict=True))
    ]
    return tuple(len({pos[axis] for pos in fitting}) for axis in range(len(shape)))
