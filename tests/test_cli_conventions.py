"""Conventions every command shares: exit codes, verdicts combined by severity, vacuous
assumptions, --json (errors included), --version and --help, option help texts."""

from __future__ import annotations

import argparse
import io
import json
import os
from pathlib import Path

import pytest

from symconv.cli import build_parser, main
from symconv.commands import COMMANDS
from symconv.prover import Result, Status
from symconv.theorems import Theorem


ROOT = Path(__file__).resolve().parents[1]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# ---- verdicts --------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ("check", "1 == 2", "--assume", "s == 0"),
    ("check", "i > 0", "--bounds", "-5", "-1"),
    ("check", "x > x", "--assume", "x > 3 and x < 2", "--no-domains"),
])
def test_assumptions_admitting_no_value_are_vacuous_exit_5(argv: tuple[str, ...]) -> None:
    code, out, _ = run(*argv, "--json")
    assert code == 5
    obj = json.loads(out)
    assert obj["status"] == "vacuous"
    assert obj["conflict"]
    code, out, _ = run(*argv)
    assert code == 5
    lines = out.splitlines()
    assert any(line.startswith("vacuous") for line in lines)
    assert not any(line.startswith("proved") for line in lines)


def _fake(statuses: list[Status]) -> list[Theorem]:
    return [Theorem(f"fake{n}", "relation", f"statement {n}",
                    lambda timeout, st=st: Result(st, 0.0, reason="fake"))
            for n, st in enumerate(statuses)]


@pytest.mark.parametrize(("statuses", "code"), [
    ([Status.UNKNOWN, Status.REFUTED, Status.PROVED], 1),  # the largest code (3) would hide it
    ([Status.REFUTED, Status.VACUOUS], 1),
    ([Status.VACUOUS, Status.UNKNOWN], 3),
    ([Status.PROVED, Status.VACUOUS, Status.PROVED_BOUNDED], 5),
    ([Status.PROVED_BOUNDED, Status.PROVED], 0),
])
def test_a_run_exits_with_the_most_severe_verdict(
    monkeypatch: pytest.MonkeyPatch, statuses: list[Status], code: int
) -> None:
    import symconv.theorems

    monkeypatch.setattr(symconv.theorems, "all_theorems", lambda only=(): _fake(statuses))
    monkeypatch.setattr(symconv.theorems, "by_provider", lambda only=(): iter([_fake(statuses)]))
    assert run("prove")[0] == code
    assert run("prove", "--json")[0] == code


def test_derive_combines_by_severity(monkeypatch: pytest.MonkeyPatch) -> None:
    import derivations
    import symconv.prover

    real = symconv.prover.prove
    steps = derivations.all_steps()[:3]
    verdicts = iter([Status.UNKNOWN, Status.REFUTED, Status.PROVED])

    def fake(claim: object, **kw: object) -> Result:
        return Result(next(verdicts), 0.0, reason="fake")

    monkeypatch.setattr(derivations, "all_steps", lambda: steps)
    monkeypatch.setattr(symconv.prover, "prove", fake)
    assert run("derive", "--json")[0] == 1
    monkeypatch.setattr(symconv.prover, "prove", real)


def test_prove_a_prefix_selects_every_id_it_starts() -> None:
    code, out, _ = run("prove", "R", "--json", "--group", "relation")
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == [f"R{n}" for n in range(1, 16)]
    code, out, _ = run("prove", "R1", "--json", "--group", "relation")
    assert [r["id"] for r in json.loads(out)] == ["R1"]
    code, _, err = run("prove", "Rz")
    assert code == 2
    assert "'Rz'" in err


# ---- JSON, --version, --help -----------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ("check", "i +"),
    ("check", "i > 0", "--timeout", "0"),
    ("prove", "NOPE"),
    ("nosuchcommand",),
    ("shape", "conv", "--input", "3", "--kernel", "5"),
    ("solve", "padding", "--k", "3"),
    ("compare", "torch.conv"),
    ("matrix", "--input", "4", "--kernel", "9"),
    ("figure", "conv", "--input", "5", "--kernel", "9"),
    ("generate", "--timeout", "0"),
    ("bench", "--number", "0"),
    ("relations", "R99"),
    ("derive", "R99"),
    ("audit", "--timeout", "0"),
    ("verify-function", "nofile.py:f", "--relation", "R15"),
])
def test_with_json_errors_are_json_too(argv: tuple[str, ...]) -> None:
    code, out, err = run(*argv, "--json")
    assert code == 2
    obj = json.loads(out)
    assert obj["exit_code"] == 2
    assert obj["error"]
    assert err == ""
    code, out, err = run(*argv)
    assert code == 2
    assert err.startswith("error: ")
    assert out == ""


