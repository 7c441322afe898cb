"""One network through the rest of what the PyTorch front-end reads: a convolution with reflect
padding, a dilated max pool, a ceil-mode average pool, nearest upsampling by an integer factor,
a transposed convolution told its ``output_size`` by the skip it meets, ``F.interpolate`` to a
skip's size, a residual add, a constant pad that crops, a size-dependent slice and an adaptive
pool before a ``view``.

    symconv network --torch examples/networks/assorted.py:Assorted
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Assorted(nn.Module):
    def __init__(self, in_channels: int = 3, width: int = 8) -> None:
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 5, padding=2, padding_mode="reflect")
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, dilation=2)
        self.avg = nn.AvgPool2d(3, stride=2, ceil_mode=True)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.down = nn.Conv2d(width, 2 * width, 3, stride=2, padding=1)
        self.back = nn.ConvTranspose2d(2 * width, width, 3, stride=2, padding=1)
        self.fuse = nn.Conv2d(2 * width, width, 1)
        self.classify = nn.Linear(width * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.relu(self.stem(x))
        p = self.pool(s)
        y = self.back(self.down(p), output_size=p.size())
        y = y + self.up(self.avg(p))
        z = F.interpolate(y, size=s.shape[2:], mode="bilinear", align_corners=False)
        z = torch.cat([z, s], dim=1)
        z = F.pad(self.fuse(z), (-1, -1, -1, -1))
        z = z[:, :, 1:z.size(2) - 1, :]
        z = F.adaptive_avg_pool2d(z, 4)
        return self.classify(z.view(z.size(0), -1))


if __name__ == "__main__":
    print(tuple(Assorted().eval()(torch.zeros(1, 3, 64, 64)).shape))
