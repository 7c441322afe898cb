"""A study as a terminal table, JSON, Markdown or a LaTeX (booktabs, longtable) table.

Rendering only: values in, text out. Sizes are printed for people (``⌊(H + 1)/2⌋``), in JSON as
Python expressions in the axis names (``(H + 1) // 2``), in LaTeX as math.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from symconv.network import terms as T
from symconv.network.analysis import Condition, Layer
from symconv.network.ir import Kind
from symconv.network.queries import SizeAnswer, answer, next_valid, prev_valid
from symconv.network.receptive import Field, NoField, Receptive
from symconv.network.study import Study
from symconv.network.textual import latex, pretty, python
from symconv.network.verdict import Outcome, Verdict
from symconv.texescape import tex_text

SIZE_WIDTH = 44  # longer closed forms are shown in full in --json


@dataclass(frozen=True, slots=True)
class Options:
    input: tuple[int, ...] | None = None
    near: int | None = None
    why: int | None = None
    width: int | None = None


# ---------------------------------------------------------------------------------------------
# Shared pieces


def uniform(st: Study) -> bool:
    """Every layer's sizes are the same closed form on every axis (up to the axis name)."""
    axes = st.analysis.axes
    if len(axes) == 1:
        return True
    first = axes[0]
    for layer in st.analysis.layers:
        sizes = layer.shape.sizes
        if sizes is None:
            continue
        ref = sizes[0]
        for axis, term in zip(axes[1:], sizes[1:], strict=True):
            if T.substitute_lin(term, {axis: T.var(first)}) is not ref:
                return False
    return True


def size_text(layer: Layer, show: Callable[[T.Node], str], one_axis: bool,
              axes: Sequence[str], times: str = " × ", dot: str = "·") -> str:
    sizes = layer.shape.sizes
    if sizes is None:
        features = layer.shape.features
        if features is None:
            return "(flattened)"
        factors = [f"({show(f)})" if len(f.parts) > 1 or f.const else show(f)
                   for f in features.factors]
        return dot.join([str(features.coeff), *factors])
    if one_axis:
        return show(sizes[0])
    return times.join(show(s) for s in sizes)


@dataclass(frozen=True, slots=True)
class ParamStyle:
    """How a parameter cell is written: ``text`` for labels and names, ``value`` for a
    parameter's value (a constant, or a size expression the forward computes), ``per_axis``
    joins the per-axis values of one parameter when they differ."""

    text: Callable[[str], str]
    value: Callable[[T.Lin], str]
    per_axis: str


def _plain(text: str) -> str:
    return text


PLAIN_PARAMS = ParamStyle(_plain, pretty, "×")


def params_text(layer: Layer, style: ParamStyle = PLAIN_PARAMS) -> str:
    node = layer.node
    kind = node.kind
    text = style.text
    pieces: list[str] = []
    if kind is Kind.WINDOW:
        pieces += _window_params(layer, style)
    elif kind in (Kind.ADAPTIVE_POOL, Kind.RESIZE):
        sizes = [p.get("size") for p in layer.params]
        pieces.append(text("size ") + _axis_values(sizes, style))
    elif kind is Kind.UPSAMPLE:
        pieces.append(text("×") + _axis_values([p.get("scale") for p in layer.params], style))
    elif kind is Kind.PAD:
        pieces.append(" ".join(
            _value(p.get("begin"), style) + text(",") + _value(p.get("end"), style)
            for p in layer.params))
        mode = node.attrs.get("mode", "constant")
        if mode != "constant":
            pieces.append(text(str(mode)))
    elif kind is Kind.SLICE:
        pieces.append(" ".join(_slice_text(p, style) for p in layer.params))
    elif kind is Kind.LINEAR:
        pieces.append(text(f"{node.attrs.get('in_features')}→{node.channels}"))
    elif kind in (Kind.CONCAT, Kind.ELEMENTWISE, Kind.CENTER_CROP):
        pieces.append(text(", ".join(node.inputs)))
    if kind is Kind.WINDOW and layer.shape.channels is not None and node.channels is not None:
        pieces.append(text(f"→{layer.shape.channels}"))
    return " ".join(pieces)


