"""A study as one self-contained HTML page: every style and script inline, no request leaves it
(it works from ``file://``). The page shows numbers the engine computed; its script only shows
the details of what is hovered or clicked.

    the valid sizes over a range, coloured by the layer that refuses each invalid size (hover:
    the framework's message at that size); the output size against the input size; the layer
    table; receptive field and jump through the layers; the proofs' status; for two spatial
    axes, the valid (H, W) region as a map.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from html import escape
from typing import Any

from symconv.network import terms as T
from symconv.network.queries import SizeAnswer, answers_at, listing, next_valid
from symconv.network.receptive import Field
from symconv.network.render import field_texts, params_text, size_text, uniform
from symconv.network.study import Study
from symconv.network.textual import pretty

# A colour per refusing layer (Solarized accents, then darker variants), valid sizes cyan.
VALID = "#2aa198"
REFUSAL_COLOURS = ("#dc322f", "#b58900", "#6c71c4", "#d33682", "#cb4b16", "#268bd2",
                   "#859900", "#93a1a1", "#8b1e1c", "#7a5c00", "#454a8a", "#8c2458")
MAX_STRIP = 4096
MAP_SIDE = 256  # the (H, W) map covers at most MAP_SIDE × MAP_SIDE sizes


def default_range(st: Study, width: int | None = None) -> tuple[int, int]:
    """1 up to twice the smallest valid size (at least 64, at most MAX_STRIP)."""
    smallest = next_valid(st, 1, width)
    return 1, min(MAX_STRIP, max(64, 2 * (smallest or 32)))


def _output_number(st: Study, got: SizeAnswer) -> int | None:
    """The first output's first spatial size, or its feature count once flattened."""
    if not got.valid or not st.analysis.outputs:
        return None
    sizes = got.outputs[0]
    if sizes is not None:
        return sizes[0]
    features = st.analysis.outputs[0].shape.features
    if features is None:
        return None
    env = st.analysis.point(got.point)
    memo: dict[int, T.Value] = {}
    return features.coeff * math.prod(T.value(f, env, memo) for f in features.factors)


def _output_text(st: Study, got: SizeAnswer) -> str:
    if not got.valid:
        return ""
    if got.outputs and got.outputs[0] is not None:
        return "×".join(map(str, got.outputs[0]))
    n = _output_number(st, got)
    return "" if n is None else f"{n} features"


def page_data(st: Study, low: int, high: int, width: int | None = None) -> dict[str, Any]:
    """Everything the page shows, as plain values (the tests compare it with the engine)."""
    a = st.analysis
    answers = listing(st, low, high, width)
    refusers: list[str] = []
    for got in answers:
        if got.refused_by is not None and got.refused_by.layer not in refusers:
            refusers.append(got.refused_by.layer)
    sizes = []
    for got in answers:
        c = got.refused_by
        sizes.append({"n": got.size, "point": list(got.point), "valid": got.valid,
                      "output": _output_text(st, got), "value": _output_number(st, got),
                      "layer": None if c is None else c.layer,
                      "message": None if c is None else c.message})
    one = uniform(st)
    layers = []
    for layer in a.layers:
        rf, jump = field_texts(st.receptive[layer.node.name])
        fields = st.receptive[layer.node.name]
        layers.append({
            "name": layer.node.name, "op": layer.node.op or layer.node.kind.value,
            "params": params_text(layer), "size": size_text(layer, pretty, one, a.axes)
            + (" features" if layer.shape.sizes is None else ""),
            "rf": rf, "jump": jump,
            "jump_value": fields[0].jump if isinstance(fields[0], Field) else None,
            "rf_value": _field_size(st, fields[0], answers),
            "conditions": list(dict.fromkeys(c.message for c in layer.conditions))})
    data: dict[str, Any] = {
        "network": a.network.name, "axes": list(a.axes), "low": low, "high": high,
        "width": width,
        "status": {"overall": st.status.value, "valid_set": st.valid.result().status.value,
                   "closed_forms": st.closed_forms_status.value,
                   "receptive_fields": st.receptive_status.value},
        "valid_text": st.valid.text(), "sizes": sizes, "refusers": refusers,
        "layers": layers, "map": None,
    }
    if len(a.axes) == 2 and width is None:
        data["map"] = _map(st, low, min(high, low + MAP_SIDE - 1), refusers)
    return data


