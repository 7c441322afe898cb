"""The HTML report and the animated SVGs in a real browser: Debian's Chromium driven by
Playwright (``.ci/run`` installs both). No console error, no request leaving the page, the
numbers shown equal the engine's, hovering and clicking show the framework's message, and an
animation's window is where the relation puts it at every frame."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from symconv import animation
from symconv.network.html import html_report
from symconv.network.queries import answer, listing
from symconv.network.spec import load_spec
from symconv.network.study import Study, study

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Visit:
    """A page opened from file://, every request and console message recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                self.outside.append(url)
                r.abort()

        self.page.route("**/*", route)
        self.page.goto(path.as_uri())

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.outside == []


@pytest.fixture(scope="module")
def vgg() -> Study:
    return study(load_spec(ROOT / "examples/networks/vgg11-fixed.toml"))


@pytest.fixture(scope="module")
def unet() -> Study:
    return study(load_spec(ROOT / "examples/networks/unet-2015.toml"))


def _tip(st: Study, n: int, width: int | None = None) -> str:
    """What the page must say about size n, from the engine's own query."""
    got = answer(st, n, width)
    point = "×".join(map(str, got.point))
    if got.refused_by is None:
        return f"{point}: valid → "
    return f"{point}: refused by {got.refused_by.layer}: {got.refused_by.message}"


@pytest.mark.parametrize(("which", "low", "high"), [("vgg", 200, 260), ("unet", 150, 200)])
def test_report_numbers_equal_the_engines(browser: Any, tmp_path: Path, which: str, low: int,
                                          high: int, request: pytest.FixtureRequest) -> None:
    st: Study = request.getfixturevalue(which)
    path = tmp_path / "report.html"
    path.write_text(html_report(st, low, high), encoding="utf-8")
    v = Visit(browser, path)
    page = v.page
    cells = page.locator("#strip .cell")
    assert cells.count() == high - low + 1
    answers = listing(st, low, high)
    shown = page.eval_on_selector_all(
        "#strip .cell", "els => els.map(e => [+e.dataset.size, e.dataset.valid, "
        "e.querySelector('title').textContent])")
    for (n, valid, title), got in zip(shown, answers, strict=True):
        assert n == got.size
        assert valid == ("1" if got.valid else "0")
        if got.refused_by is not None:
            assert title == f"{n}: refused by {got.refused_by.layer}: {got.refused_by.message}"
        else:
            assert title.startswith(f"{n}: valid → ")
    assert page.locator("#valid-count").text_content() == str(sum(a.valid for a in answers))
    assert page.locator("#valid-text").text_content() == st.valid.text()
    names = page.eval_on_selector_all("#layers tr td:first-child", "els => els.map(e => "
                                      "e.textContent)")
    assert names == [layer.node.name for layer in st.analysis.layers]
    assert page.locator('#status td[data-key="valid_set"]').text_content() == \
        st.valid.result().status.value
    v.check_clean()


def test_hover_and_click_show_the_frameworks_message(browser: Any, tmp_path: Path,
                                                     vgg: Study) -> None:
    path = tmp_path / "vgg.html"
    path.write_text(html_report(vgg, 1, 300), encoding="utf-8")
    v = Visit(browser, path)
    detail = v.page.locator("#detail")
    for n in (1, 5, 37, 100, 224, 240, 256):
        v.page.locator(f'#strip .cell[data-size="{n}"]').hover()
        assert detail.text_content().startswith(_tip(vgg, n))
        v.page.mouse.move(0, 0)
    v.page.locator('#strip .cell[data-size="17"]').click()
    assert detail.text_content() == _tip(vgg, 17)
    v.check_clean()


