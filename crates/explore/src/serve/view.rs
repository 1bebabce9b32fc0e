//! What the playground shows of a line, as plain data: a [`View`] (the page's controls, as
//! its URL holds them) is checked, trained with [`fit_line`] exactly as `explore train` trains,
//! and returned as a [`Scene`] — the loss over a grid of (A, b) (or over A when the bias is
//! pinned), the descent's path on it, the loss and rate per epoch, the data with the line, and
//! the `explore` command that reproduces it. Nothing here knows HTTP.

use std::ops::ControlFlow;

use candle_core::{DType, Device};
use model::{Bias, BiasFit};
use serde::{Deserialize, Serialize};

use crate::data::gen::{self, LineSpec};
use crate::data::Dataset;
use crate::objective::Objective;
use crate::optim::{Algorithm, Settings};
use crate::plot::{Page, PageHistory, TrainFigure};
use crate::schedule::{Kind, Params, Plan as Schedule};
use crate::train::{check_start, fit_line, Course, LineRun, Plan, Standardize, Start};

/// The most epochs, grid points a side (all a page carries) and updates a view may ask for:
/// what keeps one recomputation well under a second on 10,000 points.
pub const MAX_EPOCHS: usize = 10_000;
pub const MAX_GRID: usize = 101;
pub const MAX_UPDATES: usize = 1_000_000;
/// The most points a generated set has.
pub const MAX_GEN: usize = 100_000;
/// The farthest a view's extent reaches from 0.
pub const MAX_EXTENT: f64 = 1e12;
/// The MLP's most hidden layers and units a layer.
pub const MAX_LAYERS: usize = 4;
pub const MAX_WIDTH: usize = 64;

/// Where a view's points come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The lesson's one point (-3, 3), the bias pinned at 0.
    #[default]
    Lesson,
    /// The file the server was started with.
    File,
    /// `explore gen`'s noisy line, from [`View::gen`].
    Gen,
    /// A file the page uploaded, named by [`View::upload`].
    Upload,
}

/// The settings of `explore gen` a view may change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenView {
    /// `line` or `sine` (points `x, y`), or classes: `blobs`, `moons`, `circles`, `xor`,
    /// `spiral` (points `x1, x2, label`).
    pub kind: String,
    pub n: usize,
    pub seed: u64,
    pub slope: f64,
    pub intercept: f64,
    /// `None`: the kind's own (`explore gen`'s default: 3 for a line, 0.1 for a sine, 1 for
    /// blobs, 0 for the other classes).
    pub noise: Option<f64>,
    pub outliers: f64,
    /// Blobs and spiral arms; `None`: the kind's default.
    pub classes: Option<usize>,
}

impl Default for GenView {
    fn default() -> Self {
        let spec = LineSpec::default();
        GenView {
            kind: "line".into(),
            n: spec.n,
            seed: spec.seed,
            slope: spec.slope,
            intercept: spec.intercept,
            noise: None,
            outliers: 0.0,
            classes: None,
        }
    }
}

/// Everything the playground's controls set: the page's state, in its URL and in each request.
/// Every field has the default `explore train` (the line) or `explore landscape` (the MLP) has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct View {
    /// `line` (the lesson's `y = A·x + b`) or `mlp`.
    pub model: String,
    /// The MLP's hidden layers' sizes.
    pub hidden: Vec<usize>,
    /// The MLP's activation: tanh, relu or sigmoid.
    pub activation: String,
    pub data: Source,
    pub gen: GenView,
    /// The uploaded file's id, for [`Source::Upload`].
    pub upload: Option<String>,
    pub optimizer: String,
    /// `None`: the optimizer's default for this data, as `explore train` picks it.
    pub lr: Option<f64>,
    pub momentum: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub weight_decay: Option<f64>,
    /// The share of the points held out for validation (a classifier's).
    pub val_split: Option<f64>,
    pub loss: String,
    /// Huber's δ, smooth-L1's β.
    pub delta: Option<f64>,
    pub beta: Option<f64>,
    /// `None`: full batch.
    pub batch_size: Option<usize>,
    pub shuffle: bool,
    pub seed: u64,
    pub epochs: usize,
    /// The start `(A, b)`.
    pub weight: f64,
    pub bias: f64,
    /// Pin the bias at 0 (the lesson's single point has it pinned).
    pub pin_bias: Option<bool>,
    pub standardize: bool,
    pub schedule: String,
    pub step_size: u64,
    pub gamma: f64,
    pub t_max: Option<u64>,
    pub warmup: u64,
    /// The multistep schedule's epochs, increasing.
    pub milestones: Vec<u64>,
    /// The plateau schedule's factor and patience.
    pub factor: f64,
    pub patience: u64,
    /// Grid points a side.
    pub grid: usize,
    /// The grid's extent `[A_lo, A_hi, b_lo, b_hi]`; `None`: around the best line.
    pub extent: Option<[f64; 4]>,
    /// The fingerprints of the grid and the data the page already holds ([`Scene::grid_id`],
    /// [`Scene::data_id`]): a scene leaves out what they match.
    pub held: Option<[String; 2]>,
    /// Whether the view's file (or upload) holds labelled points: set by the server, which
    /// holds the file, never by the page.
    #[serde(skip)]
    pub labelled: bool,
}

