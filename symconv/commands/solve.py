from __future__ import annotations

import argparse
from typing import Any, TextIO

from symconv.errors import UsageError

HELP = ("inverse questions, answered by Z3: the padding for a target output, the output_padding "
        "for a target size, every input with a given output, every (k, s, p, d) mapping i to o")

DEFAULTS = {"s": 1, "p": 0, "d": 1, "a": 0, "p_begin": 0, "p_end": 0}
MAX_MODELS = 10_000


def _ints(parser: argparse.ArgumentParser, names: str) -> None:
    for name in names.split():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, metavar="N")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="question", required=True, parser_class=type(parser))
    pad = sub.add_parser("padding", help="padding p (or p_begin, p_end) that gives output o "
                         "(default o = ceil(i/s), 'same')")
    _ints(pad, "i k s d o")
    pad.add_argument("--rule", default="guide.conv",
                     help="a rule with symmetric padding p (default guide.conv = R15)")
    op = sub.add_parser("output-padding",
                        help="output_padding a for which a transposed conv gives --target")
    _ints(op, "i k s p d target")
    op.add_argument("--rule", default="torch.conv_transpose")
    inputs = sub.add_parser("inputs", help="every input size i whose output is --o")
    _ints(inputs, "o k s p d p_begin p_end a")
    inputs.add_argument("--rule", default="guide.conv")
    params = sub.add_parser("params", help="every (k, s, p, d) within limits mapping i to o")
    _ints(params, "i o")
    params.add_argument("--rule", default="guide.conv")
    for name, default in (("k", 7), ("s", 4), ("p", 4), ("d", 3)):
        params.add_argument(f"--max-{name}", type=int, default=default, metavar="N",
                            help=f"largest {name} (default {default})")
    for p in (pad, op, inputs, params):
        p.add_argument("--timeout", type=float, default=10.0, help="seconds per solver call")
        p.add_argument("--json", action="store_true", help="machine-readable output")


