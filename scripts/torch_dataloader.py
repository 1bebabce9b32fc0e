#!/usr/bin/env python3
# The PyTorch baseline for the mini-batch row of the table in docs/performance.md: one epoch of
# DataLoader(batch_size=32, shuffle=True) + SGD over 1,000,000 points, three times.
# Run it in a virtual environment with torch installed (not a dependency of slope).
import time, torch
torch.manual_seed(0)
n = 1_000_000
x = torch.randn(n, 1) * 10; y = x + 3 * torch.randn(n, 1)
ds = torch.utils.data.TensorDataset(x, y)
dl = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)
m = torch.nn.Linear(1, 1); opt = torch.optim.SGD(m.parameters(), lr=1e-3)
lossf = torch.nn.MSELoss()
times = []
for epoch in range(3):
    t = time.perf_counter()
    for xb, yb in dl:
        opt.zero_grad(); loss = lossf(m(xb), yb); loss.backward(); opt.step()
    times.append(time.perf_counter() - t)
print("torch DataLoader(batch 32, shuffle) epoch seconds:", ["%.2f" % t for t in times], "threads", torch.get_num_threads())
