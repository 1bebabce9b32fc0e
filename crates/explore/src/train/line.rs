//! The line of the lesson trained with the one loop: its rows as they are made, the rule that
//! calls a run diverged, its stable learning rate, its report and figure, and its parameters
//! saved and loaded as safetensors.

use std::ops::ControlFlow;

use candle_core::backprop::GradStore;
use candle_core::{DType, Result, Tensor, Var};
use candle_nn::optim::Optimizer;
use model::{Linear, Moments};

use super::{train, Ended};
use crate::optim::{AnyOptimizer, Settings};
use crate::plot::Thinned;
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

impl Row {
    /// The row of `model` at `epoch`, whose loss there is `loss` with gradients `grads`.
    pub fn of(epoch: usize, model: &Linear, loss: f64, grads: &GradStore) -> Result<Self> {
        let grad = |var: Option<&Var>| match var.and_then(|v| grads.get(v.as_tensor())) {
            Some(g) => model::scalar(g),
            None => Ok(0.0),
        };
        let (weight, bias) = model.line_values()?;
        Ok(Self {
            epoch,
            weight,
            bias,
            loss,
            grad_weight: grad(Some(model.weight()))?,
            grad_bias: grad(model.bias())?,
        })
    }

    /// The row's values under [`LineRun::COLUMNS`]: `epoch, weight, bias, loss`.
    pub fn values(&self) -> [f64; 4] {
        [self.epoch as f64, self.weight, self.bias, self.loss]
    }
}

/// A run is called diverged once its loss grows past this many times its starting loss (or is
/// no longer a finite number). Gradient descent on a quadratic with a stable step only ever
/// lowers the loss, and the adaptive methods never climb a millionfold on the way down.
pub const GROWTH_LIMIT: f64 = 1e6;

/// Why a run was stopped as diverged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diverged {
    /// The epoch whose loss broke the rule.
    pub epoch: usize,
    /// That loss: NaN or infinite, or past [`GROWTH_LIMIT`] × the start.
    pub loss: f64,
    /// The loss at the start.
    pub start: f64,
}

/// How a line's run went, without holding its rows: how many there were, the first and last,
/// a bounded, evenly thinned path for the figure, and whether it diverged.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Rows made, `epochs + 1` for a run that completed.
    pub rows: usize,
    pub first: Option<Row>,
    pub last: Option<Row>,
    /// Every row, thinned to a few thousand.
    pub path: Thinned<Row>,
    pub diverged: Option<Diverged>,
}

impl Default for Fit {
    fn default() -> Self {
        Self {
            rows: 0,
            first: None,
            last: None,
            path: Thinned::new(2000),
            diverged: None,
        }
    }
}

impl Fit {
    /// Records the next row, or, if its loss breaks the divergence rule, records why and says
    /// to stop.
    pub fn push(&mut self, row: Row) -> ControlFlow<()> {
        let start = self.first.map_or(row.loss, |f| f.loss);
        let grew = start > 0.0 && row.loss > GROWTH_LIMIT * start;
        if !row.loss.is_finite() || grew {
            self.diverged = Some(Diverged {
                epoch: row.epoch,
                loss: row.loss,
                start,
            });
            return ControlFlow::Break(());
        }
        self.rows += 1;
        self.first.get_or_insert(row);
        self.last = Some(row);
        self.path.push(row);
        ControlFlow::Continue(())
    }
}

