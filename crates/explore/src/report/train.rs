//! The reports of a training run and of a race: the heading, the last row or each lane's
//! outcome, beside the best line.

use super::{describe_exact, Report};
use crate::number::{count, human};
use crate::train::{Lane, LineRun, Race};

impl LineRun {
    /// The report of the run besides its rows (which are streamed as they are made): the
    /// heading, the last row beside the closed-form optimum, and the settings and whether it
    /// diverged in the JSON.
    pub fn report(&self) -> Report {
        let (optimum, how) = self
            .objective
            .best_if_cheap(model::BiasFit::learnt_or_pinned(self.learn_bias));
        let batches = match self.plan.batch_size {
            Some(b) if self.plan.shuffle => format!(", shuffled batches of {b}"),
            Some(b) => format!(", batches of {b} in file order"),
            None => String::new(),
        };
        let title = format!(
            "gradient descent on {}: {} of {}, {} lr {}{}{batches}{}, {}, {}",
            self.source,
            self.objective.loss.label(),
            if self.learn_bias {
                "y = A·x + b"
            } else {
                "y = A·x (bias pinned at 0)"
            },
            self.settings.kind.name(),
            human(self.settings.lr),
            match self.course.schedule.is_constant() {
                true => String::new(),
                false => format!(" ({})", self.course.schedule.describe()),
            },
            if self.plan.standardize.is_some() {
                ", standardized x"
            } else {
                ""
            },
            count(self.plan.epochs, "epoch"),
            self.dtype.as_str()
        );
        #[derive(serde::Serialize)]
        struct Details {
            lr: f64,
            optimizer: &'static str,
            max_stable_lr: Option<f64>,
            batch_size: Option<usize>,
            standardized: bool,
            diverged: bool,
            diverged_epoch: Option<usize>,
        }
        let details = Details {
            lr: self.settings.lr,
            optimizer: self.settings.kind.name(),
            max_stable_lr: self.stable_lr(),
            batch_size: self.plan.batch_size,
            standardized: self.plan.standardize.is_some(),
            diverged: self.fit.diverged.is_some(),
            diverged_epoch: self.fit.diverged.map(|d| d.epoch),
        };
        let validated = self.fit.first.is_some_and(|r| r.val_loss.is_some());
        let mut report = Report::new(Self::columns(validated), Vec::new(), self.dtype)
            .title(title)
            .loss(&self.objective.loss)
            .optimum(optimum.clone().ok())
            .details(&details);
        if let Some(u) = self.plan.standardize {
            report = report.summary(format!(
                "trained on x' = (x − {})/{}; weights and biases are shown in the data's own units",
                human(u.mean),
                human(u.std)
            ));
        }
        if let Some(last) = self.fit.kept() {
            let params = if self.learn_bias {
                format!("A = {}, b = {}", human(last.weight), human(last.bias))
            } else {
                format!("A = {}", human(last.weight))
            };
            report = report.summary(format!(
                "{}: {params} (loss {}{}); {}",
                super::ended(last.epoch, self.fit.stopped.is_some()),
                human(last.loss),
                super::validated(last.val_loss),
                describe_exact(&optimum, how, self.learn_bias, None)
            ));
        }
        report.validation(self.fit.best_epoch(), self.fit.stopped)
    }
}

impl Race {
    /// One row per optimizer: its learning rate, the epoch its loss first came within 1% of the
    /// optimum's, its final loss (the best marked), and whether it diverged.
    pub fn report(&self) -> Report {
        let column = |f: &dyn Fn(&Lane) -> f64| self.lanes.iter().map(f).collect::<Vec<f64>>();
        let (optimum, how) = self.best.clone();
        let lambda = self
            .objective
            .curvature(self.learn_bias, self.plan.standardize.is_some());
        // A schedule every lane shares is said once; lanes of their own are named by it.
        let schedule = match self.lanes.first().map(|l| &l.course.schedule) {
            Some(first)
                if !first.is_constant()
                    && self.lanes.iter().all(|l| l.course.schedule == *first) =>
            {
                format!(", the rate on a {} schedule", first.describe())
            }
            _ => String::new(),
        };
        let title = format!(
            "race on {}: {}, {}{}{schedule}{}, {}",
            self.source,
            self.objective.loss.label(),
            count(self.plan.epochs, "epoch"),
            self.plan
                .batch_size
                .map_or(String::new(), |b| format!(", batches of {b}")),
            if self.plan.standardize.is_some() {
                ", standardized x"
            } else {
                ""
            },
            self.dtype.as_str()
        );
        let names = self.names();
        let mut report = Report::new(
            vec![
                "lr",
                "stable_below",
                "epochs_to_1pct",
                "diverged",
                "final_loss",
            ],
            vec![
                column(&|l| l.settings.lr),
                column(&|l| {
                    lambda
                        .and_then(|lambda| l.settings.stable_lr(lambda))
                        .unwrap_or(f64::NAN)
                }),
                column(&|l| l.within.map_or(f64::NAN, |e| e as f64)),
                column(&|l| if l.fit.diverged.is_some() { 1.0 } else { 0.0 }),
                // A diverged lane has no final loss to compare (nor to be marked the best).
                column(&|l| match l.fit.diverged {
                    Some(_) => f64::NAN,
                    None => l.fit.last.map_or(f64::NAN, |r| r.loss),
                }),
            ],
            self.dtype,
        )
        .labels("optimizer", names)
        .title(title)
        .loss(&self.objective.loss)
        .optimum(optimum.clone().ok())
        .summary(describe_exact(&optimum, how, self.learn_bias, None));
        if let Some(t) = self.target() {
            report = report.summary(format!(
                "epochs_to_1pct: the first epoch with loss ≤ {} (within 1% of the optimum's); \
                 stable_below: the largest stable lr of full-batch descent where one is known; nan: none (a \
                 diverged lane has no final_loss)",
                human(t)
            ));
        }
        report
    }
}
