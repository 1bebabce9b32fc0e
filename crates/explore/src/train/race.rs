//! The race: several optimizers trained on the same data from the same start, side by side,
//! each lane's path, losses and epochs to within 1% of the optimum kept for the table and the
//! figure (every path on one landscape) that `report` and `plot` make of it.

use std::ops::ControlFlow;

use candle_core::{DType, Tensor};
use model::Bias;

use super::line::{fit_line, Fit, Plan};
use crate::objective::Objective;
use crate::optim::Settings;

/// One optimizer's run in a race.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Lane {
    pub settings: Settings,
    /// Its schedule (and early stopping, which a race without validation never does).
    pub course: super::Course,
    pub fit: Fit,
    /// The first epoch whose loss was within 1% of the optimum's: at most `1.01·L*`.
    pub within: Option<usize>,
}

/// One lane's outcome in plain numbers: [`Race::lanes`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LaneSummary {
    /// The lane's name ([`lane_names`]).
    pub lane: String,
    pub optimizer: &'static str,
    pub lr: f64,
    /// The lane's schedule of the rate, from `lr`.
    pub schedule: &'static str,
    pub stable_below: Option<f64>,
    pub epochs_to_1pct: Option<usize>,
    pub diverged: bool,
    pub final_loss: Option<f64>,
}

/// A race between optimizers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Race {
    pub lanes: Vec<Lane>,
    /// The loss on the data: the landscape, the optimum and the bounds (the race's input, not
    /// data of the result).
    #[serde(skip)]
    pub objective: Objective,
    /// The best line ([`Objective::best_if_cheap`]), found once: the report's optimum and the
    /// lanes' target.
    #[serde(serialize_with = "best_line")]
    pub best: (std::result::Result<model::Optimum, String>, &'static str),
    pub learn_bias: bool,
    pub plan: Plan,
    pub source: String,
    #[serde(serialize_with = "crate::dtype_name")]
    pub dtype: DType,
}

impl Race {
    /// Trains the line with each of `entries` (an optimizer and its schedule) from `start` as
    /// `plan` says, showing `on_row`
    /// each lane's rows as they are made (the lane's index in `entries`, and the row). A lane
    /// that diverges stops there; the others go on.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        x: &Tensor,
        y: &Tensor,
        start: (f64, Bias),
        entries: &[(Settings, super::Course)],
        plan: &Plan,
        objective: Objective,
        source: String,
        mut on_row: impl FnMut(usize, &super::Row),
    ) -> crate::Result<Self> {
        let learn_bias = start.1 != Bias::Zero;
        let best = objective.best_if_cheap(model::BiasFit::learnt_or_pinned(learn_bias));
        let target = target(&best.0, &objective);
        let mut lanes = Vec::with_capacity(entries.len());
        for (lane, (settings, course)) in entries.iter().enumerate() {
            let (settings, mut within) = (*settings, None);
            let fit = fit_line(x, y, start, settings, plan, (course, None), |row| {
                on_row(lane, row);
                if within.is_none() && target.is_some_and(|t| row.loss <= t) {
                    within = Some(row.epoch);
                }
                ControlFlow::Continue(())
            })?;
            lanes.push(Lane {
                settings,
                course: course.clone(),
                fit,
                within,
            });
        }
        Ok(Self {
            lanes,
            objective,
            best,
            learn_bias,
            plan: *plan,
            source,
            dtype: x.dtype(),
        })
    }

    /// Each lane's summary, as the report's rows give it, for the JSON beside the epochs' rows.
    pub fn lanes(&self) -> Vec<LaneSummary> {
        let lambda = self
            .objective
            .curvature(self.learn_bias, self.plan.standardize.is_some());
        let finite = |v: f64| v.is_finite().then_some(v);
        self.lanes
            .iter()
            .zip(self.names())
            .map(|(l, lane)| LaneSummary {
                lane,
                optimizer: l.settings.kind.name(),
                lr: l.settings.lr,
                schedule: l.course.schedule.kind.name(),
                stable_below: lambda
                    .and_then(|lambda| l.settings.stable_lr(lambda))
                    .and_then(finite),
                epochs_to_1pct: l.within,
                diverged: l.fit.diverged.is_some(),
                final_loss: l
                    .fit
                    .last
                    .filter(|_| l.fit.diverged.is_none())
                    .map(|r| r.loss)
                    .and_then(finite),
            })
            .collect()
    }

    /// Each lane's name, in order ([`lane_names`]).
    pub fn names(&self) -> Vec<String> {
        let entries: Vec<_> = self
            .lanes
            .iter()
            .map(|l| (l.settings, l.course.schedule.kind))
            .collect();
        lane_names(&entries)
    }

    /// The loss that counts as within 1% of the optimum's, where there is an optimum.
    pub fn target(&self) -> Option<f64> {
        target(&self.best.0, &self.objective)
    }

    /// The race's divergence as an error: the first lane that diverged, and how many more did;
    /// `None` when none did.
    pub fn divergence(&self) -> Option<crate::Error> {
        let lambda = self
            .objective
            .curvature(self.learn_bias, self.plan.standardize.is_some());
        let mut diverged = self
            .lanes
            .iter()
            .filter_map(|l| l.fit.diverged.map(|d| (l, d)));
        let (lane, d) = diverged.next()?;
        Some(crate::Error::Diverged(Box::new(super::Divergence {
            diverged: d,
            settings: lane.settings,
            bound: lambda.and_then(|lambda| lane.settings.stable_lr(lambda)),
            others: Some(diverged.count()),
            peak: super::Divergence::peak(
                lane.fit.history.items().iter().map(|r| r.lr),
                &lane.settings,
            ),
        })))
    }
}

