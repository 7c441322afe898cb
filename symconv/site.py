"""``symconv site DIR``: a static explorer. Pick an op, a framework and one of its rules, set the
parameters, and see the output size, the rule's formula with its checks and which of them hold,
the line of framework code that builds the layer, and the guide's animation for those numbers.

Every number on the page comes from the verified TypeScript helpers
(``generated/typescript/frameworkshape.js``, inlined verbatim): the page's own script only reads
the inputs, calls the helper, and matches the helper's refusal message against the checks'
messages to say which check stopped it. The animations are pre-drawn by the engine for a grid of
parameters, and a rule shows one only where the engine found the rule's output equal to the
drawn figure's (checked here, for every figure and every rule that draws it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import Any

from symconv.errors import UsageError

# The figures drawn: each parameter's range (on both axes alike).
FIGURE_RANGES: Mapping[str, range] = {"i": range(1, 8), "k": range(1, 5), "s": range(1, 4),
                                      "p": range(0, 3), "d": range(1, 3)}
DEFAULTS: Mapping[str, int] = {"i": 5, "k": 3, "s": 2, "p": 1, "p_begin": 1, "p_end": 1, "d": 1,
                               "a": 0, "o": 9}
FRAMEWORK_NAMES: Mapping[str, str] = {"guide": "the guide", "torch": "PyTorch",
                                      "tf": "TensorFlow", "keras": "Keras", "onnx": "ONNX",
                                      "jax": "JAX"}
OPS: Mapping[str, str] = {"conv": "convolution", "conv_transpose": "transposed convolution",
                          "max_pool": "max pooling", "avg_pool": "average pooling"}


# ---- figures -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    key: str  # e.g. conv-i5-k3-s2-p1-d1, conv_transpose-i3-k3-s2-p1-d1-a0
    output: int  # the drawn operation's output size on each axis
    svg: str


def _figure_key(op: str, env: Mapping[str, int]) -> str:
    key = f"{op}-i{env['i']}-k{env['k']}-s{env['s']}-p{env['p']}-d{env['d']}"
    return key + (f"-a{env['a']}" if op == "conv_transpose" else "")


@cache
def figures() -> dict[str, Figure]:
    """The guide's animation for every point of FIGURE_RANGES each op draws: convolutions (and
    dilated ones), their transposes keyed by the transposed convolution's own (i′, k, s, p, d,
    a), and poolings (unpadded, undilated: relation 7)."""
    from symconv import animation, figures as figs, picture
    from symconv.matrix import make_spec

    out: dict[str, Figure] = {}
    names = tuple(FIGURE_RANGES)
    for values in product(*FIGURE_RANGES.values()):
        env = dict(zip(names, values, strict=True))
        try:
            spec = make_spec(*([env[n]] * 2 for n in names), dims=2)
        except UsageError:  # the kernel does not fit: only a transposed one could be drawn,
            spec = None  # and it transposes a convolution that fits
        kinds = [("conv", "dilated" if env["d"] > 1 else "conv", "max"),
                 ("conv_transpose", "transposed", "max")]
        if env["p"] == 0 and env["d"] == 1:
            kinds += [("max_pool", "pool", "max"), ("avg_pool", "pool", "average")]
        for op, kind, pool in kinds:
            if spec is None:
                break
            try:
                drawing = figs.build(kind, spec, pool=pool)
            except UsageError:
                continue
            fact = drawing.facts[0]
            if op == "conv_transpose":
                key = _figure_key(op, {**env, "i": fact.i_prime, "a": fact.a})
            else:
                key = _figure_key(op, env)
            anim = animation.animate(drawing, key)
            out[key] = Figure(key, fact.output, picture.svg(animation.scene(anim)))
    return out


# ---- rules -----------------------------------------------------------------------------------


def _figure_template(rule: Any) -> str | None:
    """The figure key of the rule's parameters, ``{name}`` for each, if the guide's figure can
    draw this rule: explicit symmetric padding (or none), no ceil mode, no output size asked."""
    names = set(rule.names)
    if rule.ceil_mode or "o" in names or rule.padding not in ("", "NOTSET", "VALID", "valid"):
        return None
    if rule.op.value == "conv_transpose" and "a" not in names:
        return None
    p = "{p}" if "p" in names else "{p_begin}" if "p_begin" in names else "0"
    d = "{d}" if "d" in names else "1"
    key = f"{rule.op.value}-i{{i}}-k{{k}}-s{{s}}-p{p}-d{d}"
    return key + ("-a{a}" if rule.op.value == "conv_transpose" else "")


def _fill(template: str, env: Mapping[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(env[m.group(1)]), template)


def _rule_grid(rule: Any) -> list[dict[str, int]]:
    ranges = {**FIGURE_RANGES, "p_begin": FIGURE_RANGES["p"], "p_end": FIGURE_RANGES["p"],
              "a": range(0, 3)}
    return [dict(zip(rule.names, v, strict=True))
            for v in product(*(ranges[n] for n in rule.names))]


def figure_exclusions(rule: Any, template: str) -> list[str]:
    """The figure keys where the rule answers otherwise than the drawn figure (or refuses what
    the figure draws): the page shows no figure there. Checked at every point of the grid."""
    from symconv.frameworks.base import Refused

    figs = figures()
    bad = set()
    for env in _rule_grid(rule):
        if "p_begin" in env and env["p_begin"] != env["p_end"]:
            continue
        key = _fill(template, env)
        if key not in figs:
            continue
        got = rule.verdict(env)
        if isinstance(got, Refused) or got != figs[key].output:
            bad.add(key)
    return sorted(bad)


_TORCH_1D = {"conv": "Conv1d", "conv_transpose": "ConvTranspose1d", "max_pool": "MaxPool1d",
             "avg_pool": "AvgPool1d"}
_KERAS_1D = {"conv": "Conv1D", "conv_transpose": "Conv1DTranspose", "max_pool": "MaxPooling1D",
             "avg_pool": "AveragePooling1D"}
_ONNX_OP = {"conv": "Conv", "conv_transpose": "ConvTranspose", "max_pool": "MaxPool",
            "avg_pool": "AveragePool"}


def code_line(rule: Any) -> str:
    """The framework code that builds the rule's layer (one axis), ``{name}`` for each
    parameter."""
    op, names, pad = rule.op.value, set(rule.names), rule.padding
    if rule.framework == "guide":
        call = {"conv": "conv_output_size({i}, {k}, {s}, {p}, {d})",
                "conv_transpose": "transposed_conv_output_size({i}, {k}, {s}, {p}, {d}, {a})",
                "max_pool": "conv_output_size({i}, {k}, {s}, {p}, {d})",
                "avg_pool": "conv_output_size({i}, {k}, {s}, {p})"}[op]
        return f"from convshape import *; {call}  # generated/python/convshape.py"
    if rule.framework == "torch":
        args = ["1, 1"] if op.startswith("conv") else []
        args.append("kernel_size={k}, stride={s}")
        if pad in ("valid", "same"):
            args.append(f"padding='{pad}'")
        elif "p" in names:
            args.append("padding={p}")
        if "a" in names:
            args.append("output_padding={a}")
        if "d" in names:
            args.append("dilation={d}")
        if op.endswith("pool"):
            args.append(f"ceil_mode={rule.ceil_mode}")
        line = f"torch.nn.{_TORCH_1D[op]}({', '.join(args)})"
        return line + ("(x, output_size=[{o}])" if "o" in names else "")
    if rule.framework == "keras" or (rule.framework == "tf" and op == "conv_transpose"):
        pool = op.endswith("pool")
        args = (["pool_size={k}", "strides={s}"] if pool else
                ["filters=1", "kernel_size={k}", "strides={s}"])
        args.append(f"padding='{pad.lower()}'")
        if "a" in names:
            args.append("output_padding={a}")
        if "d" in names:
            args.append("dilation_rate={d}")
        return f"keras.layers.{_KERAS_1D[op]}({', '.join(args)})"
    if rule.framework == "tf":
        if op == "conv":
            padding = ("[[0, 0], [{p_begin}, {p_end}], [0, 0], [0, 0]]" if pad == "EXPLICIT"
                       else f"'{pad}'")
            return (f"tf.nn.conv2d(x, w, strides={{s}}, padding={padding}, "
                    "dilations={d})  # the H axis")
        fn = "max_pool1d" if op == "max_pool" else "avg_pool1d"
        return f"tf.nn.{fn}(x, ksize={{k}}, strides={{s}}, padding='{pad}')"
    if rule.framework == "onnx":
        args = ["kernel_shape=[{k}]", "strides=[{s}]"]
        if "p_begin" in names:
            args.append("pads=[{p_begin}, {p_end}]")
        elif pad not in ("", "output_shape"):
            args.append(f"auto_pad='{pad}'")
        if "d" in names:
            args.append("dilations=[{d}]")
        if "a" in names:
            args.append("output_padding=[{a}]")
        if "o" in names:
            args.append("output_shape=[{o}]")
        if rule.ceil_mode:
            args.append("ceil_mode=1")
        inputs = "['X']" if op.endswith("pool") else "['X', 'W']"
        line = f"onnx.helper.make_node('{_ONNX_OP[op]}', {inputs}, ['Y'], {', '.join(args)})"
        return line + ("  # then onnx.shape_inference.infer_shapes" if ".infer." in
                       f".{rule.id}." else "")
    if rule.framework == "jax":
        padding = "[({p_begin}, {p_end})]" if "p_begin" in names else f"'{pad}'"
        if op == "conv_transpose":
            return (f"jax.lax.conv_transpose(x, w, strides=({{s}},), padding={padding}, "
                    "rhs_dilation=({d},))")
        return (f"jax.lax.conv_general_dilated(x, w, window_strides=({{s}},), "
                f"padding={padding}, rhs_dilation=({{d}},))")
    raise ValueError(f"{rule.id}: no code line for framework {rule.framework}")


def _js_regex(template: str) -> str:
    """A JavaScript regular expression source matching the message with any integer where the
    template has a ``{placeholder}``."""
    pieces = re.split(r"\{\w+\}", template)
    return "^" + "(-?\\d+)".join(re.sub(r"([\\^$.|?*+()\[\]{}/])", r"\\\1", p)
                                   for p in pieces) + "$"


@cache
def rules_data() -> list[dict[str, Any]]:
    """Per rule with a TypeScript helper: what the page shows and calls."""
    from symconv.codegen.pyprint import py
    from symconv.frameworks import all_rules, tscodegen

    funcs = tscodegen.functions()
    by_rule = {f.spec.relation: f for f in funcs if len(f.spec.results) == 1}
    pads = {f.spec.relation: f.name for f in funcs if len(f.spec.results) > 1}
    out = []
    for rule in all_rules():
        f = by_rule.get(rule.id)
        if f is None:
            continue
        checks = [(p.check.condition, p.check.message) for p in f.spec.params]
        checks += [(c.condition, c.message) for c in f.spec.requires]
        messages = [m for _, m in checks]
        if len(set(messages)) != len(messages):
            raise AssertionError(f"{rule.id}: two checks share a message; the page could not "
                                 "tell which stopped the helper")
        template = _figure_template(rule)
        out.append({
            "id": rule.id, "framework": rule.framework, "op": rule.op.value,
            "title": rule.title, "source": rule.source, "fn": f.name,
            "pads": pads.get(rule.id),
            "params": [{"name": n, "default": DEFAULTS[n]} for n in rule.names],
            "formula": f.spec.formula,
            "checks": [{"text": py(c), "message": m, "match": _js_regex(m)} for c, m in checks],
            "code": code_line(rule),
            "figure": template,
            "symmetric": "p_begin" in rule.names,
            "exclude": [] if template is None else figure_exclusions(rule, template),
        })
    return out


# ---- the page --------------------------------------------------------------------------------

_STYLE = """
body{font-family:DejaVu Sans,Verdana,sans-serif;color:#002b36;margin:1.5em;max-width:70em}
h1{font-size:1.4em}label{margin-right:1em}select,input{font:inherit}
input[type=number]{width:5em}#params label{display:inline-block;margin:.2em 1em .2em 0}
.ok{color:#2aa198}.bad{color:#dc322f}.skip{color:#93a1a1}
#out{font-size:1.3em;font-weight:bold}code,pre{background:#fdf6e3;padding:.1em .3em}
pre{white-space:pre-wrap}#figure img{max-width:32em;border:1px solid #eee8d5}
.cols{display:flex;gap:2em;flex-wrap:wrap}.cols>div{flex:1 1 28em}
"""

_SCRIPT = """
const DATA = JSON.parse(document.getElementById('data').textContent);
const FIGURES = new Set(DATA.figures);
const $ = id => document.getElementById(id);
const opSel = $('op'), fwSel = $('framework'), ruleSel = $('rule');
function options(sel, items) {
  const keep = sel.value;
  sel.replaceChildren(...items.map(([v, t]) => { const o = document.createElement('option');
    o.value = v; o.textContent = t; return o; }));
  if (items.some(([v]) => v === keep)) sel.value = keep;
}
function current() { return DATA.rules.find(r => r.id === ruleSel.value); }
function fill(template, values) { return template.replace(/\\{(\\w+)\\}/g, (_, n) => values[n]); }
function refreshRules() {
  const op = opSel.value;
  const fws = [...new Set(DATA.rules.filter(r => r.op === op).map(r => r.framework))];
  options(fwSel, fws.map(f => [f, DATA.frameworks[f]]));
  const rules = DATA.rules.filter(r => r.op === op && r.framework === fwSel.value);
  options(ruleSel, rules.map(r => [r.id, r.id + ': ' + r.title]));
  refreshParams();
}
function refreshParams() {
  const r = current(), box = $('params'), old = {};
  for (const inp of box.querySelectorAll('input')) old[inp.name] = inp.value;
  box.replaceChildren(...r.params.map(p => {
    const l = document.createElement('label'); l.textContent = p.name + ' ';
    const inp = document.createElement('input'); inp.type = 'number'; inp.name = p.name;
    inp.id = 'param-' + p.name; inp.value = p.name in old ? old[p.name] : p.default;
    inp.addEventListener('input', update); l.append(inp); return l; }));
  update();
}
function update() {
  const r = current(), raw = {}, args = [];
  for (const p of r.params) {
    const v = $('param-' + p.name).value.trim();
    raw[p.name] = v; args.push(v === '' ? NaN : Number(v));
  }
  $('formula').textContent = r.formula;
  $('source').textContent = r.title + '. Source: ' + r.source + '.';
  $('code').textContent = fill(r.code, raw);
  let result = null, error = null;
  try { result = HELPERS[r.fn](...args); } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    error = e;
  }
  $('out').textContent = error ? 'refused' : 'o = ' + result;
  $('out').className = error ? 'bad' : 'ok';
  $('message').textContent = error ? error.message : '';
  $('pads').textContent = '';
  if (!error && r.pads) {
    const [b, e] = HELPERS[r.pads](...args);
    $('pads').textContent = 'padding the rule computes: ' + b + ' before, ' + e + ' after';
  }
  // which check stopped the helper: the first whose message matches; those before it held
  let stop = -1;
  if (error && error.kind === 'value') {
    stop = r.checks.findIndex(c => new RegExp(c.match).test(error.message));
  }
  $('checks').replaceChildren(...r.checks.map((c, k) => {
    const li = document.createElement('li');
    let state = 'holds', cls = 'ok';
    if (error && (stop < 0 || k > stop)) { state = 'not checked'; cls = 'skip'; }
    else if (k === stop) { state = 'fails: ' + c.message.replace(/\\{\\w+\\}/g, '…'); cls = 'bad'; }
    li.className = cls; li.dataset.state = state.split(':')[0];
    const code = document.createElement('code'); code.textContent = c.text;
    li.append(code, ' — ' + state); return li; }));
  const img = $('anim'), note = $('figure-note');
  let key = null;
  if (!r.figure) {
    note.textContent = 'The guide draws no figure for this rule (its padding mode, ceil ' +
      'mode or output size is not the guide\\'s arithmetic).';
  } else if (error) note.textContent = 'Refused: nothing to draw.';
  else if (r.symmetric && raw.p_begin !== raw.p_end) {
    note.textContent = 'Drawn for equal padding on both sides only.';
  } else {
    key = fill(r.figure, raw);
    if (!FIGURES.has(key) || r.exclude.includes(key)) {
      note.textContent = 'No figure drawn for these numbers (drawn: ' + DATA.drawn + ').';
      key = null;
    } else note.textContent = 'The guide\\'s animation for these numbers (' + key + ').';
  }
  img.hidden = key === null;
  const src = key === null ? null : 'fig/' + key + '.svg';
  if (src !== null && img.getAttribute('src') !== src) img.src = src;
  if (key === null) img.removeAttribute('src');
  img.dataset.key = key || '';
}
opSel.addEventListener('change', refreshRules);
fwSel.addEventListener('change', refreshRules);
ruleSel.addEventListener('change', refreshParams);
options(opSel, Object.entries(DATA.ops));
refreshRules();
"""


def page() -> str:
    from symconv.frameworks import tscodegen

    rules = rules_data()
    js = tscodegen.files()[f"{tscodegen.STEM}.js"]
    for bad in ("</script", "<!--"):
        if bad in js:
            raise AssertionError(f"the helpers' text holds {bad!r}: it cannot be inlined")
    names = sorted({r["fn"] for r in rules} | {r["pads"] for r in rules if r["pads"]})
    ranges = ", ".join(f"{n} {r.start}..{r.stop - 1}" for n, r in FIGURE_RANGES.items())
    data = {"rules": rules, "figures": sorted(figures()), "frameworks": FRAMEWORK_NAMES,
            "ops": OPS, "drawn": ranges}
    blob = (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    body = """<h1>symconv explorer</h1>
