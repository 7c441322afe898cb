"""An output's closed form simplified on V: where V holds only some sizes of an axis, a closed
form such as ``4·⌊(H + 3)/4⌋`` is often a plain linear one there (``H`` for H ≡ 0 (mod 4), and
``4`` at H = 1). Each part of V's axis set (an interval, or the periodic tail, or one residue of
it) gets an integer linear form guessed from two of its sizes, checked in plain Python at a few
more, and shown only once Z3 proves ``closed form = linear form`` for every integer of the part.

Only a single box of V is read (V a product of per-axis sets), and only a closed form in its
own axis alone; otherwise nothing is simplified and the closed form stands as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from symconv.network import terms as T
from symconv.network.analysis import Analysis
from symconv.network.proofs import Session
from symconv.network.textual import pretty, python
from symconv.network.validset import Periodic, ValidSet
from symconv.network.verdict import Outcome, Verdict

SAMPLES = 8  # sizes of a part the guess is checked at before it goes to Z3


@dataclass(frozen=True, slots=True)
class Piece:
    """On ``where`` (a part of V's set of this axis) the closed form equals ``simple``."""

    where: Periodic
    simple: T.Lin
    result: Outcome


@dataclass(frozen=True, slots=True)
class AxisOnV:
    """An output's closed form on one axis, and its proved simpler forms covering V's set of
    that axis (``pieces`` empty: no simpler form, or not all of them proved)."""

    layer: str
    axis: str
    term: T.Lin
    pieces: tuple[Piece, ...]

    def text(self) -> str:
        return ", ".join(f"{pretty(p.simple)} if {p.where.text(self.axis)}" for p in self.pieces)

    def as_json(self) -> dict[str, object]:
        """``{"axis": "H", "pieces": [{"size": "H", "where": …, "where_text": "H ≥ 4 and H ≡ 0
        (mod 4)", "status": "proved", …}, …]}`` (sizes as Python, like the closed forms')."""
        return {"axis": self.axis,
                "pieces": [p.result.as_json(size=python(p.simple), where=p.where.as_json(),
                                            where_text=p.where.text(self.axis))
                           for p in self.pieces]}


def simplify_outputs(analysis: Analysis, valid: ValidSet, session: Session
                     ) -> tuple[AxisOnV, ...]:
    """For every output and spatial axis whose closed form simplifies on V, the proved pieces."""
    if valid.boxes is None or len(valid.boxes) != 1:
        return ()
    (box,) = valid.boxes
    out = []
    for layer in analysis.outputs:
        sizes = layer.shape.sizes
        if sizes is None:
            continue
        for axis, term, axis_set in zip(analysis.axes, sizes, box, strict=True):
            pieces = _simplify(term, axis, axis_set, session)
            if pieces:
                out.append(AxisOnV(layer.node.name, axis, term, pieces))
    return tuple(out)


def _parts(s: Periodic) -> Iterator[Periodic]:
    for interval in s.finite:
        yield Periodic(finite=(interval,))
    if s.start is not None:
        yield Periodic(start=s.start, modulus=s.modulus, residues=s.residues)


def _simplify(term: T.Lin, axis: str, s: Periodic, session: Session) -> tuple[Piece, ...]:
    if _linear(term) or T.variables(term) - {axis} or s.empty:
        return ()
    pieces: list[Piece] = []
    for part in _parts(s):
        found = _piece(term, axis, part, session)
        if found is None and part.start is not None and len(part.residues) > 1:
            split = [_piece(term, axis, Periodic(start=part.start, modulus=part.modulus,
                                                 residues=(r,)), session)
                     for r in part.residues]
            if all(p is not None for p in split):
                pieces.extend(p for p in split if p is not None)
                continue
        if found is None:
            return ()  # a part without a proved simpler form: the closed form stands
        pieces.append(found)
    if all(p.simple is term for p in pieces):
        return ()
    return tuple(pieces)


def _linear(term: T.Lin) -> bool:
    return all(isinstance(atom, T.Var) for atom, _ in term.parts)


def _members(part: Periodic, count: int) -> list[int]:
    out: list[int] = []
    x = part.minimum()
    while x is not None and len(out) < count:
        out.append(x)
        x = part.next_at_least(x + 1)
    return out


def _piece(term: T.Lin, axis: str, part: Periodic, session: Session) -> Piece | None:
    xs = _members(part, SAMPLES)
    if not xs:
        return None
    ys = [T.value(term, {axis: x}) for x in xs]
    if len(xs) == 1:
        slope, offset = 0, ys[0]
    else:
        rise, run = ys[1] - ys[0], xs[1] - xs[0]
        if rise % run:
            return None  # not an integer slope: nothing simpler to show
        slope = rise // run
        offset = ys[0] - slope * xs[0]
    if any(y != slope * x + offset for x, y in zip(xs, ys, strict=True)):
        return None
    simple = T.add(T.scale(T.var(axis), slope), offset)
    x_var = T.var(axis)
    where = part.cond(x_var)
    goal = T.eq(term, simple)
    result = session.prove(lambda tr: tr.bool_(goal), lambda env: T.holds(goal, env),
                           hypotheses=lambda tr: tr.bool_(where))
    if result.status is not Verdict.PROVED:
        return None
    return Piece(part, simple, result)
