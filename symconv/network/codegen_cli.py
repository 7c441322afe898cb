"""``symconv generate --network FILE [--out DIR] [--check] [--json]``: the edge (files, text).

FILE is a spec (.toml/.json) or an ONNX model (read, never run), loaded as ``symconv network``
loads it (the same errors, exit 2). DIR defaults to the current directory. Written: the Python,
C, TypeScript (.ts, .js, .d.ts) and Rust shape functions, ``convshape.h`` (the C helpers they
include) and the SMT-LIB of every proof under ``proofs/<name>_shape/``. The proofs always run;
the exit code is their most severe verdict (with ``--check``, "out of date" counts as refuted).
A network whose V is empty is still generated: its function refuses every input, naming the
first refusing layer. It never removes a file: what it wrote before for another network (or a
guide generation's files) stays.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from symconv.commands._args import refuse
from symconv.commands.generate import out_dir
from symconv.errors import UsageError, timeout_seconds
from symconv.walk import WalkError

if TYPE_CHECKING:
    from symconv.network.codegen import NetworkCode
    from symconv.network.ir import Network
    from symconv.network.codegen_proofs import Proof

DEFAULT_OUT = "."


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.commands.network import load
    from symconv.network.codegen import files
    from symconv.network.codegen_proofs import Proof, prove_and_record
    from symconv.network.codegen_ts import statement as ts_statement
    from symconv.network.codegen_ts import ts_files, ts_proofs
    from symconv.prover import Status, combine

    timeout = timeout_seconds(30.0 if args.timeout is None else args.timeout)
    root = out_dir(DEFAULT_OUT if args.out is None else args.out, writing=not args.check)
    if args.torch is not None:
        if args.network:
            raise UsageError("give --network FILE or --network --torch SOURCE:CALLABLE, not "
                             "both")
        code, model_proof = _torch_code(args, err, timeout)
    else:
        if not args.network:
            raise UsageError("--network needs FILE (a .toml/.json spec or an .onnx model) or "
                             "--torch SOURCE:CALLABLE")
        refuse(args, ("kwargs", "channels", "rank"), "they go with --torch")
        network = load(argparse.Namespace(torch=None, kwargs=None, channels=None,
                                          source=args.network))
        code, model_proof = _code(network, Path(args.network).name), None
    try:
        results, smt = prove_and_record(code, timeout)
        if model_proof is not None:
            results.insert(0, model_proof)
        ts_result, ts_smt = ts_proofs(code, timeout)
        results.append(Proof(f"net.ts.{code.function}", ts_statement(code), ts_result))
        expected = {**files(code), **ts_files(code), **smt, **ts_smt}
    except WalkError as exc:  # a term the printers do not cover: said, never a traceback
        raise UsageError(f"{code.source}: no code generated: {exc}") from None
    status = combine(p.result.status for p in results)
    stale = [p for p in expected if _read(root / p) not in (None, expected[p])]
    missing = [p for p in expected if _read(root / p) is None]
    written: list[str] = []
    if args.check:
        if stale or missing:
            status = combine([status, Status.REFUTED])
    else:
        from symconv.interrupt import held

        with held():  # every file or, interrupted before, none
            written = _write(root, expected, stale + missing)
    if args.json:
        from symconv.render import dump_json, result_json

        obj: dict[str, Any] = {"status": status.value, "network": code.subject.name,
                               "function": code.function, "out": str(root),
                               "files": sorted(expected)}
        obj |= ({"stale": stale, "missing": missing} if args.check else {"written": written})
        obj["proofs"] = [result_json(p.result, id=p.id, statement=p.statement)
                         for p in results]
        dump_json(obj, out)
    else:
        out.write(_text(code, root, expected, results, args.check, stale, missing, written))
    return status.exit_code


def _code(network: Network, shown: str) -> NetworkCode:
    from symconv.network.codegen import network_code
    from symconv.network.study import study

    try:
        return network_code(study(network), shown)
    except WalkError as exc:  # a term the printers do not cover: said, never a traceback
        raise UsageError(f"{shown}: no code generated: {exc}") from None


def _torch_code(args: argparse.Namespace, err: TextIO, timeout: float
                ) -> tuple[NetworkCode, Proof | None]:
    """A PyTorch model's code: by torch.fx's IR where torch.fx records the forward and every op
    in it is modelled (as ``network --torch``), else (and with ``--symbolic``) from its paths
    through PyTorch's own symbolic shapes, with the proof that the spec is those paths. Banners
    name the file, not its path: the generated text is the same on every machine."""
    from symconv.commands.network import _frontend, _kwargs
    from symconv.network.ir import NetworkError

    frontend = _frontend("torch_frontend", "torch", "--torch")
    channels = 3 if args.channels is None else args.channels
    frontend.check_options(channels, args.rank)
    model = frontend.build_model(args.torch, _kwargs(args))
    source, _, attr = args.torch.rpartition(":")
    shown = f"--torch {Path(source).name if source.endswith('.py') else source}:{attr}"
    if not args.symbolic:
        try:
            network: Network = frontend.from_module(model, name=attr, channels=channels,
                                                    rank=args.rank, target=args.torch)
        except NetworkError:
            pass
        else:
            return _code(network, shown), None
    return _traced_code(args, model, attr, channels, shown, err, timeout)


def _traced_code(args: argparse.Namespace, model: Any, name: str, channels: int, shown: str,
                 err: TextIO, timeout: float) -> tuple[NetworkCode, Proof]:
    from symconv.network.codegen_proofs import Proof
    from symconv.commands.network import study_shown
    from symconv.network.traced_codegen import prove_subject, traced_code

    st = study_shown(err, model, name=name, channels=channels, rank=args.rank, timeout=timeout,
                     jobs=args.jobs)
    try:
        code = traced_code(st, shown, timeout)
        outcome = prove_subject(st, code, timeout)
    except WalkError as exc:  # a term Z3's translator does not cover: said, never a traceback
        raise UsageError(f"{shown}: no code generated: {exc}") from None
    statement = (f"{code.function}'s checks and closed forms are PyTorch's own: for every size, "
                 "its checks hold exactly on the union of the valid paths of the forward (every "
                 "path explored, coverage proved) and its results are each path's output sizes")
    return code, Proof(f"net.model.{code.function}", statement, outcome.to_result())


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
    lines = [f"{code.subject.name}: {code.function}({sig}) -> ({outs})",
             f"  valid set V: {code.subject.valid_text}"]
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
    lines.append(f"{held}/{len(proofs)} proofs hold for every integer (Python), every int64 "
                 "input (C, Rust) and every JavaScript value (TypeScript)")
    return "\n".join(lines) + "\n"
