//! Binary cross-entropy on probabilities (PyTorch's `nn.BCELoss`): `−[y·log p + (1 − y)·log(1 − p)]`
//! with each logarithm clamped at −100, as PyTorch does, so a confident wrong answer costs 100
//! rather than infinity.

use candle_core::{Result, Tensor};

use crate::elementwise::{check_pair, reduce, with_grad};
use crate::{Loss, ParamError, Params, Reduction};

/// PyTorch's floor under each logarithm.
const LOG_FLOOR: f64 = -100.0;
/// PyTorch's floor under `p·(1 − p)` in the gradient, which keeps it finite at 0 and 1: 1e-12
/// as a `float`, which PyTorch's f64 gradients show (−1.111111115550892e11, not −1.1e11, for
/// p = 1e-30, y = 1 over 9 elements).
const GRAD_EPS: f64 = 1e-12_f32 as f64;

/// `−[y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)]`. It has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bce;

impl Loss for Bce {
    const NAME: &'static str = "bce";
    const TORCH: &'static str = "nn.BCELoss";
    const TITLE: &'static str = "BCE";

    fn new(_: &Params) -> std::result::Result<Self, ParamError> {
        Ok(Bce)
    }

    fn formula(&self) -> &'static str {
        "−[y·log p + (1 − y)·log(1 − p)], logs ≥ −100"
    }

    /// `pred` holds probabilities: a value outside [0, 1] is an error, as in PyTorch.
    fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
        check_pair(Self::NAME, pred, target)?;
        let (p, y) = (pred.detach(), target.detach());
        let (lo, hi) = (
            p.min_all()?
                .to_dtype(candle_core::DType::F64)?
                .to_scalar::<f64>()?,
            p.max_all()?
                .to_dtype(candle_core::DType::F64)?
                .to_scalar::<f64>()?,
        );
        if !(lo >= 0.0 && hi <= 1.0) {
            candle_core::bail!(
                "bce: every prediction must be a probability in [0, 1], got values in [{lo}, {hi}]"
            );
        }
        let log_p = p.log()?.maximum(LOG_FLOOR)?;
        let log_q = p.affine(-1.0, 1.0)?.log()?.maximum(LOG_FLOOR)?;
        let value = (y.mul(&log_p)? + y.affine(-1.0, 1.0)?.mul(&log_q)?)?.neg()?;
        let spread = p.mul(&p.affine(-1.0, 1.0)?)?.maximum(GRAD_EPS)?;
        let grad = (p - y)?.div(&spread)?;
        reduce(with_grad(&value, pred, &grad)?, reduction)
    }
}
