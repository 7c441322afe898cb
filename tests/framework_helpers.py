"""Shared by the framework conformance tests (not a test module)."""

from __future__ import annotations

from collections.abc import Callable

from symconv.frameworks.base import Refused


def generated(rid: str) -> Callable[[dict[str, int]], int | Refused]:
    """The generated helper of rule ``rid`` (generated/python/frameworkshape.py) as a verdict:
    its int, or Refused with its ValueError message."""
    from symconv.commands.shape import load_frameworkshape

    module = load_frameworkshape()
    name, params = module.RULES[rid]
    fn = getattr(module, name)

    def call(env: dict[str, int]) -> int | Refused:
        try:
            return int(fn(*(env[n] for n in params)))
        except ValueError as exc:
            return Refused(str(exc))

    return call
