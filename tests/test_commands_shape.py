"""``symconv shape``: output shape and relation from the generated helpers, their messages on bad
input (exit 2), no z3/sympy, fast from the shell."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.commands.shape import load_convshape

ROOT = Path(__file__).resolve().parents[1]


def shape(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["shape", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_conv_example() -> None:
    code, out, _ = shape("conv", "--input", "32", "32", "--kernel", "3", "--stride", "2",
                         "--padding", "1")
    assert code == 0
    assert out.splitlines()[0] == "output shape: 16 x 16"
    assert "R15" in out
    assert "conv_output_size" in out


def test_per_axis_values_and_dilation() -> None:
    code, out, _ = shape("conv", "--input", "32", "17", "9", "--kernel", "3", "5", "1",
                         "--stride", "1", "2", "3", "--dilation", "2", "1", "1")
    assert code == 0
    cs = load_convshape()
    want = [cs.conv_output_size(32, 3, 1, 0, 2), cs.conv_output_size(17, 5, 2, 0, 1),
            cs.conv_output_size(9, 1, 3, 0, 1)]
    assert out.splitlines()[0] == "output shape: " + " x ".join(map(str, want))
    assert want == [28, 7, 3]


def test_transposed_conv_restores_the_input() -> None:
    code, out, _ = shape("transposed-conv", "--input", "16", "--kernel", "3", "--stride", "2",
                         "--padding", "1", "--output-padding", "1")
    assert code == 0
    assert out.splitlines()[0] == "output shape: 32"
    assert "R14" in out
    assert "a=1" in out


@pytest.mark.parametrize("kind", ["conv-transpose", "conv_transpose", "transposed_conv"])
def test_the_rule_ids_names_of_a_kind_are_read(kind: str) -> None:
    """The rule ids say conv_transpose, max_pool: those names (either separator) are the kinds
    they name, in the CLI and the API, with the same answer."""
    from symconv.shapes import shape as api_shape

    argv = ("--input", "16", "--kernel", "3", "--stride", "2", "--padding", "1")
    assert shape(kind, *argv) == shape("transposed-conv", *argv)
    assert shape(kind, *argv)[0] == 0
    framework = ("--framework", "torch")
    assert shape(kind, *argv, *framework) == shape("transposed-conv", *argv, *framework)
    assert shape("max_pool", "--input", "9", "--kernel", "2", *framework) == shape(
        "max-pool", "--input", "9", "--kernel", "2", *framework)
    assert api_shape(kind, 16, 3, stride=2, padding=1) == api_shape("transposed-conv", 16, 3,
                                                                    stride=2, padding=1)


def test_mode_is_read_in_any_case_for_every_framework() -> None:
    for framework in ("torch", "tf", "jax", "keras"):
        argv = ("conv", "--input", "8", "--kernel", "3", "--framework", framework)
        lower, upper = shape(*argv, "--mode", "same"), shape(*argv, "--mode", "SAME")
        assert lower == upper, framework
        assert lower[0] == 0


def test_pool_stride_defaults_to_kernel() -> None:
    code, out, _ = shape("pool", "--input", "32", "31", "--kernel", "2")
    assert code == 0
    assert out.splitlines()[0] == "output shape: 16 x 15"
    assert "R7" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["conv", "--input", "32", "32", "--kernel", "0"], "error: axis 0: k must be >= 1, got 0"),
        (["conv", "--input", "2", "--kernel", "3"],
         "error: window does not fit: i + 2p = 2 < d(k-1)+1 = 3 (output would be < 1)"),
        (["transposed-conv", "--input", "4", "--kernel", "3", "--stride", "2",
          "--output-padding", "2"], "error: a must be in 0..s-1 (s=2), got 2"),
        (["pool", "--input", "8", "--kernel", "2", "--padding", "-1"],
         "error: p must be >= 0, got -1"),
        (["conv", "--input", "8", "8", "--kernel", "3", "3", "3"],
         "error: kernel needs one value or one per spatial axis (2), got 3"),
        (["conv", "--input", "8", "--kernel", "3", "--output-padding", "1"],
         "error: --output-padding applies to transposed-conv only"),
    ],
)
def test_bad_parameters_exit_2_with_the_helpers_message(argv: list[str], message: str) -> None:
    code, out, err = shape(*argv)
    assert code == 2
    assert err.strip() == message
    assert "Traceback" not in err
    assert out == ""


def test_non_integer_is_a_usage_error() -> None:
    code, _, err = shape("conv", "--input", "3.5", "--kernel", "3")
    assert code == 2
    assert "invalid int value" in err


def test_shape_does_not_import_z3_or_sympy() -> None:
    code = (
        "import io, sys; from symconv.cli import main;"
        "rc = main(['shape', 'conv', '--input', '32', '--kernel', '3'], io.StringIO(),"
        " io.StringIO());"
        "print(rc, *sorted({m.split('.')[0] for m in sys.modules} & {'z3', 'sympy', 'jinja2'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["0"]


def test_missing_generated_module_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from symconv import genload

    def missing() -> None:
        raise ImportError("No module named 'symconv_generated'")

    monkeypatch.setattr(genload, "load_convshape", missing)
    code, _, err = shape("conv", "--input", "8", "--kernel", "3")
    assert code == 2
    assert "run `symconv generate`" in err
