//! `explore race`: several optimizers trained from the same start, their paths on one
//! landscape and their losses on one axis, with a table of who got there first.

use std::io::Write;

use anyhow::Result;
use explore::io::Stdout;
use explore::optim::Algorithm;
use explore::plot::Page;
use explore::report::Format;
use explore::train::LineRun;
use explore::train::Race;

use explore::cli::{AnimateArgs, ScheduleArgs};

use crate::classify::{self, ModelChoice};
use crate::common::{Common, DataArgs, HyperArgs, MlpArgs, Run};
use crate::train::FitArgs;
use explore::cli::LossArgs;
use explore::objective::Objective;

#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// The optimizers, comma separated, each NAME, NAME=LR or either with its own schedule,
    /// @SCHEDULE (e.g. sgd,momentum,adam=0.5, or sgd@cosine,sgd@onecycle); without a rate each
    /// takes its default (see `explore train --help`), without a schedule --schedule's.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "sgd,momentum,nesterov,adam",
        value_parser = parse_entry
    )]
    optimizers: Vec<Entry>,
    #[command(flatten)]
    hyper: HyperArgs,
    #[command(flatten)]
    schedule: ScheduleArgs,
    #[command(flatten)]
    fit: FitArgs,
    #[command(flatten)]
    loss: LossArgs,
    /// The model: the line (the default, one feature), or on labelled data (--x f1,f2 --y
    /// label) logistic or softmax regression, or an MLP, as `explore train` has it.
    #[arg(long, value_enum)]
    model: Option<ModelChoice>,
    #[command(flatten)]
    mlp: MlpArgs,
    #[command(flatten)]
    animate: AnimateArgs,
    #[command(flatten)]
    common: Common,
}

/// One lane of `--optimizers`: the optimizer, its rate and its schedule where given.
type Entry = (Algorithm, Option<f64>, Option<explore::schedule::Kind>);

fn parse_entry(text: &str) -> Result<Entry, String> {
    let (text, schedule) = match text.split_once('@') {
        Some((text, name)) => {
            let kind = explore::schedule::Kind::ALL
                .iter()
                .copied()
                .find(|k| k.name() == name.trim())
                .ok_or_else(|| {
                    let names: Vec<&str> = explore::schedule::Kind::ALL
                        .iter()
                        .map(|k| k.name())
                        .collect();
                    format!("`{name}` is not a schedule: one of {}", names.join(", "))
                })?;
            (text, Some(kind))
        }
        None => (text, None),
    };
    let (name, lr) = match text.split_once('=') {
        Some((name, lr)) => (name, Some(explore::cli::positive(lr)?)),
        None => (text, None),
    };
    let kind = Algorithm::ALL
        .iter()
        .copied()
        .find(|k| k.name() == name.trim())
        .ok_or_else(|| {
            let names: Vec<&str> = Algorithm::ALL.iter().map(|k| k.name()).collect();
            format!("`{name}` is not an optimizer: one of {}", names.join(", "))
        })?;
    Ok((kind, lr, schedule))
}

/// Each lane's course: its own schedule or `--schedule`'s, with the schedule's flags.
fn courses(args: &Args) -> Result<Vec<explore::train::Course>> {
    let common = args.schedule.schedule.unwrap_or_default();
    let kinds: Vec<_> = args
        .optimizers
        .iter()
        .map(|e| e.2.unwrap_or(common))
        .collect();
    Ok(args
        .schedule
        .plans(&kinds, args.fit.epochs())?
        .into_iter()
        .map(|schedule| explore::train::Course {
            schedule,
            early_stop: None,
        })
        .collect())
}

