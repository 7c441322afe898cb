from __future__ import annotations

import argparse
import importlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from symconv.commands._args import int_list, refuse, tex_caption, tex_label
from symconv.errors import UsageError, path_kind, timeout_seconds
from symconv.network.frontends.workers import MAX_JOBS

if TYPE_CHECKING:
    from symconv.network.ir import Network
    from symconv.network.traced import TracedStudy

HELP = ("a whole network's valid input sizes (proved), output sizes, receptive fields and "
        "layer table, from a spec file (.toml/.json), an ONNX model or a PyTorch model")

MAX_SIZES = 100_000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Exit codes: the most severe verdict of V, the closed forms and the receptive "
                     "fields: 1 refuted, then 3 unknown, else 0 (proved; --sizes, --near and "
                     "--why answer either way); 2 bad input (a bad spec or model, with file, "
                     "line and column).")
    parser.add_argument("source", nargs="?", metavar="SPEC|MODEL.onnx",
                        help="a spec file (.toml or .json; see examples/networks/) or an ONNX "
                        "model (read, never run)")
    parser.add_argument("--torch", metavar="SOURCE:CALLABLE",
                        help="a PyTorch model: SOURCE is a dotted module "
                        "(torchvision.models:resnet18) or a file path (models/unet.py:UNet); "
                        "CALLABLE returns the nn.Module. This IMPORTS AND RUNS the user's "
                        "module and constructor (and traces the model); only use it on code "
                        "you trust")
    parser.add_argument("--kwargs", metavar="JSON",
                        help="with --torch: keyword arguments for CALLABLE, as a JSON object "
                        "(e.g. '{\"weights\": null}')")
    parser.add_argument("--channels", type=int, metavar="C",
                        help="with --torch: the number of input channels (default 3)")
    parser.add_argument("--rank", type=int, metavar="N",
                        help="with --torch: the number of spatial axes of the input (1, 2 or "
                        "3), where no layer of the model fixes it (by default it is read off "
                        "the first convolution, pooling, padding or interpolation mode)")
    int_list(parser, "--input", help="show every layer's size at this input (one size per "
             "spatial axis, e.g. --input 224 224 or --input 224,224)")
    parser.add_argument("--sizes", metavar="LO..HI",
                        help="list every square input size in LO..HI: valid or not, the "
                        "output sizes, and the first layer refusing it (computed, not run)")
    parser.add_argument("--width", type=int, metavar="W",
                        help="with --sizes, --near, --why: hold the last spatial axis at W "
                        "and vary the others")
    parser.add_argument("--near", type=int, metavar="N",
                        help="the nearest valid sizes below and above N, with their outputs")
    parser.add_argument("--why", type=int, metavar="N",
                        help="the first layer that refuses size N, with the framework's message")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="machine-readable output")
    fmt.add_argument("--markdown", action="store_true", help="the layer table in Markdown")
    fmt.add_argument("--latex", action="store_true",
                     help="the layer table as a LaTeX longtable with booktabs rules (needs "
                     "\\usepackage{booktabs,longtable,array})")
    parser.add_argument("--html", metavar="FILE", type=Path,
                        help="write one self-contained HTML page (no request leaves it): the "
                        "valid sizes over --sizes LO..HI (default 1 to twice the smallest "
                        "valid size) coloured by the refusing layer, output against input "
                        "size, the layer table, receptive fields, the proofs' status, and "
                        "for two axes the valid (H, W) map")
    parser.add_argument("--caption", metavar="TEXT",
                        help="with --latex: the table's caption, as plain text (default: the "
                        "network's name and V)")
    parser.add_argument("--label", metavar="KEY",
                        help="with --latex: \\label{KEY} for \\ref (letters, digits and "
                        ": . _ -)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="solver timeout per proof, in seconds (default 10)")
    parser.add_argument("--symbolic", action="store_true",
                        help="with --torch: read the model through PyTorch's own symbolic "
                        "shapes (every path of the forward traced on fake tensors, coverage "
                        "proved), which is also what --torch does when torch.fx cannot record "
                        "the forward or an op is not modelled")
    parser.add_argument("--max-paths", type=int, default=400, metavar="N",
                        help="with --torch: trace at most N paths before giving up on "
                        "covering every size (default 400; then exit 3 with the part proved)")
    parser.add_argument("--max-seconds", type=float, default=600.0, metavar="S",
                        help="with --torch: stop exploring paths after S seconds "
                        "(default 600; then exit 3 with the part proved)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="with --torch: trace N paths at once, each in a process forked "
                        "from this one (default: the cores available, at most 4; 1: one at a "
                        "time, in this process)")


def parse_range(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*\.\.\s*(\d+)\s*", text)
    if match is None:
        raise UsageError(f"--sizes must be LO..HI with integers, e.g. 200..300; got {text!r}")
    low, high = int(match.group(1)), int(match.group(2))
    if low < 1:
        raise UsageError(f"--sizes: LO must be >= 1, got {low}")
    if low > high:
        raise UsageError(f"--sizes: LO must be <= HI, got {low}..{high}")
    if high - low + 1 > MAX_SIZES:
        raise UsageError(f"--sizes: at most {MAX_SIZES} sizes at once, got {high - low + 1}")
    return low, high


def _check(args: argparse.Namespace) -> None:
    if (args.source is None) == (args.torch is None):
        raise UsageError("give a spec or ONNX file, or --torch SOURCE:CALLABLE (one of them)")
    if args.torch is None and (args.kwargs is not None or args.channels is not None
                               or args.rank is not None or args.symbolic):
        raise UsageError("--kwargs, --channels and --rank go with --torch (a spec file or an "
                         "ONNX model states its own spatial axes)" if not args.symbolic else
                         "--symbolic goes with --torch")
    if args.max_paths < 1:
        raise UsageError(f"--max-paths must be >= 1, got {args.max_paths}")
    if not 0 < args.max_seconds <= 86400:
        raise UsageError(f"--max-seconds must be in (0, 86400], got {args.max_seconds}")
    if args.jobs is not None and not 1 <= args.jobs <= MAX_JOBS:
        raise UsageError(f"--jobs must be in 1..{MAX_JOBS}, got {args.jobs}")
    if args.channels is not None and args.channels < 1:
        raise UsageError(f"--channels must be >= 1, got {args.channels}")
    if args.rank is not None and args.rank not in (1, 2, 3):
        raise UsageError(f"--rank (spatial axes) must be 1, 2 or 3, got {args.rank}")
    args.timeout = timeout_seconds(args.timeout)
    for name in ("near", "why", "width"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name} must be >= 1, got {value}")
    if args.input is not None and any(n < 1 for n in args.input):
        raise UsageError(f"--input sizes must be >= 1, got {args.input}")
    if (args.width is not None and args.sizes is None and args.near is None and args.why is None
            and args.html is None):
        raise UsageError("--width goes with --sizes, --near or --why")
    if not args.latex:
        refuse(args, ("caption", "label"), "they are the --latex table's")
    if args.label is not None:
        tex_label(args.label)
    if args.caption is not None:
        args.caption = tex_caption(args.caption)
    if args.html is not None and (args.json or args.markdown or args.latex
                                  or args.input is not None or args.near is not None
                                  or args.why is not None):
        raise UsageError("--html writes the page alone: it takes --sizes and --width, not "
                         "--json, --markdown, --latex, --input, --near or --why")
    if args.html is None and args.sizes is not None and (
            args.markdown or args.latex or args.input is not None):
        raise UsageError("--sizes lists sizes (text or --json); it takes no --markdown, "
                         "--latex or --input")


def load(args: argparse.Namespace) -> Network:
    if args.torch is not None:
        module = _frontend("torch_frontend", "torch", "--torch")
        network: Network = module.load_torch(args.torch, kwargs=_kwargs(args),
                                             channels=args.channels or 3, rank=args.rank)
        return network
    path = Path(args.source)
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        kind = path_kind(path, "MODEL")
        if kind != "file":
            why = "no such file" if kind == "missing" else "not a regular file"
            raise UsageError(f"{path}: {why}")
        module = _frontend("onnx_frontend", "onnx", "an .onnx model")
        onnx_network: Network = module.load_onnx(str(path))
        return onnx_network
    if suffix not in (".toml", ".json"):
        raise UsageError(f"{path}: expected a .toml or .json spec or an .onnx model")
    from symconv.network.frontends.spec import load_spec

    return load_spec(path)


def _frontend(module: str, package: str, what: str) -> Any:
    try:
        importlib.import_module(package)
    except ImportError:
        raise UsageError(f"{what} needs {package}, which is not installed "
                         f"(pip install {package})") from None
    try:
        return importlib.import_module(f"symconv.network.frontends.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"symconv.network.frontends.{module}":
            raise UsageError(f"{what}: the {package} front-end "
                             f"(symconv.network.frontends.{module}) is not part of this "
                             "installation"
                             ) from None
        raise


def _kwargs(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.kwargs is None:
        return None
    try:
        kwargs = json.loads(args.kwargs)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--kwargs is not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(kwargs, dict):
        raise UsageError("--kwargs must be a JSON object")
    return kwargs


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv import interrupt

    _check(args)
    sizes = parse_range(args.sizes) if args.sizes is not None else None
    # one analysis, no rows: an interrupt says how far it got
    done = interrupt.track("layers", "")
    done.note = "while loading the network"
    if args.torch is not None:
        network, model = _torch_fx(args)
        if network is None:
            done.note = "while running the PyTorch model"
            return _run_torch(args, model, sizes, out, err)
    else:
        network = load(args)
    done.extra["network"] = network.name
    done.note = f"while analysing {network.name} ({len(network.nodes)} layers)"
    from symconv.network.render import (
        Options,
        json_report,
        latex_report,
        markdown_report,
        text_report,
    )
    from symconv.network.study import study
    from symconv.network.verdict import dump_json

    if args.input is not None and len(args.input) != len(network.axes):
        raise UsageError(f"--input needs {len(network.axes)} sizes "
                         f"({', '.join(network.axes)}), got {len(args.input)}")
    st = study(network, timeout=args.timeout)
    code = st.status.exit_code
    if args.html is not None:
        return _html(st, sizes, args, err) or code
    if sizes is not None:
        return _sizes(st, sizes, args, out) or code
    options = Options(tuple(args.input) if args.input else None, args.near, args.why, args.width)
    if args.json:
        dump_json(json_report(st, options), out)
    elif args.markdown:
        out.write(markdown_report(st, options))
    elif args.latex:
        out.write(latex_report(st, options, user_caption=args.caption, label=args.label))
    else:
        out.write(text_report(st, options))
    return code


def _html(st: Any, sizes: tuple[int, int] | None, args: argparse.Namespace, err: TextIO
          ) -> int:
    from symconv.network.html import MAX_STRIP, default_range, html_report

    low, high = sizes if sizes is not None else default_range(st, args.width)
    if high - low + 1 > MAX_STRIP:
        raise UsageError(f"--sizes: the page shows at most {MAX_STRIP} sizes, got "
                         f"{high - low + 1}")
    text = html_report(st, low, high, args.width)
    try:
        args.html.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--html: cannot write {args.html}: {exc.strerror}") from None
    print(f"wrote {args.html} (sizes {low}..{high})", file=err)
    return 0


def _sizes(st: Any, sizes: tuple[int, int], args: argparse.Namespace, out: TextIO) -> int:
    from symconv.network.queries import listing
    from symconv.network.verdict import dump_json

    answers = listing(st, sizes[0], sizes[1], args.width)
    if args.json:
        dump_json([a.as_json() for a in answers], out)
        return 0
    from symconv.network.render import table_lines

    rows = []
    for a in answers:
        output = "·" if not a.valid else ", ".join(
            "·" if o is None else "×".join(map(str, o)) for o in a.outputs)
        refused = "" if a.refused_by is None else f"{a.refused_by.layer}: {a.refused_by.message}"
        size = str(a.size) if args.width is None else "×".join(map(str, a.point))
        rows.append([size, "yes" if a.valid else "no", output, refused])
    out.write("\n".join(table_lines(rows, ["size", "valid", "output", "refused by"])) + "\n")
    valid = sum(a.valid for a in answers)
    out.write(f"{valid} of {len(answers)} sizes valid; V: {st.valid.text()}\n")
    return 0


def _torch_fx(args: argparse.Namespace) -> tuple[Network | None, Any]:
    """The model built, and its IR by the torch.fx front-end when torch.fx can record the forward
    and every op in it is modelled (None otherwise, and always with --symbolic): PyTorch's own
    symbolic shapes then read it, which take any model PyTorch can run."""
    from symconv.network.ir import NetworkError

    frontend = _frontend("torch_frontend", "torch", "--torch")
    channels = args.channels or 3
    frontend.check_options(channels, args.rank)
    model = frontend.build_model(args.torch, _kwargs(args))
    if args.symbolic:
        return None, model
    try:
        network: Network = frontend.from_module(model, name=args.torch.rpartition(":")[2],
                                                channels=channels, rank=args.rank,
                                                target=args.torch)
    except NetworkError:
        return None, model
    return network, model


def study_shown(err: TextIO, model: Any, **options: Any) -> TracedStudy:
    """``traced.study_model(model, **options)`` with the paths explored shown on ``err`` (a
    terminal: a live count and the size being traced)."""
    from symconv.network.traced import study_model
    from symconv.progress import for_output

    bar = for_output(err, enabled=True)
    bar.start("paths explored", 0)

    def progress(count: int, point: tuple[int, ...]) -> None:
        bar.grow(1)
        bar.advance("×".join(map(str, point)))

    try:
        return study_model(model, progress=progress, **options)
    finally:
        bar.close()


def _run_torch(args: argparse.Namespace, model: Any, sizes: tuple[int, int] | None,
               out: TextIO, err: TextIO) -> int:
    """A PyTorch model through its own symbolic shapes: every path explored, coverage and V
    proved (``symconv.network.traced``)."""
    from symconv.network.traced import json_report, near_lines, text_report, why_lines
    from symconv.network.verdict import dump_json

    st = study_shown(err, model, name=args.torch.rpartition(":")[2],
                     channels=args.channels or 3, rank=args.rank, start=args.input,
                     width=args.width, max_paths=args.max_paths,
                     max_seconds=args.max_seconds, timeout=args.timeout, jobs=args.jobs)
    if args.input is not None and len(args.input) != len(st.axes):
        raise UsageError(f"--input needs {len(st.axes)} sizes ({', '.join(st.axes)}), "
                         f"got {len(args.input)}")
    code = st.status.exit_code
    if sizes is not None:
        answers = st.listing(sizes[0], sizes[1], args.width)
        if args.json:
            dump_json([dict(a.as_json(), width=args.width) if args.width else a.as_json()
                       for a in answers], out)
            return code
        from symconv.network.render import table_lines

        rows = []
        for a in answers:
            output = ", ".join("×".join(map(str, o)) for o in a.outputs) if a.valid else "·"
            refused = "" if a.refused_by is None else f"{a.refused_by[0]}: {a.refused_by[1]}"
            rows.append([str(a.size), "yes" if a.valid else "no", output, refused])
        out.write("\n".join(table_lines(rows, ["size", "valid", "output", "refused by"]))
                  + "\n")
        valid = sum(a.valid for a in answers)
        out.write(f"{valid} of {len(answers)} sizes valid; V: {st.valid.text()}\n")
        return code
    point = tuple(args.input) if args.input is not None else None
    if args.json:
        dump_json(json_report(st, point, args.near, args.why, args.width), out)
        return code
    if args.markdown or args.latex:
        from symconv.network.traced import latex_report, layer_table, markdown_report

        table = layer_table(st, point)
        out.write(markdown_report(table) if args.markdown else latex_report(
            table, user_caption=args.caption, label=args.label))
        return code
    text = text_report(st, point)
    extra: list[str] = []
    if args.near is not None:
        extra += near_lines(st, args.near, args.width)
    if args.why is not None:
        extra += why_lines(st, args.why, args.width)
    out.write(text + ("\n".join(extra) + "\n" if extra else ""))
    return code
