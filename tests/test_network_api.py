"""``symconv.network_of``: the network answers as a Python API, against the CLI's ``--sizes``
(spec) and against PyTorch's own CPU forward (a module built in the test), with nearest sizes
against a scan; torch stays unimported for a spec."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import symconv
from symconv.cli import main
from symconv.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "networks"
SPEC = str(EXAMPLES / "unet-padded.toml")


def cli_sizes(argv: list[str], low: int, high: int) -> list[dict[str, object]]:
    out, err = io.StringIO(), io.StringIO()
    assert main(["network", *argv, "--sizes", f"{low}..{high}", "--json"], out, err) == 0, (
        err.getvalue())
    answers: list[dict[str, object]] = json.loads(out.getvalue())
    return answers


def test_a_spec_answers_as_the_cli() -> None:
    net = symconv.network_of(SPEC)
    assert net.ok
    assert net.axes == ("H", "W")
    assert str(net.valid) == "(H ≥ 16 and H ≡ 0 (mod 16)) and (W ≥ 16 and W ≡ 0 (mod 16))"
    for got, cli in zip(net.sizes(1, 70), cli_sizes([SPEC], 1, 70), strict=True):
        assert got.size == cli["size"]
        assert got.valid == cli["valid"] == (got.size in net) == (got.point in net.valid)
        if got.valid:
            assert [list(o) for o in got.outputs if o is not None] == [cli["output"]]
    assert (16, 48) in net.valid
    assert (16, 47) not in net.valid
    assert net.nearest(100) == (96, 112)
    assert net.nearest(96) == (96, 96)
    assert net.output(64) == ((64, 64),)
    assert net.outputs == ("outc: H ↦ H; W ↦ W",)
    assert "up2.cat refuses it" in net.why(100)
    assert net.to_json()["valid_set"]["status"] == "proved"


def test_a_spec_does_not_import_torch() -> None:
    code = ("import sys, symconv; net = symconv.network_of(sys.argv[1]); "
            "assert 32 in net; print('torch' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code, SPEC], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_bad_input_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"model must be a torch\.nn\.Module"):
        symconv.network_of(3.5)
    with pytest.raises(UsageError, match="go with a PyTorch model"):
        symconv.network_of(SPEC, channels=1)
    net = symconv.network_of(SPEC)
    with pytest.raises(UsageError, match="size needs 2 ints"):
        net.answer((1, 2, 3))
    with pytest.raises(UsageError, match="a size is an int or a tuple"):
        assert "32" in net
    with pytest.raises(UsageError, match="size must be an int"):
        net.answer(True)
    with pytest.raises(UsageError, match="sizes must be >= 1"):
        net.nearest(0)
    with pytest.raises(ValueError, match=r"up2\.cat refuses it"):
        net.output(100)


torch = pytest.importorskip("torch")


class Strided(torch.nn.Module):
    """A stride-3 convolution then a 2×2 pool added to a skip: valid only where the sizes meet."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, stride=3)
        self.pool = torch.nn.MaxPool2d(2)
        self.skip = torch.nn.Conv2d(3, 4, 5, stride=6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(x)) + self.skip(x)


def pytorch_says(model: torch.nn.Module, point: tuple[int, int]) -> tuple[int, ...] | None:
    try:
        with torch.no_grad():
            return tuple(model(torch.zeros(1, 3, *point)).shape)
    except RuntimeError:
        return None


def test_a_module_answers_as_pytorch_runs_it() -> None:
    model = Strided()
    net = symconv.network_of(model)
    assert "torch" in sys.modules
    assert net.traced
    assert net.name == "Strided"
    truth = {n: pytorch_says(model, (n, n)) for n in range(1, 61)}
    for got in net.sizes(1, 60):
        assert got.valid == (truth[got.size] is not None), got
        assert (got.size in net) == got.valid
        if got.valid:
            assert got.outputs == (truth[got.size],)
            assert net.output(got.size) == (truth[got.size],)
        else:
            assert got.refused_by is not None
    for point in [(12, 6), (12, 7), (13, 24), (6, 6)]:
        assert (point in net.valid) == (pytorch_says(model, point) is not None), point
    valid = [n for n, shape in truth.items() if shape is not None]
    for n in (1, 7, 13, 30):
        below = max((v for v in valid if v <= n), default=None)
        above = min(v for v in valid if v >= n)
        assert net.nearest(n) == (below, above), n
    assert net.outputs
    refused = next(n for n, shape in truth.items() if shape is None)
    assert "refuses it" in net.why(refused)
    with pytest.raises(UsageError, match="kwargs go with"):
        symconv.network_of(model, kwargs={})


def test_a_target_is_built_and_named() -> None:
    net = symconv.network_of(f"{EXAMPLES / 'ceil_pool.py'}:CeilPool")
    assert net.name == "CeilPool"
    for got, cli in zip(net.sizes(1, 40),
                        cli_sizes(["--torch", f"{EXAMPLES / 'ceil_pool.py'}:CeilPool",
                                   "--symbolic"], 1, 40), strict=True):
        assert got.valid == cli["valid"]
        if got.valid:
            assert list(got.outputs[0][2:]) == cli["output"]
