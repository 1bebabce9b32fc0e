//! Adam: each parameter's step is its gradient's running mean over the root of its running mean
//! square, so every parameter moves at about `lr` per step whatever the scale of its gradient.

use candle_core::backprop::GradStore;
use candle_core::{Result, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};

use super::{FromSettings, Settings};

/// Adam's settings, PyTorch's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamsAdam {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
}

impl Default for ParamsAdam {
    fn default() -> Self {
        Self {
            lr: 0.001,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// Adam as `torch.optim.Adam` defines it, bias-corrected: candle's AdamW without weight decay,
/// which is the same update.
#[derive(Debug)]
pub struct Adam(AdamW);

impl Optimizer for Adam {
    type Config = ParamsAdam;

    fn new(vars: Vec<Var>, p: ParamsAdam) -> Result<Self> {
        let params = ParamsAdamW {
            lr: p.lr,
            beta1: p.beta1,
            beta2: p.beta2,
            eps: p.eps,
            weight_decay: 0.0,
        };
        Ok(Self(AdamW::new(vars, params)?))
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.0.step(grads)
    }

    fn learning_rate(&self) -> f64 {
        self.0.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.0.set_learning_rate(lr);
    }
}

impl FromSettings for Adam {
    fn config(settings: &Settings) -> ParamsAdam {
        ParamsAdam {
            lr: settings.lr,
            ..ParamsAdam::default()
        }
    }
}
