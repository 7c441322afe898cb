from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TextIO

from symconv.errors import UsageError

HELP = "output shape of a convolution, transposed convolution or pooling (generated helpers)"

# kind -> (helper, relation shown, formula shown)
_KINDS = {
    "conv": ("conv_output_size", "R15", "o = (i + 2p - d(k-1) - 1) // s + 1"),
    "transposed-conv": (
        "transposed_conv_output_size", "R14", "o' = s(i' - 1) + a + d(k-1) + 1 - 2p",
    ),
    "pool": ("pool_output_size", "R7", "o = (i + 2p - d(k-1) - 1) // s + 1 (floor mode)"),
}


def _load_generated(stem: str) -> ModuleType:
    """``generated/python/<stem>.py``: the source checkout's file when this package runs from
    one (a worktree's own, not the installed one), else the installed ``symconv_generated``
    package. Never imports z3 or sympy."""
    name = f"symconv_generated_local.{stem}"
    if name in sys.modules:
        return sys.modules[name]
    local = Path(__file__).resolve().parents[2] / "generated" / "python" / f"{stem}.py"
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
    return _load_generated("convshape")


_OPS = {"conv": "conv", "transposed-conv": "conv_transpose", "pool": "max_pool",
        "max-pool": "max_pool", "avg-pool": "avg_pool"}


def load_frameworkshape() -> ModuleType:
    return _load_generated("frameworkshape")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", nargs="?", choices=sorted(_OPS),
                        help="operation (max-pool / avg-pool need --framework)")
    parser.add_argument("--framework", choices=("guide", "torch", "tf", "onnx", "jax"),
                        help="whose rule (default: the guide's relations, core helpers)")
    parser.add_argument("--batch", metavar="FILE",
                        help="JSON lines (or - for stdin), one configuration each; prints one "
                        '{"out": N} or {"error": "..."} line per input line, in order')
    parser.add_argument("--mode", metavar="MODE",
                        help="with --framework: padding mode (same, valid, SAME_UPPER, ...)")
    parser.add_argument("--ceil-mode", action="store_true",
                        help="with --framework: ceil-mode pooling")
    parser.add_argument("--p-begin", type=int, nargs="+", default=None, metavar="P",
                        help="with --framework: padding before, per axis")
    parser.add_argument("--p-end", type=int, nargs="+", default=None, metavar="P",
                        help="with --framework: padding after, per axis")
    parser.add_argument("--input", type=int, nargs="+", metavar="I",
                        help="spatial input sizes, one per axis")
    parser.add_argument("--kernel", type=int, nargs="+", metavar="K",
                        help="kernel size: one (broadcast) or one per axis")
    parser.add_argument("--stride", type=int, nargs="+", default=None, metavar="S",
                        help="stride (default 1; pool: the kernel size)")
    parser.add_argument("--padding", type=int, nargs="+", default=[0], metavar="P",
                        help="zero padding on each side (default 0)")
    parser.add_argument("--dilation", type=int, nargs="+", default=[1], metavar="D",
                        help="dilation (default 1)")
    parser.add_argument("--output-padding", type=int, nargs="+", default=None, metavar="A",
                        help="transposed-conv only: extra size a, 0 <= a <= s-1 (default 0)")


def _per_axis(option: str, values: list[int], rank: int) -> list[int]:
    if len(values) == 1:
        return values * rank
    if len(values) != rank:
        raise UsageError(
            f"--{option} needs one value or one per spatial axis ({rank}), got {len(values)}"
        )
    return values


def _framework_module() -> ModuleType:
    try:
        return load_frameworkshape()
    except ImportError as exc:
        raise UsageError(
            f"the generated helpers are missing ({exc}): run `symconv generate`"
        ) from None


def _batch(args: argparse.Namespace, out: TextIO) -> int:
    from symconv.shapebatch import run_batch

    if args.kind is not None or args.input is not None or args.kernel is not None:
        raise UsageError("--batch takes no KIND, --input or --kernel (they are in the file)")
    framework = args.framework or "guide"
    module = _framework_module()
    if args.batch == "-":
        run_batch(sys.stdin, module, framework, out)
        return 0
    try:
        with open(args.batch, encoding="utf-8") as lines:
            run_batch(lines, module, framework, out)
    except OSError as exc:
        raise UsageError(f"--batch: cannot read {args.batch}: {exc.strerror}") from None
    return 0


