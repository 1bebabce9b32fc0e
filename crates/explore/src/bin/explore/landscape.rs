//! `explore landscape`: a small model trained on the data, and its loss over a plane around the
//! trained parameters with the training path on it.

use anyhow::Result;
use std::path::PathBuf;

use explore::landscape::{
    Config, Directions, LossLine, LossPlane, ModelKind, Normalization, Params, Sharpness,
};
use explore::optim::{Algorithm, Settings};

use explore::cli::AnimateArgs;

use explore::plot::View;

use crate::classify::{self, ModelChoice};
use crate::common::{Common, DataArgs, MlpArgs, OptimArgs, Run, ViewArgs, ViewKind};
use explore::cli::LossArgs;

#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// The model to train: the lesson's line (linear), or an MLP (the default); on several
    /// features (--x f1,f2) the plane (linear) or an MLP, and on labelled data (--y label)
    /// logistic or softmax regression or an MLP, the loss deciding the task as in train.
    #[arg(long, value_enum)]
    model: Option<ModelChoice>,
    #[command(flatten)]
    mlp: MlpArgs,
    /// Full-batch training steps before the landscape is drawn around the result.
    #[arg(long, default_value_t = 500, allow_hyphen_values = true, value_parser = explore::cli::whole(0, 1_000_000_000))]
    epochs: u64,
    /// Hold out this share of the points, drawn from --seed, train on the rest, and report the
    /// loss on them at the recorded epochs: a second line on the page's loss per epoch (where
    /// it turns up, the MLP overfits).
    #[arg(long, value_name = "F", allow_hyphen_values = true, value_parser = explore::cli::open_fraction)]
    val_split: Option<f64>,
    #[command(flatten)]
    optim: OptimArgs,
    #[command(flatten)]
    schedule: explore::cli::ScheduleArgs,
    #[command(flatten)]
    loss: LossArgs,
    /// The plane's directions: two random Gaussian ones, the two principal components of the
    /// training path, or the model's own two parameters (the line's (A, b) plane). Default:
    /// axes for the line, random for the MLP.
    #[arg(long, value_enum)]
    directions: Option<Directions>,
    /// How random directions are scaled to the model (filter: per row of each weight matrix).
    #[arg(long, value_enum, default_value_t)]
    normalization: Normalization,
    /// Keep 1-D parameters (biases) in random directions, normalised per tensor; by default
    /// they are zero, as in Li et al.
    #[arg(long)]
    keep_1d: bool,
    /// Grid points along each direction, 2 to 2001.
    #[arg(long, default_value_t = 41, allow_hyphen_values = true, value_parser = explore::cli::whole(2, 2001))]
    steps: u64,
    /// Half-width of the grid in units of the directions. Default: 1 for random directions;
    /// 1.25 × the path's extent for PCA and axes ones (1 when there is no path: --epochs 0).
    #[arg(long, allow_hyphen_values = true, value_parser = explore::cli::positive)]
    distance: Option<f64>,
    /// Seed of the model's initial parameters and of the random directions.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = explore::cli::whole(0, u64::MAX))]
    seed: u64,
    /// Instead of the plane: the sharpness, the top eigenvalue of the loss's Hessian, every K
    /// epochs of training (in f64), against the 2/lr bound of gradient descent, with the loss
    /// (the edge of stability, Cohen et al. 2021). The optimizer defaults to sgd.
    #[arg(
        long,
        value_name = "K",
        allow_hyphen_values = true,
        value_parser = explore::cli::whole(1, u64::from(u32::MAX)),
        conflicts_with_all = [
            "directions", "steps", "distance", "animate", "keep_1d", "view", "angle",
            "normalization",
        ]
    )]
    sharpness: Option<u64>,
    /// Save the trained model's parameters here (safetensors, PyTorch's names: layer0.weight,
    /// layer0.bias, …), to draw its landscape again with --init-from and --epochs 0.
    #[arg(long, value_name = "FILE.safetensors")]
    save: Option<PathBuf>,
    /// Start from parameters saved with --save (the same --model and --hidden); with --epochs 0
    /// the landscape is drawn around them without training. Training from them starts a fresh
    /// optimizer (continuing a run exactly is `train --init-from`).
    #[arg(long, value_name = "FILE.safetensors")]
    init_from: Option<PathBuf>,
    #[command(flatten)]
    view: ViewArgs,
    #[command(flatten)]
    animate: AnimateArgs,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let task = classify::Task::of(&args.data.x_column, args.model, args.loss.loss)?;
    if task.classifying || task.several() {
        return of_features(&args, task);
    }
    args.refuse_unused()?;
    // The sharpness trains in f64 whatever --dtype says.
    let dtype = match args.sharpness {
        Some(_) => candle_core::DType::F64,
        None => args.common.dtype.dtype(),
    };
    args.optim.hyper.fit(args.optim.lr, dtype)?;
    let default = if args.sharpness.is_some() {
        Algorithm::Sgd
    } else {
        Algorithm::Adam
    };
    let config = args.config(args.loss.loss(dtype)?, default)?;
    config.check(args.common.dtype.dtype())?;
    if let Some(every) = args.sharpness {
        return sharpness(&args, &config, every as usize);
    }
    if args.view.view == ViewKind::Line {
        return along_a_line(&args, &config);
    }
    let outputs: Vec<_> = args
        .animate
        .output()
        .into_iter()
        .chain(args.saved())
        .collect();
    let run = Run::open(&args.data, &args.common, &outputs, &args.inputs(), true)?;
    let progress = run.progress("landscape");
    let plane = LossPlane::run(
        &run.data,
        &config,
        run.dtype,
        &run.device,
        &|done, total| progress.update(done, total),
    )?;
    drop(progress);
    show(&args, &run, &plane, None)
}

