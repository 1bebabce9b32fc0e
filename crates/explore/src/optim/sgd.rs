//! Plain gradient descent, the lesson's update: every parameter steps against its gradient,
//! `θ ← θ − lr·∇L`.

use candle_core::backprop::GradStore;
use candle_core::{Result, Var};
use candle_nn::optim::Optimizer;

use super::{FromSettings, Settings};

/// Stochastic gradient descent without momentum (PyTorch's `torch.optim.SGD(lr=lr)`).
#[derive(Debug)]
pub struct Sgd {
    vars: Vec<Var>,
    lr: f64,
}

impl Optimizer for Sgd {
    /// The learning rate.
    type Config = f64;

    fn new(vars: Vec<Var>, lr: f64) -> Result<Self> {
        Ok(Self { vars, lr })
    }

    fn step(&mut self, grads: &GradStore) -> Result<()> {
        for var in &self.vars {
            if let Some(grad) = grads.get(var) {
                var.set(&var.sub(&(grad * self.lr)?)?)?;
            }
        }
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.lr = lr;
    }
}

impl FromSettings for Sgd {
    fn config(settings: &Settings) -> f64 {
        settings.lr
    }
}
