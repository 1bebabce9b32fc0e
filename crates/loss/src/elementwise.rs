//! What every element-wise loss shares: the shape checks, the reductions, and a value joined to
//! the gradient PyTorch defines for it.

use candle_core::{Result, Tensor};

use crate::Reduction;

/// Refuses mismatched shapes and empty input, naming `loss`.
pub(crate) fn check_pair(loss: &str, pred: &Tensor, target: &Tensor) -> Result<()> {
    if pred.dims() != target.dims() {
        candle_core::bail!(
            "{loss}: prediction shape {:?} differs from target shape {:?}; they must match exactly",
            pred.dims(),
            target.dims()
        );
    }
    if pred.elem_count() == 0 {
        candle_core::bail!(
            "{loss}: empty input (shape {:?}): there is nothing to average",
            pred.dims()
        );
    }
    if pred.dtype() != target.dtype() {
        candle_core::bail!(
            "{loss}: prediction is {:?} but target is {:?}; they must be the same dtype",
            pred.dtype(),
            target.dtype()
        );
    }
    Ok(())
}

/// `value` (one loss per element), whose gradient in `pred` is `grad` (element-wise): the value
/// exactly, and exactly the gradient PyTorch's backward gives, on any device.
///
/// Autograd through the value's own ops would differ from PyTorch where the loss has a kink or
/// a clamp (|d| at 0, BCE's clamped logarithm at p = 0): this states the gradient instead.
/// `pred − pred.detach()` is zero in value and the identity in gradient.
pub(crate) fn with_grad(value: &Tensor, pred: &Tensor, grad: &Tensor) -> Result<Tensor> {
    if !pred.track_op() && !pred.is_variable() {
        return Ok(value.detach());
    }
    let handle = (pred - pred.detach())?;
    value.detach() + (handle * grad.detach())?
}

/// Per-element losses reduced as asked.
pub(crate) fn reduce(per_element: Tensor, reduction: Reduction) -> Result<Tensor> {
    match reduction {
        Reduction::Mean => per_element.mean_all(),
        Reduction::Sum => per_element.sum_all(),
        Reduction::None => Ok(per_element),
    }
}

/// An element-wise loss of `d = pred − target`: its `value(d)` and its derivative `grad(d)`,
/// checked, joined and reduced.
pub(crate) fn of_difference(
    loss: &str,
    pred: &Tensor,
    target: &Tensor,
    reduction: Reduction,
    value: impl Fn(&Tensor) -> Result<Tensor>,
    grad: impl Fn(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    check_pair(loss, pred, target)?;
    let d = (pred.detach() - target.detach())?;
    let per_element = with_grad(&value(&d)?, pred, &grad(&d)?)?;
    reduce(per_element, reduction)
}
