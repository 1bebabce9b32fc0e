//! The lesson's model: a linear layer `y = x·Wᵀ + b` whose bias is learnable or pinned at zero,
//! with the one-input line `y = A·x + b` as its special case.

use candle_core::{DType, Device, Result, Tensor, Var};
use candle_nn::VarMap;

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
        if self.weight.elem_count() != 1 {
            candle_core::bail!(
                "Linear: line_values needs a 1×1 weight, got {:?}",
                self.weight.dims()
            );
        }
        let bias = match &self.bias {
            Some(b) => crate::scalar(b.as_tensor())?,
            None => 0.0,
        };
        Ok((crate::scalar(self.weight.as_tensor())?, bias))
    }

    /// Adds the parameters to `varmap` as `weight` and `bias` (the names of PyTorch's
    /// `nn.Linear`), so that code written for any `VarMap` model (the landscapes) sees the line.
    pub fn register(&self, varmap: &VarMap) -> Result<()> {
        let mut vars = varmap
            .data()
            .lock()
            .map_err(|_| candle_core::Error::Msg("Linear: the VarMap lock is poisoned".into()))?;
        for (name, var) in [("weight", Some(&self.weight)), ("bias", self.bias.as_ref())] {
            if let Some(var) = var {
                vars.insert(name.to_string(), var.clone());
            }
        }
        Ok(())
    }
}

impl candle_nn::Module for Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Linear::forward(self, x)
    }
}
