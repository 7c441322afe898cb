"""symconv.texescape: any text becomes LaTeX that typesets exactly that text and runs nothing.

The reference is a dumb reader of the escaper's output: it knows each spelling the escaper may
emit and nothing else (no TeX), so an output it cannot read back to the input is a failure."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from latex_helpers import needs_pdflatex

from symconv import texrun
from symconv.texescape import SPECIAL, UNICODE, tex_text

HOSTILE = [
    r"1}\input{/etc/hostname}\def\x{",
    "%", "#", "\\", "{", "}", "^", "~", "$", "&", "_", "a\nb", "a\n\nb", "\x00\x07\x1b",
    r"\end{document}", r"\immediate\write18{touch /tmp/pwned}", "$$\\", "}}}{{{", "^^5cinput",
    "--- `` '' <>|", "k̂ ≥ 0 → ⌊x⌋", "é 中 😀",
]


def _read_back(tex: str) -> str:
    """The text ``tex`` shows, read with only the escaper's spellings; anything else raises."""
    spellings = {v: k for k, v in [*SPECIAL.items(), *UNICODE.items()] if len(v) > 1}
    out, n = [], 0
    code = re.compile(r"\\textless\{\}U\+([0-9A-F]{4,6})\\textgreater\{\}")
    while n < len(tex):
        m = code.match(tex, n)
        if m is not None:
            out.append(chr(int(m.group(1), 16)))
            n = m.end()
            continue
        for spelled in sorted(spellings, key=len, reverse=True):
            if tex.startswith(spelled, n):
                out.append(spellings[spelled])
                n += len(spelled)
                break
        else:
            ch = tex[n]
            assert " " <= ch <= "~", (ch, tex)
            assert ch not in "\\{}$&#^_~%<>|`", (ch, tex)
            out.append({"-": "−", "'": "′"}.get(ch, ch))
            n += 1
    return "".join(out)


@given(st.text())
def test_any_text_reads_back_from_plain_ascii_spellings(text: str) -> None:
    tex = tex_text(text)
    assert all(" " <= ch <= "~" for ch in tex)  # no newline, no control character, ASCII only
    assert _read_back(tex) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_has_no_command_of_its_own(text: str) -> None:
    tex = tex_text(text)
    assert "\\input" not in tex
    assert "\\write" not in tex
    assert "\\end{" not in tex
    assert "%" not in tex.replace(r"\%", "")
    assert tex.replace(r"\{", "").replace(r"\}", "").replace("{}", "").count("{") == \
        tex.replace(r"\{", "").replace(r"\}", "").replace("{}", "").count("}")


def test_strict_refuses_what_has_no_spelling() -> None:
    assert tex_text("k̂ ≥ 1", strict=True) == r"$\hat{k}$ $\geq$ 1"
    with pytest.raises(ValueError, match="no TeX spelling"):
        tex_text("é", strict=True)


@needs_pdflatex
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_hostile_text_typesets_as_itself(tmp_path: Path) -> None:
    secret = tmp_path / "secret.tex"
    secret.write_text("LEAKED-SECRET\n", encoding="utf-8")
    texts = [*HOSTILE, r"\input{" + secret.as_posix() + "}", r"\input{secret}"]
    body = "\n\n".join(f"BEGIN{n} {tex_text(t)} END{n}" for n, t in enumerate(texts))
    doc = "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n"
    work = tmp_path / "job"
    work.mkdir()
    pdf = texrun.pdflatex(doc, work, "doc")
    shown = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True,
                           text=True).stdout
    assert "LEAKED-SECRET" not in shown
    assert not Path("/tmp/pwned").exists()
    flat = " ".join(shown.split())
    for n in range(len(texts)):
        assert f"BEGIN{n} " in flat
        assert f" END{n}" in flat
    assert r"1}\input{/etc/hostname}\def\x{" in flat
    # OT1's "_" is a rule, which pdftotext shows as a space; a long path may break a line or run
    # past the margin (its last characters then fall outside the page pdftotext reads)
    squashed = "".join(shown.split())
    assert "".join((r"\input{" + secret.as_posix().replace("_", " ")).split()) in squashed
