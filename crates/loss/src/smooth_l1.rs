//! Smooth L1 loss (PyTorch's `nn.SmoothL1Loss`): Huber divided by β, so its linear part has
//! slope 1 whatever β is; β = 0 is exactly L1.

use candle_core::{Result, Tensor};

use crate::elementwise::of_difference;
use crate::l1::sign;
use crate::line::{Elem, Residual, Simd};
use crate::{check, Loss, Param, ParamError, Params, Reduction, L1};

/// `½d²/β` if `|d| < β`, else `|d| − ½β`; `|d|` when β = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmoothL1 {
    /// The width of the square's zone; PyTorch's default is 1.
    pub beta: f64,
}

impl Default for SmoothL1 {
    fn default() -> Self {
        SmoothL1 { beta: 1.0 }
    }
}

impl Loss for SmoothL1 {
    const NAME: &'static str = "smooth-l1";
    const TORCH: &'static str = "nn.SmoothL1Loss";
    const TITLE: &'static str = "smooth L1";
    const USES: &'static [Param] = &[Param::Beta];
    crate::fused_line_kernel!();

    fn new(p: &Params) -> std::result::Result<Self, ParamError> {
        let beta = p.beta.unwrap_or(1.0);
        let beta = check(Self::NAME, Param::Beta, beta, beta >= 0.0, "0 or more")?;
        Ok(SmoothL1 { beta })
    }

    fn settings(&self) -> String {
        format!("β = {}", crate::short(self.beta))
    }

    fn formula(&self) -> &'static str {
        "½d²/β if |d| < β, else |d| − ½β"
    }

    fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
        let beta = self.beta;
        if beta == 0.0 {
            // PyTorch computes β = 0 as L1 (the formula would divide zero by zero).
            return L1.forward(pred, target, reduction);
        }
        let value = |d: &Tensor| {
            let a = d.abs()?;
            let inside = (a.sqr()?.affine(0.5, 0.0)? / beta)?;
            let outside = a.affine(1.0, -0.5 * beta)?;
            a.lt(beta)?.where_cond(&inside, &outside)
        };
        of_difference(Self::NAME, pred, target, reduction, value, |d| {
            (d / beta)?.clamp(-1.0, 1.0)
        })
    }

    fn pinned_optimum(&self, x: &[f64], y: &[f64], bias: f64) -> Option<f64> {
        (self.beta == 0.0)
            .then(|| L1.pinned_optimum(x, y, bias))
            .flatten()
    }

    fn curvature(&self) -> Option<f64> {
        (self.beta > 0.0).then(|| 1.0 / self.beta)
    }
}

impl Residual for SmoothL1 {
    #[inline(always)]
    fn accumulate<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>, acc: T::V<S>) -> T::V<S> {
        if self.beta == 0.0 {
            return L1.accumulate::<S, T>(simd, r, acc);
        }
        let a = T::vabs(simd, r);
        let beta = T::splat(simd, T::narrow(self.beta));
        let half_over_beta = T::splat(simd, T::narrow(0.5 / self.beta));
        let inside = T::vmul(simd, T::vmul(simd, a, a), half_over_beta);
        let outside = T::vsub(simd, a, T::splat(simd, T::narrow(0.5 * self.beta)));
        T::vadd(simd, acc, T::select_lt(simd, a, beta, inside, outside))
    }

    #[inline(always)]
    fn derivative<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>) -> T::V<S> {
        if self.beta == 0.0 {
            return T::vsign(simd, r);
        }
        let scaled = T::vmul(simd, r, T::splat(simd, T::narrow(1.0 / self.beta)));
        let upper = T::vmin(simd, scaled, T::splat(simd, T::narrow(1.0)));
        T::vmax(simd, upper, T::splat(simd, T::narrow(-1.0)))
    }

    fn value1(&self, r: f64) -> f64 {
        let a = r.abs();
        if a < self.beta {
            0.5 * a * a / self.beta
        } else {
            a - 0.5 * self.beta
        }
    }

    fn derivative1(&self, r: f64) -> f64 {
        if self.beta == 0.0 {
            sign(r)
        } else {
            (r / self.beta).clamp(-1.0, 1.0)
        }
    }
}
