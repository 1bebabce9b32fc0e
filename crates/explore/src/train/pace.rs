//! What happens between updates besides the optimizer's step: the learning-rate schedule that
//! sets each update's rate (and a one-cycle's momentum), and early stopping on the validation
//! loss. Every training path calls [`Pace::at`] before each update and [`Pace::judge`] on each
//! epoch's validation loss.

use candle_core::{Tensor, Var};

use crate::optim::{AnyOptimizer, Hyper, Optimizer, Settings};
use crate::schedule::{Per, Plan as Schedule, Scheduler};

/// Early stopping: stop when the validation loss has not fallen below its best by more than
/// `min_delta` for `patience` epochs (Keras' `EarlyStopping`, mode `min`), keeping the best
/// epoch's parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EarlyStop {
    pub patience: usize,
    pub min_delta: f64,
}

/// How a run is paced besides its optimizer: the rate's schedule, and when to stop early.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Course {
    pub schedule: Schedule,
    pub early_stop: Option<EarlyStop>,
}

/// Where a run stopped early, and the epoch whose parameters it kept.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Stopped {
    /// The epoch it stopped at: `patience` epochs after the best.
    pub epoch: usize,
    /// The best epoch by validation loss, whose parameters the run reports and saves.
    pub best: usize,
    pub best_loss: f64,
    pub patience: usize,
    pub min_delta: f64,
}

impl Stopped {
    /// "stopped at epoch 61: the validation loss had not improved for 20 epochs since epoch 41
    /// (0.0123); the parameters are epoch 41's".
    pub fn describe(&self) -> String {
        format!(
            "stopped early at epoch {}: the validation loss had not improved for {} since epoch \
             {} ({}); the parameters kept are epoch {}'s",
            self.epoch,
            crate::number::count(self.patience, "epoch"),
            self.best,
            crate::number::human(self.best_loss),
            self.best
        )
    }
}

/// A run's schedule and early stopping as it runs, keeping the best epoch's row `R`.
#[derive(Debug, Clone)]
pub(crate) struct Pace<R> {
    scheduler: Scheduler,
    per: Per,
    batches: usize,
    /// Whether the schedule's momentum reaches the optimizer (it takes momentum or β1).
    cycles: bool,
    stop: Option<EarlyStop>,
    /// The best epoch by validation loss so far, that loss and the epoch's row.
    best: Option<(usize, f64, R)>,
    /// The parameters' values at the best epoch, when stopping early (to return to).
    kept: Vec<Tensor>,
    /// Where it stopped early.
    stopped: Option<Stopped>,
}

impl<R: Clone> Pace<R> {
    /// The pace of a run of `epochs` epochs of `batches` updates each, with the optimizer of
    /// `settings` (its rate the schedule's base).
    pub(crate) fn new(
        course: &Course,
        settings: &Settings,
        (epochs, batches): (usize, usize),
    ) -> crate::Result<Self> {
        let scheduler = course.schedule.scheduler(epochs, batches, settings.lr)?;
        let uses = settings.kind.uses();
        Ok(Self {
            cycles: uses.contains(&Hyper::Momentum) || uses.contains(&Hyper::Betas),
            scheduler,
            per: course.schedule.per(),
            batches: batches.max(1),
            stop: course.early_stop,
            best: None,
            kept: Vec::new(),
            stopped: None,
        })
    }

    /// Before update `step` (`step` updates done): steps the schedule — after every update, or
    /// at each epoch's start with the epoch's `loss` (the row's: validation's when there is
    /// some) — and gives the optimizer the rate (and momentum) of the update.
    pub(crate) fn at(&mut self, step: usize, loss: Option<f64>, optimizer: &mut AnyOptimizer) {
        if step > 0 {
            match self.per {
                Per::Batch => self.scheduler.step(None),
                Per::Epoch if step % self.batches == 0 => self.scheduler.step(loss),
                Per::Epoch => {}
            }
        }
        optimizer.set_learning_rate(self.scheduler.lr());
        if let (true, Some(m)) = (self.cycles, self.scheduler.momentum()) {
            optimizer.set_momentum(m);
        }
    }

    /// The rate of the next update: the row's `lr`.
    pub(crate) fn lr(&self) -> f64 {
        self.scheduler.lr()
    }

    /// Epoch `epoch`'s validation loss, its row being `row` and the parameters `vars`: kept
    /// when it is the best so far (by more than the early stop's `min_delta`; its parameters
    /// too when stopping early), and where the run stops early, if it does here.
    pub(crate) fn judge(
        &mut self,
        (epoch, val_loss): (usize, f64),
        row: &R,
        vars: &[Var],
    ) -> candle_core::Result<Option<Stopped>> {
        let min_delta = self.stop.map_or(0.0, |s| s.min_delta);
        let better = match &self.best {
            None => val_loss.is_finite(),
            Some((_, best, _)) => val_loss < best - min_delta,
        };
        if better {
            self.best = Some((epoch, val_loss, row.clone()));
            if self.stop.is_some() {
                self.kept = vars
                    .iter()
                    .map(|v| v.as_tensor().copy())
                    .collect::<candle_core::Result<_>>()?;
            }
        }
        let stopped = match (self.stop, &self.best) {
            (Some(stop), Some((best, best_loss, _)))
                if epoch >= *best + stop.patience && !better =>
            {
                Some(Stopped {
                    epoch,
                    best: *best,
                    best_loss: *best_loss,
                    patience: stop.patience,
                    min_delta: stop.min_delta,
                })
            }
            _ => None,
        };
        self.stopped = stopped;
        Ok(stopped)
    }

    /// After a run that stopped early, sets `vars` back to the best epoch's values.
    pub(crate) fn rewind(&self, vars: &[Var]) -> candle_core::Result<()> {
        if self.stopped.is_some() {
            for (var, value) in vars.iter().zip(&self.kept) {
                var.set(value)?;
            }
        }
        Ok(())
    }

    /// The row of the best epoch by validation loss, taken out at the end of the run.
    pub(crate) fn take_best(&mut self) -> Option<R> {
        self.best.take().map(|b| b.2)
    }
}
