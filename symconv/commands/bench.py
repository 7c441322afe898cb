from __future__ import annotations

import argparse
import importlib
import timeit
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from symconv.commands._args import add_json, refuse
from symconv.errors import UsageError

HELP = "ns per call of the generated shape helpers vs PyTorch's shape functions (and C)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Exit codes: 0 measured, 2 bad input."
    parser.add_argument("--number", type=int, default=None,
                        help="calls per timing (20000; not with --prove)")
    parser.add_argument("--repeat", type=int, default=5, help="timings per case; best is kept")
    parser.add_argument("--prove", action="store_true",
                        help="instead: wall time of 'symconv prove' (core relations and "
                        "identities, best of --repeat; and everything, best of --repeat-all) "
                        "against brute-forcing the restore identity")
    parser.add_argument("--repeat-all", type=int, default=1, metavar="N",
                        help="runs of the whole 'symconv prove' for --prove (1: its proofs "
                        "are deterministic, one run shows its cost)")
    add_json(parser, "an object with the rows of each table")


def ns_per_call(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Best of ``repeat`` timings of ``number`` calls, in ns per call."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e9


def cases(cs: Any, sf: Any | None) -> list[tuple[str, Callable[[], Any], Callable[[], Any] | None]]:
    """(name, ours, PyTorch's) for the same shapes; PyTorch's is None without torch."""
    x, w = [8, 16, 32, 32], [32, 16, 3, 3]
    out: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            "pool per axis: pool_output_size(32, 3, 2, 1, 1) vs pooling_output_shape",
            lambda: cs.pool_output_size(32, 3, 2, 1, 1),
            None if sf is None else lambda: sf.pooling_output_shape(32, 3, 1, 2, 1, False),
        ),
        (
            "conv 2-d: conv_shape(N,C,H,W) vs conv_output_size",
            lambda: cs.conv_shape(x, w, [2, 2], [1, 1], [1, 1], 1),
            None if sf is None
            else lambda: sf.conv_output_size(x, w, None, [2, 2], [1, 1], [1, 1], 1),
        ),
        ("conv per axis: conv_output_size(32, 3, 2, 1, 1)",
         lambda: cs.conv_output_size(32, 3, 2, 1, 1), None),
        ("floor: one Python call of the bare formula, no checks (not generated)",
         lambda: _bare(32, 3, 2, 1, 1), None),
        ("transposed per axis: transposed_conv_output_size(16, 3, 2, 1, 1, 1)",
         lambda: cs.transposed_conv_output_size(16, 3, 2, 1, 1, 1), None),
    ]
    for _, ours, theirs in out:  # same answers before timing anything
        if theirs is not None:
            mine, ref = ours(), theirs()
            if list(mine if isinstance(mine, tuple) else [mine]) != list(
                ref if isinstance(ref, list) else [ref]
            ):
                raise AssertionError(f"generated helper gives {mine}, PyTorch {ref}")
    return out


def _bare(i: int, k: int, s: int, p: int, d: int) -> int:
    """What any pure-Python per-axis helper costs at least: one call and the formula."""
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


