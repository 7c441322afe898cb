"""``symconv audit``: the guide as printed — relations 1-15, the captions stating parameters or
sizes, the matrix C of §4.1 — each claim with a verdict (holds / wrong) and, for a wrong one, the
counterexample or inconsistent numbers and the correct statement.

Exit codes: 0 the audit ran (its verdicts are in the output), 1 a transcription no longer occurs
verbatim in the guide file, 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from symconv.commands._args import add_json, refuse
from symconv.errors import UsageError, read_input_file, timeout_seconds

HELP = "audit the guide as printed: every relation, caption and the §4.1 matrix, with verdicts"


# the verdict words of the text table (the guide's claim holds / is wrong), as every command's
# JSON says them
_STATUS = {"holds": "proved", "wrong": "refuted"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Exit codes: 0 every printed claim checked holds, 1 a claim of the guide is "
                     "wrong (refuted), 2 bad input (an unreadable --guide).")
    add_json(parser, "a list of objects with id, status (proved: the printed claim holds; "
             "refuted: it is wrong), detail, location, printed, encoded, checks")
    parser.add_argument("--guide", type=Path, default=None, metavar="PATH",
                        help="the guide to check the transcriptions against (default: "
                        "shared/guide/conv-arithmetic-guide.zh.md beside the repository)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per solver call")
    parser.add_argument("--verbose", action="store_true", help="print every check")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv import interrupt
    from symconv.audit import Finding, audit_plan, find_guide, run_audit, transcription_mismatches
    from symconv.progress import for_output
    from symconv.render import dump_json, stream_table

    if args.json:
        refuse(args, ("verbose",), "the JSON holds every check")
    args.timeout = timeout_seconds(args.timeout)
    guide = args.guide if args.guide is not None else find_guide()
    mismatches: list[tuple[str, str]] = []
    if guide is not None:
        raw = read_input_file(guide, f"--guide {str(guide)!r}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"--guide: cannot read {str(guide)!r}: {exc}") from None
        mismatches = transcription_mismatches(text)
    progress = for_output(out, enabled=not args.json)
    plan = audit_plan()
    done = interrupt.track("findings", "claims audited", len(plan))
    # text: the table's rows printed as each claim is audited (the widths are the plan's)
    row = None if args.json else stream_table(
        ["id", "where", "status"], [[cid, where, "holds"] for cid, where in plan],
        progress.line if progress.live else lambda line: interrupt.emit(line, out))

    def observe(name: str, found: Finding | None) -> None:
        if found is None:
            progress.working(name)
            return
        with interrupt.held():  # counted and printed together, or neither
            done.append(found.to_json() | {"status": _STATUS[found.status]})
            progress.advance(name, f"{name}: wrong" if found.status == "wrong" else "")
            if row is not None:
                row([found.id, found.location, found.status])

    try:
        progress.start("auditing", len(plan))
        findings = run_audit(args.timeout, observe)
    finally:
        progress.close()
    if args.json:
        dump_json(done.items, out)
    else:
        for f in findings:
            if f.status == "wrong" or args.verbose:
                print(f"\n{f.id} ({f.location}): {f.status}", file=out)
                print(f"  {f.detail}", file=out)
                if args.verbose:
                    for check in f.checks:
                        print(f"    {check}", file=out)
        n_wrong = sum(f.status == "wrong" for f in findings)
        print(f"\n{len(findings)} claims: {len(findings) - n_wrong} hold, {n_wrong} wrong",
              file=out)
    if guide is None:
        print("note: guide file not found; transcriptions not re-checked (use --guide)", file=err)
    for cid, snippet in mismatches:
        print(f"transcription of {cid} does not occur verbatim in {guide}: {snippet[:60]}…",
              file=err)
    return 1 if mismatches else 0
