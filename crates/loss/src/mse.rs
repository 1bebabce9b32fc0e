//! Mean squared error, `(ŷ − y)²` (PyTorch's `nn.MSELoss`): the lesson's loss, smooth, and
//! dragged hard by outliers because a residual counts by its square.

use candle_core::{Result, Tensor};

use crate::elementwise::of_difference;
use crate::line::{Elem, Residual, Simd};
use crate::{Loss, ParamError, Params, Reduction};

/// `(ŷ − y)²`. It has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Mse;

impl Loss for Mse {
    const NAME: &'static str = "mse";
    const TORCH: &'static str = "nn.MSELoss";
    const TITLE: &'static str = "MSE";
    crate::fused_line_kernel!();

    fn new(_: &Params) -> std::result::Result<Self, ParamError> {
        Ok(Mse)
    }

    fn formula(&self) -> &'static str {
        "d²"
    }

    fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
        of_difference(Self::NAME, pred, target, reduction, Tensor::sqr, |d| {
            d.affine(2.0, 0.0)
        })
    }

    fn curvature(&self) -> Option<f64> {
        Some(2.0)
    }
}

impl Residual for Mse {
    #[inline(always)]
    fn accumulate<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>, acc: T::V<S>) -> T::V<S> {
        T::mul_add(simd, r, r, acc)
    }

    #[inline(always)]
    fn derivative<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>) -> T::V<S> {
        T::vadd(simd, r, r)
    }

    fn value1(&self, r: f64) -> f64 {
        r * r
    }

    fn derivative1(&self, r: f64) -> f64 {
        2.0 * r
    }
}
