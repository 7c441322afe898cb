"""ns per call of each C shape function of a generated header, timed inside C (``measure_c``)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from symconv.codegen import c as cgen
from symconv.codegen.cbuild import compiler, write_header

# Typical arguments (a 3x3, stride-2 convolution on 224 pixels, ...), one tuple per function.
ARGS: dict[str, tuple[int, ...]] = {
    "conv_output_size": (224, 3, 2, 1, 1),
    "transposed_conv_output_size": (112, 3, 2, 1, 1, 1),
    "transposed_conv_a": (224, 3, 2, 1, 1),
    "pool_output_size": (112, 3, 2, 1, 1),
    "same_padding": (224, 3, 2, 1),
    "input_size_range": (112, 3, 2, 1, 1),
}
# The same configuration by parameter name, for the framework functions.
BY_PARAM = {"i": 224, "k": 3, "s": 2, "p": 1, "p_begin": 1, "p_end": 1, "d": 1, "a": 1, "o": 112}
ITERATIONS = 20_000_000


def _args(pr: cgen.Program) -> tuple[int, ...]:
    return ARGS.get(pr.name) or tuple(BY_PARAM[p.name] for p in pr.spec.params)


def _source(header: cgen.Header, iterations: int) -> str:
    lines = ['#include <stdio.h>', '#include <time.h>', f'#include "{header.file_name}"',
             "static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);"
             " return (double)t.tv_sec * 1e9 + (double)t.tv_nsec; }",
             "int main(void) {", "    volatile int64_t sink = 0;", "    int64_t o1 = 0, o2 = 0;",
             "    long n;"]
    for pr in header.programs:
        args = _args(pr)
        # volatile inputs are re-read every iteration, so the call cannot be hoisted
        lines.append(f"    {{ volatile int64_t v[{len(args)}] = {{{', '.join(map(str, args))}}};")
        lines.append("      double t0 = now();")
        lines.append(f"      for (n = 0; n < {iterations}L; n++) {{")
        call_args = ", ".join(f"v[{j}]" for j in range(len(args)))
        outs = "&o1" if len(pr.pointers) == 1 else "&o1, &o2"
        lines.append(f"        int rc = symconv_{pr.name}({call_args}, {outs});")
        lines.append("        sink = sink + rc + o1 + o2; }")
        lines.append(f'      printf("{pr.name} %.3f\\n", (now() - t0) / {iterations}.0); }}')
    lines += ["    return (int)(sink & 0);", "}"]
    return "\n".join(lines) + "\n"


def measure_c(header: cgen.Header = cgen.HEADER,
              iterations: int = ITERATIONS) -> dict[str, float]:
    """ns per call of each ``symconv_*`` function of ``header`` (gcc -O2, timed in C); needs
    gcc."""
    gcc = compiler()
    if gcc is None:
        raise FileNotFoundError("gcc not found")
    with tempfile.TemporaryDirectory(prefix="symconv-bench-") as tmp:
        work = Path(tmp)
        write_header(work, header)
        (work / "bench.c").write_text(_source(header, iterations))
        exe = work / "bench"
        subprocess.run([gcc, "-std=gnu99", "-O2", "-o", str(exe), str(work / "bench.c")],
                       check=True, capture_output=True, text=True)
        out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return {name: float(ns) for name, ns in (line.split() for line in out.splitlines())}
