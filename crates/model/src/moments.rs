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
//! are used rather than raw sums of squares so that data far from the origin loses no precision,
//! and they are taken of the data scaled by powers of two (exactly) so that no square overflows:
//! data near f64's limits gives exact answers, or `inf` where the true loss is beyond f64, never
//! a plausible wrong number.

use candle_core::{DType, Result, Tensor};

/// The statistics of `(x, y)` that determine MSE for a line, accumulated in `f64`.
///
/// Internally every `x` is multiplied by `2^-ex` and every `y` by `2^-ey`, so that the largest of
/// each is below 1 in magnitude; results are scaled back on the way out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    n: usize,
    /// The powers of two the data was divided by.
    ex: i32,
    ey: i32,
    /// Of the scaled data: the means, `mean((x − x̄)²)`, `mean((x − x̄)(y − ȳ))`,
    /// `mean((y − ȳ)²)`.
    mean_x: f64,
    mean_y: f64,
    var_x: f64,
    cov_xy: f64,
    var_y: f64,
    /// Smallest and largest `x`, to tell "all x equal" exactly rather than by a tolerance.
    min_x: f64,
    max_x: f64,
}

/// `v · 2^e`, exact unless the result is beyond f64, in steps of at most `2^±1000` so that no
/// factor itself overflows.
fn times_pow2(mut v: f64, mut e: i32) -> f64 {
    const STEP: i32 = 1000;
    while e > STEP {
        v *= 2f64.powi(STEP);
        e -= STEP;
    }
    while e < -STEP {
        v *= 2f64.powi(-STEP);
        e += STEP;
    }
    v * 2f64.powi(e)
}

/// `v ↦ v · 2^e` as [`times_pow2`] computes it, with the factor worked out once when one
/// factor will do.
fn scaler(e: i32) -> impl Fn(f64) -> f64 {
    let factor = (-1000..=1000).contains(&e).then(|| 2f64.powi(e));
    move |v| match factor {
        Some(f) => v * f,
        None => times_pow2(v, e),
    }
}

/// The exponent `e` with `max|v| < 2^e`, so that `v · 2^-e` lies in (-1, 1); 0 for all zeros.
fn exponent(values: &[f64]) -> i32 {
    let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if largest > 0.0 && largest.is_finite() {
        largest.log2().floor() as i32 + 1
    } else {
        0
    }
}

/// How the bias is treated when solving for the optimum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BiasFit {
    /// Solve for both `A` and `b`.
    Learn,
    /// Hold `b` at this value and solve for `A` alone (`Fixed(0.0)` is the pinned bias).
    Fixed(f64),
}

impl BiasFit {
    /// The fit of a line whose bias is learnt, or pinned at zero.
    pub fn learnt_or_pinned(learn_bias: bool) -> Self {
        if learn_bias {
            BiasFit::Learn
        } else {
            BiasFit::Fixed(0.0)
        }
    }
}

/// The closed-form least-squares line and its loss.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Optimum {
    pub weight: f64,
    pub bias: f64,
    /// Infinite where the smallest loss itself is beyond f64 (data near 1e200 whose points do
    /// not lie on a line): the line is still exact.
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
    #[error("the least-squares line's weight or bias is beyond f64")]
    Overflow,
}

/// The points of one group, [`GROUP`] at most: what [`Moments::from_points`] and an
/// [`Accumulator`] gather exactly (two passes) before merging it with the groups before.
pub const GROUP: usize = 1 << 16;

/// Moments gathered one slice of points at a time, in constant memory: a reader can compute the
/// statistics of a file of any size without holding its points. Every [`GROUP`] points are
/// taken exactly, in two passes, and merged in order with the groups before (Chan, Golub and
/// LeVeque's pairwise update), so the result depends only on the points, never on how the
/// slices were cut, and equals [`Moments::from_points`] on the same points.
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    x: Vec<f64>,
    y: Vec<f64>,
    done: Option<Moments>,
}

