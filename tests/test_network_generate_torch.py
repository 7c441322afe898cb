"""``generate --network --torch SOURCE:CALLABLE``: a PyTorch model's shape function straight
from the model (no ONNX export), proved as for a spec; its answers equal those of the model read
through PyTorch's own symbolic shapes (an independent front-end); a model torch.fx cannot read
is refused, saying so."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from symconv.cli import main

ROOT = Path(__file__).resolve().parents[1]
UNET = f"{ROOT / 'examples' / 'networks' / 'unet_padded.py'}:UNet"


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_torch_model_gets_its_proved_shape_function(tmp_path: Path) -> None:
    code, out, err = run(["generate", "--network", "--torch", UNET, "--out", str(tmp_path),
                          "--json"])
    assert code == 0, err
    report = json.loads(out)
    assert report["network"] == "UNet"
    assert report["proofs"]
    assert all(p["status"] == "proved" for p in report["proofs"])
    source = (tmp_path / "unet_shape.py").read_text()
    assert "symconv generate --network --torch unet_padded.py:UNet" in source
    assert str(ROOT) not in source  # the same text on every machine
    spec = importlib.util.spec_from_file_location("unet_shape", tmp_path / "unet_shape.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code, out, err = run(["network", "--torch", UNET, "--symbolic", "--sizes", "1..80",
                          "--json"])
    assert code == 0, err
    for answer in json.loads(out):
        n = answer["size"]
        if answer["valid"]:
            assert list(module.unet_shape(n, n)) == answer["output"], n
        else:
            with pytest.raises(ValueError, match=answer["refused_by"]["layer"]):
                module.unet_shape(n, n)
    code, out, err = run(["generate", "--network", "--torch", UNET, "--out", str(tmp_path),
                          "--check"])
    assert code == 0, err
    written = [f for f in tmp_path.rglob("*") if f.is_file() and f.name != ".symconv-manifest"]
    assert f"{len(written)} files up to date" in out


BRANCHY = '''
import torch
from torch import nn


class Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % 2:  # a branch on a size: torch.fx cannot record it
            x = x[..., 1:]
        return self.conv(x)
'''


def test_a_model_only_symbolic_shapes_read_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "branchy.py"
    source.write_text(BRANCHY)
    code, _out, err = run(["generate", "--network", "--torch", f"{source}:Branchy", "--out",
                          str(tmp_path / "out")])
    assert code == 2
    assert "is not generated" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["--network", "x.toml", "--torch", "pkg:make"], "not both"),
    (["--torch", "pkg:make"], "--torch does not apply"),
    (["--network"], "--network needs FILE"),
    (["--network", str(ROOT / "examples" / "networks" / "dilated.toml"), "--channels", "1"],
     "--channels does not apply"),
])
def test_bad_combinations(argv: list[str], message: str, tmp_path: Path) -> None:
    code, _out, err = run(["generate", *argv, "--out", str(tmp_path)])
    assert code == 2
    assert message in err