impl Default for View {
    fn default() -> Self {
        let settings = Settings::new(Algorithm::Sgd, 0.0);
        let schedule = Params::default();
        let mlp = crate::landscape::Config::default();
        View {
            model: "line".into(),
            hidden: mlp.hidden,
            activation: mlp.activation.name().into(),
            data: Source::default(),
            gen: GenView::default(),
            upload: None,
            optimizer: "sgd".into(),
            lr: None,
            momentum: settings.momentum,
            beta1: settings.betas.0,
            beta2: settings.betas.1,
            weight_decay: None,
            val_split: None,
            loss: "mse".into(),
            delta: None,
            beta: None,
            batch_size: None,
            shuffle: true,
            seed: crate::train::SEED,
            epochs: 100,
            weight: 0.0,
            bias: 0.0,
            pin_bias: None,
            standardize: false,
            schedule: "constant".into(),
            step_size: schedule.step_size,
            gamma: schedule.gamma,
            t_max: None,
            warmup: 0,
            milestones: Vec::new(),
            factor: schedule.factor,
            patience: schedule.patience,
            grid: 101,
            extent: None,
            held: None,
            labelled: false,
        }
    }
}

/// A view that cannot be computed, in one line that names the control.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(msg.into()))
}

/// A number a control must hold: finite, and at least `lo` (`open`: more than `lo`).
fn number(name: &str, value: f64, lo: f64, open: bool) -> Result<f64, Refused> {
    if !value.is_finite() {
        return refuse(format!("{name} must be a finite number, got {value}"));
    }
    if value < lo || (open && value == lo) {
        let than = if open { "more than" } else { "at least" };
        return refuse(format!("{name} must be {than} {lo}, got {value}"));
    }
    Ok(value)
}

/// A setting the f32 run must hold: a normal f32 (or 0), as `explore train` requires.
fn held(name: &str, value: f64) -> Result<f64, Refused> {
    if !crate::number::f32_holds(value) {
        return refuse(format!(
            "{name} {} is beyond what f32 holds (normal numbers from 1.2e-38 to 3.4e38)",
            crate::number::human(value)
        ));
    }
    Ok(value)
}

/// At most the first 40 characters of a name the page sent, for a message.
fn shown(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_string(),
    }
}

fn at_most(name: &str, value: usize, most: usize) -> Result<usize, Refused> {
    match value {
        v if v > most => refuse(format!("{name} must be at most {most}, got {v}")),
        v => Ok(v),
    }
}

impl View {
    /// Whether the line's bias is pinned: as asked, else for the lesson's single point.
    pub fn pinned(&self) -> bool {
        self.pin_bias.unwrap_or(self.data == Source::Lesson) && !self.classifies() && !self.is_mlp()
    }

