"""The Python API: what the commands do, as functions returning the result objects the CLI
renders (``to_json()`` gives the command's ``--json`` object).

    from symconv import check, prove, verify_function, shape, conv_output_size

    assert check("floor((i + 2*p - k)/s) + 1 >= 1", assume=["i + 2*p >= k"]).ok
    failed = [t for t in prove("R", "restore") if not t.ok]

Bad input raises :class:`symconv.errors.UsageError` (a ValueError) with the CLI's message.
Verdicts are :class:`symconv.prover.Status`; :func:`symconv.prover.combine` ranks several.
Importing this module is light: z3 and sympy are imported by the functions that need them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symconv.errors import UsageError, timeout_seconds
from symconv.shapes import ShapeResult, shape

__all__ = ["CheckResult", "ShapeResult", "TheoremResult", "check", "prove", "select_theorems",
           "shape", "verify_function"]

if TYPE_CHECKING:
    from symconv.prover import Result, Status
    from symconv.theorems import Theorem
    from symconv.verify import Verdict


# ---- check ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A claim as ``symconv check`` proves it: the claim and every assumption as text (the
    symbols' default domains first), and the prover's result."""

    claim: str
    domains: tuple[str, ...]
    assumed: tuple[str, ...]
    result: Result

    @property
    def assumptions(self) -> tuple[str, ...]:
        return (*self.domains, *self.assumed)

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def ok(self) -> bool:
        """Proved (for all integers, or within the bounds asked for)."""
        return self.result.ok

    def to_json(self) -> dict[str, Any]:
        from symconv.render import result_json

        return result_json(self.result, claim=self.claim, assumptions=list(self.assumptions),
                           domains=list(self.domains))


def _timeout(timeout: float, option: str = "timeout") -> float:
    return timeout_seconds(timeout, option)


def _assumption(text: str) -> Any:
    """One ``--assume`` condition; its errors say it is an assumption, not the claim."""
    from symconv.claims import ClaimSyntaxError, parse_condition

    if not text.strip():
        raise UsageError(f"--assume {text!r}: empty condition (give one such as 'i >= k', or "
                         "leave --assume out)")
    try:
        return parse_condition(text)
    except ClaimSyntaxError as exc:
        raise UsageError(f"--assume: {exc}") from None


def check(
    claim: str,
    *,
    assume: str | Sequence[str] = (),
    domains: bool = True,
    timeout: float = 10.0,
    bounds: tuple[int, int] | None = None,
) -> CheckResult:
    """Prove ``claim`` (the claim language of ``symconv check``) for all integers, under the
    guide's symbol domains (unless ``domains=False``) and the ``assume`` conditions; with
    ``bounds=(lo, hi)`` only for every variable in lo..hi (``proved-bounded``)."""
    from symconv.claims import default_domains, parse_condition
    from symconv.printing import claim_text
    from symconv.prover import Claim, prove
    from symconv.z3bridge import TranslationError

    _timeout(timeout)
    if bounds is not None:
        if not isinstance(bounds, tuple | list) or len(bounds) != 2:
            raise UsageError(f"bounds must be two integers (LO, HI), got {bounds!r}")
        lo, hi = bounds
        for bound in (lo, hi):
            if isinstance(bound, bool) or not isinstance(bound, int):
                raise UsageError(f"bounds must be two integers, got {bounds!r}")
        if lo > hi:
            raise UsageError(f"bounds (LO, HI) need LO <= HI, got {lo} > {hi}")
    texts = [assume] if isinstance(assume, str) else list(assume)
    for name, text in (("claim", claim), *(("assume", t) for t in texts)):
        if not isinstance(text, str):
            raise UsageError(f"{name} must be a string in the claim language, got "
                             f"{type(text).__name__}")
    goal = parse_condition(claim)
    assumed = [_assumption(text) for text in texts]
    domain_hyps = default_domains(goal, *assumed) if domains else []
    try:
        result = prove(Claim(goal, (*domain_hyps, *assumed)), timeout=timeout, bounds=bounds)
    except TranslationError as exc:
        raise UsageError(str(exc)) from None
    return CheckResult(claim_text(goal), tuple(claim_text(h) for h in domain_hyps),
                       tuple(claim_text(h) for h in assumed), result)


