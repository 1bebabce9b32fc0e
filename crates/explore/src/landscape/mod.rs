//! Loss landscapes of any candle model whose parameters live in a `VarMap`: the loss along a
//! line between two parameter sets, over a plane spanned by two directions (random with filter
//! or layer normalisation, after Li et al. 2018, or the principal components of a training
//! run), and a training trajectory projected onto that plane with its true losses.
//!
//! [`LossPlane::run`] is the whole pipeline of `explore landscape` for the built-in models
//! (the line and the MLP), [`LossPlane::around`] the same for a model of your own after
//! [`train_recorded`]; the pieces ([`Params`], [`random_direction`], [`pca_directions`],
//! [`plane`], [`project`]) work for any `VarMap` model and a loss closure. [`LossLine`] is the
//! 1-D view (the interpolation from the start to the trained parameters), [`top_eigenvalue`]
//! the sharpness of any such loss, and [`Sharpness`] its course over a training run.
//!
//! Two ways to evaluate the plane. Any model: every point by writing parameters into the same
//! `Var`s in place and calling the caller's loss closure ([`plane`]), a dozen small candle ops
//! a point (about 3,000 points/s for an MLP 1-16-16-1 on 200 points, 2 cores). The built-in
//! models (the line and the tanh MLP): many points per call ([`batched::plane`]), a fused
//! kernel on the CPU and batched matmuls elsewhere, tens of times faster (the README's
//! benchmark table has the figures).

pub mod batched;
mod directions;
mod evaluate;
pub mod features;
pub mod hessian;
mod interpolation;
mod model;
mod params;
mod sharpness;

use std::ops::ControlFlow;

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::optim::Optimizer;
use candle_nn::VarMap;

use crate::data::Dataset;
use crate::grid::linspace;
use crate::optim::{AnyOptimizer, Settings};
use crate::train::{train, Diverged, Divergence, Ended};
use ::model::Mlp;

pub use directions::{
    axes_directions, pca_directions, random_direction, Directions, Normalization,
};
pub use evaluate::{line, path_losses, plane, project};
pub use hessian::{top_eigenpair, top_eigenvalue, PowerIteration};
pub use interpolation::LossLine;
pub use model::{Model, ModelKind};
pub use params::Params;
pub use sharpness::Sharpness;

/// The error of a computation given up because its caller said stop.
pub const STOPPED: &str = "stopped: a newer request replaced it";

/// An error ([`STOPPED`]) once `stop()` says so.
pub(crate) fn stopped(stop: &dyn Fn() -> bool) -> Result<()> {
    match stop() {
        true => Err(candle_core::Error::Msg(STOPPED.into())),
        false => Ok(()),
    }
}

/// A loss closure: reads the model's parameters from the `VarMap` and returns a scalar loss.
pub type LossFn<'a> = dyn Fn(&VarMap) -> Result<Tensor> + 'a;

/// A training run recorded for projection: parameters every few epochs, start and end included.
#[derive(Debug)]
pub struct Recording {
    pub epochs: Vec<usize>,
    pub points: Vec<Params>,
    /// The loss on held-out points at each of `epochs`, where the run was given some.
    pub val_losses: Vec<f64>,
}

/// Trains the model in `varmap` on `loss` with the optimizer of `settings` for `epochs` full
/// batch steps, recording the parameters about `records` times.
pub fn train_recorded(
    varmap: &VarMap,
    loss: &LossFn<'_>,
    settings: Settings,
    epochs: usize,
    records: usize,
) -> crate::Result<Recording> {
    record(
        varmap,
        loss,
        (settings, &crate::train::Course::default()),
        (epochs, records),
        None,
        &|_, _, _| {},
        None,
    )
}

