"""The fake kernels' refusals in PyTorch's eager words (``torch_trace.eager_wording``): each of
the six texts that differ, with numbers and with symbolic sizes, rewritten to the eager
kernel's; anything else left as it is. (Against PyTorch's CPU forward itself: the toy models of
test_network_zoo.)"""

from __future__ import annotations

from typing import Any

import pytest

from symconv.network.frontends.torch_trace import eager_wording


@pytest.mark.parametrize(("fake", "eager"), [
    ("The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 3)",
     "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 3"),
    ("The size of tensor a (s98) must match the size of tensor b (2*(((s98 - 1)//2)) + 2) at "
     "non-singleton dimension 2)",
     "The size of tensor a (s98) must match the size of tensor b (2*(((s98 - 1)//2)) + 2) at "
     "non-singleton dimension 2"),
    ("Sizes of tensors must match except in dimension 1. Expected 5 in dimension 2 but got 4 "
     "for tensor number 1 in the list",
     "Sizes of tensors must match except in dimension 1. Expected size 5 but got size 4 for "
     "tensor number 1 in the list."),
    ("Sizes of tensors must match except in dimension 1. Expected (s36//2) in dimension 2 but "
     "got Max(1, s36) for tensor number 2 in the list",
     "Sizes of tensors must match except in dimension 1. Expected size (s36//2) but got size "
     "Max(1, s36) for tensor number 2 in the list."),
    ("Attempting to broadcast a dimension of length 4 at -1! Mismatching argument at index 1 "
     "had torch.Size([1, 3, 4, 4]); but expected shape should be broadcastable to [1, 3, 2, 2]",
     "The size of tensor a (2) must match the size of tensor b (4) at non-singleton "
     "dimension 3"),
    ("Attempting to broadcast a dimension of length Max(1, s0) at -2! Mismatching argument at "
     "index 1 had torch.Size([Max(1, s0), 7]); but expected shape should be broadcastable to "
     "[1, 16, 3, 7]",
     "The size of tensor a (3) must match the size of tensor b (Max(1, s0)) at non-singleton "
     "dimension 2"),
    ("a and b must have same reduction dim, but got [1, 3*s36*s98] X [48, 10].",
     "mat1 and mat2 shapes cannot be multiplied (1x3*s36*s98 and 48x10)"),
    ("a and b must have same reduction dim, but got [7, Max(1, s0)] X [48, 10].",
     "mat1 and mat2 shapes cannot be multiplied (7xMax(1, s0) and 48x10)"),
    ("Given normalized_shape=[8], expected input with shape [8], but got input of size "
     "torch.Size([1, 3, s36, s98])",
     "Given normalized_shape=[8], expected input with shape [*, 8], but got input of "
     "size[1, 3, s36, s98]"),
    ("Given normalized_shape=[4, 8], expected input with shape [4, 8], but got input of size "
     "torch.Size([1, 3, 4, 5])",
     "Given normalized_shape=[4, 8], expected input with shape [*, 4, 8], but got input of "
     "size[1, 3, 4, 5]"),
    ("Given an input with spatial size (s36, 1), kernel_size=[4, 4], dilation=[1, 1], "
     "padding=[0, 0], stride=[3, 3], the calculated shape of the array of sliding blocks is "
     "((((s36 - 4)//3)) + 1, 0), but its components must be at least one.",
     "Given input with spatial size (s36, 1), kernel_size=(4, 4), dilation=(1, 1), "
     "padding=(0, 0), calculated shape of the array of sliding blocks as "
     "((((s36 - 4)//3)) + 1, 0), but its components must be at least one."),
])
def test_the_fake_wording_becomes_the_eager_one(fake: str, eager: str) -> None:
    assert eager_wording(fake) == eager
    assert eager_wording(eager) == eager  # the eager text is left alone


@pytest.mark.parametrize("message", [
    # a third operand: ATen's pairwise broadcast may count dimensions otherwise; left as is
    "Attempting to broadcast a dimension of length 4 at -1! Mismatching argument at index 2 had "
    "torch.Size([1, 3, 4, 4]); but expected shape should be broadcastable to [1, 3, 2, 2]",
    # the length said is not the argument's size there: not the text this rewrite knows
    "Attempting to broadcast a dimension of length 5 at -1! Mismatching argument at index 1 had "
    "torch.Size([1, 3, 4, 4]); but expected shape should be broadcastable to [1, 3, 2, 2]",
    "Given input size: (64x1x1). Calculated output size: (64x0x0). Output size is too small",
    # a batched matmul's (3 sizes a side): not the text of mm
    "a and b must have same reduction dim, but got [1, 2, 3] X [4, 5].",
    "",
])
def test_other_messages_are_left_as_they_are(message: str) -> None:
    assert eager_wording(message) == message


