"""Rendering: tables line up in a terminal whatever the script (double-width Chinese text)."""

from __future__ import annotations

import io

from symconv.render import pad, table, width


def test_width_counts_terminal_columns() -> None:
    assert width("abc") == 3
    assert width("关系 1") == 6  # two wide characters, a space, a digit
    assert width("§2.1, 关系 1") == 12
    assert width("ĩ′") == 2  # i + combining tilde is one column; the prime one more
    assert width("e\u0301") == 1
    assert pad("关系", 6) == "关系  "


def test_table_columns_line_up_with_double_width_text() -> None:
    rows = [["R1", "§2.1, 关系 1", "holds"], ["fig-4.7", "§4.5, 图 4.7", "wrong"],
            ["matrix-4.1", "§4.1, the matrix C", "holds"]]
    out = io.StringIO()
    table(rows, ["id", "where", "status"], out)
    lines = out.getvalue().splitlines()
    starts = set()
    for line in lines:
        # the status column starts at the same terminal column on every line
        last = line.rstrip().rsplit(" ", 1)[-1]
        starts.add(width(line[: len(line) - len(last)]))
    assert len(starts) == 1, lines
