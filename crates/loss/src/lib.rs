//! Mean squared error on candle tensors, with PyTorch's `nn.MSELoss` reductions and strict shapes.
//!
//! Two differences from PyTorch, both on purpose: shapes must match exactly (PyTorch silently
//! broadcasts an `(n, 1)` prediction against an `(n,)` target into an `(n, n)` loss, a classic
//! bug), and an empty input is an error rather than a NaN.

use candle_core::{Result, Tensor};

/// How the per-element squared errors are combined, as in PyTorch's `reduction=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The mean over all elements (PyTorch's default).
    #[default]
    Mean,
    /// The sum over all elements.
    Sum,
    /// No reduction: the squared error of each element, in the input's shape.
    None,
}

/// `(pred − target)²`, reduced as asked. `pred` and `target` must have the same shape.
pub fn mse(pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    if pred.dims() != target.dims() {
        candle_core::bail!(
            "mse: prediction shape {:?} differs from target shape {:?}; they must match exactly",
            pred.dims(),
            target.dims()
        );
    }
    if pred.elem_count() == 0 {
        candle_core::bail!(
            "mse: empty input (shape {:?}): there is nothing to average",
            pred.dims()
        );
    }
    let squared = (pred - target)?.sqr()?;
    match reduction {
        Reduction::Mean => squared.mean_all(),
        Reduction::Sum => squared.sum_all(),
        Reduction::None => Ok(squared),
    }
}

/// The mean squared error of each row of a prediction table: `pred` `(K, N)` against one target
/// `(N,)` gives `(K,)`, where entry `k` is `mse(pred[k], target, Mean)`.
pub fn mse_rows(pred: &Tensor, target: &Tensor) -> Result<Tensor> {
    let (k, n) = pred.dims2()?;
    if target.dims() != [n] {
        candle_core::bail!(
            "mse_rows: prediction table {:?} needs a target of shape [{n}], got {:?}",
            pred.dims(),
            target.dims()
        );
    }
    if k == 0 || n == 0 {
        candle_core::bail!(
            "mse_rows: empty input (shape {:?}): there is nothing to average",
            pred.dims()
        );
    }
    pred.broadcast_sub(&target.unsqueeze(0)?)?.sqr()?.mean(1)
}

pub mod line;

pub use line::{line_mse, line_sweep};
