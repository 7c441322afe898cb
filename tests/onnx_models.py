"""Small PyTorch models for the ONNX front-end's tests: each exercises what an export with
dynamic height and width writes into the graph (few channels: exports and runs stay fast)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


def _double(cin: int, cout: int, pad: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=pad), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=pad), nn.ReLU())


class PaddedUNet(nn.Module):
    """Padded convolutions, 2×2 max pools, transposed-conv upsampling, concatenated skips:
    runs exactly for H ≡ 0 (mod 2**depth)."""

    def __init__(self, depth: int = 4, width: int = 4) -> None:
        super().__init__()
        chans = [width * 2**n for n in range(depth + 1)]
        self.down = nn.ModuleList(_double(3 if n == 0 else chans[n - 1], chans[n], 1)
                                  for n in range(depth))
        self.bottom = _double(chans[depth - 1], chans[depth], 1)
        self.up = nn.ModuleList(nn.ConvTranspose2d(chans[n + 1], chans[n], 2, stride=2)
                                for n in reversed(range(depth)))
        self.merge = nn.ModuleList(_double(2 * chans[n], chans[n], 1)
                                   for n in reversed(range(depth)))
        self.head = nn.Conv2d(chans[0], 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips), strict=True):
            x = merge(torch.cat([skip, up(x)], 1))
        return self.head(x)


def center_crop(skip: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    dh = (skip.shape[2] - like.shape[2]) // 2
    dw = (skip.shape[3] - like.shape[3]) // 2
    return skip[:, :, dh:dh + like.shape[2], dw:dw + like.shape[3]]


class UNet2015(nn.Module):
    """The original U-Net: unpadded convolutions, skips center-cropped to the upsampled size
    (572 → 388 at depth 4)."""

    def __init__(self, depth: int = 4, width: int = 2) -> None:
        super().__init__()
        chans = [width * 2**n for n in range(depth + 1)]
        self.down = nn.ModuleList(_double(1 if n == 0 else chans[n - 1], chans[n], 0)
                                  for n in range(depth))
        self.bottom = _double(chans[depth - 1], chans[depth], 0)
        self.up = nn.ModuleList(nn.ConvTranspose2d(chans[n + 1], chans[n], 2, stride=2)
                                for n in reversed(range(depth)))
        self.merge = nn.ModuleList(_double(2 * chans[n], chans[n], 0)
                                   for n in reversed(range(depth)))
        self.head = nn.Conv2d(chans[0], 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips), strict=True):
            x = up(x)
            x = merge(torch.cat([center_crop(skip, x), x], 1))
        return self.head(x)


class PadToMatchUNet(nn.Module):
    """Upsample by 2 (nearest), pad the result to the skip's size (pads computed from both
    sizes), concatenate: the pattern of many public U-Nets; ceil-mode pooling on the way down."""

    def __init__(self, depth: int = 3, width: int = 4) -> None:
        super().__init__()
        chans = [width * 2**n for n in range(depth + 1)]
        self.down = nn.ModuleList(nn.Conv2d(3 if n == 0 else chans[n - 1], chans[n], 3,
                                            padding=1) for n in range(depth))
        self.bottom = nn.Conv2d(chans[depth - 1], chans[depth], 3, padding=1)
        self.merge = nn.ModuleList(nn.Conv2d(chans[n + 1] + chans[n], chans[n], 3, padding=1)
                                   for n in reversed(range(depth)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for conv in self.down:
            x = F.relu(conv(x))
            skips.append(x)
            x = F.max_pool2d(x, 2, ceil_mode=True)
        x = self.bottom(x)
        for merge, skip in zip(self.merge, reversed(skips), strict=True):
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            dh, dw = skip.shape[2] - x.shape[2], skip.shape[3] - x.shape[3]
            x = F.pad(x, [dw // 2, dw - dw // 2, dh // 2, dh - dh // 2])
            x = merge(torch.cat([skip, x], 1))
        return x


class ResizeToSkip(nn.Module):
    """Strided convolutions down, bilinear resize to the skip's size (sizes read off the
    graph), residual addition."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.b = nn.Conv2d(4, 4, 3, stride=2, padding=1)
        self.c = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.a(x)
        y = self.b(skip)
        y = F.interpolate(y, size=skip.shape[2:], mode="bilinear", align_corners=False)
        return self.c(y + skip)


class CeilNet(nn.Module):
    """Ceil-mode max and average pooling, with and without padding."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3)
        self.p1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.b = nn.Conv2d(4, 4, 3, padding=1)
        self.p2 = nn.MaxPool2d(2, 2, padding=1, ceil_mode=True)
        self.p3 = nn.MaxPool2d(3, 3, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.p3(self.p2(self.b(self.p1(self.a(x)))))


class DilatedNet(nn.Module):
    """Dilated convolutions with and without padding, a strided one, a dilated max pool."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, dilation=2)
        self.b = nn.Conv2d(4, 4, 3, dilation=3, padding=2, stride=2)
        self.p = nn.MaxPool2d(3, 2, dilation=2)
        self.c = nn.Conv2d(4, 4, 5, dilation=4, padding=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c(self.p(self.b(self.a(x))))


class TransposedResidual(nn.Module):
    """Down with strided convolutions, up with transposed convolutions (output_padding),
    residual additions across the scales."""

    def __init__(self) -> None:
        super().__init__()
        self.d1 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.d2 = nn.Conv2d(4, 4, 3, stride=2, padding=1)
        self.u2 = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)
        self.u1 = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.d1(x)
        b = self.d2(a)
        y = self.u2(b) + a
        y = self.u1(y) + x
        return y + self.pool(x)


class SmallClassifier(nn.Module):
    """VGG's pattern without the adaptive pool: convolutions and pools, then flatten and a
    Linear that fixes the features (valid for an interval of sizes)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(2 * 4 * 4, 8), nn.ReLU(), nn.Dropout(),
                                        nn.Linear(8, 5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


MODELS: dict[str, tuple[type[nn.Module], dict[str, Any]]] = {
    "padded_unet": (PaddedUNet, {}),
    "unet2015": (UNet2015, {}),
    "pad_to_match_unet": (PadToMatchUNet, {}),
    "resize_to_skip": (ResizeToSkip, {}),
    "ceil_net": (CeilNet, {}),
    "dilated_net": (DilatedNet, {}),
    "transposed_residual": (TransposedResidual, {}),
    "small_classifier": (SmallClassifier, {}),
}
CHANNELS = {"unet2015": 1}
