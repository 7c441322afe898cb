"""Shape functions for ``verify-function`` tests: right, subtly wrong and float-based. The tests
verify them from this file's text and call them directly only to re-check counterexamples."""

import math


def conv_out(i, k, s=1, p=0, d=1):
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


def conv_ceil_idiom(i, k, s=1, p=0, d=1):
    return -(-(i + 2 * p - d * (k - 1) - 1 + 1) // s)


def conv_checked(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    if type(i) is bool or not isinstance(i, int):
        raise TypeError("i must be an int")
    if s < 1:
        raise ValueError(f"s must be >= 1, got {s}")
    if i + 2 * p < d * (k - 1) + 1:
        raise ValueError("window does not fit")
    return _floor_out(i + 2 * p, d * (k - 1) + 1, s)


def _floor_out(size, extent, stride):
    return (size - extent) // stride + 1


def conv_off_by_one(i, k, s=1, p=0, d=1):
    return (i + 2 * p - d * (k - 1)) // s + 1


def conv_true_for_one(i, k, s=1, p=0, d=1):
    o = (i + 2 * p - d * (k - 1) - 1) // s + 1
    return o == 1 or o


def conv_bool_if_one(i, k, s=1, p=0, d=1):
    o = (i + 2 * p - d * (k - 1) - 1) // s + 1
    return (o > 0) if o == 1 else o


def conv_no_dilation(i, k, s=1, p=0, d=1):
    return (i + 2 * p - k) // s + 1


def conv_truncating(i, k, s=1, p=0, d=1):
    n = i + 2 * p - d * (k - 1) - 1
    q = abs(n) // s
    if n < 0:
        q = -q
    return q + 1


def conv_raises_for_big_stride(i, k, s=1, p=0, d=1):
    if s > 1000:
        raise ValueError("stride too large")
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


def conv_float(i, k, s=1, p=0, d=1):
    return math.floor((i + 2 * p - d * (k - 1) - 1) / s) + 1


def conv_int_of_division(i, k, s=1, p=0, d=1):
    return int((i + 2 * p - d * (k - 1) - 1) / s) + 1


def transposed(i_prime, k, s, p, a):
    return s * (i_prime - 1) + a + k - 2 * p


def transposed_forgets_a(i_prime, k, s, p, a):
    return s * (i_prime - 1) + k - 2 * p


def pool_tuple(i, k, s):
    return ((i - k) // s + 1, (i - k) % s)


def hard(i, k, s, p):
    return (i * i * i * k + k * k * k * s + s * s * s * i) // (i * k * s + 1) + p * 0 + 1
