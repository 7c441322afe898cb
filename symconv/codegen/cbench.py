"""ns per call of each C shape function, timed inside C (``measure_c``)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from symconv.codegen import c as cgen
from symconv.codegen.cbuild import compiler

# Typical arguments (a 3x3, stride-2 convolution on 224 pixels, ...), one tuple per function.
ARGS: dict[str, tuple[int, ...]] = {
    "conv_output_size": (224, 3, 2, 1, 1),
    "transposed_conv_output_size": (112, 3, 2, 1, 1, 1),
    "transposed_conv_a": (224, 3, 2, 1, 1),
    "pool_output_size": (112, 3, 2, 1, 1),
    "same_padding": (224, 3, 2, 1),
    "input_size_range": (112, 3, 2, 1, 1),
}
ITERATIONS = 20_000_000


def _source() -> str:
    lines = ['#include <stdio.h>', '#include <time.h>', '#include "convshape.h"',
             "static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);"
             " return (double)t.tv_sec * 1e9 + (double)t.tv_nsec; }",
             "int main(void) {", "    volatile int64_t sink = 0;", "    int64_t o1 = 0, o2 = 0;",
             "    long n;"]
    for pr in cgen.PROGRAMS:
        args = ARGS[pr.name]
        # volatile inputs are re-read every iteration, so the call cannot be hoisted
        lines.append(f"    {{ volatile int64_t v[{len(args)}] = {{{', '.join(map(str, args))}}};")
        lines.append("      double t0 = now();")
        lines.append(f"      for (n = 0; n < {ITERATIONS}L; n++) {{")
        call_args = ", ".join(f"v[{j}]" for j in range(len(args)))
        outs = "&o1" if len(pr.pointers) == 1 else "&o1, &o2"
        lines.append(f"        int rc = symconv_{pr.name}({call_args}, {outs});")
        lines.append("        sink = sink + rc + o1 + o2; }")
        lines.append(f'      printf("{pr.name} %.3f\\n", (now() - t0) / {ITERATIONS}.0); }}')
    lines += ["    return (int)(sink & 0);", "}"]
    return "\n".join(lines) + "\n"


def measure_c() -> dict[str, float]:
    """ns per call of each ``symconv_*`` function (gcc -O2, timed in C); needs gcc."""
    gcc = compiler()
    if gcc is None:
        raise FileNotFoundError("gcc not found")
    with tempfile.TemporaryDirectory(prefix="symconv-bench-") as tmp:
        work = Path(tmp)
        (work / "convshape.h").write_text(cgen.render())
        (work / "bench.c").write_text(_source())
        exe = work / "bench"
        subprocess.run([gcc, "-std=gnu99", "-O2", "-o", str(exe), str(work / "bench.c")],
                       check=True, capture_output=True, text=True)
        out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return {name: float(ns) for name, ns in (line.split() for line in out.splitlines())}
