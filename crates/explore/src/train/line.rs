//! The line of the lesson trained with the one loop: its rows, its stable learning rate, its
//! report and its figure, and its parameters saved and loaded as safetensors.

use std::ops::ControlFlow;

use candle_core::backprop::GradStore;
use candle_core::{DType, Result, Tensor};
use candle_nn::optim::Optimizer;
use model::{Linear, Moments};

use super::{train, Ended};
use crate::optim::{AnyOptimizer, Settings};
use crate::report::{describe_optimum, human, Report};

/// One row of a line's training run: the parameters after `epoch` updates, the loss there, and
/// the gradient there (the one the next update follows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub epoch: usize,
    pub weight: f64,
    pub bias: f64,
    pub loss: f64,
    pub grad_weight: f64,
    /// 0 when the bias is pinned.
    pub grad_bias: f64,
}

/// Why training stopped before its last epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diverged {
    /// The epoch whose loss was not finite (NaN or infinite).
    pub epoch: usize,
    pub lr: f64,
}

/// The rows of a run, `0..=epochs` or up to the last finite loss, and whether it diverged.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub rows: Vec<Row>,
    pub diverged: Option<Diverged>,
}

/// Trains the line `model` on `x`, `y` (both `(N,)`), full batch, with the optimizer of
/// `settings`, for `epochs` updates. `on_row` sees every row as it is made (for progress).
///
/// The loss is `loss::line_mse`: the same value and gradients as
/// `mse(&model.forward(x)?, y, Mean)`, from one fused pass over the data on the CPU.
pub fn fit_line(
    model: &Linear,
    x: &Tensor,
    y: &Tensor,
    settings: Settings,
    epochs: usize,
    mut on_row: impl FnMut(&Row),
) -> Result<Trajectory> {
    let mut optimizer = AnyOptimizer::new(model.parameters(), settings)?;
    let bias = model.bias().map(|b| b.as_tensor());
    let loss = || loss::line_mse(x, y, model.weight().as_tensor(), bias);
    let mut rows = Vec::with_capacity(epochs.saturating_add(1).min(1 << 20));
    let grad = |grads: &GradStore, var: Option<&candle_core::Var>| match var
        .and_then(|v| grads.get(v.as_tensor()))
    {
        Some(g) => model::scalar(g),
        None => Ok(0.0),
    };
    let ended = train(&mut optimizer, loss, epochs, |step| {
        let (weight, bias) = model.line_values()?;
        let row = Row {
            epoch: step.epoch,
            weight,
            bias,
            loss: step.loss,
            grad_weight: grad(step.grads, Some(model.weight()))?,
            grad_bias: grad(step.grads, model.bias())?,
        };
        on_row(&row);
        rows.push(row);
        Ok(ControlFlow::Continue(()))
    })?;
    let diverged = match ended {
        Ended::NonFinite { epoch } => Some(Diverged {
            epoch,
            lr: settings.lr,
        }),
        _ => None,
    };
    Ok(Trajectory { rows, diverged })
}

/// The learning rate `explore train` uses when none is given: half the largest stable rate
/// `2/λmax(H)`, which converges on any data (a fixed rate such as the classic 0.01 sits at the
/// edge of stability on data/linear.csv and diverges on data with larger x). A flat loss (every
/// x is 0 with the bias pinned) has no bound: any rate is stable, and 0.01 is used.
pub fn default_lr(moments: &Moments, learn_bias: bool) -> f64 {
    let bound = moments.max_stable_lr(learn_bias);
    if bound.is_finite() {
        bound / 2.0
    } else {
        0.01
    }
}

/// A training run of the line, with what its report and figure need.
#[derive(Debug, Clone)]
pub struct LineRun {
    pub trajectory: Trajectory,
    /// The data's statistics: the exact landscape, the optimum and the stable bound.
    pub moments: Moments,
    pub learn_bias: bool,
    pub settings: Settings,
    /// The number of epochs asked for.
    pub epochs: usize,
    /// "data/linear.csv (100 points)".
    pub source: String,
    pub dtype: DType,
}

