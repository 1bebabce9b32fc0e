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
/// O(N) on average: a quickselect that keeps the side holding the half-weight point.
pub fn weighted_median(mut pairs: Vec<(f64, f64)>) -> Option<f64> {
    pairs.retain(|&(_, w)| w > 0.0);
    if pairs.is_empty() || pairs.iter().any(|(v, w)| !v.is_finite() || !w.is_finite()) {
        return None;
    }
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let by_value = |a: &(f64, f64), b: &(f64, f64)| a.0.total_cmp(&b.0);
    let smallest = |s: &[(f64, f64)]| s.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let largest = |s: &[(f64, f64)]| s.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    // `below`: the weight of every value left of `rest`, all of them below its values.
    let (mut rest, mut below) = (&mut pairs[..], 0.0);
    loop {
        let mid = rest.len() / 2;
        rest.select_nth_unstable_by(mid, by_value);
        let (left, right) = rest.split_at_mut(mid);
        let (pivot, right) = right.split_first_mut()?;
        let left_weight: f64 = left.iter().map(|p| p.1).sum();
        let up_to_left = below + left_weight;
        let up_to_pivot = up_to_left + pivot.1;
        if 2.0 * up_to_left > total {
            rest = left;
        } else if 2.0 * up_to_left == total {
            // Every m between the left's largest and the pivot is optimal: the midpoint.
            return Some(0.5 * (largest(left) + pivot.0));
        } else if 2.0 * up_to_pivot > total {
            return Some(pivot.0);
        } else if 2.0 * up_to_pivot == total {
            let next = if right.is_empty() {
                pivot.0
            } else {
                smallest(right)
            };
            return Some(0.5 * (pivot.0 + next));
        } else {
            below = up_to_pivot;
            rest = right;
        }
        if rest.is_empty() {
            return None;
        }
    }
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
