#!/usr/bin/env python3
"""The PyTorch baselines of the landscape row of the table in docs/performance.md: the loss of an MLP 1-16-16-1
(tanh) on the 200 points of data/sine.csv over a 101 x 101 plane theta = c + a*d1 + b*d2,

  - one forward per grid point, parameters written into the model (Li et al.'s loss-landscape);
  - torch.func.vmap over the plane, functional_call of the model on each point's parameters.

Prints grid points per second for each, in float32 and float64. Run it in a virtual environment
with torch installed (not a dependency of slope):

    /tmp/torchenv/bin/python scripts/landscape_vmap.py
"""

import csv
import os
import time

import torch
from torch.func import functional_call, vmap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    with open(os.path.join(ROOT, "data", "sine.csv")) as f:
        rows = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(f)]
    steps = 101
    for dtype in (torch.float32, torch.float64):
        torch.manual_seed(0)
        x = torch.tensor([r[0] for r in rows], dtype=dtype).unsqueeze(1)
        y = torch.tensor([r[1] for r in rows], dtype=dtype).unsqueeze(1)
        net = torch.nn.Sequential(
            torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
            torch.nn.Linear(16, 1)).to(dtype)
        center = {k: v.detach().clone() for k, v in net.named_parameters()}
        d1 = {k: torch.randn_like(v) for k, v in center.items()}
        d2 = {k: torch.randn_like(v) for k, v in center.items()}
        axis = torch.linspace(-1, 1, steps, dtype=dtype)
        alphas, betas = torch.meshgrid(axis, axis, indexing="ij")
        alphas, betas = alphas.reshape(-1), betas.reshape(-1)

        # One forward per point: a tenth of the plane, the rate extrapolated.
        count = len(alphas) // 10
        start = time.perf_counter()
        with torch.no_grad():
            for a, b in zip(alphas[:count], betas[:count]):
                for (k, p) in net.named_parameters():
                    p.copy_(center[k] + a * d1[k] + b * d2[k])
                ((net(x) - y) ** 2).mean().item()
        loop = count / (time.perf_counter() - start)

        def loss_at(a, b):
            params = {k: center[k] + a * d1[k] + b * d2[k] for k in center}
            return ((functional_call(net, params, (x,)) - y) ** 2).mean()

        batched = vmap(loss_at)
        with torch.no_grad():
            batched(alphas[:100], betas[:100])  # warm up
            times = []
            for _ in range(3):
                start = time.perf_counter()
                batched(alphas, betas)
                times.append(time.perf_counter() - start)
        rate = len(alphas) / sorted(times)[1]
        print(f"{str(dtype):14} one forward per point: {loop:8.0f} points/s   "
              f"vmap over the plane: {rate:8.0f} points/s   (torch {torch.__version__}, "
              f"{torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