# ---- prove ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TheoremResult:
    """One theorem of ``symconv prove`` and its result."""

    id: str
    group: str
    statement: str
    assumptions: tuple[str, ...]
    result: Result

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def ok(self) -> bool:
        return self.result.ok

    def to_json(self) -> dict[str, Any]:
        from symconv.render import result_json

        return result_json(self.result, id=self.id, group=self.group, statement=self.statement,
                           assumptions=list(self.assumptions))


def select_theorems(ids: Sequence[str] = (), groups: Sequence[str] = ()) -> list[Theorem]:
    """The theorems ``symconv prove ID... --group G...`` runs: of the groups (default all),
    those named by an id or a prefix of ids (default all)."""
    import symconv.theorems as registry

    if isinstance(ids, str) or isinstance(groups, str) or not all(
            isinstance(x, str) for x in (*ids, *groups)):
        raise UsageError("ids and groups are sequences of strings")
    known = registry.groups()
    for g in groups:
        if g not in known:
            raise UsageError(f"unknown --group {g!r}; known: {', '.join(known)}")
    try:
        return registry.select(registry.all_theorems(groups), ids)
    except KeyError as exc:
        raise UsageError(f"ID: no theorem id is or starts with {exc.args[0]!r} (symconv prove "
                         "--json lists every id)") from None


def prove(*ids: str, groups: Sequence[str] = (), timeout: float = 30.0) -> list[TheoremResult]:
    """Prove the theorems named by ``ids`` (ids or prefixes; none: every theorem of
    ``groups``, or every theorem), in registry order. ``combine(r.status for r in results)``
    is the run's verdict."""
    _timeout(timeout)
    return [TheoremResult(t.id, t.group, t.statement, t.assumptions, t.check(timeout))
            for t in select_theorems(ids, groups)]


# ---- verify-function -----------------------------------------------------------------------------


def _map_item(name: str, value: object) -> str:
    if value is None or isinstance(value, bool | int | str):
        return f"{name}={value}"
    if isinstance(value, list | tuple):
        return f"{name}=[{', '.join(str(v) for v in value)}]"
    raise UsageError(f"mapping: {name} must be a symbol name, an int, True/False/None or a "
                     f"list of those, got {type(value).__name__}")


def _map_items(mapping: object) -> list[str]:
    """``--map`` items of a mapping, or of a sequence of ``"name=value"`` strings and
    ``(name, value)`` pairs."""
    if isinstance(mapping, Mapping):
        pairs = list(mapping.items())
    elif isinstance(mapping, Sequence) and not isinstance(mapping, str):
        pairs = list(mapping)
    else:
        raise UsageError("mapping must be a dict, or a list of 'name=value' strings and "
                         f"(name, value) pairs, got {type(mapping).__name__}")
    items = []
    for pair in pairs:
        if isinstance(pair, str):
            items.append(pair)
        elif isinstance(pair, tuple | list) and len(pair) == 2 and isinstance(pair[0], str):
            items.append(_map_item(pair[0], pair[1]))
        else:
            raise UsageError("mapping: each item is a 'name=value' string or a (name, value) "
                             f"pair, got {pair!r}"[:300])
    return items


def verify_function(
    path: str | Path,
    function: str,
    relation: str,
    *,
    mapping: Mapping[str, object] | Sequence[str | tuple[str, object]] = (),
    index: int | None = None,
    timeout: float = 10.0,
) -> Verdict:
    """Prove the Python function ``function`` of the file ``path`` equal to ``relation`` (R1..R15,
    PCEIL) for every integer of its domain, reading the source only: the file is never imported
    or run. ``mapping`` binds parameters (``{"inputSize": "i", "ceil_mode": False}``,
    ``["inputSize=i"]`` or ``[("inputSize", "i")]``); ``index`` compares element N of a
    returned tuple or list."""
    from symconv.verify import find_relation, verify_file

    _timeout(timeout)
    if not isinstance(path, str | Path) or not isinstance(function, str) or not isinstance(
            relation, str):
        raise UsageError("path is a str or Path, function and relation are strings")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)
                              or not -1000 <= index < 1000):
        raise UsageError(f"index must be an integer in -1000..999, got {index!r}")
    items = _map_items(mapping)
    return verify_file(Path(path), function, find_relation(relation), items, index=index,
                       timeout=timeout)
