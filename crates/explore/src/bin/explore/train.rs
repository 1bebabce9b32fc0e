//! `explore train`: the line trained by gradient descent, its path drawn over the landscape.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;

use anyhow::Result;
use explore::optim::{self, Settings};
use explore::report::human;
use explore::train::{default_lr, fit_line, load_line, save_line, LineRun};
use model::{Bias, Linear};

use explore::io::Stdout;

use crate::common::{Common, DataArgs, Run};

#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Learning rate. Default: 1/(2·λmax(H)), a quarter of the largest stable rate for this
    /// data: each step halves the error along the stiffest direction, so the descent shows a few
    /// visible steps (1/λmax would land in one), while flatter directions creep, and it
    /// converges on any data. A fixed rate such as the classic 0.01 sits at the edge of stability
    /// on data/linear.csv (λmax ≈ 194, so 2/λmax ≈ 0.0103) and diverges on data with larger x.
    #[arg(long, allow_hyphen_values = true, value_parser = explore::cli::positive)]
    lr: Option<f64>,
    /// Number of full-batch updates, at most 10⁹; rows 0..=EPOCHS are written as they are
    /// made, so memory stays flat however many there are.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(..=1_000_000_000))]
    epochs: u64,
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
    if bound == 0.0 {
        anyhow::bail!(explore::Error::Data {
            at: run.data.source.clone(),
            msg: "the curvature 2·mean(x²) of this data is beyond f64, so no learning rate \
                  is stable: rescale x (divide it by a power of ten)"
                .into()
        });
    }
    let start = moments.loss(init_weight, init_bias.filter(|_| learn_bias).unwrap_or(0.0));
    let limit = match run.dtype {
        candle_core::DType::F32 => f64::from(f32::MAX),
        _ => f64::MAX,
    };
    if start.is_nan() || start > limit {
        return Err(explore::cli::usage(format!(
            "the loss at the start (A = {}) is beyond {}'s range: start nearer the data \
             (--init-weight, --init-bias){}",
            human(init_weight),
            run.dtype.as_str(),
            if start.is_finite() {
                " or use --dtype f64"
            } else {
                ""
            }
        )));
    }
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
    let epochs = args.epochs as usize;
    // The rows go out as they are made, so memory stays flat for any number of epochs.
    let mut out = Stdout::new();
    let mut sink = run.sink(&mut out, &LineRun::COLUMNS)?;
    let mut failed = None;
    let progress = run.progress("train");
    let fit = fit_line(&model, &x, &y, settings, epochs, |row| {
        progress.update(row.epoch + 1, epochs + 1);
        if let Err(e) = sink.row(&row.values()) {
            failed = Some(e);
        }
        if failed.is_some() || explore::io::stdout_closed() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    drop(progress);
    if let Some(e) = failed {
        return Err(e.into());
    }
    let line_run = LineRun {
        fit,
        moments,
        learn_bias,
        settings,
        epochs,
        source: run.data.describe(),
        dtype: run.dtype,
    };
    // What was asked for is written even when training diverged: the rows so far and the plot.
    sink.finish(&run.annotate(line_run.report(), None))?;
    out.flush()?;
    run.draw(|| line_run.figure())?;
    if let Some(message) = line_run.divergence_message() {
        anyhow::bail!(message);
    }
    if let Some(path) = &args.save {
        save_line(&model, path)?;
        run.note(&format!("saved parameters to {}", path.display()));
    }
    Ok(())
}
