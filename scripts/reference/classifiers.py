# Reference values for crates/explore/tests/classify.rs: logistic and softmax regression trained
# full batch with PyTorch, from the same start, epoch by epoch. Run once with PyTorch 2.15 (f64):
#   python scripts/reference/classifiers.py
import torch
torch.set_default_dtype(torch.float64)

X2 = torch.tensor([[0.5, 1.0], [1.5, -0.5], [-1.0, 0.3], [2.0, 1.5], [-0.5, -1.2], [0.2, 0.1],
                   [1.1, 0.9], [-1.5, 0.8]])
Y2 = torch.tensor([1, 1, 0, 1, 0, 0, 0, 1])          # overlapping: a finite optimum
X3 = torch.tensor([[0.0, 2.0], [0.5, 1.5], [-0.3, 2.2], [2.0, -1.0], [1.6, -0.4], [2.2, -0.8],
                   [-2.0, -1.0], [-1.4, -1.3], [-1.8, -0.2], [0.4, 0.6]])
Y3 = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2, 1])

def run(x, y, outputs, make, loss_fn, epochs, keep):
    m = torch.nn.Linear(2, outputs)
    with torch.no_grad():
        m.weight.fill_(0.1); m.bias.fill_(0.0)
    opt = make(m.parameters())
    rows = {}
    for e in range(epochs + 1):
        opt.zero_grad()
        out = m(x)
        loss = loss_fn(out, y)
        pred = (out[:, 0] >= 0).long() if outputs == 1 else out.argmax(1)
        if e in keep:
            rows[e] = (m.weight.detach().flatten().tolist() + m.bias.detach().tolist(),
                       loss.item(), (pred == y).double().mean().item())
        loss.backward()
        if e < epochs:
            opt.step()
    return rows

bce = torch.nn.BCEWithLogitsLoss()
print("logistic, SGD lr 0.5:",
      run(X2, Y2, 1, lambda p: torch.optim.SGD(p, lr=0.5),
          lambda o, y: bce(o, y.double().unsqueeze(1)), 20, [0, 1, 5, 20]))
print("softmax, Adam lr 0.1:",
      run(X3, Y3, 3, lambda p: torch.optim.Adam(p, lr=0.1),
          torch.nn.CrossEntropyLoss(), 15, [0, 1, 15]))

# An MLP 2-4-1 tanh from the start slope's Mlp::new(&[2, 4, 1], Tanh, seed 3) draws (printed from
# its VarMap), BCEWithLogitsLoss, Adam lr 0.05, 10 steps full batch on the logistic data.
net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
with torch.no_grad():
    net[0].weight.copy_(torch.tensor([[0.13575139838919237, 0.43799052101209957],
                                      [-0.41815700909436526, -0.3973843545051512],
                                      [-0.30090567006363234, -0.3545766321845943],
                                      [0.43595934531930736, 0.6021698680220218]]))
    net[0].bias.copy_(torch.tensor([0.17390225523917946, -0.5921288183440325,
                                    -0.2505906347694593, -0.5888251237412231]))
    net[2].weight.copy_(torch.tensor([[0.24110695358811118, 0.30557420755805587,
                                       -0.26455544563566535, -0.26575975061105406]]))
    net[2].bias.copy_(torch.tensor([-0.0807264865230819]))
opt = torch.optim.Adam(net.parameters(), lr=0.05)
mlp_rows = {}
for e in range(11):
    opt.zero_grad()
    out = net(X2)
    loss = bce(out, Y2.double().unsqueeze(1))
    mlp_rows[e] = (loss.item(), ((out[:, 0] >= 0).long() == Y2).double().mean().item())
    loss.backward()
    if e < 10:
        opt.step()
print("mlp 2-4-1 tanh, Adam lr 0.05:", {e: mlp_rows[e] for e in [0, 1, 10]})

# Logistic regression in mini-batches of 3 in file order (DataLoader(shuffle=False)), SGD lr 0.5:
# after each epoch, the whole data's loss and the parameters.
m = torch.nn.Linear(2, 1)
with torch.no_grad():
    m.weight.fill_(0.1); m.bias.fill_(0.0)
opt = torch.optim.SGD(m.parameters(), lr=0.5)
batch_rows = {}
for e in range(6):
    with torch.no_grad():
        batch_rows[e] = (m.weight.flatten().tolist() + m.bias.tolist(),
                         bce(m(X2), Y2.double().unsqueeze(1)).item())
    if e == 5:
        break
    for s in range(0, 8, 3):
        opt.zero_grad()
        bce(m(X2[s:s+3]), Y2[s:s+3].double().unsqueeze(1)).backward()
        opt.step()
print("logistic, batches of 3 in file order, SGD lr 0.5:", {e: batch_rows[e] for e in [1, 5]})