def _need(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if getattr(args, name, None) is None:
            raise UsageError(f"--{name.replace('_', '-')} is required")


def _positive(args: argparse.Namespace, names: str, low: int = 1) -> None:
    for name in names.split():
        value = getattr(args, name, None)
        if value is not None and value < low:
            raise UsageError(f"--{name.replace('_', '-')} must be >= {low}, got {value}")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.frameworks import get
    from symconv.frameworks.solve import SolverUnknown
    from symconv.render import dump_json

    if not args.timeout > 0:
        raise UsageError(f"--timeout must be > 0, got {args.timeout}")
    _positive(args, "i k s d o target")
    _positive(args, "p p_begin p_end a", 0)
    try:
        rule = get(args.rule)
    except KeyError as exc:
        raise UsageError(f"--rule: {exc.args[0]}") from None
    handler = {"padding": _padding, "output-padding": _output_padding, "inputs": _inputs,
               "params": _params}[args.question]
    try:
        answer, text = handler(args, rule)
    except SolverUnknown as exc:
        answer, text = {"status": "unknown", "reason": str(exc)}, f"unknown: {exc}"
    if args.json:
        dump_json(answer, out)
    else:
        print(text, file=out)
    return 3 if answer.get("status") == "unknown" else 0 if answer.get("found", True) else 1


def _fixed(args: argparse.Namespace, rule: Any, *skip: str) -> dict[str, int]:
    fixed: dict[str, int] = {}
    for name in rule.names:
        if name in skip:
            continue
        value = getattr(args, name, None)
        if value is None:
            if name not in DEFAULTS:
                raise UsageError(f"--{name.replace('_', '-')} is required by {rule.id}")
            value = DEFAULTS[name]
        fixed[name] = value
    return fixed


def _padding(args: argparse.Namespace, rule: Any) -> tuple[dict[str, Any], str]:
    import sympy as sp

    from symconv.frameworks import get
    from symconv.frameworks.solve import Problem, confirm, interval

    _need(args, "i", "k")
    if "p" not in rule.names:
        raise UsageError(f"--rule {rule.id} has no symmetric padding p")
    s, d = args.s or 1, args.d or 1
    target = args.o if args.o is not None else -(-args.i // s)
    fixed = {"i": args.i, "k": args.k, "s": s, "d": d}
    fixed = {n: v for n, v in fixed.items() if n in rule.names}
    sym = interval(rule, "p", fixed, target, args.timeout)
    # explicit begin/end padding: R15 with p_begin + p_end in place of 2p (ONNX pads semantics)
    asym = get("onnx.conv")
    prob = Problem(asym, {**fixed, "s": s, "d": d}, [sp.Eq(asym.expr, target)], args.timeout)
    pair = None
    model = prob.check(prob.vars["p_end"] >= prob.vars["p_begin"])
    if model is not None:
        pb, pe = prob.vars["p_begin"], prob.vars["p_end"]
        order = [pe >= pb]
        total, model = prob.extreme(pb + pe, model, largest=False, fixed=order)
        assert total is not None
        _, model = prob.extreme(pe - pb, model, largest=False, fixed=[*order, pb + pe == total])
        confirm(asym, prob.env(model), target)
        pair = (model["p_begin"], model["p_end"])
    answer: dict[str, Any] = {
        "question": "padding", "rule": rule.id, "target": target, **fixed,
        "found": sym is not None or pair is not None,
        "symmetric": None if sym is None else {"smallest": sym.lo, "largest": sym.hi},
        "asymmetric": None if pair is None else {"p_begin": pair[0], "p_end": pair[1]},
    }
    cfg = ", ".join(f"{n}={v}" for n, v in fixed.items())
    lines = [f"{rule.id} with {cfg}: output {target}"]
    if sym is None:
        lines.append("  no symmetric padding p gives it (proved: unsat)")
    else:
        hi = "∞" if sym.hi is None else str(sym.hi)
        lines.append(f"  symmetric p: {sym.lo}" + (f" (every p in {sym.lo}..{hi} does; "
                     "proved: none outside)" if sym.hi != sym.lo else " (the only one; proved)"))
    if pair is None:
        lines.append("  no begin/end padding gives it either (proved: unsat)")
    else:
        lines.append(f"  smallest begin/end padding: p_begin={pair[0]}, p_end={pair[1]} "
                     "(least total, then most balanced, extra at the end; proved minimal)")
    return answer, "\n".join(lines)


def _output_padding(args: argparse.Namespace, rule: Any) -> tuple[dict[str, Any], str]:
    import sympy as sp

    from symconv.frameworks import get
    from symconv.frameworks.base import Refused
    from symconv.frameworks.solve import Problem, confirm

    _need(args, "i", "k", "target")
    if "a" not in rule.names:
        raise UsageError(f"--rule {rule.id} has no output_padding a")
    fixed = _fixed(args, rule, "a")
    prob = Problem(rule, fixed, [sp.Eq(rule.expr, args.target)], args.timeout)
    models, complete = prob.all_models(16)
    values = sorted(m["a"] for m in models)
    for a in values:
        confirm(rule, {**fixed, "a": a}, args.target)
    answer: dict[str, Any] = {"question": "output-padding", "rule": rule.id, **fixed,
                              "target": args.target, "found": bool(values),
                              "output_padding": values, "complete": complete}
    cfg = ", ".join(f"{n}={v}" for n, v in fixed.items())
    lines = [f"{rule.id} with {cfg}, target {args.target}:"]
    if values:
        lines.append(f"  output_padding = {', '.join(map(str, values))}"
                     + (" (proved: no other)" if complete else ""))
    else:
        reach = Problem(rule, fixed, [], args.timeout)
        model = reach.check()
        span = ""
        if model is not None:
            term = prob.vars["a"] * 0 + _z3_expr(rule, fixed)
            lo, _ = reach.extreme(term, model, largest=False)
            hi, _ = reach.extreme(term, model, largest=True)
            span = f"; reachable sizes are {lo}..{hi}"
            answer["reachable"] = [lo, hi]
        lines.append(f"  no output_padding gives {args.target} (proved: unsat){span}")
    if rule.id == "torch.conv_transpose":
        size = get("torch.conv_transpose.output_size")
        env = {n: v for n, v in {**fixed, "o": args.target}.items() if n in size.names}
        verdict = size.verdict(env)
        ok = not isinstance(verdict, Refused)
        answer["output_size_accepted"] = ok
        lines.append("  forward(x, output_size=[target]): " + (
            f"accepted, output_padding {size.extra('a', env)}" if ok else
            "refused (the Python range is min..min+s-1; output_padding= accepts a < max(s, d))"))
    return answer, "\n".join(lines)


def _z3_expr(rule: Any, fixed: dict[str, int]) -> Any:
    import sympy as sp

    from symconv.symbols import symbol
    from symconv.z3bridge import Z3Translator

    subs = {symbol(n): sp.Integer(v) for n, v in fixed.items()}
    return Z3Translator().translate(rule.expr.subs(subs))


def _inputs(args: argparse.Namespace, rule: Any) -> tuple[dict[str, Any], str]:
    from symconv.frameworks.solve import interval

    _need(args, "o", "k")
    fixed = _fixed(args, rule, "i", "o")
    found = interval(rule, "i", fixed, args.o, args.timeout)
    cfg = ", ".join(f"{n}={v}" for n, v in fixed.items())
    answer: dict[str, Any] = {"question": "inputs", "rule": rule.id, **fixed, "o": args.o,
                              "found": found is not None,
                              "inputs": None if found is None else [found.lo, found.hi]}
    if found is None:
        return answer, f"{rule.id} with {cfg}: no input size gives {args.o} (proved: unsat)"
    hi = "∞" if found.hi is None else str(found.hi)
    return answer, (f"{rule.id} with {cfg}: output {args.o} exactly for i in {found.lo}..{hi} "
                    "(proved: every i inside, none outside)")


def _params(args: argparse.Namespace, rule: Any) -> tuple[dict[str, Any], str]:
    import sympy as sp

    from symconv.frameworks.solve import Problem, confirm
    from symconv.symbols import symbol

    _need(args, "i", "o")
    limits = {"k": args.max_k, "s": args.max_s, "p": args.max_p, "d": args.max_d}
    for name, value in limits.items():
        if value < (0 if name == "p" else 1):
            raise UsageError(f"--max-{name} must be >= {0 if name == 'p' else 1}, got {value}")
    fixed = {"i": args.i}
    free = [n for n in rule.names if n != "i"]
    unlimited = [n for n in free if n not in limits]
    if unlimited:
        raise UsageError(f"--rule {rule.id} has parameters without a limit: "
                         f"{', '.join(unlimited)}")
    bounds = [sp.Le(symbol(n), limits[n]) for n in free]
    prob = Problem(rule, fixed, [sp.Eq(rule.expr, args.o), *bounds], args.timeout)
    models, complete = prob.all_models(MAX_MODELS)
    models.sort(key=lambda m: tuple(m[n] for n in free))
    for m in models:
        confirm(rule, {**fixed, **m}, args.o)
    answer: dict[str, Any] = {"question": "params", "rule": rule.id, "i": args.i, "o": args.o,
                              "limits": {n: limits[n] for n in free}, "found": bool(models),
                              "solutions": models, "complete": complete}
    head = (f"{rule.id}: {len(models)} configurations ({', '.join(free)}) within "
            + ", ".join(f"{n} ≤ {limits[n]}" for n in free)
            + f" map i={args.i} to o={args.o}" + (" (proved: no other)" if complete else
                                                  f" (first {MAX_MODELS})"))
    rows = ["  " + ", ".join(f"{n}={m[n]}" for n in free) for m in models]
    return answer, "\n".join([head, *rows])
