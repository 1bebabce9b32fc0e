//! Training by gradient descent: one loop for any model, optimizer and loss ([`train`]), and
//! the line of the lesson trained with it ([`fit_line`], [`LineRun`]).

mod batches;
pub(crate) mod classes;
mod line;
mod pace;
mod params;
mod plane;
mod race;
mod run;
mod split;
mod units;

use std::ops::ControlFlow;

use candle_core::backprop::GradStore;
use candle_core::{Result, Tensor};
use candle_nn::optim::Optimizer;

pub use batches::Batches;
pub use classes::{
    columns, fit_classifier, outputs, ClassFit, ClassFrame, ClassMap, ClassRow, Classifier,
    Labelled,
};
pub use line::{
    check_start, diverging, fit_line, Diverged, Fit, Plan, Resume, Row, Standardize, Start,
    GROWTH_LIMIT, SEED,
};
pub(crate) use pace::Pace;
pub use pace::{Course, EarlyStop, Stopped};
pub use params::{
    layers_safetensors, line_safetensors, load_layers, load_line, save_layers, save_line, Layer,
    Network, Saved,
};
pub use plane::{fit_plane, PlaneFit, PlaneRow};
pub use race::{lane_names, Lane, LaneSummary, Race};
pub use run::{bound_text, curvature, Divergence, LineRun};
pub use split::{split, split_both};
pub use units::Units;

/// What the loop shows `on_step` before each update: the loss at the current parameters and
/// its gradients.
#[derive(Debug)]
pub struct Step<'a> {
    /// How many updates came before: 0 is the start.
    pub step: usize,
    pub loss: f64,
    pub grads: &'a GradStore,
}

/// How a training run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every update ran.
    Completed,
    /// The loss at `step` was NaN or infinite; `on_step` did not see it.
    NonFinite { step: usize },
    /// `on_step` asked to stop at `step`.
    Stopped { step: usize },
}

/// Gradient descent: for each step `0..=steps`, the loss at the current parameters, its
/// gradients by `backward`, `on_step`, then an update by `optimizer` (which holds the
/// parameters) — except after the last, so that step `s` sees the parameters after `s`
/// updates. Stops at the first non-finite loss, or when `on_step` says `Break`. `on_step` is
/// handed the optimizer to set the rate of the update that follows (a schedule's).
///
/// `loss(s)` is any closure that computes a scalar loss from the parameters: the whole data
/// set's (full batch: a step is an epoch) or the batch that update `s` trains on; `mse` of a
/// model's forward pass, or a fused kernel such as `loss::line_mse` when speed matters.
pub fn train<O: Optimizer>(
    optimizer: &mut O,
    mut loss: impl FnMut(usize) -> Result<Tensor>,
    steps: usize,
    mut on_step: impl FnMut(&Step<'_>, &mut O) -> Result<ControlFlow<()>>,
) -> Result<Ended> {
    for step in 0..=steps {
        let loss = loss(step)?;
        let grads = loss.backward()?;
        let value = model::scalar(&loss)?;
        if !value.is_finite() {
            return Ok(Ended::NonFinite { step });
        }
        let seen = Step {
            step,
            loss: value,
            grads: &grads,
        };
        if on_step(&seen, optimizer)?.is_break() {
            return Ok(Ended::Stopped { step });
        }
        if step < steps {
            optimizer.step(&grads)?;
        }
    }
    Ok(Ended::Completed)
}