/// Writes the plane: its report, its figure or page, its parameters and its animation, as
/// asked. A model on `named` features (with its activation) is saved as `train --save` saves
/// it, PyTorch's names and the features in the header.
fn show(
    args: &Args,
    run: &Run,
    plane: &LossPlane,
    named: Option<(model::Activation, &[String])>,
) -> Result<()> {
    let view = || match args.view.view {
        ViewKind::Map | ViewKind::Line => View::Map(plane.figure()),
        ViewKind::Solid => View::Surface(plane.figure3d(args.view.angle)),
    };
    let mut report = plane.report();
    let schedule = args.schedule.plan(args.epochs).ok();
    if let Some(schedule) = schedule.filter(|s| !s.is_constant()) {
        report = report.summary(format!(
            "the rate followed a {} schedule from --lr",
            schedule.describe()
        ));
    }
    run.finish(run.annotate(report, None), view, || plane.page())?;
    match (named, &args.save) {
        (Some(named), Some(path)) => {
            let layers = explore::landscape::features::layers(&plane.trained)?;
            explore::train::save_layers(&layers, named, plane.dtype, path)?;
            run.note(&format!("saved parameters to {}", path.display()));
        }
        _ => args.save_params(run, &plane.trained, &plane.model)?,
    }
    if let Some(path) = args.animate.write(|| plane.train_figure(), None)? {
        run.note(&format!("wrote animation: {}", path.display()));
    }
    Ok(())
}

/// `--sharpness K`: the top Hessian eigenvalue every K epochs, against 2/lr.
fn sharpness(args: &Args, config: &Config, every: usize) -> Result<()> {
    let run = args.open_for_figure("--sharpness")?;
    if run.dtype != candle_core::DType::F64 {
        run.note("sharpness: training in f64 (the Hessian-vector products are finite differences)");
    }
    let progress = run.progress("sharpness");
    let result = Sharpness::run(&run.data, config, every, &run.device, &|done, total| {
        progress.update(done, total)
    })?;
    drop(progress);
    run.finish(
        run.annotate_in(result.report(), None, candle_core::DType::F64),
        || result.figure(),
        explore::plot::Page::default,
    )?;
    args.save_params(&run, &result.trained, &result.model)
}

/// `--view line`: the loss along the interpolation from the start to the trained parameters and
/// along a random direction through the trained ones.
fn along_a_line(args: &Args, config: &Config) -> Result<()> {
    let given = [
        ("--directions", args.directions.is_some()),
        ("--distance", args.distance.is_some()),
        ("--animate", args.animate.output().is_some()),
    ];
    if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
        return Err(explore::cli::usage(format!(
            "{flag} is for the plane; --view line runs t from -0.5 to 1.5 along its two lines"
        )));
    }
    let run = args.open_for_figure("--view line")?;
    let lines = LossLine::run(&run.data, config, run.dtype, &run.device)?;
    run.finish(
        run.annotate(lines.report(), None),
        || lines.figure(),
        explore::plot::Page::default,
    )?;
    args.save_params(&run, &lines.trained, &lines.model)
}

