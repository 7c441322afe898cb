"""Framework shape rules (PyTorch, TensorFlow, ONNX, JAX, Keras) and the guide's, as one
registry."""

from __future__ import annotations

import importlib
from functools import cache

from symconv.frameworks.base import Op, Refused, Refusal, Rule

# keras last: the generated C header numbers refusal codes in this order
FRAMEWORKS: tuple[str, ...] = ("guide", "torch", "tf", "onnx", "jax", "keras")

__all__ = ["FRAMEWORKS", "Op", "Refusal", "Refused", "Rule", "all_rules", "get"]


@cache
def _registry() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for name in FRAMEWORKS:
        for r in importlib.import_module(f"symconv.frameworks.{name}").rules():
            if r.id in out:
                raise ValueError(f"duplicate rule id {r.id}")
            out[r.id] = r
    return out


def all_rules() -> list[Rule]:
    return list(_registry().values())


def get(rid: str) -> Rule:
    try:
        return _registry()[rid]
    except KeyError:
        raise KeyError(f"unknown rule {rid!r} (see `symconv compare --list`)") from None
