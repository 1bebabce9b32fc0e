//! The fast path for the line `y = w·x + b` under a loss of the residual, fenced off from the
//! lesson: the loss of a whole (weight × bias) grid, and the loss with both gradients, each in
//! one fused pass over the data on the CPU (`kernels`, wrapped as candle ops in `ops`), and the
//! same arithmetic in plain candle ops ([`plain`]) everywhere else. Tests hold the two equal.
//!
//! A loss opts in by implementing [`Residual`] in its own file and pointing its
//! [`Loss::line_sweep`] and [`Loss::line_loss`]
//! at [`fused_sweep`] and [`fused_loss`].

use candle_core::{Result, Tensor};

use crate::{Loss, Mse};

pub(crate) mod kernels;
pub(crate) mod ops;
pub mod plain;

pub use kernels::{Elem, Residual};
pub use pulp::Simd;

/// The mean loss of the line `y = w·x + b` for every `(w, b)` of the grid `weights × biases`:
/// a `(W, B)` tensor, weight-major, where entry `(i, j)` is `mean(ℓ(y − weights[i]·x −
/// biases[j]))`. `x` and `y` are `(N,)`.
///
/// On the CPU this is one fused pass (no `(W·B, N)` table is built, partial sums are added in
/// f64); elsewhere it is [`plain::line_sweep`], the same arithmetic in candle ops.
pub fn fused_sweep<L: Loss + Residual>(
    loss: &L,
    x: &Tensor,
    y: &Tensor,
    weights: &[f64],
    biases: &[f64],
) -> Result<Tensor> {
    check_line_data(x, y, "line_sweep")?;
    if !x.device().is_cpu() {
        return plain::line_sweep(loss, x, y, weights, biases);
    }
    let (x, y) = (x.contiguous()?, y.contiguous()?);
    x.apply_op2_no_bwd(
        &y,
        &ops::LineSweep {
            loss: *loss,
            weights: weights.to_vec(),
            biases: biases.to_vec(),
        },
    )
}

/// The mean loss of the line `y = w·x + b` on `(x, y)`, differentiable in `weight` and `bias`:
/// the same value and gradients as `loss.forward(&(x·w + b), y, Reduction::Mean)`, where
/// `weight` holds one value (shape `(1, 1)` or `(1,)`) and `bias` one value or `None` for zero.
///
/// On the CPU the loss and both gradients come from one fused pass over the data, and the
/// backward pass reuses them; elsewhere it is [`plain::line_loss`].
pub fn fused_loss<L: Loss + Residual>(
    loss: &L,
    x: &Tensor,
    y: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
) -> Result<Tensor> {
    check_line_data(x, y, "line_loss")?;
    check_line_params(weight, bias)?;
    if !x.device().is_cpu() {
        return plain::line_loss(loss, x, y, weight, bias);
    }
    let zero;
    let bias = match bias {
        Some(b) => b,
        None => {
            zero = Tensor::zeros(1, weight.dtype(), weight.device())?;
            &zero
        }
    };
    weight.apply_op2(
        bias,
        ops::LineLoss {
            loss: *loss,
            x: x.contiguous()?,
            y: y.contiguous()?,
            grads: std::sync::OnceLock::new(),
        },
    )
}

/// Inside a loss's `impl Loss`: says it has the fused line kernel and points
/// [`Loss::line_sweep`] and [`Loss::line_loss`]
/// at [`fused_sweep`] and [`fused_loss`]. The loss implements [`Residual`] beside it.
#[macro_export]
macro_rules! fused_line_kernel {
    () => {
        const FUSED_LINE: bool = true;

        fn line_sweep(
            &self,
            x: &candle_core::Tensor,
            y: &candle_core::Tensor,
            weights: &[f64],
            biases: &[f64],
        ) -> candle_core::Result<candle_core::Tensor> {
            $crate::line::fused_sweep(self, x, y, weights, biases)
        }

        fn line_loss(
            &self,
            x: &candle_core::Tensor,
            y: &candle_core::Tensor,
            weight: &candle_core::Tensor,
            bias: Option<&candle_core::Tensor>,
        ) -> candle_core::Result<candle_core::Tensor> {
            $crate::line::fused_loss(self, x, y, weight, bias)
        }
    };
}

/// [`fused_sweep`] under MSE, the lesson's loss.
pub fn line_sweep(x: &Tensor, y: &Tensor, weights: &[f64], biases: &[f64]) -> Result<Tensor> {
    fused_sweep(&Mse, x, y, weights, biases)
}

/// [`fused_loss`] under MSE, the lesson's loss.
pub fn line_mse(x: &Tensor, y: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    fused_loss(&Mse, x, y, weight, bias)
}

pub(crate) fn check_line_params(weight: &Tensor, bias: Option<&Tensor>) -> Result<()> {
    for (name, p) in [("weight", Some(weight)), ("bias", bias)] {
        if let Some(p) = p {
            if p.elem_count() != 1 {
                candle_core::bail!(
                    "line_loss: the {name} must hold one value, got shape {:?}",
                    p.dims()
                );
            }
        }
    }
    Ok(())
}

pub(crate) fn check_line_data(x: &Tensor, y: &Tensor, name: &str) -> Result<()> {
    let n = x.dims1()?;
    if y.dims() != [n] {
        candle_core::bail!(
            "{name}: x has shape {:?} but y has {:?}; they must match",
            x.dims(),
            y.dims()
        );
    }
    if n == 0 {
        candle_core::bail!("{name}: empty input: there are no points to average over");
    }
    if x.dtype() != y.dtype() {
        candle_core::bail!("{name}: x is {:?} but y is {:?}", x.dtype(), y.dtype());
    }
    Ok(())
}