_WINDOW_LABELS = {"k": "k", "s": "s", "p": "p", "p_begin": "pb", "p_end": "pe", "d": "d",
                  "a": "a", "o": "o"}


def _window_params(layer: Layer, style: ParamStyle) -> list[str]:
    pieces: list[str] = []
    for key, label in _WINDOW_LABELS.items():
        values = [p.get(key) for p in layer.params]
        if all(v is None for v in values):
            continue
        if key in ("s", "d") and all(v is not None and v.const == 1 and v.is_const
                                     for v in values):
            continue
        if key in ("p", "a", "p_begin", "p_end") and all(
                v is not None and v.is_const and v.const == 0 for v in values):
            continue
        pieces.append(style.text(label) + _axis_values(values, style))
    rule = layer.rule
    if rule is not None and rule.padding and rule.padding.lower() not in (
            "notset", "explicit", "output_size", "output_shape"):
        pieces.append(style.text(rule.padding.lower()))
    if rule is not None and rule.ceil_mode:
        pieces.append(style.text("ceil"))
    return pieces


def _slice_text(p: Mapping[str, T.Lin | None], style: ParamStyle) -> str:
    step = p.get("step")
    out = (_value(p.get("start"), style, "") + style.text(":")
           + _value(p.get("stop"), style, ""))
    if step is None or not (step.is_const and step.const == 1):
        out += style.text(":") + _value(step, style)
    return out


def _value(v: T.Lin | None, style: ParamStyle, none: str = "-") -> str:
    return style.text(none) if v is None else style.value(v)


def _axis_values(values: Sequence[T.Lin | None], style: ParamStyle) -> str:
    texts = [_value(v, style) for v in values]
    return texts[0] if len(set(texts)) == 1 else style.per_axis.join(texts)


def field_texts(fields: Sequence[Receptive]) -> tuple[str, str]:
    if any(isinstance(f, NoField) for f in fields):
        return "—", "—"
    sizes = [pretty(f.size) for f in fields if isinstance(f, Field)]
    jumps = [str(f.jump) for f in fields if isinstance(f, Field)]
    return _joined(sizes), _joined(jumps)


def _joined(texts: Sequence[str]) -> str:
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)


def at_input(st: Study, point: Sequence[int] | None) -> dict[str, str]:
    """Per layer name: its sizes at ``point`` ("572×572"), "refused" or "—" after."""
    if point is None:
        return {}
    analysis = st.analysis
    env = analysis.point(point)
    out: dict[str, str] = {}
    memo: dict[int, T.Value] = {}
    refused = False
    for layer in analysis.layers:
        if refused:
            out[layer.node.name] = "—"
            continue
        sizes = layer.shape.sizes
        out[layer.node.name] = ("·" if sizes is None
                                else "×".join(str(T.value(s, env, memo)) for s in sizes))
        if any(not T.holds(c.cond, env, memo) for c in layer.conditions):
            out[layer.node.name] = "refused"
            refused = True
    return out


def status_line(result: Outcome) -> str:
    text = result.status.value
    if result.status is not Verdict.PROVED and result.reason:
        text += f" ({result.reason})"
    return text


# ---------------------------------------------------------------------------------------------
# Terminal


def text_report(st: Study, options: Options) -> str:
    a = st.analysis
    net = a.network
    one = uniform(st)
    header_size = f"size ({a.axes[0]}; {', '.join(a.axes[1:])} alike)" if one and len(
        a.axes) > 1 else "size"
    at = at_input(st, options.input)
    columns = ["layer", "op", "parameters", header_size]
    if options.input is not None:
        columns.append("at " + "×".join(map(str, options.input)))
    columns += ["RF", "jump"]
    rows: list[list[str]] = []
    for layer in a.layers:
        size = size_text(layer, pretty, one, a.axes)
        if layer.shape.sizes is None:
            size += " features"
        if len(size) > SIZE_WIDTH:
            size = size[:SIZE_WIDTH - 1] + "…"
        rf, jump = field_texts(st.receptive[layer.node.name])
        row = [layer.node.name, layer.node.op or layer.node.kind.value, params_text(layer), size]
        if options.input is not None:
            row.append(at[layer.node.name])
        rows.append([*row, rf, jump])
    lines = [f"{net.name}: {len(a.layers) - 1} layers, {_rules_text(st)}, input "
             f"{net.channels} × {' × '.join(a.axes)}", ""]
    lines += table_lines(rows, columns)
    lines += ["", *_summary(st, options)]
    return "\n".join(lines) + "\n"


