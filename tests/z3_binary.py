"""The stock z3 binary, for tests that re-check committed SMT-LIB files outside the Python API.

The z3-solver wheel installs it beside the interpreter (``.venv/bin/z3``), which is not on
``PATH`` when the tests run as ``.venv/bin/python -m pytest``; look there too.

    from z3_binary import Z3, needs_z3

    @needs_z3
    def test_file_is_unsat():
        subprocess.run([Z3, "-T:60", "query.smt2"], ...)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

Z3: str = (shutil.which("z3") or shutil.which("z3", path=str(Path(sys.executable).parent))
           or "z3")
needs_z3 = pytest.mark.skipif(
    shutil.which(Z3) is None, reason="no z3 binary on PATH or beside the interpreter")