def _field_size(st: Study, f: object, answers: Sequence[SizeAnswer]) -> int | None:
    """A receptive field's size as a number: itself if constant, else at the first valid size
    of the range."""
    if not isinstance(f, Field):
        return None
    if f.size.is_const:
        return f.size.const
    got = next((x for x in answers if x.valid), None)
    if got is None:
        return None
    return T.value(f.size, st.analysis.point(got.point))


def _map(st: Study, low: int, high: int, refusers: list[str]) -> dict[str, Any]:
    """Per (H, W) in low..high squared: -1 valid, else the index of the refusing layer."""
    span = range(low, high + 1)
    points = [(h, w) for h in span for w in span]
    answers = answers_at(st, points)
    cells = []
    for got in answers:
        c = got.refused_by
        if c is None:
            cells.append(-1)
            continue
        if c.layer not in refusers:
            refusers.append(c.layer)
        cells.append(refusers.index(c.layer))
    messages = {c.layer: c.message for got in answers if (c := got.refused_by) is not None}
    boxes = st.valid.boxes
    return {"low": low, "high": high, "cells": cells,
            "messages": [messages.get(name, "") for name in refusers],
            "coupled": boxes is None or len(boxes) != 1}


# ---- HTML ---------------------------------------------------------------------------------------

_STYLE = """
body{font-family:"DejaVu Sans",Verdana,Helvetica,Arial,sans-serif;color:#073642;margin:1.5em;
max-width:1100px}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #93a1a1}
table{border-collapse:collapse;font-size:.85em}td,th{padding:.2em .6em;text-align:left;
border-bottom:1px solid #eee8d5;vertical-align:top}th{background:#fdf6e3}
.ok{color:#2aa198;font-weight:bold}.bad{color:#dc322f;font-weight:bold}
#detail{min-height:2.6em;background:#fdf6e3;padding:.4em .6em;margin:.4em 0;font-size:.9em}
.legend span{display:inline-block;margin-right:1em;font-size:.85em}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
svg text{font-size:11px;fill:#073642}svg .cell:hover{stroke:#002b36;stroke-width:1.5}
code{font-size:.9em}
"""

_SCRIPT = """
(function(){
  var data = JSON.parse(document.getElementById('data').textContent);
  var detail = document.getElementById('detail');
  function show(text){ detail.textContent = text; }
  document.querySelectorAll('#strip .cell').forEach(function(el){
    function on(){
      var s = data.sizes[+el.dataset.index];
      show(s.valid ? (s.point.join('×') + ': valid → ' + s.output)
                   : (s.point.join('×') + ': refused by ' + s.layer + ': ' + s.message));
    }
    el.addEventListener('mouseenter', on); el.addEventListener('click', on);
  });
  var map = document.getElementById('map');
  if (map && data.map) {
    var m = data.map, side = m.high - m.low + 1, px = +map.dataset.cell;
    function at(ev){
      var r = map.getBoundingClientRect();
      var w = Math.floor((ev.clientX - r.left) / px), h = Math.floor((ev.clientY - r.top) / px);
      if (w < 0 || h < 0 || w >= side || h >= side) return;
      var v = m.cells[h * side + w], H = m.low + h, W = m.low + w;
      show(v < 0 ? (H + '×' + W + ': valid')
                 : (H + '×' + W + ': refused by ' + data.refusers[v] + ': ' + m.messages[v]));
    }
    map.addEventListener('mousemove', at); map.addEventListener('click', at);
  }
})();
"""


def _colour(refusers: Sequence[str], layer: str | None) -> str:
    if layer is None:
        return VALID
    return REFUSAL_COLOURS[refusers.index(layer) % len(REFUSAL_COLOURS)]


STRIP_WIDTH = 1000


