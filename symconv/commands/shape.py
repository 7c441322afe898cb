from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TextIO

from symconv.errors import UsageError

HELP = "output shape of a convolution, transposed convolution or pooling (generated helpers)"

_MODULE = "symconv_generated.convshape"

# kind -> (helper, relation shown, formula shown)
_KINDS = {
    "conv": ("conv_output_size", "R15", "o = (i + 2p - d(k-1) - 1) // s + 1"),
    "transposed-conv": (
        "transposed_conv_output_size", "R14", "o' = s(i' - 1) + a + d(k-1) + 1 - 2p",
    ),
    "pool": ("pool_output_size", "R7", "o = (i + 2p - d(k-1) - 1) // s + 1 (floor mode)"),
}


def load_convshape() -> ModuleType:
    """The generated module: the source checkout's ``generated/python/convshape.py`` when this
    package runs from one, else the installed ``symconv_generated`` package. Never imports z3 or
    sympy."""
    local = Path(__file__).resolve().parents[2] / "generated" / "python" / "convshape.py"
    if local.is_file():
        name = "symconv_generated_local.convshape"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, local)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {local}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(_MODULE)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=sorted(_KINDS), help="operation")
    parser.add_argument("--input", type=int, nargs="+", required=True, metavar="I",
                        help="spatial input sizes, one per axis")
    parser.add_argument("--kernel", type=int, nargs="+", required=True, metavar="K",
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


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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
