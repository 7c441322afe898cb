"""Progress is drawn only on a terminal; piped and JSON output stay what they were, whatever
``--jobs``; on a terminal every result is shown, in order, within the terminal's width."""

from __future__ import annotations

import io
import json
import re

import pytest

from symconv.cli import main
from symconv.progress import Bar, Silent, for_output


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*argv: str, out: io.StringIO | None = None) -> tuple[int, str, str]:
    out = out if out is not None else io.StringIO()
    err = io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _no_times(text: str) -> list[list[str]]:
    """The table's cells, times blanked: a column's width follows its widest time."""
    text = re.sub(r"[0-9.]+ (ms|s)\b", "T", text)
    return [[re.sub(r"^-+$", "-", cell) for cell in line.split()] for line in text.splitlines()]


def test_only_a_terminal_gets_a_bar() -> None:
    assert isinstance(for_output(io.StringIO()), Silent)
    assert isinstance(for_output(Terminal(), enabled=False), Silent)
    bar = for_output(Terminal())
    assert isinstance(bar, Bar)
    bar.close()


def test_piped_output_does_not_depend_on_jobs() -> None:
    args = ("prove", "--group", "relation", "--group", "identity")
    one = run(*args, "--jobs", "1")
    two = run(*args, "--jobs", "2")
    assert one[0] == two[0] == 0, (one[2], two[2])
    assert _no_times(one[1]) == _no_times(two[1])
    assert one[1].splitlines()[0].split()[0] == "proved"  # rows as they complete, no bar
    js1 = json.loads(run(*args, "--json", "--jobs", "1")[1])
    js2 = json.loads(run(*args, "--json", "--jobs", "2")[1])
    for row in (*js1, *js2):
        row.pop("seconds")
    assert js1 == js2


def test_terminal_shows_every_result_in_order_within_its_width() -> None:
    code, text, _ = run("prove", "--group", "relation", "--jobs", "2", out=Terminal())
    assert code == 0
    screen = re.split(r"[\r\n]", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text))
    rows = [line for line in screen if line.startswith("proved ")]
    assert [line.split()[3] for line in rows] == [f"R{n}" for n in range(1, 16)]
    assert all(len(line) <= 160 for line in rows)
    assert "15/15 proved for all integers" in screen[-2]
    assert len(rows) == 15  # each once


@pytest.mark.parametrize("bad", ["0", "-2"])
def test_jobs_must_be_positive(bad: str) -> None:
    for command in (("prove", "R1"), ("generate", "--check")):
        code, _, err = run(*command, "--jobs", bad)
        assert code == 2
        assert f"--jobs must be >= 1, got {bad}" in err
