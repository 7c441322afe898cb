"""``symconv shape --framework F [--batch FILE]``: pick a framework rule for a configuration and
run its generated, verified helper (``generated/python/frameworkshape.py``).

Pure standard library — no SymPy, no Z3 — so a batch of 100,000 configurations runs in a second
or two. Each record is a JSON object with ``op`` (conv, conv_transpose, max_pool, avg_pool),
integer fields among i, k, s, p, d, a, p_begin, p_end, and where they apply ``ceil_mode`` (bool)
and ``padding`` (a mode string). Omitted fields take the framework's default (``DEFAULTS``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, BinaryIO, TextIO

from symconv.shapes import FRAMEWORKS

OPS = ("conv", "conv_transpose", "max_pool", "avg_pool")
FIELDS = frozenset({"op", "i", "k", "s", "p", "d", "a", "p_begin", "p_end", "ceil_mode",
                    "padding"})

DEFAULTS = {
    "guide": "s = 1 (pooling: s = k), p = 0, d = 1, a = 0; no padding modes, no ceil_mode",
    "torch": "s = 1 (pooling: s = k), p = 0, d = 1, a = 0, ceil_mode = false; padding an int "
             "(p) or 'same' / 'valid'",
    "tf": "s = 1 (pooling: s = k), d = 1, padding = 'VALID' (Keras' default); 'SAME', or "
          "p_begin / p_end for explicit conv padding; a (output_padding) only if given",
    "onnx": "s = 1, d = 1, padding = 'NOTSET' with p_begin = p_end = p (default 0), a = 0, "
            "ceil_mode = false; 'SAME_UPPER', 'SAME_LOWER', 'VALID'",
    "jax": "s = 1, d = 1; padding 'SAME', 'SAME_LOWER', 'VALID', or explicit p_begin / p_end "
           "(or p on both sides); default 'VALID'; no pooling",
    "keras": "s = 1 (pooling: s = k), d = 1, padding = 'valid'; 'same'; conv_transpose: the "
             "tf.conv_transpose rules (a, output_padding, only if given)",
}


# Every framework's default for an omitted integer field (pool strides default to k: select()).
DEFAULT_VALUES = {"s": 1, "p": 0, "d": 1, "a": 0, "p_begin": 0, "p_end": 0}


class BatchError(ValueError):
    """A record that names no rule (the message says which field and why)."""


def _mode(rec: Mapping[str, Any]) -> str | None:
    mode = rec.get("padding")
    if mode is None:
        return None
    if not isinstance(mode, str):
        raise BatchError(f"padding must be a mode string, got {mode!r}")
    return mode


def _no(rec: Mapping[str, Any], framework: str, *names: str) -> None:
    for name in names:
        if name in rec:
            raise BatchError(f"{framework} {rec['op']}: field {name} does not apply")


def _ceil(rec: Mapping[str, Any]) -> bool:
    value = rec.get("ceil_mode", False)
    if not isinstance(value, bool):
        raise BatchError(f"ceil_mode must be true or false, got {value!r}")
    return value


def _pool_stride(rec: dict[str, Any]) -> None:
    if "s" not in rec and "k" in rec:
        rec["s"] = rec["k"]


def _sym(rec: dict[str, Any]) -> None:
    p = rec.pop("p", 0)
    rec.setdefault("p_begin", p)
    rec.setdefault("p_end", p)


def select(framework: str, record: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(rule id, arguments) for one record; raises :class:`BatchError`."""
    unknown = sorted(set(record) - FIELDS)
    if unknown:
        raise BatchError(f"unknown field {unknown[0]!r} (fields: {', '.join(sorted(FIELDS))})")
    op = record.get("op")
    if op not in OPS:
        raise BatchError(f"op must be one of {', '.join(OPS)}, got {op!r}")
    rec = dict(record)
    mode = _mode(rec)
    ceil = _ceil(rec)
    rec.pop("padding", None)
    rec.pop("ceil_mode", None)
    rec.pop("op")
    pool = op in ("max_pool", "avg_pool")
    if framework == "guide":
        if mode is not None or ceil:
            raise BatchError("guide: no padding modes and no ceil_mode (the guide's relations "
                             "use symmetric p and floor)")
        _no(record, framework, "p_begin", "p_end", *(() if op == "conv_transpose" else ("a",)),
            *(("d",) if op == "avg_pool" else ()))
        if pool:
            _pool_stride(rec)
        return f"guide.{op}", rec
    if framework == "torch":
        _no(record, framework, "p_begin", "p_end", *(() if op == "conv_transpose" else ("a",)),
            *(("d",) if op == "avg_pool" else ()))
        if pool:
            _pool_stride(rec)
            if mode is not None:
                raise BatchError(f"torch {op}: padding is an int (field p), not a mode")
            return f"torch.{op}{'.ceil' if ceil else ''}", rec
        if ceil:
            raise BatchError(f"torch {op}: ceil_mode applies to pooling only")
        if mode is None:
            return f"torch.{op}", rec
        # PyTorch spells them 'same' / 'valid'; here, as for every framework, any case
        if op == "conv" and mode.lower() in ("same", "valid"):
            _no(record, framework, "p")
            return f"torch.conv.{mode.lower()}", rec
        raise BatchError(f"torch {op}: padding must be an int (field p)"
                         + (" or 'same' / 'valid'" if op == "conv" else "") + f", got {mode!r}")
    if framework == "tf":
        if ceil:
            raise BatchError("tf: no ceil_mode")
        _no(record, framework, "p", *(("d",) if pool else ()),
            *(() if op == "conv_transpose" else ("a",)))
        explicit = "p_begin" in rec or "p_end" in rec
        name = (mode or ("EXPLICIT" if explicit else "VALID")).upper()
        if name == "EXPLICIT":
            if op != "conv":
                raise BatchError(f"tf {op}: explicit padding applies to conv only")
            rec.setdefault("p_begin", 0)
            rec.setdefault("p_end", 0)
            return "tf.conv.explicit", rec
        if explicit:
            raise BatchError(f"tf {op}: p_begin / p_end need padding 'EXPLICIT' (or none)")
        if name not in ("SAME", "VALID"):
            raise BatchError(f"tf {op}: padding must be 'SAME', 'VALID' or 'EXPLICIT', "
                             f"got {mode!r}")
        if pool:
            _pool_stride(rec)
        suffix = ".output_padding" if op == "conv_transpose" and "a" in rec else ""
        return f"tf.{op}.{name.lower()}{suffix}", rec
    if framework == "onnx":
        name = (mode or "NOTSET").upper()
        _no(record, framework, *(() if op == "conv_transpose" else ("a",)))
        if name == "NOTSET":
            _sym(rec)
            return f"onnx.{op}{'.ceil' if ceil else ''}", rec
        _no(record, framework, "p", "p_begin", "p_end")
        if name not in ("SAME_UPPER", "SAME_LOWER", "VALID"):
            raise BatchError(f"onnx {op}: padding must be NOTSET, SAME_UPPER, SAME_LOWER or "
                             f"VALID, got {mode!r}")
        if ceil:
            raise BatchError(f"onnx {op}: ceil_mode with auto_pad {name} is refused by the "
                             "reference evaluator")
        return f"onnx.{op}.{name.lower()}", rec
    if framework == "jax":
        if pool or ceil:
            raise BatchError("jax: pooling is not modelled (lax.reduce_window)")
        _no(record, framework, "a")
        explicit = any(n in rec for n in ("p", "p_begin", "p_end"))
        if mode is None and explicit and op == "conv":
            _sym(rec)
            return "jax.conv", rec
        name = (mode or "VALID").upper()
        _no(record, framework, "p", "p_begin", "p_end")
        allowed = ("SAME", "SAME_LOWER", "VALID") if op == "conv" else ("SAME", "VALID")
        if name not in allowed:
            raise BatchError(f"jax {op}: padding must be one of {', '.join(allowed)}, got "
                             f"{mode!r}")
        return f"jax.{op}.{name.lower()}", rec
    if framework == "keras":
        if ceil:
            raise BatchError("keras: no ceil_mode")
        _no(record, framework, "p", "p_begin", "p_end", *(("d",) if pool else ()),
            *(() if op == "conv_transpose" else ("a",)))
        name = (mode or "valid").lower()
        if name not in ("same", "valid"):
            raise BatchError(f"keras {op}: padding must be 'same' or 'valid', got {mode!r}")
        if pool:
            _pool_stride(rec)
        if op == "conv_transpose":  # Keras's Conv*DTranspose, whose rules tf.py holds
            return f"tf.conv_transpose.{name}{'.output_padding' if 'a' in rec else ''}", rec
        return f"keras.{op}.{name}", rec
    raise BatchError(f"framework must be one of {', '.join(FRAMEWORKS)}, got {framework!r}")


