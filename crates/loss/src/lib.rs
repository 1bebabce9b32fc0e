//! Mean squared error on candle tensors, with PyTorch's `nn.MSELoss` reductions and strict shapes.
//!
//! Two differences from PyTorch, both on purpose: shapes must match exactly (PyTorch silently
//! broadcasts an `(n, 1)` prediction against an `(n,)` target into an `(n, n)` loss, a classic
//! bug), and an empty input is an error rather than a NaN.

use candle_core::{Result, Tensor};

/// How the per-element squared errors are combined, as in PyTorch's `reduction=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The mean over all elements (PyTorch's default).
    #[default]
    Mean,
    /// The sum over all elements.
    Sum,
    /// No reduction: the squared error of each element, in the input's shape.
    None,
}

/// `(pred − target)²`, reduced as asked. `pred` and `target` must have the same shape.
pub fn mse(pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    if pred.dims() != target.dims() {
        candle_core::bail!(
            "mse: prediction shape {:?} differs from target shape {:?}; they must match exactly",
            pred.dims(),
            target.dims()
        );
    }
    if pred.elem_count() == 0 {
        candle_core::bail!(
            "mse: empty input (shape {:?}): there is nothing to average",
            pred.dims()
        );
    }
    let squared = (pred - target)?.sqr()?;
    match reduction {
        Reduction::Mean => squared.mean_all(),
        Reduction::Sum => squared.sum_all(),
        Reduction::None => Ok(squared),
    }
}

/// The mean squared error of each row of a prediction table: `pred` `(K, N)` against one target
/// `(N,)` gives `(K,)`, where entry `k` is `mse(pred[k], target, Mean)`.
pub fn mse_rows(pred: &Tensor, target: &Tensor) -> Result<Tensor> {
    let (k, n) = pred.dims2()?;
    if target.dims() != [n] {
        candle_core::bail!(
            "mse_rows: prediction table {:?} needs a target of shape [{n}], got {:?}",
            pred.dims(),
            target.dims()
        );
    }
    if k == 0 || n == 0 {
        candle_core::bail!(
            "mse_rows: empty input (shape {:?}): there is nothing to average",
            pred.dims()
        );
    }
    pred.broadcast_sub(&target.unsqueeze(0)?)?.sqr()?.mean(1)
}

mod fused;

/// The mean squared error of the line `y = w·x + b` for every `(w, b)` of the grid
/// `weights × biases`: a `(W, B)` tensor, weight-major, where entry `(i, j)` is
/// `mean((y − weights[i]·x − biases[j])²)`. `x` and `y` are `(N,)`.
///
/// On the CPU this is one fused pass (no `(W·B, N)` table is built, partial sums are added in
/// f64); elsewhere it is [`plain::line_sweep`], the same arithmetic in candle ops.
pub fn line_sweep(x: &Tensor, y: &Tensor, weights: &[f64], biases: &[f64]) -> Result<Tensor> {
    check_line_data(x, y, "line_sweep")?;
    if !x.device().is_cpu() {
        return plain::line_sweep(x, y, weights, biases);
    }
    let (x, y) = (x.contiguous()?, y.contiguous()?);
    x.apply_op2_no_bwd(
        &y,
        &ops::LineSweep {
            weights: weights.to_vec(),
            biases: biases.to_vec(),
        },
    )
}

/// The mean squared error of the line `y = w·x + b` on `(x, y)`, differentiable in `weight` and
/// `bias`: the same value and gradients as `mse(&(x·w + b), y, Reduction::Mean)`, where
/// `weight` holds one value (shape `(1, 1)` or `(1,)`) and `bias` one value or `None` for zero.
///
/// On the CPU the loss and both gradients come from one fused pass over the data, and the
/// backward pass reuses them; elsewhere it is [`plain::line_mse`].
pub fn line_mse(x: &Tensor, y: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    check_line_data(x, y, "line_mse")?;
    for (name, p) in [("weight", Some(weight)), ("bias", bias)] {
        if let Some(p) = p {
            if p.elem_count() != 1 {
                candle_core::bail!(
                    "line_mse: the {name} must hold one value, got shape {:?}",
                    p.dims()
                );
            }
        }
    }
    if !x.device().is_cpu() {
        return plain::line_mse(x, y, weight, bias);
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
        ops::LineMse {
            x: x.contiguous()?,
            y: y.contiguous()?,
            grads: std::sync::OnceLock::new(),
        },
    )
}

