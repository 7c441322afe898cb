"""Shape helpers as people write them, for `symconv verify-function` (see the README).

symconv reads this file as text and never imports or runs it.
"""


def conv_out(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Output size of a convolution: (i + 2p - d(k-1) - 1) // s + 1."""
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


def conv_out_float(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """The same through float division: wrong once sizes pass 2**53."""
    return int((i + 2 * p - d * (k - 1) - 1) / s) + 1
