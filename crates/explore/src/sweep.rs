//! The loss of the line over a table of weights (`explore sweep`) and over an `(A, b)` grid
//! (`explore surface`), evaluated either directly (the model on every point for every pair) or
//! from the data's sufficient statistics (one pass over the data, then a closed formula per
//! pair), under any loss. The results are plain data; `report` and `plot` render them.

use candle_core::{DType, Device, Tensor};
use loss::{AnyLoss, LossName};

use crate::data::Dataset;
use crate::grid::{pad, span};
use crate::number::human;
use crate::objective::Objective;
use crate::Result;

/// How sweep and surface losses are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Method {
    /// `moments` under MSE, whose loss of a line has a closed form; `direct` under any other
    /// loss.
    #[default]
    Auto,
    /// Evaluate the model on every point for every weight: works for any model and loss.
    Direct,
    /// Use the data's sufficient statistics: MSE of a line is a quadratic in (A, b). MSE only.
    Moments,
}

impl Method {
    /// The method `Auto` stands for under `loss`: `Moments` for MSE, else `Direct`.
    pub fn resolve(self, loss: LossName) -> Method {
        match self {
            Method::Auto if loss == LossName::Mse => Method::Moments,
            Method::Auto => Method::Direct,
            m => m,
        }
    }

    /// `direct` or `moments` (of a resolved method), for messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Method::Moments => "moments",
            _ => "direct",
        }
    }

    /// Refuses `moments` under a loss other than MSE: its statistics give MSE's loss only.
    pub fn check(self, loss: LossName) -> Result<()> {
        if self == Method::Moments && loss != LossName::Mse {
            return Err(crate::Error::MomentsNeedMse(loss.name()));
        }
        Ok(())
    }
}

/// The loss at every `(weight, bias)` of the grid `weights × biases`, weight-major: entry
/// `i · biases.len() + j` is the loss at `(weights[i], biases[j])`.
///
/// `progress` is called with the number of grid points finished and the total.
#[allow(clippy::too_many_arguments)]
pub fn losses(
    data: &Dataset,
    weights: &[f64],
    biases: &[f64],
    method: Method,
    loss: &AnyLoss,
    dtype: DType,
    device: &Device,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<f64>> {
    method.check(loss.which())?;
    match method.resolve(loss.which()) {
        Method::Auto | Method::Moments => {
            let m = data.moments();
            // The moments work in f64; a loss the run's dtype cannot hold is infinite there, as
            // the direct method finds it, so every table, file and summary says the same.
            let limit = match dtype {
                DType::F32 => f64::from(f32::MAX),
                _ => f64::MAX,
            };
            let out: Vec<f64> = weights
                .iter()
                .flat_map(|&w| biases.iter().map(move |&b| m.loss(w, b)))
                .map(|l| if l.abs() > limit { f64::INFINITY } else { l })
                .collect();
            progress(out.len(), out.len());
            Ok(out)
        }
        Method::Direct => {
            let (x, y) = data.tensors(dtype, device)?;
            direct(loss, &x, &y, weights, biases, progress)
        }
    }
}

/// The direct method on tensors `x`, `y` `(N,)`: the model on every point for every grid
/// point, through the loss's [`AnyLoss::line_sweep`] (one fused pass on the CPU where the loss
/// has a kernel, bounded-memory candle ops otherwise). The weights go in about 50 parts only so
/// that `progress` can be told.
pub fn direct(
    loss: &AnyLoss,
    x: &Tensor,
    y: &Tensor,
    weights: &[f64],
    biases: &[f64],
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<f64>> {
    // Parts of at least 64 weights, so every part keeps the kernel's weight blocks full.
    let part = weights.len().div_ceil(50).max(64);
    let total = weights.len() * biases.len();
    let mut out = Vec::with_capacity(total);
    for ws in weights.chunks(part) {
        let grid = loss.line_sweep(x, y, ws, biases)?;
        out.extend(grid.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?);
        progress(out.len(), total);
    }
    Ok(out)
}

/// A sweep over weights with the bias fixed: the table's losses beside the exact optimum, where
/// the loss has one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sweep {
    pub weights: Vec<f64>,
    pub bias: f64,
    pub losses: Vec<f64>,
    pub method: Method,
    #[serde(serialize_with = "crate::dtype_name")]
    pub dtype: DType,
    pub loss: AnyLoss,
    /// The data's statistics: the default weights (not data of the result).
    #[serde(skip)]
    pub moments: model::Moments,
    /// The exact loss over the table's range, for the figure's curve.
    pub curve: Vec<(f64, f64)>,
    /// The exact best weight, or why there is none.
    #[serde(serialize_with = "crate::optimum_or_why")]
    pub optimum: std::result::Result<model::Optimum, String>,
    /// How the optimum is found: `closed-form`, `exact (weighted median)`.
    pub how: &'static str,
    /// "data/linear.csv (100 points)".
    pub source: String,
}

impl Sweep {
    /// The loss at each of `weights` (default: 21 round values around the optimum) with the
    /// bias held at `bias`. `progress` is told how many of how many weights are done.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        data: &Dataset,
        weights: Option<Vec<f64>>,
        bias: f64,
        method: Method,
        loss: &AnyLoss,
        dtype: DType,
        device: &Device,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Self> {
        method.check(loss.which())?;
        let moments = data.moments();
        let objective = Objective::new(*loss, data)?;
        let fit = model::BiasFit::Fixed(bias);
        let optimum = objective.optimum(fit);
        // The table around this loss's own best weight where it has one (MSE's elsewhere).
        let weights = weights.unwrap_or_else(|| match objective.centre(&optimum, fit) {
            Some(best) => crate::grid::weights_around(&moments, best.weight, 21),
            None => crate::grid::default_weights(&moments, fit, 21),
        });
        let losses = losses(
            data,
            &weights,
            &[bias],
            method,
            loss,
            dtype,
            device,
            progress,
        )?;
        let (lo, hi) = span(weights.iter().copied()).unwrap_or((0.0, 0.0));
        // One weight: the curve around it, as wide as the figure's axis, so that the exact loss
        // is drawn through the point rather than only named in the legend.
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            pad((lo, hi), 0.0)
        };
        let curve_weights = crate::grid::linspace(lo, hi, if hi > lo { 400 } else { 1 });
        let curve_losses = objective.grid(&curve_weights, &[bias])?;
        Ok(Self {
            weights,
            bias,
            losses,
            method: method.resolve(loss.which()),
            dtype,
            loss: *loss,
            moments,
            curve: curve_weights.into_iter().zip(curve_losses).collect(),
            optimum,
            how: objective.how(),
            source: data.describe(),
        })
    }
}