pub fn run(args: Args) -> Result<()> {
    let lanes = &args.optimizers;
    if let Some((kind, ..)) = lanes
        .iter()
        .enumerate()
        .find_map(|(i, e)| lanes[..i].contains(e).then_some(e))
    {
        return Err(explore::cli::usage(format!(
            "--optimizers runs {} twice at the same rate: give each lane its own optimizer, \
             rate (NAME=LR) or schedule (NAME@SCHEDULE)",
            kind.name()
        )));
    }
    let courses = courses(&args)?;
    let task = classify::Task::of(&args.data.x_column, args.model, args.loss.loss)?;
    if task.classifying || task.several() || args.model == Some(ModelChoice::Mlp) {
        return several(&args, task.loss, task.classifying, courses);
    }
    let mlp_why = "it shapes the MLP of --model mlp";
    explore::cli::refuse_unused(&[
        ("hidden", "--hidden", false, mlp_why),
        ("activation", "--activation", false, mlp_why),
    ])?;
    let kinds: Vec<Algorithm> = args.optimizers.iter().map(|e| e.0).collect();
    let uses = [
        args.data.uses().to_vec(),
        args.fit.uses(),
        // With --epochs 0 a setting is used only in a lane's reported bound.
        args.hyper.uses(&kinds, args.fit.trains()),
        args.animate.uses().to_vec(),
    ];
    explore::cli::refuse_unused(&uses.concat())?;
    let loss = args.loss.loss(args.common.dtype.dtype())?;
    // Each entrant's own rate, and the settings they share, in the precision of the run.
    let dtype = args.common.dtype.dtype();
    for &(_, lr, _) in &args.optimizers {
        args.hyper.fit(lr, dtype)?;
    }
    let outputs: Vec<_> = args.animate.output().into_iter().collect();
    let run = Run::open(&args.data, &args.common, &outputs, &args.fit.inputs(), true)?;
    let mut ready = args.fit.prepare(&run)?;
    ready.plan.loss = loss;
    let objective = Objective::new(loss, &run.data)?;
    let lambda = objective.rate_curvature(ready.learn_bias, ready.plan.standardize.is_some());
    if ready.resume.is_some() {
        run.note(
            "--init-from: the race starts every optimizer afresh from the saved parameters \
             (continuing a run exactly is train's)",
        );
    }
    let entries = args
        .optimizers
        .iter()
        .zip(courses)
        .map(|(&(kind, lr, _), course)| {
            let mut settings = args.hyper.settings(kind, 0.0, false)?;
            settings.lr = lr.unwrap_or_else(|| settings.default_lr(lambda));
            Ok((settings, course))
        })
        .collect::<Result<Vec<_>>>()?;
    let named: Vec<_> = entries.iter().map(|(s, c)| (*s, c.schedule.kind)).collect();
    let names = explore::train::lane_names(&named);
    if let Some(twice) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        return Err(explore::cli::usage(format!(
            "--optimizers runs {} twice at the same rate: give each lane its own optimizer or \
             rate (NAME=LR)",
            twice.1
        )));
    }
    let (x, y) = run.data.tensors(run.dtype, &run.device)?;
    let progress = run.progress("race");
    // CSV and JSON carry every lane's rows, epoch by epoch, as they are made (the figure's
    // data); the table is for people: one row a lane.
    let mut out = Stdout::new();
    let mut sink = match run.format() {
        Format::Table => None,
        _ => Some(run.sink_labelled(&mut out, Some("optimizer"), &LineRun::columns(false))?),
    };
    let mut failed = None;
    let race = Race::run(
        &x,
        &y,
        ready.start,
        &entries,
        &ready.plan,
        objective,
        run.data.describe(),
        |lane, row| {
            if let Some(sink) = &mut sink {
                if let Err(e) = sink.row_labelled(&names[lane], &row.values()) {
                    failed.get_or_insert(e);
                }
            }
        },
    )?;
    drop(progress);
    if let Some(e) = failed {
        return Err(explore::io::stdout_error(e).into());
    }
    let objective = &race.objective;
    let figure = || race.figure();
    let page = || {
        Page::of_training(&race.figure(), &run.data.plot_points(), &|w, b| {
            objective.at(w, b).unwrap_or(f64::NAN)
        })
    };
    match sink {
        Some(sink) => {
            let lanes = serde_json::json!({ "lanes": race.lanes() });
            sink.finish(&run.annotate(race.report().details(&lanes), None))
                .map_err(explore::io::stdout_error)?;
            out.flush().map_err(explore::io::stdout_error)?;
            run.draw(figure, page)?;
        }
        None => {
            drop(out);
            run.finish(run.annotate(race.report(), None), figure, page)?;
        }
    }
    if let Some(path) = args
        .animate
        .write(|| race.figure(), Some(&run.data.plot_points()))?
    {
        run.note(&format!("wrote animation: {}", path.display()));
    }
    // As `train`: what was asked for is written, then a diverged lane fails the run.
    match race.divergence() {
        Some(diverged) => Err(diverged.into()),
        None => Ok(()),
    }
}

/// The race on several features (the plane), of an MLP regressing, or on labels (a
/// classifier).
fn several(
    args: &Args,
    name: loss::LossName,
    classifying: bool,
    courses: Vec<explore::train::Course>,
) -> Result<()> {
    let kinds: Vec<Algorithm> = args.optimizers.iter().map(|e| e.0).collect();
    let mlp = args.model == Some(ModelChoice::Mlp);
    explore::cli::refuse_unused(&args.fit.model_uses(mlp))?;
    explore::cli::refuse_unused(&args.hyper.uses(&kinds, args.fit.trains()))?;
    explore::cli::refuse_unused(&[
        (
            "points",
            "--point",
            false,
            "a race on several features reads --data",
        ),
        (
            "no_bias",
            "--no-bias",
            false,
            "a plane or a classifier learns its biases",
        ),
        (
            "animate",
            "--animate",
            false,
            "a race on several features is drawn with --plot",
        ),
    ])?;
    let Some(data) = args.data.data.as_deref() else {
        return Err(explore::cli::usage(
            "a race on several features or on labels reads --data FILE",
        ));
    };
    let dtype = args.common.dtype.dtype();
    let loss = match classifying {
        true => args.loss.for_classes(name, dtype)?,
        false => args.loss.loss(dtype)?,
    };
    let lanes = args
        .optimizers
        .iter()
        .zip(courses)
        .map(|(&(kind, lr, _), course)| {
            args.hyper.fit(lr, dtype)?;
            let mut settings = args.hyper.settings(kind, 0.0, false)?;
            settings.lr = lr.unwrap_or(0.0);
            Ok((settings, lr.is_some(), course))
        })
        .collect::<Result<Vec<_>>>()?;
    let label = match classifying {
        true => classify::label(&args.data.y_column, explore::cli::given("y_column")),
        false => args.data.y_column.clone(),
    };
    let request = crate::train::features_request(
        (&args.data, &args.fit, &args.mlp),
        args.model,
        data,
        label,
        (loss, lanes[0].0),
        (&args.animate, &args.common),
    );
    classify::race(request, lanes, classifying)
}
