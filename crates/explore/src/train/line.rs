//! The line of the lesson trained with the one loop: its rows as they are made, the rule that
//! calls a run diverged, mini-batches and standardized units. Its report and figure are in
//! `run.rs`, its parameters on disk in `params.rs`.

use std::ops::ControlFlow;

use candle_core::backprop::GradStore;
use candle_core::{DType, Result, Tensor, Var};
use candle_nn::optim::Optimizer;
use model::{Bias, Linear, Moments};

use super::{train, Ended};
use crate::optim::{Algorithm, AnyOptimizer, OptimState, Settings};
use crate::thin::Thinned;

/// One row of a line's training run: the parameters after `epoch` updates, the loss there, and
/// the gradient there (the one the next update follows).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Row {
    pub epoch: usize,
    pub weight: f64,
    pub bias: f64,
    pub loss: f64,
    pub grad_weight: f64,
    /// 0 when the bias is pinned.
    pub grad_bias: f64,
    /// The rate of the next update (the schedule's).
    pub lr: f64,
    /// The loss on the validation points, when there are some.
    pub val_loss: Option<f64>,
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
            lr: f64::NAN,
            val_loss: None,
        })
    }

    /// The row's values under [`LineRun::columns`](super::LineRun::columns): `epoch, weight,
    /// bias, loss, lr`, then `val_loss` when validated.
    pub fn values(&self) -> Vec<f64> {
        let mut values = vec![
            self.epoch as f64,
            self.weight,
            self.bias,
            self.loss,
            self.lr,
        ];
        values.extend(self.val_loss);
        values
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
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Diverged {
    /// The epoch whose loss broke the rule.
    pub epoch: usize,
    /// That loss: NaN or infinite, or past [`GROWTH_LIMIT`] × the start.
    pub loss: f64,
    /// The loss at the start.
    pub start: f64,
}

impl Diverged {
    /// The divergence rule ([`diverging`]) at `epoch` of a run that started at loss `start`:
    /// why it stops, when `loss` breaks the rule.
    pub fn check(epoch: usize, loss: f64, start: f64) -> Option<Self> {
        diverging(start, loss).then_some(Self { epoch, loss, start })
    }

    /// A run whose loss became non-finite at `epoch`, after starting at `start` (if any loss
    /// was seen).
    pub fn non_finite(epoch: usize, start: Option<f64>) -> Self {
        Self {
            epoch,
            loss: f64::NAN,
            start: start.unwrap_or(f64::NAN),
        }
    }

    /// What happened, for the one message every training path gives: "the loss grew from 9 to
    /// 1e7 (more than 1e6× its start) by epoch 12", or "became non-finite".
    pub fn describe(&self) -> String {
        if self.loss.is_finite() {
            format!(
                "the loss grew from {} to {} (more than {}× its start) by epoch {}",
                crate::number::human(self.start),
                crate::number::human(self.loss),
                crate::number::human(GROWTH_LIMIT),
                self.epoch
            )
        } else {
            format!("the loss became non-finite at epoch {}", self.epoch)
        }
    }
}

/// How a line's run went, without holding its rows: how many there were, the first and last,
/// bounded, evenly thinned records of the rows (one an epoch) and of the parameters at every
/// update for the figure, and whether it diverged. Everything is in the data's own units.
#[derive(Debug, Clone, serde::Serialize)]
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
    /// The row of the best epoch by validation loss, when validated.
    pub best: Option<Row>,
    /// Where the run stopped early, if it did.
    pub stopped: Option<super::Stopped>,
    /// Where a run that completed ended, for [`Start::Resume`] to continue from exactly (the
    /// optimizer's state, saved by `--save`, not data of the result).
    #[serde(skip)]
    pub end: Option<Resume>,
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
            best: None,
            stopped: None,
            end: None,
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
        self.diverged = Diverged::check(row.epoch, row.loss, start);
        match self.diverged {
            Some(_) => ControlFlow::Break(()),
            None => ControlFlow::Continue(()),
        }
    }

    /// The row whose parameters are the run's result: the best epoch's when it stopped early,
    /// else the last.
    pub fn kept(&self) -> Option<Row> {
        match self.stopped {
            Some(_) => self.best,
            None => self.last,
        }
    }

    /// The best epoch by validation loss, and that loss.
    pub fn best_epoch(&self) -> Option<(usize, f64)> {
        self.best.and_then(|r| Some((r.epoch, r.val_loss?)))
    }

    /// Records the parameters before an update inside an epoch (a mini-batch's; the first
    /// update of each epoch is its row's, recorded by [`Fit::push`]).
    pub fn update(&mut self, weight: f64, bias: f64) {
        self.path.push((weight, bias));
    }
}

