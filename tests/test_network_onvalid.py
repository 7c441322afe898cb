"""Closed forms simplified on V: each piece shown is proved, and agrees with the dumb reference
(running the network's layers size by size) at every valid size of its part."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.network import terms as T
from symconv.network.onvalid import _simplify
from symconv.network.proofs import Session
from symconv.network.spec import load_spec
from symconv.network.study import study
from symconv.network.validset import Periodic
from symconv.network.verdict import Verdict
from tests.network_reference import run

EXAMPLES = Path(__file__).parent.parent / "examples" / "networks"


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["network", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_transposed_residual_output_is_its_input_on_v() -> None:
    """4·⌊(H + 3)/4⌋ where V says H ≡ 0 (mod 4) is H; at V's other size, H = 1, it is 4."""
    code, out, err = call(str(EXAMPLES / "transposed-residual.toml"))
    assert code == 0, err
    assert "output head on V: H ↦ 4·⌊(H + 3)/4⌋; W ↦ 4·⌊(W + 3)/4⌋" in out
    assert ("  on V, proved: H ↦ 4 if H = 1, H if H ≥ 4 and H ≡ 0 (mod 4); W ↦ 4 if W = 1, "
            "W if W ≥ 4 and W ≡ 0 (mod 4)") in out
    code, out, _ = call(str(EXAMPLES / "transposed-residual.toml"), "--json")
    (output,) = json.loads(out)["outputs"]
    pieces = output["on_v"][0]["pieces"]
    assert [(p["size"], p["where_text"], p["status"]) for p in pieces] == [
        ("4", "H = 1", "proved"), ("H", "H ≥ 4 and H ≡ 0 (mod 4)", "proved")]


@pytest.mark.parametrize("name", ["transposed-residual", "ceil-pool", "unet-2015", "dilated",
                                  "unet-padded"])
def test_every_piece_agrees_with_the_reference_at_every_valid_size(name: str) -> None:
    network = load_spec(EXAMPLES / f"{name}.toml")
    st = study(network)
    output = network.outputs[0]
    for x in st.on_valid:
        assert x.layer == output
        assert all(p.result.status is Verdict.PROVED for p in x.pieces)
        axis = st.analysis.axes.index(x.axis)
        for n in range(1, 400):
            piece = [p for p in x.pieces if n in p.where]
            point = [n if j == axis else 64 for j in range(len(st.analysis.axes))]
            if not st.valid.contains(point):
                assert not piece or n not in st.valid.boxes[0][axis]  # type: ignore[index]
                continue
            assert len(piece) == 1, n
            ref = run(network, tuple(point))
            assert ref.refused is None
            assert ref.sizes[output][axis] == T.value(piece[0].simple, {x.axis: n}), (name, n)


def test_nothing_simpler_is_claimed_where_there_is_none() -> None:
    """⌊(H + 3)/8⌋ on H mod 8 ∈ {1..4} has no integer linear form; unet-2015's V is every
    H ≥ 188, where its closed form stays periodic."""
    for name in ("ceil-pool", "unet-2015"):
        assert study(load_spec(EXAMPLES / f"{name}.toml")).on_valid == ()


def test_a_guess_that_fits_the_samples_but_is_false_is_not_shown() -> None:
    """max(H, 20) is 20 at every sampled size 1..8 of H ≥ 1, and H from 20 on: Z3 refutes the
    constant, so no simpler form is shown; on H ≥ 20 it is proved to be H."""
    h = T.var("H")
    term = T.maximum(h, 20)
    session = Session(10.0)
    assert _simplify(term, "H", Periodic(start=1, residues=(0,)), session) == ()
    (piece,) = _simplify(term, "H", Periodic(start=20, residues=(0,)), session)
    assert piece.simple is h
    assert piece.result.status is Verdict.PROVED
    both = _simplify(term, "H", Periodic(finite=((1, 5),), start=20, residues=(0,)), session)
    assert [(p.where.text("H"), T.value(p.simple, {"H": 0})) for p in both] == [
        ("1 ≤ H ≤ 5", 20), ("H ≥ 20", 0)]