def _rules_text(st: Study) -> str:
    frameworks = sorted({layer.node.framework for layer in st.analysis.layers[1:]})
    return f"{'/'.join(frameworks) or 'guide'} rules"


def table_lines(rows: Sequence[Sequence[str]], header: Sequence[str]) -> list[str]:
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _summary(st: Study, options: Options) -> list[str]:
    a = st.analysis
    v = st.valid
    lines = [f"valid set V: {v.text()}"]
    conditions = len(a.conditions)
    if v.boxes is not None:
        lines.append(f"  {status_line(v.result())}: equivalent to the conjunction of the "
                     f"{conditions} layer conditions for all integers ({v.seconds:.2f} s)")
    else:
        lines.append(f"  {status_line(v.result())}")
        lines += [f"  {c.layer}: {pretty(c.cond)}" for c in a.conditions]
    if v.empty:
        if v.empty_by is not None:
            lines.append(f"  first layer making V empty: {v.empty_by.layer} "
                         f"({v.empty_by.message})")
        else:
            lines.append("  first layer making V empty: not decided "
                         f"({v.empty_status.value if v.empty_status else 'unknown'})")
    for out in a.outputs:
        lines.append(f"output {out.node.name} on V: {_output_text(out, a.axes)}")
        simpler = [x for x in st.on_valid if x.layer == out.node.name]
        if simpler:
            lines.append("  on V, proved: " + "; ".join(f"{x.axis} ↦ {x.text()}"
                                                        for x in simpler))
    smallest = next_valid(st, 1, options.width)
    if smallest is not None:
        got = answer(st, smallest, options.width)
        lines.append(f"smallest valid input: {'×'.join(map(str, got.point))} → "
                     f"{_outputs_text(st, got)}")
    lines.append(f"closed forms: {st.closed_forms_status.value} (they rest on "
                 f"{len(st.rewrites)} rewrite instances and {len(st.facts)} facts, each proved)")
    if st.receptive_theorems:
        lines.append(f"receptive fields (Araujo et al. 2019): {st.receptive_status.value} "
                     f"({', '.join(t.id.split('.', 1)[1] for t in st.receptive_theorems)} "
                     "steps proved)")
    if options.near is not None:
        lines += near_lines(st, options.near, options.width)
    if options.why is not None:
        lines += why_lines(st, options.why, options.width)
    return lines


def _output_text(layer: Layer, axes: Sequence[str]) -> str:
    sizes = layer.shape.sizes
    if sizes is None:
        return size_text(layer, pretty, False, axes) + " features"
    return "; ".join(f"{axis} ↦ {pretty(s)}" for axis, s in zip(axes, sizes, strict=True))


def _outputs_text(st: Study, got: SizeAnswer) -> str:
    """Each output's spatial sizes at a valid point, or its feature count once flattened."""
    env = st.analysis.point(got.point)
    memo: dict[int, T.Value] = {}
    texts = []
    for layer, sizes in zip(st.analysis.outputs, got.outputs, strict=True):
        features = layer.shape.features
        if sizes is not None:
            texts.append("×".join(map(str, sizes)))
        elif features is not None:
            count = features.coeff * math.prod(T.value(f, env, memo) for f in features.factors)
            texts.append(f"{count} features")
        else:
            texts.append("·")
    return ", ".join(texts) if texts else "·"