/// Standardized units: the line trains on `x' = (x − mean)/std`, where its parameters `(w', b')`
/// stand for `w = w'/std`, `b = b' − w'·mean/std` in the data's own units.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
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

/// The seed of the shuffle (and of an MLP's start) when none is given.
pub const SEED: u64 = 1;

/// How the line is trained besides its optimizer: how long, in which batches, in which units.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
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
    /// The loss minimised (and reported).
    pub loss: loss::AnyLoss,
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
            loss: loss::AnyLoss::default(),
        }
    }
}

/// Where a run ends, to continue from exactly: the optimizer's state, the epochs done (which
/// fix the next epoch's shuffle) and the parameters in the units trained in, with the settings
/// that must be the same for the continuation to be the run that never stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    pub optimizer: Algorithm,
    pub state: OptimState,
    pub epochs: usize,
    /// The weight and, when learnt, the bias as the optimizer holds them (standardized units
    /// when `standardize` is set): converting through the data's units would round.
    pub trained: (f64, Option<f64>),
    pub batch_size: Option<usize>,
    pub shuffle: bool,
    pub seed: u64,
    pub standardize: Option<Standardize>,
    /// The precision it was trained in.
    pub dtype: DType,
    /// The number of points it was trained on (other data is another run).
    pub points: usize,
    /// The loss it minimised, as labels show it: `MSE`, `Huber (δ = 1)`.
    pub loss: String,
}

impl Resume {
    /// Why continuing from `self` with `settings` and `plan` in `dtype` would not be the run
    /// that never stopped (another loss, optimizer, batch size, shuffle, seed, units or
    /// precision);
    /// `None` when it would.
    pub fn differs(
        &self,
        settings: &Settings,
        plan: &Plan,
        (dtype, points): (DType, usize),
    ) -> Option<String> {
        if self.points != points {
            return Some(format!(
                "it was trained on {} points, not these {points}",
                self.points
            ));
        }
        if self.dtype != dtype {
            return Some(format!(
                "it was trained in {}, not {}",
                self.dtype.as_str(),
                dtype.as_str()
            ));
        }
        let batch = |b: Option<usize>| b.map_or("the whole data".to_string(), |b| b.to_string());
        if self.loss != plan.loss.label() {
            return Some(format!(
                "it was trained under {}, not {}",
                self.loss,
                plan.loss.label()
            ));
        }
        if self.optimizer != settings.kind {
            return Some(format!(
                "it was trained with {}, not {}",
                self.optimizer.name(),
                settings.kind.name()
            ));
        }
        if self.batch_size != plan.batch_size {
            return Some(format!(
                "its batches were {}, not {}",
                batch(self.batch_size),
                batch(plan.batch_size)
            ));
        }
        let batched = plan.batch_size.is_some();
        if batched && (self.shuffle, self.seed) != (plan.shuffle, plan.seed) {
            return Some("its shuffle (on or off, and its seed) was another".into());
        }
        if self.standardize != plan.standardize {
            return Some(
                "its units (standardized x or not, or the data's mean and std) were others".into(),
            );
        }
        None
    }
}

/// Where [`fit_line`] starts: at a line `(weight, bias)` in the data's own units, with a fresh
/// optimizer, or exactly where a saved run ended.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    At(f64, Bias),
    Resume(&'a Resume),
}

impl From<(f64, Bias)> for Start<'_> {
    fn from((weight, bias): (f64, Bias)) -> Self {
        Start::At(weight, bias)
    }
}

