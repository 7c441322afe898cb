from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from symconv.commands._args import add_json, refuse
from symconv.errors import UsageError, path_kind, timeout_seconds

if TYPE_CHECKING:
    from symconv.interrupt import Partial
    from symconv.progress import Progress
    from symconv.prover import Result
    from symconv.theorems import Theorem

HELP = ("write generated/ (Python, C, TypeScript and Rust shape helpers, LaTeX tables, proofs) "
        "from the relations; with --network FILE, a network's shape function as proved "
        "Python, C, TypeScript and Rust")

GENERATED_PREFIXES = ("gen.",)  # theorem ids that re-prove generated code
GENERATED_GROUPS = ("generated-python", "codegen-c", "codegen-ts", "codegen-rust")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Exit codes: 0 written (with --check: up to date and every proof holds), "
                     "1 out of date or a proof refuted, 3 a proof unknown, 2 bad input (an "
                     "unwritable "
                     "--out). With --network: the most severe verdict of its proofs, an out-of-"
                     "date DIR counting as refuted under --check.")
    parser.add_argument("--network", metavar="FILE", nargs="?", const="",
                        help="instead: a network's shape function as proved Python, C, Rust and "
                        "TypeScript "
                        "(FILE: a .toml/.json spec or an .onnx model, read, never run; or "
                        "--network --torch SOURCE:CALLABLE), written to --out (default: the "
                        "current directory)")
    parser.add_argument("--torch", metavar="SOURCE:CALLABLE",
                        help="with --network: a PyTorch model, read as network --torch reads "
                        "it: torch.fx where it records the forward, else PyTorch's own "
                        "symbolic shapes, every path explored (this IMPORTS AND RUNS SOURCE and "
                        "CALLABLE)")
    parser.add_argument("--symbolic", action="store_true",
                        help="with --torch: read the model through PyTorch's own symbolic "
                        "shapes even where torch.fx records it")
    parser.add_argument("--kwargs", metavar="JSON",
                        help="with --torch: keyword arguments for CALLABLE, a JSON object")
    parser.add_argument("--channels", type=int, metavar="C",
                        help="with --torch: the input's channels (default 3)")
    parser.add_argument("--rank", type=int, metavar="N",
                        help="with --torch: the input's spatial axes (1, 2 or 3)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="output directory (default: generated; with --network: .)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; regenerate in memory, re-prove the generated code, "
                        "and exit 1 if DIR is out of date")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per solver call for --check's proofs (30)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="processes rendering and proving at once (default: the number of "
                        "cores); with --network --torch, processes tracing paths at once; the "
                        "output does not depend on it")
    add_json(parser, "an object with the files written and removed; with --check, status "
             "(proved, refuted: out of date or a proof fails, unknown), the stale, missing and "
             "extra files and every proof")


MANIFEST = ".symconv-manifest"


def manifest_text(expected: Iterable[str]) -> str:
    """The manifest of a guide generation: the files it writes, sorted, after a banner. It is
    what a later run may remove: a file this run did not write is never touched."""
    from symconv.artifacts import banner

    head = banner(MANIFEST).rstrip("\n") + (" The files `symconv generate` wrote here: it "
                                            "removes only these, when it no longer writes them.")
    return "\n".join([head, *sorted(p for p in expected if p != MANIFEST)]) + "\n"


def _listed(root: Path) -> list[str]:
    """The paths the manifest in ``root`` lists (none without one): relative, without ``..``,
    so that an edited manifest cannot name a file elsewhere."""
    from pathlib import PurePosixPath

    text = _ours(root / MANIFEST)
    if text is None:
        return []
    out = []
    for line in text.splitlines()[1:]:
        rel = PurePosixPath(line)
        if line and line == rel.as_posix() and not rel.is_absolute() and ".." not in rel.parts \
                and line != MANIFEST:
            out.append(line)
    return out


def _ours(path: Path) -> str | None:
    """The text of ``path`` if it is a regular file carrying a ``symconv generate`` banner."""
    from symconv.artifacts import COMMAND

    try:
        if path.is_symlink() or not path.is_file():
            return None
        with open(path, encoding="utf-8") as fh:
            first = fh.readline(4096)
            if f"Generated by `{COMMAND}`" not in first:
                return None
            return first + fh.read()
    except (UnicodeDecodeError, OSError, ValueError):
        return None