<p>Pick an operation, a framework and one of its rules. The output size, the checks and the
refusal messages come from the verified TypeScript helpers
(<code>generated/typescript/frameworkshape.js</code>, in this page verbatim); the animations
were drawn by the engine.</p>
<p><label>op <select id="op"></select></label><label>framework <select id="framework">
</select></label><label>rule <select id="rule"></select></label></p>
<p id="params"></p>
<div class="cols"><div>
<p id="out"></p><p id="message" class="bad"></p><p id="pads"></p>
<h2>Rule</h2><pre id="formula"></pre><p id="source"></p>
<h2>Checks, in the framework's order</h2><ol id="checks"></ol>
<h2>Code</h2><pre id="code"></pre>
</div><div id="figure"><h2>Figure</h2><p id="figure-note"></p>
<img id="anim" alt="the guide's animation" hidden></div></div>"""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' file:\">"
            f"<title>symconv explorer</title><style>{_STYLE}</style></head><body>\n{body}\n"
            f'<script type="application/json" id="data">{blob}</script>\n'
            f'<script type="module">\n{js}\n'
            f"const HELPERS = {{{', '.join(names)}}};\n{_SCRIPT}</script>\n</body></html>\n")


def site_files() -> dict[str, str]:
    """Every file of the site, by path under its directory."""
    from symconv.frameworks import tscodegen

    out = {"index.html": page(),
           "frameworkshape.js": tscodegen.files()[f"{tscodegen.STEM}.js"]}
    out.update({f"fig/{key}.svg": fig.svg for key, fig in figures().items()})
    return out