/// Trains the line `y = A·x + b` on `x`, `y` (both `(N,)`) from `start` (a line in the data's
/// own units, or a saved run's end), with the optimizer of `settings` as `plan` says: `plan.epochs` epochs,
/// each visiting every point once in batches, one update a batch on that batch's mean loss,
/// at the rates of `course`'s schedule. With validation points `val` (`(x, y)`), each row has
/// their loss, the best epoch is kept and `course` may stop the run early.
/// `on_row` sees the row of every epoch as it is made (to write it out: the parameters then
/// and the loss on the whole data); it may stop the run with `Break`, and so does divergence
/// ([`Fit::push`]).
///
/// The loss is `plan.loss`'s [`line_loss`](loss::AnyLoss::line_loss): the same value and
/// gradients as `loss.forward(&model.forward(x)?, y, Mean)`, from one fused pass over the data
/// on the CPU where the loss has a kernel.
pub fn fit_line<'a>(
    x: &Tensor,
    y: &Tensor,
    start: impl Into<Start<'a>>,
    settings: Settings,
    plan: &Plan,
    (course, val): (&super::Course, Option<(&Tensor, &Tensor)>),
    mut on_row: impl FnMut(&Row) -> ControlFlow<()>,
) -> crate::Result<Fit> {
    let units = plan.standardize;
    let (x, weight, bias, resume) = match (start.into(), units) {
        // Exactly the parameters the saved run's optimizer held, in its units.
        (Start::Resume(r), _) => {
            let bias = r.trained.1.map_or(Bias::Zero, Bias::Learnable);
            (standardized(x, units)?, r.trained.0, bias, Some(r))
        }
        (Start::At(weight, bias), None) => (x.clone(), weight, bias, None),
        (Start::At(weight, bias), Some(u)) => {
            let b = match bias {
                Bias::Learnable(b) => b,
                Bias::Zero => {
                    return Err(candle_core::Error::Msg(
                        "fit_line: standardizing x needs a learnt bias (the centring moves it)"
                            .into(),
                    )
                    .into())
                }
            };
            let (w, b) = u.to_standard(weight, b);
            (standardized(x, units)?, w, Bias::Learnable(b), None)
        }
    };
    let model = Linear::line(weight, bias, x.dtype(), x.device())?;
    let mut optimizer = AnyOptimizer::new(model.parameters(), settings)?;
    if let Some(r) = resume {
        optimizer.restore(&r.state)?;
    }
    // Epochs done before this run: a continued run shuffles as the run that never stopped.
    let first_epoch = resume.map_or(0, |r| r.epochs);
    let n = x.dims1()?;
    let cut = super::Batches::new(n, plan.batch_size, plan.shuffle, plan.seed, first_epoch);
    let (batches, full) = (cut.count(), cut.full());
    let steps = plan.epochs.saturating_mul(batches);
    let (w, b) = (model.weight().as_tensor(), model.bias().map(Var::as_tensor));
    let mut epoch_data = Vec::new();
    let loss = |step: usize| {
        let part = cut.part((step, steps), &[&x, y], &mut epoch_data)?;
        plan.loss.line_loss(&part[0], &part[1], w, b)
    };
    let in_units = |row: Row| units.map_or(row, |u| u.row(row));
    let val = match val {
        Some((xv, yv)) => Some((standardized(xv, units)?, yv)),
        None => None,
    };
    let mut pace = super::Pace::new(course, &settings, (plan.epochs, batches))?;
    let vars = model.parameters();
    let mut fit = Fit::default();
    let ended = train(&mut optimizer, loss, steps, |step, optimizer| {
        if step.step % batches != 0 {
            pace.at(step.step, None, optimizer);
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
            let whole = plan.loss.line_loss(&x, y, w, b)?;
            let grads = whole.backward()?;
            Row::of(epoch, &model, model::scalar(&whole)?, &grads)?
        };
        let val_loss = match &val {
            Some((xv, yv)) => Some(model::scalar(&plan.loss.line_loss(xv, yv, w, b)?)?),
            None => None,
        };
        // A plateau follows the validation loss where there is one.
        pace.at(step.step, Some(val_loss.unwrap_or(row.loss)), optimizer);
        let row = Row {
            lr: pace.lr(),
            val_loss,
            ..in_units(row)
        };
        let mut verdict = fit.push(row);
        if let Some(v) = val_loss {
            let stopped = pace.judge((epoch, v), &row, &vars)?;
            if stopped.is_some() {
                fit.stopped = stopped;
                verdict = ControlFlow::Break(());
            }
        }
        // The row that broke the rule is written too, when finite: it is the evidence.
        let written = if row.loss.is_finite() {
            on_row(&row)
        } else {
            ControlFlow::Continue(())
        };
        Ok(if verdict.is_break() { verdict } else { written })
    })?;
    if let Ended::NonFinite { step } = ended {
        // Within epoch e (after some of its updates) is "by epoch e"; step 0 is the start.
        fit.diverged = Some(Diverged::non_finite(
            step.div_ceil(batches),
            fit.first.map(|f| f.loss),
        ));
    }
    pace.rewind(&vars)?;
    fit.best = pace.take_best();
    if ended == Ended::Completed {
        let (w_now, b_now) = model.line_values()?;
        fit.end = Some(Resume {
            optimizer: settings.kind,
            state: optimizer.state()?,
            epochs: first_epoch.saturating_add(plan.epochs),
            trained: (w_now, model.bias().map(|_| b_now)),
            batch_size: plan.batch_size,
            shuffle: plan.shuffle,
            seed: plan.seed,
            standardize: units,
            dtype: x.dtype(),
            points: n,
            loss: plan.loss.label(),
        });
    }
    Ok(fit)
}

