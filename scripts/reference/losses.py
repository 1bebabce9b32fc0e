"""PyTorch's values and gradients for every loss slope has: prints the case table of
crates/loss/tests/pytorch.rs. Run once with PyTorch installed (outside the project):

    python scripts/reference/losses.py > /tmp/cases.rs
"""
import torch

nn = torch.nn
D = [-1.0, 0.0, 2.5, -1.0, 1.0, 2.0, 4.0, -0.25]
PRED = [0.5, -1.25, 3.0, 2.0, -0.75, 1.0, 4.25, 0.125]
TARGET = [p - d for p, d in zip(PRED, D)]
PROB = [0.0, 1.0, 0.5, 0.2, 0.9999, 1e-30, 0.7, 1.0, 0.0]
LABEL = [0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.3, 0.0, 1.0]
LOGIT = [100.0, -100.0, 0.0, 2.5, -3.0, 30.0, -0.5, -100.0, 100.0]
LOGIT_Y = [1.0, 1.0, 0.0, 0.5, 0.0, 1.0, 0.25, 0.0, 0.0]
CE_X = [[1.0, 2.0, 0.5], [100.0, -100.0, 0.0], [0.3, -0.2, 0.1], [-1.5, 0.0, 2.0], [0.0, 0.0, 0.0]]
CE_T = [0, 2, -100, 1, 2]

CASES = [
    ("mse", "", nn.MSELoss, {}, PRED, TARGET),
    ("l1", "", nn.L1Loss, {}, PRED, TARGET),
    ("huber", "delta: Some(1.0)", nn.HuberLoss, {"delta": 1.0}, PRED, TARGET),
    ("huber", "delta: Some(2.5)", nn.HuberLoss, {"delta": 2.5}, PRED, TARGET),
    ("smooth-l1", "beta: Some(1.0)", nn.SmoothL1Loss, {"beta": 1.0}, PRED, TARGET),
    ("smooth-l1", "beta: Some(0.5)", nn.SmoothL1Loss, {"beta": 0.5}, PRED, TARGET),
    ("smooth-l1", "beta: Some(0.0)", nn.SmoothL1Loss, {"beta": 0.0}, PRED, TARGET),
    ("bce", "", nn.BCELoss, {}, PROB, LABEL),
    ("bce-logits", "", nn.BCEWithLogitsLoss, {}, LOGIT, LOGIT_Y),
    ("bce-logits", "pos_weight: Some(3.0)", nn.BCEWithLogitsLoss, {"pos_weight": 3.0}, LOGIT, LOGIT_Y),
    ("cross-entropy", "", nn.CrossEntropyLoss, {}, CE_X, CE_T),
    ("cross-entropy", "label_smoothing: Some(0.1)", nn.CrossEntropyLoss, {"label_smoothing": 0.1}, CE_X, CE_T),
]


def rust(v):
    return "[" + ", ".join(repr(float(x)) for x in v) + "]"


for dtype, dname in [(torch.float32, "F32"), (torch.float64, "F64")]:
    for name, params, module, kwargs, pred, target in CASES:
        out = {}
        for reduction in ["mean", "sum", "none"]:
            kw = dict(kwargs)
            if "pos_weight" in kw:
                kw["pos_weight"] = torch.tensor([kw["pos_weight"]], dtype=dtype)
            p = torch.tensor(pred, dtype=dtype, requires_grad=True)
            if name == "cross-entropy":
                t = torch.tensor(target, dtype=torch.int64)
            else:
                t = torch.tensor(target, dtype=dtype)
            loss = module(reduction=reduction, **kw)(p, t)
            loss.backward(torch.ones_like(loss))
            out[reduction] = (loss.detach().flatten().tolist(), p.grad.flatten().tolist())
        shape = list(torch.tensor(pred).shape)
        print(f"    Case {{ loss: {name!r}, params: Params {{ {params}{', ' if params else ''}..NONE }}, dtype: {dname},".replace("'", '"'))
        print(f"        shape: &{shape}, pred: &{rust(torch.tensor(pred, dtype=torch.float64).flatten())}, target: &{rust(torch.tensor(target, dtype=torch.float64).flatten())},")
        print(f"        mean: {out['mean'][0][0]!r}, sum: {out['sum'][0][0]!r}, none: &{rust(out['none'][0])},")
        print(f"        grad_mean: &{rust(out['mean'][1])},")
        print(f"        grad_sum: &{rust(out['sum'][1])} }},")
