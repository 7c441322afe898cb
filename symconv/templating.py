"""The one Jinja2 environment factory. Expression printing lives in filters, not templates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2


def environment(
    *, tex: bool = False, filters: Mapping[str, Callable[..., Any]] | None = None
) -> jinja2.Environment:
    """Templates from ``symconv/templates``; ``tex=True`` uses TeX-safe delimiters
    (``\\VAR{x}``, ``((* block *))``, ``((# comment #))``)."""
    options: dict[str, Any] = {}
    if tex:
        options = {
            "block_start_string": "((*", "block_end_string": "*))",
            "variable_start_string": r"\VAR{", "variable_end_string": "}",
            "comment_start_string": "((#", "comment_end_string": "#))",
            "line_statement_prefix": None, "line_comment_prefix": None,
        }
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("symconv", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        **options,
    )
    env.filters.update(filters or {})
    return env