/// Each lane's name: its optimizer's (`sgd`), with the rate where the optimizer runs at more
/// than one (`sgd=0.01`, `sgd=0.02`), and the schedule where the lanes' differ (`sgd@cosine`),
/// so that rows, tables and legends tell lanes apart.
pub fn lane_names(entries: &[(Settings, crate::schedule::Kind)]) -> Vec<String> {
    let mixed = entries.iter().any(|(_, k)| *k != entries[0].1);
    entries
        .iter()
        .map(|(s, schedule)| {
            let mut name = s.kind.name().to_string();
            if entries
                .iter()
                .any(|(o, _)| o.kind == s.kind && o.lr != s.lr)
            {
                name = format!("{name}={}", crate::number::human(s.lr));
            }
            if mixed {
                name = format!("{name}@{}", schedule.name());
            }
            name
        })
        .collect()
}

/// The loss within 1% of the optimum's, `1.01·L*` (a millionth of the data's mean square y when
/// the fit is exact); `None` when there is no optimum.
fn target(
    best: &std::result::Result<model::Optimum, String>,
    objective: &Objective,
) -> Option<f64> {
    let best = best.as_ref().ok()?.loss;
    Some(if best > 0.0 {
        1.01 * best
    } else {
        1e-6 * objective.moments.rms_y().powi(2)
    })
}

/// The race's best line as data: `{"optimum": …, "how": …}`, the optimum as
/// [`crate::optimum_or_why`] gives it.
fn best_line<S: serde::Serializer>(
    (optimum, how): &(std::result::Result<model::Optimum, String>, &'static str),
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    struct Optimum<'a>(&'a std::result::Result<model::Optimum, String>);
    impl serde::Serialize for Optimum<'_> {
        fn serialize<S: serde::Serializer>(
            &self,
            serializer: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            crate::optimum_or_why(self.0, serializer)
        }
    }
    let mut s = serializer.serialize_struct("Best", 2)?;
    s.serialize_field("optimum", &Optimum(optimum))?;
    s.serialize_field("how", how)?;
    s.end()
}