def _one_framework(args: argparse.Namespace, out: TextIO, rank: int) -> int:
    from symconv.shapebatch import BatchError, select

    module = _framework_module()
    from symconv.shapebatch import evaluator

    run = evaluator(module, args.framework)
    values = {
        "k": _per_axis("kernel", args.kernel, rank),
        "s": None if args.stride is None else _per_axis("stride", args.stride, rank),
        "p": None if args.padding == [0] else _per_axis("padding", args.padding, rank),
        "d": None if args.dilation == [1] else _per_axis("dilation", args.dilation, rank),
        "a": None if args.output_padding is None else _per_axis(
            "output-padding", args.output_padding, rank),
        "p_begin": None if args.p_begin is None else _per_axis("p-begin", args.p_begin, rank),
        "p_end": None if args.p_end is None else _per_axis("p-end", args.p_end, rank),
    }
    shape, rules = [], []
    for axis in range(rank):
        record: dict[str, object] = {"op": _OPS[args.kind], "i": args.input[axis]}
        record.update({n: v[axis] for n, v in values.items() if v is not None})
        if args.mode is not None:
            record["padding"] = args.mode
        if args.ceil_mode:
            record["ceil_mode"] = True
        try:
            rules.append(select(args.framework, record)[0])
            shape.append(run(record))
        except (BatchError, TypeError, ValueError) as exc:
            where = f"axis {axis}: " if rank > 1 else ""
            raise UsageError(f"{where}{exc}") from None
    print(f"output shape: {' x '.join(str(o) for o in shape)}", file=out)
    print(f"rule: {', '.join(sorted(set(rules)))} (generated/python/frameworkshape.py)",
          file=out)
    return 0


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.batch is not None:
        return _batch(args, out)
    if args.kind is None:
        raise UsageError("KIND is required (conv, transposed-conv, pool, max-pool, avg-pool) "
                         "unless --batch")
    if args.input is None or args.kernel is None:
        raise UsageError("--input and --kernel are required")
    if args.framework is not None:
        return _one_framework(args, out, len(args.input))
    if args.kind not in _KINDS:
        raise UsageError(f"{args.kind} needs --framework (the guide's pool is `pool`)")
    if args.mode is not None or args.ceil_mode or args.p_begin or args.p_end:
        raise UsageError("--mode, --ceil-mode, --p-begin and --p-end need --framework")
    helper_name, relation, formula = _KINDS[args.kind]
    if args.output_padding is not None and args.kind != "transposed-conv":
        raise UsageError("--output-padding applies to transposed-conv only")
    rank = len(args.input)
    ks = _per_axis("kernel", args.kernel, rank)
    default_stride = ks if args.kind == "pool" else [1]
    ss = _per_axis("stride", args.stride if args.stride is not None else default_stride, rank)
    ps = _per_axis("padding", args.padding, rank)
    ds = _per_axis("dilation", args.dilation, rank)
    a_s = _per_axis("output-padding", args.output_padding or [0], rank)
    try:
        module = load_convshape()
    except ImportError as exc:
        raise UsageError(
            f"the generated helpers are missing ({exc}): run `symconv generate`"
        ) from None
    helper = getattr(module, helper_name)
    shape = []
    for axis in range(rank):
        try:
            if args.kind == "transposed-conv":
                o = helper(args.input[axis], ks[axis], ss[axis], ps[axis], a_s[axis], ds[axis])
            else:
                o = helper(args.input[axis], ks[axis], ss[axis], ps[axis], ds[axis])
        except (TypeError, ValueError) as exc:
            where = f"axis {axis}: " if rank > 1 else ""
            raise UsageError(f"{where}{exc}") from None
        shape.append(o)
    print(f"output shape: {' x '.join(str(o) for o in shape)}", file=out)
    print(f"relation: {relation}, {formula} (per axis, {helper_name})", file=out)
    for axis in range(rank):
        params = f"i={args.input[axis]} k={ks[axis]} s={ss[axis]} p={ps[axis]} d={ds[axis]}"
        if args.kind == "transposed-conv":
            params += f" a={a_s[axis]}"
        print(f"  axis {axis}: {params} -> {shape[axis]}", file=out)
    return 0
