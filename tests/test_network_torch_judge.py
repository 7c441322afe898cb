"""The judge itself: its meta-device runs against real CPU runs, where the meta kernels are known
to differ (empty tensors, transposed convolutions to size 0, messages), and its attribution of a
refusal to the module that was running."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from symconv.network.torch_judge import Judge, observe, observe_cpu  # noqa: E402
from symconv.network.torch_judge import _track as track  # noqa: E402


class Edges(nn.Module):
    """Crops H by ``crop`` (constant pad), then convolves with padding 1 and transposes back
    with padding 1: meta runs an empty input's convolution and a transposed convolution to
    size 0, CPU refuses both."""

    def __init__(self, crop: int) -> None:
        super().__init__()
        self.crop = crop
        self.conv = nn.Conv2d(2, 2, 1, padding=1)
        self.back = nn.ConvTranspose2d(2, 2, 1, padding=2)

    def forward(self, x: Any) -> Any:
        return self.back(self.conv(F.pad(x, (0, 0, -self.crop, 0))))


def meta_run(model: nn.Module, size: int, channels: int = 2, width: int | None = None) -> Any:
    model = model.to("meta").eval()
    return observe(model, track(model), channels, 2, size, width)


def test_meta_alone_would_accept_what_cpu_refuses() -> None:
    x = torch.empty(1, 2, 0, 5, device="meta")
    assert F.conv2d(x, torch.empty(2, 2, 1, 1, device="meta"), padding=1).shape[2] == 2
    with pytest.raises(RuntimeError, match="Only zero batch or zero channel inputs"):
        F.conv2d(torch.zeros(1, 2, 0, 5), torch.zeros(2, 2, 1, 1), padding=1)


def test_an_empty_input_is_settled_on_cpu() -> None:
    seen = meta_run(Edges(crop=4), 4)
    assert not seen.valid
    assert seen.corrected
    assert (seen.layer, seen.op) == ("conv", "conv2d")
    assert "Only zero batch or zero channel inputs are supported" in (seen.message or "")


def test_a_transposed_convolution_to_size_zero_is_settled_on_cpu() -> None:
    # W = 5 gives 3 after both layers; H = 1: conv 1 + 2 = 3, transposed 3 - 4 = -1 (meta errs
    # in other words); H = 2: 4 - 4 = 0 (meta gives an empty tensor where only one axis is 0)
    for size, corrected in ((1, False), (2, True)):
        seen = meta_run(Edges(crop=0), size, width=5)
        assert not seen.valid
        assert seen.corrected == corrected
        assert (seen.layer, seen.op) == ("back", "conv_transpose2d")
        assert "Output size is too small" in (seen.message or "")
        assert "(" in (seen.message or "")  # CPU's "(1 x 5)", not meta's "[1, 5]"
    assert meta_run(Edges(crop=0), 3, width=5).valid


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_meta_judge_equals_a_cpu_run(size: int) -> None:
    cpu = Edges(crop=4).eval()
    stack = track(cpu)
    try:
        with torch.inference_mode():
            out = cpu(torch.zeros(1, 2, size, size))
        expected = (True, tuple(out.shape[2:]), None, None)
    except RuntimeError as exc:
        expected = (False, (), stack[-1], str(exc))
    seen = meta_run(Edges(crop=4), size)
    assert (seen.valid, seen.output, seen.layer, seen.message) == expected


def test_a_broadcast_refusal_has_cpus_words_and_the_calling_module() -> None:
    class Merge(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Conv2d(2, 2, 3)

        def forward(self, x: Any) -> Any:
            return self.a(x) + x

    seen = meta_run(nn.Sequential(Merge()), 5)
    assert (seen.valid, seen.layer, seen.op) == (False, "0", "add")
    assert "must match the size of tensor b" in (seen.message or "")
    assert "broadcast" in (seen.meta_message or "")


def test_python_code_refusing_is_attributed_to_its_module() -> None:
    up = nn.ConvTranspose2d(2, 2, 3, stride=2)

    class Sized(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.up = up

        def forward(self, x: Any) -> Any:
            return self.up(x, output_size=[3 * x.size(2), 3 * x.size(3)])

    seen = meta_run(Sized(), 4)
    assert (seen.valid, seen.layer, seen.op) == (False, "up", None)
    assert "requested an output size of" in (seen.message or "")


def test_judge_pools_keep_order_and_match_inline_runs(tmp_path: Any) -> None:
    source = tmp_path / "net.py"
    source.write_text("from torch import nn\n"
                      "def net():\n"
                      "    return nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.MaxPool2d(2))\n")
    target = f"{source}:net"
    sizes = [9, 1, 3, 7, 6, 5, 2, 8]
    with Judge(2) as pooled:
        far = pooled(target, sizes)
    near = Judge(1)(target, sizes)
    assert far == near
    assert [o.size for o in far] == sizes
    # conv 3/2 gives (n - 3) // 2 + 1, which pool 2 needs to be >= 2: n >= 5
    assert [o.valid for o in far] == [n >= 5 for n in sizes]
    assert observe_cpu(target, sizes) == [
        o if o.valid else type(o)(o.size, o.width, False, (), o.layer, None, o.message)
        for o in far]
