//! `explore train`: the line trained by gradient descent, its path drawn over the landscape.

use std::path::PathBuf;

use anyhow::Result;
use explore::optim::{self, Settings};
use explore::report::human;
use explore::train::{default_lr, fit_line, load_line, save_line, LineRun};
use model::{Bias, Linear};

use crate::common::{Common, DataArgs, Run};

#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Learning rate. Default: 1/λmax(H), half the largest stable rate for this data. A fixed
    /// rate such as the classic 0.01 sits at the edge of stability on data/linear.csv
    /// (λmax ≈ 194, so 2/λmax ≈ 0.0103) and diverges on data with larger x; half the bound
    /// converges on any data.
    #[arg(long, allow_hyphen_values = true, value_parser = explore::cli::positive)]
    lr: Option<f64>,
    /// Number of full-batch updates; rows 0..=EPOCHS are reported.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    /// Starting weight A.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = explore::cli::finite)]
    init_weight: f64,
    /// Starting bias b.
    #[arg(
        long,
        default_value_t = 0.0,
        allow_hyphen_values = true,
        value_parser = explore::cli::finite,
        conflicts_with = "no_bias"
    )]
    init_bias: f64,
    /// Pin the bias at 0: it is not a parameter and is never updated.
    #[arg(long)]
    no_bias: bool,
    /// Save the trained parameters (weight, and bias if learnt) to this safetensors file.
    #[arg(long, value_name = "FILE.safetensors")]
    save: Option<PathBuf>,
    /// Start from parameters saved with --save (a file without a bias trains with it pinned).
    #[arg(
        long,
        visible_alias = "load",
        value_name = "FILE.safetensors",
        conflicts_with_all = ["init_weight", "init_bias"]
    )]
    init_from: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    let save = args.save.as_deref().map(|p| ("--save", p));
    let init = args.init_from.as_deref().map(|p| ("--init-from", p));
    let run = Run::open(&args.data, &args.common, save.as_slice(), init.as_slice())?;
    let (init_weight, init_bias) = match &args.init_from {
        Some(path) => load_line(path)?,
        None => (args.init_weight, Some(args.init_bias)),
    };
    let bias = match init_bias {
        Some(b) if !args.no_bias => Bias::Learnable(b),
        _ => Bias::Zero,
    };
    let learn_bias = bias != Bias::Zero;
    let moments = run.data.moments();
    let bound = moments.max_stable_lr(learn_bias);
    let lr = args.lr.unwrap_or_else(|| default_lr(&moments, learn_bias));
    run.note(&format!(
        "learning rate {} (largest stable rate 2/λmax(H) = {} for this data)",
        human(lr),
        human(bound)
    ));
    if lr >= bound {
        // A warning, so not silenced by --quiet.
        explore::cli::say(&format!(
            "warning: --lr {} is at or above the stable bound {}: gradient descent will not converge",
            human(lr),
            human(bound)
        ));
    }

    let model = Linear::line(init_weight, bias, run.dtype, &run.device)?;
    let (x, y) = run.data.tensors(run.dtype, &run.device)?;
    let settings = Settings {
        kind: optim::Kind::Sgd,
        lr,
    };
    let progress = run.progress("train");
    let trajectory = fit_line(&model, &x, &y, settings, args.epochs, |row| {
        progress.update(row.epoch + 1, args.epochs + 1)
    })?;
    drop(progress);
    let line_run = LineRun {
        trajectory,
        moments,
        learn_bias,
        settings,
        epochs: args.epochs,
        source: run.data.describe(),
        dtype: run.dtype,
    };
    // What was asked for is written even when training diverged: the rows so far and the plot.
    run.finish(line_run.report().run(run.info(None)), || line_run.figure())?;
    if let Some(message) = line_run.divergence_message() {
        anyhow::bail!(message);
    }
    if let Some(path) = &args.save {
        save_line(&model, path)?;
        run.note(&format!("saved parameters to {}", path.display()));
    }
    Ok(())
}
