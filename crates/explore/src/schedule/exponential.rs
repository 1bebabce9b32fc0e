//! The rate multiplied by γ every step (`torch.optim.lr_scheduler.ExponentialLR`).

use super::{Params, Rule};

/// Exponential decay: `lr·γ^t`.
#[derive(Debug, Clone)]
pub struct Exponential {
    gamma: f64,
}

impl Rule for Exponential {
    const TAKES: &'static [&'static str] = &["gamma"];

    fn new(p: &Params, _: u64, _: f64) -> Self {
        Exponential { gamma: p.gamma }
    }

    fn step(&mut self, _t: u64, lr: f64, _base: f64, _loss: Option<f64>) -> f64 {
        lr * self.gamma
    }
}
