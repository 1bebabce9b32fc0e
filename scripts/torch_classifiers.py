"""PyTorch's same computations as the classifier benchmarks (`cargo bench -p slope-explore
--bench figures -- "logistic_1e6|mlp_1e4"`), for docs/performance.md, on 2 threads, f32:

- one full-batch epoch of logistic regression on 1,000,000 points of two features
  (nn.Linear(2, 1), BCEWithLogitsLoss, backward, an SGD step), and the accuracy of the epoch;
- one full-batch epoch of an MLP 2-16-16-1 (tanh) on 10,000 points (BCEWithLogitsLoss, Adam),
  and the accuracy;
- with `--whole CSV` (`explore gen --kind blobs --classes 2 --n 1000000 --out blobs1m.csv`),
  only the whole run as `explore train --data blobs1m.csv --x x1,x2 --model logistic
  --epochs 100 --lr 0.5 --format csv` does it: read the table (pandas), train, write a row an
  epoch; with `--whole CSV mlp`, as `explore train --data CSV --x x1,x2 --model mlp
  --loss bce-logits --optimizer adam --lr 0.01 --epochs 100 --format csv` does it. Time the
  whole process from outside.

    python scripts/torch_classifiers.py
    python scripts/torch_classifiers.py --whole blobs1m.csv
    python scripts/torch_classifiers.py --whole blobs10k.csv mlp
"""
import sys
import time

import torch

torch.set_num_threads(2)


def median(f, runs):
    f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def blobs(n, g):
    # Two blobs as `explore gen --kind blobs --classes 2` draws them: centres in [-10, 10]^2.
    centres = torch.rand(2, 2, generator=g) * 20 - 10
    labels = torch.arange(n) % 2
    x = centres[labels] + torch.randn(n, 2, generator=g)
    return x, labels.float().unsqueeze(1)


def epoch_of(model, x, y, opt):
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def epoch():
        opt.zero_grad()
        z = model(x)
        loss = loss_fn(z, y)
        loss.backward()
        opt.step()
        return loss.item(), ((z >= 0).float() == y).float().mean().item()

    return epoch


def whole(path, kind):
    import pandas

    table = pandas.read_csv(path)
    x = torch.tensor(table[["x1", "x2"]].to_numpy(), dtype=torch.float32)
    y = torch.tensor(table["label"].to_numpy(), dtype=torch.float32).unsqueeze(1)
    if kind == "mlp":
        model = torch.nn.Sequential(
            torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
            torch.nn.Linear(16, 1),
        )
        epoch = epoch_of(model, x, y, torch.optim.Adam(model.parameters(), lr=0.01))
        print("epoch,loss,accuracy")
        for k in range(101):
            print(k, *epoch(), sep=",")
        return
    layer = torch.nn.Linear(2, 1)
    torch.nn.init.zeros_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    epoch = epoch_of(layer, x, y, torch.optim.SGD(layer.parameters(), lr=0.5))
    print("epoch,w.x1,w.x2,bias,loss,accuracy")
    for k in range(101):
        w = layer.weight.detach().flatten().tolist()
        b = layer.bias.item()
        loss, accuracy = epoch()
        print(k, *w, b, loss, accuracy, sep=",")


if len(sys.argv) in (3, 4) and sys.argv[1] == "--whole":
    whole(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "logistic")
    sys.exit(0)

g = torch.Generator().manual_seed(1)
x, y = blobs(1_000_000, g)
layer = torch.nn.Linear(2, 1)
epoch = epoch_of(layer, x, y, torch.optim.SGD(layer.parameters(), lr=0.1))
print(f"logistic epoch, N = 1e6, d = 2: {median(epoch, 30) * 1e3:.2f} ms")

x, y = blobs(10_000, g)
mlp = torch.nn.Sequential(
    torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
    torch.nn.Linear(16, 1),
)
epoch = epoch_of(mlp, x, y, torch.optim.Adam(mlp.parameters(), lr=0.01))
print(f"mlp 2-16-16-1 tanh epoch, N = 1e4, Adam: {median(epoch, 200) * 1e6:.0f} µs")
