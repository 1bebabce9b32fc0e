//! Evaluating the loss of the line over a table of `(weight, bias)` pairs, either directly (the
//! model on every point for every pair, in chunks that fit a memory budget) or from the data's
//! sufficient statistics (one pass over the data, then a closed formula per pair).

use candle_core::{DType, Device, Tensor};

use crate::data::Dataset;
use crate::Result;

/// How sweep and surface losses are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Method {
    /// `moments` for a line under MSE (always, here), kept as the default so that a future model
    /// without a closed form falls back to `direct`.
    #[default]
    Auto,
    /// Evaluate the model on every point for every weight: works for any model.
    Direct,
    /// Use the data's sufficient statistics: MSE of a line is a quadratic in (A, b).
    Moments,
}

impl Method {
    /// The method `Auto` stands for: `Moments`, since every model here is a line under MSE.
    pub fn resolve(self) -> Method {
        match self {
            Method::Auto => Method::Moments,
            m => m,
        }
    }

    /// `direct` or `moments`, for messages and JSON.
    pub fn name(self) -> &'static str {
        match self.resolve() {
            Method::Direct => "direct",
            _ => "moments",
        }
    }
}

/// The loss at every `(weight, bias)` of the grid `weights × biases`, weight-major: entry
/// `i · biases.len() + j` is the loss at `(weights[i], biases[j])`.
///
/// `progress` is called with the number of grid points finished.
pub fn losses(
    data: &Dataset,
    weights: &[f64],
    biases: &[f64],
    method: Method,
    dtype: DType,
    device: &Device,
    progress: &dyn Fn(usize),
) -> Result<Vec<f64>> {
    match method.resolve() {
        Method::Auto | Method::Moments => {
            let m = data.moments();
            let out: Vec<f64> = weights
                .iter()
                .flat_map(|&w| biases.iter().map(move |&b| m.loss(w, b)))
                .collect();
            progress(out.len());
            Ok(out)
        }
        Method::Direct => {
            let (x, y) = data.tensors(dtype, device)?;
            direct(&x, &y, weights, biases, progress)
        }
    }
}

/// The direct method on tensors `x`, `y` `(N,)`: the model on every point for every grid
/// point, through [`loss::line_sweep`] (one fused pass on the CPU, bounded-memory candle ops
/// elsewhere). The weights go in about 50 parts only so that `progress` can be told.
pub fn direct(
    x: &Tensor,
    y: &Tensor,
    weights: &[f64],
    biases: &[f64],
    progress: &dyn Fn(usize),
) -> Result<Vec<f64>> {
    // Parts of at least 64 weights, so every part keeps the kernel's weight blocks full.
    let part = weights.len().div_ceil(50).max(64);
    let mut out = Vec::with_capacity(weights.len() * biases.len());
    for ws in weights.chunks(part) {
        let grid = loss::line_sweep(x, y, ws, biases)?;
        out.extend(grid.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?);
        progress(out.len());
    }
    Ok(out)
}

/// The pairs of a `weights × biases` grid in weight-major order: all biases for the first
/// weight, then all for the second, and so on.
pub fn grid(weights: &[f64], biases: &[f64]) -> (Vec<f64>, Vec<f64>) {
    weights
        .iter()
        .flat_map(|&w| biases.iter().map(move |&b| (w, b)))
        .unzip()
}

/// Index of the smallest loss, ignoring NaN; the first one on ties.
pub fn argmin(losses: &[f64]) -> Option<usize> {
    losses
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_nan())
        .fold(None, |best: Option<(usize, f64)>, (i, &l)| match best {
            Some((_, b)) if b <= l => best,
            _ => Some((i, l)),
        })
        .map(|(i, _)| i)
}

/// The closed-form optimum as a summary line: `A = -1 (loss 0)`, or why there is none.
pub fn describe_optimum(
    optimum: &std::result::Result<model::Optimum, model::NoOptimum>,
    with_bias: bool,
) -> String {
    use crate::report::human;
    match optimum {
        Ok(o) if with_bias => format!(
            "closed-form optimum: A = {}, b = {} (loss {})",
            human(o.weight),
            human(o.bias),
            human(o.loss)
        ),
        Ok(o) => format!(
            "closed-form optimum: A = {} (loss {})",
            human(o.weight),
            human(o.loss)
        ),
        Err(why) => format!("closed-form optimum: none ({why})"),
    }
}

/// JSON for an optimum: `{weight, bias, loss}`, or `null`.
pub fn optimum_json(
    optimum: &std::result::Result<model::Optimum, model::NoOptimum>,
) -> serde_json::Value {
    match optimum {
        Ok(o) => serde_json::json!({"weight": o.weight, "bias": o.bias, "loss": o.loss}),
        Err(_) => serde_json::Value::Null,
    }
}

/// The report of a sweep over weights with the bias fixed at `bias`.
pub fn sweep_report(
    weights: &[f64],
    losses: &[f64],
    bias: f64,
    moments: &model::Moments,
    dtype: DType,
) -> crate::report::Report {
    use crate::report::human;
    let minimum = argmin(losses);
    let optimum = moments.least_squares(model::BiasFit::Fixed(bias));
    let found = match minimum {
        Some(i) => format!(
            "minimum at A = {} (loss {})",
            human(weights[i]),
            human(losses[i])
        ),
        None => "no minimum: every loss is NaN".to_string(),
    };
    let mut json = serde_json::Map::new();
    json.insert("bias".into(), serde_json::json!(bias));
    json.insert("optimum".into(), optimum_json(&optimum));
    crate::report::Report {
        columns: vec!["weight", "loss"],
        values: vec![weights.to_vec(), losses.to_vec()],
        minimum,
        dtype,
        summary: vec![format!("{found}; {}", describe_optimum(&optimum, false))],
        json,
    }
}

