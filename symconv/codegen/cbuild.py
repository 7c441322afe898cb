"""Compile ``generated/c/convshape.h`` for tests and the benchmark (gcc; nothing else needed)."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from symconv.codegen import c as cgen

WRAPPERS_TEMPLATE = '#include "convshape.h"\n'


def compiler(cxx: bool = False) -> str | None:
    return shutil.which("g++" if cxx else "gcc")


def wrappers_source() -> str:
    """A .c file defining one exported, non-inline wrapper ``w_<name>`` per shape function."""
    lines = [WRAPPERS_TEMPLATE]
    for pr in cgen.PROGRAMS:
        params = pr.signature
        args = ", ".join([*(p.name for p in pr.spec.params), *pr.pointers])
        lines.append(f"int w_{pr.name}({params}) {{ return symconv_{pr.name}({args}); }}\n")
    lines.append("const char *w_strerror(int code) { return symconv_strerror(code); }\n")
    return "".join(lines)


def build_shared(header_text: str, workdir: Path, flags: Sequence[str] = ("-O2",)) -> Path:
    """Write the header and wrappers into ``workdir`` and build ``libconvshape.so``."""
    gcc = compiler()
    if gcc is None:
        raise FileNotFoundError("gcc not found")
    (workdir / "convshape.h").write_text(header_text)
    (workdir / "wrappers.c").write_text(wrappers_source())
    lib = workdir / "libconvshape.so"
    subprocess.run([gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-shared",
                    "-fPIC", *flags, "-o", str(lib), str(workdir / "wrappers.c")],
                   check=True, capture_output=True, text=True)
    return lib


class Library:
    """ctypes access to the wrappers: ``call(name, *args) -> (code, outputs)``."""

    def __init__(self, path: Path) -> None:
        self.dll = ctypes.CDLL(str(path))
        for pr in cgen.PROGRAMS:
            fn = getattr(self.dll, f"w_{pr.name}")
            fn.restype = ctypes.c_int
            fn.argtypes = [ctypes.c_int64] * len(pr.spec.params) + [
                ctypes.POINTER(ctypes.c_int64)] * len(pr.pointers)
        self.dll.w_strerror.restype = ctypes.c_char_p
        self.dll.w_strerror.argtypes = [ctypes.c_int]

    def call(self, name: str, *args: int) -> tuple[int, tuple[int, ...]]:
        pr = cgen.BY_PROGRAM[name]
        outs = [ctypes.c_int64(0) for _ in pr.pointers]
        code = getattr(self.dll, f"w_{name}")(*args, *(ctypes.byref(o) for o in outs))
        return int(code), tuple(int(o.value) for o in outs)

    def strerror(self, code: int) -> str:
        return bytes(self.dll.w_strerror(code)).decode()
