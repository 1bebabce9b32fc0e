//! Sufficient statistics of a data set for a line under MSE: from them the loss at any `(A, b)`,
//! the closed-form least-squares optimum, and the curvature that bounds gradient descent's step.
//!
//! For `y = A·x + b` the mean squared error is a quadratic in `(A, b)`:
//!
//! ```text
//! L(A, b) = var(y) − 2A·cov(x, y) + A²·var(x) + (ȳ − A·x̄ − b)²
//! ```
//!
//! so five numbers, gathered in one pass over the data, give the loss everywhere. Centred moments
//! are used rather than raw sums of squares so that data far from the origin loses no precision.

use candle_core::{DType, Result, Tensor};

/// The statistics of `(x, y)` that determine MSE for a line, accumulated in `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Number of points.
    pub n: usize,
    pub mean_x: f64,
    pub mean_y: f64,
    /// `mean((x − x̄)²)`.
    pub var_x: f64,
    /// `mean((x − x̄)(y − ȳ))`.
    pub cov_xy: f64,
    /// `mean((y − ȳ)²)`.
    pub var_y: f64,
    /// Smallest and largest `x`, to tell "all x equal" exactly rather than by a tolerance.
    pub min_x: f64,
    pub max_x: f64,
}

/// How the bias is treated when solving for the optimum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BiasFit {
    /// Solve for both `A` and `b`.
    Learn,
    /// Hold `b` at this value and solve for `A` alone (`Fixed(0.0)` is the pinned bias).
    Fixed(f64),
}

/// The closed-form least-squares line and its loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Optimum {
    pub weight: f64,
    pub bias: f64,
    pub loss: f64,
}

/// Why a data set has no unique least-squares line.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum NoOptimum {
    #[error("there are no points")]
    NoPoints,
    #[error("every x equals {0}, so every line through (x̄, ȳ) fits equally well")]
    ConstantX(f64),
    #[error("every x is 0, so the weight does not change the loss")]
    AllXZero,
    #[error("the data's sums of squares overflow f64")]
    Overflow,
}

impl Moments {
    /// Two passes over the points: the means, then the centred second moments.
    pub fn from_points(x: &[f64], y: &[f64]) -> Self {
        assert_eq!(
            x.len(),
            y.len(),
            "Moments::from_points: x and y differ in length"
        );
        let n = x.len();
        let nf = n.max(1) as f64;
        let mean_x = x.iter().sum::<f64>() / nf;
        let mean_y = y.iter().sum::<f64>() / nf;
        let (mut var_x, mut cov_xy, mut var_y) = (0.0, 0.0, 0.0);
        for (&xi, &yi) in x.iter().zip(y) {
            let (dx, dy) = (xi - mean_x, yi - mean_y);
            var_x += dx * dx;
            cov_xy += dx * dy;
            var_y += dy * dy;
        }
        let (min_x, max_x) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        Self {
            n,
            mean_x,
            mean_y,
            var_x: var_x / nf,
            cov_xy: cov_xy / nf,
            var_y: var_y / nf,
            min_x,
            max_x,
        }
    }

    /// The statistics of two `(N,)` tensors of any float dtype, on any device.
    pub fn from_tensors(x: &Tensor, y: &Tensor) -> Result<Self> {
        let to_vec = |t: &Tensor| t.to_dtype(DType::F64)?.to_vec1::<f64>();
        let (x, y) = (to_vec(x)?, to_vec(y)?);
        if x.len() != y.len() {
            candle_core::bail!("Moments: {} x values but {} y values", x.len(), y.len());
        }
        Ok(Self::from_points(&x, &y))
    }

    /// `mean(x²)`.
    pub fn mean_xx(&self) -> f64 {
        self.var_x + self.mean_x * self.mean_x
    }

    /// The mean squared error of the line `y = weight·x + bias` on this data.
    pub fn loss(&self, weight: f64, bias: f64) -> f64 {
        let offset = self.mean_y - weight * self.mean_x - bias;
        let spread = self.var_y - 2.0 * weight * self.cov_xy + weight * weight * self.var_x;
        // `spread` is a variance of residuals; rounding can push an exact fit a hair below zero.
        spread.max(0.0) + offset * offset
    }

    /// The gradient `(dL/dA, dL/db)` at `(weight, bias)`.
    pub fn grad(&self, weight: f64, bias: f64) -> (f64, f64) {
        // dL/db = −2·mean(r), dL/dA = −2·mean(x·r) with r = y − A·x − b, written in moments.
        let mean_r = self.mean_y - weight * self.mean_x - bias;
        let mean_xr = self.cov_xy - weight * self.var_x + self.mean_x * mean_r;
        (-2.0 * mean_xr, -2.0 * mean_r)
    }

    /// The least-squares line: `A = cov(x, y) / var(x)`, `b = ȳ − A·x̄` when the bias is learnt;
    /// `A = mean(x·(y − b)) / mean(x²)` when it is held at `b`.
    pub fn least_squares(&self, bias: BiasFit) -> std::result::Result<Optimum, NoOptimum> {
        if self.n == 0 {
            return Err(NoOptimum::NoPoints);
        }
        let (weight, bias) = match bias {
            BiasFit::Learn => {
                if self.min_x == self.max_x {
                    return Err(NoOptimum::ConstantX(self.min_x));
                }
                let weight = self.cov_xy / self.var_x;
                (weight, self.mean_y - weight * self.mean_x)
            }
            BiasFit::Fixed(b) => {
                if self.min_x == 0.0 && self.max_x == 0.0 {
                    return Err(NoOptimum::AllXZero);
                }
                let mean_x_resid = self.cov_xy + self.mean_x * (self.mean_y - b);
                (mean_x_resid / self.mean_xx(), b)
            }
        };
        let loss = self.loss(weight, bias);
        if !(weight.is_finite() && bias.is_finite() && loss.is_finite()) {
            return Err(NoOptimum::Overflow);
        }
        Ok(Optimum { weight, bias, loss })
    }

    /// The Hessian of the loss, `2·[[mean(x²), x̄], [x̄, 1]]`, as `[[hAA, hAb], [hAb, hbb]]`.
    pub fn hessian(&self) -> [[f64; 2]; 2] {
        [
            [2.0 * self.mean_xx(), 2.0 * self.mean_x],
            [2.0 * self.mean_x, 2.0],
        ]
    }

    /// The largest eigenvalue of the Hessian: of the 2×2 matrix when the bias is learnt, the
    /// scalar `2·mean(x²)` when it is not.
    pub fn max_curvature(&self, learn_bias: bool) -> f64 {
        let [[a, c], [_, d]] = self.hessian();
        if !learn_bias {
            return a;
        }
        let half_trace = 0.5 * (a + d);
        let half_gap = 0.5 * (a - d);
        half_trace + (half_gap * half_gap + c * c).sqrt()
    }

    /// Gradient descent with a fixed step on a quadratic converges only for `lr < 2 / λmax(H)`.
    /// Infinite when the loss is flat (all x zero with a pinned bias).
    pub fn max_stable_lr(&self, learn_bias: bool) -> f64 {
        2.0 / self.max_curvature(learn_bias)
    }
}
