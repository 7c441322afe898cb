"""Node and TypeScript's compiler for the tests of the generated TypeScript: where they are, and
running a script under Node. CI installs typescript (npm, into .node/) and has node; on a
machine without them these tests skip, except under CI, where they fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / ".node" / "node_modules"


def _need(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (CI must install it: .ci/run)")
    pytest.skip(f"{what} is not installed")


def node() -> str:
    found = shutil.which("node")
    if found is None:
        _need("node")
    assert found is not None
    return found


def tsc() -> Path:
    found = NODE_MODULES / "typescript" / "bin" / "tsc"
    if not found.is_file():
        _need("typescript (npm install --prefix .node typescript)")
    return found


def tfjs_core() -> Path:
    found = NODE_MODULES / "@tensorflow" / "tfjs-core"
    if not found.is_dir():
        _need("@tensorflow/tfjs-core (npm install --prefix .node @tensorflow/tfjs-core)")
    return found


def run_node(script: str, payload: Any, cwd: Path, timeout: float = 300) -> Any:
    """Run the ES module ``script`` (text) under Node with ``payload`` as JSON on its stdin;
    its stdout, parsed as JSON."""
    path = cwd / "run.mjs"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run([node(), str(path)], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)
