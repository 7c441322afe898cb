"""The original U-Net (Ronneberger, Fischer and Brox, 2015, figure 1): unpadded 3×3
convolutions, 2×2 max pooling, 2×2 up-convolutions, and each skip connection center-cropped to
the upsampled tensor's size by slicing before the concatenation. A 572×572 input gives a
388×388 output. The same network as the spec examples/networks/unet-2015.toml.

    symconv network --torch examples/networks/unet_2015.py:UNet2015 --channels 1
"""

from __future__ import annotations

import torch
from torch import nn


def double_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=3),
        nn.ReLU(inplace=True),
    )


def center_crop(skip: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    top = (skip.size(2) - like.size(2)) // 2
    left = (skip.size(3) - like.size(3)) // 2
    return skip[:, :, top:top + like.size(2), left:left + like.size(3)]


class UNet2015(nn.Module):
    def __init__(self, in_channels: int = 1, n_classes: int = 2) -> None:
        super().__init__()
        widths = [64, 128, 256, 512, 1024]
        self.down = nn.ModuleList()
        channels = in_channels
        for width in widths:
            self.down.append(double_conv(channels, width))
            channels = width
        self.pool = nn.MaxPool2d(2)
        self.upconv = nn.ModuleList()
        self.up = nn.ModuleList()
        for width in reversed(widths[:-1]):
            self.upconv.append(nn.ConvTranspose2d(channels, width, kernel_size=2, stride=2))
            self.up.append(double_conv(2 * width, width))
            channels = width
        self.out = nn.Conv2d(channels, n_classes, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            if i:
                x = self.pool(x)
            x = block(x)
            skips.append(x)
        skips.pop()
        for upconv, block in zip(self.upconv, self.up):
            x = upconv(x)
            x = block(torch.cat([center_crop(skips.pop(), x), x], dim=1))
        return self.out(x)


if __name__ == "__main__":
    print(tuple(UNet2015().eval()(torch.zeros(1, 1, 188, 188)).shape))
