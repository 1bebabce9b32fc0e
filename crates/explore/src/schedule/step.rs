//! The rate multiplied by γ every `step_size` steps (`torch.optim.lr_scheduler.StepLR`, γ 0.1).

use super::{Params, Rule};

/// Step decay: `lr·γ^⌊t / step_size⌋`.
#[derive(Debug, Clone)]
pub struct Step {
    step_size: u64,
    gamma: f64,
}

impl Rule for Step {
    const TAKES: &'static [&'static str] = &["step_size", "gamma"];

    fn new(p: &Params, _: u64, _: f64) -> Self {
        Step {
            step_size: p.step_size.max(1),
            gamma: p.gamma,
        }
    }

    fn step(&mut self, t: u64, lr: f64, _base: f64, _loss: Option<f64>) -> f64 {
        match t % self.step_size {
            0 => lr * self.gamma,
            _ => lr,
        }
    }
}
