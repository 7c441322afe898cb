"""The CLI: exit codes, JSON, parse errors, no tracebacks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.evaluate import evaluate
from symconv.claims import parse_condition

ROOT = Path(__file__).resolve().parents[1]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_check_proved_exit_0_with_domains_shown() -> None:
    code, out, _ = run("check", "ceil(i/s) == (i + s - 1) // s")
    assert code == 0
    assert "proved" in out
    assert "i >= 1  (domain)" in out
    assert "s >= 1  (domain)" in out


def test_check_refuted_exit_1_with_a_counterexample_that_violates() -> None:
    claim = "floor((i + 2*p - k)/s) + 1 >= 1"
    code, out, _ = run("check", claim, "--json")
    assert code == 1
    obj = json.loads(out)
    assert obj["status"] == "refuted"
    cx = obj["counterexample"]
    assert set(cx) == {"i", "k", "p", "s"}
    assert all(evaluate(parse_condition(a), cx) for a in obj["assumptions"])
    assert evaluate(parse_condition(claim), cx) is False
    assert obj["seconds"] >= 0


def test_check_assume_turns_it_into_a_proof() -> None:
    code, out, _ = run("check", "floor((i + 2*p - k)/s) + 1 >= 1", "--assume", "i + 2*p >= k",
                       "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["status"] == "proved"
    assert obj["counterexample"] is None
    assert "i + 2*p >= k" in obj["assumptions"]


def test_no_domains() -> None:
    code, out, _ = run("check", "i + 1 > i - 1 and k >= 1", "--no-domains", "--json")
    assert code == 1
    assert json.loads(out)["assumptions"] == []
    code, _, _ = run("check", "k >= 1")
    assert code == 0


def test_unknown_exit_3() -> None:
    code, out, _ = run("check", "x**3 + y**3 != z**3", "--assume", "x >= 1 and y >= 1 and z >= 1",
                       "--timeout", "0.001", "--json")
    assert code == 3
    obj = json.loads(out)
    assert obj["status"] == "unknown"
    assert obj["reason"]


def test_bounded_mode() -> None:
    code, out, _ = run("check", "x * x >= x", "--bounds", "-20", "20", "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["status"] == "proved-bounded"
    assert obj["bounds"] == [-20, 20]


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "i + (k"),
        ("check", "__import__('os').system('true')"),
        ("check", "i > 0", "--assume", "i +"),
        ("check", "i > 0", "--timeout", "0"),
        ("check", "i > 0", "--timeout", "abc"),
        ("check", "i > 0", "--bounds", "5", "1"),
        ("prove", "NOPE"),
        ("derive", "R99"),
        ("nosuchcommand",),
        (),
    ],
)
def test_bad_input_exit_2_with_a_message(argv: tuple[str, ...]) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert err.startswith("error: ")
    assert "Traceback" not in err + out


def test_parse_error_points_at_the_position() -> None:
    code, _, err = run("check", "i + (k")
    assert code == 2
    assert "position 7" in err
    assert "^" in err


def test_prove_all_json() -> None:
    code, out, _ = run("prove", "--json", "--group", "relation", "--group", "identity")
    assert code == 0
    rows = json.loads(out)
    ids = [r["id"] for r in rows]
    assert [f"R{n}" for n in range(1, 16)] == [x for x in ids if x[1:].isdigit() and x[0] == "R"]
    assert "restore" in ids
    assert "ambiguity-bijection" in ids
    for r in rows:
        assert {"id", "status", "counterexample", "assumptions", "seconds"} <= set(r)
        assert r["status"] == "proved"


def test_prove_selected_table() -> None:
    code, out, _ = run("prove", "R14", "restore")
    assert code == 0
    lines = out.splitlines()
    # a row per theorem, printed as it is proved: status, time, id, statement
    assert [line.split()[:4] for line in lines[:2]] == [["proved", lines[0].split()[1], "ms",
                                                         "R14"],
                                                        ["proved", lines[1].split()[1], "ms",
                                                         "restore"]]
    assert lines[-1].startswith("2/2 proved for all integers")


def test_prove_closing_time_is_elapsed_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each theorem's time is its own; on several processes they overlap, so their sum is not
    how long the run took. The closing line gives both, labelled."""
    import re

    import symconv.commands.prove as prove_cmd
    from symconv.prover import Result, Status

    def instant(chunks, timeout, jobs, progress, row=None, done=None,  # type: ignore[no-untyped-def]
                early=None):
        chosen = [t for chunk in chunks for t in chunk]
        results = [Result(Status.PROVED, 5.0) for _ in chosen]
        for i, (t, r) in enumerate(zip(chosen, results, strict=True)):
            row(i, t, r)
        return chosen, results

    class Clock:  # the run takes 3 s by this clock, whatever the machine's load
        ticks = iter([100.0, 103.0])

        @classmethod
        def perf_counter(cls) -> float:
            return next(cls.ticks, 103.0)

    monkeypatch.setattr(prove_cmd, "prove_all", instant)
    monkeypatch.setattr(prove_cmd, "time", Clock)
    code, out, _ = run("prove", "R1", "R2")
    assert code == 0
    last = out.strip().splitlines()[-1]
    found = re.search(r"; (\d+\.\d\d) s elapsed, 10\.00 s summed over the theorems$", last)
    assert found, last
    assert found.group(1) == "3.00"


def test_derive_reports_each_step() -> None:
    code, out, _ = run("derive", "R3", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows][:3] == ["R3.from-R2", "R3.odd-k", "R3.result"]
    assert all(r["status"] == "proved" for r in rows)


def test_relations_lists_all_with_conditions() -> None:
    code, out, _ = run("relations", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [f"R{n}" for n in range(1, 16)]
    r14 = rows[13]
    assert r14["output"] == "o_prime = a + k - 2*p + s*(i_prime - 1)"
    assert "a == (i - k + 2*p) % s" in r14["conditions"]


def test_console_entry_point_in_a_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "symconv", "check", "i +"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_prove_group_filter() -> None:
    code, out, _ = run("prove", "--group", "identity", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows
    assert {r["group"] for r in rows} == {"identity"}
    code, _, err = run("prove", "--group", "nope")
    assert code == 2
    assert "known:" in err


def test_relations_nd_form() -> None:
    code, out, _ = run("relations", "R15", "--dims", "3", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert len(row["outputs"]) == 3
    assert row["outputs"][2].startswith("o_3 = ")
    assert "i_3 + 2*p_3 >= " in " ".join(row["conditions"])
    assert run("relations", "R99")[0] == 2
    assert run("relations", "--dims", "0")[0] == 2