/// `x` in the units trained in: `(x − mean)/std` when standardized.
fn standardized(x: &Tensor, units: Option<Standardize>) -> Result<Tensor> {
    match units {
        Some(u) => x.affine(1.0 / u.std, -u.mean / u.std),
        None => Ok(x.clone()),
    }
}

/// Refuses a run that cannot train, before it starts, and returns the curvature `λmax` it
/// trains with ([`super::curvature`]): data whose curvature is beyond f64 (no learning rate is
/// stable), or a start `(weight, bias)` whose squared errors are beyond `dtype`'s range (the
/// first loss would be infinite, and the learning rate not to blame). `changes` names what the
/// user can change about the start.
pub fn check_start(
    data: &crate::data::Dataset,
    moments: &Moments,
    (weight, bias): (f64, Bias),
    standardized: bool,
    dtype: DType,
    changes: &str,
) -> crate::Result<f64> {
    let refuse = |msg: String| crate::Error::Data {
        at: data.source.clone(),
        msg,
    };
    let learn_bias = bias != Bias::Zero;
    let lambda = super::curvature(moments, learn_bias, standardized);
    if !lambda.is_finite() {
        return Err(refuse(
            "the curvature 2·mean(x²) of this data is beyond f64, so no learning rate is stable"
                .into(),
        )
        .mend(crate::Remedy::RescaleOrStandardize));
    }
    let b = match bias {
        Bias::Learnable(b) => b,
        Bias::Zero => 0.0,
    };
    let mut worst = 0.0f64;
    data.for_each_slice(|x, y| {
        worst = x
            .iter()
            .zip(y)
            .map(|(x, y)| (y - weight * x - b).abs())
            .fold(worst, f64::max);
    })?;
    let limit = match dtype {
        DType::F32 => f64::from(f32::MAX),
        _ => f64::MAX,
    };
    if worst.is_nan() || worst * worst > limit {
        // Beyond f32 only: f64 is a cure too.
        let f64_would = worst * worst <= f64::MAX && dtype != DType::F64;
        let error = refuse(format!(
            "at the start (A = {}, b = {}) the squared errors are beyond {}'s range: start \
             nearer the data ({changes})",
            crate::number::human(weight),
            crate::number::human(b),
            if f64_would { dtype.as_str() } else { "f64" },
        ));
        return Err(if f64_would {
            error.mend(crate::Remedy::F64)
        } else {
            error
        });
    }
    Ok(lambda)
}
