//! The reports of the landscape views: the plane's grid with the projected run, the loss along
//! a line, and the sharpness over a run.

use candle_core::DType;

use super::Report;
use crate::grid::{argmin, grid};
use crate::landscape::{LossLine, LossPlane, Sharpness};
use crate::number::{count, human};

impl LossPlane {
    /// Rows `alpha, beta, loss`, the grid minimum, a summary, and the trajectory in the JSON.
    pub fn report(&self) -> Report {
        let (ga, gb) = grid(&self.axis, &self.axis);
        let minimum = argmin(&self.losses);
        let first = self.path_losses.first().copied().unwrap_or(f64::NAN);
        let last = self.path_losses.last().copied().unwrap_or(f64::NAN);
        let n = self.axis.len();
        let title = format!(
            "{} landscape of {} on {} around the trained parameters: {} directions, {n} × {n} grid",
            self.loss.label(),
            self.model,
            self.source,
            self.directions.name(),
        );
        #[derive(serde::Serialize)]
        struct Point {
            epoch: usize,
            alpha: f64,
            beta: f64,
            loss: f64,
            /// The loss on the held-out points (`--val-split`).
            #[serde(skip_serializing_if = "Option::is_none")]
            val_loss: Option<f64>,
        }
        #[derive(serde::Serialize)]
        struct Details<'a> {
            model: &'a str,
            parameters: usize,
            directions: &'static str,
            normalization: &'static str,
            distance: f64,
            trajectory: Vec<Point>,
        }
        let trajectory = self
            .epochs
            .iter()
            .zip(&self.path)
            .zip(&self.path_losses)
            .enumerate()
            .map(|(k, ((&epoch, &(alpha, beta)), &loss))| Point {
                epoch,
                alpha,
                beta,
                loss,
                val_loss: self.val_losses.get(k).copied(),
            })
            .collect();
        let details = Details {
            model: &self.model,
            parameters: self.parameters,
            directions: self.directions.name(),
            normalization: self.normalization.name(),
            distance: self.distance,
            trajectory,
        };
        let mut report = Report::new(
            vec!["alpha", "beta", "loss"],
            vec![ga.clone(), gb.clone(), self.losses.clone()],
            self.dtype,
        )
        .title(title)
        .loss(&self.loss)
        .details(&details)
        .summary(format!(
            "trained {} ({}) on {} for {}: loss {} → {}",
            self.model,
            count(self.parameters, "parameter"),
            self.source,
            count(self.epochs.last().copied().unwrap_or(0), "epoch"),
            human(first),
            human(last)
        ));
        if let (Some(first), Some(last)) = (self.val_losses.first(), self.val_losses.last()) {
            report = report.summary(format!(
                "on the held-out points: loss {} → {}",
                human(*first),
                human(*last)
            ));
        }
        if let Some(i) = minimum {
            report = report.summary(format!(
                "grid minimum at α = {}, β = {} (loss {}); the trained model sits at α = 0, β = 0 (loss {})",
                human(ga[i]),
                human(gb[i]),
                human(self.losses[i]),
                human(last)
            ));
        }
        report
    }
}

impl LossLine {
    /// Rows `t, loss, random`: the loss along the interpolation and along the random direction.
    pub fn report(&self) -> Report {
        let (start, end) = (self.start_loss, self.trained_loss);
        // The largest rise on the way from θ₀ to θ*: 0 when the loss falls all the way.
        let between: Vec<f64> = self
            .t
            .iter()
            .zip(&self.interpolation)
            .filter(|(t, _)| (0.0..=1.0).contains(*t))
            .map(|(_, &l)| l)
            .collect();
        let bump = between
            .windows(2)
            .scan(f64::INFINITY, |low, w| {
                *low = low.min(w[0]);
                Some(w[1] - *low)
            })
            .fold(0.0f64, f64::max);
        #[derive(serde::Serialize)]
        struct Details<'a> {
            model: &'a str,
            parameters: usize,
            epochs: usize,
            start_loss: f64,
            trained_loss: f64,
        }
        Report::new(
            vec!["t", "loss", "random"],
            vec![
                self.t.clone(),
                self.interpolation.clone(),
                self.random.clone(),
            ],
            self.dtype,
        )
        .loss(&self.loss)
        .title(format!(
            "loss of {} on {} along θ(t) = (1 − t)·θ₀ + t·θ* (loss) and along a random \
             filter-normalised direction through θ* (random), both at θ* when t = 1",
            self.model, self.source
        ))
        .details(&Details {
            model: &self.model,
            parameters: self.parameters,
            epochs: self.epochs,
            start_loss: start,
            trained_loss: end,
        })
        .summary(if self.epochs == 0 {
            format!(
                "with no training the start is the trained model (loss {}): the \
                 interpolation is flat, and the random direction shows the landscape around it",
                human(end)
            )
        } else if bump > 0.0 {
            format!(
                "from the start (t = 0, loss {}) to the trained model (t = 1, loss {}) the \
                 loss rises by up to {} on the way",
                human(start),
                human(end),
                human(bump)
            )
        } else {
            format!(
                "from the start (t = 0, loss {}) to the trained model (t = 1, loss {}) the \
                 loss falls all the way: no barrier on the straight line",
                human(start),
                human(end)
            )
        })
    }
}

impl Sharpness {
    /// Rows `epoch, sharpness, loss`, with `2/lr` and how close the run came to it.
    pub fn report(&self) -> Report {
        let epochs: Vec<f64> = self.epochs.iter().map(|&e| e as f64).collect();
        #[derive(serde::Serialize)]
        struct Details<'a> {
            model: &'a str,
            parameters: usize,
            optimizer: &'static str,
            lr: f64,
            two_over_lr: f64,
            stable_below: Option<f64>,
            every: usize,
        }
        let peak = self
            .sharpness
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let report = Report::new(
            vec!["epoch", "sharpness", "loss"],
            vec![epochs, self.sharpness.clone(), self.losses.clone()],
            DType::F64,
        )
        .loss(&self.loss)
        .title(format!(
            "sharpness λmax(H) of {} on {} while training with {} at lr {} (f64)",
            self.model,
            self.source,
            self.optimizer.name(),
            human(self.lr)
        ))
        .details(&Details {
            model: &self.model,
            parameters: self.parameters,
            optimizer: self.optimizer.name(),
            lr: self.lr,
            two_over_lr: self.bound(),
            stable_below: self.stable_below,
            every: self.every,
        })
        .summary(format!(
            "λmax went from {} to a peak of {}; {}; over the last quarter of the run it \
             averaged {:.0}% of it",
            human(self.sharpness.first().copied().unwrap_or(f64::NAN)),
            human(peak),
            self.edge_name(),
            100.0 * self.final_ratio()
        ));
        report
    }
}
