"""Compile a generated C header (``generated/c/*.h``) for tests and the benchmark (gcc; nothing
else needed)."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from symconv.codegen import c as cgen


def compiler(cxx: bool = False) -> str | None:
    return shutil.which("g++" if cxx else "gcc")


def write_header(workdir: Path, header: cgen.Header = cgen.HEADER,
                 text: str | None = None) -> Path:
    """The header (``text``, default its rendering) and every header it includes, in
    ``workdir``; returns the header's path."""
    for name, included in header.included_texts().items():
        (workdir / name).write_text(included)
    path = workdir / header.file_name
    path.write_text(header.render() if text is None else text)
    return path


def wrappers_source(header: cgen.Header = cgen.HEADER) -> str:
    """A .c file defining one exported, non-inline wrapper ``w_<name>`` per shape function."""
    lines = [f'#include "{header.file_name}"\n']
    for pr in header.programs:
        params = pr.signature
        args = ", ".join([*(p.name for p in pr.spec.params), *pr.pointers])
        lines.append(f"int w_{pr.name}({params}) {{ return symconv_{pr.name}({args}); }}\n")
    strerror = "symconv_strerror" if header.helpers else "symconv_fw_strerror"
    lines.append(f"const char *w_strerror(int code) {{ return {strerror}(code); }}\n")
    return "".join(lines)


def build_shared(header_text: str, workdir: Path, flags: Sequence[str] = ("-O2",),
                 header: cgen.Header = cgen.HEADER) -> Path:
    """Write the header and wrappers into ``workdir`` and build ``lib<header>.so``."""
    gcc = compiler()
    if gcc is None:
        raise FileNotFoundError("gcc not found")
    write_header(workdir, header, header_text)
    (workdir / "wrappers.c").write_text(wrappers_source(header))
    lib = workdir / f"lib{header.file_name.removesuffix('.h')}.so"
    subprocess.run([gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-shared",
                    "-fPIC", *flags, "-o", str(lib), str(workdir / "wrappers.c")],
                   check=True, capture_output=True, text=True)
    return lib


class Library:
    """ctypes access to the wrappers: ``call(name, *args) -> (code, outputs)``."""

    def __init__(self, path: Path, header: cgen.Header = cgen.HEADER) -> None:
        self.header = header
        self.dll = ctypes.CDLL(str(path))
        for pr in header.programs:
            fn = getattr(self.dll, f"w_{pr.name}")
            fn.restype = ctypes.c_int
            fn.argtypes = [ctypes.c_int64] * len(pr.spec.params) + [
                ctypes.POINTER(ctypes.c_int64)] * len(pr.pointers)
        self.dll.w_strerror.restype = ctypes.c_char_p
        self.dll.w_strerror.argtypes = [ctypes.c_int]

    def call(self, name: str, *args: int) -> tuple[int, tuple[int, ...]]:
        pr = self.header.program(name)
        outs = [ctypes.c_int64(0) for _ in pr.pointers]
        code = getattr(self.dll, f"w_{name}")(*args, *(ctypes.byref(o) for o in outs))
        return int(code), tuple(int(o.value) for o in outs)

    def strerror(self, code: int) -> str:
        return bytes(self.dll.w_strerror(code)).decode()
