//! A plane `y = w·x + b` on several features, trained with the one loop ([`super::train`])
//! under any regression loss: a linear layer `d → 1`, every weight and the bias starting where
//! they are told, a row `epoch, w…, bias, loss` each epoch.

use std::ops::ControlFlow;

use candle_core::Tensor;
use loss::{AnyLoss, Reduction};

use super::classes::{network, Net};
use super::{train, Batches, Classifier, Diverged, Ended, Layer, Units};
use crate::optim::{AnyOptimizer, Optimizer, Settings};
use crate::thin::Thinned;

/// One epoch of a plane's run: the weights then the bias, and the loss on the whole data,
/// after `epoch` updates.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlaneRow {
    pub epoch: usize,
    pub params: Vec<f64>,
    pub loss: f64,
}

/// How a plane's run went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlaneFit {
    /// Every epoch's row, thinned to a few thousand.
    pub history: Thinned<PlaneRow>,
    pub first: Option<PlaneRow>,
    pub last: Option<PlaneRow>,
    pub diverged: Option<Diverged>,
    /// The layers at the end, in the data's units, as [`super::save_layers`] writes them.
    #[serde(skip)]
    pub trained: Vec<Layer>,
}

/// Trains `model` (the plane: a linear layer `d → 1`, from [`Classifier::Linear`]'s start or
/// [`Classifier::Given`]'s layer; or an MLP with one output) on `x` `(N, d)` and `y` `(N,)`
/// under `loss` with the optimizer of `settings` for `epochs` epochs, an update a batch of
/// `cut`, on the features in `units` where given (the rows and the start are in the data's
/// units), showing `on_row` each epoch's row (the loss on the whole data; the plane's
/// parameters, none for an MLP); `on_row` may stop the run.
pub fn fit_plane(
    x: &Tensor,
    y: &Tensor,
    loss: &AnyLoss,
    settings: Settings,
    (epochs, cut): (usize, Batches),
    (model, units): (&Classifier, Option<&Units>),
    mut on_row: impl FnMut(&PlaneRow) -> ControlFlow<()>,
) -> crate::Result<PlaneFit> {
    let (_, d) = x.dims2()?;
    let plane = network(model, (d, 1), units, x.dtype(), x.device())?;
    let x = &match units {
        Some(u) => u.apply(x)?,
        None => x.clone(),
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
        trained: Vec::new(),
    };
    let (batches, steps) = (cut.count(), epochs.saturating_mul(cut.count()));
    let mut epoch_data = Vec::new();
    let ended = train(
        &mut optimizer,
        |step| {
            let part = cut.part((step, steps), &[x, &target], &mut epoch_data)?;
            loss.forward(&plane.forward(&part[0])?, &part[1], Reduction::Mean)
        },
        steps,
        |step| {
            if step.step % batches != 0 {
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
            let row = PlaneRow {
                epoch: step.step / batches,
                params,
                loss: whole,
            };
            let start = fit.first.get_or_insert_with(|| row.clone()).loss;
            fit.diverged = Diverged::check(row.epoch, row.loss, start);
            fit.history.push(row.clone());
            fit.last = Some(row.clone());
            if fit.diverged.is_some() {
                return Ok(ControlFlow::Break(()));
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
    fit.trained = trained()?;
    Ok(fit)
}
