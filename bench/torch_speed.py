#!/usr/bin/python3
"""PyTorch's speed on the reference net (the same network as tests/torch/compare.py, dropout
0.1, SGD with Nesterov momentum): training and inference images/s at a batch size, median of
--reps timed slices of --steps steps after a warm-up. Prints one JSON line."""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "torch"))
from designs import REFERENCE, DesignNet  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch", type=int, default=128)
ap.add_argument("--reps", type=int, default=7)
ap.add_argument("--steps", type=int, default=10)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)


class SpeedNet(DesignNet):
    """The reference net (tests/torch/designs.py) with PyTorch's own dropout (p = 0.1) after every
    conv block, as in training."""

    def __init__(self):
        super().__init__(REFERENCE)

    def forward(self, x):
        for step in self.plan:
            if step[0] == "conv":
                y = getattr(self, f"conv{step[1]}")(x)
                x = F.dropout(F.relu(getattr(self, f"bn{step[1]}")(y) if step[2] else y), 0.1, self.training)
            elif step[0] == "pool":
                x = F.max_pool2d(x, 2)
            elif step[0] == "gap":
                x = x.mean(dim=(2, 3), keepdim=True)
            elif step[0] == "flat":
                x = torch.flatten(x, 1)
            else:
                return getattr(self, step[1])(torch.flatten(x, 1))
        raise AssertionError("the reference net ends in fc10")


model = SpeedNet().train()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
x = torch.randn(a.batch, 1, 28, 28)
y = torch.randint(0, 10, (a.batch,))


def step():
    opt.zero_grad()
    F.nll_loss(F.log_softmax(model(x), dim=1), y).backward()
    opt.step()


for _ in range(3):
    step()
train = []
for _ in range(a.reps):
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    train.append(a.steps * a.batch / (time.perf_counter() - t0))
model.eval()
xi = torch.randn(1024, 1, 28, 28)
infer = []
with torch.no_grad():
    model(xi)
    for _ in range(a.reps):
        t0 = time.perf_counter()
        model(xi)
        infer.append(1024 / (time.perf_counter() - t0))
print(json.dumps({"threads": torch.get_num_threads(), "batch": a.batch, "reps": a.reps, "version": torch.__version__,
                  "train_images_per_s": statistics.median(train), "infer_images_per_s": statistics.median(infer),
                  "train_samples": [round(v) for v in train]}))
