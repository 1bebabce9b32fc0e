//! A plane `y = w·x + b` on several features, trained with the one loop ([`super::train`])
//! under any regression loss: a linear layer `d → 1`, every weight and the bias starting where
//! they are told, a row `epoch, w…, bias, loss` each epoch.

use std::ops::ControlFlow;

use candle_core::Tensor;
use loss::{AnyLoss, Reduction};

use super::classes::{network, Net};
use super::{train, Batches, Classifier, Course, Diverged, Ended, Layer, Pace, Stopped, Units};
use crate::optim::{AnyOptimizer, Optimizer, Settings};
use crate::thin::Thinned;

/// One epoch of a plane's run: the weights then the bias, and the loss on the whole data,
/// after `epoch` updates.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlaneRow {
    pub epoch: usize,
    pub params: Vec<f64>,
    pub loss: f64,
    /// The rate of the next update (the schedule's).
    pub lr: f64,
    /// The loss on the validation points, when there are some.
    pub val_loss: Option<f64>,
}

/// How a plane's run went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlaneFit {
    /// Every epoch's row, thinned to a few thousand.
    pub history: Thinned<PlaneRow>,
    pub first: Option<PlaneRow>,
    pub last: Option<PlaneRow>,
    pub diverged: Option<Diverged>,
    /// The row of the best epoch by validation loss, when validated.
    pub best: Option<PlaneRow>,
    /// Where the run stopped early, if it did.
    pub stopped: Option<Stopped>,
    /// The layers at the end (the best epoch's when it stopped early), in the data's units, as
    /// [`super::save_layers`] writes them.
    #[serde(skip)]
    pub trained: Vec<Layer>,
}

impl PlaneFit {
    /// The row whose parameters are the run's result: the best epoch's when it stopped early,
    /// else the last.
    pub fn kept(&self) -> Option<&PlaneRow> {
        match self.stopped {
            Some(_) => self.best.as_ref(),
            None => self.last.as_ref(),
        }
    }

    /// The best epoch by validation loss, and that loss.
    pub fn best_epoch(&self) -> Option<(usize, f64)> {
        self.best
            .as_ref()
            .and_then(|r| Some((r.epoch, r.val_loss?)))
    }
}

/// Trains `model` (the plane: a linear layer `d → 1`, from [`Classifier::Linear`]'s start or
/// [`Classifier::Given`]'s layer; or an MLP with one output) on `x` `(N, d)` and `y` `(N,)`
/// under `loss` with the optimizer of `settings` for `epochs` epochs, an update a batch of
/// `cut`, at the rates of `course`'s schedule, on the features in `units` where given (the rows
/// and the start are in the data's units), showing `on_row` each epoch's row (the loss on the
/// whole data; the plane's parameters, none for an MLP); `on_row` may stop the run. With
/// validation points `val` (`(x, y)` as `x`, `y`), each row has their loss, the best epoch is
/// marked and `course` may stop the run early.
pub fn fit_plane(
    (x, y): (&Tensor, &Tensor),
    val: Option<(&Tensor, &Tensor)>,
    loss: &AnyLoss,
    settings: Settings,
    (epochs, cut, course): (usize, Batches, &Course),
    (model, units): (&Classifier, Option<&Units>),
    mut on_row: impl FnMut(&PlaneRow) -> ControlFlow<()>,
) -> crate::Result<PlaneFit> {
    let (_, d) = x.dims2()?;
    let plane = network(model, (d, 1), units, x.dtype(), x.device())?;
    let in_units = |x: &Tensor| match units {
        Some(u) => u.apply(x),
        None => Ok(x.clone()),
    };
    let x = &in_units(x)?;
    let val = match val {
        Some((xv, yv)) => Some((in_units(xv)?, yv.reshape(((), 1))?)),
        None => None,
    };
    // The layers in the data's units.
    let trained = || plane.layers(units);
    let linear = matches!(plane, Net::Linear(_));
    let target = y.reshape(((), 1))?;
    let mut optimizer = AnyOptimizer::new(plane.parameters(), settings)?;
    let mut fit = PlaneFit {
        history: Thinned::new(2000),
        first: None,
        last: None,
        diverged: None,
        best: None,
        stopped: None,
        trained: Vec::new(),
    };
    let (batches, steps) = (cut.count(), epochs.saturating_mul(cut.count()));
    let mut pace = Pace::new(course, &settings, (epochs, batches))?;
    let vars = plane.parameters();
    let mut epoch_data = Vec::new();
    let ended = train(
        &mut optimizer,
        |step| {
            let part = cut.part((step, steps), &[x, &target], &mut epoch_data)?;
            loss.forward(&plane.forward(&part[0])?, &part[1], Reduction::Mean)
        },
        steps,
        |step, optimizer| {
            if step.step % batches != 0 {
                pace.at(step.step, None, optimizer);
                return Ok(ControlFlow::Continue(()));
            }
            // The row's loss is the whole data's, not the batch's.
            let whole = match cut.full() {
                true => step.loss,
                false => {
                    model::scalar(&loss.forward(&plane.forward(x)?, &target, Reduction::Mean)?)?
                }
            };
            // A batch's loss was finite, the whole data's is not: the run diverged here.
            if !whole.is_finite() {
                let start = fit.first.as_ref().map(|f| f.loss);
                fit.diverged = Some(Diverged::non_finite(step.step / batches, start));
                return Ok(ControlFlow::Break(()));
            }
            let params: Vec<f64> = match linear {
                true => trained()?
                    .into_iter()
                    .flat_map(|l| l.weight.into_iter().chain(l.bias))
                    .collect(),
                false => Vec::new(),
            };
            let val_loss = match &val {
                Some((xv, yv)) => Some(model::scalar(&loss.forward(
                    &plane.forward(xv)?,
                    yv,
                    Reduction::Mean,
                )?)?),
                None => None,
            };
            // A plateau follows the validation loss where there is one.
            pace.at(step.step, Some(val_loss.unwrap_or(whole)), optimizer);
            let row = PlaneRow {
                epoch: step.step / batches,
                params,
                loss: whole,
                lr: pace.lr(),
                val_loss,
            };
            let start = fit.first.get_or_insert_with(|| row.clone()).loss;
            fit.diverged = Diverged::check(row.epoch, row.loss, start);
            fit.history.push(row.clone());
            fit.last = Some(row.clone());
            if fit.diverged.is_some() {
                return Ok(ControlFlow::Break(()));
            }
            if let Some(v) = val_loss {
                let stopped = pace.judge((row.epoch, v), &row, &vars)?;
                if stopped.is_some() {
                    fit.stopped = stopped;
                    // The row is the evidence: written before stopping.
                    let _ = on_row(&row);
                    return Ok(ControlFlow::Break(()));
                }
            }
            Ok(on_row(&row))
        },
    )?;
    if let Ended::NonFinite { step } = ended {
        fit.diverged = Some(Diverged::non_finite(
            step.div_ceil(batches),
            fit.first.as_ref().map(|f| f.loss),
        ));
    }
    pace.rewind(&vars)?;
    fit.best = pace.take_best();
    fit.trained = trained()?;
    Ok(fit)
}
