//! The rate along half a cosine from the base rate down to `eta_min` over `T_max` steps, and
//! back up after (`torch.optim.lr_scheduler.CosineAnnealingLR`; `T_max` the run's length unless
//! given, `eta_min` 0). PyTorch's recursive form, so that the rates are its own to the last bit.

use std::f64::consts::PI;

use super::{Params, Rule};

/// Cosine annealing.
#[derive(Debug, Clone)]
pub struct Cosine {
    t_max: u64,
    eta_min: f64,
}

impl Rule for Cosine {
    const TAKES: &'static [&'static str] = &["t_max", "eta_min"];

    fn new(p: &Params, steps: u64, _: f64) -> Self {
        Cosine {
            t_max: p.t_max.unwrap_or(steps).max(1),
            eta_min: p.eta_min,
        }
    }

    fn step(&mut self, t: u64, lr: f64, base: f64, _loss: Option<f64>) -> f64 {
        let (e, t_max) = (t as f64, self.t_max as f64);
        let eta = self.eta_min;
        if (t as i128 - 1 - self.t_max as i128).rem_euclid(2 * self.t_max as i128) == 0 {
            return lr + (base - eta) * (1.0 - (PI / t_max).cos()) / 2.0;
        }
        (1.0 + (PI * e / t_max).cos()) / (1.0 + (PI * (e - 1.0) / t_max).cos()) * (lr - eta) + eta
    }
}
