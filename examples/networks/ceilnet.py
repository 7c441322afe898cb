"""A small fully convolutional net with ceil-mode pooling (as in GoogLeNet and SqueezeNet) and a
skip connection added after upsampling: the two paths meet only for some heights, and ceil mode's
"last window must start inside the input" rule decides which.

    symconv network --torch examples/networks/ceilnet.py:CeilNet
"""

from __future__ import annotations

import torch
from torch import nn


class CeilNet(nn.Module):
    def __init__(self, in_channels: int = 3, width: int = 16) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU())
        self.pool1 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.block = nn.Sequential(nn.Conv2d(width, 2 * width, 3), nn.ReLU())
        self.pool2 = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.pool3 = nn.AvgPool2d(3, stride=2, ceil_mode=True)
        self.up = nn.Upsample(scale_factor=4, mode="nearest")
        self.skip = nn.Conv2d(width, 2 * width, 1)
        self.head = nn.Conv2d(2 * width, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.pool1(self.stem(x))
        x2 = self.pool3(self.pool2(self.block(x1)))
        return self.head(self.up(x2) + self.skip(x1))


if __name__ == "__main__":
    print(tuple(CeilNet().eval()(torch.zeros(1, 3, 64, 64)).shape))
