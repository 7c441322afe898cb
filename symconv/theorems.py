"""Everything ``symconv prove`` proves, as one registry.

A provider is a module with ``theorems() -> list[Theorem]``; each theorem checks itself and
returns a :class:`~symconv.prover.Result`. Most are a single Z3 claim; others (bounded or
polynomial checks) bring their own check, and say their bounds in the result.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from symconv.printing import claim_text
from symconv.prover import DEFAULT_TIMEOUT, Claim, Result, prove

# provider module -> the groups of its theorems, so that ``prove --group`` imports only those
PROVIDERS: dict[str, tuple[str, ...]] = {
    "symconv.identities": ("relation", "identity"),
    "symconv.equivalence": ("matrix",),
    "symconv.codegen.validate_python": ("generated-python",),
    "symconv.codegen.validate_c": ("codegen-c",),
    "symconv.frameworks.proofs": ("framework",),
    "symconv.frameworks.codegen": ("generated-python",),
    "symconv.frameworks.ccodegen": ("codegen-c",),
    "symconv.codegen.tsguide": ("codegen-ts",),
    "symconv.frameworks.tscodegen": ("codegen-ts",),
    "symconv.codegen.validate_rust": ("codegen-rust",),
}


def groups() -> list[str]:
    return sorted({g for gs in PROVIDERS.values() for g in gs})


@dataclass(frozen=True, slots=True)
class Theorem:
    id: str
    group: str
    statement: str
    check: Callable[[float], Result]
    assumptions: tuple[str, ...] = ()
    # theorems with one batch key are run one after the other in one process (they share work,
    # e.g. the symbolic execution of one C function); "" = independent
    batch: str = ""


def from_claim(tid: str, group: str, claim: Claim) -> Theorem:
    return Theorem(
        tid,
        group,
        claim.describe(),
        lambda timeout: prove(claim, timeout=timeout),
        tuple(claim_text(h) for h in claim.hypotheses),
    )


def all_theorems(only: Sequence[str] = ()) -> list[Theorem]:
    """Every theorem, or those of the groups ``only`` (importing only their providers)."""
    return [t for chunk in by_provider(only) for t in chunk]


def by_provider(only: Sequence[str] = ()) -> Iterator[list[Theorem]]:
    """:func:`all_theorems` one provider at a time, listed as it is asked for (a caller can
    start proving the first ones while the later ones are listed)."""
    for name, groups in PROVIDERS.items():
        if not only or set(only) & set(groups):
            yield provided(name, only)


def provided(name: str, only: Sequence[str] = ()) -> list[Theorem]:
    """The theorems of the provider module ``name`` (of the groups ``only``, if given)."""
    found = importlib.import_module(name).theorems()
    for t in found:
        if t.group not in PROVIDERS[name]:
            raise ValueError(f"{name} declares groups {PROVIDERS[name]}, gives {t.id} in "
                             f"{t.group}")
    return [t for t in found if not only or t.group in only]


def select(theorems: Sequence[Theorem], ids: Sequence[str]) -> list[Theorem]:
    """Theorems named by ``ids``, in registry order within each id: an exact id (any case) names
    that theorem alone (``R1`` is R1, not R10..R15); otherwise every theorem whose id starts with
    it (``R`` gives R1..R15, ``torch.`` every PyTorch theorem), matched with its case if that
    finds any, else ignoring case. An id that names nothing raises KeyError."""
    if not ids:
        return list(theorems)
    chosen: list[Theorem] = []
    for want in ids:
        key = want.lower()
        hits = ([t for t in theorems if t.id.lower() == key]
                or [t for t in theorems if t.id.startswith(want)]
                or [t for t in theorems if t.id.lower().startswith(key)])
        if not want or not hits:
            raise KeyError(want)
        chosen.extend(t for t in hits if t not in chosen)
    return chosen


def run(theorem: Theorem, timeout: float = DEFAULT_TIMEOUT) -> Result:
    return theorem.check(timeout)