@pytest.mark.parametrize(("rank", "mode"), [(1, "nearest"), (1, "linear"), (2, "nearest"),
                                            (2, "bilinear"), (2, "bicubic"), (3, "trilinear"),
                                            (3, "nearest-exact")])
def test_upsampling_refuses_where_the_eager_kernel_does(rank: int, mode: str) -> None:
    """A scale of 0.5 gives an output size 0 at size 1. PyTorch's fake decompositions of
    upsampling made it a 0-sized tensor (symconv said 'valid'); the eager kernels refuse, and
    so does the trace now, with their message."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from symconv.network.traced import study_model

    class Down(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return nn.functional.interpolate(x, scale_factor=0.5, mode=mode)

    st = study_model(Down().eval(), name="down", channels=2, rank=rank, jobs=1)
    for n in range(1, 6):
        for m in (1, 3):
            point = (*(n,) * (rank - 1), m)
            got = st.answer_at(point)
            try:
                Down()(torch.zeros(1, 2, *point))
                real = None
            except RuntimeError as exc:
                real = str(exc).splitlines()[0]
            assert got.valid == (real is None), (point, got, real)
            if real is not None:
                assert got.refused_by is not None
                assert got.refused_by[1].split(", but got")[0] == real.split(", but got")[0]


def test_a_division_by_a_symbolic_zero_is_a_guard() -> None:
    """``H / (W // 3)`` in the forward: PyTorch's trace raised ZeroDivisionError at W < 3 and
    recorded no guard, so the valid path claimed W = 2 (symconv said 'valid' where the run
    fails). The divisor is now guarded: V is W ≥ 3, as the real forward, size by size."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from symconv.network.traced import study_model

    class ZDiv(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.conv(x) * (x.shape[-2] / (x.shape[-1] // 3)) + x.shape[-1] % (
                x.shape[-2] // 2 + 1)

    st = study_model(ZDiv().eval(), name="zdiv", jobs=1)
    assert st.valid.text() == "H ≥ 1 and W ≥ 3"
    net = ZDiv().eval()
    for h in range(1, 7):
        for w in range(1, 9):
            got = st.answer_at((h, w))
            try:
                with torch.no_grad():
                    net(torch.zeros(1, 3, h, w))
                real = None
            except ZeroDivisionError as exc:
                real = str(exc)
            assert got.valid == (real is None), (h, w)
            assert real is None or (got.refused_by is not None and got.refused_by[1] == real)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_a_transposed_convolution_refuses_an_empty_output_as_the_eager_kernel(rank: int
                                                                               ) -> None:
    """PyTorch's fake convolution accepts a transposed convolution's output of size 0 on some
    axes (its check is an 'or' over them): symconv said 'valid' at 1×2 where the CPU refuses.
    Now the trace refuses exactly where the CPU does, with its message."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from symconv.network.traced import study_model

    conv = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[rank - 1]
    model = conv(3, 2, 3, stride=2, padding=2, output_padding=1).eval()
    st = study_model(model, name="up", jobs=1)
    assert st.valid.text() == " and ".join(f"{a} ≥ 2" for a in st.axes)
    for n in range(1, 5):
        for m in (1, 2, 3):
            point = (*(n,) * (rank - 1), m)
            got = st.answer_at(point)
            try:
                with torch.no_grad():
                    model(torch.zeros(1, 3, *point))
                real = None
            except RuntimeError as exc:
                real = str(exc).splitlines()[0]
            assert got.valid == (real is None), (point, got, real)
            assert real is None or (got.refused_by is not None and got.refused_by[1] == real)


@pytest.mark.parametrize("kind", ["unpool", "embedding", "gather"])
def test_an_index_made_from_the_input_size_gets_no_answer(kind: str) -> None:
    """max_unpool2d after a max_pool refuses odd sizes on the CPU by its indices' VALUES, which
    fake tensors do not have (symconv said 'valid' at 6×3); an embedding of arange(W) refuses
    W above its table. Whether such a size runs is not in PyTorch's symbolic shapes: the model
    is refused, never answered."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from symconv.network.frontends.torch_trace import TraceError
    from symconv.network.traced import study_model

    class Indexed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.table = nn.Embedding(16, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if kind == "unpool":
                return nn.functional.max_unpool2d(*nn.functional.max_pool2d(
                    x, 2, return_indices=True), 2)
            if kind == "embedding":
                return x + self.table(torch.arange(x.shape[-1])).T[None, :, None, :]
            return x.gather(-1, torch.arange(x.shape[-1])[None, None, None].expand(
                1, 3, x.shape[-2], -1))

    with pytest.raises(TraceError, match="index tensor of size"):
        study_model(Indexed().eval(), name=kind, rank=2, jobs=1)


def test_a_fixed_index_of_the_model_s_own_is_read() -> None:
    """A relative-position table indexed by a buffer of a fixed size (Swin, MaxViT) is the same
    at every input size: answered, and F.unfold's own indexing (inside PyTorch) too."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from symconv.network.traced import study_model

    class Table(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bias = nn.Parameter(torch.zeros(9))
            self.register_buffer("where", torch.arange(9).flip(0))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            cols = nn.functional.unfold(x, 3)
            return cols + self.bias[self.where].repeat(3)[None, :, None]

    st = study_model(Table().eval(), name="table", rank=2, jobs=1)
    assert st.valid.text() == "H ≥ 3 and W ≥ 3"


def test_a_boolean_mask_of_the_input_s_size_is_read() -> None:
    """A mask selects by shape, which PyTorch checks: SwinUNETR's attention mask is written
    through one; it is not an index whose values could be out of bounds."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from symconv.network.traced import study_model

    class Masked(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = x.index_put((x > 0,), torch.tensor(1.0))
            y.index_put_((y < 0,), torch.tensor(0.0))
            return y[..., ::2]

    st = study_model(Masked().eval(), name="masked", rank=2, jobs=1)
    assert st.valid.text() == "H ≥ 1 and W ≥ 1"


def _symbolic(torch: Any, sizes: tuple[int, ...], device: str, *,
              layout: str = "contiguous", dtype: Any = None) -> tuple[Any, Any]:
    """A fake (1, C, *sizes) tensor whose spatial sizes ≥ 2 are symbols, and its mode."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.experimental.symbolic_shapes import (
        DimDynamic,
        ShapeEnv,
        StatelessSymbolicContext,
    )

    mode = FakeTensorMode(shape_env=ShapeEnv(duck_shape=False), allow_non_fake_inputs=True)
    x = torch.empty(*sizes, device=device, dtype=dtype or torch.float32)
    if layout == "channels_last":
        x = x.contiguous(memory_format=torch.channels_last)
    dyn = [DimDynamic.STATIC, DimDynamic.STATIC] + [
        DimDynamic.DYNAMIC if n >= 2 else DimDynamic.STATIC for n in sizes[2:]]
    fake = mode.from_tensor(x, symbolic_context=StatelessSymbolicContext(dynamic_sizes=dyn))
    if layout == "strided":
        with mode:
            fake = fake[..., ::2]
    return fake, mode


def _same_meta(torch: Any, a: Any, b: Any) -> bool:
    from torch.fx.experimental.symbolic_shapes import statically_known_true

    return (a.dtype == b.dtype and a.device == b.device and a.dim() == b.dim() and all(
        statically_known_true(m == n) for m, n in zip([*a.shape, *a.stride()],
                                                      [*b.shape, *b.stride()], strict=True)))


@pytest.mark.parametrize("device", ["meta", "cpu"])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("sizes", [(1, 4, 9), (1, 4, 1), (1, 4, 6, 5), (1, 4, 1, 7),
                                   (1, 4, 3, 4, 5), (2, 4, 5, 1, 3)])
def test_eval_batch_norm_of_a_contiguous_input_is_pytorch_s_decomposition(
        sizes: tuple[int, ...], affine: bool, device: str) -> None:
    """The fast eval BatchNorm returns tensors whose sizes and strides are those of PyTorch's
    own decomposition (what fake tensors run) at every size, symbols and 1s alike."""
    torch = pytest.importorskip("torch")
    from torch._decomp.decompositions import _native_batch_norm_legit_no_training

    from symconv.network.frontends.torch_trace import _contiguous_batch_norm

    bn = torch.nn.BatchNorm1d(4, affine=affine).to(device)
    op = torch.ops.aten._native_batch_norm_legit_no_training.default
    x, mode = _symbolic(torch, sizes, device)
    args = (x, bn.weight, bn.bias, bn.running_mean, bn.running_var, 0.1, 1e-5)
    with mode:
        fast = _contiguous_batch_norm(op, args, {})
        ref = _native_batch_norm_legit_no_training(*args)
    assert fast is not None
    assert all(_same_meta(torch, a, b) for a, b in zip(fast, ref, strict=True))


@pytest.mark.parametrize("case", ["channels_last", "strided", "half", "channels"])
def test_eval_batch_norm_of_anything_else_is_left_to_pytorch(case: str) -> None:
    torch = pytest.importorskip("torch")

    from symconv.network.frontends.torch_trace import _contiguous_batch_norm

    bn = torch.nn.BatchNorm2d(6 if case == "channels" else 4).to("meta")
    layout = case if case in ("channels_last", "strided") else "contiguous"
    x, mode = _symbolic(torch, (1, 4, 6, 8), "meta", layout=layout,
                        dtype=torch.float16 if case == "half" else None)
    if case == "half":
        bn = bn.half()
    op = torch.ops.aten._native_batch_norm_legit_no_training.default
    with mode:
        assert _contiguous_batch_norm(
            op, (x, bn.weight, bn.bias, bn.running_mean, bn.running_var, 0.1, 1e-5), {}) is None


def test_a_batch_norm_decides_nothing_on_the_sizes() -> None:
    """PyTorch's decomposition of an eval BatchNorm, and the fake-tensor cache, record guards
    on sizes equal to 1 (and products of them) whose outcome changes nothing: each split a
    ResNet's sizes into 49 paths where 36 are. The trace of a convolution then a BatchNorm
    decides exactly what the convolution alone does."""
    pytest.importorskip("torch")
    from torch import nn

    from symconv.network.frontends.torch_trace import Tracer

    conv = nn.Conv2d(3, 4, 1, stride=2)
    alone = Tracer(nn.Sequential(conv).eval(), 3, ("H", "W")).trace((8, 8))
    both = Tracer(nn.Sequential(conv, nn.BatchNorm2d(4)).eval(), 3, ("H", "W")).trace((8, 8))
    assert both.valid
    assert set(both.guards) == set(alone.guards)
    assert both.outputs == alone.outputs


@pytest.mark.parametrize("mask", [(1, 1, 4, 4), (2, 1, 4, 4), (4, 4), (1, 1, 1, 4), (3, 1, 1),
                                  (1, 1, 1, 1, 4)])
@pytest.mark.parametrize("boolean", [False, True])
def test_an_attention_mask_refuses_where_the_eager_kernel_does(
        mask: tuple[int, ...], boolean: bool) -> None:
    """CPU attention adds its mask in place (it may not grow q·kᵀ); PyTorch's fake tensors add
    it out of place, and called a mask of a larger batch valid. Each size answers as the CPU,
    message and all."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from symconv.network.frontends.torch_trace import Tracer

    class Attend(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mask", torch.zeros(mask, dtype=torch.bool if boolean
                                                      else torch.float32))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            q = x.flatten(2).transpose(1, 2)[:, None]  # (1, 1, H·W, C): one head of H·W tokens
            return nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=self.mask)

    net = Attend().eval()
    tracer = Tracer(net, 3, ("H", "W"))
    for h in range(1, 4):
        for w in range(1, 5):
            try:
                with torch.no_grad():
                    net(torch.zeros(1, 3, h, w))
                real = ""
            except RuntimeError as exc:
                real = str(exc).splitlines()[0]
            symbolic, numbers = tracer.trace((h, w)), tracer.trace((h, w), symbolic=False)
            assert symbolic.valid == numbers.valid == (real == ""), (h, w, real)
            assert eager_wording(numbers.message) == real, (h, w)


def test_what_a_forward_keeps_on_its_module_does_not_reach_the_next_trace() -> None:
    """YOLO's Detect head keeps the input's shape and the anchors it made for it: a trace
    left its own symbolic tensors there, and the next trace (same symbol names, another
    ShapeEnv) took them as current and refused sizes the CPU runs. Each trace starts from the
    model as it was built; every size answers as a fresh CPU forward."""
    torch = pytest.importorskip("torch")
    from torch import nn

    from symconv.network.traced import study_model

    class Cached(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.shape: Any = None
            self.grid = torch.empty(0)
            self.seen: list[Any] = []

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.seen.append(x.shape[-1])
            if self.shape != x.shape:
                self.grid = torch.arange(x.shape[-2] * x.shape[-1], dtype=x.dtype).view(
                    x.shape[-2], x.shape[-1])
                self.shape = x.shape
            return nn.functional.max_pool2d(x, 2) + self.grid[::2, ::2][:x.shape[-2] // 2,
                                                                      :x.shape[-1] // 2]

    net = Cached().eval()
    st = study_model(net, name="cached", rank=2, jobs=1)
    assert net.shape is None
    assert net.seen == []
    assert net.grid.numel() == 0
    for h in range(1, 7):
        for w in range(1, 7):
            try:
                with torch.no_grad():
                    Cached().eval()(torch.zeros(1, 3, h, w))
                real = True
            except RuntimeError:
                real = False
            assert st.answer_at((h, w)).valid == real, (h, w)
