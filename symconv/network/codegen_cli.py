"""``symconv generate --network FILE [--out DIR] [--check] [--json]``: the edge (files, text).

FILE is a spec (.toml/.json) or an ONNX model (read, never run), loaded as ``symconv network``
loads it (the same errors, exit 2). DIR defaults to the current directory. Written: the Python,
C and Rust shape functions, ``convshape.h`` (the C helpers they include) and the SMT-LIB of every
proof under ``proofs/<name>_shape/``. The proofs always run; the exit code is their most severe
verdict (with ``--check``, "out of date" counts as refuted). A network whose V is empty is still
generated: its function refuses every input, naming the first refusing layer.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from symconv.errors import UsageError, path_kind, timeout_seconds
from symconv.walk import WalkError

if TYPE_CHECKING:
    from symconv.network.codegen import NetworkCode
    from symconv.network.codegen_proofs import Proof

DEFAULT_OUT = "."


def run(args: argparse.Namespace, out: TextIO) -> int:
    from symconv.commands.network import load
    from symconv.network.codegen import files, network_code
    from symconv.network.codegen_proofs import prove_and_record
    from symconv.network.study import study
    from symconv.prover import Status, combine

    timeout = timeout_seconds(30.0 if args.timeout is None else args.timeout)
    root = Path(DEFAULT_OUT if args.out is None else args.out)
    if path_kind(root, "--out") not in ("missing", "dir"):
        raise UsageError(f"--out must be a directory, got the file {root}")
    source = Path(args.network)
    network = load(argparse.Namespace(torch=None, kwargs=None, channels=None,
                                      source=str(source)))
    st = study(network)
    try:
        code = network_code(st, source.name)
        results, smt = prove_and_record(code, timeout)
        expected = {**files(code), **smt}
    except WalkError as exc:  # a term the printers do not cover: said, never a traceback
        raise UsageError(f"{source}: no code generated: {exc}") from None
    status = combine(p.result.status for p in results)
    stale = [p for p in expected if _read(root / p) not in (None, expected[p])]
    missing = [p for p in expected if _read(root / p) is None]
    written: list[str] = []
    if args.check:
        if stale or missing:
            status = combine([status, Status.REFUTED])
    else:
        written = _write(root, expected, stale + missing)
    if args.json:
        from symconv.render import dump_json, result_json

        obj: dict[str, Any] = {"status": status.value, "network": network.name,
                               "function": code.function, "out": str(root),
                               "files": sorted(expected)}
        obj |= ({"stale": stale, "missing": missing} if args.check else {"written": written})
        obj["proofs"] = [result_json(p.result, id=p.id, statement=p.statement)
                         for p in results]
        dump_json(obj, out)
    else:
        out.write(_text(code, root, expected, results, args.check, stale, missing, written))
    return status.exit_code


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write(root: Path, expected: dict[str, str], changed: list[str]) -> list[str]:
    try:
        for rel in changed:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(expected[rel])
    except OSError as exc:
        raise UsageError(f"--out: cannot write {exc.filename or root}: {exc.strerror}") from None
    return [p for p in expected if p in changed]


def _text(code: NetworkCode, root: Path, expected: dict[str, str], proofs: list[Proof],
          check: bool, stale: list[str], missing: list[str], written: list[str]) -> str:
    sig = ", ".join(code.params)
    outs = ", ".join(f"{layer} {axis}" for layer, axis in code.outputs) or "validity only"
    lines = [f"{code.analysis.network.name}: {code.function}({sig}) -> ({outs})",
             f"  valid set V: {code.study.valid.text()}"]
    sources = [p for p in expected if not p.startswith("proofs/")]
    smt = len(expected) - len(sources)
    if check:
        for label, paths in (("stale", stale), ("missing", missing)):
            lines += [f"{label}: {(root / p).as_posix()}" for p in paths]
        lines.append(f"{root}: out of date: run `{code.command} --out {root}`"
                     if stale or missing else f"{root}: {len(expected)} files up to date")
    else:
        lines += [f"  {(root / p).as_posix()}" for p in sources]
        lines.append(f"  {(root / code.proof_dir).as_posix()}/: {smt} SMT-LIB files")
        lines.append(f"{root}: {len(expected)} files, {len(written)} written")
    width = max(len(p.id) for p in proofs)
    for p in proofs:
        r = p.result
        extra = f"  {r.reason}" if r.reason and not r.ok else ""
        cx = (f"  counterexample: {', '.join(f'{k}={v}' for k, v in r.counterexample.items())}"
              if r.counterexample else "")
        lines.append(f"{p.id.ljust(width)}  {r.status.value}  {r.seconds * 1000:.1f} ms{cx}"
                     f"{extra}")
    held = sum(p.result.ok for p in proofs)
    lines.append(f"{held}/{len(proofs)} proofs hold for every integer (Python) and every int64 "
                 "input (C, Rust)")
    return "\n".join(lines) + "\n"