/// A surface: the loss over the grid `weights × biases`, weight-major.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Surface {
    pub weights: Vec<f64>,
    pub biases: Vec<f64>,
    /// `losses[i * biases.len() + j]` is the loss at `(weights[i], biases[j])`.
    pub losses: Vec<f64>,
    pub method: Method,
    #[serde(serialize_with = "crate::dtype_name")]
    pub dtype: DType,
    pub loss: AnyLoss,
    /// The data's statistics (not data of the result).
    #[serde(skip)]
    pub moments: model::Moments,
    /// The exact best line, or why there is none.
    #[serde(serialize_with = "crate::optimum_or_why")]
    pub optimum: std::result::Result<model::Optimum, String>,
    pub how: &'static str,
    pub source: String,
}

impl Surface {
    /// The loss over `weights × biases` (default: 81 round values of each around MSE's
    /// optimum). `progress` is told how many of how many grid points are done.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        data: &Dataset,
        weights: Option<Vec<f64>>,
        biases: Option<Vec<f64>>,
        method: Method,
        loss: &AnyLoss,
        dtype: DType,
        device: &Device,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Self> {
        method.check(loss.which())?;
        let moments = data.moments();
        let objective = Objective::new(*loss, data)?;
        let fit = model::BiasFit::Learn;
        let optimum = objective.optimum(fit);
        // The grid around this loss's own best line where it has one (MSE's elsewhere); found
        // only when a default axis needs it.
        let (default_w, default_b) = if weights.is_some() && biases.is_some() {
            (Vec::new(), Vec::new())
        } else {
            match objective.centre(&optimum, fit) {
                Some(best) => crate::grid::grid_around(&moments, (best.weight, best.bias), 81),
                None => crate::grid::default_grid(&moments, 81),
            }
        };
        let weights = weights.unwrap_or(default_w);
        let biases = biases.unwrap_or(default_b);
        crate::grid::check_grid_size(weights.len(), biases.len())?;
        let losses = losses(
            data, &weights, &biases, method, loss, dtype, device, progress,
        )?;
        Ok(Self {
            weights,
            biases,
            losses,
            method: method.resolve(loss.which()),
            dtype,
            loss: *loss,
            moments,
            optimum,
            how: objective.how(),
            source: data.describe(),
        })
    }
}

/// The formula of the line with the bias fixed: `y = A·x`, `y = A·x + 0.5`, `y = A·x − 2`.
pub fn formula(bias: f64) -> String {
    if bias == 0.0 {
        "y = A·x".to_string()
    } else if bias < 0.0 {
        format!("y = A·x − {}", human(-bias))
    } else {
        format!("y = A·x + {}", human(bias))
    }
}
