"""PyTorch's numbers for `explore sweep/train --loss` on data/linear.csv and a labelled set:
the values pasted into crates/explore/tests/cli_loss.rs.

    python scripts/reference/cli_losses.py
"""
import csv

import torch

rows = list(csv.DictReader(open("data/linear.csv")))
x = torch.tensor([float(r["x"]) for r in rows], dtype=torch.float64)
y = torch.tensor([float(r["y"]) for r in rows], dtype=torch.float64)

# explore sweep --data data/linear.csv --loss huber --delta 2 --weights 0:3:4 --bias 0.5 --dtype f64
huber = torch.nn.HuberLoss(delta=2.0)
print("sweep huber", [huber(a * x + 0.5, y).item() for a in [0.0, 1.0, 2.0, 3.0]])


def train(loss_fn, opt, epochs, xs, ys):
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    o = opt([w, b])
    out = []
    for e in range(epochs + 1):
        loss = loss_fn(w * xs + b, ys)
        out.append((e, w.item(), b.item(), loss.item()))
        if e == epochs:
            break
        o.zero_grad()
        loss.backward()
        o.step()
    return out


# explore train --data data/linear.csv --loss l1 --optimizer sgd --lr 0.05 --epochs 3 --dtype f64
print("train l1", train(torch.nn.L1Loss(), lambda p: torch.optim.SGD(p, lr=0.05), 3, x, y))
# explore train --data data/linear.csv --loss smooth-l1 --beta 0.5 --optimizer adam --lr 0.1 --epochs 3 --dtype f64
print("train smooth-l1", train(torch.nn.SmoothL1Loss(beta=0.5), lambda p: torch.optim.Adam(p, lr=0.1), 3, x, y))
# explore train --point -2,0 --point -1,0 --point 0.5,1 --point 1,0 --point 2,1 --loss bce-logits --pos-weight 2
#   --optimizer sgd --lr 0.5 --epochs 3 --dtype f64
lx = torch.tensor([-2.0, -1.0, 0.5, 1.0, 2.0], dtype=torch.float64)
ly = torch.tensor([0.0, 0.0, 1.0, 0.0, 1.0], dtype=torch.float64)
bce = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0], dtype=torch.float64))
print("train bce-logits", train(bce, lambda p: torch.optim.SGD(p, lr=0.5), 3, lx, ly))
