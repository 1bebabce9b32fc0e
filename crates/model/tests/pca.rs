//! Principal components of standardized features against NumPy.

use model::principal_components;

/// Twelve points of three features (`scripts/reference/least_squares.py`'s).
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

/// NumPy 2.4:
///
/// ```python
/// Z = (X - X.mean(0)) / X.std(0); w, v = np.linalg.eigh(Z.T @ Z / len(Z))
/// # the two largest w, their columns of v signed so that the largest entry is positive
/// ```
#[test]
fn the_axes_and_shares_are_numpys() {
    let flat: Vec<f64> = X.iter().flatten().copied().collect();
    let pc = principal_components(&flat, 3, 2);
    let want = [
        (
            [-0.5690730759044527, -0.5617594635946435, 0.6004849201624499],
            0.6558543968366847,
        ),
        (
            [-0.6695003901878799, 0.7405213681730576, 0.05828662640246118],
            0.1929105939046001,
        ),
    ];
    for (k, (axis, share)) in want.iter().enumerate() {
        for (got, want) in pc.axes[k].iter().zip(axis) {
            assert!((got - want).abs() < 1e-12, "axis {k}: {:?}", pc.axes[k]);
        }
        assert!((pc.shares[k] - share).abs() < 1e-12, "share {k}");
    }
    let z = pc.project(&X[0]);
    assert!(
        (z[0] - -1.4198777902626163).abs() < 1e-12 && (z[1] - 0.21341579938016159).abs() < 1e-12
    );
    // A constant feature adds no variance and no axis leans on it.
    let with: Vec<f64> = X.iter().flat_map(|r| [r[0], 7.0, r[1], r[2]]).collect();
    let pc = principal_components(&with, 4, 2);
    assert!(pc.axes.iter().all(|a| a[1].abs() < 1e-12));
}