/// [`train_recorded`], with the stable learning rate `bound` where it is known (the line's) for
/// the message of a run that diverges, the loss `val` on held-out points (when given) at each
/// recorded epoch, and `heard(epoch, loss, val_loss)` told them as training reaches it.
pub(crate) fn record(
    varmap: &VarMap,
    loss: &LossFn<'_>,
    settings: (Settings, &crate::train::Course),
    (epochs, records): (usize, usize),
    bound: Option<f64>,
    heard: &dyn Fn(usize, f64, Option<f64>),
    val: Option<&LossFn<'_>>,
) -> crate::Result<Recording> {
    let every = (epochs / records.max(1)).max(1);
    let mut rec = Recording {
        epochs: Vec::new(),
        points: Vec::new(),
        val_losses: Vec::new(),
    };
    train_full_batch(varmap, loss, settings, epochs, bound, |step| {
        if step.step % every == 0 || step.step == epochs {
            rec.epochs.push(step.step);
            rec.points.push(Params::of(varmap)?);
            let val_loss = match val {
                Some(val) => Some(evaluate::loss_value(varmap, val)?),
                None => None,
            };
            rec.val_losses.extend(val_loss);
            heard(step.step, step.loss, val_loss);
        }
        Ok(())
    })?;
    Ok(rec)
}

/// Full-batch training of the model in `varmap` on `loss` with the optimizer of `settings` at
/// the rates of `course`'s schedule, through the project's one loop: `on_step` sees each of the `epochs + 1` steps (the start
/// first). A run that breaks the divergence rule ([`crate::train::diverging`], the one every
/// training path uses) is an error that says so.
pub(crate) fn train_full_batch(
    varmap: &VarMap,
    loss: &LossFn<'_>,
    (settings, course): (Settings, &crate::train::Course),
    epochs: usize,
    bound: Option<f64>,
    mut on_step: impl FnMut(&crate::train::Step<'_>) -> Result<()>,
) -> crate::Result<()> {
    let vars = params::sorted_vars(varmap)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let mut optimizer = AnyOptimizer::new(vars, settings)?;
    let mut pace = crate::train::Pace::<()>::new(course, &settings, (epochs, 1))?;
    let mut start = None;
    let mut diverged = None;
    let ended = train(
        &mut optimizer,
        |_| loss(varmap),
        epochs,
        |step, optimizer| {
            let first = *start.get_or_insert(step.loss);
            diverged = Diverged::check(step.step, step.loss, first);
            if diverged.is_some() {
                return Ok(ControlFlow::Break(()));
            }
            pace.at(step.step, Some(step.loss), optimizer);
            on_step(step).map(|()| ControlFlow::Continue(()))
        },
    )?;
    if let Ended::NonFinite { step } = ended {
        diverged = Some(Diverged::non_finite(step, start));
    }
    match diverged {
        Some(diverged) => Err(crate::Error::Diverged(Box::new(Divergence {
            diverged,
            settings,
            bound,
            others: None,
            peak: None,
        }))),
        None => Ok(()),
    }
}

/// What `explore landscape` does: the model, its training, and the plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub model: ModelKind,
    /// Hidden layer sizes of the MLP.
    pub hidden: Vec<usize>,
    /// The MLP's activation between layers.
    pub activation: ::model::Activation,
    /// The loss trained and drawn.
    pub loss: loss::AnyLoss,
    /// The optimizer and learning rate of the training run.
    pub optimizer: Settings,
    /// The learning rate's schedule.
    pub course: crate::train::Course,
    pub epochs: usize,
    /// The plane's directions; `None`: [`Directions::default_for`] the model.
    pub directions: Option<Directions>,
    pub normalization: Normalization,
    /// Keep 1-D parameters (biases) in random directions.
    pub keep_1d: bool,
    /// Grid points along each direction.
    pub steps: usize,
    /// Half-width of the grid; `None`: 1 for random directions, 1.25 × the path's extent for
    /// PCA ones.
    pub distance: Option<f64>,
    /// Seed of the model's start and of the random directions (`seed + 1`, `seed + 2`).
    pub seed: u64,
    /// Start from these saved parameters ([`Params::save`]) rather than the seeded ones.
    pub init_from: Option<std::path::PathBuf>,
    /// Hold out this share of the points (drawn from `seed`) and give their loss at each
    /// recorded epoch ([`LossPlane::val_losses`]).
    pub val_split: Option<f64>,
}

