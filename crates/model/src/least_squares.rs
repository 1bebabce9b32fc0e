//! The least-squares plane `y = w·x + b` on several features, exactly: the minimum of MSE in
//! closed form, its conditioning, and what to do when columns are collinear.
//!
//! The features are centred and scaled to unit variance first (so that the answer does not
//! depend on their units), and the normal equations of the scaled design are solved through the
//! eigen-decomposition of its correlation matrix (Jacobi's method, exact to rounding for the
//! few features a table has). Its eigenvalues give the condition number κ of the scaled
//! design; a direction whose eigenvalue is below `1e-12` of the largest is a combination of
//! columns that is (nearly) constant, where the minimum is not unique. That direction is left
//! out, which gives the minimum-norm solution (NumPy's `lstsq` with `rcond`), and named.

/// The least-squares answer on several features.
#[derive(Debug, Clone, PartialEq)]
pub struct LeastSquares {
    /// One weight a feature, in the features' own units.
    pub weights: Vec<f64>,
    pub bias: f64,
    /// MSE at the answer.
    pub loss: f64,
    /// κ = √(λmax/λmin) of the standardized design's correlation matrix: 1 for uncorrelated
    /// features; infinite when columns are collinear.
    pub condition: f64,
    /// The combinations of the standardized features that are (nearly) constant on the data,
    /// each a unit vector over the features: empty when the answer is unique.
    pub collinear: Vec<Vec<f64>>,
    /// The features that are constant on the data (no spread to fit).
    pub constant: Vec<usize>,
}

/// Eigenvalues below this share of the largest are taken as zero.
const RCOND: f64 = 1e-12;

/// The least-squares plane through the `n` rows of `x` (row-major, `n × d`) and `y`.
pub fn least_squares(x: &[f64], y: &[f64], d: usize) -> LeastSquares {
    let n = y.len();
    let nf = n as f64;
    let column = |j: usize| x.iter().skip(j).step_by(d.max(1)).copied();
    let (mean, spread) = column_spread(x, d);
    let y_mean = y.iter().sum::<f64>() / nf;
    // Constant by its values, not by its spread: the mean of a column of 0.1s rounds, and its
    // spread comes out 1e-17, not 0.
    let constant: Vec<usize> = (0..d)
        .filter(|&j| {
            let first = x.get(j).copied().unwrap_or(0.0);
            column(j).all(|v| v == first) || !spread[j].is_finite()
        })
        .collect();
    // The standardized design Z over the features that vary, and its correlations Zᵀz/n.
    let active: Vec<usize> = (0..d).filter(|j| !constant.contains(j)).collect();
    let m = active.len();
    let z = |i: usize, a: usize| {
        let j = active[a];
        (x[i * d + j] - mean[j]) / spread[j]
    };
    let corr = correlation(x, d, (&mean, &spread), &active);
    let mut zy = vec![0.0; m];
    for (i, &yi) in y.iter().enumerate() {
        for (a, zy) in zy.iter_mut().enumerate() {
            *zy += z(i, a) * (yi - y_mean) / nf;
        }
    }
    let (values, vectors) = jacobi(&corr, m);
    let largest = values.iter().copied().fold(0.0f64, f64::max);
    // w_z = Σ over the kept eigenpairs of (vᵀ·Zᵀy/n / λ)·v: the minimum-norm solution.
    let mut wz = vec![0.0; m];
    let mut collinear = Vec::new();
    let mut smallest = f64::INFINITY;
    for (k, &value) in values.iter().enumerate() {
        let v: Vec<f64> = (0..m).map(|a| vectors[a * m + k]).collect();
        if !(largest > 0.0 && value > RCOND * largest) {
            let mut over_all = vec![0.0; d];
            for (a, &j) in active.iter().enumerate() {
                over_all[j] = v[a];
            }
            collinear.push(over_all);
            continue;
        }
        smallest = smallest.min(value);
        let along: f64 = v.iter().zip(&zy).map(|(a, b)| a * b).sum::<f64>() / value;
        for a in 0..m {
            wz[a] += along * v[a];
        }
    }
    let mut weights = vec![0.0; d];
    for (a, &j) in active.iter().enumerate() {
        weights[j] = wz[a] / spread[j];
    }
    let bias = y_mean - weights.iter().zip(&mean).map(|(w, m)| w * m).sum::<f64>();
    let loss = (0..n)
        .map(|i| {
            let p: f64 = (0..d).map(|j| weights[j] * x[i * d + j]).sum::<f64>() + bias;
            (y[i] - p).powi(2)
        })
        .sum::<f64>()
        / nf;
    let condition = if collinear.is_empty() && smallest.is_finite() {
        (largest / smallest).sqrt()
    } else {
        f64::INFINITY
    };
    LeastSquares {
        weights,
        bias,
        loss,
        condition,
        collinear,
        constant,
    }
}

