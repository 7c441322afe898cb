"""Running pdflatex and pdftoppm (the edge: subprocesses and files; nothing else does this)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from symconv.errors import UsageError

LATEX_TIMEOUT = 120.0


class LatexError(RuntimeError):
    """pdflatex failed; the message carries the first error lines of the log."""


def require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise UsageError(f"{tool} is not installed (needed for this --format); install {package}")
    return path


def log_errors(log: str) -> list[str]:
    """The ``! …`` error lines of a TeX log, each with the line that follows."""
    lines = log.splitlines()
    return [" ".join(lines[n:n + 2]) for n, line in enumerate(lines) if line.startswith("!")]


@dataclass(frozen=True, slots=True)
class BadBox:
    """One ``Overfull``/``Underfull`` report of a TeX log: by how much, where, and the start of
    the box's contents as TeX shows them."""

    kind: str  # "Overfull \\hbox", "Underfull \\vbox", …
    points: float  # too wide/high by (overfull); 0.0 for underfull (TeX gives a badness)
    where: str  # "in paragraph at lines 39--39", "in alignment at lines 3--9", …
    contents: str

    def __str__(self) -> str:
        amount = f" ({self.points:g}pt too much)" if self.points else ""
        return f"{self.kind}{amount} {self.where}: {self.contents}"


_BAD_BOX = re.compile(
    r"^(?P<kind>(?:Overfull|Underfull) \\[hv]box) \((?:(?P<pt>[0-9.]+)pt too \w+|badness \d+)\)"
    r"\s*(?P<where>.*)$"
)


def bad_boxes(log: str) -> list[BadBox]:
    """Every over- and underfull box a TeX log reports, in order."""
    lines = log.splitlines()
    out = []
    for n, line in enumerate(lines):
        m = _BAD_BOX.match(line)
        if m is None:
            continue
        contents = lines[n + 1].strip() if n + 1 < len(lines) else ""
        out.append(BadBox(m["kind"], float(m["pt"] or 0.0), m["where"], contents))
    return out


def overfull(log: str, limit_pt: float = 0.0) -> list[BadBox]:
    """The overfull boxes of a TeX log that stick out by more than ``limit_pt``."""
    return [b for b in bad_boxes(log) if b.kind.startswith("Overfull") and b.points > limit_pt]


@dataclass(frozen=True, slots=True)
class Compiled:
    pdf: Path
    log: str


def compile_files(files: Mapping[str, str], main: str, workdir: Path) -> Compiled:
    """Write ``files`` (paths relative to ``workdir``, ``/``-separated) and compile ``main`` with
    pdflatex, again while the log asks for a rerun (longtable column widths, references);
    raises :class:`LatexError` on any error. For symconv's own documents, which may read
    ``../`` (:func:`run_pdflatex`); a document with user text goes through :func:`pdflatex`."""
    exe = require("pdflatex", "texlive-latex-base texlive-latex-recommended texlive-pictures")
    for name, text in files.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    source = workdir / main
    for _ in range(3):
        pdf = run_pdflatex(exe, source, read_parent=True)
        log = source.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
        if "Rerun" not in log:
            break
    return Compiled(pdf, log)


def pdflatex(tex: str, workdir: Path, name: str = "figure") -> Path:
    """Compile ``tex`` in ``workdir``; raises :class:`LatexError` on any error."""
    exe = require("pdflatex", "texlive-latex-base texlive-latex-recommended texlive-pictures")
    source = workdir / f"{name}.tex"
    source.write_text(tex, encoding="utf-8")
    return run_pdflatex(exe, source)


# kpathsea's paranoid mode: TeX may open only files below its working directory (and the
# TeX tree for reading), never an absolute path, a "..", or a dot file; no shell commands, and no
# "%&" first line choosing options. User text is escaped (symconv.texescape); this is what
# stays true should some text ever slip through.
SANDBOX_ENV = {"openin_any": "p", "openout_any": "p", "shell_escape": "f"}
SANDBOX_FLAGS = ("-no-shell-escape", "-no-parse-first-line")


def run_pdflatex(exe: str, source: Path, read_parent: bool = False) -> Path:
    """Compile ``source`` in its directory, sandboxed (:data:`SANDBOX_ENV`). ``read_parent``
    relaxes reading to kpathsea's ``r`` (any file but a dot file; writing stays paranoid), for
    symconv's own documents only: generated/'s ``\\input`` their parts as ``../figures/…``."""
    env = {**os.environ, **SANDBOX_ENV}
    if read_parent:
        env["openin_any"] = "r"
    try:
        proc = subprocess.run(
            [exe, "-interaction=nonstopmode", "-halt-on-error", *SANDBOX_FLAGS, source.name],
            cwd=source.parent, capture_output=True, timeout=LATEX_TIMEOUT, check=False,
            env=env, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise LatexError(f"pdflatex timed out after {LATEX_TIMEOUT:.0f} s on {source}") from None
    log_path = source.with_suffix(".log")
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    errors = log_errors(log)
    pdf = source.with_suffix(".pdf")
    if proc.returncode != 0 or errors or not pdf.exists():
        detail = "; ".join(errors[:5]) or proc.stdout.decode(errors="replace")[-800:]
        raise LatexError(f"pdflatex failed on {source.name} (exit {proc.returncode}): {detail}")
    return pdf


def pdf_bytes(tex: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="symconv-tex-") as tmp:
        return pdflatex(tex, Path(tmp)).read_bytes()


def png_pages(tex: str, resolution: int = 150) -> list[bytes]:
    """Each page of the compiled document as PNG bytes, in order."""
    exe = require("pdftoppm", "poppler-utils")
    with tempfile.TemporaryDirectory(prefix="symconv-tex-") as tmp:
        pdf = pdflatex(tex, Path(tmp))
        try:
            subprocess.run([exe, "-png", "-r", str(resolution), pdf.name, "page"],
                           cwd=tmp, capture_output=True, timeout=LATEX_TIMEOUT, check=True)
        except subprocess.CalledProcessError as exc:
            raise LatexError(f"pdftoppm failed: {exc.stderr.decode(errors='replace')}") from None
        except subprocess.TimeoutExpired:
            raise LatexError("pdftoppm timed out") from None
        pages = sorted(Path(tmp).glob("page-*.png"), key=lambda x: int(x.stem.split("-")[-1]))
        return [p.read_bytes() for p in pages]
