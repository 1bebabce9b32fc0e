//! `explore train`: the line trained by gradient descent with any optimizer, full batch or in
//! mini-batches, its path drawn over the landscape.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::Result;
use explore::cli::{finite, say};
use explore::io::Stdout;
use explore::number::human;
use explore::objective::Objective;
use explore::optim::Algorithm;
use explore::plot::Page;
use explore::train::{
    bound_text, check_start, fit_line, load_line, save_line, LineRun, Plan, Resume, Standardize,
    Start,
};
use model::Bias;

use explore::cli::{AnimateArgs, ScheduleArgs, ValidationArgs};

use crate::classify::{self, ModelChoice};
use crate::common::{Common, DataArgs, MlpArgs, OptimArgs, Run};
use explore::cli::LossArgs;

#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    optim: OptimArgs,
    #[command(flatten)]
    fit: FitArgs,
    #[command(flatten)]
    loss: LossArgs,
    /// The model: the line (the default, one feature), or on labelled data (--x f1,f2 --y
    /// label) logistic or softmax regression, or an MLP. The loss decides the task: bce-logits,
    /// bce and cross-entropy make the labels classes; logistic defaults to bce-logits, softmax
    /// to cross-entropy.
    #[arg(long, value_enum)]
    model: Option<ModelChoice>,
    #[command(flatten)]
    mlp: MlpArgs,
    #[command(flatten)]
    schedule: ScheduleArgs,
    #[command(flatten)]
    validation: ValidationArgs,
    #[command(flatten)]
    animate: AnimateArgs,
    /// Save the trained parameters to this safetensors file, with PyTorch's names and shapes:
    /// `weight` and `bias` of `nn.Linear(d, outputs)`; an MLP's as `nn.Sequential`'s
    /// (`0.weight`, `0.bias`, `2.weight`, …). Always in the data's units.
    #[arg(long, value_name = "FILE.safetensors")]
    save: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

impl Args {
    /// Whether the run draws a figure with lines `--smooth` can smooth: a .png or .svg plot,
    /// or an animation.
    fn draws(&self) -> bool {
        let html = explore::plot::PlotFormat::Html;
        self.common.plot.as_ref().is_some_and(|p| p.format != html)
            || self.animate.animate.is_some()
    }
}

/// How the line is trained, whatever the optimizer: for `train` and `race`.
#[derive(clap::Args, Clone)]
pub struct FitArgs {
    /// Points per update: each epoch visits every point once in batches of this size (the last
    /// may be smaller). Default: the whole data set (full batch).
    #[arg(long, allow_hyphen_values = true, value_parser = explore::cli::whole(1, u64::MAX))]
    batch_size: Option<u64>,
    /// Reshuffle the points before every epoch (the default), from --seed.
    #[arg(long, overrides_with = "no_shuffle")]
    shuffle: bool,
    /// Keep the points in file order in every epoch.
    #[arg(long)]
    no_shuffle: bool,
    /// Seed of the shuffling and of an MLP's start: the same seed gives the same run on any
    /// machine.
    #[arg(long, default_value_t = explore::train::SEED, allow_hyphen_values = true, value_parser = explore::cli::whole(0, u64::MAX))]
    seed: u64,
    /// Train on standardized x, (x − mean)/std for each feature, and report the weights and
    /// biases in the data's own units: the cure for features far from zero or far apart in
    /// scale.
    #[arg(long, conflicts_with = "no_bias")]
    standardize: bool,
    /// Number of epochs, at most 10⁹; rows 0..=EPOCHS are written as they are made, so memory
    /// stays flat however many there are.
    #[arg(long, default_value_t = 100, allow_hyphen_values = true, value_parser = explore::cli::whole(0, 1_000_000_000))]
    epochs: u64,
    /// Starting weight A.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite)]
    init_weight: f64,
    /// Starting bias b.
    #[arg(
        long,
        default_value_t = 0.0,
        allow_hyphen_values = true,
        value_parser = finite,
        conflicts_with = "no_bias"
    )]
    init_bias: f64,
    /// Pin the bias at 0: it is not a parameter and is never updated.
    #[arg(long)]
    no_bias: bool,
    /// Start from parameters saved with --save (a line's file without a bias trains with it
    /// pinned); a classifier or a plane reads its layers, an MLP its shape and activation too.
    #[arg(
        long,
        visible_alias = "load",
        value_name = "FILE.safetensors",
        conflicts_with_all = ["init_weight", "init_bias"]
    )]
    init_from: Option<PathBuf>,
}