def test_the_map_of_two_coupled_axes(browser: Any, tmp_path: Path, vgg: Study) -> None:
    path = tmp_path / "vgg.html"
    path.write_text(html_report(vgg, 200, 280), encoding="utf-8")
    v = Visit(browser, path)
    page = v.page
    svg = page.locator("#map")
    cell = int(svg.get_attribute("data-cell"))
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert box["width"] == box["height"] == 81 * cell
    a = vgg.analysis
    for h, w in ((224, 224), (255, 240), (256, 224), (223, 250), (200, 280), (280, 280)):
        page.mouse.click(box["x"] + (w - 200 + 0.5) * cell, box["y"] + (h - 200 + 0.5) * cell)
        refusal = a.first_refusal(a.point((h, w)))
        want = (f"{h}×{w}: valid" if refusal is None
                else f"{h}×{w}: refused by {refusal.layer}: {refusal.message}")
        assert page.locator("#detail").text_content() == want
    assert "coupled" in page.content()
    v.check_clean()


def test_cli_writes_the_page(browser: Any, tmp_path: Path) -> None:
    from symconv.cli import main

    path = tmp_path / "r.html"
    import io

    code = main(["network", str(ROOT / "examples/networks/resnet18.toml"), "--html", str(path),
                 "--sizes", "1..80"], io.StringIO(), io.StringIO())
    assert code == 0
    v = Visit(browser, path)
    assert v.page.locator("#strip .cell").count() == 80
    assert v.page.locator("#rf .bar").count() > 0
    v.check_clean()


# ---- the animations ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["padding_strides_odd", "padding_strides_odd_transposed",
                                  "dilation", "full_padding_no_strides"])
def test_generated_svg_animates_frame_by_frame(browser: Any, name: str) -> None:
    path = ROOT / "generated" / "animations" / f"{name}.svg"
    (ga,) = [g for g in animation.GUIDE_ANIMATIONS if g.name == name]
    anim = animation.guide_animation(ga)
    sc = animation.scene(anim)
    v = Visit(browser, path)
    page = v.page
    n = len(anim.frames)
    assert page.eval_on_selector("svg", "s => +s.dataset.frames") == n
    page.evaluate("document.documentElement.pauseAnimations()")
    w0 = anim.frames[0].window
    for f in anim.frames:
        page.evaluate(f"document.documentElement.setCurrentTime({f.index + 0.5})")
        got = page.evaluate("""() => {
            const m = {matrix: document.getElementById('window').getCTM()};
            const c = {matrix: document.getElementById('current').getCTM()};
            const fills = [...document.querySelectorAll('#output polygon')].map(
                p => getComputedStyle(p).fill);
            return [m.matrix.e, m.matrix.f, c.matrix.e, c.matrix.f, fills];
        }""")
        ex, ey = animation.OBLIQUE(f.window[1] - w0[1], f.window[0] - w0[0])
        assert got[0] == pytest.approx(ex * 20, abs=0.11)
        assert got[1] == pytest.approx(ey * 20, abs=0.11)
        cx, cy = animation.OBLIQUE(f.output[1], f.output[0])
        assert (got[2], got[3]) == pytest.approx((cx * 20, cy * 20), abs=0.11)
        cyan = [k for k, fill in enumerate(got[4]) if fill == "rgb(42, 161, 152)"]
        assert cyan == list(range(f.index + 1))
    assert len(sc.frames) == n
    v.check_clean()


def test_numerical_svg_shows_each_value_from_its_frame(browser: Any) -> None:
    name = "numerical_padding_strides"
    (ga,) = [g for g in animation.GUIDE_ANIMATIONS if g.name == name]
    sc = animation.guide_scene(ga)
    v = Visit(browser, ROOT / "generated" / "animations" / f"{name}.svg")
    page = v.page
    page.evaluate("document.documentElement.pauseAnimations()")
    want = [lb.text for _, lb in sc.output_texts]
    for f in sc.animation.frames:
        page.evaluate(f"document.documentElement.setCurrentTime({f.index + 0.5})")
        shown = page.evaluate("""() => [...document.querySelectorAll('#output-values text')]
            .filter(t => getComputedStyle(t).visibility === 'visible').map(t => t.textContent)""")
        assert shown == want[:f.index + 1]
    v.check_clean()
