//! Binary cross-entropy on logits (PyTorch's `nn.BCEWithLogitsLoss`): the sigmoid and the
//! logarithm taken together, `(1 − y)·x − w·log σ(x)` with `log σ(x) = min(x, 0) −
//! log1p(e^−|x|)`, which stays finite and exact for logits of any size. (candle-nn's
//! `binary_cross_entropy_with_logit` takes the sigmoid first and gives −inf or NaN once a
//! logit saturates.)

use candle_core::{Result, Tensor};

use crate::elementwise::{check_pair, reduce, with_grad};
use crate::{check, Loss, Param, ParamError, Params, Reduction};

/// `(1 − y)·x − (1 + (pw − 1)·y)·log σ(x)`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BceWithLogits {
    /// The weight of positive examples, one number (PyTorch's `pos_weight`, default none,
    /// which is 1).
    pub pos_weight: Option<f64>,
}

/// `log(1 + u)` for `u ≥ 0`, accurate where `1 + u` rounds to 1: `log(w)·u/(w − 1)` with
/// `w = 1 + u` corrects the rounding of `w` (Goldberg's identity); candle has no `log1p`.
pub(crate) fn log1p(u: &Tensor) -> Result<Tensor> {
    let w = u.affine(1.0, 1.0)?;
    let shift = w.affine(1.0, -1.0)?;
    let exact = w.log()?.mul(u)?.div(&shift)?;
    shift.eq(0.0)?.where_cond(u, &exact)
}

/// `log σ(x) = min(x, 0) − log1p(e^−|x|)`, finite for every finite `x`.
pub(crate) fn log_sigmoid(x: &Tensor) -> Result<Tensor> {
    x.minimum(0.0)? - log1p(&x.abs()?.neg()?.exp()?)?
}

impl Loss for BceWithLogits {
    const NAME: &'static str = "bce-logits";
    const TORCH: &'static str = "nn.BCEWithLogitsLoss";
    const TITLE: &'static str = "BCE with logits";
    const USES: &'static [Param] = &[Param::PosWeight];

    fn new(p: &Params) -> std::result::Result<Self, ParamError> {
        let pos_weight = p
            .pos_weight
            .map(|w| check(Self::NAME, Param::PosWeight, w, w >= 0.0, "0 or more"))
            .transpose()?;
        Ok(BceWithLogits { pos_weight })
    }

    fn settings(&self) -> String {
        self.pos_weight.map_or(String::new(), |w| {
            format!("pos_weight = {}", crate::short(w))
        })
    }

    fn formula(&self) -> &'static str {
        "(1 − y)·x − (1 + (pos_weight − 1)·y)·log σ(x)"
    }

    /// `w·σ(x)·(1 − σ(x)) ≤ w/4`, with `w = 1 + (pos_weight − 1)·y` at most `max(1, pos_weight)`
    /// for y in [0, 1].
    fn curvature(&self) -> Option<f64> {
        Some(0.25 * self.pos_weight.unwrap_or(1.0).max(1.0))
    }

    fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
        check_pair(Self::NAME, pred, target)?;
        let (x, y) = (pred.detach(), target.detach());
        // PyTorch's weight of each element, 1 + (pw − 1)·y, and the gradient's pw·y.
        let (weight, pos) = match self.pos_weight {
            Some(pw) => (y.affine(pw - 1.0, 1.0)?, y.affine(pw, 0.0)?),
            None => (y.ones_like()?, y.clone()),
        };
        let value = (y.affine(-1.0, 1.0)?.mul(&x)? - weight.mul(&log_sigmoid(&x)?)?)?;
        let grad = (weight.mul(&candle_nn::ops::sigmoid(&x)?)? - pos)?;
        reduce(with_grad(&value, pred, &grad)?, reduction)
    }
}
