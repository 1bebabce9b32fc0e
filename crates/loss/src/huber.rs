//! Huber loss (PyTorch's `nn.HuberLoss`): the square for residuals within δ, a straight line
//! beyond, joined smoothly at `|d| = δ` — MSE's smoothness near the fit, L1's calm about
//! outliers.

use candle_core::{Result, Tensor};

use crate::elementwise::of_difference;
use crate::line::{Elem, Residual, Simd};
use crate::{check, Loss, Param, ParamError, Params, Reduction};

/// `½d²` if `|d| ≤ δ`, else `δ·(|d| − ½δ)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Huber {
    /// Where the square turns into a line; PyTorch's default is 1.
    pub delta: f64,
}

impl Default for Huber {
    fn default() -> Self {
        Huber { delta: 1.0 }
    }
}

impl Loss for Huber {
    const NAME: &'static str = "huber";
    const TORCH: &'static str = "nn.HuberLoss";
    const TITLE: &'static str = "Huber";
    const USES: &'static [Param] = &[Param::Delta];
    crate::fused_line_kernel!();

    fn new(p: &Params) -> std::result::Result<Self, ParamError> {
        let delta = p.delta.unwrap_or(1.0);
        let delta = check(Self::NAME, Param::Delta, delta, delta > 0.0, "positive")?;
        Ok(Huber { delta })
    }

    fn settings(&self) -> String {
        format!("δ = {}", crate::short(self.delta))
    }

    fn formula(&self) -> &'static str {
        "½d² if |d| ≤ δ, else δ·(|d| − ½δ)"
    }

    fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
        let delta = self.delta;
        let value = |d: &Tensor| {
            // m = min(|d|, δ): m·(|d| − ½m) is ½d² inside and δ·(|d| − ½δ) outside.
            let a = d.abs()?;
            let m = a.minimum(delta)?;
            m.mul(&(a - m.affine(0.5, 0.0)?)?)
        };
        of_difference(Self::NAME, pred, target, reduction, value, |d| {
            d.clamp(-delta, delta)
        })
    }

    fn curvature(&self) -> Option<f64> {
        Some(1.0)
    }
}

impl Residual for Huber {
    #[inline(always)]
    fn accumulate<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>, acc: T::V<S>) -> T::V<S> {
        let a = T::vabs(simd, r);
        let m = T::vmin(simd, a, T::splat(simd, T::narrow(self.delta)));
        let rest = T::mul_add(simd, T::splat(simd, T::narrow(-0.5)), m, a);
        T::mul_add(simd, m, rest, acc)
    }

    #[inline(always)]
    fn derivative<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>) -> T::V<S> {
        let delta = T::narrow(self.delta);
        let upper = T::vmin(simd, r, T::splat(simd, delta));
        T::vmax(simd, upper, T::splat(simd, T::default() - delta))
    }

    fn value1(&self, r: f64) -> f64 {
        let (a, m) = (r.abs(), r.abs().min(self.delta));
        m * (a - 0.5 * m)
    }

    fn derivative1(&self, r: f64) -> f64 {
        r.clamp(-self.delta, self.delta)
    }
}
