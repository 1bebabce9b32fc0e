"""Training runs with a schedule, step for step, for crates/explore/tests/cli_schedule.rs: the
line y = A·x + b (nn.Linear(1, 1) from A = b = 0) on data/linear.csv in f64 under MSE, each row
the parameters after e epochs, the whole data's loss there and the rate of the next update
(get_last_lr). `python scripts/reference/scheduled_training.py` (PyTorch 2.15)."""
import csv
import torch

torch.set_default_dtype(torch.float64)
rows = list(csv.DictReader(open("data/linear.csv")))
X = torch.tensor([[float(r["x"])] for r in rows])
Y = torch.tensor([[float(r["y"])] for r in rows])


def run(name, make_opt, make_sched, epochs, batch, per_batch):
    model = torch.nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    opt = make_opt(model.parameters())
    sched = make_sched(opt, epochs * ((len(X) + batch - 1) // batch))
    loss = torch.nn.MSELoss()

    def row(e):
        with torch.no_grad():
            l = loss(model(X), Y).item()
        print(f"{name} {e} {model.weight.item()!r} {model.bias.item()!r} {l!r} "
              f"{sched.get_last_lr()[0]!r}")

    row(0)
    for e in range(1, epochs + 1):
        for i in range(0, len(X), batch):
            opt.zero_grad()
            loss(model(X[i:i + batch]), Y[i:i + batch]).backward()
            opt.step()
            if per_batch:
                sched.step()
        if not per_batch:
            sched.step()
        row(e)


# SGD with momentum, one cycle over 5 epochs of 4 batches of 25, stepped every batch.
run("onecycle",
    lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
    lambda o, total: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.01, total_steps=total),
    5, 25, True)
# Adam, 3 epochs of linear warm-up from a third, then cosine over the 9 left, every epoch.
run("warmup-cosine",
    lambda p: torch.optim.Adam(p, lr=0.5),
    lambda o, total: torch.optim.lr_scheduler.SequentialLR(o, [
        torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 3, total_iters=3),
        torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=9)], milestones=[3]),
    12, 100, False)
