//! The least-squares plane on several features against NumPy's `lstsq` (f64), computed once by
//! `scripts/reference/least_squares.py`:
//!
//! ```python
//! A = np.hstack([X, np.ones((len(y), 1))]); sol = np.linalg.lstsq(A, y, rcond=None)[0]
//! Z = (X - X.mean(0)) / X.std(0); ev = np.linalg.eigvalsh(Z.T @ Z / len(y))
//! kappa = np.sqrt(ev.max() / ev.min())
//! ```

use model::least_squares;

const X: [[f64; 3]; 12] = [
    [0.5, 1.0, -2.0],
    [1.5, -0.5, 0.3],
    [-1.0, 0.3, 1.1],
    [2.0, 1.5, -0.7],
    [-0.5, -1.2, 0.4],
    [0.2, 0.1, 2.2],
    [1.1, 0.9, -1.5],
    [-1.5, 0.8, 0.9],
    [0.7, -0.3, 0.0],
    [1.9, 2.1, -0.2],
    [-0.8, -0.4, 1.7],
    [0.3, 1.6, -0.9],
];
const Y: [f64; 12] = [1.2, 3.4, -0.5, 4.1, 0.2, 1.9, 2.2, -1.1, 1.4, 5.0, 0.1, 1.3];

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1.0)
}

#[test]
fn equals_numpy_lstsq_on_well_conditioned_data() {
    let x: Vec<f64> = X.iter().flatten().copied().collect();
    let ls = least_squares(&x, &Y, 3);
    let want = [1.6805966804617951, 0.29364283842660155, 0.4052335100174753];
    for (g, w) in ls.weights.iter().zip(want) {
        assert!(close(*g, w, 1e-9), "{g} vs {w}");
    }
    assert!(close(ls.bias, 0.7955065246857028, 1e-9), "{}", ls.bias);
    assert!(close(ls.loss, 0.06557348876565051, 1e-9), "{}", ls.loss);
    assert!(
        close(ls.condition, 2.0824642213839355, 1e-9),
        "{}",
        ls.condition
    );
    assert!(ls.collinear.is_empty() && ls.constant.is_empty());
    // The features' units do not change the plane: x1 in thousands, the weight a thousandth.
    let scaled: Vec<f64> = X.iter().flat_map(|r| [r[0] * 1000.0, r[1], r[2]]).collect();
    let big = least_squares(&scaled, &Y, 3);
    assert!(close(big.weights[0] * 1000.0, want[0], 1e-9));
    assert!(close(big.condition, ls.condition, 1e-9));
}

#[test]
fn collinear_columns_give_the_minimum_norm_plane_and_are_named() {
    // x3 = x1 + 2·x2: many planes fit as well; NumPy's predictions and loss are unique.
    let x: Vec<f64> = X
        .iter()
        .flat_map(|r| [r[0], r[1], r[0] + 2.0 * r[1]])
        .collect();
    let ls = least_squares(&x, &Y, 3);
    assert!(close(ls.loss, 0.2156601059973655, 1e-9), "{}", ls.loss);
    let first = ls.weights[0] * X[0][0] + ls.weights[1] * X[0][1] + ls.weights[2] * x[2] + ls.bias;
    assert!(close(first, 1.8603155516688532, 1e-9), "{first}");
    assert!(ls.condition.is_infinite());
    assert_eq!(ls.collinear.len(), 1);
    // The constant combination involves all three standardized columns.
    assert!(
        ls.collinear[0].iter().all(|c| c.abs() > 0.1),
        "{:?}",
        ls.collinear
    );
    // The minimum-norm answer in the standardized features is finite and small.
    assert!(ls.weights.iter().all(|w| w.is_finite() && w.abs() < 10.0));
}

#[test]
fn a_constant_column_is_named_and_left_at_zero() {
    let x: Vec<f64> = X.iter().flat_map(|r| [r[0], 7.0, r[2]]).collect();
    let ls = least_squares(&x, &Y, 3);
    assert_eq!(ls.constant, [1]);
    assert_eq!(ls.weights[1], 0.0);
    assert!(ls.loss.is_finite() && ls.condition.is_finite());
    // A column of 0.1s is constant too, though its mean rounds (its spread is not exactly 0).
    let tenths: Vec<f64> = X.iter().take(7).flat_map(|r| [r[0], 0.1, r[2]]).collect();
    let ls7 = least_squares(&tenths, &Y[..7], 3);
    assert_eq!((ls7.constant.clone(), ls7.weights[1]), (vec![1], 0.0));
    // It fits as the two varying columns alone do.
    let two: Vec<f64> = X.iter().flat_map(|r| [r[0], r[2]]).collect();
    let alone = least_squares(&two, &Y, 2);
    assert!(close(ls.loss, alone.loss, 1e-12));
}