def torch_shape_functions() -> Any | None:
    """``torch.jit._shape_functions``, or None without torch. Its import scripts functions with
    ``torch.jit.script``, which torch 2.13 marks deprecated: not our warning to raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return importlib.import_module("torch.jit._shape_functions")
        except ImportError:
            return None


def _c_numbers() -> tuple[list[list[str]] | None, str]:
    """Rows (C function, ns/call) from ``symconv.codegen.cbench.measure_c()`` -- expected to
    return a mapping of function name to ns per call -- or why there are none."""
    try:
        cbench = importlib.import_module("symconv.codegen.cbench")
    except ImportError:
        return None, "C: symconv.codegen.cbench is absent, no C numbers"
    try:
        numbers = cbench.measure_c()
    except Exception as exc:  # a missing compiler or a failed build: report, do not crash
        return None, f"C: measure_c() failed: {type(exc).__name__}: {exc}"
    if not isinstance(numbers, Mapping):
        return None, f"C: measure_c() returned {numbers!r}"
    rows = [
        [str(name), f"{value:.2f}" if isinstance(value, int | float) else str(value)]
        for name, value in sorted(numbers.items(), key=lambda kv: str(kv[0]))
    ]
    return rows, ""


def _prove_timings(repeat: int, repeat_all: int, as_json: bool, out: TextIO) -> int:
    from symconv import interrupt
    from symconv.benchmarks import Timing, brute_force_restore, prove_wall_time
    from symconv.progress import for_output
    from symconv.render import dump_json, stream_table

    core = ("--group", "relation", "--group", "identity")
    progress = for_output(out, enabled=not as_json)
    done = interrupt.track("timings", "timings taken", 3)
    row = None if as_json else stream_table(
        ["what", "seconds", "detail"], [["symconv prove", "", ""], ["brute-force restore", "", ""]],
        progress.line if progress.live else lambda line: interrupt.emit(line, out))
    timings: list[Timing] = []

    def took(t: Timing) -> None:
        timings.append(t)
        done.append({"what": t.name, "seconds": round(t.seconds, 6), "detail": t.detail})
        progress.advance()
        if row is not None:
            row([t.name, f"{t.seconds:.2f}", t.detail])

    try:
        progress.start("benchmarking", repeat + repeat_all + 1)

        def run(what: str, runs: int) -> Callable[[int], None]:
            def started(n: int) -> None:
                if n > 1:
                    progress.advance()
                progress.working(f"symconv prove {what}, run {n}/{runs}")
            return started

        took(prove_wall_time(repeat, core, run("(core)", repeat)))
        took(prove_wall_time(repeat_all, (), run("(everything)", repeat_all)))
        progress.working("brute-force restore to 40")
        took(brute_force_restore(40))
    finally:
        progress.close()
    if as_json:
        dump_json({"timings": done.items}, out)
        return 0
    core_s, brute = timings[0].seconds, timings[2].seconds
    print(f"core proof (all integers) / brute force to 40: {core_s / brute:.2f}", file=out)
    return 0


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv import interrupt
    from symconv.genload import load_convshape
    from symconv.render import stream_table, table

    if args.prove:
        refuse(args, ("number",), "--prove times whole runs of symconv prove")
    args.number = 20000 if args.number is None else args.number
    if args.number < 1:
        raise UsageError(f"--number must be >= 1, got {args.number}")
    if args.repeat < 1:
        raise UsageError(f"--repeat must be >= 1, got {args.repeat}")
    if args.repeat_all < 1:
        raise UsageError(f"--repeat-all must be >= 1, got {args.repeat_all}")
    if args.prove:
        return _prove_timings(args.repeat, args.repeat_all, args.json, out)
    try:
        cs = load_convshape()
    except ImportError as exc:
        raise UsageError(
            f"the generated helpers are missing ({exc}): run `symconv generate`") from None
    sf = torch_shape_functions()
    torch_version = None if sf is None else importlib.import_module("torch").__version__
    if args.json:
        return _helpers_json(cs, sf, torch_version, args.number, args.repeat, out)
    if sf is None:
        print("PyTorch not installed: timing the generated helpers only", file=out)
    else:
        print(f"PyTorch {torch_version}: torch.jit._shape_functions", file=out)
    todo = cases(cs, sf)
    done = interrupt.track("cases", "cases timed", len(todo))
    row = stream_table(["case", "generated ns/call", "PyTorch ns/call", "ratio"],
                       [[name, "", "", ""] for name, _, _ in todo],
                       lambda line: interrupt.emit(line, out))
    for name, ours, theirs in todo:
        mine = ns_per_call(ours, args.number, args.repeat)
        ref = None if theirs is None else ns_per_call(theirs, args.number, args.repeat)
        done.append(_case_json(name, mine, ref))
        row([name, f"{mine:.0f}", "-", "-"] if ref is None
            else [name, f"{mine:.0f}", f"{ref:.0f}", f"{mine / ref:.2f}"])
    c_rows, note = _c_numbers()
    if c_rows is None:
        print(note, file=out)
    else:
        table(c_rows, ["C function", "ns/call"], out)
        print(_framework_c_summary(), file=out)
    return 0


def _helpers_json(cs: Any, sf: Any | None, torch_version: str | None, number: int, repeat: int,
                  out: TextIO) -> int:
    from symconv.render import dump_json

    from symconv import interrupt

    todo = cases(cs, sf)
    done = interrupt.track("cases", "cases timed", len(todo))
    done.extra["pytorch"] = torch_version
    for name, ours, theirs in todo:
        mine = ns_per_call(ours, number, repeat)
        ref = None if theirs is None else ns_per_call(theirs, number, repeat)
        done.append(_case_json(name, mine, ref))
    c_rows, note = _c_numbers()
    dump_json({"pytorch": torch_version, "cases": done.items,
               "c": None if c_rows is None else [{"function": f, "ns": v} for f, v in c_rows],
               "c_note": note or None,
               "c_frameworkshape": None if c_rows is None else _framework_c_summary()}, out)
    return 0


def _case_json(name: str, mine: float, ref: float | None) -> dict[str, Any]:
    return {"case": name, "generated_ns": round(mine, 1),
            "pytorch_ns": None if ref is None else round(ref, 1),
            "ratio": None if ref is None else round(mine / ref, 3)}


def _framework_c_summary() -> str:
    """One line for generated/c/frameworkshape.h: median and slowest ns/call of its functions."""
    from statistics import median

    from symconv.codegen.cbench import measure_c
    from symconv.frameworks.ccodegen import header

    try:
        numbers = measure_c(header(), iterations=2_000_000)
    except Exception as exc:  # a missing compiler or a failed build: report, do not crash
        return f"C frameworkshape.h: measure_c() failed: {type(exc).__name__}: {exc}"
    slowest = max(numbers, key=lambda name: numbers[name])
    return (f"C frameworkshape.h: {len(numbers)} functions, median "
            f"{median(numbers.values()):.2f} ns/call, slowest {slowest} "
            f"{numbers[slowest]:.2f} ns/call")