/// The landscape of a model on several features or on labels: the plane (linear) or an MLP
/// regressing `--y`, or a classifier of `--y`'s labels.
fn of_features(args: &Args, task: classify::Task) -> Result<()> {
    let classify::Task {
        features,
        loss: name,
        classifying,
    } = task;
    let mlp = args.kind() == ModelKind::Mlp;
    let why = "a landscape on several features or on labels";
    // More than two parameters: random directions unless others are asked for.
    let random = args.directions.unwrap_or(Directions::Random) == Directions::Random;
    let random_why = "it shapes random directions; the plane's are not random (--directions)";
    let uses = [
        vec![
            ("points", "--point", false, "it reads labelled --data"),
            ("sharpness", "--sharpness", false, why),
            (
                "val_split",
                "--val-split",
                false,
                "a landscape on several features or on labels holds none out (explore train \
                 --val-split does)",
            ),
            (
                "hidden",
                "--hidden",
                mlp,
                "it shapes the MLP of --model mlp",
            ),
            (
                "activation",
                "--activation",
                mlp,
                "it shapes the MLP of --model mlp",
            ),
            ("normalization", "--normalization", random, random_why),
            ("keep_1d", "--keep-1d", random, random_why),
            (
                "seed",
                "--seed",
                (mlp && args.init_from.is_none()) || random,
                "it seeds the MLP's start and random directions",
            ),
        ],
        args.optim.uses(args.epochs > 0),
        args.view.uses(args.common.plot.is_some()).to_vec(),
        args.animate.uses().to_vec(),
    ];
    explore::cli::refuse_unused(&uses.concat())?;
    if classifying {
        classify::check_pair(args.model, name)?;
    }
    if args.view.view == ViewKind::Line {
        return Err(explore::cli::usage(
            "--view line: a landscape on several features or on labels is drawn as a plane \
             (--view map or 3d)",
        ));
    }
    let Some(data) = args.data.data.as_deref() else {
        return Err(explore::cli::usage(
            "--x with several columns reads --data FILE",
        ));
    };
    let dtype = args.common.dtype.dtype();
    args.optim.hyper.fit(args.optim.lr, dtype)?;
    let loss = match classifying {
        true => args.loss.for_classes(name, dtype)?,
        false => args.loss.loss(dtype)?,
    };
    let config = args.config(loss, Algorithm::Adam)?;
    let model = match &args.init_from {
        Some(path) => {
            let at = path.display().to_string();
            let network = explore::train::load_layers(path)?.for_features(&features, &at)?;
            match (network.layers.len() > 1, mlp) {
                (true, false) => {
                    return Err(explore::cli::usage(format!(
                        "--init-from {at} holds an MLP: draw it with --model mlp"
                    )))
                }
                (false, true) => {
                    return Err(explore::cli::usage(format!(
                        "--init-from {at} holds one linear layer, not an MLP: leave out \
                         --model mlp"
                    )))
                }
                _ => {}
            }
            explore::train::Classifier::Given {
                activation: network.activation.unwrap_or(args.mlp.activation),
                layers: network.layers,
            }
        }
        None if mlp => explore::train::Classifier::Mlp {
            hidden: args.mlp.sizes(),
            activation: args.mlp.activation,
            seed: args.seed,
        },
        None => explore::train::Classifier::Linear {
            weight: 0.0,
            bias: 0.0,
        },
    };
    let outputs: Vec<_> = args
        .animate
        .output()
        .into_iter()
        .chain(args.saved())
        .collect();
    let mut run = Run::for_table(data, &args.common, &outputs)?;
    let activation = model.activation();
    let label = match classifying {
        true => classify::label(&args.data.y_column, explore::cli::given("y_column")),
        false => args.data.y_column.clone(),
    };
    let table = explore::data::table::read_table(
        data,
        &features,
        &label,
        args.data.delimiter,
        classifying,
    )?;
    run.table(&table.source, table.len());
    let d = table.features.len();
    let x = candle_core::Tensor::from_vec(table.x.clone(), (table.len(), d), &run.device)?
        .to_dtype(dtype)?;
    let progress = run.progress("landscape");
    let tell = |done, total| progress.update(done, total);
    let mut plane = match classifying {
        true => {
            let labelled = explore::train::Labelled {
                x,
                labels: table.labels.clone(),
                features: table.features.clone(),
                classes: table.classes.clone(),
                units: None,
            };
            explore::landscape::features::of_labelled(&labelled, &model, &loss, &config, &tell)?
        }
        false => {
            let y = candle_core::Tensor::from_vec(table.y.clone(), table.len(), &run.device)?
                .to_dtype(dtype)?;
            explore::landscape::features::of_values((&x, &y), None, &model, &loss, &config, &tell)?
        }
    };
    drop(progress);
    plane.source = table.source.clone();
    show(args, &run, &plane, Some((activation, &table.features)))
}

