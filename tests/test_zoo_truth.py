"""The zoo's committed ground truth (``tests/zoo_truth/``) against the registry
(``tests/zoo_models.py``) and against PyTorch run again: every model has its truth, every entry
is well formed, and a sample of committed sizes of cheap models gives the same verdict today, on
meta through the oracle and on the CPU by the real forward (so the truth is not stale and the
meta device did not lie).

A failure here means: regenerate with ``python tests/zoo_truth.py --refresh --models NAME``.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the zoo's truth is PyTorch's: torch is not installed")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import zoo_truth  # noqa: E402
from torch import nn  # noqa: E402
from zoo_models import BY_NAME, MODELS, ZooModel  # noqa: E402
from zoo_oracle import Oracle  # noqa: E402

REGENERATE = "regenerate: python tests/zoo_truth.py --refresh --models {}"
CHEAP = ("tv_squeezenet1_1", "tv_r3d_18", "monai_unet_2d", "hf_wav2vec2", "smp_unet_resnet18",
         "timm_convnext_atto")


def _truth(name: str) -> dict:
    return json.loads((zoo_truth.TRUTH / f"{name}.json").read_text())


def test_the_zoo_is_big_and_named_once() -> None:
    assert len(MODELS) >= 45
    assert len({m.name for m in MODELS}) == len(MODELS)
    assert len({m.build.__name__ for m in MODELS}) == len(MODELS)
    assert {m.library for m in MODELS} == {"torchvision", "timm", "transformers", "ultralytics",
                                           "monai", "segmentation-models-pytorch"}
    assert {m.rank for m in MODELS} == {1, 2, 3}


def test_every_truth_file_belongs_to_a_model() -> None:
    files = {p.stem for p in zoo_truth.TRUTH.glob("*.json")}
    assert files <= set(BY_NAME), f"truth of no zoo model: {sorted(files - set(BY_NAME))}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_truth_is_complete_and_well_formed(model: ZooModel) -> None:
    path = zoo_truth.TRUTH / f"{model.name}.json"
    assert path.exists(), f"no truth for {model.name}: " + REGENERATE.format(model.name)
    text = path.read_text()
    data = json.loads(text)
    assert text == zoo_truth.dump(data), "not in the script's deterministic form"
    assert {k: v for k, v in data.items() if k != "sizes"} == zoo_truth.header(model), \
        "the header (versions, banner, model) changed: " + REGENERATE.format(model.name)
    sizes = data["sizes"]
    planned = {zoo_truth.key(s) for s in zoo_truth.plan(model.rank, model.family,
                                                        model.extra_sizes)}
    assert planned <= set(sizes), f"sizes of the plan missing: {sorted(planned - set(sizes))}"
    for k, entry in sizes.items():
        size = zoo_truth.parse_key(k)
        assert len(size) == model.rank, k
        assert all(n >= 1 for n in size), k
        assert zoo_truth.key(size) == k
        assert entry["device"] in ("meta", "cpu")
        if entry["valid"]:
            assert set(entry) == {"device", "outputs", "valid"}
            assert entry["outputs"], k
            assert all(isinstance(d, int) and d >= 0 for s in entry["outputs"] for d in s)
        else:
            assert set(entry) == {"device", "error", "message", "valid"}
            assert entry["error"]
            assert isinstance(entry["message"], str)


def _sample(name: str, count: int, limit: int) -> list[tuple[tuple[int, ...], dict]]:
    """``count`` committed sizes of ``name`` (valid and invalid ones both, where there are), each
    axis at most ``limit`` (the CPU's forward costs with the size)."""
    rng = random.Random(f"zoo:{name}")
    entries = [(zoo_truth.parse_key(k), v) for k, v in sorted(_truth(name)["sizes"].items())
               if max(zoo_truth.parse_key(k)) <= limit]
    valid = [e for e in entries if e[1]["valid"]]
    invalid = [e for e in entries if not e[1]["valid"]]
    half = count // 2
    picked = rng.sample(invalid, min(half, len(invalid)))
    picked += rng.sample(valid, min(count - len(picked), len(valid)))
    return picked


def _same(verdict: dict, entry: dict) -> bool:
    keys = ("valid", "outputs") if entry["valid"] else ("valid", "error", "message")
    return all(verdict.get(k) == entry[k] for k in keys)


@pytest.mark.parametrize("name", CHEAP)
def test_committed_truth_is_pytorchs_today(name: str) -> None:
    torch.set_num_threads(1)
    oracle = Oracle(BY_NAME[name])
    limit = 40 if BY_NAME[name].rank == 3 else 160
    for size, entry in _sample(name, 8, limit):
        on_meta = oracle.run(size).to_json()
        assert _same(on_meta, entry), (size, on_meta, entry, REGENERATE.format(name))
        on_cpu = oracle.run(size, device="cpu").to_json()
        assert _same(on_cpu, entry), (size, on_cpu, entry)


# The oracle against the CPU alone, where meta would lie.


class _EmptyConv(nn.Module):
    """A size-1 input pooled to 0 then convolved: meta's conv accepts an empty input."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d((0, 4))
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.conv(self.pool(x))
        return out


class _ReadsValues(nn.Module):
    """Python control flow on a value: cannot run on meta."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if float(x.sum()) >= 0 and x.shape[-1] % 2 == 0:
            return x[..., ::2]
        raise ValueError(f"odd width {x.shape[-1]}")


def _empty_conv() -> nn.Module:
    return _EmptyConv()


def _reads_values() -> nn.Module:
    return _ReadsValues()


@pytest.mark.parametrize(("build", "sizes"), [(_empty_conv, [(3, 3), (5, 8)]),
                                                (_reads_values, [(4, 4), (4, 5), (2, 1)])])
def test_oracle_agrees_with_the_cpu_where_meta_differs(build, sizes) -> None:
    model = ZooModel(build.__name__, build, 3, 2, "torch", "toy")
    oracle = Oracle(model)
    for size in sizes:
        verdict = oracle.run(size, device="meta")
        cpu = oracle.run(size, device="cpu")
        assert (verdict.valid, verdict.outputs, verdict.error, verdict.message) == \
            (cpu.valid, cpu.outputs, cpu.error, cpu.message), size
    if build is _reads_values:
        assert oracle.run((4, 4), device="meta").device == "cpu"


def test_oracle_reports_a_refusal_without_raising() -> None:
    verdict = Oracle(BY_NAME["tv_squeezenet1_1"]).run((1, 1))
    assert not verdict.valid
    assert verdict.error == "RuntimeError"
    assert verdict.message
    assert "\n" not in verdict.message
    with pytest.raises(ValueError, match="2 axes"):
        Oracle(BY_NAME["tv_squeezenet1_1"]).run((1,))


def test_plan_is_the_documented_one() -> None:
    two = zoo_truth.plan(2)
    squares = [s[0] for s in two if s[0] == s[1]]
    assert squares[:64] == list(range(1, 65))
    assert [n for n in squares if n > 64] == [n for n in range(65, 641)
                                               if n % 16 in (0, 1, 15)]
    assert len(two) == len(set(two))
    assert two == sorted(two)
    assert [s[0] for s in zoo_truth.plan(1)] == list(range(1, 401))
    audio = {s[0] for s in zoo_truth.plan(1, "audio")}
    assert {319, 320, 321, 15999, 16000, 16001} <= audio
    assert all(len(s) == 3 for s in zoo_truth.plan(3))
    for s in two + zoo_truth.plan(3):
        assert zoo_truth.parse_key(zoo_truth.key(s)) == s


def _unbuildable() -> nn.Module:
    raise TypeError("no such layer")


class _NeedsAPackage(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise ModuleNotFoundError("No module named 'einops'")


def _needs_a_package() -> nn.Module:
    return _NeedsAPackage()


@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_a_broken_environment_is_no_verdict(device: str) -> None:
    """A model that cannot be built, or a package missing at forward time, must not be written
    down as the model refusing the size."""
    with pytest.raises(TypeError, match="no such layer"):
        Oracle(ZooModel("u", _unbuildable, 3, 2, "torch", "toy")).run((8, 8), device=device)
    with pytest.raises(ImportError, match="einops"):
        Oracle(ZooModel("p", _needs_a_package, 3, 2, "torch", "toy")).run((8, 8), device=device)
