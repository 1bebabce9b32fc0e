//! The rate moved linearly from `start_factor`·base to `end_factor`·base over `total_iters`
//! steps (`torch.optim.lr_scheduler.LinearLR`: 1/3, 1, 5), in PyTorch's recursive form.

use super::{Params, Rule};

/// A linear ramp of the rate's factor.
#[derive(Debug, Clone)]
pub struct Linear {
    start: f64,
    end: f64,
    total: u64,
}

impl Linear {
    /// The ramp from `start` to `end` over `total` steps: a warm-up's.
    pub fn ramp(start: f64, end: f64, total: u64) -> Self {
        Linear { start, end, total }
    }
}

impl Rule for Linear {
    const TAKES: &'static [&'static str] = &["start_factor", "end_factor", "total_iters"];

    fn new(p: &Params, _: u64, _: f64) -> Self {
        Linear::ramp(p.start_factor, p.end_factor, p.total_iters)
    }

    fn first(&self, base: f64) -> f64 {
        base * self.start
    }

    fn step(&mut self, t: u64, lr: f64, _base: f64, _loss: Option<f64>) -> f64 {
        if t > self.total {
            return lr;
        }
        let (start, end) = (self.start, self.end);
        lr * (1.0 + (end - start) / (self.total as f64 * start + (t as f64 - 1.0) * (end - start)))
    }
}