    /// The optimizer's settings, the loss, the schedule, checked; the rate is set later, from
    /// the data, when the view leaves it to the default.
    pub fn check(&self) -> Result<(Settings, loss::AnyLoss, Schedule), Refused> {
        let Some(&kind) = Algorithm::ALL.iter().find(|a| a.name() == self.optimizer) else {
            let names: Vec<_> = Algorithm::ALL.iter().map(|a| a.name()).collect();
            return refuse(format!(
                "no optimizer `{}`: one of {}",
                shown(&self.optimizer),
                names.join(", ")
            ));
        };
        let mut settings = Settings::new(kind, 0.0);
        if let Some(lr) = self.lr {
            settings.lr = held(
                "the learning rate",
                number("the learning rate", lr, 0.0, true)?,
            )?;
        }
        settings.momentum = number("the momentum", self.momentum, 0.0, false)?;
        if settings.momentum >= 1.0 {
            return refuse(format!(
                "the momentum must be below 1, got {}",
                self.momentum
            ));
        }
        for (name, beta) in [("β1", self.beta1), ("β2", self.beta2)] {
            if !(0.0..1.0).contains(&number(name, beta, 0.0, false)?) {
                return refuse(format!("{name} must be in [0, 1), got {beta}"));
            }
        }
        settings.betas = (self.beta1, self.beta2);
        if let Some(wd) = self.weight_decay {
            settings.weight_decay = Some(held(
                "the weight decay",
                number("the weight decay", wd, 0.0, false)?,
            )?);
        }
        let Some(name) = loss::LossName::parse(&self.loss) else {
            return refuse(format!(
                "no loss `{}`: one of mse, l1, huber, smooth-l1, bce-logits, bce, cross-entropy",
                shown(&self.loss)
            ));
        };
        use loss::LossName::{Bce, BceLogits, CrossEntropy, Huber, Mse, SmoothL1, L1};
        match (self.classifies(), name) {
            (false, Mse | L1 | Huber | SmoothL1) | (true, BceLogits | CrossEntropy) => {}
            (true, Bce) => {
                return refuse(
                    "bce reads probabilities, and the playground's classifiers give logits (as \
                     its landscape needs): use bce-logits, the same loss on logits",
                )
            }
            (false, _) => {
                return refuse(format!(
                    "the {} output is a number, not a probability or a class: {} is a \
                     classifier's loss (pick a set of classes)",
                    if self.is_mlp() { "MLP's" } else { "line's" },
                    name.name()
                ))
            }
            (true, _) => {
                return refuse(format!(
                    "{} is a regression loss: a classifier trains under bce-logits (two \
                     classes) or cross-entropy",
                    name.name()
                ))
            }
        }
        for (what, value, takes) in [("δ", self.delta, Huber), ("β", self.beta, SmoothL1)] {
            if let Some(v) = value {
                held(&format!("the loss's {what}"), v)?;
                if name != takes {
                    return refuse(format!(
                        "{what} is {}'s setting, and the loss is {}: leave it out",
                        takes.name(),
                        name.name()
                    ));
                }
            }
        }
        let params = loss::Params {
            delta: self.delta,
            beta: self.beta,
            ..Default::default()
        };
        let loss = name.with(&params).map_err(|e| Refused(e.to_string()))?;
        let Some(&kind) = Kind::ALL.iter().find(|k| k.name() == self.schedule) else {
            let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
            return refuse(format!(
                "no schedule `{}`: one of {}",
                shown(&self.schedule),
                names.join(", ")
            ));
        };
        if kind == Kind::Multistep {
            if self.milestones.is_empty() || self.milestones.contains(&0) {
                return refuse("the multistep schedule needs its milestones: epochs from 1 up");
            }
            if let Some(w) = self.milestones.windows(2).find(|w| w[1] <= w[0]) {
                return refuse(format!(
                    "the milestone {} does not come after {}: give them in increasing order",
                    w[1], w[0]
                ));
            }
        }
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return refuse(format!(
                "the plateau's factor must be between 0 and 1, got {}",
                self.factor
            ));
        }
        if self.step_size == 0 || self.t_max == Some(0) {
            return refuse("the step size and T_max must be at least 1 epoch");
        }
        let schedule = Schedule {
            kind,
            params: Params {
                step_size: self.step_size,
                gamma: number("γ", self.gamma, 0.0, true)?,
                t_max: self.t_max,
                milestones: self.milestones.clone(),
                factor: self.factor,
                patience: self.patience,
                ..Params::default()
            },
            warmup: self.warmup,
            per: None,
        };
        schedule.check().map_err(|e| Refused(e.to_string()))?;
        at_most("the epochs", self.epochs, MAX_EPOCHS)?;
        if (self.warmup as usize) >= self.epochs.max(1) && self.warmup > 0 {
            return refuse(format!(
                "the warm-up ({} epochs) must be shorter than the run ({} epochs)",
                self.warmup, self.epochs
            ));
        }
        if !(11..=MAX_GRID).contains(&self.grid) {
            return refuse(format!(
                "the grid must have 11 to {MAX_GRID} points a side, got {}",
                self.grid
            ));
        }
        if let Some([a0, a1, b0, b1]) = self.extent {
            for v in [a0, a1, b0, b1] {
                number("the view's extent", v, f64::MIN, false)?;
                if v.abs() > MAX_EXTENT {
                    return refuse(format!(
                        "the view's extent reaches {}: at most ±{MAX_EXTENT:e}",
                        crate::number::human(v)
                    ));
                }
            }
            // Wide enough that the page, which holds f32, still tells its ends apart.
            let narrow = |lo: f64, hi: f64| hi - lo <= 1e-6 * lo.abs().max(hi.abs()).max(1e-30);
            if a0 >= a1 || b0 >= b1 || narrow(a0, a1) || narrow(b0, b1) {
                return refuse("the view's extent must run from low to high, and not too narrowly");
            }
        }
        number("the start's weight", self.weight, f64::MIN, false)?;
        number("the start's bias", self.bias, f64::MIN, false)?;
        if self.batch_size == Some(0) {
            return refuse("the batch size must be at least 1");
        }
        if self.data == Source::Gen {
            let g = &self.gen;
            if !(1..=MAX_GEN).contains(&g.n) {
                return refuse(format!(
                    "a generated set has 1 to {MAX_GEN} points, got {}",
                    g.n
                ));
            }
            number("the generated slope", g.slope, f64::MIN, false)?;
            number("the generated intercept", g.intercept, f64::MIN, false)?;
            if let Some(noise) = g.noise {
                number("the generated noise", noise, 0.0, false)?;
            }
            if !(0.0..=1.0).contains(&number("the outlier share", g.outliers, 0.0, false)?) {
                return refuse(format!(
                    "the outlier share must be in [0, 1], got {}",
                    g.outliers
                ));
            }
        }
        if self.pinned() && self.standardize {
            return refuse("standardizing x moves the bias: it cannot be pinned");
        }
        let kind = self.gen.kind.as_str();
        if self.data == Source::Gen
            && !["line", "sine"].contains(&kind)
            && super::classes::kind(kind).is_none()
        {
            return refuse(format!(
                "no generated set `{}`: line, sine, blobs, moons, circles, xor or spiral",
                shown(kind)
            ));
        }
        if let Some(c) = self.gen.classes.filter(|c| !(2..=10).contains(c)) {
            return refuse(format!("a generated set has 2 to 10 classes, got {c}"));
        }
        if self.gen.classes.is_some() && !["blobs", "spiral"].contains(&kind) {
            return refuse(format!(
                "{} have two classes: the number of classes is for blobs and spirals",
                shown(kind)
            ));
        }
        if let Some(share) = self.val_split {
            if !(share > 0.0 && share < 1.0) {
                return refuse(format!(
                    "the validation share must be more than 0 and less than 1, got {share}"
                ));
            }
        }
        if self.classifies() && self.pin_bias == Some(true) {
            return refuse(
                "a classifier learns its bias: pinning the bias at 0 is the line's setting",
            );
        }
        match self.model.as_str() {
            "line" => {}
            "mlp" => self.check_mlp()?,
            other => return refuse(format!("no model `{}`: line or mlp", shown(other))),
        }
        Ok((settings, loss, schedule))
    }

    /// What only the MLP's view must hold: its shape, and settings of the line it has not.
    fn check_mlp(&self) -> Result<(), Refused> {
        if self.hidden.is_empty() || self.hidden.len() > MAX_LAYERS {
            return refuse(format!(
                "the MLP has 1 to {MAX_LAYERS} hidden layers, got {}",
                self.hidden.len()
            ));
        }
        if let Some(&h) = self.hidden.iter().find(|&&h| !(1..=MAX_WIDTH).contains(&h)) {
            return refuse(format!(
                "a hidden layer has 1 to {MAX_WIDTH} units, got {h}"
            ));
        }
        self.mlp_activation()?;
        // The landscape of a regression trains full batch from the seeded start, on x as it is;
        // a classifier takes batches and units as `explore train` does.
        let line_only = [
            (
                "a batch size",
                self.batch_size.is_some() && !self.classifies(),
            ),
            ("standardizing x", self.standardize && !self.classifies()),
            ("pinning the bias", self.pin_bias == Some(true)),
            ("a start (A, b)", self.weight != 0.0 || self.bias != 0.0),
        ];
        if let Some((what, _)) = line_only.iter().find(|(_, set)| *set) {
            return refuse(format!(
                "{what} is the line's setting: the MLP trains full batch from its seeded start"
            ));
        }
        Ok(())
    }

    /// The MLP's activation, by name.
    pub fn mlp_activation(&self) -> Result<model::Activation, Refused> {
        model::Activation::ALL
            .iter()
            .copied()
            .find(|a| a.name() == self.activation)
            .ok_or_else(|| {
                Refused(format!(
                    "no activation `{}`: tanh, relu or sigmoid",
                    shown(&self.activation)
                ))
            })
    }

    /// Whether the view is of the MLP.
    pub fn is_mlp(&self) -> bool {
        self.model == "mlp"
    }

    /// Whether the view's points are labelled classes: a classifier's.
    pub fn classifies(&self) -> bool {
        match self.data {
            Source::Gen => super::classes::kind(&self.gen.kind).is_some(),
            Source::File | Source::Upload => self.labelled,
            Source::Lesson => false,
        }
    }

    /// The training points and the validation points of `data`: those `val_split` holds out
    /// at random from `seed`, as `explore train --val-split` does; all of them and none without.
    pub fn split(&self, data: &Dataset) -> crate::Result<(Dataset, Option<Dataset>)> {
        data.held_out(self.val_split, self.seed)
    }

    /// The generated data set this view asks for.
    pub fn generated(&self) -> Dataset {
        let g = &self.gen;
        let curve = match g.kind.as_str() {
            "sine" => gen::Curve::Sine,
            _ => gen::Curve::Line,
        };
        let spec = LineSpec {
            n: g.n,
            seed: g.seed,
            slope: g.slope,
            intercept: g.intercept,
            noise: g.noise.unwrap_or(curve.defaults().0),
            x_scale: curve.defaults().1,
            outliers: g.outliers,
            outlier_shift: if g.outliers > 0.0 { OUTLIER_SHIFT } else { 0.0 },
            ..LineSpec::default()
        };
        match curve {
            gen::Curve::Sine => gen::sine(&spec),
            gen::Curve::Line => gen::line(&spec),
        }
    }
}

