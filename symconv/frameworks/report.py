"""``generated/frameworks.md`` and ``generated/latex/frameworks.tex``: every framework rule with
its refusals and source, the theorems about them (proved when generated), the documented ONNX
exceptions, and the comparison matrix with minimal counterexamples."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import sympy as sp

from symconv.artifacts import Part
from symconv.codegen import latex as latex_printer
from symconv.frameworks import FRAMEWORKS, all_rules
from symconv.frameworks.base import Refused, Rule, p_begin, p_end
from symconv.frameworks.compare import (Comparison, compare, describe, matrix_groups,
                                        pairs)
from symconv.printing import claim_text
from symconv.texescape import tex_text
from symconv.theorems import Theorem
from symconv.symbols import d, k, o

MD = "frameworks.md"
TEX = "latex/frameworks.tex"
TIMEOUT = 30.0

def tex_escape(text: str) -> str:
    """Engine text for LaTeX; a character without a TeX spelling is a ValueError (a bug)."""
    return tex_text(text, strict=True)


# Display only: d(k − 1) + 1 is written k̂, as the document's first line defines it.
K_HAT = sp.Symbol("k_hat", integer=True)
_TEX_NAMES = {p_begin: "p_b", p_end: "p_e", K_HAT: r"\hat{k}"}


def shorten(expr: sp.Basic, names: Mapping[sp.Basic, sp.Symbol] | None = None) -> sp.Basic:
    """``expr`` with each sub-expression in ``names`` written as its symbol and d(k − 1) as
    k̂ − 1: the same function, shorter to read. A rewrite that does not substitute back to
    ``expr`` exactly is not used."""
    applied = [(sub, sym) for sub, sym in (names or {}).items()
               if not (sub.is_Atom or sym in expr.free_symbols or K_HAT in expr.free_symbols)]
    out = expr
    for sub, sym in applied:
        out = out.subs(sub, sym)
    out = out.subs(d * (k - 1), K_HAT - 1)
    back = out.subs(K_HAT, d * (k - 1) + 1)
    for sub, sym in reversed(applied):
        back = back.subs(sym, sub)
    return out if back == expr else expr


def tex_math(expr: sp.Basic) -> str:
    return latex_printer.tex(shorten(expr), _TEX_NAMES)


def text(expr: sp.Basic) -> str:
    return claim_text(expr)


def _verdict_text(v: int | Refused) -> str:
    return describe(v)


def _rules_context(framework: str) -> dict[str, Any]:
    return {"name": framework,
            "rules": [_rule(r) for r in all_rules() if r.framework == framework]}


def display_forms(r: Rule) -> tuple[sp.Basic, list[tuple[str, sp.Basic]], list[sp.Basic]]:
    """The rule's output, extras and refusal conditions as the LaTeX table shows them
    (:func:`shorten`): a refusal or an extra names the output o, and a later extra the earlier
    ones (p_e = P − p_b), instead of repeating their formulas."""
    output = {} if r.expr.is_Symbol else {r.expr: o}
    extras = sorted(r.extras.items())
    shown = [(name, shorten(v, {**{e: _extra_symbol(n) for n, e in extras[:at]}, **output}))
             for at, (name, v) in enumerate(extras)]
    return shorten(r.expr), shown, [shorten(x.when, output) for x in r.refusals]


def _rule(r: Rule) -> dict[str, Any]:
    expr, extras, refusals = display_forms(r)
    return {
        "id": r.id, "title": r.title, "source": r.source, "op": r.op.value,
        "params": ", ".join(r.names), "expr": text(r.expr),
        "expr_tex": latex_printer.tex(expr, _TEX_NAMES),
        "refusals": [{"when": text(x.when), "when_tex": latex_printer.tex(w, _TEX_NAMES),
                      "message": x.message} for x, w in zip(r.refusals, refusals, strict=True)],
        "extras": [{"name": name, "expr": text(r.extras[name]), "name_tex": _extra_tex(name),
                    "expr_tex": latex_printer.tex(v, _TEX_NAMES)} for name, v in extras],
    }


def _extra_symbol(name: str) -> sp.Symbol:
    return {"p_begin": p_begin, "p_end": p_end}.get(name) or sp.Symbol(name, integer=True)


def _extra_tex(name: str) -> str:
    sym = _extra_symbol(name)
    spelled = name if len(name) == 1 else r"\mathit{" + name.replace("_", r"\_") + "}"
    return latex_printer.tex(sym, {**_TEX_NAMES, sym: _TEX_NAMES.get(sym, spelled)})


def tex_rule_id(name: str) -> str:
    """A rule or theorem id in typewriter type, breakable after each ``.`` and ``_``."""
    return tex_escape(name).replace(".", r".\allowbreak{}").replace(r"\_", r"\_\allowbreak{}")


def _theorem_row(t: Theorem) -> dict[str, Any]:
    return {"id": t.id, "statement": t.statement, "status": t.check(TIMEOUT).status.value}


def _exceptions_context() -> list[dict[str, Any]]:
    from symconv.frameworks.proofs import EXCEPTIONS, OPSET19

    return [{"name": ex.name, "spec": ex.spec, "infer": ex.infer, "region": text(ex.region),
             "region_tex": tex_math(ex.region), "text": ex.text, "issue": ex.issue}
            for ex in (*EXCEPTIONS, *OPSET19)]


def _group_context(name: str) -> dict[str, Any]:
    """One group of the comparison matrix: every pair of its rules compared."""
    rules = matrix_groups(all_rules())[name]
    cells = [compare(a, b, timeout=TIMEOUT) for a, b in pairs(rules)]
    index = {(c.a.id, c.b.id): c for c in cells}
    rows = []
    for r in rules:
        marks = []
        for q in rules:
            if q.id == r.id:
                marks.append("·")
            else:
                marks.append((index.get((r.id, q.id)) or index[(q.id, r.id)]).mark)
        rows.append({"id": r.id, "marks": marks})
    return {"name": name, "rules": [r.id for r in rules], "rows": rows,
            "pairs": [_pair(c) for c in cells]}


def _pair(c: Comparison) -> dict[str, Any]:
    first = sorted(c.witnesses, key=lambda w: w.kind.value != "values differ")
    w = first[0] if first else None
    return {
        "a": c.a.id, "b": c.b.id, "mark": c.mark,
        "point": "" if w is None else ", ".join(f"{k}={v}" for k, v in w.point.items()),
        "a_value": "" if w is None else _verdict_text(w.a),
        "b_value": "" if w is None else _verdict_text(w.b),
        "kind": "" if w is None else w.kind.value,
    }


def tex_document(context: Mapping[str, Any]) -> str:
    """``frameworks.tex`` from the report's context (``frameworks``, ``theorems``,
    ``exceptions``, ``groups``)."""
    from symconv.artifacts import banner
    from symconv.templating import environment

    env = environment(tex=True, filters={"tex": tex_escape, "id": tex_rule_id})
    return env.get_template("frameworks.tex.j2").render(banner=banner(TEX), **context)


def artifact_parts() -> list[Part]:
    """The report's independent pieces of work (each framework's rules, each theorem's proof,
    the exceptions, each group of the matrix), assembled by :func:`artifact_assemble`: every
    value is plain data, (context key, value), so the pieces can run on any core."""
    from symconv.frameworks.proofs import theorems

    def piece(label: str, key: str, work: Callable[[], Any]) -> Part:
        return (f"{MD}: {label}", "", lambda: (key, work()))

    return [*(piece(f"rules of {fw}", "frameworks", partial(_rules_context, fw))
              for fw in FRAMEWORKS),
            *(piece(t.id, "theorems", partial(_theorem_row, t)) for t in theorems()),
            piece("exceptions", "exceptions", _exceptions_context),
            *(piece(f"matrix {name}", "groups", partial(_group_context, name))
              for name in matrix_groups(all_rules()))]


def artifact_assemble(values: Sequence[tuple[str, Any]]) -> dict[str, str]:
    """``frameworks.md`` and ``frameworks.tex`` from the values of :func:`artifact_parts`, in
    their order."""
    from symconv.artifacts import banner
    from symconv.templating import environment

    context: dict[str, Any] = {"frameworks": [], "theorems": [], "groups": []}
    for key, value in values:
        if key in context:
            context[key].append(value)
        else:
            context[key] = value
    md = environment().get_template("frameworks.md.j2").render(banner=banner(MD), **context)
    return {MD: md, TEX: tex_document(context)}


def artifacts() -> dict[str, str]:
    return artifact_assemble([render() for _, _, render in artifact_parts()])