def near_lines(st: Study, n: int, width: int | None) -> list[str]:
    lines = []
    for label, value in (("below", prev_valid(st, n - 1, width)),
                         ("above", next_valid(st, n + 1, width))):
        if value is None:
            lines.append(f"nearest valid {label} {n}: none")
        else:
            got = answer(st, value, width)
            lines.append(f"nearest valid {label} {n}: {value} → {_outputs_text(st, got)}")
    here = answer(st, n, width)
    lines.insert(0, f"{n}: {'valid → ' + _outputs_text(st, here) if here.valid else 'not valid'}")
    return lines


def why_lines(st: Study, n: int, width: int | None) -> list[str]:
    got = answer(st, n, width)
    point = "×".join(map(str, got.point))
    if got.refused_by is None:
        return [f"why {point}: it is valid → {_outputs_text(st, got)}"]
    c = got.refused_by
    if c.cond is T.FALSE:  # onnxruntime fails at a node where the analysis has no condition
        return [f"why {point}: layer {c.layer} refuses it: {c.message}",
                f"  at {_where(st, c)}"]
    return [f"why {point}: layer {c.layer} refuses it: {c.message}",
            f"  condition: {pretty(c.cond)}  ({_where(st, c)})"]


def _where(st: Study, c: Condition) -> str:
    return st.analysis.layer(c.layer).node.origin


# ---------------------------------------------------------------------------------------------
# JSON


def json_report(st: Study, options: Options) -> dict[str, Any]:
    a = st.analysis
    at = at_input(st, options.input)
    layers = [_layer_json(st, layer, at) for layer in a.layers]
    obj: dict[str, Any] = {
        "network": a.network.name,
        "axes": list(a.axes),
        "input_channels": a.network.channels,
        "status": st.status.value,
        "layers": layers,
        "valid_set": _valid_json(st),
        "outputs": [{"name": o.node.name, "sizes": _sizes_json(o),
                     "on_v": [x.as_json() for x in st.on_valid if x.layer == o.node.name]}
                    for o in a.outputs],
        "smallest": None,
        "closed_forms": {"status": st.closed_forms_status.value,
                         "rewrites": [t.result.as_json(id=t.id, statement=t.statement)
                                      for t in st.rewrites],
                         "facts": [f.result.as_json(fact=python(f.fact.cond))
                                   for f in st.facts]},
        "receptive_fields": {"status": st.receptive_status.value,
                             "theorems": [t.result.as_json(id=t.id, statement=t.statement)
                                          for t in st.receptive_theorems]},
        "seconds": round(st.seconds, 6),
    }
    if options.input is not None:
        obj["input"] = list(options.input)
    smallest = next_valid(st, 1, options.width)
    if smallest is not None:
        got = answer(st, smallest, options.width)
        obj["smallest"] = {"size": list(got.point), "outputs": _outputs_json(got)}
    if options.near is not None:
        below, above = prev_valid(st, options.near - 1, options.width), next_valid(
            st, options.near + 1, options.width)
        obj["near"] = {"size": options.near,
                       "valid": answer(st, options.near, options.width).valid,
                       "below": _near_json(st, below, options.width),
                       "above": _near_json(st, above, options.width)}
    if options.why is not None:
        got = answer(st, options.why, options.width)
        obj["why"] = got.as_json()
    return obj


def _near_json(st: Study, n: int | None, width: int | None) -> dict[str, Any] | None:
    if n is None:
        return None
    got = answer(st, n, width)
    return {"size": n, "outputs": _outputs_json(got)}


def _outputs_json(got: SizeAnswer) -> list[list[int] | None]:
    return [None if o is None else list(o) for o in got.outputs]


def _sizes_json(layer: Layer) -> list[str] | None:
    sizes = layer.shape.sizes
    return None if sizes is None else [python(s) for s in sizes]