impl Default for Config {
    /// What `explore landscape` does without flags: an MLP 1-16-16-1 trained for 500 epochs
    /// of Adam at lr 0.01, a 41 × 41 plane on the model's default directions, filter
    /// normalised, seed 1.
    fn default() -> Self {
        Self {
            model: ModelKind::Mlp,
            hidden: vec![16, 16],
            activation: ::model::Activation::Tanh,
            loss: loss::AnyLoss::default(),
            optimizer: Settings::new(crate::optim::Algorithm::Adam, 0.01),
            course: crate::train::Course::default(),
            epochs: 500,
            directions: None,
            normalization: Normalization::default(),
            keep_1d: false,
            steps: 41,
            distance: None,
            seed: 1,
            init_from: None,
            val_split: None,
        }
    }
}

/// The model of `config` in `dtype` on `device` (seeded, or with the parameters of
/// `config.init_from`) and the data as its inputs and targets, `(N, 1)`.
pub(crate) fn build(
    data: &Dataset,
    config: &Config,
    dtype: DType,
    device: &Device,
) -> crate::Result<(Model, Tensor, Tensor)> {
    crate::objective::check_targets(&config.loss, data)?;
    let (x, y) = data.tensors(dtype, device)?;
    let net = Model::new(
        config.model,
        &config.hidden,
        config.activation,
        config.seed,
        dtype,
        device,
    )?;
    if let Some(path) = &config.init_from {
        Params::of(net.varmap())?
            .load_like(path, net.name())?
            .set_into(net.varmap())?;
    }
    Ok((net, x.unsqueeze(1)?, y.unsqueeze(1)?))
}

/// How many times a run's parameters are recorded for its path.
pub const RECORDS: usize = 100;

/// The most memory the recorded path of a landscape's training run may take.
pub const BUDGET_BYTES: usize = 2 << 30;

impl Config {
    /// The largest stable learning rate of the run's optimizer where it is known: for the line,
    /// from the data's curvature; `None` for the MLP.
    pub fn stable_lr(&self, data: &Dataset) -> Option<f64> {
        match self.model {
            ModelKind::Line => {
                self.optimizer
                    .stable_lr(crate::train::curvature(&data.moments(), true, false))
            }
            ModelKind::Mlp => None,
        }
    }

    /// The number of parameters of the model: the line's 2, or the MLP's weights and biases.
    pub fn parameters(&self) -> usize {
        match self.model {
            ModelKind::Line => 2,
            ModelKind::Mlp => Mlp::parameters_of(&::model::mlp_sizes(&self.hidden)),
        }
    }

    /// Refuses settings that cannot work, before any work: directions the model cannot have,
    /// and a model too large to train and record here (its path keeps [`RECORDS`] copies of the
    /// parameters, the optimizer a few more).
    pub fn check(&self, dtype: DType) -> crate::Result<()> {
        let parameters = self.parameters();
        let refuse = |msg: String, remedy| Err(crate::Error::Usage(msg).mend(remedy));
        match self.directions {
            Some(Directions::Axes) if parameters != 2 => {
                return refuse(
                    format!(
                        "the axes directions need a model with exactly two parameters (the \
                         line); this one has {parameters}"
                    ),
                    crate::Remedy::RandomOrPca,
                )
            }
            Some(Directions::Random) if self.model == ModelKind::Line && !self.keep_1d => {
                return refuse(
                    "random directions on the line leave its bias at zero, so both would lie \
                     along the weight"
                        .into(),
                    crate::Remedy::AxesOrPcaOrKeep1d,
                )
            }
            Some(Directions::Pca) if self.epochs < 2 => {
                return refuse(
                    format!(
                        "PCA directions need a training path that spans a plane: {} epoch{} \
                         make{} none",
                        self.epochs,
                        if self.epochs == 1 { "" } else { "s" },
                        if self.epochs == 1 { "s" } else { "" }
                    ),
                    crate::Remedy::TwoEpochs,
                )
            }
            _ => {}
        }
        self.check_size(dtype)
    }

