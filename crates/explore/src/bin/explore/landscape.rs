//! `explore landscape`: a small model trained on the data, and its loss over a plane around the
//! trained parameters with the training path on it.

use anyhow::Result;
use explore::landscape::{Config, Directions, LossPlane, ModelKind, Normalization};
use explore::optim::{Kind, Settings};

use explore::cli::AnimateArgs;

use explore::plot::View;

use crate::common::{Common, DataArgs, OptimArgs, Run, ViewArgs, ViewKind};

#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// The model to train: the lesson's line, or an MLP with tanh activations.
    #[arg(long, value_enum, default_value_t)]
    model: ModelKind,
    /// Hidden layer sizes of the MLP, comma separated, each ≥ 1.
    #[arg(
        long,
        value_name = "SIZES",
        default_value = "16,16",
        value_delimiter = ',',
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    hidden: Vec<u32>,
    /// Full-batch training steps before the landscape is drawn around the result.
    #[arg(long, default_value_t = 500)]
    epochs: usize,
    #[command(flatten)]
    optim: OptimArgs,
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
    #[arg(long, default_value_t = 41, value_parser = clap::value_parser!(u16).range(2..=2001))]
    steps: u16,
    /// Half-width of the grid in units of the directions. Default: 1 for random directions;
    /// 1.25 × the path's extent for PCA ones.
    #[arg(long, allow_hyphen_values = true, value_parser = explore::cli::positive)]
    distance: Option<f64>,
    /// Seed of the model's initial parameters and of the random directions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    view: ViewArgs,
    #[command(flatten)]
    animate: AnimateArgs,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let config = Config {
        model: args.model,
        hidden: args.hidden.iter().map(|&h| h as usize).collect(),
        optimizer: Settings {
            lr: args.optim.lr.unwrap_or(0.01),
            ..args.optim.settings(Kind::Adam)?
        },
        epochs: args.epochs,
        directions: args.directions,
        normalization: args.normalization,
        keep_1d: args.keep_1d,
        steps: usize::from(args.steps),
        distance: args.distance,
        seed: args.seed,
    };
    config
        .check(args.common.dtype.dtype())
        .map_err(explore::cli::usage)?;
    let outputs: Vec<_> = args.animate.output().into_iter().collect();
    let run = Run::open(&args.data, &args.common, &outputs, &[], true)?;
    let progress = run.progress("landscape");
    let plane = LossPlane::run(
        &run.data,
        &config,
        run.dtype,
        &run.device,
        &|done, total| progress.update(done, total),
    )?;
    drop(progress);
    let view = || match args.view.view {
        ViewKind::Map => View::Map(plane.figure()),
        ViewKind::Solid => View::Surface(plane.figure3d(args.view.angle)),
    };
    run.finish(run.annotate(plane.report(), None), view, || plane.page())?;
    if let Some(path) = args.animate.write(&plane.train_figure(), None)? {
        run.note(&format!("wrote animation: {}", path.display()));
    }
    Ok(())
}