/// What a training run starts from, checked against the data.
pub struct Prepared {
    pub start: (f64, Bias),
    pub learn_bias: bool,
    pub plan: Plan,
    /// Where the run saved in --init-from ended, if it says.
    pub resume: Option<Resume>,
}

impl Prepared {
    /// Where training starts: exactly where the saved run ended when it can continue with
    /// `settings` and a constant rate (a note says why not otherwise), else at the start line.
    pub fn start(
        &self,
        settings: &explore::optim::Settings,
        run: &Run,
        scheduled: bool,
    ) -> Start<'_> {
        if let Some(resume) = &self.resume {
            let pinned = (self.start.1 == Bias::Zero) != resume.trained.1.is_none();
            let why = if pinned {
                Some("its bias was learnt, now it is pinned".to_string())
            } else if scheduled {
                Some("a schedule starts afresh".to_string())
            } else {
                resume.differs(settings, &self.plan, (run.dtype, run.data.len()))
            };
            match why {
                None => return Start::Resume(resume),
                Some(why) => run.note(&format!(
                    "--init-from: starting from the saved parameters with a fresh optimizer, \
                     not exactly where that run stopped: {why}"
                )),
            }
        }
        Start::At(self.start.0, self.start.1)
    }
}

impl FitArgs {
    /// `--shuffle`, `--no-shuffle` and `--seed` order mini-batches: unused in full batch, and the
    /// seed unused in file order; the data's flags as [`DataArgs::uses`].
    pub fn uses(&self) -> Vec<explore::cli::Use<'static>> {
        let batched = self.batch_size.is_some();
        let why = "it orders mini-batches; give --batch-size";
        // The validation split is drawn from the seed, whether anything trains or not.
        let splits = explore::cli::given("val_split");
        if self.epochs == 0 {
            let why = "--epochs 0 trains nothing, in batches or not";
            return ["batch_size", "shuffle", "no_shuffle", "seed"]
                .into_iter()
                .zip(["--batch-size", "--shuffle", "--no-shuffle", "--seed"])
                .map(|(id, flag)| (id, flag, id == "seed" && splits, why))
                .collect();
        }
        vec![
            ("shuffle", "--shuffle", batched, why),
            ("no_shuffle", "--no-shuffle", batched, why),
            (
                "seed",
                "--seed",
                (batched && !self.no_shuffle) || splits,
                if batched {
                    "it seeds the shuffle, and --no-shuffle keeps file order"
                } else {
                    "it seeds the shuffle of mini-batches; give --batch-size"
                },
            ),
        ]
    }

    /// What a run of the plane, an MLP or a classifier takes of these flags and the MLP's: the
    /// shuffle's as [`FitArgs::uses`] says; `--seed` seeds an MLP's start (unless
    /// `--init-from` gives it) and the shuffle; `--init-weight` and `--init-bias` start a
    /// linear model; `--hidden` and `--activation` shape an MLP (`mlp`).
    pub fn model_uses(&self, mlp: bool) -> Vec<explore::cli::Use<'static>> {
        let loaded = self.init_from.is_some();
        let shuffled = self.batch_size.is_some() && !self.no_shuffle;
        let shapes = "it shapes the MLP of --model mlp";
        let seeded = "an MLP starts from --seed";
        let mut uses: Vec<_> = self
            .uses()
            .into_iter()
            .filter(|(id, ..)| *id != "seed")
            .collect();
        uses.extend([
            (
                "seed",
                "--seed",
                (mlp && !loaded) || shuffled || explore::cli::given("val_split"),
                "it seeds an MLP's start (--model mlp), the shuffle of --batch-size and \
                 --val-split",
            ),
            ("hidden", "--hidden", mlp, shapes),
            ("activation", "--activation", mlp, shapes),
            ("init_weight", "--init-weight", !mlp, seeded),
            ("init_bias", "--init-bias", !mlp, seeded),
        ]);
        uses
    }

    /// How many epochs the run trains.
    pub fn epochs(&self) -> u64 {
        self.epochs
    }

    /// Whether any epoch runs.
    pub fn trains(&self) -> bool {
        self.epochs > 0
    }

    /// The files this run reads besides the data.
    pub fn inputs(&self) -> Vec<(&'static str, &Path)> {
        self.init_from
            .as_deref()
            .map(|p| ("--init-from", p))
            .into_iter()
            .collect()
    }

    /// The start, the plan and the curvature, refusing data and starts that cannot be trained:
    /// a curvature beyond f64, or squared errors at the start beyond the dtype.
    pub fn prepare(&self, run: &Run) -> Result<Prepared> {
        let (init_weight, init_bias, resume) = match &self.init_from {
            Some(path) => {
                let saved = load_line(path)?;
                (saved.weight, saved.bias, saved.resume)
            }
            None => (self.init_weight, Some(self.init_bias), None),
        };
        let bias = match init_bias {
            Some(b) if !self.no_bias => Bias::Learnable(b),
            _ => Bias::Zero,
        };
        let learn_bias = bias != Bias::Zero;
        if let Some(size) = self.batch_size.filter(|&b| b as usize >= run.data.len()) {
            // Known only now that the data is read: one batch of every point is full batch.
            let order = [
                ("seed", "--seed"),
                ("shuffle", "--shuffle"),
                ("no_shuffle", "--no-shuffle"),
            ];
            if let Some((_, flag)) = order.iter().find(|(id, _)| explore::cli::given(id)) {
                return Err(explore::cli::usage(format!(
                    "{flag} is not used here: --batch-size {size} holds all {} points, so every \
                     epoch is one full batch in file order",
                    run.data.len()
                )));
            }
        }
        let moments = run.data.moments();
        let standardize = match self.standardize {
            false => None,
            true => Some(
                Standardize::of(&moments).ok_or_else(|| explore::Error::Data {
                    at: run.data.source.clone(),
                    msg: "every x is the same, so x cannot be standardized".into(),
                })?,
            ),
        };
        let changes = if self.init_from.is_some() {
            "another --init-from"
        } else {
            "--init-weight, --init-bias"
        };
        check_start(
            &run.data,
            &moments,
            (init_weight, bias),
            standardize.is_some(),
            run.dtype,
            changes,
        )?;
        Ok(Prepared {
            start: (init_weight, bias),
            learn_bias,
            plan: Plan {
                epochs: self.epochs as usize,
                batch_size: self.batch_size.map(|b| b as usize),
                shuffle: !self.no_shuffle,
                seed: self.seed,
                standardize,
                loss: loss::AnyLoss::default(),
            },
            resume,
        })
    }
}

