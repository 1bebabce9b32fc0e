//! The rate multiplied by γ at each milestone step (`torch.optim.lr_scheduler.MultiStepLR`,
//! γ 0.1).

use super::{Params, Rule};

/// Decay at milestones: `lr·γ^(milestones passed)`.
#[derive(Debug, Clone)]
pub struct MultiStep {
    milestones: Vec<u64>,
    gamma: f64,
}

impl Rule for MultiStep {
    const TAKES: &'static [&'static str] = &["milestones", "gamma"];

    fn new(p: &Params, _: u64, _: f64) -> Self {
        MultiStep {
            milestones: p.milestones.clone(),
            gamma: p.gamma,
        }
    }

    fn step(&mut self, t: u64, lr: f64, _base: f64, _loss: Option<f64>) -> f64 {
        // A milestone given twice decays twice, as PyTorch's Counter does.
        let times = self.milestones.iter().filter(|&&m| m == t).count();
        lr * self.gamma.powi(times as i32)
    }
}
