//! The candle custom ops around the fused kernels.

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Storage, Tensor};

use super::kernels::{self, Elem, Residual};

/// A contiguous slice of `storage` as `T`.
pub(crate) fn slice<'a, T: candle_core::WithDType>(
    storage: &'a CpuStorage,
    layout: &Layout,
) -> Result<&'a [T]> {
    let data = storage.as_slice::<T>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("the fused kernels need contiguous tensors"),
    }
}

pub(crate) struct LineSweep<L> {
    pub loss: L,
    pub weights: Vec<f64>,
    pub biases: Vec<f64>,
}

impl<L: Residual> CustomOp2 for LineSweep<L> {
    fn name(&self) -> &'static str {
        "line-sweep"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let shape = Shape::from((self.weights.len(), self.biases.len()));
        let storage = match (s1, s2) {
            (CpuStorage::F32(_), CpuStorage::F32(_)) => {
                let out = kernels::sweep::<f32, L>(
                    self.loss,
                    slice(s1, l1)?,
                    slice(s2, l2)?,
                    &self.weights,
                    &self.biases,
                );
                CpuStorage::F32(out.into_iter().map(|v| v as f32).collect())
            }
            (CpuStorage::F64(_), CpuStorage::F64(_)) => CpuStorage::F64(kernels::sweep::<f64, L>(
                self.loss,
                slice(s1, l1)?,
                slice(s2, l2)?,
                &self.weights,
                &self.biases,
            )),
            _ => candle_core::bail!("line_sweep: x and y must both be f32 or both f64"),
        };
        Ok((storage, shape))
    }
}

/// The loss of the line at `(weight, bias)`; the data rides in the op, and the gradients
/// computed by the forward pass wait in `grads` for the backward pass.
pub(crate) struct LineLoss<L> {
    pub loss: L,
    pub x: Tensor,
    pub y: Tensor,
    pub grads: OnceLock<(f64, f64)>,
}

impl<L: Residual> LineLoss<L> {
    fn run<T: Elem + candle_core::WithDType>(
        &self,
        w: &CpuStorage,
        lw: &Layout,
        b: &CpuStorage,
        lb: &Layout,
    ) -> Result<f64> {
        let (w, b) = (slice::<T>(w, lw)?[0].widen(), slice::<T>(b, lb)?[0].widen());
        let (xs, xl) = self.x.storage_and_layout();
        let (ys, yl) = self.y.storage_and_layout();
        let (Storage::Cpu(xs), Storage::Cpu(ys)) = (&*xs, &*ys) else {
            candle_core::bail!("line_loss: the data must be on the CPU for the fused kernel");
        };
        let x = slice::<T>(xs, xl)?;
        let [sum, sg, sxg] = kernels::stats(self.loss, x, slice::<T>(ys, yl)?, w, b);
        let n = x.len() as f64;
        // dL/dw = −mean(x·ℓ'(r)), dL/db = −mean(ℓ'(r)).
        let _ = self.grads.set((-sxg / n, -sg / n));
        Ok(sum / n)
    }
}

impl<L: Residual> CustomOp2 for LineLoss<L> {
    fn name(&self) -> &'static str {
        "line-loss"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let storage = match (s1, s2) {
            (CpuStorage::F32(_), CpuStorage::F32(_)) => {
                CpuStorage::F32(vec![self.run::<f32>(s1, l1, s2, l2)? as f32])
            }
            (CpuStorage::F64(_), CpuStorage::F64(_)) => {
                CpuStorage::F64(vec![self.run::<f64>(s1, l1, s2, l2)?])
            }
            _ => candle_core::bail!(
                "line_loss: weight and bias must both be f32 or both f64, like the data"
            ),
        };
        Ok((storage, Shape::from(())))
    }

    fn bwd(
        &self,
        weight: &Tensor,
        bias: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let Some(&(gw, gb)) = self.grads.get() else {
            candle_core::bail!("line_loss: backward before forward");
        };
        let grad = |g: f64, like: &Tensor| grad_res.affine(g, 0.0)?.reshape(like.shape());
        Ok((Some(grad(gw, weight)?), Some(grad(gb, bias)?)))
    }
}
