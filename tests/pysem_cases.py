"""Functions whose source text ``symconv.pysem`` translates; the tests also call them directly
(they are the test suite's own code) to compare the translation with real Python."""

import math
from collections.abc import Sequence

LIMIT = 10


def arith(a, b):
    return a + b - 3 * a + (a - b) * (b + 1)


def fdiv(a, b):
    return a // b


def fmod(a, b):
    return a % b


def ceil_div(a, b):
    return -(-a // b)


def dm(a, b):
    q, r = divmod(a, b)
    return q * b + r, q, r


def powers(a):
    return a**2 + a**3 - 2**5 + a**0


def unary(a):
    return -a + +a - ~a


def minmaxabs(a, b):
    return min(a, b, 3) + max((a, b)) * 10 + abs(a - b) * 100 + max([a, -b])


def chain(a, b, c):
    return 1 if a < b <= c != a else 0


def chain_bool(a, b, c):
    return a < b < c


def chain_div(a, b):
    return b != 0 and a // b > 1


def chain_short(a, b):
    return 0 < b < a // b


def andor(a, b):
    return (a and b) or 7


def notted(a, b):
    return not a or not (b > 2)


def classify(a):
    if a < 0:
        return -1
    elif a == 0:
        return 0
    elif a < LIMIT:
        return 1
    else:
        return 2


def guard(a, b):
    return a // b if b else -1


def aug(a, b):
    x = a
    x += 3
    x *= 2
    x -= b
    x //= b
    x %= 7
    x **= 2
    return x


def unpack(a, b):
    q, r = a // b, a % b
    (x, y), z = (q, r), q + r
    return z, y, x


def checked(a, b=1):
    if type(a) is bool or not isinstance(a, int):
        raise TypeError(f"a must be an int, got {a!r}")
    if b < 1:
        raise ValueError(f"b must be >= 1, got {b}")
    return (a + b - 1) // b


def asserted(a):
    assert a != 3, "three"
    assert a != 4
    return a


def math_int(a, b):
    return math.ceil(a) + math.floor(b) + math.trunc(a - b)


def _helper(x, y, scale=2):
    return scale * x - y


def _twice(x):
    return _helper(x, 1) + _helper(y=x, x=3, scale=-1)


def inlined(a):
    return _twice(a) + _helper(a, a)


def in_range(o, s):
    lo = max(1, (o - 1) * s + 1)
    hi = (o - 1) * s + s
    return range(lo, hi + 1)


def loop(a):
    acc = 0
    for j in range(1, 5):
        acc += a // j
        if acc > 100:
            acc = acc - 100
    return acc


def lists(a, b):
    out = []
    out.append(a)
    out.append(b)
    out.append(a + b)
    for v in out:
        if v < 0:
            raise ValueError("negative")
    return [out[0], out[-1], len(out)]


def index_error(a):
    xs = [a, a + 1]
    return xs[2] if a > 0 else xs[-2]


def unbound(a):
    if a > 0:
        x = 1
    return x


def none_default(a, b=None):
    return a + (b if b is not None else 0)


def none_type_error(a):
    b = None if a > 5 else 1
    return a + b


def flag(a, ceil_mode: bool):
    return a + 1 if ceil_mode else a


def bools(a):
    return (a > 0) + True + int(a) + bool(a) + (a in (1, 2, 3)) * 10 + (a not in [4]) * 100


def tuple_eq(a, b):
    return (a, b) == (b, a) and [a] != [b, a]


def ifs_no_else(a, b):
    r = 0
    if a > 0:
        r += 1
    if b > 0:
        r += 2
    if a > b:
        r += 4
    return r


def falls_off(a):
    if a > 0:
        return a


def range_len(a, b):
    return len(range(a, b)) + len(range(b, a, -2)) * 1000


def alias(a):
    xs = [a]
    ys = xs
    ys.append(a + 1)
    if a > 2:
        ys.append(0)
    else:
        xs.append(1)
    return len(xs) + xs[1] + xs[2] * 10


def sequences(a, b):
    xs = (a,) * 3 + (b, a)
    ys = [b] * 2 + [a]
    if not isinstance(xs, Sequence) or isinstance(a, Sequence):
        raise TypeError(f"not a sequence: {type(a).__name__}")
    return xs[-1] + ys[0] * len(xs) + len(ys) + len(2 * (a,))


def bool_minmax(a, b):
    return min(a > 0, b > 0), max(a < b, a == b)


def type_errors(a):
    if a > 2:
        return abs((a, 1))
    if a > 0:
        return math.floor(None)
    if a < -2:
        return abs(a, 1)
    if a == -1:
        return (a, 1) / 2
    return None * 1.5 if a < 0 else a


def undefined_name(a):
    return a if a else floaty(a)  # noqa: F821 (Python raises NameError when a == 0)


def redefined(a):
    return 1


def redefined(a):  # noqa: F811 (Python binds the last definition: this one)
    return a + 2