    fn check_size(&self, dtype: DType) -> crate::Result<()> {
        let copies = RECORDS + 8;
        let per = copies * dtype.size_in_bytes();
        let parameters = self.parameters();
        if parameters.saturating_mul(per) > BUDGET_BYTES {
            // The count saturates: past u64 it is only "more than" that.
            let parameters = match parameters {
                usize::MAX => format!("more than {}", usize::MAX),
                n => n.to_string(),
            };
            return Err(crate::Error::Usage(format!(
                "this MLP has {parameters} parameters, and recording its training takes \
                 {copies} copies of them: at most {} parameters fit in {} GiB in {}",
                BUDGET_BYTES / per,
                BUDGET_BYTES >> 30,
                dtype.as_str()
            ))
            .mend(crate::Remedy::SmallerHidden));
        }
        Ok(())
    }
}

/// A computed landscape: the loss over the plane around the trained parameters, with the
/// training run projected onto it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LossPlane {
    /// The loss trained and drawn.
    pub loss: loss::AnyLoss,
    /// "line" or "mlp 1-16-16-1 tanh", and its number of parameters.
    pub model: String,
    pub parameters: usize,
    /// The grid's values along each direction (the same for α and β).
    pub axis: Vec<f64>,
    /// The loss at every `(α, β)` of `axis × axis`, α-major.
    pub losses: Vec<f64>,
    /// The recorded epochs, their `(α, β)` on the plane and their true losses.
    pub epochs: Vec<usize>,
    pub path: Vec<(f64, f64)>,
    pub path_losses: Vec<f64>,
    /// The loss on the held-out points at each of `epochs` (`Config::val_split`; else empty).
    pub val_losses: Vec<f64>,
    pub directions: Directions,
    pub normalization: Normalization,
    /// The grid's half-width.
    pub distance: f64,
    /// "data/sine.csv (200 points)".
    pub source: String,
    #[serde(serialize_with = "crate::dtype_name")]
    pub dtype: DType,
    /// The parameters at the end of the run: the plane's centre (tensors, saved by `--save`;
    /// not data of the result).
    #[serde(skip)]
    pub trained: Params,
}

impl LossPlane {
    /// Builds the model of `config`, trains it on `data` while recording its path, and
    /// evaluates the loss over the plane around where it ended. `progress` is told how many
    /// of how many grid points are done.
    pub fn run(
        data: &Dataset,
        config: &Config,
        dtype: DType,
        device: &Device,
        progress: &dyn Fn(usize, usize),
    ) -> crate::Result<Self> {
        Self::run_until(
            data,
            config,
            dtype,
            device,
            progress,
            &|| false,
            &|_, _, _| {},
        )
    }