/// How far a generated outlier's y is moved: a gross error on the default line's scale.
pub const OUTLIER_SHIFT: f64 = 30.0;

/// An error as the page says it: each remedy as the controls that apply it.
pub fn said(e: &crate::Error) -> String {
    use crate::Remedy;
    e.explain(&|r| match r {
        Remedy::RescaleOrStandardize => {
            "rescale x (divide it by a power of ten), or tick standardize".into()
        }
        Remedy::F64 => "run the exported command in f64 (the playground computes in f32)".into(),
        Remedy::SmallerStepsOrLargerBatches => {
            "lower the learning rate or enlarge the batch size".into()
        }
        Remedy::NameColumns => "name the columns that hold x and y beside your file".into(),
        // The page's plane is always of random directions, which leave biases at zero.
        Remedy::PcaOrKeep1d => "try another seed, or hidden layers of 2 units or more".into(),
        Remedy::Classify => {
            "to tell classes apart, pick the loss bce-logits or cross-entropy".into()
        }
        other => other.to_string(),
    })
}

/// About how many epochs of a run are streamed to its page while it trains: evenly spaced, the
/// start and the last always among them.
pub const TICKS: usize = 100;

/// One epoch of a run, streamed to its page as it is computed: the loss (and the validation
/// loss, and a classifier's accuracies, where there are some), and the line's `A` and `b`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tick {
    pub epoch: usize,
    pub loss: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_loss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub val_accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bias: Option<f64>,
}