def _layer_json(st: Study, layer: Layer, at: Mapping[str, str]) -> dict[str, Any]:
    node = layer.node
    obj: dict[str, Any] = {
        "name": node.name, "op": node.op, "kind": node.kind.value, "origin": node.origin,
        "framework": node.framework, "inputs": list(node.inputs),
        "rule": layer.rule.id if layer.rule is not None else None,
        "params": [{k: None if v is None else python(v) for k, v in p.items()}
                   for p in layer.params],
        "channels": layer.shape.channels,
        "sizes": _sizes_json(layer),
        "conditions": [{"message": c.message, "condition": python(c.cond)}
                       for c in layer.conditions],
        "receptive_field": [field_json(f) for f in st.receptive[node.name]],
    }
    features = layer.shape.features
    if layer.shape.sizes is None and features is not None:
        obj["features"] = {"coeff": features.coeff,
                           "factors": [python(f) for f in features.factors]}
    if at:
        obj["at_input"] = at[node.name]
    return obj


def field_json(f: Receptive) -> dict[str, Any]:
    if isinstance(f, NoField):
        return {"none": f.reason}
    return {"size": python(f.size), "jump": f.jump, "start": python(f.start)}


def _valid_json(st: Study) -> dict[str, Any]:
    v = st.valid
    obj = v.result().as_json(text=v.text())
    obj["boxes"] = None if v.boxes is None else [
        {axis: s.as_json() for axis, s in zip(v.axes, box, strict=True)} for box in v.boxes]
    obj["steps"] = [s.result.as_json(id=s.id, statement=s.statement) for s in v.steps]
    if v.boxes is None:
        obj["conjunction"] = [{"layer": c.layer, "message": c.message,
                               "condition": python(c.cond)} for c in st.analysis.conditions]
    if v.empty:
        obj["empty_by"] = None if v.empty_by is None else {
            "layer": v.empty_by.layer, "message": v.empty_by.message}
    return obj


# ---------------------------------------------------------------------------------------------
# Markdown and LaTeX


def markdown_report(st: Study, options: Options) -> str:
    a = st.analysis
    one = uniform(st)
    at = at_input(st, options.input)
    header = ["layer", "op", "parameters", "size"]
    if options.input is not None:
        header.append("at " + "×".join(map(str, options.input)))
    header += ["RF", "jump"]
    rows = []
    for layer in a.layers:
        rf, jump = field_texts(st.receptive[layer.node.name])
        cells = [f"`{layer.node.name}`", md_text(layer.node.op or layer.node.kind.value),
                 md_text(params_text(layer)), f"`{size_text(layer, pretty, one, a.axes)}`"]
        if options.input is not None:
            cells.append(at[layer.node.name])
        rows.append([*cells, rf, jump])
    v = st.valid
    lines = [f"**{md_text(a.network.name)}** ({_rules_text(st)})", "",
             *markdown_table(header, rows), "",
             f"Valid set V: {md_text(v.text())} — {status_line(v.result())}"]
    return "\n".join(lines) + "\n"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown (GitHub) table; the cells are Markdown already (see :func:`md_text`)."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(r) + " |" for r in rows)]


def md_text(text: str) -> str:
    return text.replace("|", "\\|")


def _breakable(tex: str) -> str:
    """Let long names break after dots and underscores (names have no spaces)."""
    return tex.replace(".", r".\allowbreak{}").replace(r"\_", r"\_\allowbreak{}")


def tex_name(name: str) -> str:
    return r"\texttt{" + _breakable(tex_text(name)) + "}"


def tex_plain(text: str) -> str:
    return _breakable(tex_text(text))


# A closed form longer than this (as the terminal prints it) is elided in LaTeX: a longtable row
# cannot break across pages, and a nested size of a cropping U-Net runs to pages
ELIDED = r"\ldots"


def _tex_term(value: T.Node) -> str:
    """The term as LaTeX math (no dollars), or :data:`ELIDED` when it is too long."""
    return ELIDED if len(pretty(value)) > SIZE_WIDTH else latex(value)


def _tex_math(value: T.Lin) -> str:
    if value.is_const and value.const >= 0:
        return str(value.const)
    return f"${_tex_term(value)}$"


LATEX_PARAMS = ParamStyle(tex_plain, _tex_math, r"$\times$")


