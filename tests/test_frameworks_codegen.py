"""generated/python/frameworkshape.py: in sync, one helper per rule, each proved from its text;
a mutated helper is refuted."""

from __future__ import annotations

from pathlib import Path

import pytest

from symconv.codegen.validate_python import check
from symconv.frameworks import all_rules
from symconv.frameworks.codegen import (
    MODULE_PATH,
    function_name,
    function_source,
    render_module,
    specs,
    theorems,
)
from symconv.prover import Status

ROOT = Path(__file__).resolve().parents[1]


def test_committed_module_is_current() -> None:
    on_disk = (ROOT / "generated" / MODULE_PATH).read_text(encoding="utf-8")
    assert on_disk == render_module(), "run `python -m symconv generate`"


def test_one_helper_per_rule_and_table() -> None:
    from symconv.commands.shape import load_frameworkshape

    module = load_frameworkshape()
    for rule in all_rules():
        name, params = module.RULES[rule.id]
        assert name == function_name(rule)
        assert params == rule.names
        assert callable(getattr(module, name))
    assert len(module.RULES) == len(all_rules())


def test_every_helper_is_proved() -> None:
    for t in theorems():
        result = t.check(30.0)
        assert result.status is Status.PROVED, (t.id, result.reason)


@pytest.mark.parametrize(("name", "before", "after"), [
    ("torch_max_pool_ceil", "(i + p - 1) // s", "(i + p) // s"),
    ("onnx_infer_conv", "// s", "// (s + 1)"),
    ("torch_conv_transpose", "a >= d and a >= s", "a >= d or a >= s"),
])
def test_mutated_helper_is_refuted(name: str, before: str, after: str) -> None:
    spec = next(sp for sp in specs() if sp.name == name)
    source = function_source(render_module(), name)
    doc_end = source.index('"""', source.index('"""') + 3) + 3  # mutate the code, not the doc
    head, body = source[:doc_end], source[doc_end:]
    assert before in body
    result = check(head + body.replace(before, after, 1), spec, 30.0)
    assert result.status is Status.REFUTED
    assert result.counterexample is not None
