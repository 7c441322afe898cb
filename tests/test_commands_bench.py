"""``symconv bench``: runs, compares like with like, degrades cleanly without torch or C."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import sys

import pytest

from symconv.cli import main
from symconv.commands import bench
from symconv.commands.shape import load_convshape

HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_bench_runs_and_reports_each_case() -> None:
    out = io.StringIO()
    assert main(["bench", "--number", "200", "--repeat", "1"], out, io.StringIO()) == 0
    text = out.getvalue()
    assert "pool_output_size" in text
    assert "conv_shape" in text
    assert "C:" in text or "C function" in text
    if shutil.which("gcc") is not None:
        from symconv.frameworks.ccodegen import header

        count = len(header().programs)
        assert re.search(rf"C frameworkshape\.h: {count} functions, median [0-9.]+ ns/call", text)
    if HAS_TORCH:
        assert "PyTorch 2" in text
        ratios = [float(line.split()[-1]) for line in text.splitlines()
                  if "vs" in line and line.split()[-1] != "-"]
        assert len(ratios) == 2
        assert all(r > 0 for r in ratios)
    else:
        assert "PyTorch not installed" in text


def test_without_torch_only_ours_is_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "torch.jit._shape_functions", None)
    out = io.StringIO()
    assert main(["bench", "--number", "50", "--repeat", "1"], out, io.StringIO()) == 0
    assert "PyTorch not installed" in out.getvalue()


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
def test_cases_compare_the_same_shapes_as_torch() -> None:
    sf = bench.torch_shape_functions()
    assert sf is not None
    for _, ours, theirs in bench.cases(load_convshape(), sf):
        if theirs is not None:
            mine, ref = ours(), theirs()
            mine_list = list(mine) if isinstance(mine, tuple) else [mine]
            ref_list = list(ref) if isinstance(ref, list) else [ref]
            assert mine_list == ref_list


def test_bad_numbers_are_usage_errors() -> None:
    err = io.StringIO()
    assert main(["bench", "--number", "0"], io.StringIO(), err) == 2
    assert "--number must be >= 1, got 0" in err.getvalue()


def _fake_cbench(monkeypatch: pytest.MonkeyPatch, measure: object) -> None:
    import types

    module = types.ModuleType("symconv.codegen.cbench")
    module.measure_c = measure  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "symconv.codegen.cbench", module)


def test_c_numbers_are_shown_when_cbench_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cbench(monkeypatch, lambda: {"symconv_conv_output_size": 2.5, "symconv_pool": 3})
    out = io.StringIO()
    assert main(["bench", "--number", "20", "--repeat", "1"], out, io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    assert any(line.split() == ["symconv_conv_output_size", "2.50"] for line in lines)
    assert any(line.split() == ["symconv_pool", "3.00"] for line in lines)


def test_a_failing_c_measurement_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise OSError("no C compiler")

    _fake_cbench(monkeypatch, broken)
    out = io.StringIO()
    assert main(["bench", "--number", "20", "--repeat", "1"], out, io.StringIO()) == 0
    assert "C: measure_c() failed: OSError: no C compiler" in out.getvalue()
