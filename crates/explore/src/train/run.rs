//! A line's training run with what is said of it: its stable learning rate and, when it
//! diverged, why. `report` and `plot` render the run beside the optimum.

use model::Moments;

use super::line::{Fit, Plan};
use crate::number::human;
use crate::objective::Objective;
use crate::optim::{Hyper, Settings};
use candle_core::DType;

/// The largest curvature `λmax` of the loss in the units the line trains in: the data's
/// Hessian `2·[[mean x², x̄], [x̄, 1]]` (`2·mean x²` with the bias pinned), or, on standardized
/// x (mean 0, variance 1), `2·I`, so 2.
pub fn curvature(moments: &Moments, learn_bias: bool, standardized: bool) -> f64 {
    if standardized {
        2.0
    } else {
        moments.max_curvature(learn_bias)
    }
}

/// A training run of the line, with what its report and figure need.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LineRun {
    pub fit: Fit,
    /// The loss on the data: the exact landscape, the optimum and the stable bound (the
    /// run's input, not data of the result).
    #[serde(skip)]
    pub objective: Objective,
    pub learn_bias: bool,
    pub settings: Settings,
    pub plan: Plan,
    /// Its schedule and early stopping.
    pub course: super::Course,
    /// "data/linear.csv (100 points)".
    pub source: String,
    #[serde(serialize_with = "crate::dtype_name")]
    pub dtype: DType,
}

impl LineRun {
    /// The columns of a run's rows, as [`Row::values`](super::Row::values) gives them:
    /// `epoch, weight, bias, loss, lr`, and `val_loss` when `validated`.
    pub fn columns(validated: bool) -> Vec<&'static str> {
        let mut columns = vec!["epoch", "weight", "bias", "loss", "lr"];
        if validated {
            columns.push("val_loss");
        }
        columns
    }

    /// The largest stable learning rate of the run's optimizer, where one is known (a loss
    /// without a curvature bound, L1, has none).
    pub fn stable_lr(&self) -> Option<f64> {
        let lambda = self
            .objective
            .curvature(self.learn_bias, self.plan.standardize.is_some())?;
        self.settings.stable_lr(lambda)
    }

    /// The run's divergence as an error (where, the learning rate and its stable bound);
    /// `None` when it did not diverge.
    pub fn divergence(&self) -> Option<crate::Error> {
        let diverged = self.fit.diverged?;
        Some(crate::Error::Diverged(Box::new(Divergence {
            diverged,
            settings: self.settings,
            bound: self.stable_lr(),
            others: None,
            peak: Divergence::peak(
                self.fit.history.items().iter().map(|r| r.lr),
                &self.settings,
            ),
        })))
    }
}

/// A run that diverged, whichever path trained it, with what its message says: what happened,
/// the optimizer and its learning rate and, where one is known, the bound it broke.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Divergence {
    pub diverged: super::Diverged,
    pub settings: Settings,
    /// The largest stable learning rate, where one is known.
    pub bound: Option<f64>,
    /// In a race: how many other lanes diverged too (the message names this lane).
    pub others: Option<usize>,
    /// The highest rate a schedule raised the rate to, above the base rate, when one did: the
    /// rate to blame.
    pub peak: Option<f64>,
}

impl Divergence {
    /// The highest of a run's `rates` (its rows'), when a schedule raised it above the base
    /// rate of `settings`.
    pub fn peak(rates: impl Iterator<Item = f64>, settings: &Settings) -> Option<f64> {
        let top = rates.fold(f64::NAN, f64::max);
        (top > settings.lr).then_some(top)
    }

    /// The one-line message, the remedy said by `say` (see [`crate::Error::explain`]).
    pub fn explain(&self, say: &dyn Fn(crate::Remedy) -> String) -> String {
        let message = self.reason(say);
        let name = self.settings.kind.name();
        match self.others {
            None => message,
            Some(0) => format!("{name}: {message}"),
            Some(n) => format!("{name}: {message} (and {n} more diverged)"),
        }
    }

    fn reason(&self, say: &dyn Fn(crate::Remedy) -> String) -> String {
        let (d, settings, bound) = (&self.diverged, &self.settings, self.bound);
        if d.epoch == 0 {
            // Before any step: no learning rate is to blame.
            return "the loss at the start is not a finite number (beyond the precision's range): \
                no learning rate can help; rescale the data (divide x and y by a power of ten)"
                .to_string();
        }
        let name = settings.kind.name();
        let rate = self.peak.unwrap_or(settings.lr);
        let lr = match self.peak {
            Some(p) => format!(
                "{} (its schedule raised it from {})",
                human(p),
                human(settings.lr)
            ),
            None => human(settings.lr),
        };
        let why = match bound {
            // Below full-batch descent's bound: the curvature of a mini-batch was larger.
            Some(b) if b > 0.0 && rate < b => format!(
                "learning rate {lr} is below full-batch {name}'s bound {} on this data, but a \
             mini-batch's curvature can exceed the whole data's: {}",
                bound_text(b),
                say(match self.others {
                    Some(_) => crate::Remedy::LaneRateOrLargerBatches,
                    None => crate::Remedy::SmallerStepsOrLargerBatches,
                })
            ),
            Some(b) if b > 0.0 => format!(
                "learning rate {lr} is too large; {name} is stable only for lr < {} on this data",
                bound_text(b)
            ),
            Some(_)
                if settings.momentum >= 1.0 && settings.kind.uses().contains(&Hyper::Momentum) =>
            {
                format!(
                    "no learning rate is stable for {name} with momentum {}",
                    human(settings.momentum)
                )
            }
            Some(_) => format!(
                "no learning rate is stable on this data: its curvature is beyond the \
                 precision's range; {}",
                say(crate::Remedy::RescaleOrStandardize)
            ),
            None => format!("learning rate {lr} is too large for {name} on this data"),
        };
        format!("{}: {why}", d.describe())
    }
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.explain(&|r| r.to_string()))
    }
}

/// A stable bound as text: six significant digits, rounded down where rounding would go above
/// the bound (it is a promise for every rate below it).
pub fn bound_text(bound: f64) -> String {
    let short = human(bound);
    if !bound.is_finite() || short.parse::<f64>().is_ok_and(|v| v <= bound) {
        return short;
    }
    let scale = 10f64.powi(5 - bound.abs().log10().floor() as i32);
    let down = human((bound * scale).floor() / scale);
    match down.parse::<f64>() {
        Ok(v) if v <= bound => down,
        _ => format!("{bound}"),
    }
}
