//! The principal components of a table of features: the plane on which a figure shows data of
//! more than two features. The features are standardized first (each over its spread), so that
//! no unit outweighs another, and the axes are the leading eigenvectors of their correlation
//! matrix (Jacobi's method, as the least-squares plane's).

use crate::least_squares::{column_spread, correlation, jacobi};

/// The leading principal axes of standardized features.
#[derive(Debug, Clone, PartialEq)]
pub struct Components {
    pub mean: Vec<f64>,
    /// Each feature's spread; a constant feature's is taken as 1 (it varies along no axis).
    pub std: Vec<f64>,
    /// Unit vectors over the features, the most variance first; each one's largest entry is
    /// positive, so that the same data gives the same picture.
    pub axes: Vec<Vec<f64>>,
    /// The share of the standardized features' total variance along each axis.
    pub shares: Vec<f64>,
}

impl Components {
    /// The coordinates of `row` (one value a feature) along the axes.
    pub fn project(&self, row: &[f64]) -> Vec<f64> {
        self.axes
            .iter()
            .map(|axis| {
                row.iter()
                    .zip(&self.mean)
                    .zip(&self.std)
                    .zip(axis)
                    .map(|(((x, m), s), a)| (x - m) / s * a)
                    .sum()
            })
            .collect()
    }
}

/// The first `k` principal components of the rows of `x` (row-major, `n × d`).
pub fn principal_components(x: &[f64], d: usize, k: usize) -> Components {
    let (mean, spread) = column_spread(x, d);
    let std: Vec<f64> = spread
        .iter()
        .map(|&s| if s > 0.0 && s.is_finite() { s } else { 1.0 })
        .collect();
    let all: Vec<usize> = (0..d).collect();
    let corr = correlation(x, d, (&mean, &std), &all);
    let (values, vectors) = jacobi(&corr, d);
    let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let axes: Vec<Vec<f64>> = order
        .iter()
        .take(k)
        .map(|&c| {
            let axis: Vec<f64> = (0..d).map(|j| vectors[j * d + c]).collect();
            let largest = axis
                .iter()
                .fold(0.0f64, |m, &v| if v.abs() > m.abs() { v } else { m });
            axis.iter().map(|v| v * largest.signum()).collect()
        })
        .collect();
    let shares = order
        .iter()
        .take(k)
        .map(|&c| match total > 0.0 {
            true => values[c].max(0.0) / total,
            false => 0.0,
        })
        .collect();
    Components {
        mean,
        std,
        axes,
        shares,
    }
}