impl Tick {
    /// An epoch's loss, and nothing else yet.
    pub fn loss(epoch: usize, loss: f64) -> Self {
        Self {
            epoch,
            loss,
            val_loss: None,
            accuracy: None,
            val_accuracy: None,
            weight: None,
            bias: None,
        }
    }
}

/// What a computation is told while it runs by whoever waits for it: `stale()` says that a
/// newer request from its page has superseded it, and `tick` hears the epochs it streams.
#[derive(Clone, Copy)]
pub struct Watch<'a> {
    pub stale: &'a dyn Fn() -> bool,
    pub tick: &'a dyn Fn(Tick),
}

fn never() -> bool {
    false
}

fn unheard(_: Tick) {}

impl Watch<'static> {
    /// For a computation nobody stops or streams: an export's, a benchmark's.
    pub fn quiet() -> Self {
        Self {
            stale: &never,
            tick: &unheard,
        }
    }
}

impl Watch<'_> {
    /// Streams `tick` when its epoch is one of those a run of `epochs` streams ([`TICKS`]).
    pub fn hear(&self, epochs: usize, tick: Tick) {
        let every = (epochs / TICKS).max(1);
        if tick.epoch % every == 0 || tick.epoch == epochs {
            (self.tick)(tick);
        }
    }

    /// Whether a run goes on after an epoch: it breaks off (`superseded` set) once a newer
    /// request from its page has come.
    pub fn go_on(&self, superseded: &mut bool) -> ControlFlow<()> {
        *superseded = (self.stale)();
        match *superseded {
            true => ControlFlow::Break(()),
            false => ControlFlow::Continue(()),
        }
    }
}

