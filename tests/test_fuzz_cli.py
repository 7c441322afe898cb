"""Every command's ``main(argv)`` with hostile arguments: never a traceback, always a known exit
code, in bounded time.

The arguments start from a valid skeleton of each command (so that parsing gets past the first
option) whose holes are filled with hostile values, plus hostile extra tokens. The engines whose
valid runs are long — all theorems, the generator, the benchmark timings, the audit, pdflatex —
are replaced by small stand-ins, and every solver timeout is capped: what is under test is the
command layer (parsing, validation, rendering, exit codes); the engines have their own tests.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from symconv.cli import build_parser, main
from symconv.commands import COMMANDS
from symconv.prover import Result, Status
from symconv.theorems import Theorem

KNOWN_EXIT_CODES = {0, 1, 2, 3, 4, 5}
SECONDS = 60.0  # per call, on a loaded shared machine; a hang would be far longer

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    "", " ", "-", "--", "---", "-1", "0", "1", "2", "3", "7", "16", "-0",
    "99999999999999999999999999", "-99999999999999999999", "1" * 400, "1e999", "nan", "inf",
    "3.5", "0x10", "1,2", "1,,2", ",", "4 4", "None", "True", "\x00", "\udcff", "é", "关系",
    "../../etc/passwd", "/", "/etc/passwd", "nofile.py", "nofile.py:f", ":", "a:b:c",
    "(" * 200, "[" * 200 + "]" * 200, "i" * 5000, "2**99999", "x//0 == 1", "i > 0",
    "floor((i + 2*p - k)/s) + 1 >= 1", "True == 1", "i < 2**63", "s == 0", "R", "R99",
    "torch.conv", "onnx.conv", "tf.conv.valid", "guide.conv", "same", "SAME_UPPER",
    "--json", "--help", "--version", "--timeout", "--bounds", "--out", "--input", "--kernel",
    "--batch", "--rule", "--where", "--frames", "--format", "png", "pdf", "tikz", "x.jpg",
    "out.png", "out.pdf", "out.tex",
]
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30),
                    st.integers(-(10**30), 10**30).map(str))

# command -> skeletons; "@n" (a number), "@c" (a claim), "@w" (a word: id, kind, mode), "@f" (a
# file) mark holes, filled with a plausible value or a hostile one
SKELETONS: dict[str, list[list[str]]] = {
    "relations": [["relations", "@w"], ["relations", "--dims", "@n"]],
    "prove": [["prove", "@w"], ["prove", "--group", "@w"], ["prove", "fake0", "--timeout", "@n"]],
    "derive": [["derive", "@w"], ["derive", "R3", "--timeout", "@n"]],
    "check": [["check", "@c"], ["check", "@c", "--assume", "@c"],
              ["check", "i > 0", "--bounds", "@n", "@n"], ["check", "@c", "--no-domains"]],
    "matrix": [["matrix", "--input", "@n", "--kernel", "@n"],
               ["matrix", "-i", "4", "-k", "3", "--stride", "@n", "--padding", "@n"],
               ["matrix", "-i", "@n", "@n", "-k", "3", "--dims", "@n"]],
    "figure": [["figure", "@w", "-i", "5", "-k", "3"],
               ["figure", "conv", "-i", "@n", "-k", "@n", "-o", "@f"],
               ["figure", "transposed", "-i", "6", "-k", "3", "-s", "@n", "-a", "@n"],
               ["figure", "pool", "-i", "5", "-k", "3", "--format", "@w", "--out", "@f"]],
    "verify-function": [["verify-function", "@f", "--relation", "@w"],
                        ["verify-function", "tests/verify_cases.py:@w", "--relation", "R15",
                         "--map", "@c", "--index", "@n"]],
    "audit": [["audit", "--guide", "@f"], ["audit", "--timeout", "@n"]],
    "generate": [["generate", "--out", "@f"], ["generate", "--check", "--timeout", "@n"]],
    "shape": [["shape", "@w", "--input", "@n", "--kernel", "@n"],
              ["shape", "conv", "--input", "@n", "@n", "--kernel", "3", "--stride", "@n"],
              ["shape", "max-pool", "--framework", "@w", "--input", "5", "--kernel", "@n",
               "--mode", "@w"],
              ["shape", "--batch", "@f"], ["shape", "--batch", "BATCHFILE", "--framework", "@w"]],
    "bench": [["bench", "--number", "@n", "--repeat", "@n"], ["bench", "--prove", "@w"]],
    "compare": [["compare", "@w", "@w"], ["compare", "torch.conv", "@w", "--where", "@c"],
                ["compare", "--list", "@w"], ["compare", "--all", "@w"]],
    "solve": [["solve", "@w", "--i", "@n", "--k", "@n"],
              ["solve", "padding", "--i", "@n", "--k", "@n", "--s", "@n", "--o", "@n"],
              ["solve", "inputs", "--o", "@n", "--k", "@n", "--rule", "@w"],
              ["solve", "output-padding", "--i", "@n", "--k", "3", "--target", "@n", "--p",
               "@n"],
              ["solve", "params", "--i", "@n", "--o", "@n", "--max-k", "@n", "--max-solutions",
               "@n"]],
    # spec files only: --torch imports and runs the user's constructor, never fuzzed
    "network": [["network", "@f"], ["network", "@f", "--sizes", "@w", "--why", "@n"]],
    "site": [["site", "@f"], ["site", "@f", "--json"]],
}
NEVER = {"--torch", "--kwargs"}
PLAUSIBLE = {
    "@n": st.integers(0, 12).map(str),
    "@c": st.sampled_from(["i > 0", "floor((i + 2*p - k)/s) + 1 >= 1", "i < 2**63",
                           "s == 0", "x * x >= 0", "i // 2 <= i", "k == 3",
                           "(i + 2*p - k) % s == 0 -> i >= 1", "i=k", "p=1"]),
    "@w": st.sampled_from(["R", "R1", "R15", "fake0", "relation", "conv", "pool",
                           "transposed", "dilated", "torch", "onnx", "tf", "jax", "guide",
                           "same", "valid", "SAME_UPPER", "guide.conv", "torch.max_pool.ceil",
                           "onnx.conv", "tikz", "png", "pdf", "padding", "inputs",
                           "conv_out", "conv_float", "conv_off_by_one", "f", "PCEIL"]),
    "@f": st.sampled_from(["out.tex", "out.png", "out.pdf", "out", "gen", "BATCHFILE",
                           "tests/verify_cases.py:conv_out", "tests", "nofile"]),
}


def _hole(kind: str) -> st.SearchStrategy[str]:
    return st.one_of(PLAUSIBLE[kind], PLAUSIBLE[kind], hostile)


# appended so that whatever the hostile tokens asked, a valid run stays short
CAPS: dict[str, list[str]] = {
    "check": ["--timeout", "1"], "derive": ["--timeout", "1"], "prove": ["--timeout", "1"],
    "network": ["--timeout", "1"],
    "compare": ["--timeout", "1"], "verify-function": ["--timeout", "1"],
    "bench": ["--number", "10", "--repeat", "1"],
}
SOLVE_CAPS = ["--timeout", "1"]


def test_every_command_has_skeletons() -> None:
    assert set(COMMANDS) <= set(SKELETONS)


def _options() -> dict[str, list[str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {name: [o for a in sub.choices[name]._actions for o in a.option_strings
                   if o not in NEVER] for name in COMMANDS}


OPTIONS = _options()


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(set(SKELETONS) & set(COMMANDS))))
    skeleton = draw(st.sampled_from(SKELETONS[command]))
    argv = [draw(_hole(token[:2])) + token[2:] if token.startswith("@") else
            token.replace(":@w", ":" + draw(PLAUSIBLE["@w"])) for token in skeleton]
    extra = st.one_of(hostile, st.sampled_from(OPTIONS[command] or ["--json"]))
    if draw(st.integers(0, 2)) == 0:
        argv += draw(st.lists(extra, min_size=1, max_size=2))
    if draw(st.integers(0, 3)) == 0 and len(argv) > 1:
        del argv[draw(st.integers(1, len(argv) - 1))]
    # never write outside the scratch directory (figure -o, generate --out, also as --out=/x
    # or -o/x): no path but the test's own; "/" becomes "." (a directory, hostile enough)
    argv = [t if t.startswith("tests/verify_cases.py") else
            "." if t == "/" else t.replace("/", "_").replace("..", "__") for t in argv]
    # argparse takes any unambiguous prefix (--tor for --torch): never one of NEVER's
    argv = [t for t in argv if not (t.startswith("--") and len(t) > 2 and any(
        n.startswith(t.split("=", 1)[0]) for n in NEVER))]
    if command == "solve" and len(argv) > 1 and argv[1] in ("padding", "inputs",
                                                           "output-padding", "params"):
        argv += SOLVE_CAPS + (["--max-solutions", "3"] if argv[1] == "params" else [])
    else:
        argv += CAPS.get(command, [])
    return argv


def _fake_theorems(only: object = ()) -> list[Theorem]:
    verdicts = [Status.PROVED, Status.REFUTED, Status.UNKNOWN, Status.VACUOUS]
    return [Theorem(f"fake{n}", "relation", f"statement {n}",
                    lambda timeout, st=st: Result(st, 0.0, reason="stand-in"))
            for n, st in enumerate(verdicts)]


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Long engines replaced for the whole module (hypothesis runs many examples per test)."""
    work = tmp_path_factory.mktemp("fuzz")
    (work / "BATCHFILE").write_bytes(b'{"op": "conv", "i": 5, "k": 3}\n\xff\n' + b"[" * 5000)
    with pytest.MonkeyPatch.context() as mp:  # undone even when a stand-in fails to apply
        yield from _stand_ins(mp, work)


