//! The model of the lesson: a line `y = x·Wᵀ + b` on candle tensors, the same line evaluated for a
//! whole table of weights at once, and the closed-form least-squares optimum every sweep and every
//! training run is checked against.

use candle_core::{DType, Device, Result, Tensor, Var};

mod moments;

pub use moments::{BiasFit, Moments, NoOptimum, Optimum};

/// What the bias of a [`Linear`] does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bias {
    /// Pinned at exactly zero: not a parameter, never updated, not reported by
    /// [`Linear::parameters`].
    Zero,
    /// A learnable parameter starting at this value.
    Learnable(f64),
}

/// A linear layer `y = x·Wᵀ + b`.
///
/// `weight` has shape `(out, in)` and `bias` shape `(out,)`. The lesson's line is the case
/// `in = out = 1`, built with [`Linear::line`], which also accepts a plain `(N,)` input.
/// Parameters are [`Var`]s so that candle's autograd can train them; they are built from explicit
/// values because candle's CPU random generator cannot be seeded.
#[derive(Debug, Clone)]
pub struct Linear {
    weight: Var,
    bias: Option<Var>,
}

impl Linear {
    /// The line `y = weight·x + bias` with one input and one output.
    pub fn line(weight: f64, bias: Bias, dtype: DType, device: &Device) -> Result<Self> {
        let w = Tensor::new(&[[weight]], device)?.to_dtype(dtype)?;
        let b = match bias {
            Bias::Zero => None,
            Bias::Learnable(b) => Some(Tensor::new(&[b], device)?.to_dtype(dtype)?),
        };
        Self::from_tensors(w, b)
    }

    /// A layer from explicit tensors: `weight` `(out, in)`, `bias` `(out,)` or `None` for a bias
    /// pinned at zero.
    pub fn from_tensors(weight: Tensor, bias: Option<Tensor>) -> Result<Self> {
        let (out, _in) = weight.dims2()?;
        if let Some(b) = &bias {
            if b.dims() != [out] {
                candle_core::bail!(
                    "Linear: bias shape {:?} does not match weight shape {:?} (expected [{out}])",
                    b.dims(),
                    weight.dims()
                );
            }
            if b.dtype() != weight.dtype() || !b.device().same_device(weight.device()) {
                candle_core::bail!("Linear: weight and bias must share dtype and device");
            }
        }
        Ok(Self {
            weight: Var::from_tensor(&weight)?,
            bias: bias.map(|b| Var::from_tensor(&b)).transpose()?,
        })
    }

    /// Predictions for `x`: `(N, in) → (N, out)`, or for the line `(N,) → (N,)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (out, inp) = self.weight.dims2()?;
        let y = if x.rank() == 1 {
            if (out, inp) != (1, 1) {
                candle_core::bail!(
                    "Linear: a rank-1 input needs a 1×1 weight, this one is {out}×{inp}"
                );
            }
            // An elementwise product, not a matmul: an (N,1)·(1,1) matmul costs ten times more.
            x.broadcast_mul(&self.weight.flatten_all()?)?
        } else {
            x.matmul(&self.weight.t()?)?
        };
        match &self.bias {
            Some(b) => y.broadcast_add(b.as_tensor()),
            None => Ok(y),
        }
    }

    /// The weight `(out, in)`.
    pub fn weight(&self) -> &Var {
        &self.weight
    }

    /// The bias `(out,)`, or `None` when it is pinned at zero.
    pub fn bias(&self) -> Option<&Var> {
        self.bias.as_ref()
    }

    /// The trainable parameters: the weight, then the bias if it is learnable.
    pub fn parameters(&self) -> Vec<Var> {
        std::iter::once(self.weight.clone())
            .chain(self.bias.clone())
            .collect()
    }

    /// The line's `(weight, bias)` as numbers (`bias` is 0 when pinned).
    pub fn line_values(&self) -> Result<(f64, f64)> {
        let scalar = |t: &Tensor| t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>();
        let w = scalar(self.weight.as_tensor())?;
        if w.len() != 1 {
            candle_core::bail!(
                "Linear: line_values needs a 1×1 weight, got {:?}",
                self.weight.dims()
            );
        }
        let b = match &self.bias {
            Some(b) => scalar(b.as_tensor())?[0],
            None => 0.0,
        };
        Ok((w[0], b))
    }
}

/// Predictions of the line for a whole table of weights at once: `weights` `(K,)` and
/// `biases` `(K,)` (or `None` for a bias of zero) against inputs `x` `(N,)` give `(K, N)`, where
/// row `k` is `weights[k]·x + biases[k]`. One broadcast, no loop over the table.
pub fn predict_table(weights: &Tensor, biases: Option<&Tensor>, x: &Tensor) -> Result<Tensor> {
    let k = weights.dims1()?;
    x.dims1()?;
    let pred = weights.unsqueeze(1)?.broadcast_mul(&x.unsqueeze(0)?)?;
    match biases {
        Some(b) => {
            if b.dims1()? != k {
                candle_core::bail!(
                    "predict_table: {} biases for {k} weights; give one bias per weight",
                    b.dims1()?
                );
            }
            pred.broadcast_add(&b.unsqueeze(1)?)
        }
        None => Ok(pred),
    }
}
