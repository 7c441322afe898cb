"""An encoder-decoder with residual additions: strided 3×3 convolutions down, transposed 3×3/2
convolutions (padding 1, output_padding 1) back up, and each decoder stage added to the encoder
tensor of the same level: the PyTorch form of the spec examples/networks/transposed-residual.toml.
PyTorch broadcasts an add, so a size-1 axis meets any size: besides the multiples of 4, H = 1
lines up too.

    symconv network --torch examples/networks/transposed_residual.py:TransposedResidual
"""

from __future__ import annotations

import torch
from torch import nn


class TransposedResidual(nn.Module):
    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.stem = nn.Conv2d(in_channels, 32, 3, padding=1)
        self.down1 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.down2 = nn.Conv2d(64, 128, 3, stride=2, padding=1)
        self.res = nn.Conv2d(128, 128, 3, padding=1)
        self.up1 = nn.ConvTranspose2d(128, 64, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
        self.head = nn.Conv2d(32, 3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.relu(self.stem(x))
        d1 = torch.relu(self.down1(s))
        d2 = torch.relu(self.down2(d1))
        y = self.res(d2) + d2
        y = torch.relu(self.up1(y) + d1)
        y = self.up2(y) + s
        return self.head(y)


if __name__ == "__main__":
    print(tuple(TransposedResidual().eval()(torch.zeros(1, 3, 64, 64)).shape))