def diff(expected: dict[str, str], root: Path) -> tuple[list[str], list[str], list[str]]:
    """(stale, missing, extra) paths relative to ``root``: extra are the files the manifest in
    ``root`` lists that are no longer generated and still carry the banner — never a file a
    guide generation did not write (a ``--network`` run's, the user's own)."""
    present = {rel: _ours(root / rel) for rel in expected}
    stale = [p for p in expected if present[p] is not None and present[p] != expected[p]]
    missing = [p for p in expected if present[p] is None]
    extra = [p for p in _listed(root) if p not in expected and _ours(root / p) is not None]
    return stale, missing, extra


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv import interrupt
    from symconv.commands.prove import jobs_arg
    from symconv.progress import for_output

    if args.network is None:
        refuse(args, ("torch", "kwargs", "channels", "rank"), "they go with --network")
    if args.torch is None:
        refuse(args, ("symbolic",), "it goes with --network --torch")
    if args.network is not None:
        from symconv.network import codegen_cli

        if args.torch is None:
            refuse(args, ("jobs",), "--network proves one function, in this process")
        return codegen_cli.run(args, out, err)
    args.out = "generated" if args.out is None else args.out
    if not args.check:
        refuse(args, ("timeout",), "only --check proves")
    args.timeout = 30.0 if args.timeout is None else args.timeout
    args.timeout = timeout_seconds(args.timeout)
    jobs = jobs_arg(args.jobs)
    root = out_dir(args.out, writing=not args.check)
    progress = for_output(out, enabled=not args.json)
    done = interrupt.track("parts", "parts rendered or proved")
    done.note = (f"{root} not checked" if args.check
                 else f"nothing written to {root}: it is as it was")
    try:
        expected, proofs = _render_and_prove(args.timeout if args.check else None, jobs,
                                             progress, done)
    finally:
        progress.close()
    expected = {**expected, MANIFEST: manifest_text(expected)}
    stale, missing, extra = diff(expected, root)
    if args.check:
        return _check(expected, root, proofs, (stale, missing, extra),
                      None if args.json else out, out)
    try:
        with interrupt.held():  # all of it or, interrupted before, nothing
            written = _write(root, expected, stale + missing, extra)
    except OSError as exc:
        raise UsageError(f"--out: cannot write {exc.filename or root}: {exc.strerror}") from None
    if args.json:
        from symconv.render import dump_json

        dump_json({"out": str(root), "files": len(expected),
                   "written": [p for p in expected if p in stale or p in missing],
                   "removed": extra}, out)
        return 0
    for rel in extra:
        print(f"removed: {(root / rel).as_posix()} (written by an earlier `symconv generate`, "
              "no longer generated)", file=out)
    print(f"{root}: {len(expected)} files, {written} written, {len(extra)} removed", file=out)
    return 0


def out_dir(text: str, writing: bool) -> Path:
    """``--out``: a directory, or a path where one can be made (``writing``); UsageError for
    an empty string (not "the current directory"), a file or anything else."""
    if not text:
        raise UsageError("--out must name a directory, got an empty string (use --out . for "
                         "the current directory)")
    root = Path(text)
    kind = path_kind(root, "--out")
    if kind not in ("missing", "dir"):
        what = "the file" if kind == "file" else "something that is no file or directory:"
        raise UsageError(f"--out must be a directory, got {what} {root}")
    if writing:
        _can_create(root)
    return root


def _can_create(root: Path) -> None:
    """UsageError, before the (long) generation, if ``root`` cannot be a writable directory."""
    import os

    existing = root.absolute()
    while path_kind(existing, "--out") == "missing":
        existing = existing.parent
    if path_kind(existing, "--out") != "dir":
        raise UsageError(f"--out: cannot write {root}: {existing} is not a directory")
    if not os.access(existing, os.W_OK):
        raise UsageError(f"--out: cannot write {root}: {existing} is not writable")


def _write(root: Path, expected: dict[str, str], changed: list[str], extra: list[str]) -> int:
    for rel in extra:
        (root / rel).unlink()
    for rel in changed:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(expected[rel])
    return len(changed)


_proved: dict[float, tuple[tuple[str, Result], ...]] = {}


