from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from symconv.errors import UsageError, timeout_seconds

if TYPE_CHECKING:
    from symconv.interrupt import Partial
    from symconv.progress import Progress
    from symconv.prover import Result
    from symconv.theorems import Theorem

HELP = "prove the relations and identities for all integers in their domains"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Exit codes: the most severe verdict of the theorems run: 1 refuted, then 3 "
                     "unknown, then 5 vacuous, else 0 (proved or proved-bounded); 2 bad input.")
    parser.add_argument("ids", nargs="*", metavar="ID",
                        help="theorem ids, or prefixes of ids: R gives R1..R15, torch. every "
                        "PyTorch theorem; an exact id names one theorem (default: all)")
    parser.add_argument("--group", action="append", default=[], metavar="GROUP",
                        help="only theorems of this group (repeatable), e.g. relation, identity")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds per solver call (30); a timeout is reported unknown")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="processes proving at once (default: the number of cores); the "
                        "output order does not depend on it")
    parser.add_argument("--wide", action="store_true",
                        help="print each statement in full instead of cutting it (to the "
                        "terminal's width; piped, to 96 characters)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _short(text: str, width: int = 96) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def jobs_arg(value: int | None) -> int:
    """``--jobs``: at least 1; default the cores this process may use."""
    from symconv.runner import default_jobs

    if value is None:
        return default_jobs()
    if value < 1:
        raise UsageError(f"--jobs must be >= 1, got {value}")
    return value


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv import interrupt
    from symconv.progress import for_output, width
    from symconv.prover import combine
    from symconv.render import result_json
    from symconv.theorems import groups

    args.timeout = timeout_seconds(args.timeout)
    jobs = jobs_arg(args.jobs)
    known = groups()
    for g in args.group:
        if g not in known:
            raise UsageError(f"unknown --group {g!r}; known: {', '.join(known)}")
    progress = for_output(out, enabled=not args.json)
    started = time.perf_counter()
    done = interrupt.track("results", "theorems checked")
    columns = None if args.wide else width(out)

    def item(t: Theorem, r: Result) -> dict[str, object]:
        return result_json(r, id=t.id, group=t.group, statement=t.statement,
                           assumptions=list(t.assumptions))

    def line(t: Theorem, r: Result) -> str:
        return _row(t, r, None, None if args.wide else 96)

    def row(i: int, t: Theorem, r: Result) -> None:
        done.append(item(t, r), i)
        if progress.live:
            progress.line(_row(t, r, columns))
        elif not args.json:  # printed as it completes: a file or a pipe keeps it
            interrupt.emit(line(t, r), out)

    def early(i: int, t: Theorem, r: Result) -> None:
        # done before one listed earlier: its row waits for it, an interrupt writes it anyway
        done.hold(i, item(t, r), None if args.json else line(t, r))

    try:
        chosen, results = prove_all(_chunks(args.group, args.ids), args.timeout, jobs, progress,
                                    row, done, early)
    finally:
        progress.close()
    if args.json:
        from symconv.render import dump_json

        dump_json(done.items, out)
    else:
        _text(list(zip(chosen, results, strict=True)), out, time.perf_counter() - started)
    return combine(r.status for r in results).exit_code


def _chunks(only: Sequence[str], ids: Sequence[str]) -> Iterator[list[Theorem]]:
    """The chosen theorems, a provider at a time when no ids are given (ids are answered in the
    order they are given, so then everything is listed first)."""
    from symconv.api import select_theorems
    from symconv.theorems import by_provider

    if not ids:
        yield from by_provider(only)
        return
    yield select_theorems(ids, only)


def prove_all(chunks: Iterator[list[Theorem]], timeout: float, jobs: int, progress: Progress,
              row: Callable[[int, Theorem, Result], None] | None = None,
              done: Partial | None = None,
              early: Callable[[int, Theorem, Result], None] | None = None
              ) -> tuple[list[Theorem], list[Result]]:
    """Check every theorem of ``chunks`` on ``jobs`` processes: (theorems, results) in order.
    ``row(index, theorem, result)`` is called for each in order, as soon as those before it
    are in (the caller prints it), ``early(...)`` first for one done before an earlier one; a
    failure goes to ``progress`` at once. ``done.total`` counts the theorems listed so far."""
    from symconv.runner import Job, Runner

    chosen: list[Theorem] = []

    def started(i: int) -> None:
        progress.working(chosen[i].id)

    def finished(i: int, r: Result) -> None:
        failure = "" if r.ok else f"{chosen[i].id}: {r.status.value}"
        if failure and r.reason:
            failure += f" ({r.reason})"
        progress.advance(chosen[i].id, failure)
        if early is not None and i != shown[0]:
            early(i, chosen[i], r)

    shown = [0]  # the index of the next row in order

    def show(i: int, r: Result) -> None:
        shown[0] = i + 1
        if row is not None:
            row(i, chosen[i], r)

    runner: Runner[Result] = Runner(jobs, started, finished, show)
    progress.start("proving", 0)
    for chunk in chunks:
        chosen.extend(chunk)
        if done is not None:
            done.total = len(chosen)
        progress.grow(len(chunk))
        runner.add([Job(t.id, _checker(t, timeout), t.batch) for t in chunk])
    return chosen, runner.finish()


def _checker(t: Theorem, timeout: float) -> Callable[[], Result]:
    return lambda: t.check(timeout)


def _row(t: Theorem, r: Result, columns: int | None, statement: int | None = None) -> str:
    """One line: status, time, id, statement (the line cut to ``columns``, the statement to
    ``statement`` characters, unless None)."""
    status = r.status.value + (f" {r.bounds}" if r.bounds else "")
    text = t.statement if statement is None else _short(t.statement, statement)
    line = f"{status:<8} {r.seconds * 1000:>8.1f} ms  {t.id}  {text}"
    return line if columns is None else _short(line, columns)


def _text(results: list[tuple[Theorem, Result]], out: TextIO, elapsed: float) -> None:
    """After the rows (printed as they completed): each failure in full, then the totals."""
    from symconv.prover import Status
    from symconv.render import describe_result

    for t, r in results:
        if not r.ok:
            print(f"\n{t.id}: {describe_result(r)}", file=out)
    total = sum(r.seconds for _, r in results)
    n_ok = sum(r.status is Status.PROVED for _, r in results)
    n_bounded = sum(r.status is Status.PROVED_BOUNDED for _, r in results)
    # the rows' times are each theorem's own; on several processes they overlap
    print(f"\n{n_ok}/{len(results)} proved for all integers, {n_bounded} proved-bounded"
          f" (bounds in the statement; --json for full text); {elapsed:.2f} s elapsed, "
          f"{total:.2f} s summed over the theorems", file=out)
