"""PyTorch's same computations as the loss benchmarks (`cargo bench -p slope-explore --bench
figures -- "sweep_1e6|epoch_1000000"`), for docs/performance.md: the loss of the line for
1,000 weights over N = 1,000,000 points (f32, in chunks of 50 weights, as a (50, N) table is
the most that stays in memory comfortably), and one full-batch training epoch (forward, loss,
backward, SGD step), under MSE, L1 and Huber, on 2 threads.

    python scripts/torch_losses.py
"""
import time

import torch

torch.set_num_threads(2)
n, k = 1_000_000, 1000
g = torch.Generator().manual_seed(1)
x = torch.randn(n, generator=g) * 10
y = 2 * x + 3 * torch.randn(n, generator=g)
weights = torch.linspace(-1, 2, k)
losses = {
    "mse": torch.nn.MSELoss(reduction="none"),
    "l1": torch.nn.L1Loss(reduction="none"),
    "huber": torch.nn.HuberLoss(reduction="none"),
}


def median(f, runs):
    f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


for name, loss in losses.items():
    def sweep():
        for w in weights.split(50):
            loss(w[:, None] * x[None, :], y[None, :].expand(len(w), n)).mean(1)

    with torch.no_grad():
        t = median(sweep, 3)
    print(f"sweep 1e6 x 1000 {name}: {t * 1e3:.0f} ms, {n * k / t / 1e9:.2f} G eval/s")
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=1e-4)
    mean = {"mse": torch.nn.MSELoss(), "l1": torch.nn.L1Loss(), "huber": torch.nn.HuberLoss()}[name]

    def epoch():
        opt.zero_grad()
        mean(w * x + b, y).backward()
        opt.step()

    print(f"epoch 1e6 {name}: {median(epoch, 20) * 1e3:.2f} ms")