fn check_line_data(x: &Tensor, y: &Tensor, name: &str) -> Result<()> {
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

/// The line's sweep and loss in plain candle ops: the baseline the fused kernels are measured
/// and tested against, and the path on devices without a fused kernel (CUDA).
pub mod plain {
    use super::*;

    /// Temporaries of the plain sweep: it builds `(chunk, N)` prediction, residual and square
    /// tables, so it works through the grid in chunks that keep them under this budget.
    pub const BUDGET_BYTES: usize = 256 << 20;

    /// [`super::line_sweep`] as broadcasts: `(pairs, N)` predictions, then [`mse_rows`].
    pub fn line_sweep(x: &Tensor, y: &Tensor, weights: &[f64], biases: &[f64]) -> Result<Tensor> {
        check_line_data(x, y, "line_sweep")?;
        let n = x.dims1()?;
        let pairs: Vec<(f64, f64)> = weights
            .iter()
            .flat_map(|&w| biases.iter().map(move |&b| (w, b)))
            .collect();
        let per_pair = 3 * n * x.dtype().size_in_bytes();
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
            rows.push(mse_rows(&pred, y)?);
        }
        if rows.is_empty() {
            return Tensor::zeros((weights.len(), biases.len()), x.dtype(), x.device());
        }
        Tensor::cat(&rows, 0)?.reshape((weights.len(), biases.len()))
    }

    /// [`super::line_mse`] as `mse(x·w + b, y)`: a forward pass, then the loss.
    pub fn line_mse(
        x: &Tensor,
        y: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
    ) -> Result<Tensor> {
        let pred = x.broadcast_mul(&weight.flatten_all()?)?;
        let pred = match bias {
            Some(b) => pred.broadcast_add(&b.flatten_all()?)?,
            None => pred,
        };
        mse(&pred, y, Reduction::Mean)
    }
}

/// The candle custom ops around the fused kernels.
mod ops {
    use std::sync::OnceLock;

    use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Storage, Tensor};

    use crate::fused::{self, Elem};

    /// A contiguous slice of `storage` as `T`.
    fn slice<'a, T: candle_core::WithDType>(
        storage: &'a CpuStorage,
        layout: &Layout,
    ) -> Result<&'a [T]> {
        let data = storage.as_slice::<T>()?;
        match layout.contiguous_offsets() {
            Some((start, end)) => Ok(&data[start..end]),
            None => candle_core::bail!("fused line kernels need contiguous tensors"),
        }
    }

    pub(crate) struct LineSweep {
        pub weights: Vec<f64>,
        pub biases: Vec<f64>,
    }

    impl CustomOp2 for LineSweep {
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
                    let out = fused::sweep::<f32>(
                        slice(s1, l1)?,
                        slice(s2, l2)?,
                        &self.weights,
                        &self.biases,
                    );
                    CpuStorage::F32(out.into_iter().map(|v| v as f32).collect())
                }
                (CpuStorage::F64(_), CpuStorage::F64(_)) => CpuStorage::F64(fused::sweep::<f64>(
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
    pub(crate) struct LineMse {
        pub x: Tensor,
        pub y: Tensor,
        pub grads: OnceLock<(f64, f64)>,
    }

    impl LineMse {
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
                candle_core::bail!("line_mse: the data must be on the CPU for the fused kernel");
            };
            let x = slice::<T>(xs, xl)?;
            let [s2, s1, sx] = fused::stats(x, slice::<T>(ys, yl)?, w, b);
            let n = x.len() as f64;
            // dL/dw = −2·mean(x·r), dL/db = −2·mean(r).
            let _ = self.grads.set((-2.0 * sx / n, -2.0 * s1 / n));
            Ok(s2 / n)
        }
    }

    impl CustomOp2 for LineMse {
        fn name(&self) -> &'static str {
            "line-mse"
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
                    "line_mse: weight and bias must both be f32 or both f64, like the data"
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
                candle_core::bail!("line_mse: backward before forward");
            };
            let grad = |g: f64, like: &Tensor| grad_res.affine(g, 0.0)?.reshape(like.shape());
            Ok((Some(grad(gw, weight)?), Some(grad(gb, bias)?)))
        }
    }
}