def test_every_command_takes_json() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in COMMANDS:
        cmd = sub.choices[name]
        parsers = [cmd]
        for action in cmd._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers = list(action.choices.values())
        for p in parsers:
            assert any("--json" in a.option_strings for a in p._actions), (name, p.prog)


def test_version_and_help_go_to_stdout_with_exit_0() -> None:
    from symconv import __version__

    code, out, err = run("--version")
    assert (code, out, err) == (0, f"symconv {__version__}\n", "")
    code, out, _ = run("--help")
    assert code == 0
    assert "Exit codes" in out
    code, out, _ = run("solve", "padding", "--help")
    assert code == 0
    assert "--i" in out


def _all_parsers() -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    pending = [build_parser()]
    while pending:
        p = pending.pop()
        found.append(p)
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
    return found


def test_every_command_help_has_an_exit_code_section() -> None:
    """Each command's --help (each solve question's too) says what its exit codes mean."""
    missing = [p.prog for p in _all_parsers() if "Exit codes: " not in (p.epilog or "")]
    assert missing == []


def test_help_describes_every_option() -> None:
    missing = []
    for p in _all_parsers():
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{p.prog} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


@pytest.mark.parametrize(("argv", "needle"), [
    (("bench", "--prove", "--number", "5"), "--number does not apply"),
    (("generate", "--timeout", "3"), "--timeout does not apply: only --check"),
    (("compare", "--list", "--timeout", "3"), "--timeout does not apply"),
    (("audit", "--verbose", "--json"), "--verbose does not apply"),
    (("figure", "conv", "-i", "5", "-k", "3", "--pool", "max"), "--pool does not apply"),
    (("shape", "--batch", "-", "--input", "4"), "--input does not apply"),
    (("shape", "conv", "--input", "8", "--kernel", "3", "--p-begin", "1"), "need --framework"),
])
def test_options_that_do_not_apply_are_refused(argv: tuple[str, ...], needle: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert needle in (json.loads(out)["error"] if "--json" in argv else err)


# every command that takes --timeout, with what it needs to reach its own checks
TIMED = {
    "symconv audit": ("audit",),
    "symconv check": ("check", "i > 0"),
    "symconv compare": ("compare", "torch.conv", "R15"),
    "symconv derive": ("derive", "R15"),
    "symconv generate": ("generate", "--check"),
    "symconv network": ("network", "examples/networks/ceil-pool.toml"),
    "symconv prove": ("prove", "R1"),
    "symconv solve padding": ("solve", "padding", "--i", "5", "--k", "3"),
    "symconv solve output-padding": ("solve", "output-padding", "--i", "5", "--k", "3",
                                     "--target", "9"),
    "symconv solve inputs": ("solve", "inputs", "--o", "3", "--k", "3"),
    "symconv solve params": ("solve", "params", "--i", "5", "--o", "3"),
    "symconv verify-function": ("verify-function", "tests/verify_cases.py:conv_out",
                                "--relation", "R15"),
}


def test_every_timeout_has_one_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    """(0, 86400] seconds for every command: 1e30 was taken by some, refused above 3600 by
    others. The table covers every parser with a --timeout."""
    timed = {p.prog for p in _all_parsers()
             if any("--timeout" in a.option_strings for a in p._actions)}
    assert timed == set(TIMED)
    monkeypatch.chdir(ROOT)
    for argv in TIMED.values():
        for bad in ("0", "-1", "nan", "inf", "1e30", "86400.5"):
            code, _, err = run(*argv, "--timeout", bad)
            assert code == 2, (argv, bad)
            assert "--timeout must be a number of seconds in (0, 86400]" in err, (argv, err)
    from symconv.errors import timeout_seconds

    assert timeout_seconds(86_400) == 86_400.0
    assert timeout_seconds(3601) == 3601.0


def test_an_empty_assumption_is_not_called_the_claim() -> None:
    code, _, err = run("check", "i > 0", "--assume", "")
    assert code == 2
    assert "--assume '': empty condition" in err
    assert "claim" not in err
    code, _, err = run("check", "i > 0", "--assume", "i >")
    assert code == 2
    assert err.startswith("error: --assume: unexpected end of input")


def test_check_true_false_and_int64_limits() -> None:
    code, out, _ = run("check", "True == 1", "--json")
    assert code == 2
    assert "truth value" in json.loads(out)["error"]
    code, out, _ = run("check", "i < 2**63", "--assume", "i <= 2**63 - 1", "--json")
    assert (code, json.loads(out)["status"]) == (0, "proved")
    code, out, _ = run("check", "i < 2**63", "--json")
    obj = json.loads(out)
    assert (code, obj["status"], obj["counterexample"]) == (1, "refuted", {"i": 2**63})
    code, out, _ = run("check", "-2**63 <= x // 2", "--assume", "x >= -2**63", "--json")
    assert code == 0


def test_generate_into_an_unwritable_place_is_bad_input(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    code, _, err = run("generate", "--out", str(blocker / "sub"))
    assert code == 2
    assert "cannot write" in err


TOO_LONG = "a" * 300  # a name no file system here takes: Path.exists() raises, not answers


@pytest.mark.parametrize(("argv", "option"), [
    (("generate", "--out", TOO_LONG), "--out"),
    (("generate", "--out", f"{TOO_LONG}/sub"), "--out"),
    (("generate", "--network", "examples/networks/ceil-pool.toml", "--out", TOO_LONG), "--out"),
    (("network", f"{TOO_LONG}.onnx"), "MODEL"),
    (("verify-function", f"{TOO_LONG}.py:f", "--relation", "R15"), "PATH"),
])
def test_a_path_the_system_cannot_look_up_is_bad_input(argv: tuple[str, ...],
                                                       option: str) -> None:
    code, _, err = run(*(a.replace("examples/", str(ROOT / "examples") + "/") for a in argv))
    assert code == 2, err
    assert err.startswith(f"error: {option}: cannot look up "), err


@pytest.mark.parametrize("argv", [
    ("network", "{}.toml"), ("generate", "--network", "{}.toml", "--out", "{}.out"),
    ("audit", "--guide", "{}.toml"),
])
def test_a_fifo_or_a_device_given_as_a_file_is_refused_not_read(argv: tuple[str, ...],
                                                                tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.toml")  # a read would wait for a writer forever
    (tmp_path / "zero.toml").symlink_to("/dev/zero")  # a read would never end
    for stem in ("fifo", "zero"):
        code, _, err = run(*(a.format(tmp_path / stem) for a in argv))
        assert code == 2, err
        assert err.rstrip().endswith("cannot read: not a regular file"), err


def test_generate_check_exits_with_the_most_severe_verdict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import symconv.commands.generate as generate

    text = "# Generated by `symconv generate` -- do not edit.\n"
    proofs = (("gen.a", Result(Status.UNKNOWN, 0.0, reason="timeout")),
              ("gen.b", Result(Status.REFUTED, 0.0, counterexample={"i": 1})),
              ("gen.c", Result(Status.PROVED, 0.0)))

    def fake(shown: tuple[tuple[str, Result], ...]) -> object:
        return lambda timeout, jobs, progress, done=None: ({"python/x.py": text},
                                                shown if timeout is not None else ())

    monkeypatch.setattr(generate, "_render_and_prove", fake(proofs))
    assert run("generate", "--out", str(tmp_path))[0] == 0
    code, out, _ = run("generate", "--check", "--out", str(tmp_path), "--json")
    obj = json.loads(out)
    assert (code, obj["status"], obj["stale"]) == (1, "refuted", [])  # not 3: unknown < refuted
    assert [p["status"] for p in obj["proofs"]] == ["unknown", "refuted", "proved"]
    monkeypatch.setattr(generate, "_render_and_prove", fake(proofs[:1]))
    assert run("generate", "--check", "--out", str(tmp_path))[0] == 3


def test_arguments_that_are_not_utf8_never_crash_the_output() -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    for extra in ([], ["--json"]):
        done = subprocess.run([sys.executable, "-m", "symconv", "check", b"i \xff > 0", *extra],
                              cwd=root, capture_output=True, env=env, timeout=120, check=False)
        assert done.returncode == 2
        assert b"Traceback" not in done.stderr
        if extra:
            assert json.loads(done.stdout)["exit_code"] == 2


def test_shape_lists_with_spaces_or_commas() -> None:
    spaced = run("shape", "conv", "--input", "32", "31", "--kernel", "3", "--json")
    commas = run("shape", "conv", "--input", "32,31", "--kernel", "3", "--json")
    assert spaced == commas
    assert json.loads(spaced[1])["output"] == [30, 29]