/// Trains the line `model` on `x`, `y` (both `(N,)`), full batch, with the optimizer of
/// `settings`, for `epochs` updates. `on_row` sees every row as it is made (to write it out);
/// it may stop the run with `Break`. The run stops too when it diverges ([`Fit::push`]).
///
/// The loss is `loss::line_mse`: the same value and gradients as
/// `mse(&model.forward(x)?, y, Mean)`, from one fused pass over the data on the CPU.
pub fn fit_line(
    model: &Linear,
    x: &Tensor,
    y: &Tensor,
    settings: Settings,
    epochs: usize,
    mut on_row: impl FnMut(&Row) -> ControlFlow<()>,
) -> Result<Fit> {
    let mut optimizer = AnyOptimizer::new(model.parameters(), settings)?;
    let bias = model.bias().map(|b| b.as_tensor());
    let loss = || loss::line_mse(x, y, model.weight().as_tensor(), bias);
    let mut fit = Fit::default();
    let ended = train(&mut optimizer, loss, epochs, |step| {
        let row = Row::of(step.epoch, model, step.loss, step.grads)?;
        match fit.push(row) {
            ControlFlow::Continue(()) => Ok(on_row(&row)),
            stop => Ok(stop),
        }
    })?;
    if let Ended::NonFinite { epoch } = ended {
        fit.diverged = Some(Diverged {
            epoch,
            loss: f64::NAN,
            start: fit.first.map_or(f64::NAN, |f| f.loss),
        });
    }
    Ok(fit)
}

/// The learning rate `explore train` uses when none is given: a quarter of the largest stable
/// rate `2/λmax(H)`, `1/(2·λmax)`. Each step then halves the error along the stiffest direction
/// (the lesson's few visible steps, where half the bound, `1/λmax`, would be an exact Newton step
/// that lands in one), while the flat directions, the bias on data far from 0, creep: the lesson
/// of conditioning. Any rate below the bound converges, on any data. A flat loss (every x is 0
/// with the bias pinned) has no bound: any rate is stable, and 0.01 is used.
pub fn default_lr(moments: &Moments, learn_bias: bool) -> f64 {
    let bound = moments.max_stable_lr(learn_bias);
    if bound.is_finite() {
        bound / 4.0
    } else {
        0.01
    }
}

/// A training run of the line, with what its report and figure need.
#[derive(Debug, Clone)]
pub struct LineRun {
    pub fit: Fit,
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
    /// The columns of a run's rows, as [`Row::values`] gives them.
    pub const COLUMNS: [&'static str; 4] = ["epoch", "weight", "bias", "loss"];

    fn bias_fit(&self) -> model::BiasFit {
        if self.learn_bias {
            model::BiasFit::Learn
        } else {
            model::BiasFit::Fixed(0.0)
        }
    }

    /// The one-line message for a run that diverged: where, why, the learning rate and its
    /// stable bound; `None` when it did not diverge.
    pub fn divergence_message(&self) -> Option<String> {
        let d = self.fit.diverged?;
        let what = if d.loss.is_finite() {
            format!(
                "the loss grew from {} to {} (more than {}× its start) by epoch {}",
                human(d.start),
                human(d.loss),
                human(GROWTH_LIMIT),
                d.epoch
            )
        } else {
            format!("the loss became non-finite at epoch {}", d.epoch)
        };
        Some(format!(
            "{what}: learning rate {} is too large; gradient descent is stable only for \
             lr < 2/λmax(H) = {} on this data",
            human(self.settings.lr),
            human(self.moments.max_stable_lr(self.learn_bias))
        ))
    }

    /// The report of the run besides its rows (which are streamed as they are made): the
    /// heading, the last row beside the closed-form optimum, and the settings and whether it
    /// diverged in the JSON.
    pub fn report(&self) -> Report {
        let optimum = self.moments.least_squares(self.bias_fit());
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
            diverged: bool,
            diverged_epoch: Option<usize>,
        }
        let details = Details {
            lr: self.settings.lr,
            optimizer: self.settings.kind.name(),
            max_stable_lr: self.moments.max_stable_lr(self.learn_bias),
            diverged: self.fit.diverged.is_some(),
            diverged_epoch: self.fit.diverged.map(|d| d.epoch),
        };
        let mut report = Report::new(Self::COLUMNS.to_vec(), Vec::new(), self.dtype)
            .title(title)
            .optimum(optimum.ok())
            .details(&details);
        if let Some(last) = self.fit.last {
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
        let steps = self.fit.path.items();
        let (moments, learn_bias) = (&self.moments, self.learn_bias);
        let optimum = moments.least_squares(self.bias_fit()).ok();
        let path_steps = Some(self.fit.rows.saturating_sub(1));
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
                path_steps,
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
                path_steps,
            })
        };
        let diverged = if self.fit.diverged.is_some() {
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
