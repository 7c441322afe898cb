"""Verdicts of the network proofs, without SymPy: the values of ``symconv.prover.Status`` and
the JSON fields of ``symconv.render.result_json``, kept here so that ``symconv network`` on a
spec file never imports SymPy (importing it costs more than analysing a 100-layer network).
``Outcome.to_result()`` gives the core ``symconv.prover.Result``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from symconv.prover import Result


class Verdict(Enum):
    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"

    @property
    def exit_code(self) -> int:
        """The exit codes of ``symconv.prover.Status``."""
        return {"proved": 0, "refuted": 1, "unknown": 3}[self.value]


_SEVERITY = (Verdict.PROVED, Verdict.UNKNOWN, Verdict.REFUTED)


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """The most severe: refuted before unknown before proved (PROVED for none)."""
    return max(verdicts, key=_SEVERITY.index, default=Verdict.PROVED)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A proof's verdict; a refutation's counterexample was re-evaluated in plain Python; an
    unknown carries the solver's reason."""

    status: Verdict
    seconds: float
    counterexample: Mapping[str, int] | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status is Verdict.PROVED

    def as_json(self, **extra: Any) -> dict[str, Any]:
        """The shape of ``symconv.render.result_json``."""
        obj: dict[str, Any] = dict(extra)
        obj.update(status=self.status.value,
                   counterexample=(dict(self.counterexample)
                                   if self.counterexample is not None else None),
                   seconds=round(self.seconds, 6))
        if self.reason:
            obj["reason"] = self.reason
        return obj

    def to_result(self) -> Result:
        from symconv.prover import Result, Status

        return Result(Status(self.status.value), self.seconds, self.counterexample,
                      reason=self.reason)


def dump_json(obj: Any, out: TextIO) -> None:
    """As ``symconv.render.dump_json``."""
    from symconv.interrupt import write_final

    write_final(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n", out)
