"""``symconv generate``: deterministic output, the committed generated/ in sync, ``--check``
naming stale, missing and extra files and the command that fixes them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path


from symconv.artifacts import PROVIDERS, all_artifacts, banner, render_all
from symconv.cli import main
from symconv.commands.generate import GENERATED_GROUPS
from symconv.theorems import all_theorems

ROOT = Path(__file__).resolve().parents[1]


def _generate(out: Path) -> tuple[int, str]:
    buf = io.StringIO()
    code = main(["generate", "--out", str(out)], buf, io.StringIO())
    return code, buf.getvalue()


def _check(out: Path) -> tuple[int, str]:
    buf = io.StringIO()
    code = main(["generate", "--check", "--out", str(out)], buf, io.StringIO())
    return code, buf.getvalue()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_providers_registered() -> None:
    for name in ("symconv.codegen.python", "symconv.codegen.latex",
                 "symconv.codegen.validate_python"):
        assert name in PROVIDERS


def test_every_artifact_starts_with_its_banner() -> None:
    for path, text in all_artifacts().items():
        assert text.startswith(banner(path)), path
        assert "symconv generate" in text.splitlines()[0]


def test_output_is_byte_identical_in_process_and_across_processes(tmp_path: Path) -> None:
    one, three = tmp_path / "one", tmp_path / "three"
    assert render_all() == all_artifacts()  # a second rendering, after everything else ran
    assert _generate(one)[0] == 0
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-m", "symconv", "generate", "--out", str(three)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    assert _tree(one) == _tree(three)
    assert set(_tree(one)) == set(all_artifacts())


def test_committed_generated_dir_is_in_sync() -> None:
    expected = all_artifacts()
    for rel, text in expected.items():
        path = ROOT / "generated" / rel
        assert path.is_file(), f"generated/{rel} missing: run `symconv generate`"
        assert path.read_text(encoding="utf-8") == text, (
            f"generated/{rel} is stale: run `symconv generate`"
        )


def test_check_passes_on_the_repository() -> None:
    code, text = _check(ROOT / "generated")
    assert code == 0, text
    assert "proofs hold" in text


def test_check_names_stale_missing_and_extra_files(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    assert _generate(out)[0] == 0
    code, text = _check(out)
    assert code == 0, text
    assert "up to date" in text
    n = sum(t.id.startswith("gen.") for t in all_theorems(GENERATED_GROUPS))
    assert n > 6  # the core helpers' six and the framework helpers'
    assert f"{n}/{n} proofs hold" in text

    module = out / "python" / "convshape.py"
    module.write_text(module.read_text(encoding="utf-8").replace("// s + 1", "// s + 2"),
                      encoding="utf-8")
    (out / "latex" / "examples.tex").unlink()
    stray = out / "python" / "old_helper.py"
    stray.write_text(banner("python/old_helper.py") + "x = 1\n", encoding="utf-8")
    mine = out / "python" / "notes.txt"
    mine.write_text("not generated\n", encoding="utf-8")

    code, text = _check(out)
    assert code == 1
    assert f"stale: {module.as_posix()}" in text
    assert f"missing: {(out / 'latex' / 'examples.tex').as_posix()}" in text
    assert f"extra: {stray.as_posix()}" in text
    assert "notes.txt" not in text
    assert f"run `symconv generate --out {out}`" in text

    code, text = _generate(out)
    assert code == 0
    assert "2 written, 1 removed" in text
    assert not stray.exists()
    assert mine.exists()
    assert _check(out)[0] == 0


def test_check_of_the_default_dir_names_the_plain_command(tmp_path: Path) -> None:
    buf = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        code = main(["generate", "--check"], buf, io.StringIO())
    finally:
        os.chdir(cwd)
    assert code == 1
    assert "run `symconv generate`" in buf.getvalue()


def test_out_must_be_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    err = io.StringIO()
    assert main(["generate", "--out", str(target)], io.StringIO(), err) == 2
    assert "--out must be a directory" in err.getvalue()
