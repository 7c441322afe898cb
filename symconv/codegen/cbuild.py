"""Compile a generated C header (``generated/c/*.h``) for tests and the benchmark (gcc; nothing
else needed)."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from collections.abc import Mapping, Sequence
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
    lines.append(f"const char *w_strerror(int code) {{ return {header.strerror}(code); }}\n")
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


def _literal(value: int) -> str:
    return "INT64_MIN" if value == -(2**63) else f"{value}LL"


def ubsan_run(workdir: Path, header: cgen.Header, points: Mapping[str, Sequence[tuple[int, ...]]],
              text: str | None = None) -> subprocess.CompletedProcess[str]:
    """Call each function of ``header`` (its text: ``text``, default the rendering) on its
    ``points`` in a program built with -fsanitize=undefined -fno-sanitize-recover: nonzero exit
    and "runtime error" on stderr at the first undefined behaviour."""
    write_header(workdir, header, text)
    # one call site per function over a table of arguments: thousands of inlined call sites
    # in one main() crash gcc 12's optimiser
    parts = [f'#include <stddef.h>\n#include <stdio.h>\n#include "{header.file_name}"\n']
    for pr in header.programs:
        n = len(pr.spec.params)
        rows = ",\n".join("  {" + ", ".join(map(_literal, args)) + "}" for args in points[pr.name])
        argv = ", ".join(f"v_{pr.name}[j][{q}]" for q in range(n))
        outs = ", ".join(["&o1", "&o2"][: len(pr.pointers)])
        parts.append(f"static const int64_t v_{pr.name}[][{n}] = {{\n{rows}\n}};\n"
                     f"static long run_{pr.name}(void) {{\n  int64_t o1 = 0, o2 = 0; long rc = 0;"
                     f" size_t j;\n  for (j = 0; j < sizeof v_{pr.name} / sizeof v_{pr.name}[0];"
                     f" j++) {{\n    rc += symconv_{pr.name}({argv}, {outs}) + (o1 + o2 > 0);"
                     "\n  }\n  return rc;\n}\n")
    total = " + ".join(f"run_{pr.name}()" for pr in header.programs)
    parts.append(f'int main(void) {{\n  printf("%ld\\n", {total});\n  return 0;\n}}\n')
    (workdir / "main.c").write_text("".join(parts))
    exe = workdir / "main"
    subprocess.run([compiler() or "gcc", "-std=c99", "-O1", "-fsanitize=undefined",
                    "-fno-sanitize-recover", "-o", str(exe), str(workdir / "main.c")],
                   check=True, capture_output=True, text=True)
    return subprocess.run([str(exe)], capture_output=True, text=True, check=False)