impl LineRun {
    fn fit(&self) -> model::BiasFit {
        if self.learn_bias {
            model::BiasFit::Learn
        } else {
            model::BiasFit::Fixed(0.0)
        }
    }

    /// The one-line message for a run that diverged, with the learning rate and its stable
    /// bound; `None` when it did not.
    pub fn divergence_message(&self) -> Option<String> {
        let d = self.trajectory.diverged?;
        Some(format!(
            "the loss became non-finite at epoch {}: learning rate {} is too large; gradient \
             descent is stable only for lr < 2/λmax(H) = {} on this data",
            d.epoch,
            human(d.lr),
            human(self.moments.max_stable_lr(self.learn_bias))
        ))
    }

    /// Rows `epoch, weight, bias, loss`, the lowest loss marked, and the last row beside the
    /// closed-form optimum.
    pub fn report(&self) -> Report {
        let rows = &self.trajectory.rows;
        let column = |f: fn(&Row) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
        let losses = column(|r| r.loss);
        let optimum = self.moments.least_squares(self.fit());
        let title = format!(
            "gradient descent on {}: {}, {} lr {}, {} epochs, {}",
            self.source,
            if self.learn_bias {
                "y = A·x + b"
            } else {
                "y = A·x (bias pinned at 0)"
            },
            self.settings.kind.name(),
            human(self.settings.lr),
            self.epochs,
            self.dtype.as_str()
        );
        #[derive(serde::Serialize)]
        struct Details {
            lr: f64,
            optimizer: &'static str,
            max_stable_lr: f64,
        }
        let details = Details {
            lr: self.settings.lr,
            optimizer: self.settings.kind.name(),
            max_stable_lr: self.moments.max_stable_lr(self.learn_bias),
        };
        let mut report = Report::new(
            vec!["epoch", "weight", "bias", "loss"],
            vec![
                column(|r| r.epoch as f64),
                column(|r| r.weight),
                column(|r| r.bias),
                losses.clone(),
            ],
            self.dtype,
        )
        .title(title)
        .minimum(crate::grid::argmin(&losses))
        .optimum(optimum.ok())
        .details(&details);
        if let Some(last) = rows.last() {
            let params = if self.learn_bias {
                format!("A = {}, b = {}", human(last.weight), human(last.bias))
            } else {
                format!("A = {}", human(last.weight))
            };
            report = report.summary(format!(
                "after {} epochs: {params} (loss {}); {}",
                last.epoch,
                human(last.loss),
                describe_optimum(&optimum, self.learn_bias)
            ));
        }
        report
    }

