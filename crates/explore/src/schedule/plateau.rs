//! The rate cut by `factor` when the loss stops falling for `patience` steps
//! (`torch.optim.lr_scheduler.ReduceLROnPlateau`: mode min, factor 0.1, patience 10, a relative
//! threshold 1e-4, cooldown 0, min_lr 0, eps 1e-8). It reads each step's loss: the validation
//! loss where there is one, else the training loss.

use super::{Params, Rule};

/// Reduce on plateau.
#[derive(Debug, Clone)]
pub struct Plateau {
    factor: f64,
    patience: u64,
    threshold: f64,
    cooldown: u64,
    min_lr: f64,
    best: f64,
    bad: u64,
    cooling: u64,
}

/// Changes smaller than this are not made (PyTorch's `eps`).
const EPS: f64 = 1e-8;

impl Rule for Plateau {
    const TAKES: &'static [&'static str] =
        &["factor", "patience", "threshold", "cooldown", "min_lr"];

    fn new(p: &Params, _: u64, _: f64) -> Self {
        Plateau {
            factor: p.factor,
            patience: p.patience,
            threshold: p.threshold,
            cooldown: p.cooldown,
            min_lr: p.min_lr,
            best: f64::INFINITY,
            bad: 0,
            cooling: 0,
        }
    }

    fn step(&mut self, _t: u64, lr: f64, _base: f64, loss: Option<f64>) -> f64 {
        let Some(loss) = loss else {
            return lr;
        };
        // Better: below the best by more than the relative threshold.
        if loss < self.best * (1.0 - self.threshold) {
            self.best = loss;
            self.bad = 0;
        } else {
            self.bad += 1;
        }
        if self.cooling > 0 {
            self.cooling -= 1;
            self.bad = 0;
        }
        if self.bad > self.patience {
            self.cooling = self.cooldown;
            self.bad = 0;
            let new = (lr * self.factor).max(self.min_lr);
            if lr - new > EPS {
                return new;
            }
        }
        lr
    }
}