/// What the page draws of a view: the run on its landscape as the `--plot FILE.html` pages draw
/// it, the run's own numbers, and the command that makes it.
#[derive(Debug, Clone, Serialize)]
pub struct Scene {
    pub page: Page,
    /// The learning rate the run used (the default for this data when the view gave none).
    pub lr: f64,
    /// The largest stable rate of full-batch descent here, where one holds.
    pub bound: Option<f64>,
    /// The last row: `epoch, weight, bias, loss`.
    pub last: Option<[f64; 4]>,
    /// Why the run stopped short, when it diverged.
    pub diverged: Option<String>,
    /// The grid's extent, for the page to keep while other controls change.
    pub extent: [f64; 4],
    /// Fingerprints of the landscape's grid and of the data drawn: the page keeps what it has
    /// drawn while they stay the same, so a change of the rate redraws only the path.
    pub grid_id: String,
    pub data_id: String,
    pub points: usize,
    /// The trained MLP's curve over the data's x, `[x, y]` (the line's is its `last` row).
    pub fit: Option<[Vec<f64>; 2]>,
    /// The points a validation share held out, `[x, y]`: drawn apart from those trained on.
    pub held_out: Option<[Vec<f64>; 2]>,
    /// A classifier's page: its maps and boundaries at kept epochs, its loss and accuracy
    /// (its `page` is the landscape plane, and `last` is `epoch, accuracy, validation
    /// accuracy, loss`).
    pub classes: Option<crate::plot::ClassPage>,
    /// The `explore` command that makes this run (`explore::cli::view_command`).
    pub command: String,
}

