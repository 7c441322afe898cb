"""Which input sizes the real-model tests run the real framework at: densely where something
changes, sparsely where the pattern only repeats.

A size's *signature* is what must match there: valid or not, the refusing layer, and (where
valid) the step of every output size from the size before (so a change of slope — a
breakpoint of the floors — counts). A *boundary* is a size whose signature differs from the
size before. Above some size the signatures repeat with a period P (a residue class modulo P
behaves the same in every period: that is what the valid set's normal form says, and the
framework is judged on it too); every boundary up to one period past that point is the
boundary of a residue class (or of a finite interval, a bound, a first valid size), and is
judged with every size within ``near`` of it; the boundaries above are repetitions, judged
through a fixed random sample of the remaining sizes. The smallest sizes and the smallest
valid sizes are always in. ``tests/bench_network_*.py`` judge every size instead.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence

Signature = Hashable


def signatures(valid: Mapping[int, bool], layer: Mapping[int, str | None],
               output: Mapping[int, Sequence[int]]) -> dict[int, Signature]:
    """Per size: (valid, refusing layer, output step from the size before, where both are
    valid)."""
    out: dict[int, Signature] = {}
    for n in sorted(valid):
        step: tuple[int, ...] | None = None
        if valid[n] and valid.get(n - 1):
            step = tuple(a - b for a, b in zip(output[n], output[n - 1], strict=True))
        out[n] = (valid[n], layer.get(n), step)
    return out


def period(sig: Mapping[int, Signature], longest: int = 64, tail: int = 128
           ) -> tuple[int, int] | None:
    """(P, h0): sig[h] = sig[h − P] for every h ≥ h0 up to the top, with the earliest such h0
    over P ≤ ``longest`` (then the smallest P), the repetition covering at least ``tail``
    sizes and three periods; None where the signatures do not repeat so."""
    top = max(sig)
    best: tuple[int, int] | None = None
    for p in range(1, longest + 1):
        h = top
        while h - p in sig and sig[h] == sig[h - p]:
            h -= 1
        if top - h >= max(tail, 3 * p) and (best is None or h + 1 < best[1]):
            best = (p, h + 1)
    return best


def plan(sig: Mapping[int, Signature], seed: str, *, near: int = 3, smallest: int = 8,
         samples: int = 20) -> list[int]:
    """The sizes to judge (see the module docstring), sorted."""
    sizes = sorted(sig)
    chosen = {n for n in sizes if n <= smallest} | {sizes[-1]}
    chosen |= set([n for n in sizes if sig[n][0]][:4])  # type: ignore[index]
    found = period(sig)
    until = sizes[-1] if found is None else found[1] + found[0]
    for n in sizes[1:]:
        if n <= until + near and sig[n] != sig[n - 1]:
            chosen |= {m for m in range(n - near, n + near + 1) if m in sig}
    rest = sorted(set(sizes) - chosen)
    chosen |= set(random.Random(seed).sample(rest, min(samples, len(rest))))
    return sorted(chosen)
