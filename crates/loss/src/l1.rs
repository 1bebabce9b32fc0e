//! Mean absolute error, `|ŷ − y|` (PyTorch's `nn.L1Loss`): every residual counts by its size,
//! so a few gross outliers cannot drag the line far. Its best line with the bias pinned is a
//! weighted median, exactly.

use candle_core::{Result, Tensor};

use crate::elementwise::of_difference;
use crate::line::{Elem, Residual, Simd};
use crate::{Loss, ParamError, Params, Reduction};

/// `|ŷ − y|`. It has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct L1;

impl Loss for L1 {
    const NAME: &'static str = "l1";
    const TORCH: &'static str = "nn.L1Loss";
    const TITLE: &'static str = "L1";
    crate::fused_line_kernel!();

    fn new(_: &Params) -> std::result::Result<Self, ParamError> {
        Ok(L1)
    }

    fn formula(&self) -> &'static str {
        "|d|"
    }

    fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
        of_difference(
            Self::NAME,
            pred,
            target,
            reduction,
            Tensor::abs,
            Tensor::sign,
        )
    }

    /// `mean |y − w·x − b|` over `w` is `mean |x|·|(y − b)/x − w|`: the weighted median of the
    /// slopes `(y − b)/x` with weights `|x|` (points at `x = 0` do not depend on `w`).
    fn pinned_optimum(&self, x: &[f64], y: &[f64], bias: f64) -> Option<f64> {
        let slopes: Vec<(f64, f64)> = x
            .iter()
            .zip(y)
            .filter(|(x, _)| **x != 0.0)
            .map(|(&x, &y)| ((y - bias) / x, x.abs()))
            .collect();
        weighted_median(slopes)
    }
}

/// The weighted median of `(value, weight)` pairs: a value `m` minimising `Σ weight·|value − m|`.
/// Where a whole interval minimises it (the weights below and above split exactly in half),
/// its midpoint. `None` when there are no pairs of positive weight or a value is not finite.
/// O(N log N).
pub fn weighted_median(mut pairs: Vec<(f64, f64)>) -> Option<f64> {
    pairs.retain(|&(_, w)| w > 0.0);
    if pairs.is_empty() || pairs.iter().any(|(v, w)| !v.is_finite() || !w.is_finite()) {
        return None;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let mut below = 0.0;
    for (i, &(v, w)) in pairs.iter().enumerate() {
        below += w;
        if 2.0 * below > total {
            return Some(v);
        }
        if 2.0 * below == total {
            // Every m between this value and the next is optimal: take the midpoint.
            let next = pairs.get(i + 1).map_or(v, |p| p.0);
            return Some(0.5 * (v + next));
        }
    }
    pairs.last().map(|p| p.0)
}

impl Residual for L1 {
    #[inline(always)]
    fn accumulate<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>, acc: T::V<S>) -> T::V<S> {
        T::vadd(simd, acc, T::vabs(simd, r))
    }

    #[inline(always)]
    fn derivative<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>) -> T::V<S> {
        T::vsign(simd, r)
    }

    fn value1(&self, r: f64) -> f64 {
        r.abs()
    }

    fn derivative1(&self, r: f64) -> f64 {
        sign(r)
    }
}

/// −1, 0 or 1: PyTorch's `sign` (Rust's `signum` says 1 at 0).
pub(crate) fn sign(r: f64) -> f64 {
    f64::from(u8::from(r > 0.0)) - f64::from(u8::from(r < 0.0))
}