def _render_and_prove(timeout: float | None, jobs: int, progress: Progress,
                      done: Partial | None = None
                      ) -> tuple[dict[str, str], tuple[tuple[str, Result], ...]]:
    """Every artifact, and with a ``timeout`` the proofs of the generated code, on ``jobs``
    processes. A C function's SMT-LIB files and its theorems share a batch (one symbolic
    execution). Each is done once per process: the output is a pure function of the code.

    Listed a provider at a time, those quick to list first: the first worker starts while this
    process still lists the rest (listing the proofs builds every statement, seconds)."""
    from symconv import artifacts
    from symconv.runner import Job, Runner
    from symconv.theorems import PROVIDERS, provided

    want_proofs = timeout is not None and timeout not in _proved
    render = not artifacts.rendered_already()
    proving = [name for name, groups in PROVIDERS.items()
               if want_proofs and set(groups) & set(GENERATED_GROUPS)]
    # artifacts that list at once, then the frameworks report (its pieces are the longest
    # jobs), then those whose parts go with proofs, in the proofs' registry order
    names = [*(n for n in artifacts.PROVIDERS if n not in proving), *proving] if render \
        else proving
    names.sort(key=lambda n: (n in proving, n == "symconv.frameworks.report"))
    pieces: list[artifacts.Piece] = []
    theorems: list[Theorem] = []
    slots: list[tuple[bool, int]] = []  # per job: (is a proof, index in pieces or theorems)
    labels: list[str] = []
    def finished(i: int, value: Any) -> None:
        progress.advance(labels[i], _failure(labels[i], value))
        if done is not None:
            done.append(_done_json(labels[i], value))

    runner: Runner[Any] = Runner(jobs, lambda i: progress.working(labels[i]), finished)
    progress.start("generating" + (" and proving" if proving else ""), 0)
    for name in names:
        found = artifacts.provider_parts(name) if render and name in artifacts.PROVIDERS else []
        proofs = [t for t in provided(name, GENERATED_GROUPS) if t.id.startswith(
            GENERATED_PREFIXES)] if name in proving else []
        batches: dict[str, list[int]] = {}
        for n, t in enumerate(proofs, start=len(theorems)):
            batches.setdefault(t.batch or f"#{n}", []).append(n)
        order: list[tuple[bool, int]] = []
        for n, piece in enumerate(found, start=len(pieces)):
            order.append((False, n))
            order.extend((True, m) for m in (batches.pop(piece.batch, []) if piece.batch else []))
        order.extend((True, m) for ms in batches.values() for m in ms)
        pieces += found
        theorems += proofs
        items: list[Job[Any]] = []
        for is_proof, n in order:
            if is_proof:
                t = theorems[n]
                items.append(Job(t.id, _checker(t, timeout or 0.0), t.batch))
            else:
                items.append(Job(pieces[n].label, pieces[n].render, pieces[n].batch))
        slots += order
        labels += [job.label for job in items]
        progress.grow(len(items))
        if done is not None:
            done.total = len(labels)
        runner.add(items)
    values = runner.finish()
    if render:
        rendered = {n: v for (is_proof, n), v in zip(slots, values, strict=True) if not is_proof}
        artifacts.remember(artifacts.assemble(pieces, [rendered[n] for n in range(len(pieces))]))
    if want_proofs:
        assert timeout is not None
        by_theorem = {n: v for (is_proof, n), v in zip(slots, values, strict=True) if is_proof}
        _proved[timeout] = tuple((t.id, by_theorem[m]) for m, t in enumerate(theorems))
    return artifacts.all_artifacts(), _proved.get(timeout, ()) if timeout is not None else ()


def _done_json(label: str, value: object) -> dict[str, Any]:
    """A finished job for an interrupted run's JSON: a part rendered, or a proof's verdict."""
    from symconv.prover import Result
    from symconv.render import result_json

    if isinstance(value, Result):
        return result_json(value, id=label)
    return {"part": label, "status": "rendered"}


def _checker(t: Theorem, timeout: float) -> Callable[[], Result]:
    return lambda: t.check(timeout)


def _failure(label: str, value: object) -> str:
    from symconv.prover import Result

    if isinstance(value, Result) and not value.ok:
        return f"{label}: {value.status.value}" + (f" ({value.reason})" if value.reason else "")
    return ""


def _check(
    expected: dict[str, str],
    root: Path,
    proofs: tuple[tuple[str, Result], ...],
    changes: tuple[list[str], list[str], list[str]],
    text: TextIO | None,
    out: TextIO,
) -> int:
    """Text to ``text`` (None: one JSON object to ``out``); the exit code is the most severe
    of "out of date" (refuted) and the proofs' verdicts."""
    from symconv.prover import Status, combine

    stale, missing, extra = changes
    lines = [f"{label}: {(root / rel).as_posix()}"
             for label, paths in (("stale", stale), ("missing", missing), ("extra", extra))
             for rel in paths]
    if stale or missing or extra:
        fix = "symconv generate" + ("" if root == Path("generated") else f" --out {root}")
        lines.append(f"{root} is out of date: run `{fix}`")
    else:
        lines.append(f"{root}: {len(expected)} files up to date")
    if text is not None:
        print("\n".join(lines), file=text)
    failed = [(tid, r) for tid, r in proofs if not r.ok]
    lines = [f"not proved: {tid}: {r.status.value} {r.reason}" for tid, r in failed]
    lines.append(f"generated code: {len(proofs) - len(failed)}/{len(proofs)} proofs hold")
    if text is not None:
        print("\n".join(lines), file=text)
    dated = [Status.REFUTED] if stale or missing or extra else []
    status = combine([*dated, *(r.status for _, r in proofs)])
    if text is None:
        from symconv.render import dump_json, result_json

        dump_json({"status": status.value, "out": str(root), "files": len(expected),
                   "stale": stale, "missing": missing, "extra": extra,
                   "proofs": [result_json(r, id=tid) for tid, r in proofs]}, out)
    return status.exit_code