/// A fingerprint of `values`' bits.
fn fingerprint<'a>(values: impl Iterator<Item = &'a f64>) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for v in values {
        v.to_bits().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// Trains `view` on `data` and draws it, streaming its epochs to `watch` and stopping early
/// (`Ok(None)`) when `watch` says a newer request has superseded this one. The scene's `command`
/// is left for the caller, who knows how the data is named.
pub fn line_scene(view: &View, data: &Dataset, watch: Watch<'_>) -> crate::Result<Option<Scene>> {
    let (train, val) = view.split(data)?;
    match line_run(view, &train, val.as_ref(), watch)? {
        Some(run) => scene(view, (&train, val.as_ref()), &run).map(Some),
        None => Ok(None),
    }
}

/// The trained line of a run, as `explore train --save FILE.safetensors` writes it: refused
/// for a run that diverged, as there.
pub fn line_params(run: &LineRun) -> crate::Result<Vec<u8>> {
    if let Some(diverged) = run.divergence() {
        return Err(diverged);
    }
    let Some(last) = run.fit.kept() else {
        return Err(crate::Error::Usage(
            "a run of 0 epochs trains nothing to save".into(),
        ));
    };
    let bias = run.learn_bias.then_some(last.bias);
    crate::train::line_safetensors((last.weight, bias), run.fit.end.as_ref(), run.dtype)
}

/// The run as `explore train --animate FILE.gif` draws it (its frames and rate by default).
pub fn line_gif(run: &LineRun, data: &Dataset) -> crate::Result<Vec<u8>> {
    let figure = run.figure();
    let points = data.plot_points();
    let count = crate::plot::FRAMES as usize;
    crate::plot::gif_bytes(count, crate::plot::FPS as u32, |k| {
        crate::plot::Frame::of(&figure, Some(&points), k, count)
    })
}

/// Trains `view` on `data` as `explore train` would (with the validation points `val` that
/// [`View::split`] held out), streaming its epochs to `watch` and stopping early (`Ok(None)`)
/// when `watch` says a newer request has superseded this one.
pub fn line_run(
    view: &View,
    data: &Dataset,
    val: Option<&Dataset>,
    watch: Watch<'_>,
) -> crate::Result<Option<LineRun>> {
    let (mut settings, loss, schedule) = view.check().map_err(|e| crate::Error::Usage(e.0))?;
    let dtype = DType::F32;
    let moments = data.moments();
    let pinned = view.pinned();
    let bias = if pinned {
        Bias::Zero
    } else {
        Bias::Learnable(view.bias)
    };
    let standardize = match view.standardize {
        false => None,
        true => Some(Standardize::of(&moments).ok_or_else(|| {
            crate::Error::Usage("every x is the same, so x cannot be standardized".into())
        })?),
    };
    check_start(
        data,
        &moments,
        (view.weight, bias),
        standardize.is_some(),
        dtype,
        "start A and start b",
    )?;
    let batches = view
        .batch_size
        .map_or(1, |b| data.len().div_ceil(b.min(data.len()).max(1)));
    let updates = view.epochs.saturating_mul(batches);
    if updates > MAX_UPDATES {
        return Err(crate::Error::Usage(format!(
            "{} epochs of {batches} batches is {updates} updates: at most {MAX_UPDATES}; use \
             larger batches or fewer epochs",
            view.epochs
        )));
    }
    let objective = Objective::new(loss, data)?;
    let standardized = standardize.is_some();
    if view.lr.is_none() {
        // The default, to three digits: what the page's slider shows and the command says.
        let lr = settings.default_lr(objective.rate_curvature(!pinned, standardized));
        settings.lr = format!("{lr:.2e}").parse().unwrap_or(lr);
        held("the default learning rate for this data", settings.lr)
            .map_err(|e| crate::Error::Usage(format!("{e}: give one")))?;
    }
    let plan = Plan {
        epochs: view.epochs,
        batch_size: view.batch_size.filter(|&b| b < data.len()),
        shuffle: view.shuffle,
        seed: view.seed,
        standardize,
        loss,
    };
    let course = Course {
        schedule,
        early_stop: None,
    };
    let (x, y) = data.tensors(dtype, &Device::Cpu)?;
    let val = match val {
        Some(v) => Some(v.tensors(dtype, &Device::Cpu)?),
        None => None,
    };
    let mut superseded = false;
    let fit = fit_line(
        &x,
        &y,
        Start::At(view.weight, bias),
        settings,
        &plan,
        (&course, val.as_ref().map(|(x, y)| (x, y))),
        |row| {
            watch.hear(
                view.epochs,
                Tick {
                    val_loss: row.val_loss,
                    weight: Some(row.weight),
                    bias: Some(row.bias),
                    ..Tick::loss(row.epoch, row.loss)
                },
            );
            watch.go_on(&mut superseded)
        },
    )?;
    if superseded {
        return Ok(None);
    }
    Ok(Some(LineRun {
        fit,
        objective,
        learn_bias: !pinned,
        settings,
        plan,
        course,
        source: data.describe(),
        dtype,
    }))
}

/// The scene of a trained `run` of `view` on `data`, `val` the points it held out.
pub fn scene(
    view: &View,
    (data, val): (&Dataset, Option<&Dataset>),
    run: &LineRun,
) -> crate::Result<Scene> {
    let points = data.plot_points();
    let (mut page, extent) = draw(run, (data, &points), view)?;
    let last = run.fit.last.as_ref();
    let (grid_id, data_id) = hold(&mut page, &points, view.held.as_ref());
    Ok(Scene {
        page,
        lr: run.settings.lr,
        bound: run.stable_lr(),
        last: last.map(|r| [r.epoch as f64, r.weight, r.bias, r.loss]),
        diverged: run.divergence().map(|e| said(&e)),
        extent,
        grid_id,
        data_id,
        points: data.len(),
        fit: None,
        held_out: held_out(val),
        classes: None,
        command: String::new(),
    })
}

/// The points of `val` as a scene draws them, `[x, y]` (thinned as the data's).
pub(super) fn held_out(val: Option<&Dataset>) -> Option<[Vec<f64>; 2]> {
    let points = val?.plot_points();
    Some([
        points.iter().map(|p| p.0).collect(),
        points.iter().map(|p| p.1).collect(),
    ])
}

/// The fingerprints of `page`'s grid and of the data `points`, leaving out of the page what
/// `held` (the page's fingerprints of what it already has) says it holds.
pub(super) fn hold(
    page: &mut Page,
    points: &[(f64, f64)],
    held: Option<&[String; 2]>,
) -> (String, String) {
    let grid_id = fingerprint(
        page.xs
            .iter()
            .chain(&page.zs)
            .chain(page.losses.iter().flatten())
            .chain(&page.curve_x)
            .chain(&page.curve_loss),
    );
    let data_id = fingerprint(points.iter().flat_map(|(x, y)| [x, y]));
    if let Some([grid, data]) = held {
        if *grid == grid_id {
            for v in [
                &mut page.xs,
                &mut page.zs,
                &mut page.curve_x,
                &mut page.curve_loss,
            ] {
                v.clear();
            }
            page.losses.clear();
        }
        if *data == data_id {
            page.data = None;
        }
    }
    (grid_id, data_id)
}

/// The run on its landscape: over the view's extent, else around the best line (or, pinned,
/// the curve over A), so that the picture holds still while the controls move the path.
fn draw(
    run: &LineRun,
    (data, points): (&Dataset, &[(f64, f64)]),
    view: &View,
) -> crate::Result<(Page, [f64; 4])> {
    let objective = &run.objective;
    let moments = data.moments();
    let fit = if run.learn_bias {
        BiasFit::Learn
    } else {
        BiasFit::Fixed(0.0)
    };
    let (best, _) = objective.best_if_cheap(fit);
    let best = best.ok();
    let count = view.grid;
    let (weights, biases) = match view.extent {
        Some([a0, a1, b0, b1]) => (
            crate::grid::linspace(a0, a1, count),
            crate::grid::linspace(b0, b1, count),
        ),
        None => {
            let centre = best.map_or((0.0, 0.0), |o| (o.weight, o.bias));
            crate::grid::grid_around(&moments, centre, count)
        }
    };
    let extent = [
        weights[0],
        weights[weights.len() - 1],
        biases[0],
        biases[biases.len() - 1],
    ];
    let label = format!(
        "{} at lr {}",
        run.settings.kind.name(),
        crate::number::human(run.settings.lr)
    );
    let figure = TrainFigure::over(
        &[(&label, &run.fit)],
        objective,
        run.learn_bias,
        &run.source,
        Some((weights, biases)),
    );
    let mut page = Page::of_training(&figure, points, &|w, b| {
        objective.at(w, b).unwrap_or(f64::NAN)
    });
    // Beside the loss per epoch, the validation points' and the rate: what a schedule does.
    let rows = run.fit.history.items();
    let val: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| Some((r.epoch as f64, r.val_loss?)))
        .collect();
    if !val.is_empty() {
        page.history.push(PageHistory {
            label: "validation loss".into(),
            epoch: val.iter().map(|v| v.0).collect(),
            loss: val.iter().map(|v| v.1).collect(),
        });
    }
    page.history.push(PageHistory {
        label: "lr".into(),
        epoch: rows.iter().map(|r| r.epoch as f64).collect(),
        loss: rows.iter().map(|r| r.lr).collect(),
    });
    Ok((page, extent))
}
