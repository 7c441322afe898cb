from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.network.html import default_range, html_report, page_data
from symconv.network.queries import answer
from symconv.network.render import _outputs_text
from symconv.network.spec import load_spec
from symconv.network.study import Study, study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def vgg() -> Study:
    return study(load_spec(ROOT / "examples/networks/vgg11-fixed.toml"))


@pytest.fixture(scope="module")
def resnet() -> Study:
    return study(load_spec(ROOT / "examples/networks/resnet18.toml"))


def test_every_size_as_the_engine_answers_it(resnet: Study) -> None:
    data = page_data(resnet, 1, 70)
    assert [s["n"] for s in data["sizes"]] == list(range(1, 71))
    for s in data["sizes"]:
        got = answer(resnet, s["n"])
        assert s["valid"] == got.valid
        assert s["point"] == list(got.point)
        if got.refused_by is None:
            assert s["layer"] is None
            assert s["output"] == _outputs_text(resnet, got)
        else:
            assert (s["layer"], s["message"]) == (got.refused_by.layer, got.refused_by.message)
            assert s["output"] == ""


def test_the_map_against_the_conditions_point_by_point(vgg: Study) -> None:
    data = page_data(vgg, 220, 260)
    m = data["map"]
    assert m is not None
    assert m["coupled"]
    side = m["high"] - m["low"] + 1
    a = vgg.analysis
    for h in range(m["low"], m["high"] + 1, 3):
        for w in range(m["low"], m["high"] + 1, 3):
            refusal = a.first_refusal({"H": h, "W": w})
            v = m["cells"][(h - m["low"]) * side + (w - m["low"])]
            if refusal is None:
                assert v == -1
            else:
                assert data["refusers"][v] == refusal.layer
                assert m["messages"][v] == refusal.message


def test_the_flattened_output_is_its_feature_count(vgg: Study) -> None:
    data = page_data(vgg, 224, 226)
    assert [s["output"] for s in data["sizes"]] == ["1000 features"] * 3
    assert [s["value"] for s in data["sizes"]] == [1000] * 3


def test_receptive_fields_and_jumps_per_layer(resnet: Study) -> None:
    data = page_data(resnet, 30, 40)
    from symconv.network.receptive import Field

    for layer in data["layers"]:
        f = resnet.receptive[layer["name"]][0]
        if isinstance(f, Field):
            assert layer["jump_value"] == f.jump
        else:
            assert layer["jump_value"] is None


def test_the_page_is_self_contained(vgg: Study) -> None:
    page = html_report(vgg, 200, 260)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page
    assert "@import" not in page
    assert "default-src 'none'" in page
    blob = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert blob is not None
    assert json.loads(blob.group(1))["network"] == "vgg11-fixed"


def test_a_name_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    spec = (ROOT / "examples/networks/resnet18.toml").read_text()
    spec = spec.replace('name = "resnet18"', 'name = "</script><script>alert(1)</script>"', 1)
    path = tmp_path / "evil.toml"
    path.write_text(spec)
    page = html_report(study(load_spec(path)), 1, 40)
    assert "<script>alert(1)" not in page
    assert "<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page


def test_default_range_covers_the_smallest_valid_size(vgg: Study) -> None:
    assert default_range(vgg) == (1, 448)


def _run(argv: list[str]) -> tuple[int, str]:
    """The exit code, and what was said (an error goes to stdout as JSON under --json)."""
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), err.getvalue() + out.getvalue()


def test_cli_html(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    code, err = _run(["network", str(ROOT / "examples/networks/resnet18.toml"), "--html",
                      str(path), "--sizes", "10..20", "--width", "32"])
    assert code == 0
    assert "wrote" in err
    data = json.loads(re.search(r'id="data">(.*?)</script>', path.read_text(), re.S)
                      .group(1))  # type: ignore[union-attr]
    assert data["sizes"][0]["point"] == [10, 32]
    assert data["map"] is None


@pytest.mark.parametrize(("extra", "needle"), [
    (["--json"], "--html writes the page alone"),
    (["--why", "3"], "--html writes the page alone"),
    (["--sizes", "1..5000"], "at most 4096"),
])
def test_cli_html_errors_exit_2(tmp_path: Path, extra: list[str], needle: str) -> None:
    code, err = _run(["network", str(ROOT / "examples/networks/resnet18.toml"), "--html",
                      str(tmp_path / "r.html"), *extra])
    assert code == 2
    assert needle in err


def test_cli_html_unwritable(tmp_path: Path) -> None:
    code, err = _run(["network", str(ROOT / "examples/networks/resnet18.toml"), "--html",
                      str(tmp_path / "no" / "r.html")])
    assert code == 2
    assert "--html: cannot write" in err


def test_an_onnx_model_with_coupled_axes(tmp_path: Path) -> None:
    # (1, 2, H, W) → max pool 2 → Reshape [1, 18]: runs exactly where 2·⌊H/2⌋·⌊W/2⌋ = 18
    onnx = pytest.importorskip("onnx")
    np = pytest.importorskip("numpy")
    from onnx import TensorProto, helper, numpy_helper

    from symconv.network.onnx_frontend import load_onnx

    nodes = [helper.make_node("MaxPool", ["x"], ["p"], name="pool", kernel_shape=[2, 2],
                              strides=[2, 2]),
             helper.make_node("Reshape", ["p", "shape"], ["y"], name="reshape")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "H", "W"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    g = helper.make_graph(nodes, "g", [x], [y], initializer=[
        numpy_helper.from_array(np.array([1, 18], np.int64), "shape")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
              str(path))
    st = study(load_onnx(str(path)))
    data = page_data(st, 1, 20)
    m = data["map"]
    assert m is not None
    assert m["coupled"]
    valid = {(m["low"] + k // 20, m["low"] + k % 20) for k, v in enumerate(m["cells"]) if v < 0}
    assert valid == {(h, w) for h in range(1, 21) for w in range(1, 21)
                     if 2 * (h // 2) * (w // 2) == 18}
    assert "reshape#features" in data["refusers"]
