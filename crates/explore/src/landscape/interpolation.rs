//! The 1-D view of a landscape: the loss along the straight line from the initial to the trained
//! parameters, `θ(t) = (1 − t)·θ₀ + t·θ*` for `t` in [−0.5, 1.5] (Goodfellow, Vinyals and Saxe
//! 2015), beside the loss along a random filter-normalised direction through `θ*`, on the same
//! axis: `θ* + (t − 1)·d`, so that both pass the trained model at `t = 1`.

use candle_core::{DType, Device, Result};
use candle_nn::VarMap;

use super::{line, random_direction, Config, RECORDS};
use crate::data::Dataset;
use crate::grid::linspace;
use crate::plot::{LossLines, Series};
use crate::report::{human, Report};

/// The loss along the interpolation and along a random direction, at each `t`.
#[derive(Debug, Clone)]
pub struct LossLine {
    /// The loss trained and drawn.
    pub loss: loss::AnyLoss,
    /// "mlp 1-16-16-1" and its number of parameters.
    pub model: String,
    pub parameters: usize,
    pub t: Vec<f64>,
    /// At `(1 − t)·θ₀ + t·θ*`.
    pub interpolation: Vec<f64>,
    /// At `θ* + (t − 1)·d`.
    pub random: Vec<f64>,
    /// The loss at `θ₀` and at `θ*` (t = 0 and 1, whether or not the grid has them).
    pub start_loss: f64,
    pub trained_loss: f64,
    pub epochs: usize,
    /// "data/sine.csv (200 points)".
    pub source: String,
    pub dtype: DType,
    /// The parameters at the end of the run.
    pub trained: super::Params,
}

impl LossLine {
    /// Trains the model of `config` on `data` and evaluates both lines at `config.steps` values
    /// of `t` from −0.5 to 1.5.
    pub fn run(data: &Dataset, config: &Config, dtype: DType, device: &Device) -> Result<Self> {
        let (net, x, y) = super::build(data, config, dtype, device)?;
        let loss = |_: &VarMap| {
            config
                .loss
                .forward(&net.forward(&x)?, &y, loss::Reduction::Mean)
        };
        let run = super::record(
            net.varmap(),
            &loss,
            config.optimizer,
            (config.epochs, RECORDS),
            config.stable_lr(data),
        )?;
        let (Some(start), Some(trained)) = (run.points.first(), run.points.last()) else {
            candle_core::bail!("landscape: the training run recorded no parameters");
        };
        let t = linspace(-0.5, 1.5, config.steps);
        let interpolation = line(net.varmap(), &loss, start, trained, &t)?;
        let ends = line(net.varmap(), &loss, start, trained, &[0.0, 1.0])?;
        let d = random_direction(
            trained,
            config.seed.wrapping_add(1),
            config.normalization,
            config.keep_1d,
        )?;
        let shifted: Vec<f64> = t.iter().map(|t| t - 1.0).collect();
        let random = line(
            net.varmap(),
            &loss,
            trained,
            &trained.add_scaled(&d, 1.0)?,
            &shifted,
        )?;
        Ok(Self {
            loss: config.loss,
            model: net.name().to_string(),
            parameters: net.parameter_count(),
            t,
            interpolation,
            random,
            start_loss: ends[0],
            trained_loss: ends[1],
            epochs: config.epochs,
            source: data.describe(),
            dtype,
            trained: trained.clone(),
        })
    }

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
                "with --epochs 0 the start is the trained model (loss {}): the interpolation \
                 is flat, and the random direction shows the landscape around it",
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

    /// Both lines against `t`.
    pub fn figure(&self) -> LossLines {
        let series = |label: &str, losses: &[f64]| Series {
            label: label.into(),
            losses: self.t.iter().copied().zip(losses.iter().copied()).collect(),
        };
        LossLines {
            loss: self.loss.label(),
            title: format!(
                "{} of {} on {} along a line",
                self.loss.label(),
                self.model,
                self.source
            ),
            x_label: "t (0: start θ₀, 1: trained θ*)".into(),
            series: vec![
                series("(1 − t)·θ₀ + t·θ*", &self.interpolation),
                series("θ* + (t − 1)·d, d random (filter-normalised)", &self.random),
            ],
            marks: vec![(0.0, "start".into()), (1.0, "trained".into())],
        }
    }
}
