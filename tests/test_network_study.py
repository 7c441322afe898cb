"""The study: every proof behind a report, and no simplification resting on an unproved fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from symconv.network import study as study_module
from symconv.network import terms as T
from symconv.network.proofs import Session
from symconv.network.queries import next_valid, prev_valid
from symconv.network.frontends.spec import load_spec, parse_spec
from symconv.network.study import study
from symconv.network.textual import pretty
from symconv.network.verdict import Outcome, Verdict
from tests.network_reference import run

EXAMPLES = Path(__file__).parent.parent / "examples" / "networks"


def test_every_proof_of_an_example_is_proved() -> None:
    st = study(load_spec(EXAMPLES / "transposed-residual.toml"))
    assert st.status is Verdict.PROVED
    assert st.facts  # the broadcast if-then-else was decided by facts ...
    assert all(f.result.status is Verdict.PROVED for f in st.facts)  # ... each proved
    assert st.rewrites
    assert all(t.result.status is Verdict.PROVED for t in st.rewrites)
    assert st.receptive_theorems


def test_a_fact_that_fails_its_proof_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(fact: T.Fact, session: Session) -> Outcome:
        return Outcome(Verdict.UNKNOWN, 0.0, reason="pretend the solver gave up")

    monkeypatch.setattr(study_module, "prove_fact", refuse)
    network = load_spec(EXAMPLES / "transposed-residual.toml")
    st = study(network)
    assert not st.analysis.facts
    assert not st.facts
    out = st.analysis.outputs[0].shape.sizes
    assert out is not None
    assert " if " in pretty(out[0])  # the broadcast stays an if-then-else, unsimplified
    assert st.valid.status is Verdict.PROVED
    for n in range(1, 40):
        assert st.valid.contains((n, n)) == (run(network, (n, n)).refused is None)


def test_near_without_a_normal_form_asks_the_solver() -> None:
    layers = "".join('[[layer]]\nop = "conv"\nkernel = 3\nstride = 3\n' for _ in range(9))
    network = parse_spec('[input]\naxes = 1\n' + layers + '[[layer]]\nname = "skip"\n'
                         'op = "conv"\nfrom = ["input"]\nkernel = 1\nstride = 19683\n'
                         '[[layer]]\nop = "cat"\nfrom = ["conv9", "skip"]\n')
    st = study(network)
    assert st.valid.boxes is None
    above = next_valid(st, 2)
    below = prev_valid(st, 30000)
    assert above is not None
    assert below is not None
    assert run(network, (above,)).refused is None
    assert run(network, (below,)).refused is None
    assert all(run(network, (n,)).refused is not None for n in range(2, min(above, 400)))


def test_a_rewrite_that_is_not_proved_leaves_every_term_unsimplified(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from symconv.network.proofs import Theorem

    def give_up(rewrites: frozenset[T.Rewrite], timeout: float) -> tuple[Theorem, ...]:
        return tuple(Theorem(r.id, r.statement, Outcome(Verdict.UNKNOWN, 0.0, reason="pretend"))
                     for r in rewrites)

    monkeypatch.setattr(study_module, "prove_rewrites", give_up)
    network = load_spec(EXAMPLES / "resnet18.toml")
    st = study(network)
    assert not st.analysis.rewrites
    sizes = st.analysis.layer("conv1").shape.sizes
    assert sizes is not None
    assert pretty(sizes[0]) == "⌊(H − 1)/2⌋ + 1"  # as the rule writes it: nothing collapsed
    assert st.valid.status is Verdict.PROVED
    for n in (1, 2, 7, 31, 224):
        assert st.valid.contains((n, n)) == (run(network, (n, n)).refused is None)
