"""Everything ``symconv network`` reports about a network, with every proof: the API other
code builds on (``generate --network``, the CLI, tests).

    study(network) -> Study
      .analysis          per layer: closed forms (terms in the axis names) and conditions
      .valid             V: normal form (union of boxes of per-axis periodic sets) ⇔ the
                         conjunction of all conditions, proved for all integers
      .rewrites, .facts  the proofs behind every simplification of a closed form
      .receptive         receptive field / jump / start per layer and axis
      .on_valid          each output's closed form simplified on V, per axis (proved)
      .status            the most severe verdict of all of them
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from symconv.network import terms as T
from symconv.network.analysis import Analysis, Layer, analyse
from symconv.network.ir import Network
from symconv.network.onvalid import AxisOnV, simplify_outputs
from symconv.network.proofs import DEFAULT_TIMEOUT, Session, Theorem, prove_fact, prove_rewrites
from symconv.network.receptive import Receptive, prove_steps, receptive_fields, steps_used
from symconv.network.validset import ValidSet, valid_set
from symconv.network.verdict import Outcome, Verdict, combine

FACT_ROUNDS = 4


@dataclass(frozen=True, slots=True)
class FactProof:
    fact: T.Fact
    result: Outcome


@dataclass(frozen=True, slots=True)
class Study:
    analysis: Analysis
    valid: ValidSet
    rewrites: tuple[Theorem, ...]
    facts: tuple[FactProof, ...]
    receptive: Mapping[str, tuple[Receptive, ...]]
    receptive_theorems: tuple[Theorem, ...]
    seconds: float
    on_valid: tuple[AxisOnV, ...] = ()

    @property
    def closed_forms_status(self) -> Verdict:
        return combine([*(t.result.status for t in self.rewrites),
                        *(f.result.status for f in self.facts)])

    @property
    def receptive_status(self) -> Verdict:
        return combine(t.result.status for t in self.receptive_theorems)

    @property
    def status(self) -> Verdict:
        return combine([self.valid.status, self.closed_forms_status, self.receptive_status])

    def layer(self, name: str) -> Layer:
        return self.analysis.layer(name)


def study(network: Network, timeout: float = DEFAULT_TIMEOUT) -> Study:
    started = time.perf_counter()
    session = Session(timeout)
    analysis, facts = _analyse_with_facts(network, session)
    rewrites = prove_rewrites(analysis.rewrites, timeout)
    if any(t.result.status is not Verdict.PROVED for t in rewrites):
        # never show a simplification that was not proved: build the terms without any
        analysis, facts, rewrites = analyse(network, rewrites=False), (), ()
    valid = valid_set(analysis, timeout, session)
    on_valid = simplify_outputs(analysis, valid, session)
    fields = receptive_fields(analysis)
    theorems = prove_steps(steps_used(fields), timeout)
    return Study(analysis, valid, rewrites, facts, fields, theorems,
                 time.perf_counter() - started, on_valid)


def _analyse_with_facts(network: Network, session: Session
                        ) -> tuple[Analysis, tuple[FactProof, ...]]:
    """Analyse, prove every fact the simplifications used, and analyse again without any fact
    that is not proved (so no closed form rests on an unproved fact)."""
    excluded: frozenset[int] = frozenset()
    for _ in range(FACT_ROUNDS):
        analysis = analyse(network, excluded)
        proofs = tuple(FactProof(f, prove_fact(f, session))
                       for f in sorted(analysis.facts, key=lambda f: f.cond.serial))
        failed = frozenset(p.fact.cond.serial for p in proofs
                           if p.result.status is not Verdict.PROVED)
        if not failed:
            return analysis, proofs
        excluded |= failed
    # still failing: no fact at all (the analysis then rests on general rewrites only)
    return analyse(network, use_facts=False), ()