    /// [`LossPlane::run`], given up with an error ([`STOPPED`]) at the first step after
    /// `stop()` says so: for a caller that no longer wants it (a page that asked for another).
    /// `heard(epoch, loss, val_loss)` is told the loss (and the held-out points' loss) at each
    /// recorded epoch as training reaches it, for a caller that shows the run while it lasts.
    pub fn run_until(
        data: &Dataset,
        config: &Config,
        dtype: DType,
        device: &Device,
        progress: &dyn Fn(usize, usize),
        stop: &dyn Fn() -> bool,
        heard: &dyn Fn(usize, f64, Option<f64>),
    ) -> crate::Result<Self> {
        let (data, val) = data.held_out(config.val_split, config.seed)?;
        let data = &data;
        let (net, x, y) = build(data, config, dtype, device)?;
        let (xs, ys) = (x.squeeze(1)?, y.squeeze(1)?);
        // The loss on the points `(x, y)` of the network as its parameters are now.
        let loss_on = |x: &Tensor, y: &Tensor| {
            config
                .loss
                .forward(&net.forward(x)?, y, loss::Reduction::Mean)
        };
        let loss = |_: &VarMap| {
            stopped(stop)?;
            loss_on(&x, &y)
        };
        let held = match &val {
            Some(val) => {
                let (x, y) = val.tensors(dtype, device)?;
                Some((x.unsqueeze(1)?, y.unsqueeze(1)?))
            }
            None => None,
        };
        let on_val = held.as_ref().map(|(x, y)| move |_: &VarMap| loss_on(x, y));
        let run = record(
            net.varmap(),
            &loss,
            (config.optimizer, &config.course),
            (config.epochs, RECORDS),
            config.stable_lr(data),
            heard,
            on_val.as_ref().map(|f| f as &LossFn<'_>),
        )?;
        // The fused kernel knows MSE and the model's activation; any other loss goes a point at
        // a time through `loss`.
        let fast =
            (config.loss.which() == loss::LossName::Mse).then_some((&xs, &ys, net.activation()));
        let mut plane = Self::around_with(net.varmap(), &loss, &run, config, fast, progress)?;
        plane.model = net.name().to_string();
        plane.source = data.describe();
        plane.val_losses = run.val_losses;
        Ok(plane)
    }

    /// The plane of `config` (its directions, normalisation, steps, distance and seed) around
    /// the end of a recorded training run of any `VarMap` model, with the run projected onto it:
    /// what [`LossPlane::run`] does after training, for a model of your own. Every grid point
    /// is one call of `loss`. Name the model and the data in `model` and `source` for titles.
    pub fn around(
        varmap: &VarMap,
        loss: &LossFn<'_>,
        run: &Recording,
        config: &Config,
        progress: &dyn Fn(usize, usize),
    ) -> crate::Result<Self> {
        Self::around_with(varmap, loss, run, config, None, progress)
    }

    /// [`LossPlane::around`], the grid by [`batched::plane`] when `data` (with the model's
    /// activation) is given, the loss is MSE and the parameters are those of a built-in model.
    fn around_with(
        varmap: &VarMap,
        loss: &LossFn<'_>,
        run: &Recording,
        config: &Config,
        data: Option<(&Tensor, &Tensor, ::model::Activation)>,
        progress: &dyn Fn(usize, usize),
    ) -> crate::Result<Self> {
        let Some(center) = run.points.last().cloned() else {
            return Err(candle_core::Error::Msg(
                "landscape: the training run recorded no parameters".into(),
            )
            .into());
        };
        let parameters: usize = center.tensors.iter().map(Tensor::elem_count).sum();
        let dtype = center.tensors.first().map_or(DType::F64, Tensor::dtype);
        let directions = config
            .directions
            .unwrap_or_else(|| Directions::default_for(parameters));
        let (d1, d2) = match directions {
            Directions::Random => {
                let random = |k| {
                    let seed = config.seed.wrapping_add(k);
                    random_direction(&center, seed, config.normalization, config.keep_1d)
                };
                (random(1)?, random(2)?)
            }
            Directions::Pca => pca_directions(&run.points, &center)?,
            Directions::Axes => axes_directions(&center)?,
        };
        let path = project(&run.points, &center, (&d1, &d2))?;
        let path_losses = path_losses(varmap, loss, &run.points)?;
        let extent = path
            .iter()
            .fold(0.0f64, |m, p| m.max(p.0.abs()).max(p.1.abs()));
        let distance = match (config.distance, directions) {
            (Some(d), _) => d,
            // Around the path, where there is one; a run of no epochs has none to show.
            (None, Directions::Pca | Directions::Axes) if extent > 0.0 => 1.25 * extent,
            (None, _) => 1.0,
        };
        let axis = linspace(-distance, distance, config.steps);
        // The built-in models many grid points at a time; any other, a point at a time.
        let layers = data.and_then(|(_, _, activation)| batched::Layers::of(&center, activation));
        let losses = match (layers, data) {
            (Some(layers), Some((x, y, _))) => {
                batched::plane(&layers, &center, (&d1, &d2), &axis, &axis, x, y, progress)?
            }
            _ => plane(varmap, loss, &center, (&d1, &d2), &axis, &axis, progress)?,
        };
        Ok(Self {
            loss: config.loss,
            model: "model".into(),
            parameters,
            axis,
            losses,
            epochs: run.epochs.clone(),
            path,
            path_losses,
            val_losses: Vec::new(),
            directions,
            normalization: config.normalization,
            distance,
            source: "data".into(),
            dtype,
            trained: center,
        })
    }
}
