# Reference values for crates/model/tests/least_squares.rs: NumPy's lstsq on [X, 1], in f64.
#   python scripts/reference/least_squares.py
import numpy as np
X = np.array([[0.5, 1.0, -2.0], [1.5, -0.5, 0.3], [-1.0, 0.3, 1.1], [2.0, 1.5, -0.7],
              [-0.5, -1.2, 0.4], [0.2, 0.1, 2.2], [1.1, 0.9, -1.5], [-1.5, 0.8, 0.9],
              [0.7, -0.3, 0.0], [1.9, 2.1, -0.2], [-0.8, -0.4, 1.7], [0.3, 1.6, -0.9]])
y = np.array([1.2, 3.4, -0.5, 4.1, 0.2, 1.9, 2.2, -1.1, 1.4, 5.0, 0.1, 1.3])
A = np.hstack([X, np.ones((len(y), 1))])
sol, res, rank, sv = np.linalg.lstsq(A, y, rcond=None)
print("weights", list(sol[:3]), "bias", sol[3], "mse", float(np.mean((A @ sol - y) ** 2)))
Z = (X - X.mean(0)) / X.std(0)
ev = np.linalg.eigvalsh(Z.T @ Z / len(y))
print("kappa", float(np.sqrt(ev.max() / ev.min())))
# Collinear: a third column that is x1 + 2·x2; the predictions and the loss are unique.
Xc = X.copy(); Xc[:, 2] = X[:, 0] + 2 * X[:, 1]
Ac = np.hstack([Xc, np.ones((len(y), 1))])
solc = np.linalg.lstsq(Ac, y, rcond=None)[0]
print("collinear mse", float(np.mean((Ac @ solc - y) ** 2)), "predictions", list(Ac @ solc))
