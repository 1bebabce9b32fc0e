//! The line's sweep and loss in plain candle ops: the baseline the fused kernels are measured
//! and tested against, and the path on devices without a fused kernel (CUDA).

use candle_core::{Result, Tensor};

use super::{check_line_data, check_line_params};
use crate::{Loss, Reduction};

/// Temporaries of the plain sweep: it builds `(chunk, N)` prediction, residual and square
/// tables, so it works through the grid in chunks that keep them under this budget.
pub const BUDGET_BYTES: usize = 256 << 20;

/// [`super::fused_sweep`] as broadcasts: `(pairs, N)` predictions, then [`Loss::rows`].
pub fn line_sweep<L: Loss>(
    loss: &L,
    x: &Tensor,
    y: &Tensor,
    weights: &[f64],
    biases: &[f64],
) -> Result<Tensor> {
    check_line_data(x, y, "line_sweep")?;
    let n = x.dims1()?;
    let pairs: Vec<(f64, f64)> = weights
        .iter()
        .flat_map(|&w| biases.iter().map(move |&b| (w, b)))
        .collect();
    let per_pair = 6 * n * x.dtype().size_in_bytes();
    let chunk = (BUDGET_BYTES / per_pair).max(1);
    let mut rows = Vec::with_capacity(pairs.len().div_ceil(chunk));
    for part in pairs.chunks(chunk) {
        let column = |f: fn(&(f64, f64)) -> f64| {
            let v: Vec<f64> = part.iter().map(f).collect();
            Tensor::new(v.as_slice(), x.device())?
                .to_dtype(x.dtype())?
                .unsqueeze(1)
        };
        let pred = column(|p| p.0)?.broadcast_mul(&x.unsqueeze(0)?)?;
        // A bias of exactly zero adds nothing: skip the pass, as plain code would.
        let pred = if part.iter().all(|p| p.1 == 0.0) {
            pred
        } else {
            pred.broadcast_add(&column(|p| p.1)?)?
        };
        rows.push(loss.rows(&pred, y)?);
    }
    if rows.is_empty() {
        return Tensor::zeros((weights.len(), biases.len()), x.dtype(), x.device());
    }
    Tensor::cat(&rows, 0)?.reshape((weights.len(), biases.len()))
}

/// [`super::fused_loss`] as `loss(x·w + b, y)`: a forward pass, then the loss.
pub fn line_loss<L: Loss>(
    loss: &L,
    x: &Tensor,
    y: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
) -> Result<Tensor> {
    check_line_data(x, y, "line_loss")?;
    check_line_params(weight, bias)?;
    let pred = x.broadcast_mul(&weight.flatten_all()?)?;
    let pred = match bias {
        Some(b) => pred.broadcast_add(&b.flatten_all()?)?,
        None => pred,
    };
    loss.forward(&pred, y, Reduction::Mean)
}
