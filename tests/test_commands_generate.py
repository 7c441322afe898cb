"""``symconv generate``: deterministic output, the committed generated/ in sync, ``--check``
naming stale, missing and extra files and the command that fixes them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from symconv.artifacts import PROVIDERS, all_artifacts, banner, render_all
from symconv.cli import main
from symconv.commands.generate import GENERATED_GROUPS, MANIFEST
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
    assert set(_tree(one)) == {*all_artifacts(), MANIFEST}


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
    stray = out / "python" / "old_helper.py"  # an earlier generation wrote it (its manifest)
    stray.write_text(banner("python/old_helper.py") + "x = 1\n", encoding="utf-8")
    with open(out / MANIFEST, "a", encoding="utf-8") as fh:
        fh.write("python/old_helper.py\n")
    copied = out / "python" / "copied_helper.py"  # banner, but not in the manifest: the user's
    copied.write_text(banner("python/copied_helper.py") + "x = 1\n", encoding="utf-8")
    mine = out / "python" / "notes.txt"
    mine.write_text("not generated\n", encoding="utf-8")

    code, text = _check(out)
    assert code == 1
    assert f"stale: {module.as_posix()}" in text
    assert f"missing: {(out / 'latex' / 'examples.tex').as_posix()}" in text
    assert f"extra: {stray.as_posix()}" in text
    assert "notes.txt" not in text
    assert "copied_helper" not in text
    assert f"stale: {(out / MANIFEST).as_posix()}" in text
    assert f"run `symconv generate --out {out}`" in text

    code, text = _generate(out)
    assert code == 0
    assert "3 written, 1 removed" in text
    assert f"removed: {stray.as_posix()}" in text
    assert not stray.exists()
    assert mine.exists()
    assert copied.exists()
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


def test_removes_only_what_its_manifest_lists(tmp_path: Path) -> None:
    """A --network run's files, a header the user copied in (banner and all), a file outside
    named by an edited manifest: none is a guide generation's to remove."""
    out = tmp_path / "netgen"
    buf = io.StringIO()
    spec = ROOT / "examples" / "networks" / "unet-padded.toml"
    assert main(["generate", "--network", str(spec), "--out", str(out)], buf,
                io.StringIO()) == 0, buf.getvalue()
    network_files = _tree(out)
    assert "convshape.h" in network_files
    copy = out / "mine" / "frameworkshape.h"
    copy.parent.mkdir()
    copy.write_bytes((ROOT / "generated" / "c" / "frameworkshape.h").read_bytes())
    outside = tmp_path / "outside.py"
    outside.write_text(banner("outside.py") + "x = 1\n", encoding="utf-8")

    code, text = _generate(out)
    assert code == 0, text
    assert text.endswith(" 0 removed\n"), text
    tree = _tree(out)
    assert all(tree[rel] == data for rel, data in network_files.items())
    assert copy.exists()
    listed = (out / MANIFEST).read_text(encoding="utf-8").splitlines()[1:]
    assert listed == sorted(all_artifacts())
    assert not any(rel in listed for rel in network_files)

    with open(out / MANIFEST, "a", encoding="utf-8") as fh:
        fh.write("../outside.py\n/" + outside.as_posix().lstrip("/") + "\nconvshape.h/..\n")
    code, text = _generate(out)
    assert code == 0, text
    assert "removed" not in text.replace(" 0 removed", "")
    assert outside.exists()
    assert (out / "convshape.h").exists()


def test_a_directory_without_a_manifest_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "old"
    out.mkdir()
    old = out / "python" / "retired.py"
    old.parent.mkdir()
    old.write_text(banner("python/retired.py") + "x = 1\n", encoding="utf-8")
    code, text = _generate(out)
    assert code == 0, text
    assert old.exists()
    assert (out / MANIFEST).is_file()


@pytest.mark.parametrize("network", [False, True])
def test_empty_or_unusable_out_is_refused(tmp_path: Path, network: bool) -> None:
    spec = ROOT / "examples" / "networks" / "dilated.toml"
    head = ["generate", *(["--network", str(spec)] if network else [])]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        for value, message in (("", "--out must name a directory, got an empty string"),
                               (str(fifo), "--out must be a directory")):
            err = io.StringIO()
            assert main([*head, "--out", value], io.StringIO(), err) == 2, err.getvalue()
            assert message in err.getvalue()
            buf = io.StringIO()
            assert main([*head, "--out", value, "--json"], buf, io.StringIO()) == 2
            assert "--out" in buf.getvalue()
    finally:
        os.chdir(cwd)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]
