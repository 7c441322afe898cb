"""An encoder-decoder with transposed convolutions and residual additions (as in RED-Net and
FCN-style decoders): strided convolutions down, ``ConvTranspose2d`` with ``output_padding`` up,
one up-step told its ``output_size`` from the skip it meets, and the skips added (PyTorch's
``add`` broadcasts: a size-1 axis meets any size).

    symconv network --torch examples/networks/residual_transposed.py:ResidualTransposed
"""

from __future__ import annotations

import torch
from torch import nn


class ResidualTransposed(nn.Module):
    def __init__(self, in_channels: int = 3, width: int = 8) -> None:
        super().__init__()
        self.enc1 = nn.Conv2d(in_channels, width, 3, stride=2, padding=1)
        self.enc2 = nn.Conv2d(width, 2 * width, 3, stride=2, padding=1)
        self.enc3 = nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1)
        self.dec3 = nn.ConvTranspose2d(4 * width, 2 * width, 3, stride=2, padding=1,
                                       output_padding=1)
        self.dec2 = nn.ConvTranspose2d(2 * width, width, 3, stride=2, padding=1)
        self.dec1 = nn.ConvTranspose2d(width, in_channels, 4, stride=2, padding=1)
        self.refine = nn.Conv2d(in_channels, in_channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = torch.relu(self.enc1(x))
        e2 = torch.relu(self.enc2(e1))
        e3 = torch.relu(self.enc3(e2))
        d2 = torch.relu(self.dec3(e3)) + e2
        d1 = torch.relu(self.dec2(d2, output_size=e1.size())) + e1
        y = self.dec1(d1)
        return self.refine(y) + y


if __name__ == "__main__":
    print(tuple(ResidualTransposed().eval()(torch.zeros(1, 3, 64, 64)).shape))