/// The plot of a sweep: the exact loss curve (from the moments) over the table's range, the
/// evaluated losses as dots, the table's minimum and the closed-form optimum.
pub fn sweep_figure(
    title: String,
    weights: &[f64],
    losses: &[f64],
    bias: f64,
    moments: &model::Moments,
) -> crate::plot::LossCurve {
    let (lo, hi) = weights
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &w| {
            (lo.min(w), hi.max(w))
        });
    let curve = crate::spec::linspace(lo, hi, if hi > lo { 400 } else { 1 })
        .into_iter()
        .map(|w| (w, moments.loss(w, bias)))
        .collect();
    let minimum = argmin(losses).map(|i| (weights[i], losses[i]));
    let optimum = moments
        .least_squares(model::BiasFit::Fixed(bias))
        .ok()
        .map(|o| (o.weight, o.loss));
    crate::plot::LossCurve {
        title,
        x_label: "weight A".into(),
        curve,
        points: weights
            .iter()
            .copied()
            .zip(losses.iter().copied())
            .collect(),
        minimum,
        optimum,
        path: Vec::new(),
    }
}

/// About `count` round weights around the closed-form optimum for `fit`, reaching twice its
/// distance from 0 (at least ±2), so the minimum sits well inside the table.
pub fn default_weights(moments: &model::Moments, fit: model::BiasFit, count: usize) -> Vec<f64> {
    let centre = moments.least_squares(fit).map_or(0.0, |o| o.weight);
    crate::spec::nice_range(centre, 2.0 * centre.abs().max(1.0), count)
}

/// About `count × count` round weights and biases around the optimum. The bias range is the
/// weight range scaled by `sqrt(mean(x²))`, where a change in b costs as much loss as that
/// change in A, so the contours come out round rather than as thin stripes.
pub fn default_grid(moments: &model::Moments, count: usize) -> (Vec<f64>, Vec<f64>) {
    let (weight, bias) = match moments.least_squares(model::BiasFit::Learn) {
        Ok(o) => (o.weight, o.bias),
        // No unique optimum (all x equal): centre on the pinned-bias fit, through the mean.
        Err(_) => {
            let w = moments
                .least_squares(model::BiasFit::Fixed(0.0))
                .map_or(0.0, |o| o.weight);
            (w, moments.mean_y - w * moments.mean_x)
        }
    };
    let w_radius = 2.0 * weight.abs().max(1.0);
    let b_radius = (w_radius * moments.mean_xx().sqrt())
        .max(2.0 * bias.abs())
        .max(1.0);
    (
        crate::spec::nice_range(weight, w_radius, count),
        crate::spec::nice_range(bias, b_radius, count),
    )
}

/// The report of a surface: rows `weight, bias, loss` in weight-major order.
pub fn surface_report(
    weights: &[f64],
    biases: &[f64],
    losses: &[f64],
    moments: &model::Moments,
    dtype: DType,
) -> crate::report::Report {
    use crate::report::human;
    let minimum = argmin(losses);
    let optimum = moments.least_squares(model::BiasFit::Learn);
    let found = match minimum {
        Some(i) => format!(
            "minimum at A = {}, b = {} (loss {})",
            human(weights[i]),
            human(biases[i]),
            human(losses[i])
        ),
        None => "no minimum: every loss is NaN".to_string(),
    };
    let mut json = serde_json::Map::new();
    json.insert("optimum".into(), optimum_json(&optimum));
    crate::report::Report {
        columns: vec!["weight", "bias", "loss"],
        values: vec![weights.to_vec(), biases.to_vec(), losses.to_vec()],
        minimum,
        dtype,
        summary: vec![format!("{found}; {}", describe_optimum(&optimum, true))],
        json,
    }
}

/// The heat map of a surface over `weights × biases`, with the grid minimum and the optimum.
pub fn surface_figure(
    title: String,
    weights: &[f64],
    biases: &[f64],
    losses: &[f64],
    moments: &model::Moments,
) -> crate::plot::Heatmap {
    let nb = biases.len();
    let minimum = argmin(losses).map(|i| (weights[i / nb], biases[i % nb], losses[i]));
    let optimum = moments
        .least_squares(model::BiasFit::Learn)
        .ok()
        .map(|o| (o.weight, o.bias, o.loss));
    crate::plot::Heatmap {
        title,
        x_label: "weight A".into(),
        y_label: "bias b".into(),
        weights: weights.to_vec(),
        biases: biases.to_vec(),
        losses: losses.to_vec(),
        minimum,
        optimum,
        path: Vec::new(),
    }
}

/// The formula of the line with the bias fixed: `y = A·x`, `y = A·x + 0.5`, `y = A·x − 2`.
pub fn formula(bias: f64) -> String {
    use crate::report::human;
    if bias == 0.0 {
        "y = A·x".to_string()
    } else if bias < 0.0 {
        format!("y = A·x − {}", human(-bias))
    } else {
        format!("y = A·x + {}", human(bias))
    }
}
