"""Loading the generated, verified helpers (``generated/python/*.py``) without z3 or sympy.

The source checkout's file when this package runs from one (a worktree's own, not the installed
one), else the installed ``symconv_generated`` package.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_generated(stem: str) -> ModuleType:
    """``generated/python/<stem>.py``; raises ImportError if it is missing."""
    name = f"symconv_generated_local.{stem}"
    if name in sys.modules:
        return sys.modules[name]
    local = Path(__file__).resolve().parents[1] / "generated" / "python" / f"{stem}.py"
    if not local.is_file():
        return importlib.import_module(f"symconv_generated.{stem}")
    spec = importlib.util.spec_from_file_location(name, local)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {local}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_convshape() -> ModuleType:
    return load_generated("convshape")


def load_frameworkshape() -> ModuleType:
    return load_generated("frameworkshape")
