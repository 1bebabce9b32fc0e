//! Training by gradient descent: one loop for any model, optimizer and loss ([`train`]), and
//! the line of the lesson trained with it ([`fit_line`], [`LineRun`]).

mod line;

use std::ops::ControlFlow;

use candle_core::backprop::GradStore;
use candle_core::{Result, Tensor};
use candle_nn::optim::Optimizer;

pub use line::{
    default_lr, fit_line, load_line, save_line, Diverged, Fit, LineRun, Row, GROWTH_LIMIT,
};

/// What the loop shows `on_step` at each epoch: the loss at the current parameters and its
/// gradients, before the update.
#[derive(Debug)]
pub struct Step<'a> {
    /// How many updates came before: 0 is the start.
    pub epoch: usize,
    pub loss: f64,
    pub grads: &'a GradStore,
}

/// How a training run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every epoch ran.
    Completed,
    /// The loss at `epoch` was NaN or infinite; `on_step` did not see it.
    NonFinite { epoch: usize },
    /// `on_step` asked to stop at `epoch`.
    Stopped { epoch: usize },
}

/// Gradient descent: for each epoch `0..=epochs`, the loss at the current parameters, its
/// gradients by `backward`, `on_step`, then an update by `optimizer` (which holds the
/// parameters) — except after the last epoch, so that epoch `e` sees the parameters after `e`
/// updates. Stops at the first non-finite loss, or when `on_step` says `Break`.
///
/// `loss` is any closure that computes a scalar loss from the parameters: `mse` of a model's
/// forward pass, or a fused kernel such as `loss::line_mse` when speed matters.
pub fn train<O: Optimizer>(
    optimizer: &mut O,
    mut loss: impl FnMut() -> Result<Tensor>,
    epochs: usize,
    mut on_step: impl FnMut(&Step<'_>) -> Result<ControlFlow<()>>,
) -> Result<Ended> {
    for epoch in 0..=epochs {
        let loss = loss()?;
        let grads = loss.backward()?;
        let value = model::scalar(&loss)?;
        if !value.is_finite() {
            return Ok(Ended::NonFinite { epoch });
        }
        let step = Step {
            epoch,
            loss: value,
            grads: &grads,
        };
        if on_step(&step)?.is_break() {
            return Ok(Ended::Stopped { epoch });
        }
        if epoch < epochs {
            optimizer.step(&grads)?;
        }
    }
    Ok(Ended::Completed)
}
