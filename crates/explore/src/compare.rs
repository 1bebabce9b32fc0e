//! The outlier lesson: the same data fitted under several losses, side by side — each loss's
//! best line, each one's curve over the weight, and what each makes of the points that lie far
//! from the rest. Squared error is dragged toward outliers; L1 and Huber are not.

use loss::{AnyLoss, LossName, Params};
use model::{BiasFit, Optimum};

use crate::data::Dataset;
use crate::objective::Objective;
use crate::Result;

/// A point lies this many robust standard deviations (1.4826 × the median absolute residual)
/// from the L1 line to count as an outlier: a common rule for gross errors.
pub const OUTLIER_SIGMAS: f64 = 5.0;

/// One loss's best line on the data.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fitted {
    /// The loss's label, `Huber (δ = 1)`.
    pub loss: String,
    pub weight: f64,
    pub bias: f64,
    /// The loss at the line.
    pub value: f64,
    /// How the line was found: `closed-form`, `exact (weighted median)`, or `numerical` (the
    /// loss is convex: golden-section search, [`minimize`]).
    pub how: &'static str,
}

/// A point far from the robust line, and its residual `y − A·x − b` under each loss's line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outlier {
    pub x: f64,
    pub y: f64,
    pub residuals: Vec<f64>,
}

/// Several losses on one data set: plain data that the report and the figure render.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    pub source: String,
    pub learn_bias: bool,
    pub fits: Vec<Fitted>,
    /// Each loss's curve over the weight, its bias held at its own best, `(A, loss)`.
    pub curves: Vec<Vec<(f64, f64)>>,
    pub outliers: Vec<Outlier>,
    /// The points to draw.
    #[serde(skip)]
    pub points: Vec<(f64, f64)>,
}

impl Comparison {
    /// Fits the line under each of `losses` (the bias learnt or pinned at 0).
    pub fn run(data: &Dataset, losses: &[AnyLoss], learn_bias: bool) -> Result<Self> {
        let fit = if learn_bias {
            BiasFit::Learn
        } else {
            BiasFit::Fixed(0.0)
        };
        let mut fits = Vec::new();
        let mut objectives = Vec::new();
        for loss in losses {
            let objective = Objective::new(*loss, data)?;
            let (optimum, how) = match objective.optimum(fit) {
                Ok(o) => (o, objective.how()),
                Err(_) => (minimize(&objective, fit)?, "numerical"),
            };
            fits.push(Fitted {
                loss: loss.label(),
                weight: optimum.weight,
                bias: optimum.bias,
                value: optimum.loss,
                how,
            });
            objectives.push(objective);
        }
        let (xs, ys) = data.values()?;
        // The robust line the outliers are measured from: L1's.
        let l1 = Objective::new(
            LossName::L1
                .with(&Params::default())
                .expect("no parameters"),
            data,
        )?;
        let robust = match l1.optimum(fit) {
            Ok(o) => o,
            Err(_) => minimize(&l1, fit)?,
        };
        let residual = |x: f64, y: f64, w: f64, b: f64| y - w * x - b;
        let mut spread: Vec<f64> = xs
            .iter()
            .zip(&ys)
            .map(|(&x, &y)| residual(x, y, robust.weight, robust.bias).abs())
            .collect();
        spread.sort_by(f64::total_cmp);
        let sigma = 1.4826 * spread.get(spread.len() / 2).copied().unwrap_or(0.0);
        let outliers = xs
            .iter()
            .zip(&ys)
            .filter(|(&x, &y)| {
                let r = residual(x, y, robust.weight, robust.bias).abs();
                sigma > 0.0 && r > OUTLIER_SIGMAS * sigma
            })
            .map(|(&x, &y)| Outlier {
                x,
                y,
                residuals: fits
                    .iter()
                    .map(|f| residual(x, y, f.weight, f.bias))
                    .collect(),
            })
            .collect();
        // Each curve over a range that holds every loss's best weight, with a margin.
        let (lo, hi) = fits
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), f| {
                (lo.min(f.weight), hi.max(f.weight))
            });
        let half = (hi - lo).max(0.5 * lo.abs().max(hi.abs())).max(1.0);
        let weights = crate::grid::linspace(lo - half, hi + half, 300);
        let curves = objectives
            .iter()
            .zip(&fits)
            .map(|(o, f)| {
                let losses = o.grid(&weights, &[f.bias])?;
                Ok(weights.iter().copied().zip(losses).collect())
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            source: data.describe(),
            learn_bias,
            fits,
            curves,
            outliers,
            points: data.plot_points(),
        })
    }
}

/// The minimum of a convex loss of the line, numerically: the weight by golden-section search,
/// and for each weight tried the bias by another (a convex function of `(A, b)` minimised over
/// `b` is convex in `A`), each bracket found outward from MSE's line and narrowed until it is
/// below 1e-15 of its size. The loss comes out to its last digits; the line too at L1's kinks,
/// and to about √ε (8 digits) where the minimum is smooth, as flat as it is there.
pub fn minimize(objective: &Objective, fit: BiasFit) -> Result<Optimum> {
    let m = &objective.moments;
    let (w0, b0) = m
        .least_squares(fit)
        .or_else(|_| m.least_squares(BiasFit::Fixed(0.0)))
        .map(|o| (o.weight, o.bias))
        .unwrap_or((0.0, 0.0));
    let rw = crate::grid::weight_radius(m, w0);
    let best_bias = |w: f64| -> Result<(f64, f64)> {
        match fit {
            BiasFit::Fixed(b) => Ok((b, objective.at(w, b)?)),
            BiasFit::Learn => {
                let rb = crate::grid::bias_radius(m, rw).max(b0.abs()).max(1.0);
                golden(&|b| objective.at(w, b), b0, rb)
            }
        }
    };
    let (weight, _) = golden(&|w| Ok(best_bias(w)?.1), w0, rw)?;
    let (bias, loss) = best_bias(weight)?;
    Ok(Optimum { weight, bias, loss })
}

/// The minimum `(x, f(x))` of a convex `f`: a bracket grown outward from `centre ± radius`
/// until the middle is below both ends, then golden-section search.
fn golden(f: &dyn Fn(f64) -> Result<f64>, centre: f64, radius: f64) -> Result<(f64, f64)> {
    let (mut lo, mut hi) = (centre - radius, centre + radius);
    let (mut f_lo, mut f_hi, f_mid) = (f(lo)?, f(hi)?, f(centre)?);
    // Grow toward the lower end until the middle is below it (at most 60 doublings).
    let mut width = radius;
    for _ in 0..60 {
        if f_lo > f_mid && f_hi > f_mid {
            break;
        }
        width *= 2.0;
        if f_lo <= f_hi {
            lo = centre - width;
            f_lo = f(lo)?;
        } else {
            hi = centre + width;
            f_hi = f(hi)?;
        }
    }
    const INV_PHI: f64 = 0.618_033_988_749_895;
    let mut a = hi - INV_PHI * (hi - lo);
    let mut b = lo + INV_PHI * (hi - lo);
    let (mut fa, mut fb) = (f(a)?, f(b)?);
    for _ in 0..200 {
        if (hi - lo) <= 1e-15 * (lo.abs() + hi.abs()) + f64::MIN_POSITIVE {
            break;
        }
        if fa <= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - INV_PHI * (hi - lo);
            fa = f(a)?;
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + INV_PHI * (hi - lo);
            fb = f(b)?;
        }
    }
    Ok(if fa <= fb { (a, fa) } else { (b, fb) })
}
