"""A dumb numeric oracle for convolutions, in plain Python loops (no symconv, no numpy).

2-D arrays are lists of rows; a 1-D case is a 2-D one with a single row (kernel 1, stride 1,
padding 0, dilation 1 along the rows).
"""

from __future__ import annotations

Grid = list[list[int]]


def zeros(rows: int, cols: int) -> Grid:
    return [[0] * cols for _ in range(rows)]


def pad(x: Grid, top: int, bottom: int, left: int, right: int) -> Grid:
    cols = len(x[0]) + left + right
    out = [[0] * cols for _ in range(top)]
    for row in x:
        out.append([0] * left + list(row) + [0] * right)
    out += [[0] * cols for _ in range(bottom)]
    return out


def dilate_kernel(w: Grid, d: tuple[int, int]) -> Grid:
    """The kernel with d − 1 zeros between taps (k̂ = k + (k − 1)(d − 1) per axis)."""
    rows = (len(w) - 1) * d[0] + 1
    cols = (len(w[0]) - 1) * d[1] + 1
    out = zeros(rows, cols)
    for r, row in enumerate(w):
        for c, v in enumerate(row):
            out[r * d[0]][c * d[1]] = v
    return out


def correlate(z: Grid, w: Grid, s: tuple[int, int]) -> Grid:
    """Slide w over z (no padding) with stride s; positions counted by trying them."""
    out: Grid = []
    r = 0
    while r + len(w) <= len(z):
        row: list[int] = []
        c = 0
        while c + len(w[0]) <= len(z[0]):
            total = 0
            for a in range(len(w)):
                for b in range(len(w[0])):
                    total += w[a][b] * z[r + a][c + b]
            row.append(total)
            c += s[1]
        out.append(row)
        r += s[0]
    return out


def conv2d(x: Grid, w: Grid, s: tuple[int, int], p: tuple[int, int],
           d: tuple[int, int] = (1, 1)) -> Grid:
    return correlate(pad(x, p[0], p[0], p[1], p[1]), dilate_kernel(w, d), s)


def transpose_by_basis(y: Grid, w: Grid, in_shape: tuple[int, int], s: tuple[int, int],
                       p: tuple[int, int], d: tuple[int, int] = (1, 1)) -> Grid:
    """Cᵀy computed from the definition: (Cᵀy)_c = Σ_r y_r · conv(e_c)_r."""
    out = zeros(*in_shape)
    for i in range(in_shape[0]):
        for j in range(in_shape[1]):
            e = zeros(*in_shape)
            e[i][j] = 1
            col = conv2d(e, w, s, p, d)
            out[i][j] = sum(col[r][c] * y[r][c]
                            for r in range(len(col)) for c in range(len(col[0])))
    return out


def stretch(y: Grid, s: tuple[int, int]) -> Grid:
    rows = (len(y) - 1) * s[0] + 1
    cols = (len(y[0]) - 1) * s[1] + 1
    out = zeros(rows, cols)
    for r, row in enumerate(y):
        for c, v in enumerate(row):
            out[r * s[0]][c * s[1]] = v
    return out


def flip(w: Grid) -> Grid:
    return [list(reversed(row)) for row in reversed(w)]


def transposed_direct(y: Grid, w: Grid, s: tuple[int, int], p_prime: tuple[int, int],
                      a: tuple[int, int], d: tuple[int, int] = (1, 1),
                      a_at_end: bool = True) -> Grid:
    """The flipped (dilated) kernel over y stretched with s − 1 zeros, padded p′ on each side
    plus a at the end (or the start, a wrong variant)."""
    z = stretch(y, s)
    if a_at_end:
        z = pad(z, p_prime[0], p_prime[0] + a[0], p_prime[1], p_prime[1] + a[1])
    else:
        z = pad(z, p_prime[0] + a[0], p_prime[0], p_prime[1] + a[1], p_prime[1])
    return correlate(z, flip(dilate_kernel(w, d)), (1, 1))


def shape(g: Grid) -> tuple[int, int]:
    return (len(g), len(g[0]) if g else 0)
