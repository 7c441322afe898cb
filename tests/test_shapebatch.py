"""symconv shape --framework / --batch: record selection, defaults, errors, order, speed."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.commands.shape import load_frameworkshape
from symconv.frameworks import get
from symconv.frameworks.base import Refused
from symconv.shapebatch import FRAMEWORKS, BatchError, run_batch, select

ROOT = Path(__file__).resolve().parents[1]


def batch(framework: str, records: list[object]) -> list[dict[str, object]]:
    out = io.StringIO()
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    run_batch(lines, load_frameworkshape(), framework, out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize(("framework", "record", "rule"), [
    ("guide", {"op": "conv", "i": 5, "k": 3}, "guide.conv"),
    ("torch", {"op": "conv", "i": 5, "k": 3, "padding": "same"}, "torch.conv.same"),
    ("torch", {"op": "conv", "i": 5, "k": 3, "padding": "SAME"}, "torch.conv.same"),
    ("torch", {"op": "conv", "i": 5, "k": 3, "padding": "Valid"}, "torch.conv.valid"),
    ("torch", {"op": "max_pool", "i": 5, "k": 3, "ceil_mode": True}, "torch.max_pool.ceil"),
    ("tf", {"op": "conv", "i": 5, "k": 3}, "tf.conv.valid"),
    ("tf", {"op": "conv", "i": 5, "k": 3, "p_begin": 1}, "tf.conv.explicit"),
    ("tf", {"op": "conv_transpose", "i": 5, "k": 3, "padding": "same", "a": 0},
     "tf.conv_transpose.same.output_padding"),
    ("onnx", {"op": "avg_pool", "i": 5, "k": 3, "p": 1, "ceil_mode": True}, "onnx.avg_pool.ceil"),
    ("onnx", {"op": "conv", "i": 5, "k": 3, "padding": "SAME_LOWER"}, "onnx.conv.same_lower"),
    ("jax", {"op": "conv", "i": 5, "k": 3, "p": 1}, "jax.conv"),
    ("jax", {"op": "conv_transpose", "i": 5, "k": 3, "padding": "SAME"},
     "jax.conv_transpose.same"),
])
def test_select(framework: str, record: dict[str, object], rule: str) -> None:
    assert select(framework, record)[0] == rule


def test_defaults_and_values_match_the_rules() -> None:
    """Random records: the batch answer equals the rule evaluated with the documented defaults
    (pool stride = k where the framework says so)."""
    rng = random.Random(7)
    for framework in FRAMEWORKS:
        records = []
        for _ in range(300):
            op = rng.choice(["conv", "conv_transpose", "max_pool", "avg_pool"])
            rec: dict[str, object] = {"op": op, "i": rng.randint(1, 20), "k": rng.randint(1, 5)}
            for name, hi in (("s", 3), ("p", 2), ("d", 2), ("a", 2)):
                if rng.random() < 0.5:
                    rec[name] = rng.randint(0 if name in "pa" else 1, hi)
            records.append(rec)
        answers = batch(framework, records)
        assert len(answers) == len(records)
        for rec, ans in zip(records, answers, strict=True):
            try:
                rid, args = select(framework, rec)
            except BatchError as exc:
                message = str(exc)
                rid = ""
            if not rid:
                assert ans == {"error": message}
                continue
            rule = get(rid)
            env: dict[str, int] = {n: args.get(n, {"s": 1, "p": 0, "d": 1, "a": 0, "p_begin": 0,
                                   "p_end": 0}.get(n)) for n in rule.names}
            if any(n not in args for n in rule.names if n not in ("s", "p", "d", "a",
                                                                  "p_begin", "p_end")):
                assert "error" in ans
                continue
            if any(n not in rule.names for n in args):
                assert "error" in ans
                continue
            expected = rule.verdict(env)
            if isinstance(expected, Refused):
                assert "error" in ans, (rec, ans)
                assert expected.message in str(ans["error"]), (rec, ans)
            else:
                assert ans == {"out": expected}, (framework, rec, ans)


def test_errors_keep_order() -> None:
    answers = batch("torch", [
        {"op": "conv", "i": 10, "k": 3},
        "not json",
        "[1, 2]",
        {"op": "conv", "i": 10, "k": True},
        {"op": "conv", "i": 10, "k": 3, "zz": 1},
        {"op": "conv", "i": 2, "k": 5},
        "",
        {"op": "avg_pool", "i": 10, "k": 3, "d": 2},
        {"op": "conv", "i": 10, "k": 3, "s": 2},
    ])
    assert answers[0] == {"out": 8}
    assert "line 2" in str(answers[1]["error"])
    assert "JSON object" in str(answers[2]["error"])
    assert answers[3] == {"error": "k must be an int, got bool"}
    assert "unknown field 'zz'" in str(answers[4]["error"])
    assert "Kernel size can't be greater" in str(answers[5]["error"])
    assert "error" in answers[6]
    assert "field d does not apply" in str(answers[7]["error"])
    assert answers[8] == {"out": 4}


def test_cli_batch_file_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"op": "max_pool", "i": 32, "k": 1, "s": 2, "ceil_mode": true}\n')
    out, err = io.StringIO(), io.StringIO()
    assert main(["shape", "--framework", "onnx", "--batch", str(path)], out, err) == 0
    assert out.getvalue() == '{"out": 16}\n'
    assert main(["shape", "--batch", str(tmp_path / "missing")], out, err) == 2
    assert "cannot read" in err.getvalue()
    assert main(["shape", "conv", "--batch", str(path)], io.StringIO(), err) == 2


def test_cli_single_configuration_with_framework() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["shape", "max-pool", "--framework", "torch", "--input", "32", "6",
                 "--kernel", "1", "--stride", "2", "--ceil-mode"], out, err)
    assert code == 0, err.getvalue()
    assert "output shape: 16 x 3" in out.getvalue()
    assert main(["shape", "conv", "--framework", "torch", "--input", "2", "--kernel", "5"],
                io.StringIO(), err) == 2
    assert "Kernel size can't be greater" in err.getvalue()
    assert main(["shape", "max-pool", "--input", "4", "--kernel", "2"], io.StringIO(),
                err) == 2


@pytest.mark.slow
def test_hundred_thousand_lines_each_answered(tmp_path: Path) -> None:
    from bench_speed import batch_file

    path = tmp_path / "big.jsonl"
    batch_file(path)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "symconv", "shape", "--framework", "torch",
                           "--batch", str(path)], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - start
    assert done.returncode == 1, done.stderr  # some random records are refused
    assert done.stdout.count("\n") == 100_000
    assert elapsed < 120, elapsed  # a hang guard; the speed (under 3 s) is in tests/bench_speed.py


def test_batch_imports_neither_z3_nor_sympy(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text('{"op": "conv", "i": 5, "k": 3}\n')
    code = ("import sys; from symconv.cli import main; "
            f"main(['shape', '--framework', 'tf', '--batch', {str(path)!r}]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('z3', 'sympy')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def _cli_batch(data: bytes, *extra: str) -> tuple[int, list[dict[str, object]], str]:
    done = subprocess.run([sys.executable, "-m", "symconv", "shape", "--framework", "torch",
                           "--batch", "-", *extra], cwd=ROOT, input=data, capture_output=True,
                          timeout=120, check=False)
    lines = done.stdout.decode().splitlines()
    return done.returncode, [json.loads(line) for line in lines], done.stderr.decode()


def test_unreadable_lines_get_an_error_line_each_and_the_run_finishes() -> None:
    """Non-UTF-8 bytes near the end of a long stdin, JSON nested 100,000 deep, a line longer
    than the limit, a lone carriage return: one output line per input line, in order."""
    good = b'{"op": "conv", "i": 10, "k": 3}\n'
    lines = [good] * 20_000
    lines[19_991] = b'{"op": "conv", "i": 10, "k": 3, "padding": "\xff"}\n'
    lines[5] = b"[" * 100_000 + b"\n"
    lines[6] = b'{"op": "conv", "i": ' + b"1" * 2_000_000 + b', "k": 3}\n'
    lines[7] = b'{"op": "conv", "i": 10,\r "k": 3}\n'
    lines[-1] = good.rstrip(b"\n")  # no final newline
    code, answers, err = _cli_batch(b"".join(lines))
    assert code == 1
    assert "Traceback" not in err
    assert len(answers) == 20_000
    assert answers[0] == {"out": 8}
    assert answers[5] == {"error": "line 6: JSON nested too deeply"}
    assert answers[6] == {"error": "line 7: longer than 1048576 bytes"}
    assert answers[7] == {"out": 8}
    assert answers[19_991] == {"error": "line 19992: not UTF-8 (byte 0xff at column 45)"}
    assert answers[-1] == {"out": 8}
    assert sum("error" in a for a in answers) == 3


def test_batch_exit_code_says_whether_any_line_failed(tmp_path: Path) -> None:
    ok = tmp_path / "ok.jsonl"
    ok.write_text('{"op": "conv", "i": 10, "k": 3}\n{"op": "conv", "i": 10, "k": 3}\n')
    assert main(["shape", "--batch", str(ok)], io.StringIO(), io.StringIO()) == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"op": "conv", "i": 10, "k": 3}\n\xff\n')
    out = io.StringIO()
    assert main(["shape", "--batch", str(bad), "--json"], out, io.StringIO()) == 1
    assert [json.loads(x) for x in out.getvalue().splitlines()] == [
        {"out": 8}, {"error": "line 2: not UTF-8 (byte 0xff at column 1)"}]


def test_huge_integers_are_exact_or_a_clear_error() -> None:
    big = 10**30
    answers = batch("guide", [{"op": "conv", "i": big, "k": 3}, '{"op": "conv", "i": 1e3, "k": 3}',
                              '{"op": "conv", "i": ' + "9" * 50_000 + ', "k": 3}'])
    assert answers[0] == {"out": big - 2}
    assert answers[1] == {"error": "i must be an int, got float"}
    assert "error" in answers[2]


@pytest.mark.parametrize("option", [["--stride", "2"], ["--mode", "same"], ["--ceil-mode"],
                                    ["--padding", "1"], ["conv"]])
def test_batch_refuses_per_configuration_options(tmp_path: Path, option: list[str]) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"op": "conv", "i": 10, "k": 3}\n')
    err = io.StringIO()
    assert main(["shape", "--batch", str(path), *option], io.StringIO(), err) == 2
    assert "does not apply" in err.getvalue()


def test_refusal_messages_are_printed_whole() -> None:
    (answer,) = batch("torch", [{"op": "max_pool", "i": 5, "k": 2, "p": 2}])
    assert answer == {"error": "torch.max_pool: padding should be at most half of kernel size "
                               "(max_pool1d; max_pool2d/3d say: pad should be at most half of "
                               "effective kernel size)"}
