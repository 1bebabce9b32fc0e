"""The learning-rate (and momentum) sequences of PyTorch's schedulers, for
crates/explore/tests/schedule.rs: base lr 0.1, SGD with momentum 0.9 (Adam for onecycle's β1),
201 rates each (after 0..=200 calls of step()), printed as a few steps, their sum and sum of
squares. `python scripts/reference/schedules.py` (PyTorch 2.15)."""
import math
import torch

STEPS = 200
PICK = [0, 1, 2, 9, 10, 11, 29, 30, 50, 99, 150, 199, 200]


def run(make, opt="sgd", losses=None, momentum=False):
    p = torch.nn.Parameter(torch.zeros(1))
    o = (torch.optim.SGD([p], lr=0.1, momentum=0.9) if opt == "sgd"
         else torch.optim.Adam([p], lr=0.1))
    s = make(o)
    lrs, moms = [s.get_last_lr()[0] if hasattr(s, "get_last_lr") else o.param_groups[0]["lr"]], []
    key = "momentum" if opt == "sgd" else "betas"
    m = lambda: o.param_groups[0][key] if opt == "sgd" else o.param_groups[0][key][0]
    moms.append(m())
    for e in range(STEPS):
        o.step()
        if losses is not None:
            s.step(losses[e])
        else:
            s.step()
        lrs.append(o.param_groups[0]["lr"])
        moms.append(m())
    return lrs, moms


def show(name, seq):
    print(f"{name}: " + ", ".join(f"({k}, {seq[k]!r})" for k in PICK)
          + f"; sum {sum(seq)!r}; squares {sum(v * v for v in seq)!r}")


S = torch.optim.lr_scheduler
cases = {
    "constant": lambda o: S.ConstantLR(o, factor=1.0, total_iters=0),
    "step": lambda o: S.StepLR(o, step_size=30, gamma=0.1),
    "multistep": lambda o: S.MultiStepLR(o, milestones=[30, 80, 150], gamma=0.5),
    "exponential": lambda o: S.ExponentialLR(o, gamma=0.98),
    "cosine": lambda o: S.CosineAnnealingLR(o, T_max=200, eta_min=0.001),
    "cosine_past_t_max": lambda o: S.CosineAnnealingLR(o, T_max=70),
    "linear": lambda o: S.LinearLR(o, start_factor=1 / 3, end_factor=1.0, total_iters=50),
    "warmup_cosine": lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
                                                  S.CosineAnnealingLR(o, T_max=190)], milestones=[10]),
    "warmup_step": lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=1 / 3, total_iters=5),
                                                S.StepLR(o, step_size=30, gamma=0.1)], milestones=[5]),
}
for name, make in cases.items():
    show(name, run(make)[0])
for opt in ["sgd", "adam"]:
    lrs, moms = run(lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=201), opt=opt)
    show(f"onecycle_{opt}", lrs)
    show(f"onecycle_{opt}_momentum", moms)
# Plateau, fed a fixed sequence: falling, then flat with noise, then falling again.
losses = [1.0 / (1 + e) if e < 40 else 0.025 + 0.001 * math.sin(e) if e < 120 else 0.02 - 1e-4 * e for e in range(STEPS)]
show("plateau", run(lambda o: S.ReduceLROnPlateau(o), losses=losses)[0])
show("plateau_cooldown", run(lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=3, cooldown=5, min_lr=0.004), losses=losses)[0])