impl Accumulator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the points `(x[i], y[i])`.
    pub fn push(&mut self, mut x: &[f64], mut y: &[f64]) {
        assert_eq!(
            x.len(),
            y.len(),
            "Accumulator::push: x and y differ in length"
        );
        while !x.is_empty() {
            let take = (GROUP - self.x.len()).min(x.len());
            self.x.extend_from_slice(&x[..take]);
            self.y.extend_from_slice(&y[..take]);
            (x, y) = (&x[take..], &y[take..]);
            if self.x.len() == GROUP {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if self.x.is_empty() {
            return;
        }
        let group = Moments::of_group(&self.x, &self.y);
        self.done = Some(match self.done {
            Some(done) => done.merge(&group),
            None => group,
        });
        self.x.clear();
        self.y.clear();
    }

    /// The number of points so far.
    pub fn n(&self) -> usize {
        self.done.map_or(0, |d| d.n) + self.x.len()
    }

    /// The moments of every point pushed.
    pub fn finish(mut self) -> Moments {
        self.flush();
        self.done.unwrap_or_else(|| Moments::of_group(&[], &[]))
    }
}

impl Moments {
    /// The statistics of the points `(x[i], y[i])`, gathered as an [`Accumulator`] does.
    pub fn from_points(x: &[f64], y: &[f64]) -> Self {
        assert_eq!(
            x.len(),
            y.len(),
            "Moments::from_points: x and y differ in length"
        );
        let mut acc = Accumulator::new();
        acc.push(x, y);
        acc.finish()
    }

    /// The moments of `self`'s points followed by `other`'s, in the larger of the two scales.
    fn merge(&self, other: &Moments) -> Moments {
        if other.n == 0 {
            return *self;
        }
        if self.n == 0 {
            return *other;
        }
        let (ex, ey) = (self.ex.max(other.ex), self.ey.max(other.ey));
        // Both in the common scale: a factor 2^(e − e_own) ≤ 1, exact unless it underflows.
        let rescale = |m: &Moments| {
            let (fx, fy) = (m.ex - ex, m.ey - ey);
            (
                times_pow2(m.mean_x, fx),
                times_pow2(m.mean_y, fy),
                times_pow2(m.var_x, 2 * fx),
                times_pow2(m.cov_xy, fx + fy),
                times_pow2(m.var_y, 2 * fy),
            )
        };
        let (ax, ay, avx, acxy, avy) = rescale(self);
        let (bx, by, bvx, bcxy, bvy) = rescale(other);
        let n = self.n + other.n;
        let (fa, fb) = (self.n as f64 / n as f64, other.n as f64 / n as f64);
        let (dx, dy) = (bx - ax, by - ay);
        Moments {
            n,
            ex,
            ey,
            mean_x: ax + dx * fb,
            mean_y: ay + dy * fb,
            var_x: fa * avx + fb * bvx + fa * fb * dx * dx,
            cov_xy: fa * acxy + fb * bcxy + fa * fb * dx * dy,
            var_y: fa * avy + fb * bvy + fa * fb * dy * dy,
            min_x: self.min_x.min(other.min_x),
            max_x: self.max_x.max(other.max_x),
        }
    }

    /// Two passes over the scaled points of one group: the means, then the centred second
    /// moments.
    fn of_group(x: &[f64], y: &[f64]) -> Self {
        let n = x.len();
        let nf = n.max(1) as f64;
        let (ex, ey) = (exponent(x), exponent(y));
        let (sx, sy) = (scaler(-ex), scaler(-ey));
        let mean_x = x.iter().map(|&v| sx(v)).sum::<f64>() / nf;
        let mean_y = y.iter().map(|&v| sy(v)).sum::<f64>() / nf;
        let (mut var_x, mut cov_xy, mut var_y) = (0.0, 0.0, 0.0);
        for (&xi, &yi) in x.iter().zip(y) {
            let (dx, dy) = (sx(xi) - mean_x, sy(yi) - mean_y);
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
            ex,
            ey,
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

    /// The number of points.
    pub fn n(&self) -> usize {
        self.n
    }

    /// `mean(x)`.
    pub fn mean_x(&self) -> f64 {
        times_pow2(self.mean_x, self.ex)
    }

    /// `mean(y)`.
    pub fn mean_y(&self) -> f64 {
        times_pow2(self.mean_y, self.ey)
    }

    /// The standard deviation of x, `sqrt(mean((x − x̄)²))`.
    pub fn std_x(&self) -> f64 {
        times_pow2(self.var_x.sqrt(), self.ex)
    }

    /// `sqrt(mean(x²))`, finite even where `mean(x²)` is beyond f64.
    pub fn rms_x(&self) -> f64 {
        times_pow2(self.mean_xx_scaled().sqrt(), self.ex)
    }

    /// `sqrt(mean(y²))`, finite even where `mean(y²)` is beyond f64.
    pub fn rms_y(&self) -> f64 {
        times_pow2((self.var_y + self.mean_y * self.mean_y).sqrt(), self.ey)
    }

    /// `mean(x²)`: infinite when it is beyond f64.
    pub fn mean_xx(&self) -> f64 {
        times_pow2(self.mean_xx_scaled(), 2 * self.ex)
    }

    fn mean_xx_scaled(&self) -> f64 {
        self.var_x + self.mean_x * self.mean_x
    }

    /// `(weight, bias)` in the scaled units: `w' = w·2^(ex−ey)`, `b' = b·2^−ey`.
    fn scaled(&self, weight: f64, bias: f64) -> (f64, f64) {
        (
            times_pow2(weight, self.ex - self.ey),
            times_pow2(bias, -self.ey),
        )
    }

    /// The loss in the scaled units, at scaled `(w, b)`.
    fn loss_scaled(&self, w: f64, b: f64) -> f64 {
        let offset = self.mean_y - w * self.mean_x - b;
        let spread = self.var_y - 2.0 * w * self.cov_xy + w * w * self.var_x;
        // `spread` is the variance of the residuals y − w·x, at least (|w|·σx − σy)²: when its
        // terms overflow (inf − inf) it is beyond f64, so infinite, never the 0 that `max` would
        // make of a NaN. Rounding can push an exact fit a hair below zero.
        let spread = if spread.is_nan() {
            f64::INFINITY
        } else {
            spread.max(0.0)
        };
        spread + offset * offset
    }

    /// The mean squared error of the line `y = weight·x + bias` on this data: `inf` when it is
    /// beyond f64.
    pub fn loss(&self, weight: f64, bias: f64) -> f64 {
        let (w, b) = self.scaled(weight, bias);
        times_pow2(self.loss_scaled(w, b), 2 * self.ey)
    }

    /// The gradient `(dL/dA, dL/db)` at `(weight, bias)`.
    pub fn grad(&self, weight: f64, bias: f64) -> (f64, f64) {
        let (w, b) = self.scaled(weight, bias);
        // dL/db = −2·mean(r), dL/dA = −2·mean(x·r) with r = y − A·x − b, written in moments.
        let mean_r = self.mean_y - w * self.mean_x - b;
        let mean_xr = self.cov_xy - w * self.var_x + self.mean_x * mean_r;
        (
            times_pow2(-2.0 * mean_xr, self.ex + self.ey),
            times_pow2(-2.0 * mean_r, self.ey),
        )
    }

    /// The least-squares line: `A = cov(x, y) / var(x)`, `b = ȳ − A·x̄` when the bias is learnt;
    /// `A = mean(x·(y − b)) / mean(x²)` when it is held at `b`.
    pub fn least_squares(&self, bias: BiasFit) -> std::result::Result<Optimum, NoOptimum> {
        if self.n == 0 {
            return Err(NoOptimum::NoPoints);
        }
        let (w, b) = match bias {
            BiasFit::Learn => {
                if self.min_x == self.max_x {
                    return Err(NoOptimum::ConstantX(self.min_x));
                }
                let w = self.cov_xy / self.var_x;
                (w, self.mean_y - w * self.mean_x)
            }
            BiasFit::Fixed(b) => {
                if self.min_x == 0.0 && self.max_x == 0.0 {
                    return Err(NoOptimum::AllXZero);
                }
                let b = times_pow2(b, -self.ey);
                let mean_x_resid = self.cov_xy + self.mean_x * (self.mean_y - b);
                (mean_x_resid / self.mean_xx_scaled(), b)
            }
        };
        let loss = times_pow2(self.loss_scaled(w, b), 2 * self.ey);
        let weight = times_pow2(w, self.ey - self.ex);
        let bias = match bias {
            BiasFit::Fixed(b) => b,
            BiasFit::Learn => times_pow2(b, self.ey),
        };
        if !(weight.is_finite() && bias.is_finite()) || loss.is_nan() {
            return Err(NoOptimum::Overflow);
        }
        Ok(Optimum { weight, bias, loss })
    }

    /// The Hessian of the loss, `2·[[mean(x²), x̄], [x̄, 1]]`, as `[[hAA, hAb], [hAb, hbb]]`.
    pub fn hessian(&self) -> [[f64; 2]; 2] {
        [
            [2.0 * self.mean_xx(), 2.0 * self.mean_x()],
            [2.0 * self.mean_x(), 2.0],
        ]
    }

    /// The largest eigenvalue of the Hessian: of the 2×2 matrix when the bias is learnt, the
    /// scalar `2·mean(x²)` when it is not. Infinite when `mean(x²)` is beyond f64.
    pub fn max_curvature(&self, learn_bias: bool) -> f64 {
        let [[a, c], [_, d]] = self.hessian();
        if !learn_bias {
            return a;
        }
        let half_trace = 0.5 * (a + d);
        let half_gap = 0.5 * (a - d);
        half_trace + half_gap.hypot(c)
    }

    /// Gradient descent with a fixed step on a quadratic converges only for `lr < 2 / λmax(H)`.
    /// Infinite when the loss is flat (all x zero with a pinned bias); 0 when the curvature is
    /// beyond f64 (x near f64's limits), where no step size is stable.
    pub fn max_stable_lr(&self, learn_bias: bool) -> f64 {
        2.0 / self.max_curvature(learn_bias)
    }
}