impl Args {
    /// What the landscape does, as the flags say: the model, `loss`, its training (`default`
    /// where --optimizer is not given, at --lr or 0.01) and the plane.
    fn config(&self, loss: loss::AnyLoss, default: Algorithm) -> Result<Config> {
        Ok(Config {
            model: self.kind(),
            hidden: self.mlp.sizes(),
            activation: self.mlp.activation,
            loss,
            optimizer: Settings {
                lr: self.optim.lr.unwrap_or(0.01),
                ..self.optim.settings(default)?
            },
            course: explore::train::Course {
                schedule: self.schedule.plan(self.epochs)?,
                early_stop: None,
            },
            epochs: self.epochs as usize,
            directions: self.directions,
            normalization: self.normalization,
            keep_1d: self.keep_1d,
            steps: self.steps as usize,
            distance: self.distance,
            seed: self.seed,
            init_from: self.init_from.clone(),
            val_split: self.val_split,
        })
    }

    /// The model of the one-feature landscape: the line, or (by default) an MLP.
    fn kind(&self) -> ModelKind {
        match self.model {
            Some(ModelChoice::Linear | ModelChoice::Logistic | ModelChoice::Softmax) => {
                ModelKind::Line
            }
            Some(ModelChoice::Mlp) | None => ModelKind::Mlp,
        }
    }

    /// Refuses the flags this run will not use: by the model, the view, the directions and
    /// whether it trains at all.
    fn refuse_unused(&self) -> Result<()> {
        let mlp = self.kind() == ModelKind::Mlp;
        let parameters = match self.kind() {
            ModelKind::Line => 2,
            ModelKind::Mlp => 3,
        };
        let directions = self
            .directions
            .unwrap_or(Directions::default_for(parameters));
        // The line view's second line is a random direction; the plane's only when chosen.
        let random = self.sharpness.is_none()
            && (self.view.view == ViewKind::Line || directions == Directions::Random);
        let trains = self.epochs > 0;
        let random_why = "it shapes random directions; the plane's are not random \
                          (--directions)";
        let sharp_dtype =
            self.sharpness.is_some() && self.common.dtype.dtype() != candle_core::DType::F64;
        let own = [
            (
                "hidden",
                "--hidden",
                mlp,
                "it sizes the MLP's hidden layers; --model is line",
            ),
            (
                "activation",
                "--activation",
                mlp,
                "it is the MLP's, between its layers; --model is line",
            ),
            ("normalization", "--normalization", random, random_why),
            (
                "seed",
                "--seed",
                (mlp && self.init_from.is_none()) || random || self.val_split.is_some(),
                "it seeds the MLP's start and random directions; here the start is fixed (the \
                 line starts at 0, or --init-from) and the directions are not random",
            ),
            (
                "val_split",
                "--val-split",
                self.sharpness.is_none() && self.view.view != ViewKind::Line,
                "the plane's run holds points out; --sharpness and --view line do not",
            ),
            ("keep_1d", "--keep-1d", random, random_why),
            (
                "dtype",
                "--dtype",
                !sharp_dtype,
                "--sharpness always trains in f64 (its Hessian-vector products need it)",
            ),
        ];
        let uses = [
            own.to_vec(),
            self.data.uses().to_vec(),
            self.optim.uses(trains),
            self.view.uses(self.common.plot.is_some()).to_vec(),
            self.animate.uses().to_vec(),
        ];
        explore::cli::refuse_unused(&uses.concat())
    }

    /// The run of a view drawn only as a figure (PNG or SVG): `what` has no HTML page.
    fn open_for_figure(&self, what: &str) -> Result<Run> {
        if let Some(plot) = &self.common.plot {
            let ext = plot.as_path().extension();
            if ext.is_some_and(|e| e.eq_ignore_ascii_case("html")) {
                return Err(explore::cli::usage(format!(
                    "{what} draws a PNG or SVG figure, not an HTML page: use --plot FILE.png"
                )));
            }
        }
        Run::open(
            &self.data,
            &self.common,
            &self.saved(),
            &self.inputs(),
            true,
        )
    }

    /// `--save`, an output.
    fn saved(&self) -> Vec<(&'static str, &std::path::Path)> {
        self.save.iter().map(|p| ("--save", p.as_path())).collect()
    }

    /// `--init-from`, an input no output may replace.
    fn inputs(&self) -> Vec<(&'static str, &std::path::Path)> {
        self.init_from
            .iter()
            .map(|p| ("--init-from", p.as_path()))
            .collect()
    }

    /// Writes the trained parameters to `--save`, if given.
    fn save_params(&self, run: &Run, trained: &Params, model: &str) -> Result<()> {
        if let Some(path) = &self.save {
            trained.save(path, model)?;
            run.note(&format!("saved parameters to {}", path.display()));
        }
        Ok(())
    }
}