    /// The picture of the run: its path over the exact loss landscape (the curve when the bias
    /// is pinned, the (A, b) heat map when it is learnt), and its loss against epoch.
    pub fn figure(&self) -> crate::plot::TrainFigure {
        use crate::plot::{pad, span, Heatmap, Landscape, LossCurve, LossHistory, TrainFigure};
        let steps = &self.trajectory.rows;
        let (moments, learn_bias) = (&self.moments, self.learn_bias);
        let fit = if learn_bias {
            model::BiasFit::Learn
        } else {
            model::BiasFit::Fixed(0.0)
        };
        let optimum = moments.least_squares(fit).ok();
        // The view covers the whole path and the optimum, with a margin.
        let around = |values: &mut dyn Iterator<Item = f64>| {
            let (lo, hi) = pad(span(values).unwrap_or((-1.0, 1.0)), 0.15);
            crate::grid::linspace(lo, hi, 121)
        };
        let weights = around(
            &mut steps
                .iter()
                .map(|s| s.weight)
                .chain(optimum.map(|o| o.weight)),
        );
        let title = format!("gradient descent on {}", self.source);
        let landscape = if learn_bias {
            let mut biases =
                around(&mut steps.iter().map(|s| s.bias).chain(optimum.map(|o| o.bias)));
            // As in `sweep::default_grid`: give b the range where it costs as much loss as A does
            // over its range, so the bowl reads as a bowl rather than as stripes.
            let (w_lo, w_hi) = (weights[0], weights[weights.len() - 1]);
            let (b_lo, b_hi) = (biases[0], biases[biases.len() - 1]);
            let half = 0.5 * (w_hi - w_lo) * moments.mean_xx().sqrt();
            if half > 0.5 * (b_hi - b_lo) {
                let mid = 0.5 * (b_lo + b_hi);
                biases = crate::grid::linspace(mid - half, mid + half, biases.len());
            }
            let (gw, gb) = crate::grid::grid(&weights, &biases);
            let losses = gw
                .iter()
                .zip(&gb)
                .map(|(&w, &b)| moments.loss(w, b))
                .collect();
            Landscape::Map(Heatmap {
                title,
                x_label: "weight A".into(),
                y_label: "bias b".into(),
                weights,
                biases,
                losses,
                minimum: None,
                optimum: optimum.map(|o| (o.weight, o.bias, o.loss)),
                path: steps.iter().map(|s| (s.weight, s.bias)).collect(),
            })
        } else {
            Landscape::Curve(LossCurve {
                title,
                x_label: "weight A".into(),
                curve: weights.iter().map(|&w| (w, moments.loss(w, 0.0))).collect(),
                points: Vec::new(),
                minimum: None,
                optimum: optimum.map(|o| (o.weight, o.loss)),
                path: steps.iter().map(|s| (s.weight, s.loss)).collect(),
            })
        };
        let diverged = if self.trajectory.diverged.is_some() {
            " (diverged)"
        } else {
            ""
        };
        TrainFigure {
            landscape,
            history: LossHistory {
                title: format!("loss per epoch{diverged}"),
                losses: steps.iter().map(|s| (s.epoch as f64, s.loss)).collect(),
                optimum_loss: optimum.map(|o| o.loss),
            },
        }
    }
}

/// Saves the line's parameters as safetensors: `weight` `(1, 1)` and, when learnable, `bias`
/// `(1,)`, the shapes of PyTorch's `nn.Linear(1, 1)`.
pub fn save_line(model: &Linear, path: &std::path::Path) -> crate::Result<()> {
    let mut tensors = std::collections::HashMap::new();
    tensors.insert("weight".to_string(), model.weight().as_tensor().clone());
    if let Some(b) = model.bias() {
        tensors.insert("bias".to_string(), b.as_tensor().clone());
    }
    crate::io::write_atomic_with(path, |tmp| candle_core::safetensors::save(&tensors, tmp))
}

/// Reads parameters saved by [`save_line`]: the weight, and the bias if the file has one.
pub fn load_line(path: &std::path::Path) -> crate::Result<(f64, Option<f64>)> {
    let at = path.display().to_string();
    let bad = |msg: String| crate::Error::Data {
        at: at.clone(),
        msg,
    };
    if path.is_dir() {
        return Err(bad("is a directory, not a .safetensors file".into()));
    }
    let tensors = candle_core::safetensors::load(path, &candle_core::Device::Cpu).map_err(|e| {
        bad(format!(
            "cannot read parameters: {}",
            first_line(&e.to_string())
        ))
    })?;
    let value = |name: &str| -> crate::Result<Option<f64>> {
        let Some(t) = tensors.get(name) else {
            return Ok(None);
        };
        if t.elem_count() != 1 {
            return Err(bad(format!(
                "`{name}` has shape {:?}; a line has one value",
                t.dims()
            )));
        }
        let v = model::scalar(t)?;
        if !v.is_finite() {
            return Err(bad(format!("`{name}` is {v}, not a finite number")));
        }
        Ok(Some(v))
    };
    let weight = value("weight")?.ok_or_else(|| bad("no `weight` tensor in the file".into()))?;
    Ok((weight, value("bias")?))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
