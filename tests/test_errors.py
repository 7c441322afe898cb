"""Paths the user names: looked up and read without crashing or blocking (symconv.errors)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from symconv.errors import UsageError, path_kind, read_input_file


def test_path_kind(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    os.mkfifo(tmp_path / "fifo")
    assert path_kind(tmp_path / "f", "X") == "file"
    assert path_kind(tmp_path, "X") == "dir"
    assert path_kind(tmp_path / "fifo", "X") == "other"
    assert path_kind(tmp_path / "nope", "X") == "missing"
    assert path_kind(tmp_path / "f" / "below-a-file", "X") == "missing"
    with pytest.raises(UsageError, match=r"^--out: cannot look up "):
        path_kind(tmp_path / ("a" * 300), "--out")


def test_read_input_file_reads_regular_files_only(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"12345")
    os.mkfifo(tmp_path / "fifo")  # reading it would block until a writer came
    (tmp_path / "zero").symlink_to("/dev/zero")  # and this would never end
    assert read_input_file(tmp_path / "f", "F") == b"12345"
    assert read_input_file(tmp_path / "f", "F", limit=5) == b"12345"
    for name, why in (("fifo", "not a regular file"), ("zero", "not a regular file"),
                      ("nope", "no such file"), (".", "is a directory")):
        with pytest.raises(UsageError, match=f"^F: cannot read: {why}$"):
            read_input_file(tmp_path / name, "F")
    with pytest.raises(UsageError, match=r"^F: cannot read: over 4 bytes$"):
        read_input_file(tmp_path / "f", "F", limit=4)
