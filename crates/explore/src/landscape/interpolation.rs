//! The 1-D view of a landscape: the loss along the straight line from the initial to the trained
//! parameters, `θ(t) = (1 − t)·θ₀ + t·θ*` for `t` in [−0.5, 1.5] (Goodfellow, Vinyals and Saxe
//! 2015), beside the loss along a random filter-normalised direction through `θ*`, on the same
//! axis: `θ* + (t − 1)·d`, so that both pass the trained model at `t = 1`.

use candle_core::{DType, Device};
use candle_nn::VarMap;

use super::{line, random_direction, Config, RECORDS};
use crate::data::Dataset;
use crate::grid::linspace;

/// The loss along the interpolation and along a random direction, at each `t`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LossLine {
    /// The loss trained and drawn.
    pub loss: loss::AnyLoss,
    /// "mlp 1-16-16-1 tanh" and its number of parameters.
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
    #[serde(serialize_with = "crate::dtype_name")]
    pub dtype: DType,
    /// The parameters at the end of the run (tensors, saved by `--save`; not data of the
    /// result).
    #[serde(skip)]
    pub trained: super::Params,
}

impl LossLine {
    /// Trains the model of `config` on `data` and evaluates both lines at `config.steps` values
    /// of `t` from −0.5 to 1.5.
    pub fn run(
        data: &Dataset,
        config: &Config,
        dtype: DType,
        device: &Device,
    ) -> crate::Result<Self> {
        let (net, x, y) = super::build(data, config, dtype, device)?;
        let loss = |_: &VarMap| {
            config
                .loss
                .forward(&net.forward(&x)?, &y, loss::Reduction::Mean)
        };
        let run = super::record(
            net.varmap(),
            &loss,
            (config.optimizer, &config.course),
            (config.epochs, RECORDS),
            config.stable_lr(data),
            &|_, _, _| {},
            None,
        )?;
        let (Some(start), Some(trained)) = (run.points.first(), run.points.last()) else {
            return Err(candle_core::Error::Msg(
                "landscape: the training run recorded no parameters".into(),
            )
            .into());
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
}
