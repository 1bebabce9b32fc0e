//! The outlier lesson: the same data fitted under several losses, side by side — each loss's
//! best line, each one's curve over the weight, and what each makes of the points that lie far
//! from the rest. Squared error is dragged toward outliers; L1 and Huber are not.

use loss::AnyLoss;
use model::BiasFit;

use crate::data::Dataset;
use crate::objective::Objective;
use crate::Result;

/// A point lies this many robust standard deviations (1.4826 × the median absolute residual)
/// from the L1 line to count as an outlier: a common rule for gross errors.
pub const OUTLIER_SIGMAS: f64 = 5.0;

/// One loss's best line on the data.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fitted {
    /// The loss (as data: its name, its label `Huber (δ = 1)` and PyTorch's module).
    pub loss: AnyLoss,
    pub weight: f64,
    pub bias: f64,
    /// The loss at the line.
    pub value: f64,
    /// How the line was found: `closed-form`, `exact (weighted median)`, or `numerical` (the
    /// loss is convex: golden-section search, [`Objective::best`]).
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
            let (optimum, how) = objective.best(fit);
            let optimum = optimum.map_err(|why| no_line(data, loss, &why))?;
            fits.push(Fitted {
                loss: *loss,
                weight: optimum.weight,
                bias: optimum.bias,
                value: optimum.loss,
                how,
            });
            objectives.push(objective);
        }
        let (xs, ys) = data.values()?;
        // The robust line the outliers are measured from: L1's.
        let l1 = Objective::new(loss_l1(), data)?;
        let robust = l1
            .best(fit)
            .0
            .map_err(|why| no_line(data, &loss_l1(), &why))?;
        let residual = |x: f64, y: f64, w: f64, b: f64| y - w * x - b;
        let mut spread: Vec<f64> = xs
            .iter()
            .zip(&ys)
            .map(|(&x, &y)| residual(x, y, robust.weight, robust.bias).abs())
            .collect();
        spread.sort_by(f64::total_cmp);
        // A spread at rounding's level (the L1 line through most points) measures nothing.
        let sigma = 1.4826 * spread.get(spread.len() / 2).copied().unwrap_or(0.0);
        let floor = 1e-9 * data.moments().rms_y();
        let sigma = if sigma > floor { sigma } else { 0.0 };
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

/// L1, which takes no parameters.
fn loss_l1() -> AnyLoss {
    AnyLoss::L1(loss::L1)
}

/// The data error of a loss with no best line on `data`.
fn no_line(data: &Dataset, loss: &AnyLoss, why: &str) -> crate::Error {
    let why = why
        .strip_prefix("none (")
        .and_then(|w| w.strip_suffix(')'))
        .unwrap_or(why);
    crate::Error::Data {
        at: data.source.clone(),
        msg: format!("{} has no best line: {why}", loss.label()),
    }
}