def _strip(data: dict[str, Any]) -> str:
    """One bar per size, left to right, in rows of STRIP_WIDTH pixels."""
    sizes = data["sizes"]
    n = len(sizes)
    cell = max(2, min(24, STRIP_WIDTH // max(n, 1)))
    per_row = max(1, STRIP_WIDTH // cell)
    rows = (n + per_row - 1) // per_row
    bar = 30
    height = rows * (bar + 18)
    parts = [f'<svg id="strip" width="{min(n, per_row) * cell}" height="{height}" '
             f'role="img" aria-label="valid sizes {data["low"]}..{data["high"]}" '
             'shape-rendering="crispEdges">']
    for k, s in enumerate(sizes):
        x, y = (k % per_row) * cell, (k // per_row) * (bar + 18)
        tip = (f"{s['n']}: valid → {s['output']}" if s["valid"]
               else f"{s['n']}: refused by {s['layer']}: {s['message']}")
        parts.append(
            f'<rect class="cell" data-index="{k}" data-size="{s["n"]}" '
            f'data-valid="{int(s["valid"])}" x="{x}" y="{y}" width="{cell}" height="{bar}" '
            f'fill="{_colour(data["refusers"], s["layer"])}"><title>{escape(tip)}</title></rect>')
    for r in range(rows):
        first = sizes[r * per_row]["n"]
        last = sizes[min(n, (r + 1) * per_row) - 1]["n"]
        y = r * (bar + 18) + bar + 13
        parts.append(f'<text x="0" y="{y}">{first}</text>')
        parts.append(f'<text x="{(min(n - r * per_row, per_row)) * cell}" y="{y}" '
                     f'text-anchor="end">{last}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(data: dict[str, Any], used: Sequence[str]) -> str:
    items = [f'<span><i style="background:{VALID}"></i>valid</span>']
    items += [f'<span><i style="background:{_colour(data["refusers"], name)}"></i>refused by '
              f'<code>{escape(name)}</code></span>' for name in used]
    return f'<p class="legend">{"".join(items)}</p>'


def _chart(points: Sequence[tuple[int, int]], xlabel: str, ylabel: str, ident: str,
           bars: bool = False, labels: Sequence[str] = ()) -> str:
    """A small SVG plot: points (or bars) with axes and their ranges."""
    if not points:
        return "<p>(nothing to plot: no valid size in the range)</p>"
    w, h, left, bottom = 640, 220, 56, 40
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs)
    y1 = max(ys) or 1
    def px(x: int) -> float:
        return left + (w - left - 10) * ((x - x0) / (x1 - x0) if x1 > x0 else 0.5)

    def py(y: int) -> float:
        return h - bottom - (h - bottom - 10) * y / y1

    out = [f'<svg id="{ident}" width="{w}" height="{h}" role="img">',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - 10}" y2="{h - bottom}" '
           'stroke="#586e75"/>',
           f'<line x1="{left}" y1="10" x2="{left}" y2="{h - bottom}" stroke="#586e75"/>',
           f'<text x="{left - 4}" y="14" text-anchor="end">{y1}</text>',
           f'<text x="{left - 4}" y="{h - bottom}" text-anchor="end">0</text>',
           f'<text x="{(w + left) / 2:.0f}" y="{h - 4}" text-anchor="middle">'
           f"{escape(xlabel)}</text>",
           f'<text x="12" y="{(h - bottom) / 2:.0f}" transform="rotate(-90 12 '
           f'{(h - bottom) / 2:.0f})" text-anchor="middle">{escape(ylabel)}</text>']
    if bars:
        step = (w - left - 10) / len(points)
        for k, (_, y) in enumerate(points):
            x = left + k * step
            tip = f"{labels[k]}: {y}" if labels else str(y)
            out.append(f'<rect class="bar" x="{x + 1:.1f}" y="{py(y):.1f}" '
                       f'width="{max(step - 2, 1):.1f}" height="{h - bottom - py(y):.1f}" '
                       f'fill="#268bd2" data-value="{y}"><title>{escape(tip)}</title></rect>')
    else:
        out.append(f'<text x="{left}" y="{h - bottom + 14}" text-anchor="middle">{x0}</text>')
        out.append(f'<text x="{w - 10}" y="{h - bottom + 14}" text-anchor="middle">{x1}</text>')
        for x, y in points:
            out.append(f'<circle class="pt" cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.2" '
                       f'fill="#2aa198" data-x="{x}" data-y="{y}"><title>{x} → {y}</title>'
                       "</circle>")
    out.append("</svg>")
    return "".join(out)


def _map_svg(data: dict[str, Any]) -> str:
    m = data["map"]
    side = m["high"] - m["low"] + 1
    cell = max(1, min(6, 512 // side))
    out = [f'<svg id="map" data-cell="{cell}" width="{side * cell}" height="{side * cell}" '
           'role="img" shape-rendering="crispEdges">']
    cells = m["cells"]
    for h in range(side):  # runs of one colour along each row
        w = 0
        while w < side:
            v = cells[h * side + w]
            end = w
            while end < side and cells[h * side + end] == v:
                end += 1
            colour = VALID if v < 0 else REFUSAL_COLOURS[v % len(REFUSAL_COLOURS)]
            out.append(f'<rect x="{w * cell}" y="{h * cell}" width="{(end - w) * cell}" '
                       f'height="{cell}" fill="{colour}"/>')
            w = end
    out.append("</svg>")
    return "".join(out)


def html_report(st: Study, low: int, high: int, width: int | None = None) -> str:
    data = page_data(st, low, high, width)
    a = st.analysis
    axes = a.axes
    status = data["status"]

    def verdict(v: str) -> str:
        return f'<span class="{"ok" if v == "proved" else "bad"}">{escape(v)}</span>'

    valid = [s for s in data["sizes"] if s["valid"]]
    used = [name for name in data["refusers"]
            if any(s["layer"] == name for s in data["sizes"])]
    what = ("square inputs " + "×".join(["n"] * len(axes)) if width is None
            else f"inputs {'×'.join(['n'] * (len(axes) - 1))}×{width}")
    body = [
        f"<h1>{escape(data['network'])}</h1>",
        f"<p>Input {a.network.channels} × {' × '.join(escape(x) for x in axes)}. "
        f"Overall: {verdict(status['overall'])}.</p>",
        '<table id="status"><tr><th>proof</th><th>status</th></tr>',
        f'<tr><td>valid set V ⇔ every layer\'s conditions</td><td data-key="valid_set">'
        f"{verdict(status['valid_set'])}</td></tr>",
        f'<tr><td>closed forms of the sizes</td><td data-key="closed_forms">'
        f"{verdict(status['closed_forms'])}</td></tr>",
        f'<tr><td>receptive fields and jumps</td><td data-key="receptive_fields">'
        f"{verdict(status['receptive_fields'])}</td></tr></table>",
        f'<p>V: <code id="valid-text">{escape(data["valid_text"])}</code></p>',
        f"<h2>Valid sizes, {data['low']}..{data['high']} ({escape(what)})</h2>",
        f'<p><span id="valid-count">{len(valid)}</span> of {len(data["sizes"])} sizes valid. '
        "Hover or click a size for the framework's message.</p>",
        _legend(data, used), _strip(data), '<div id="detail" aria-live="polite"></div>',
        "<h2>Output size against input size</h2>",
        _chart([(s["n"], s["value"]) for s in valid if s["value"] is not None],
               "input size n", "output (first axis, or features)", "outsize"),
        "<h2>Layers</h2>", _table(data),
        "<h2>Receptive field and jump through the layers</h2>",
        _rf_charts(data),
    ]
    if data["map"] is not None:
        m = data["map"]
        coupled = ("the axes are coupled: V is not a product of one set per axis"
                   if m["coupled"] else "V is a product of one set per axis")
        mapped = [name for k, name in enumerate(data["refusers"]) if k in set(m["cells"])]
        body += [f"<h2>Valid ({escape(axes[0])}, {escape(axes[1])}), "
                 f"{m['low']}..{m['high']} on each axis</h2>",
                 f"<p>{escape(coupled)}. Rows: {escape(axes[0])} from {m['low']} down; "
                 f"columns: {escape(axes[1])} from {m['low']} right.</p>",
                 _legend(data, mapped), _map_svg(data)]
    # no "<" in a script element's text: "</script" would end it, "<!--" changes its parsing
    blob = (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
            f"<title>{escape(data['network'])}: symconv network</title>"
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body)
            + f'\n<script type="application/json" id="data">{blob}</script>'
            + f"<script>{_SCRIPT}</script></body></html>\n")


def _table(data: dict[str, Any]) -> str:
    rows = ['<table id="layers"><tr><th>layer</th><th>op</th><th>parameters</th><th>size</th>'
            "<th>RF</th><th>jump</th><th>refuses when</th></tr>"]
    for layer in data["layers"]:
        cells = [layer["name"], layer["op"], layer["params"], layer["size"], layer["rf"],
                 layer["jump"], "; ".join(layer["conditions"])]
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    rows.append("</table>")
    return "".join(rows)


def _rf_charts(data: dict[str, Any]) -> str:
    layers = [x for x in data["layers"] if x["rf_value"] is not None]
    if not layers:
        return "<p>(no layer has a receptive field: none of its ops has a known window)</p>"
    names = [x["name"] for x in layers]
    return (_chart([(k, x["rf_value"]) for k, x in enumerate(layers)], "layer",
                   "receptive field (first axis)", "rf", bars=True, labels=names)
            + _chart([(k, x["jump_value"]) for k, x in enumerate(layers)], "layer",
                     "jump (first axis)", "jump", bars=True, labels=names))
