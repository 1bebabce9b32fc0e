//! The edge of stability (Cohen et al. 2021): full-batch gradient descent drives the top
//! eigenvalue of the loss's Hessian up until it reaches `2/lr`, the bound the lesson prints for
//! the line, and then hovers there while the loss keeps falling, unsteadily. A run records
//! `λmax` every few epochs beside the loss.

use candle_core::{DType, Device};
use candle_nn::VarMap;

use super::{hessian, Config, PowerIteration};
use crate::data::Dataset;
use crate::number::human;
use crate::optim::Algorithm;

/// A training run with its sharpness every `every` epochs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sharpness {
    /// The loss trained and drawn.
    pub loss: loss::AnyLoss,
    /// "mlp 1-16-16-1 tanh" and its number of parameters.
    pub model: String,
    pub parameters: usize,
    pub optimizer: Algorithm,
    pub lr: f64,
    /// The largest curvature the optimizer is stable on at this rate, where one is known
    /// ([`crate::optim::Settings::stable_curvature`]): `2/lr` for plain SGD.
    pub stable_below: Option<f64>,
    /// The epochs at which `λmax` was taken, with it and the loss there.
    pub epochs: Vec<usize>,
    pub sharpness: Vec<f64>,
    pub losses: Vec<f64>,
    /// The loss at every epoch.
    pub history: Vec<f64>,
    pub every: usize,
    /// "data/sine.csv (200 points)".
    pub source: String,
    /// The parameters at the end of the run (tensors, saved by `--save`; not data of the
    /// result).
    #[serde(skip)]
    pub trained: super::Params,
}

impl Sharpness {
    /// Trains the model of `config` on `data` in f64 (the Hessian-vector products are finite
    /// differences, which need it) with `config.optimizer`, taking `λmax` of the Hessian every
    /// `every` epochs and at the end. `progress` is told epochs done of all.
    pub fn run(
        data: &Dataset,
        config: &Config,
        every: usize,
        device: &Device,
        progress: &dyn Fn(usize, usize),
    ) -> crate::Result<Self> {
        let dtype = DType::F64;
        let (net, x, y) = super::build(data, config, dtype, device)?;
        let loss = |_: &VarMap| {
            config
                .loss
                .forward(&net.forward(&x)?, &y, loss::Reduction::Mean)
        };
        let every = every.max(1);
        let (mut epochs, mut sharpness, mut losses, mut history) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut direction: Option<Vec<f64>> = None;
        let settings = PowerIteration {
            seed: config.seed,
            ..PowerIteration::default()
        };
        let last = config.epochs;
        let bound = config.stable_lr(data);
        let settings_now = (config.optimizer, &config.course);
        super::train_full_batch(net.varmap(), &loss, settings_now, last, bound, |step| {
            history.push(step.loss);
            if step.step % every == 0 || step.step == last {
                // The last step's eigenvector is a close guess for this one.
                let (lambda, v) =
                    hessian::top_eigenpair(net.varmap(), &loss, settings, direction.as_deref())?;
                direction = Some(v);
                epochs.push(step.step);
                sharpness.push(lambda);
                losses.push(step.loss);
                progress(step.step, last);
            }
            Ok(())
        })?;
        Ok(Self {
            loss: config.loss,
            model: net.name().to_string(),
            parameters: net.parameter_count(),
            optimizer: config.optimizer.kind,
            lr: config.optimizer.lr,
            stable_below: config.optimizer.stable_curvature(),
            epochs,
            sharpness,
            losses,
            history,
            every,
            source: data.describe(),
            trained: super::Params::of(net.varmap())?,
        })
    }

    /// `2/lr`: the largest curvature plain gradient descent at this rate is stable on.
    pub fn bound(&self) -> f64 {
        2.0 / self.lr
    }

    /// The bound the run is held to: its optimizer's own where one is known, else `2/lr`.
    pub fn edge(&self) -> f64 {
        self.stable_below.unwrap_or(self.bound())
    }

    /// What [`Sharpness::edge`] is, for the summary and the figure.
    pub fn edge_name(&self) -> String {
        let name = self.optimizer.name();
        match self.stable_below {
            Some(b) if b == self.bound() => format!("2/lr = {}", human(b)),
            Some(b) => format!("{name}'s bound at lr {} = {}", human(self.lr), human(b)),
            None => format!(
                "2/lr = {}, plain gradient descent's ({name} has no fixed bound)",
                human(self.bound())
            ),
        }
    }

    /// The mean `λmax` over the last quarter of the recorded epochs, as a fraction of the
    /// optimizer's bound ([`Sharpness::stable_below`], else `2/lr`).
    pub fn final_ratio(&self) -> f64 {
        let n = self.sharpness.len();
        let tail = &self.sharpness[n - n.div_ceil(4).max(1).min(n)..];
        tail.iter().sum::<f64>() / tail.len().max(1) as f64 / self.edge()
    }
}