pub fn run(args: Args) -> Result<()> {
    let stdin = Some(Path::new("-"));
    if args.data.data.as_deref() == stdin && args.validation.val.as_deref() == stdin {
        return Err(explore::cli::usage(
            "--data - and --val - cannot both read standard input: give one of them a file",
        ));
    }
    let task = classify::Task::of(&args.data.x_column, args.model, args.loss.loss)?;
    let loss_name = task.loss;
    if task.classifying {
        return classifier(&args, loss_name);
    }
    if task.several() || args.model == Some(ModelChoice::Mlp) {
        return plane(&args, loss_name);
    }
    let mlp_why = "it shapes the MLP of --model mlp";
    explore::cli::refuse_unused(&[
        ("hidden", "--hidden", false, mlp_why),
        ("activation", "--activation", false, mlp_why),
    ])?;
    // Even with --epochs 0 the optimizer is used: its rate and bound are reported.
    let kind = args.optim.optimizer.unwrap_or(Algorithm::Sgd);
    let settings_at_rest = match args.fit.epochs {
        0 => args.optim.hyper.uses(&[kind], false),
        _ => Vec::new(),
    };
    let uses = [
        args.data.uses().to_vec(),
        args.fit.uses(),
        args.optim.uses(true),
        settings_at_rest,
        args.animate.uses().to_vec(),
    ];
    explore::cli::refuse_unused(&uses.concat())?;
    let draws = args.draws();
    let course = args
        .validation
        .course(args.schedule.plan(args.fit.epochs)?, draws)?;
    let loss = args.loss.loss(args.common.dtype.dtype())?;
    args.optim
        .hyper
        .fit(args.optim.lr, args.common.dtype.dtype())?;
    let mut settings = args.optim.settings(Algorithm::Sgd)?;
    let save = args.save.as_deref().map(|p| ("--save", p));
    let outputs: Vec<_> = save.into_iter().chain(args.animate.output()).collect();
    let inputs: Vec<_> = args
        .fit
        .inputs()
        .into_iter()
        .chain(args.validation.input())
        .collect();
    // A file to validate on is read before the run opens its device (and says which).
    crate::common::check_outputs(&args.common, &outputs, &inputs)?;
    let val_file = match &args.validation.val {
        Some(path) => {
            let mut data = args.data.clone();
            data.data = Some(path.clone());
            data.points.clear();
            let dtype = args.common.dtype.dtype();
            Some(data.load(explore::data::Load::Points(dtype))?)
        }
        None => None,
    };
    let mut run = Run::open(&args.data, &args.common, &outputs, &inputs, true)?;
    let val = match val_file {
        Some(val) => Some(val),
        None => split(&mut run, &args)?,
    };
    let mut ready = args.fit.prepare(&run)?;
    ready.plan.loss = loss;
    let objective = Objective::new(loss, &run.data)?;
    // The bound is the loss's: MSE's curvature scaled by its largest second derivative; a loss
    // with none (L1) takes MSE's default rate, and says so.
    let standardized = ready.plan.standardize.is_some();
    let lambda = objective.curvature(ready.learn_bias, standardized);
    settings.lr = args.optim.lr.unwrap_or_else(|| {
        settings.default_lr(objective.rate_curvature(ready.learn_bias, standardized))
    });
    let name = settings.kind.name();
    // The bound is full-batch descent's; a mini-batch follows its own batch's curvature.
    let batched = ready.plan.batch_size.is_some_and(|b| b < run.data.len());
    let (whose, caveat) = if batched {
        (
            format!("full-batch {name}"),
            "; mini-batches follow each batch's curvature, so no exact bound holds for them",
        )
    } else {
        (name.to_string(), "")
    };
    match lambda.and_then(|l| settings.stable_lr(l)) {
        Some(bound) if bound > 0.0 => {
            run.note(&format!(
                "learning rate {} ({whose} is stable for lr < {} on this data{caveat})",
                human(settings.lr),
                bound_text(bound)
            ));
            if settings.lr >= bound && loss.which() != loss::LossName::Mse {
                // Another loss's bound holds for its steepest curvature everywhere: a rate
                // above it may still converge where the points sit in the flatter parts.
                say(&format!(
                    "warning: --lr {} is at or above the bound {} that holds wherever {}'s \
                     curvature is steepest: {whose} may not converge",
                    human(settings.lr),
                    bound_text(bound),
                    loss.label()
                ));
            } else if settings.lr >= bound {
                // A warning, so not silenced by --quiet.
                say(&format!(
                    "warning: --lr {} is at or above the stable bound {}: {whose} will not \
                     converge{}{}",
                    human(settings.lr),
                    bound_text(bound),
                    if batched {
                        ", and mini-batches, on average, will not either"
                    } else {
                        ""
                    },
                    if course.schedule.is_constant() {
                        ""
                    } else {
                        " while its schedule keeps the rate there"
                    }
                ));
            }
        }
        Some(_) => say(&format!(
            "warning: no learning rate is stable for {name} with momentum {}",
            human(settings.momentum)
        )),
        None if lambda.is_none() && settings.stable_lr(1.0).is_some() => run.note(&format!(
            "learning rate {} ({} has a kink and no curvature bound, so no rate is proven \
             stable{})",
            human(settings.lr),
            loss.label(),
            if args.optim.lr.is_some() {
                ""
            } else {
                "; without --lr the rate's default is MSE's"
            }
        )),
        None => run.note(&format!(
            "learning rate {} ({name} adapts its steps: no fixed bound applies)",
            human(settings.lr)
        )),
    }

    let (x, y) = run.data.tensors(run.dtype, &run.device)?;
    // The rows go out as they are made, so memory stays flat for any number of epochs.
    let mut out = Stdout::new();
    let mut sink = run.sink(&mut out, &LineRun::columns(val.is_some()))?;
    let val = match &val {
        Some(v) => Some(v.tensors(run.dtype, &run.device)?),
        None => None,
    };
    let mut failed = None;
    let progress = run.progress("train");
    let epochs = ready.plan.epochs;
    let fit = fit_line(
        &x,
        &y,
        ready.start(&settings, &run, !course.schedule.is_constant()),
        settings,
        &ready.plan,
        (&course, val.as_ref().map(|(x, y)| (x, y))),
        |row| {
            progress.update(row.epoch + 1, epochs + 1);
            if let Err(e) = sink.row(&row.values()) {
                failed = Some(e);
            }
            if failed.is_some() || explore::io::stdout_closed() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )?;
    drop(progress);
    if let Some(e) = failed {
        return Err(explore::io::stdout_error(e).into());
    }
    let line_run = LineRun {
        fit,
        objective,
        learn_bias: ready.learn_bias,
        settings,
        plan: ready.plan,
        course,
        source: run.data.describe(),
        dtype: run.dtype,
    };
    // What was asked for is written even when training diverged: the rows so far and the plot.
    sink.finish(&run.annotate(line_run.report(), None))
        .and_then(|()| out.flush())
        .map_err(explore::io::stdout_error)?;
    classify::stopped_note(&args.common, line_run.fit.stopped, &|line| run.note(line));
    let objective = &line_run.objective;
    let figure = || {
        let mut figure = line_run.figure();
        figure.history.smooth = args.validation.smooth;
        figure
    };
    run.draw(figure, || {
        Page::of_training(&figure(), &run.data.plot_points(), &|w, b| {
            objective.at(w, b).unwrap_or(f64::NAN)
        })
    })?;
    if let Some(path) = args.animate.write(figure, Some(&run.data.plot_points()))? {
        run.note(&format!("wrote animation: {}", path.display()));
    }
    if let Some(diverged) = line_run.divergence() {
        return Err(diverged.into());
    }
    if let (Some(path), Some(last)) = (&args.save, line_run.fit.kept()) {
        let bias = ready.learn_bias.then_some(last.bias);
        save_line(
            (last.weight, bias),
            line_run.fit.end.as_ref(),
            run.dtype,
            path,
        )?;
        run.note(&format!("saved parameters to {}", path.display()));
    }
    Ok(())
}

/// The validation points `--val-split` holds out of the data at random from `--seed`, the
/// training points being what they leave.
fn split(run: &mut Run, args: &Args) -> Result<Option<explore::data::Dataset>> {
    if let Some(share) = args.validation.val_split {
        let source = run.data.source.clone();
        let (train, val) = crate::common::split_rows(
            run.data.len(),
            share,
            args.fit.seed,
            None,
            (&source, args.common.quiet),
        )?;
        let held = run.data.rows(&val, format!("{source} (held out)"))?;
        run.data = run.data.rows(&train, source)?;
        return Ok(Some(held));
    }
    Ok(None)
}

/// `train` on several features under a regression loss: the plane, full batch.
fn plane(args: &Args, name: loss::LossName) -> Result<()> {
    let why = "the plane on several features learns its bias";
    let mlp = args.model == Some(ModelChoice::Mlp);
    explore::cli::refuse_unused(&args.fit.model_uses(mlp))?;
    explore::cli::refuse_unused(&[
        (
            "points",
            "--point",
            false,
            "the plane reads --data with its columns",
        ),
        ("no_bias", "--no-bias", false, why),
        (
            "animate",
            "--animate",
            false,
            "a regression on several features or by an MLP is drawn as its loss per epoch, \
             with --plot",
        ),
    ])?;
    let Some(data) = args.data.data.as_deref() else {
        return Err(explore::cli::usage(
            "--x with several columns (or --model mlp) reads --data FILE",
        ));
    };
    let dtype = args.common.dtype.dtype();
    let loss = args.loss.loss(dtype)?;
    debug_assert_eq!(loss.which(), name);
    args.optim.hyper.fit(args.optim.lr, dtype)?;
    let settings = args.optim.settings(Algorithm::Sgd)?;
    classify::regress(request(
        args,
        data,
        args.data.y_column.clone(),
        loss,
        settings,
    )?)
}

/// `train` on labelled data: a classifier, full batch, as the loss `name` says.
fn classifier(args: &Args, name: loss::LossName) -> Result<()> {
    let why = "a classifier learns its biases";
    let mlp = args.model == Some(ModelChoice::Mlp);
    explore::cli::refuse_unused(&args.fit.model_uses(mlp))?;
    explore::cli::refuse_unused(&args.animate.uses())?;
    explore::cli::refuse_unused(&[
        (
            "points",
            "--point",
            false,
            "a classifier reads labelled --data",
        ),
        ("no_bias", "--no-bias", false, why),
    ])?;
    let Some(data) = args.data.data.as_deref() else {
        return Err(explore::cli::usage(
            "a classifier reads labelled --data FILE",
        ));
    };
    let dtype = args.common.dtype.dtype();
    let loss = args.loss.for_classes(name, dtype)?;
    args.optim.hyper.fit(args.optim.lr, dtype)?;
    let settings = args.optim.settings(Algorithm::Sgd)?;
    classify::run(request(
        args,
        data,
        classify::label(&args.data.y_column, explore::cli::given("y_column")),
        loss,
        settings,
    )?)
}

/// What the plane and the classifiers need of `train`'s flags.
fn request<'a>(
    args: &'a Args,
    data: &'a Path,
    label: String,
    loss: loss::AnyLoss,
    settings: explore::optim::Settings,
) -> Result<classify::Request<'a>> {
    let mut request = features_request(
        (&args.data, &args.fit, &args.mlp),
        args.model,
        data,
        label,
        (loss, settings),
        (&args.animate, &args.common),
    );
    request.lr_given = args.optim.lr.is_some();
    request.save = args.save.as_deref();
    request.val_split = args.validation.val_split;
    request.val = args.validation.val.as_deref();
    request.smooth = args.validation.smooth;
    let draws = args.draws();
    request.course = args
        .validation
        .course(args.schedule.plan(args.fit.epochs)?, draws)?;
    Ok(request)
}

/// The request of `train` or `race` on several features or labels, from their shared flags;
/// the rate counts as not given, and nothing is saved.
pub fn features_request<'a>(
    (data_args, fit, mlp): (&'a DataArgs, &'a FitArgs, &'a MlpArgs),
    model: Option<ModelChoice>,
    data: &'a Path,
    label: String,
    (loss, settings): (loss::AnyLoss, explore::optim::Settings),
    (animate, common): (&'a AnimateArgs, &'a Common),
) -> classify::Request<'a> {
    classify::Request {
        data,
        features: classify::features(&data_args.x_column),
        label,
        delimiter: data_args.delimiter,
        model,
        hidden: mlp.sizes(),
        activation: mlp.activation,
        seed: fit.seed,
        loss,
        settings,
        lr_given: false,
        epochs: fit.epochs as usize,
        batch_size: fit.batch_size.map(|b| b as usize),
        shuffle: !fit.no_shuffle,
        init: (fit.init_weight, fit.init_bias),
        standardize: fit.standardize,
        init_from: fit.init_from.as_deref(),
        save: None,
        course: explore::train::Course::default(),
        val_split: None,
        val: None,
        smooth: None,
        animate,
        common,
    }
}
