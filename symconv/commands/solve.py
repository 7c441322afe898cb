"""``symconv solve``: inverse questions about a shape rule, answered by Z3 over all integers.

JSON: one object with ``status`` — ``proved`` (the answer is given and proved complete),
``refuted`` (no value answers the question, proved: unsat), ``unknown`` (the solver gave up:
``reason``). Exit codes 0, 1, 3 accordingly; 2 bad input. An unbounded range has ``null`` as its
upper end (``∞`` in text).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TextIO

from symconv.commands._args import add_json
from symconv.errors import EXIT_OK, EXIT_REFUTED, EXIT_UNKNOWN, UsageError, timeout_seconds

HELP = ("inverse questions, answered by Z3: the padding for a target output, the output_padding "
        "for a target size, every input with a given output, every (k, s, p, d) mapping i to o")

DEFAULTS = {"s": 1, "p": 0, "d": 1, "a": 0, "p_begin": 0, "p_end": 0}
MAX_SOLUTIONS = 1000

_MEANING = {
    "i": "input size i", "k": "kernel size k", "s": "stride s (default 1)",
    "p": "padding p on each side (default 0)", "d": "dilation d (default 1)",
    "o": "output size o", "a": "output_padding a (default 0)",
    "p_begin": "padding before (default 0)", "p_end": "padding after (default 0)",
    "target": "the output size wanted from the transposed convolution",
}
# question -> the integer options it takes, and those that are not parameters of the rule
_QUESTIONS = {
    "padding": ("i k s d o", ("o",)),
    "output-padding": ("i k s p d target", ("target",)),
    "inputs": ("o k s p d p_begin p_end a", ("o",)),
    "params": ("i o", ("o",)),
}


def _ints(parser: argparse.ArgumentParser, names: str, overrides: dict[str, str]) -> None:
    for name in names.split():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, metavar="N",
                            help=overrides.get(name, _MEANING[name]))


def _rule_option(parser: argparse.ArgumentParser, default: str, what: str) -> None:
    parser.add_argument("--rule", default=default, metavar="ID",
                        help=f"the shape rule, {what} (default {default}; symconv compare "
                        "--list gives every id)")


SOLVE_EXIT = ("Exit codes: 0 answered (proved complete), 1 no value answers (proved by unsat), "
              "3 unknown (a solver timeout), 2 bad input.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = SOLVE_EXIT
    sub = parser.add_subparsers(dest="question", required=True, parser_class=type(parser),
                                metavar="QUESTION")
    pad = sub.add_parser("padding", help="padding p (or p_begin, p_end) that gives output o "
                         "(default o = ceil(i/s), 'same')")
    _ints(pad, _QUESTIONS["padding"][0], {"o": "output size wanted (default ceil(i/s))"})
    _rule_option(pad, "guide.conv", "one with symmetric padding p")
    op = sub.add_parser("output-padding",
                        help="output_padding a for which a transposed conv gives --target")
    _ints(op, _QUESTIONS["output-padding"][0], {})
    _rule_option(op, "torch.conv_transpose", "one with output_padding a")
    inputs = sub.add_parser("inputs", help="every input size i whose output is --o")
    _ints(inputs, _QUESTIONS["inputs"][0], {})
    _rule_option(inputs, "guide.conv", "any")
    params = sub.add_parser("params", help="every (k, s, p, d) within limits mapping i to o, "
                            "in lexicographic order, printed as found")
    _ints(params, _QUESTIONS["params"][0], {})
    _rule_option(params, "guide.conv", "any")
    for name, default in (("k", 7), ("s", 4), ("p", 4), ("d", 3)):
        params.add_argument(f"--max-{name}", type=int, default=None, metavar="N",
                            help=f"largest {name} (default {default})")
    params.add_argument("--max-solutions", type=int, default=MAX_SOLUTIONS, metavar="N",
                        help=f"stop after N configurations (default {MAX_SOLUTIONS}); the "
                        "answer then says whether more exist")
    for p in (pad, op, inputs, params):
        p.epilog = SOLVE_EXIT
        p.add_argument("--timeout", type=float, default=10.0,
                       help="seconds per solver call (10); a timeout is reported unknown")
        add_json(p, "an object with status (proved, refuted, unknown) and the answer")


def _need(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if getattr(args, name, None) is None:
            raise UsageError(f"--{name.replace('_', '-')} is required")


def _positive(args: argparse.Namespace, names: str, low: int = 1) -> None:
    for name in names.split():
        value = getattr(args, name, None)
        if value is not None and value < low:
            raise UsageError(f"--{name.replace('_', '-')} must be >= {low}, got {value}")


def _applies(args: argparse.Namespace, rule: Any) -> None:
    """Refuse an option the question takes but the rule has no parameter for."""
    names, own = _QUESTIONS[args.question]
    for name in names.split():
        if name in own or name in rule.names or getattr(args, name, None) is None:
            continue
        raise UsageError(f"--{name.replace('_', '-')} does not apply: {rule.id} has no "
                         f"parameter {name} (its parameters: {', '.join(rule.names)})")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv.frameworks import get
    from symconv.frameworks.solve import SolverUnknown
    from symconv.render import dump_json

    args.timeout = timeout_seconds(args.timeout)
    _positive(args, "i k s d o target")
    _positive(args, "p p_begin p_end a", 0)
    try:
        rule = get(args.rule)
    except KeyError as exc:
        raise UsageError(f"--rule: {exc.args[0]}") from None
    _applies(args, rule)
    handler: Callable[[argparse.Namespace, Any, TextIO | None],
                      tuple[dict[str, Any], str]] = {
        "padding": _padding, "output-padding": _output_padding, "inputs": _inputs,
        "params": _params}[args.question]
    try:
        answer, text = handler(args, rule, None if args.json else out)
    except SolverUnknown as exc:
        answer = {"question": args.question, "rule": rule.id, "status": "unknown",
                  "reason": str(exc)}
        text = f"unknown: {exc}"
    if args.json:
        dump_json(answer, out)
    elif text:
        print(text, file=out)
    return {"proved": EXIT_OK, "refuted": EXIT_REFUTED, "unknown": EXIT_UNKNOWN}[
        answer["status"]]


def _status(found: bool) -> str:
    return "proved" if found else "refuted"


def _upto(lo: int, hi: int | None) -> str:
    return f"{lo}..{'∞' if hi is None else hi}"


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


def _padding(args: argparse.Namespace, rule: Any, stream: TextIO | None
             ) -> tuple[dict[str, Any], str]:
    from symconv.frameworks.solve import interval

    _need(args, "i", "k")
    if "p" not in rule.names:
        raise UsageError(f"--rule {rule.id} has no symmetric padding p")
    s, d = args.s or 1, args.d or 1
    target = args.o if args.o is not None else -(-args.i // s)
    fixed = {"i": args.i, "k": args.k, "s": s, "d": d}
    fixed = {n: v for n, v in fixed.items() if n in rule.names}
    sym = interval(rule, "p", fixed, target, args.timeout)
    pair = _begin_end(fixed, s, d, target, args.timeout)
    answer: dict[str, Any] = {
        "question": "padding", "rule": rule.id, "status": _status(sym is not None
                                                                  or pair is not None),
        "target": target, **fixed,
        "symmetric": None if sym is None else {"smallest": sym.lo, "largest": sym.hi},
        "asymmetric": None if pair is None else {"p_begin": pair[0], "p_end": pair[1]},
    }
    cfg = ", ".join(f"{n}={v}" for n, v in fixed.items())
    lines = [f"{rule.id} with {cfg}: output {target}"]
    if sym is None:
        lines.append("  no symmetric padding p gives it (proved: unsat)")
    else:
        lines.append(f"  symmetric p: {sym.lo}" + (f" (every p in {_upto(sym.lo, sym.hi)} does; "
                     "proved: none outside)" if sym.hi != sym.lo else " (the only one; proved)"))
    if pair is None:
        lines.append("  no begin/end padding gives it either (proved: unsat)")
    else:
        lines.append(f"  smallest begin/end padding: p_begin={pair[0]}, p_end={pair[1]} "
                     "(least total, then most balanced, extra at the end; proved minimal)")
    return answer, "\n".join(lines)


def _begin_end(fixed: dict[str, int], s: int, d: int, target: int, timeout: float
               ) -> tuple[int, int] | None:
    """The least total begin/end padding giving ``target`` (then the most balanced), by R15
    with p_begin + p_end in place of 2p (ONNX pads semantics)."""
    import sympy as sp

    from symconv.frameworks import get
    from symconv.frameworks.solve import Problem, confirm

    asym = get("onnx.conv")
    prob = Problem(asym, {**fixed, "s": s, "d": d}, [sp.Eq(asym.expr, target)], timeout)
    model = prob.check(prob.vars["p_end"] >= prob.vars["p_begin"])
    if model is None:
        return None
    pb, pe = prob.vars["p_begin"], prob.vars["p_end"]
    order = [pe >= pb]
    total, model = prob.extreme(pb + pe, model, largest=False, fixed=order)
    assert total is not None
    _, model = prob.extreme(pe - pb, model, largest=False, fixed=[*order, pb + pe == total])
    confirm(asym, prob.env(model), target)
    return model["p_begin"], model["p_end"]


def _output_padding(args: argparse.Namespace, rule: Any, stream: TextIO | None
                    ) -> tuple[dict[str, Any], str]:
    import sympy as sp

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
    answer: dict[str, Any] = {"question": "output-padding", "rule": rule.id,
                              "status": _status(bool(values)), **fixed,
                              "target": args.target, "output_padding": values,
                              "complete": complete}
    cfg = ", ".join(f"{n}={v}" for n, v in fixed.items())
    lines = [f"{rule.id} with {cfg}, target {args.target}:"]
    if values:
        lines.append(f"  output_padding = {', '.join(map(str, values))}"
                     + (" (proved: no other)" if complete else ""))
    else:
        span = _reachable(rule, fixed, args.timeout)
        if span is not None:
            answer["reachable"] = list(span)
        lines.append(f"  no output_padding gives {args.target} (proved: unsat)"
                     + ("" if span is None else f"; reachable sizes are {_upto(*span)}"))
    if rule.id == "torch.conv_transpose":
        ok, text = _output_size_path(fixed, args.target)
        answer["output_size_accepted"] = ok
        lines.append(text)
    return answer, "\n".join(lines)


def _reachable(rule: Any, fixed: dict[str, int], timeout: float) -> tuple[int, int | None] | None:
    """The least and largest output over every accepted a (None: no a is accepted)."""
    from symconv.frameworks.solve import Problem

    reach = Problem(rule, fixed, [], timeout)
    model = reach.check()
    if model is None:
        return None
    term = _z3_expr(rule, fixed)
    lo, _ = reach.extreme(term, model, largest=False)
    hi, _ = reach.extreme(term, model, largest=True)
    assert lo is not None
    return lo, hi


def _output_size_path(fixed: dict[str, int], target: int) -> tuple[bool, str]:
    from symconv.frameworks import get
    from symconv.frameworks.base import Refused

    size = get("torch.conv_transpose.output_size")
    env = {n: v for n, v in {**fixed, "o": target}.items() if n in size.names}
    ok = not isinstance(size.verdict(env), Refused)
    return ok, "  forward(x, output_size=[target]): " + (
        f"accepted, output_padding {size.extra('a', env)}" if ok else
        "refused (the Python range is min..min+s-1; output_padding= accepts a < max(s, d))")


def _z3_expr(rule: Any, fixed: dict[str, int]) -> Any:
    import sympy as sp

    from symconv.symbols import symbol
    from symconv.z3bridge import Z3Translator

    subs = {symbol(n): sp.Integer(v) for n, v in fixed.items()}
    return Z3Translator().translate(rule.expr.subs(subs))


def _inputs(args: argparse.Namespace, rule: Any, stream: TextIO | None
            ) -> tuple[dict[str, Any], str]:
    from symconv.frameworks.solve import interval

    _need(args, "o", "k")
    fixed = _fixed(args, rule, "i", "o")
    found = interval(rule, "i", fixed, args.o, args.timeout)
    cfg = ", ".join(f"{n}={v}" for n, v in fixed.items())
    answer: dict[str, Any] = {"question": "inputs", "rule": rule.id,
                              "status": _status(found is not None), **fixed, "o": args.o,
                              "inputs": None if found is None else [found.lo, found.hi]}
    if found is None:
        return answer, f"{rule.id} with {cfg}: no input size gives {args.o} (proved: unsat)"
    return answer, (f"{rule.id} with {cfg}: output {args.o} exactly for i in "
                    f"{_upto(found.lo, found.hi)} (proved: every i inside, none outside)")


def _params(args: argparse.Namespace, rule: Any, stream: TextIO | None
            ) -> tuple[dict[str, Any], str]:
    import sympy as sp

    from symconv.frameworks.solve import Problem, confirm
    from symconv.symbols import symbol

    _need(args, "i", "o")
    if args.max_solutions < 1:
        raise UsageError(f"--max-solutions must be >= 1, got {args.max_solutions}")
    free = [n for n in rule.names if n != "i"]
    limits = _limits(args, rule, free)
    bounds = [sp.Le(symbol(n), limits[n]) for n in free]
    prob = Problem(rule, {"i": args.i}, [sp.Eq(rule.expr, args.o), *bounds], args.timeout)
    models: list[dict[str, int]] = []
    complete = True
    for model in prob.enumerate(free):
        if len(models) == args.max_solutions:
            complete = False
            break
        confirm(rule, {"i": args.i, **model}, args.o)
        models.append(model)
        if stream is not None:
            print("  " + ", ".join(f"{n}={model[n]}" for n in free), file=stream, flush=True)
    answer: dict[str, Any] = {"question": "params", "rule": rule.id,
                              "status": _status(bool(models)), "i": args.i, "o": args.o,
                              "limits": {n: limits[n] for n in free}, "solutions": models,
                              "complete": complete}
    summary = (f"{rule.id}: {len(models)} configurations ({', '.join(free)}) within "
               + ", ".join(f"{n} ≤ {limits[n]}" for n in free)
               + f" map i={args.i} to o={args.o}"
               + (" (proved: no other)" if complete else
                  f" (the first {len(models)} in lexicographic order; more exist: "
                  "--max-solutions)"))
    return answer, summary


def _limits(args: argparse.Namespace, rule: Any, free: list[str]) -> dict[str, int]:
    defaults = {"k": 7, "s": 4, "p": 4, "d": 3}
    limits: dict[str, int] = {}
    for name, default in defaults.items():
        value = getattr(args, f"max_{name}")
        if value is not None and name not in free:
            raise UsageError(f"--max-{name} does not apply: {rule.id} has no parameter {name}")
        limits[name] = default if value is None else value
        if limits[name] < (0 if name == "p" else 1):
            raise UsageError(f"--max-{name} must be >= {0 if name == 'p' else 1}, got "
                             f"{limits[name]}")
    unlimited = [n for n in free if n not in limits]
    if unlimited:
        raise UsageError(f"--rule {rule.id} has parameters without a limit: "
                         f"{', '.join(unlimited)}")
    return limits