/// Each column's mean and (population) spread over the rows of `x` (row-major, `n × d`).
pub(crate) fn column_spread(x: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let nf = (x.len() / d.max(1)) as f64;
    let column = |j: usize| x.iter().skip(j).step_by(d.max(1)).copied();
    let mean: Vec<f64> = (0..d).map(|j| column(j).sum::<f64>() / nf).collect();
    let spread = (0..d)
        .map(|j| (column(j).map(|v| (v - mean[j]).powi(2)).sum::<f64>() / nf).sqrt())
        .collect();
    (mean, spread)
}

/// The correlations `Zᵀz/n` (row-major, `m × m`) of the `columns` of `x` (`n × d`), each
/// standardized by its `mean` and `spread`.
pub(crate) fn correlation(
    x: &[f64],
    d: usize,
    (mean, spread): (&[f64], &[f64]),
    columns: &[usize],
) -> Vec<f64> {
    let (n, m) = (x.len() / d.max(1), columns.len());
    let nf = n as f64;
    let z = |i: usize, a: usize| {
        let j = columns[a];
        (x[i * d + j] - mean[j]) / spread[j]
    };
    let mut corr = vec![0.0; m * m];
    for i in 0..n {
        for a in 0..m {
            let za = z(i, a);
            for b in a..m {
                corr[a * m + b] += za * z(i, b) / nf;
            }
        }
    }
    for a in 0..m {
        for b in 0..a {
            corr[a * m + b] = corr[b * m + a];
        }
    }
    corr
}

/// The largest curvature of MSE over the plane `y = w·x + b` on the rows of `x` (row-major,
/// `n × d`): twice the largest eigenvalue of the second moments of `[x, 1]`, the Hessian's.
/// Gradient descent on MSE is stable for `lr < 2/λ`.
pub fn max_curvature(x: &[f64], d: usize) -> f64 {
    let n = x.len() / d.max(1);
    let k = d + 1;
    let at = |i: usize, a: usize| if a == d { 1.0 } else { x[i * d + a] };
    let mut m = vec![0.0; k * k];
    for i in 0..n {
        for a in 0..k {
            for b in 0..k {
                m[a * k + b] += at(i, a) * at(i, b) / n as f64;
            }
        }
    }
    let (values, _) = jacobi(&m, k);
    2.0 * values.into_iter().fold(0.0f64, f64::max)
}

/// The eigenvalues and eigenvectors (columns of a row-major `d × d` matrix) of the symmetric
/// `d × d` matrix `a`, by cyclic Jacobi rotations until every off-diagonal entry is negligible.
pub(crate) fn jacobi(a: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = a.to_vec();
    let mut v = vec![0.0; d * d];
    for i in 0..d {
        v[i * d + i] = 1.0;
    }
    for _ in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|p| (0..d).filter(move |&q| q != p).map(move |q| (p, q)))
            .map(|(p, q)| a[p * d + q].powi(2))
            .sum();
        let diagonal: f64 = (0..d).map(|p| a[p * d + p].powi(2)).sum();
        if off <= 1e-30 * diagonal.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[p * d + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let (akp, akq) = (a[k * d + p], a[k * d + q]);
                    a[k * d + p] = c * akp - s * akq;
                    a[k * d + q] = s * akp + c * akq;
                }
                for k in 0..d {
                    let (apk, aqk) = (a[p * d + k], a[q * d + k]);
                    a[p * d + k] = c * apk - s * aqk;
                    a[q * d + k] = s * apk + c * aqk;
                }
                for k in 0..d {
                    let (vkp, vkq) = (v[k * d + p], v[k * d + q]);
                    v[k * d + p] = c * vkp - s * vkq;
                    v[k * d + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..d).map(|p| a[p * d + p]).collect(), v)
}
