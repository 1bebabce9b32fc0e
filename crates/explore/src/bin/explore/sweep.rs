//! `explore sweep`: the loss over a table of weights A, with the bias fixed.

use anyhow::Result;
use explore::grid::Spec;
use explore::plot::Page;
use explore::sweep::{Method, Sweep};

use crate::common::{method_for, Common, DataArgs, Run};
use explore::cli::LossArgs;

#[derive(clap::Args, Clone, Default)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Weights to try: START:END:COUNT (inclusive) or a comma list. Default: 21 round values
    /// around the closed-form optimum.
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    weights: Option<Spec>,
    /// The fixed bias b.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = explore::cli::finite)]
    bias: f64,
    /// direct evaluates the model on every point for every weight; moments uses the data's
    /// sufficient statistics (MSE of a line is quadratic in A and b; MSE only); auto picks
    /// moments under MSE, direct under any other loss.
    #[arg(long, value_enum, default_value_t)]
    method: Method,
    /// On several features (--x a,b,c): the plane's parameter to vary, `w.NAME` (or `w:NAME`)
    /// or `bias`, over --weights; every other is held at the least-squares plane.
    #[arg(long, value_name = "PARAMETER")]
    vary: Option<String>,
    #[command(flatten)]
    loss: LossArgs,
    #[command(flatten)]
    common: Common,
}

impl Args {
    /// The lesson, what `explore` runs with no subcommand: `sweep --point -3,3`.
    pub fn lesson() -> Self {
        Self {
            data: DataArgs {
                points: vec![(-3.0, 3.0)],
                ..DataArgs::default()
            },
            ..Self::default()
        }
    }
}

pub fn run(args: Args) -> Result<()> {
    if let Some(vary) = &args.vary {
        return along(&args, vary);
    }
    several(&args.data.x_column, "--vary w.NAME (or bias)")?;
    explore::cli::refuse_unused(&args.data.uses())?;
    let loss = args.loss.loss(args.common.dtype.dtype())?;
    let run = Run::open(
        &args.data,
        &args.common,
        &[],
        &[],
        method_for(args.method, &loss)? == Method::Direct,
    )?;
    let weights = args.weights.map(|s| s.0);
    let progress = run.progress("sweep");
    let sweep = Sweep::run(
        &run.data,
        weights,
        args.bias,
        args.method,
        &loss,
        run.dtype,
        &run.device,
        &|done, total| progress.update(done, total),
    )?;
    drop(progress);
    let report = run.annotate(sweep.report(), Some(sweep.method.name()));
    run.finish(
        report,
        || sweep.figure(),
        || Page::of_curve(&sweep.figure(), &[]),
    )
}

/// `--vary`: the plane's loss along one of its parameters.
fn along(args: &Args, vary: &str) -> Result<()> {
    explore::cli::refuse_unused(&[
        (
            "bias",
            "--bias",
            false,
            "--vary holds the other parameters at the least-squares plane",
        ),
        (
            "method",
            "--method",
            false,
            "--vary evaluates the loss directly",
        ),
    ])?;
    if args
        .common
        .plot
        .as_ref()
        .is_some_and(|p| p.format == explore::plot::PlotFormat::Html)
    {
        return Err(explore::cli::usage(
            "--plot: a sweep with --vary is drawn as .png or .svg",
        ));
    }
    let (run, slice) = slice(
        &args.data,
        &args.common,
        &[vary.to_string()],
        vec![args.weights.clone().map(|s| s.0)],
        &args.loss,
    )?;
    run.finish(
        run.annotate(slice.report(), Some("direct")),
        || slice.curve(),
        Page::default,
    )
}

/// Refuses several features without `--vary`: the line's sweep and surface have one.
pub fn several(x: &str, how: &str) -> Result<()> {
    let features = crate::classify::features(x);
    if features.len() > 1 {
        return Err(explore::cli::usage(format!(
            "--x names {} features: the plane has {} weights and a bias; give {how} to choose \
             what to vary, the rest held at the least-squares plane",
            features.len(),
            features.len()
        )));
    }
    Ok(())
}

/// The slice of the plane on `--x`'s features of `--data` along `vary`, each over its `values`
/// (default: round values around the least-squares plane), under `--loss`.
pub fn slice(
    data: &DataArgs,
    common: &Common,
    vary: &[String],
    values: Vec<Option<Vec<f64>>>,
    loss: &LossArgs,
) -> Result<(Run, explore::slice::Slice)> {
    explore::cli::refuse_unused(&[(
        "points",
        "--point",
        false,
        "--vary reads --data with several feature columns",
    )])?;
    let Some(path) = data.data.as_deref() else {
        return Err(explore::cli::usage(
            "--vary reads --data FILE with several feature columns",
        ));
    };
    let features = crate::classify::features(&data.x_column);
    crate::classify::check_features(&features)?;
    let loss = loss.loss(common.dtype.dtype())?;
    if matches!(
        loss.which(),
        loss::LossName::Bce | loss::LossName::BceLogits | loss::LossName::CrossEntropy
    ) {
        return Err(explore::cli::usage(format!(
            "--vary cuts a regression loss through the least-squares plane, and {} classifies: \
             a classifier's loss around its trained layer is explore landscape --x … --y label",
            loss.label()
        )));
    }
    let mut run = Run::for_table(path, common, &[])?;
    let table =
        explore::data::table::read_table(path, &features, &data.y_column, data.delimiter, false)?;
    run.table(&table.source, table.len());
    let slice = explore::slice::Slice::run(
        (&table.x, &table.y),
        &table.features,
        vary,
        values,
        &loss,
        table.source.clone(),
        run.dtype,
        &run.device,
    )?;
    Ok((run, slice))
}
