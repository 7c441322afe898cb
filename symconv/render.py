"""Text and JSON rendering of results for the CLI."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from symconv.prover import Result


def result_json(result: Result, **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = dict(extra)
    obj.update(
        status=result.status.value,
        counterexample=dict(result.counterexample) if result.counterexample is not None else None,
        seconds=round(result.seconds, 6),
    )
    if result.evaluations:
        obj["evaluations"] = [
            {"comparison": e.text, "lhs": e.lhs, "rhs": e.rhs, "holds": e.holds}
            | ({"error": e.error} if e.error else {})
            for e in result.evaluations
        ]
    if result.reason:
        obj["reason"] = result.reason
    if result.bounds is not None:
        obj["bounds"] = list(result.bounds)
    if result.conflict:
        obj["conflict"] = list(result.conflict)
    return obj


def dump_json(obj: Any, out: TextIO) -> None:
    """A command's JSON document, written whole (an interrupt cannot cut it: see
    :func:`symconv.interrupt.write_final`)."""
    from symconv.interrupt import write_final

    write_final(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n", out)


def width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide and full-width characters take two,
    combining marks and zero-width characters none (what wcwidth computes)."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def pad(text: str, columns: int) -> str:
    """``text`` left-justified to ``columns`` terminal columns."""
    return text + " " * max(columns - width(text), 0)


def stream_table(header: Sequence[str], known: Sequence[Sequence[str]],
                 write: Callable[[str], None]) -> Callable[[Sequence[str]], None]:
    """A table printed a row at a time: the header now, then each row as the caller has it
    (``write`` takes a line: :func:`symconv.interrupt.emit` flushes it, so an interrupt keeps
    every finished row). The columns are as wide as the header and the cells of ``known`` (rows,
    or stand-ins, known before the work): a later cell that is wider shifts the rest of its own
    row only. With every row in ``known`` the text is :func:`table`'s."""
    widths = [max(width(str(r[c])) for r in [header, *known]) for c in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(str(x), w) for x, w in zip(cells, widths, strict=True)).rstrip()

    write(line(header))
    write(line(["-" * w for w in widths]))
    return lambda cells: write(line(cells))


def table(rows: Sequence[Sequence[str]], header: Sequence[str], out: TextIO) -> None:
    widths = [max(width(str(r[c])) for r in [header, *rows]) for c in range(len(header))]
    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(str(x), w) for x, w in zip(cells, widths, strict=True)).rstrip()
    print(line(header), file=out)
    print(line(["-" * w for w in widths]), file=out)
    for r in rows:
        print(line(r), file=out)


def describe_result(result: Result) -> str:
    """Multi-line human description of a verdict, with the counterexample evaluated."""
    lines = [result.status.value + (f" (bounds {result.bounds[0]}..{result.bounds[1]} on every "
             "variable)" if result.bounds else "")]
    if result.counterexample is not None:
        cx = ", ".join(f"{k}={v}" for k, v in result.counterexample.items())
        lines.append(f"counterexample: {cx}")
        for e in result.evaluations:
            if e.error:
                lines.append(f"  {e.text}: {e.error}")
            else:
                lines.append(f"  {e.text}: {e.lhs} vs {e.rhs} -> {'holds' if e.holds else 'fails'}")
    if result.reason:
        lines.append(f"reason: {result.reason}")
    if result.conflict:
        lines.append("in conflict: " + "; ".join(result.conflict))
    return "\n".join(lines)
