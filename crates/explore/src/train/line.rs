//! The line of the lesson trained with the one loop: its rows as they are made, the rule that
//! calls a run diverged, its stable learning rate, its report and figure, and its parameters
//! saved and loaded as safetensors.

use std::ops::ControlFlow;

use candle_core::backprop::GradStore;
use candle_core::{DType, Result, Tensor, Var};
use candle_nn::optim::Optimizer;
use model::{Bias, Linear, Moments};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{train, Ended};
use crate::optim::{AnyOptimizer, Settings};
use crate::plot::{
    pad, span, Heatmap, Landscape, LossCurve, LossHistory, Series, Thinned, Track, TrainFigure,
};
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

/// Whether a loss breaks the divergence rule: not finite, or past [`GROWTH_LIMIT`] times the
/// starting loss `start`.
pub fn diverging(start: f64, loss: f64) -> bool {
    !loss.is_finite() || (start > 0.0 && loss > GROWTH_LIMIT * start)
}

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
/// bounded, evenly thinned records of the rows (one an epoch) and of the parameters at every
/// update for the figure, and whether it diverged. Everything is in the data's own units.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Rows made, `epochs + 1` for a run that completed.
    pub rows: usize,
    pub first: Option<Row>,
    pub last: Option<Row>,
    /// Every row, thinned to a few thousand.
    pub history: Thinned<Row>,
    /// `(weight, bias)` before every update (mini-batches too), thinned to a few thousand.
    pub path: Thinned<(f64, f64)>,
    pub diverged: Option<Diverged>,
}

impl Default for Fit {
    fn default() -> Self {
        Self {
            rows: 0,
            first: None,
            last: None,
            history: Thinned::new(2000),
            path: Thinned::new(2000),
            diverged: None,
        }
    }
}

impl Fit {
    /// Records the next row (one an epoch) if its loss is finite; if it breaks the divergence
    /// rule ([`diverging`]), records why and says to stop (a finite row that broke it is kept:
    /// it is the evidence).
    pub fn push(&mut self, row: Row) -> ControlFlow<()> {
        let start = self.first.map_or(row.loss, |f| f.loss);
        if row.loss.is_finite() {
            self.rows += 1;
            self.first.get_or_insert(row);
            self.last = Some(row);
            self.history.push(row);
            self.path.push((row.weight, row.bias));
        }
        if diverging(start, row.loss) {
            self.diverged = Some(Diverged {
                epoch: row.epoch,
                loss: row.loss,
                start,
            });
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// Records the parameters before an update inside an epoch (a mini-batch's; the first
    /// update of each epoch is its row's, recorded by [`Fit::push`]).
    pub fn update(&mut self, weight: f64, bias: f64) {
        self.path.push((weight, bias));
    }
}

/// Standardized units: the line trains on `x' = (x − mean)/std`, where its parameters `(w', b')`
/// stand for `w = w'/std`, `b = b' − w'·mean/std` in the data's own units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standardize {
    pub mean: f64,
    pub std: f64,
}

impl Standardize {
    /// The units of `moments`' x; `None` when every x is the same (std 0).
    pub fn of(moments: &Moments) -> Option<Self> {
        let std = moments.std_x();
        (std > 0.0 && std.is_finite()).then(|| Self {
            mean: moments.mean_x(),
            std,
        })
    }

    /// `(w', b')` for `(w, b)`.
    pub fn to_standard(&self, weight: f64, bias: f64) -> (f64, f64) {
        (weight * self.std, bias + weight * self.mean)
    }

    /// `(w, b)` for `(w', b')`.
    pub fn to_original(&self, weight: f64, bias: f64) -> (f64, f64) {
        (weight / self.std, bias - weight * self.mean / self.std)
    }

