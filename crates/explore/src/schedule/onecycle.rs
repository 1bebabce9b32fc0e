//! One cycle (`torch.optim.lr_scheduler.OneCycleLR`): the rate rises along a cosine from
//! `max_lr / div_factor` to `max_lr` (the base rate) over the first `pct_start` of the run, then
//! falls to `max_lr / div_factor / final_div_factor`, while the momentum (or Adam's β1) falls
//! from 0.95 to 0.85 and rises back (defaults 0.3, 25, 1e4). It steps every update.

use std::f64::consts::PI;

use super::{Params, Rule};

/// The two phases of the cycle.
#[derive(Debug, Clone)]
pub struct OneCycle {
    phases: [Phase; 2],
    total: u64,
}

/// A phase: its last step (a fraction, as PyTorch's), its rates and its momenta, from and to.
#[derive(Debug, Clone, Copy)]
struct Phase {
    end: f64,
    rate: (f64, f64),
    momentum: (f64, f64),
}

/// The momenta the cycle moves between, PyTorch's defaults.
const MOMENTUM: (f64, f64) = (0.85, 0.95);

/// `end + (start − end)/2·(cos(π·pct) + 1)`, PyTorch's `_annealing_cos`.
fn anneal((start, end): (f64, f64), pct: f64) -> f64 {
    end + (start - end) / 2.0 * ((PI * pct).cos() + 1.0)
}

impl OneCycle {
    /// The phase of step `t` and how far into it, as PyTorch's `get_lr` finds them.
    fn at(&self, t: u64) -> (Phase, f64) {
        let t = t.min(self.total) as f64;
        let mut start = 0.0;
        for (i, phase) in self.phases.iter().enumerate() {
            if t <= phase.end || i + 1 == self.phases.len() {
                return (*phase, (t - start) / (phase.end - start));
            }
            start = phase.end;
        }
        (self.phases[1], 1.0)
    }

    /// The rate at step `t`.
    fn rate(&self, t: u64) -> f64 {
        let (phase, pct) = self.at(t);
        anneal(phase.rate, pct)
    }
}

impl Rule for OneCycle {
    const TAKES: &'static [&'static str] = &["pct_start", "div_factor", "final_div_factor"];

    fn new(p: &Params, steps: u64, base: f64) -> Self {
        let total = steps.max(1);
        let initial = base / p.div_factor;
        let least = initial / p.final_div_factor;
        let (low, high) = MOMENTUM;
        let rising = Phase {
            end: p.pct_start * total as f64 - 1.0,
            rate: (initial, base),
            momentum: (high, low),
        };
        let falling = Phase {
            end: total as f64 - 1.0,
            rate: (base, least),
            momentum: (low, high),
        };
        OneCycle {
            phases: [rising, falling],
            total,
        }
    }

    fn first(&self, _base: f64) -> f64 {
        self.rate(0)
    }

    fn step(&mut self, t: u64, _lr: f64, _base: f64, _loss: Option<f64>) -> f64 {
        self.rate(t)
    }

    fn momentum(&self, t: u64) -> Option<f64> {
        let (phase, pct) = self.at(t);
        Some(anneal(phase.momentum, pct))
    }
}
