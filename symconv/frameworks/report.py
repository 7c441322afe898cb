"""``generated/frameworks.md`` and ``generated/latex/frameworks.tex``: every framework rule with
its refusals and source, the theorems about them (proved when generated), the documented ONNX
exceptions, and the comparison matrix with minimal counterexamples."""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.frameworks import FRAMEWORKS, all_rules
from symconv.frameworks.base import Refused, Rule
from symconv.frameworks.compare import Comparison, describe, matrix
from symconv.printing import claim_text

MD = "frameworks.md"
TEX = "latex/frameworks.tex"
TIMEOUT = 30.0

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "`": r"\`{}", "'": r"\textquotesingle{}",
                "<": r"\textless{}", ">": r"\textgreater{}"}
_TEX_UNICODE = {"≠": r"$\neq$", "≈": r"$\approx$", "≤": r"$\leq$", "≥": r"$\geq$", "−": "-",
                "→": r"$\to$", "·": r"$\cdot$", "k̂": r"$\hat{k}$", "⌊": r"$\lfloor$",
                "⌋": r"$\rfloor$", "⌈": r"$\lceil$", "⌉": r"$\rceil$", "§": r"\S{}",
                "—": "---", "…": r"\dots{}", "∞": r"$\infty$", "′": "'"}


def tex_escape(text: str) -> str:
    for n, key in enumerate(_TEX_UNICODE):
        text = text.replace(key, f"\x00{n}\x01")
    text = "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)
    for n, value in enumerate(_TEX_UNICODE.values()):
        text = text.replace(f"\x00{n}\x01", value)
    if any(ord(ch) > 127 for ch in text):
        raise ValueError(f"no TeX spelling for a character in {text!r}")
    return text


def tex_math(expr: sp.Basic) -> str:
    latex: str = sp.latex(expr, mul_symbol="dot")
    return latex.replace("p_{begin}", "p_{b}").replace("p_{end}", "p_{e}")


def text(expr: sp.Basic) -> str:
    return claim_text(expr)


def _verdict_text(v: int | Refused) -> str:
    return describe(v)


def _rules_context() -> list[dict[str, Any]]:
    out = []
    for fw in FRAMEWORKS:
        rules = [r for r in all_rules() if r.framework == fw]
        out.append({"name": fw, "rules": [_rule(r) for r in rules]})
    return out


def _rule(r: Rule) -> dict[str, Any]:
    return {
        "id": r.id, "title": r.title, "source": r.source, "op": r.op.value,
        "params": ", ".join(r.names), "expr": text(r.expr), "expr_tex": tex_math(r.expr),
        "refusals": [{"when": text(x.when), "when_tex": tex_math(x.when), "message": x.message}
                     for x in r.refusals],
        "extras": [{"name": k, "expr": text(v), "expr_tex": tex_math(v)}
                   for k, v in sorted(r.extras.items())],
    }


def _theorems_context() -> list[dict[str, Any]]:
    from symconv.frameworks.proofs import theorems

    rows = []
    for t in theorems():
        result = t.check(TIMEOUT)
        rows.append({"id": t.id, "statement": t.statement, "status": result.status.value})
    return rows


def _exceptions_context() -> list[dict[str, Any]]:
    from symconv.frameworks.proofs import EXCEPTIONS, OPSET19

    return [{"name": ex.name, "spec": ex.spec, "infer": ex.infer, "region": text(ex.region),
             "region_tex": tex_math(ex.region), "text": ex.text, "issue": ex.issue}
            for ex in (*EXCEPTIONS, *OPSET19)]


def _matrix_context() -> list[dict[str, Any]]:
    groups = []
    for name, rules, cells in matrix(all_rules(), timeout=TIMEOUT):
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
        groups.append({"name": name, "rules": [r.id for r in rules], "rows": rows,
                       "pairs": [_pair(c) for c in cells]})
    return groups


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


def artifacts() -> dict[str, str]:
    from symconv.artifacts import banner
    from symconv.templating import environment

    context = {"frameworks": _rules_context(), "theorems": _theorems_context(),
               "exceptions": _exceptions_context(), "groups": _matrix_context()}
    md = environment().get_template("frameworks.md.j2").render(banner=banner(MD), **context)
    tex = environment(tex=True, filters={"tex": tex_escape}).get_template(
        "frameworks.tex.j2").render(banner=banner(TEX), **context)
    return {MD: md, TEX: tex}