    /// A row in the data's own units: its parameters, and its gradient by the chain rule,
    /// `dL/dw = std·dL/dw' + mean·dL/db'`, `dL/db = dL/db'`.
    pub fn row(&self, row: Row) -> Row {
        let (weight, bias) = self.to_original(row.weight, row.bias);
        Row {
            weight,
            bias,
            grad_weight: self.std * row.grad_weight + self.mean * row.grad_bias,
            ..row
        }
    }
}

/// How the line is trained besides its optimizer: how long, in which batches, in which units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    pub epochs: usize,
    /// Points per update; `None`: the whole data set (full batch). The last batch of an epoch
    /// may be smaller, as with PyTorch's `DataLoader(drop_last=False)`.
    pub batch_size: Option<usize>,
    /// Reshuffle the points before every epoch, from `seed`; else file order.
    pub shuffle: bool,
    pub seed: u64,
    /// Train on standardized x, reporting in the data's own units.
    pub standardize: Option<Standardize>,
}

impl Plan {
    /// Full-batch training for `epochs` epochs, in the data's own units.
    pub fn full_batch(epochs: usize) -> Self {
        Self {
            epochs,
            batch_size: None,
            shuffle: false,
            seed: 0,
            standardize: None,
        }
    }
}

/// Trains the line `y = A·x + b` on `x`, `y` (both `(N,)`) from `weight` and `bias` (in the
/// data's own units), with the optimizer of `settings` as `plan` says: `plan.epochs` epochs,
/// each visiting every point once in batches, one update a batch on that batch's mean loss.
/// `on_row` sees the row of every epoch as it is made (to write it out: the parameters then
/// and the loss on the whole data); it may stop the run with `Break`, and so does divergence
/// ([`Fit::push`]).
///
/// The loss is `loss::line_mse`: the same value and gradients as
/// `mse(&model.forward(x)?, y, Mean)`, from one fused pass over the data on the CPU.
pub fn fit_line(
    x: &Tensor,
    y: &Tensor,
    (weight, bias): (f64, Bias),
    settings: Settings,
    plan: &Plan,
    mut on_row: impl FnMut(&Row) -> ControlFlow<()>,
) -> Result<Fit> {
    let units = plan.standardize;
    let (x, weight, bias) = match units {
        Some(u) => {
            let b = match bias {
                Bias::Learnable(b) => b,
                Bias::Zero => candle_core::bail!(
                    "fit_line: standardizing x needs a learnt bias (the centring moves it)"
                ),
            };
            let (w, b) = u.to_standard(weight, b);
            (
                x.affine(1.0 / u.std, -u.mean / u.std)?,
                w,
                Bias::Learnable(b),
            )
        }
        None => (x.clone(), weight, bias),
    };
    let model = Linear::line(weight, bias, x.dtype(), x.device())?;
    let mut optimizer = AnyOptimizer::new(model.parameters(), settings)?;
    let n = x.dims1()?;
    let size = plan.batch_size.unwrap_or(n).clamp(1, n.max(1));
    let batches = n.div_ceil(size).max(1);
    let full = batches == 1;
    let steps = plan.epochs.saturating_mul(batches);
    let (w, b) = (model.weight().as_tensor(), model.bias().map(Var::as_tensor));
    // The data in this epoch's order: shuffled before each epoch's first batch.
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let mut epoch_data = (x.clone(), y.clone());
    let loss = |step: usize| {
        if full {
            return loss::line_mse(&x, y, w, b);
        }
        let batch = step % batches;
        if batch == 0 && plan.shuffle && step < steps {
            order.shuffle(&mut rng);
            let index = Tensor::new(order.as_slice(), x.device())?;
            epoch_data = (x.index_select(&index, 0)?, y.index_select(&index, 0)?);
        }
        let start = batch * size;
        let len = size.min(n - start);
        let (xs, ys) = (&epoch_data.0, &epoch_data.1);
        loss::line_mse(&xs.narrow(0, start, len)?, &ys.narrow(0, start, len)?, w, b)
    };
    let in_units = |row: Row| units.map_or(row, |u| u.row(row));
    let mut fit = Fit::default();
    let ended = train(&mut optimizer, loss, steps, |step| {
        if step.step % batches != 0 {
            let (w_now, b_now) = model.line_values()?;
            let (w_now, b_now) = units.map_or((w_now, b_now), |u| u.to_original(w_now, b_now));
            fit.update(w_now, b_now);
            return Ok(ControlFlow::Continue(()));
        }
        let epoch = step.step / batches;
        let row = if full {
            Row::of(epoch, &model, step.loss, step.grads)?
        } else {
            // The row's loss and gradient are the whole data's, not the batch's.
            let whole = loss::line_mse(&x, y, w, b)?;
            let grads = whole.backward()?;
            Row::of(epoch, &model, model::scalar(&whole)?, &grads)?
        };
        let row = in_units(row);
        let verdict = fit.push(row);
        // The row that broke the rule is written too, when finite: it is the evidence.
        let written = if row.loss.is_finite() {
            on_row(&row)
        } else {
            ControlFlow::Continue(())
        };
        Ok(if verdict.is_break() { verdict } else { written })
    })?;
    if let Ended::NonFinite { step } = ended {
        fit.diverged = Some(Diverged {
            epoch: step / batches,
            loss: f64::NAN,
            start: fit.first.map_or(f64::NAN, |f| f.loss),
        });
    }
    Ok(fit)
}