def _stand_ins(mp: pytest.MonkeyPatch, work: Path) -> Iterator[Path]:
    import derivations
    import symconv.audit
    import symconv.benchmarks
    import symconv.commands.bench
    import symconv.commands.generate
    import symconv.frameworks.compare
    import symconv.texrun
    import symconv.theorems
    from symconv.benchmarks import Timing

    steps = derivations.all_steps()[:2]
    mp.setattr(derivations, "all_steps", lambda: steps)
    mp.setattr(symconv.theorems, "all_theorems", _fake_theorems)
    mp.setattr(symconv.theorems, "groups", lambda: ["relation"])
    mp.setattr(symconv.audit, "run_audit", lambda timeout, observe=None: [])
    mp.setattr(symconv.theorems, "by_provider", lambda only=(): iter([_fake_theorems(only)]))
    mp.setattr(symconv.commands.generate, "_render_and_prove",
               lambda timeout, jobs, progress, done=None: (
                   {"python/fake.py": "# Generated by `symconv generate` -- do not edit.\n"},
                   (("gen.fake", Result(Status.PROVED, 0.0)),) if timeout is not None else ()))
    mp.setattr(symconv.commands.bench, "ns_per_call", lambda fn, number, repeat: 1.0)
    mp.setattr(symconv.commands.bench, "_c_numbers", lambda: (None, "C: skipped"))
    mp.setattr(symconv.benchmarks, "prove_wall_time",
               lambda repeat=3, ids=(), on_run=None: Timing("symconv prove", 1.0,
                                                             "stand-in"))
    mp.setattr(symconv.benchmarks, "brute_force_restore",
               lambda limit=40: Timing("brute force", 1.0, "stand-in"))
    mp.setattr(symconv.frameworks.compare, "matrix_groups", lambda rules: {})
    mp.setattr(symconv.texrun, "pdf_bytes", lambda tex: b"%PDF-stand-in")
    mp.setattr(symconv.texrun, "png_pages", lambda tex, resolution=150: [b"\x89PNG"] * 3)
    mp.chdir(work)
    (work / "tests").mkdir()
    (work / "tests" / "verify_cases.py").write_text(
        (ROOT / "tests" / "verify_cases.py").read_text())
    yield work


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.function_scoped_fixture])
@given(argv=argvs())
def test_hostile_arguments(stand_ins: Path, argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    code = main(argv, out, err)
    elapsed = time.perf_counter() - start
    text = out.getvalue() + err.getvalue()
    event(f"{argv[0] if argv else '-'} exit {code}")
    assert "Traceback" not in text, (argv, text[-2000:])
    assert code in KNOWN_EXIT_CODES, (argv, code, text[-2000:])
    assert elapsed < SECONDS, (argv, elapsed)
    if code == 2 and "--json" not in argv:
        assert err.getvalue().startswith("error: "), (argv, text[-500:])