def evaluator(module: ModuleType, framework: str) -> Callable[[Mapping[str, Any]], int]:
    """A function record -> output size, raising BatchError / ValueError / TypeError."""
    rules: Mapping[str, tuple[str, tuple[str, ...]]] = module.RULES
    cache: dict[str, tuple[Callable[..., int], tuple[str, ...]]] = {}

    def run(record: Mapping[str, Any]) -> int:
        rid, args = select(framework, record)
        entry = cache.get(rid)
        if entry is None:
            fname, names = rules[rid]
            entry = cache[rid] = (getattr(module, fname), names)
        fn, names = entry
        for name in args:
            if name not in names:
                raise BatchError(f"{rid}: field {name} does not apply")
        try:
            return fn(*(args[n] if n in args else DEFAULT_VALUES[n] for n in names))
        except KeyError as exc:
            raise BatchError(f"{rid}: field {exc.args[0]} is required") from None

    return run


MAX_LINE_BYTES = 1 << 20  # a longer line is answered with an error (and skipped unread)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An input line that is not text: why."""

    reason: str


def read_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[str | Unreadable]:
    """Every line of ``stream`` (split at ``\\n`` only), decoded as UTF-8, or why it cannot be:
    not UTF-8, or longer than ``limit`` bytes (skipped in chunks, never held in memory)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(limit)
            yield Unreadable(f"longer than {limit} bytes")
            continue
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Unreadable(f"not UTF-8 (byte 0x{line[exc.start]:02x} at column "
                             f"{exc.start + 1})")


def _answer(run: Callable[[Mapping[str, Any]], int], number: int, line: str | Unreadable
            ) -> tuple[str, bool]:
    """The output line for one input line, and whether it is an error."""
    if isinstance(line, Unreadable):
        return json.dumps({"error": f"line {number}: {line.reason}"}), True
    try:
        record = json.loads(line)
        if not isinstance(record, dict):
            raise BatchError(f"a line must be a JSON object, got {type(record).__name__}")
        return f'{{"out": {run(record)}}}', False
    except json.JSONDecodeError as exc:
        return json.dumps({"error": f"line {number}: {exc}"}), True
    except (ValueError, TypeError, OverflowError) as exc:
        return json.dumps({"error": str(exc)}), True
    except RecursionError:
        return json.dumps({"error": f"line {number}: JSON nested too deeply"}), True


def run_batch(lines: Iterable[str | Unreadable], module: ModuleType, framework: str,
              out: TextIO) -> int:
    """One JSON line per input line, in order; returns the number of error lines. Interrupted
    (KeyboardInterrupt), every line answered so far is written first."""
    from symconv import interrupt

    run = evaluator(module, framework)
    done = interrupt.track("", "lines answered", json_lines=True)
    errors = 0
    buffer: list[str] = []

    def flush() -> None:
        with interrupt.held():  # whole lines: an interrupt waits until they are out
            out.write("".join(buffer))
            done.count(len(buffer))
            buffer.clear()

    try:
        for number, line in enumerate(lines, 1):
            text, failed = _answer(run, number, line)
            errors += failed
            buffer.append(text + "\n")
            if len(buffer) >= 4096:
                flush()
    finally:
        flush()
    interrupt.forget(done)
    return errors