/// The largest curvature `λmax` of the loss in the units the line trains in: the data's
/// Hessian `2·[[mean x², x̄], [x̄, 1]]` (`2·mean x²` with the bias pinned), or, on standardized
/// x (mean 0, variance 1), `2·I`, so 2.
pub fn curvature(moments: &Moments, learn_bias: bool, standardized: bool) -> f64 {
    if standardized {
        2.0
    } else {
        moments.max_curvature(learn_bias)
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
    pub plan: Plan,
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

    /// The largest stable learning rate of the run's optimizer, where one is known.
    pub fn stable_lr(&self) -> Option<f64> {
        let lambda = curvature(
            &self.moments,
            self.learn_bias,
            self.plan.standardize.is_some(),
        );
        self.settings.stable_lr(lambda)
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
        let name = self.settings.kind.name();
        let bound = match self.stable_lr() {
            Some(b) => format!("; {name} is stable only for lr < {} on this data", human(b)),
            None => format!(" for {name} on this data"),
        };
        Some(format!(
            "{what}: learning rate {} is too large{bound}",
            human(self.settings.lr)
        ))
    }

    /// The report of the run besides its rows (which are streamed as they are made): the
    /// heading, the last row beside the closed-form optimum, and the settings and whether it
    /// diverged in the JSON.
    pub fn report(&self) -> Report {
        let optimum = self.moments.least_squares(self.bias_fit());
        let batches = match self.plan.batch_size {
            Some(b) if self.plan.shuffle => format!(", shuffled batches of {b}"),
            Some(b) => format!(", batches of {b} in file order"),
            None => String::new(),
        };
        let title = format!(
            "gradient descent on {}: {}, {} lr {}{batches}{}, {} epochs, {}",
            self.source,
            if self.learn_bias {
                "y = A·x + b"
            } else {
                "y = A·x (bias pinned at 0)"
            },
            self.settings.kind.name(),
            human(self.settings.lr),
            if self.plan.standardize.is_some() {
                ", standardized x"
            } else {
                ""
            },
            self.plan.epochs,
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
        let mut report = Report::new(Self::COLUMNS.to_vec(), Vec::new(), self.dtype)
            .title(title)
            .optimum(optimum.ok())
            .details(&details);
        if let Some(u) = self.plan.standardize {
            report = report.summary(format!(
                "trained on x' = (x − {})/{}; weights and biases are shown in the data's own units",
                human(u.mean),
                human(u.std)
            ));
        }
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
    pub fn figure(&self) -> TrainFigure {
        let diverged = if self.fit.diverged.is_some() {
            " (diverged)"
        } else {
            ""
        };
        let mut figure = figure(
            &[("descent", &self.fit)],
            &self.moments,
            self.learn_bias,
            &self.source,
        );
        figure.history.title = format!("loss per epoch{diverged}");
        if let Some(series) = figure.history.series.first_mut() {
            series.label = "training loss".into();
        }
        figure
    }
}

/// Saves the line's parameters as safetensors in `dtype`: `weight` `(1, 1)` and, when
/// learnable, `bias` `(1,)`, the shapes of PyTorch's `nn.Linear(1, 1)`.
pub fn save_line(
    (weight, bias): (f64, Option<f64>),
    dtype: DType,
    path: &std::path::Path,
) -> crate::Result<()> {
    let cpu = candle_core::Device::Cpu;
    let mut tensors = std::collections::HashMap::new();
    let w = Tensor::new(&[[weight]], &cpu)?.to_dtype(dtype)?;
    tensors.insert("weight".to_string(), w);
    if let Some(b) = bias {
        tensors.insert(
            "bias".to_string(),
            Tensor::new(&[b], &cpu)?.to_dtype(dtype)?,
        );
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
    // A line's parameters are a few hundred bytes: refuse a folder, a device or a stream
    // (`/dev/zero`), or anything large, before reading it.
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(bad("is a directory, not a .safetensors file".into()))
        }
        Ok(meta) if !meta.is_file() => {
            return Err(bad("is not a regular file, not a .safetensors file".into()))
        }
        Ok(meta) if meta.len() > 1 << 20 => {
            return Err(bad(format!(
                "is {} bytes, too large for a line's parameters (at most 1 MiB)",
                meta.len()
            )))
        }
        _ => {}
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

/// The picture of one run or several on the same data (the race): each path over the exact loss
/// landscape (the curve when the bias is pinned, the (A, b) heat map when it is learnt), and the
/// losses against epoch, each named by its label.
pub fn figure(
    runs: &[(&str, &Fit)],
    moments: &Moments,
    learn_bias: bool,
    source: &str,
) -> TrainFigure {
    let fit = if learn_bias {
        model::BiasFit::Learn
    } else {
        model::BiasFit::Fixed(0.0)
    };
    let optimum = moments.least_squares(fit).ok();
    let paths: Vec<Vec<(f64, f64)>> = runs.iter().map(|(_, f)| f.path.items()).collect();
    let all = || paths.iter().flatten();
    // The view covers every path and the optimum, with a margin.
    let around = |values: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = pad(span(values).unwrap_or((-1.0, 1.0)), 0.15);
        crate::grid::linspace(lo, hi, 121)
    };
    let weights = around(&mut all().map(|p| p.0).chain(optimum.map(|o| o.weight)));
    let track = |(label, fit): &(&str, &Fit), points: Vec<(f64, f64)>| Track {
        label: label.to_string(),
        points,
        steps: fit.path.seen().saturating_sub(1),
    };
    let title = format!("gradient descent on {source}");
    let landscape = if learn_bias {
        let mut biases = around(&mut all().map(|p| p.1).chain(optimum.map(|o| o.bias)));
        // At least the bias range that costs as much loss as the weight's range does.
        let (w_lo, w_hi) = (weights[0], weights[weights.len() - 1]);
        let (b_lo, b_hi) = (biases[0], biases[biases.len() - 1]);
        let half = crate::grid::bias_radius(moments, 0.5 * (w_hi - w_lo));
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
            tracks: runs
                .iter()
                .zip(&paths)
                .map(|(run, path)| track(run, path.clone()))
                .collect(),
        })
    } else {
        Landscape::Curve(LossCurve {
            title,
            x_label: "weight A".into(),
            curve: weights.iter().map(|&w| (w, moments.loss(w, 0.0))).collect(),
            points: Vec::new(),
            minimum: None,
            optimum: optimum.map(|o| (o.weight, o.loss)),
            tracks: runs
                .iter()
                .zip(&paths)
                .map(|(run, path)| {
                    let on_curve = path.iter().map(|&(w, _)| (w, moments.loss(w, 0.0)));
                    track(run, on_curve.collect())
                })
                .collect(),
        })
    };
    let series = runs
        .iter()
        .map(|(label, fit)| Series {
            label: label.to_string(),
            losses: fit
                .history
                .items()
                .iter()
                .map(|r| (r.epoch as f64, r.loss))
                .collect(),
        })
        .collect();
    TrainFigure {
        landscape,
        history: LossHistory {
            title: "loss per epoch".into(),
            series,
            optimum_loss: optimum.map(|o| o.loss),
        },
    }
}
