"""The README's examples, run: every ``$ command`` in a ``text`` block gives the output shown
under it and the exit code that output implies.

Shown output is matched line by line: a line ``...`` stands for any number of lines, ``...`` or
``…`` inside a line for any text, and a time (``35.4 ms``, ``(0.22 s)``) for any time. The
``sh`` blocks (installing) are not run here: CI runs the second one, ``bash .ci/run``, itself.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Commands shown but not run, each with the reason.
NOT_RUN = {
    "symconv bench": "a benchmark: its numbers are this machine's, and it takes minutes",
}

# Models the README exports before it reads them: (model, exporter) of tests/onnx_export.py,
# which exports them as the README describes
ONNX_FILES = {"vgg11.onnx": ("vgg11", "dynamo"), "unet2015.onnx": ("unet2015", "torchscript")}
HAVE_EXPORTER = all(importlib.util.find_spec(m) is not None
                    for m in ("torch", "torchvision", "onnx", "onnxscript"))


def _export(name: str, cwd: Path) -> None:
    """The README's ``torch.onnx.export`` of ``name``, once, in a child process (torch stays out
    of this one)."""
    if (cwd / name).exists():
        return
    if not HAVE_EXPORTER:
        pytest.skip("exporting to ONNX needs torch, torchvision, onnx and onnxscript")
    model, exporter = ONNX_FILES[name]
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import onnx_export; "
            "onnx_export.export(sys.argv[2], sys.argv[3], sys.argv[4])")
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT / "tests"), model, exporter,
                           str(cwd / name)], capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]


# Exit codes the shown output does not imply.
EXIT_CODES = {"symconv compare torch.conv tf.conv.valid": 1}  # the rules differ


@dataclass(frozen=True)
class Example:
    line: int  # in README.md
    command: str
    shown: tuple[str, ...]

    @property
    def code(self) -> int:
        """The exit code the shown output implies: 2 for an error, 1 for a refutation, 5 for a
        vacuous verdict."""
        if self.command in EXIT_CODES:
            return EXIT_CODES[self.command]
        if any(x.startswith("error:") for x in self.shown):
            return 2
        if "refuted" in self.shown or any(" refuted (" in x for x in self.shown[:1]):
            return 1
        if "vacuous" in self.shown:
            return 5
        return 0


def examples(text: str) -> list[Example]:
    out: list[Example] = []
    lines = text.splitlines()
    n = 0
    while n < len(lines):
        if lines[n].strip() != "```text":
            n += 1
            continue
        n += 1
        while n < len(lines) and lines[n].strip() != "```":
            if not lines[n].startswith("$ "):
                n += 1
                continue
            start, command = n + 1, lines[n][2:]
            while command.endswith("\\"):
                n += 1
                command = command[:-1] + lines[n].strip()
            n += 1
            shown = []
            while n < len(lines) and not lines[n].startswith("$ ") and lines[n].strip() != "```":
                shown.append(lines[n].rstrip())
                n += 1
            while shown and not shown[-1]:
                shown.pop()
            out.append(Example(start, command.split("  #")[0].strip(), tuple(shown)))
    return out


_TIME = r"\d+(?:\.\d+)? (?:ms|s)\b"


def _line_pattern(shown: str) -> re.Pattern[str]:
    # a run of spaces or of rule dashes matches any run: table columns widen with their widest
    # entry (a time)
    parts = re.split(rf"(\.\.\.|…|{_TIME}| +|-{{3,}})", shown.strip())
    regex = "".join(
        ".*" if part in ("...", "…") else " +" if part.startswith(" ")
        else "-+" if part.startswith("---") else _TIME if re.fullmatch(_TIME, part)
        else re.escape(part)
        for part in parts)
    return re.compile(r"\s*" + regex + r"\s*")


def matches(shown: tuple[str, ...], actual: list[str]) -> bool:
    """Whether ``actual`` has the shown lines in order, ``...`` lines skipping any number."""
    if not shown:
        return True
    head, rest = shown[0], shown[1:]
    if head.strip() == "...":
        return any(matches(rest, actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and bool(_line_pattern(head).fullmatch(actual[0])) and matches(
        rest, actual[1:])


EXAMPLES = examples(README.read_text(encoding="utf-8"))
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def test_the_readme_has_examples() -> None:
    commands = [ex.command for ex in EXAMPLES]
    assert len(commands) >= 15
    assert any(c.startswith("symconv verify-function examples/shapes.py:conv_out ")
               for c in commands)


def _run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # `symconv` and `python` as the README's reader has them (.venv activated): this checkout's
    script = (f'symconv() {{ {shlex.quote(sys.executable)} -m symconv "$@"; }}\n'
              f'python() {{ {shlex.quote(sys.executable)} "$@"; }}\n{command}\n')
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A directory to run in (with ``examples/`` beside it, so files a command writes stay out
    of the checkout) and the environment, which ``T=$(…)`` lines add to."""
    cwd = tmp_path_factory.mktemp("readme")
    (cwd / "examples").symlink_to(ROOT / "examples")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return cwd, env


@pytest.mark.slow
# one process, in README order: an example may read what an earlier one wrote (--dist loadgroup)
@pytest.mark.xdist_group("readme")
@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda ex: f"line{ex.line}")
def test_readme_example(ex: Example, session: tuple[Path, dict[str, str]]) -> None:
    cwd, env = session
    skipped = [why for prefix, why in NOT_RUN.items() if ex.command.startswith(prefix)]
    if skipped:
        pytest.skip(skipped[0])
    for name in ONNX_FILES:
        if f" {name}" in ex.command:
            _export(name, cwd)
    if "$T" in ex.command or ex.command.startswith("T="):
        if not HAVE_TORCH:
            pytest.skip("needs PyTorch, which the main install does not bring")
        if ex.command.startswith("T="):
            proc = _run(f'{ex.command}\nprintf %s "$T"', cwd, env)
            assert proc.returncode == 0, proc.stderr
            env["T"] = proc.stdout
            return
        assert "T" in env, "the T=$(...) line before this one did not run"
    proc = _run(ex.command, cwd, env)
    actual = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode == ex.code, f"README line {ex.line}: {ex.command}\n{proc.stderr}"
    assert matches(ex.shown, actual), (
        f"README line {ex.line}: `{ex.command}` prints\n" + "\n".join(actual[:40])
        + "\n-- but the README shows --\n" + "\n".join(ex.shown))


def test_matches() -> None:
    actual = ["a 35.4 ms", "b", "c x", "d"]
    assert matches(("a 1 ms", "...", "c ...", "d"), actual)
    assert matches(("...",), actual)
    assert not matches(("a 1 ms", "c x"), actual)
    assert not matches(("b",), actual)
    assert matches(("proved (0.03 s)",), ["proved (0.22 s)"])
    assert matches(("R6  proved  149.5 ms",), ["R6  proved   23.6 ms"])
    assert not matches(("R6 proved",), ["R6proved"])
    assert matches(("---  ------  --------",), ["---  ------  -------"])
