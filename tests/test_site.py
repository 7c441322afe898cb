"""symconv site: the explorer's data against the engine (every rule with a TypeScript helper,
figures that agree with the relations and the rules, code lines naming only the rule's
parameters), the CLI, and the page in Chromium: no console error, no request leaving it, the
numbers and refusals shown equal the engine's, and changing a parameter changes them."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from symconv import site
from symconv.cli import main
from symconv.frameworks import all_rules, get, tscodegen
from symconv.frameworks.base import Refused
from symconv.reference import convolve, transposed_convolve


def test_every_rule_with_a_helper_is_on_the_page() -> None:
    want = {f.spec.relation for f in tscodegen.functions() if len(f.spec.results) == 1}
    got = {r["id"] for r in site.rules_data()}
    assert got == want
    assert {r["framework"] for r in site.rules_data()} == {"guide", "torch", "tf", "keras",
                                                         "onnx", "jax"}
    names = {f.name for f in tscodegen.functions()}
    for r in site.rules_data():
        assert r["fn"] in names
        assert r["pads"] is None or r["pads"] in names


def test_figures_have_the_dumb_references_sizes() -> None:
    figs = site.figures()
    assert len(figs) > 500
    pattern = re.compile(r"(\w+)-i(\d+)-k(\d+)-s(\d+)-p(\d+)-d(\d+)(?:-a(\d+))?$")
    for key, fig in figs.items():
        m = pattern.match(key)
        assert m is not None, key
        op = m.group(1)
        i, k, s, p, d = (int(m.group(n)) for n in range(2, 7))
        if op == "conv_transpose":
            a = int(m.group(7))
            assert len(transposed_convolve([0] * i, [1] * k, s, p, a, d)) == fig.output, key
        else:
            assert len(convolve([0] * i, [1] * k, s, p, d)) == fig.output, key
        assert f'data-frames="{fig.output ** 2}"' in fig.svg


def test_a_rule_shows_a_figure_only_where_it_agrees() -> None:
    figs = site.figures()
    for r in site.rules_data():
        if r["figure"] is None:
            continue
        rule = get(r["id"])
        for env in site._rule_grid(rule):
            if env.get("p_begin") != env.get("p_end"):
                continue
            key = re.sub(r"\{(\w+)\}", lambda m, env=env: str(env[m.group(1)]), r["figure"])
            if key in figs and key not in r["exclude"]:
                assert rule.verdict(env) == figs[key].output, (r["id"], env)
    # Keras refuses strides > 1 with dilation > 1, which the guide draws
    (keras,) = [r for r in site.rules_data() if r["id"] == "keras.conv.valid"]
    assert keras["exclude"]
    assert all(re.search(r"-s[23]-p0-d2$", key) for key in keras["exclude"])
    # ceil mode, 'same' padding and an asked output size are not the guide's arithmetic
    for rid in ("torch.max_pool.ceil", "tf.conv.same", "torch.conv_transpose.output_size"):
        (r,) = [x for x in site.rules_data() if x["id"] == rid]
        assert r["figure"] is None


def test_code_lines_name_only_the_rules_parameters() -> None:
    for rule in all_rules():
        if rule.id not in {r["id"] for r in site.rules_data()}:
            continue
        line = site.code_line(rule)
        assert set(re.findall(r"\{(\w+)\}", line)) <= set(rule.names), rule.id
    assert site.code_line(get("torch.max_pool.ceil")) == (
        "torch.nn.MaxPool1d(kernel_size={k}, stride={s}, padding={p}, dilation={d}, "
        "ceil_mode=True)")
    assert "auto_pad='SAME_UPPER'" in site.code_line(get("onnx.conv.same_upper"))


def test_message_patterns_match_the_helpers_messages_only() -> None:
    rx = re.compile(site._js_regex("i must be >= 1, got {i}"))
    assert rx.match("i must be >= 1, got -3")
    assert not rx.match("i must be >= 1, got x")
    assert not rx.match("k must be >= 1, got 3")
    rx = re.compile(site._js_regex("torch.conv: Kernel size can't be (greater) [x]"))
    assert rx.match("torch.conv: Kernel size can't be (greater) [x]")
    assert not rx.match("torchXconv: Kernel size can't be (greater) [x]")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_refuses_a_file_as_dir(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    code, _, err = _run(["site", str(f)])
    assert code == 2
    assert "DIR must be a directory" in err
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "fig").write_text("x")
    code, _, err = _run(["site", str(tmp_path / "d")])
    assert code == 2
    assert "is not a directory" in err


# ---- in Chromium -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    code, out, _ = _run(["site", str(root), "--json"])
    assert code == 0
    report = json.loads(out)
    assert report["figures"] == len(site.figures())
    js = (root / "frameworkshape.js").read_text(encoding="utf-8")
    assert js == (Path(__file__).resolve().parents[1] / "generated/typescript/"
                  "frameworkshape.js").read_text(encoding="utf-8")
    assert js in (root / "index.html").read_text(encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser: Any, built: Path) -> Iterator[Any]:
    pg = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    pg.on("console", lambda m: m.type == "error" and errors.append(m.text))
    pg.on("pageerror", lambda e: errors.append(str(e)))

    def route(r: Any) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.goto((built / "index.html").as_uri())
    yield pg
    assert errors == []
    assert outside == []
    pg.close()


def _choose(pg: Any, rid: str, env: dict[str, int]) -> dict[str, Any]:
    rule = get(rid)
    pg.select_option("#op", rule.op.value)
    pg.select_option("#framework", rule.framework)
    pg.select_option("#rule", rid)
    for name, value in env.items():
        pg.fill(f"#param-{name}", str(value))
        pg.dispatch_event(f"#param-{name}", "input")
    return pg.evaluate("""() => ({
        out: document.getElementById('out').textContent,
        message: document.getElementById('message').textContent,
        pads: document.getElementById('pads').textContent,
        code: document.getElementById('code').textContent,
        checks: [...document.querySelectorAll('#checks li')].map(li => li.dataset.state),
        key: document.getElementById('anim').dataset.key,
        src: document.getElementById('anim').getAttribute('src'),
    })""")


def _cases() -> list[tuple[str, dict[str, int]]]:
    """Every rule at its defaults and at a point it refuses or answers otherwise."""
    out = []
    for r in site.rules_data():
        env = {p["name"]: p["default"] for p in r["params"]}
        out.append((r["id"], env))
        out.append((r["id"], {**env, "i": 2, "k": 4}))
    return out


def test_every_rule_answers_as_the_engine(page: Any) -> None:
    for rid, env in _cases():
        rule = get(rid)
        shown = _choose(page, rid, env)
        want = rule.verdict(env)
        if isinstance(want, Refused):
            assert shown["out"] == "refused", (rid, env, shown)
            assert shown["message"].startswith(rid), (rid, env, shown)
            assert shown["message"].endswith(want.shown), (rid, env, shown)
            assert shown["checks"].count("fails") == 1, (rid, env, shown)
            stop = shown["checks"].index("fails")
            assert set(shown["checks"][:stop]) <= {"holds"}
            assert set(shown["checks"][stop + 1:]) <= {"not checked"}
        else:
            assert shown["out"] == f"o = {want}", (rid, env, shown)
            assert set(shown["checks"]) == {"holds"}, (rid, env, shown)
            if "p_begin" in rule.extras:
                begin, end = (rule.extra(n, env) for n in ("p_begin", "p_end"))
                assert shown["pads"] == (f"padding the rule computes: {begin} before, "
                                         f"{end} after"), (rid, env, shown)
        code = site.code_line(rule)
        assert shown["code"] == site._fill(code, env)


def test_bad_input_shows_the_helpers_message(page: Any) -> None:
    shown = _choose(page, "torch.conv", {"i": 0, "k": 3, "s": 1, "p": 0, "d": 1})
    assert shown["message"] == "i must be >= 1, got 0"
    assert shown["checks"] == ["fails", "not checked", "not checked", "not checked",
                               "not checked", "not checked"]
    page.fill("#param-i", "2.5")
    page.dispatch_event("#param-i", "input")
    assert page.text_content("#message") == "i must be an int, got float"
    assert page.text_content("#out") == "refused"


def test_changing_a_parameter_changes_numbers_and_figure(page: Any) -> None:
    shown = _choose(page, "torch.conv", {"i": 5, "k": 3, "s": 2, "p": 1, "d": 1})
    assert shown["out"] == "o = 3"
    assert shown["src"] == "fig/conv-i5-k3-s2-p1-d1.svg"
    shown = _choose(page, "torch.conv", {"s": 1})
    assert shown["out"] == "o = 5"
    assert shown["src"] == "fig/conv-i5-k3-s1-p1-d1.svg"
    # polled from here: wait_for_function compiles its predicate in the page, which the
    # site's CSP (no eval) refuses whenever the image is not loaded at the first look
    deadline = time.monotonic() + 30
    while not page.evaluate("document.getElementById('anim').complete"):
        assert time.monotonic() < deadline, "the figure did not load in 30 s"
        time.sleep(0.05)
    assert page.evaluate("document.getElementById('anim').naturalWidth") > 0
    # the transposed figure is keyed by the transposed convolution's own parameters
    shown = _choose(page, "onnx.conv_transpose",
                    {"i": 3, "k": 3, "s": 2, "p_begin": 1, "p_end": 1, "d": 1, "a": 1})
    assert shown["out"] == "o = 6"
    assert shown["key"] == "conv_transpose-i3-k3-s2-p1-d1-a1"
    assert site.figures()[shown["key"]].output == 6
    shown = _choose(page, "onnx.conv_transpose", {"p_end": 0})
    assert shown["src"] is None  # unequal padding: the guide draws none
    # a refusal hides the figure
    shown = _choose(page, "keras.conv.valid", {"i": 7, "k": 3, "s": 2, "d": 2})
    assert shown["out"] == "refused"
    assert shown["src"] is None