def _tex_row(st: Study, layer: Layer, one: bool, at: Mapping[str, str] | None) -> list[str]:
    rf, jump = field_texts(st.receptive[layer.node.name])
    op = tex_plain(layer.node.op or layer.node.kind.value)
    params = params_text(layer, LATEX_PARAMS)
    size = size_text(layer, _tex_term, one, st.analysis.axes, r" \times ", r" \cdot ")
    size_cell = f"${size}$" + ("" if layer.shape.sizes is not None else " features")
    cells = [tex_name(layer.node.name), f"{op} {params}".strip(), size_cell]
    if at is not None:
        cells.append(tex_text(at[layer.node.name]))
    return [*cells, tex_text(rf), tex_text(jump)]


def latex_report(st: Study, options: Options, user_caption: str | None = None,
                 label: str | None = None) -> str:
    """A longtable with booktabs rules as wide as the text; needs
    ``\\usepackage{booktabs,longtable,array}``. Closed forms too long for a cell are elided
    (``…``; the caption says so): ``--json`` has them in full. ``user_caption`` (LaTeX,
    already escaped) replaces the default one; ``label`` (a checked key) is set after it."""
    a = st.analysis
    one = uniform(st)
    at_col = options.input is not None
    head = latex_head(a.axes[0] if one and len(a.axes) > 1 else None, options.input)
    at = at_input(st, options.input) if at_col else None
    rows = [_tex_row(st, layer, one, at) for layer in a.layers]
    v = st.valid
    caption = (f"Layer sizes of \\texttt{{{tex_text(a.network.name)}}}. Valid inputs: "
               f"{tex_valid(v.text())} ({v.status.value}).")
    return latex_table(head, rows, user_caption if user_caption is not None else caption,
                       label)


def latex_head(one_axis: str | None, point: Sequence[int] | None) -> list[str]:
    """The layer table's header: layer, parameters, size (of ``one_axis`` where every axis
    reads alike), the sizes at ``point``, RF and jump."""
    head = ["Layer", "Parameters", "Size" + (f" (${one_axis}$)" if one_axis else "")]
    if point is not None:
        head.append(r"at " + r"$\times$".join(map(str, point)))
    return [*head, "RF", "Jump"]


def latex_table(head: Sequence[str], cells: Sequence[Sequence[str]], caption: str,
                label: str | None = None) -> str:
    """The layer table (5 columns, or 6 with the sizes at an input) as a longtable as wide as
    the text; ``caption`` is LaTeX; a row with an elided closed form adds a note to it."""
    at_col = len(head) == 6
    widths = ([0.2, 0.26, 0.23, 0.13, 0.09, 0.09] if at_col
              else [0.22, 0.3, 0.28, 0.1, 0.1])
    aligns = ["raggedright"] * 3 + ["raggedleft"] * (len(widths) - 3)
    spec = "@{}" + "".join(
        rf">{{\{al}\arraybackslash}}p{{\dimexpr {w}\linewidth-2\tabcolsep\relax}}"
        for w, al in zip(widths, aligns, strict=True)) + "@{}"
    rows = [" & ".join(r) + r" \\" for r in cells]
    if any(ELIDED in row for row in rows):
        caption += (f" {ELIDED}: a closed form too long for the table "
                    r"(\texttt{symconv network --json} gives it in full).")
    lines = [
        "% symconv network --latex: needs \\usepackage{booktabs,longtable,array}",
        r"\begingroup\small",
        r"\setlength{\tabcolsep}{3pt}",
        rf"\begin{{longtable}}{{{spec}}}",
        rf"\caption{{{caption}}}" + (rf"\label{{{label}}}" if label else "") + r"\\",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
        r"\endfirsthead",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
        r"\endhead",
        r"\bottomrule",
        r"\endfoot",
        *rows,
        r"\end{longtable}",
        r"\endgroup",
    ]
    return "\n".join(lines) + "\n"


def tex_valid(text: str) -> str:
    """The valid set's text as LaTeX (symconv.texescape spells ≥, ∈, ∅ … as math)."""
    return tex_text(text)
