//! The seed lesson: fit `y = A·x` (bias pinned at 0) to the single point (-3, 3).
//!
//! The loss is `(y − A·x)² = (3 + 3A)²`. Trying a table of values of `A` shows the minimum at
//! `A = -1`, which is also the closed-form least-squares answer `A = Σxy / Σx² = -9 / 9`.
//!
//! With `--loss l1` (or `huber`, `smooth-l1`) the same table under another loss: `|3 + 3A|` for
//! L1. Every loss of the residual is least where the residual is 0, so every one has its minimum
//! at `A = -1` here; they differ once points disagree (`explore compare`).
//!
//! ```text
//! cargo run --example single_point [-- --weights -3:1:9 --plot single_point.png --loss mse --device auto --dtype f32]
//! ```

use std::io::Write;

use anyhow::Result;
use candle_core::Tensor;
use clap::Parser;
use explore::data::Dataset;
use explore::device::{self, DTypeChoice, DeviceChoice};
use explore::grid::Spec;
use explore::io::Stdout;
use explore::plot::{self, LossCurve, Page, PlotPath};
use explore::report::Format;
use explore::sweep::{Method, Sweep};
use loss::LossName;

#[derive(Parser)]
#[command(about = "The seed lesson: the loss (3 + 3A)² of one point, tried over a table of A")]
struct Args {
    /// The weights A to try: START:END:COUNT (inclusive) or a comma list.
    #[arg(long, default_value = "-3:1:9", allow_hyphen_values = true)]
    weights: Spec,
    /// Where to write the plot of loss against A (.png, .svg, or .html for an interactive page).
    #[arg(long, default_value = "single_point.png")]
    plot: PlotPath,
    /// Where to compute: cpu, cuda, or auto (CUDA if built with it and a GPU answers).
    #[arg(long, value_enum, default_value_t)]
    device: DeviceChoice,
    /// Floating-point type of the tensors: f32 as in the lesson, or f64.
    #[arg(long, value_enum, default_value_t)]
    dtype: DTypeChoice,
    #[command(flatten)]
    loss: explore::cli::LossArgs,
}

fn main() -> std::process::ExitCode {
    explore::cli::run(run)
}

fn run(args: Args) -> Result<()> {
    let loss = args.loss.loss(args.dtype.dtype())?;
    let name = loss.which();
    explore::io::check_writable(args.plot.as_path())?;
    let device = device::select(args.device)?;
    explore::cli::say(&format!("device: {}", device::name(&device)));
    let (px, py) = (-3.0, 3.0);

    // The model evaluated for the whole table of A at once: predictions (K, 1), then the loss
    // of each row, (K,).
    let weights = &args.weights.0;
    let dtype = args.dtype.dtype();
    let x = Tensor::new(&[px], &device)?.to_dtype(dtype)?;
    let y = Tensor::new(&[py], &device)?.to_dtype(dtype)?;
    let table = Tensor::new(weights.as_slice(), &device)?.to_dtype(dtype)?;
    let pred = model::predict_table(&table, None, &x)?;
    let losses: Vec<f64> = loss
        .rows(&pred, &y)?
        .to_dtype(candle_core::DType::F64)?
        .to_vec1()?;

    // The table beside the exact optimum, and the curve, as `explore sweep` shows them.
    let data = Dataset::from_points(&[(px, py)]);
    let ignore = |_: usize, _: usize| {};
    let sweep = Sweep {
        losses,
        source: "the point (-3, 3)".into(),
        ..Sweep::run(
            &data,
            Some(weights.clone()),
            0.0,
            Method::Direct,
            &loss,
            dtype,
            &device,
            &ignore,
        )?
    };
    let formula = match name {
        LossName::Mse => "loss(A) = (y − A·x)² = (3 + 3A)²".to_string(),
        LossName::L1 => "loss(A) = |y − A·x| = |3 + 3A|".to_string(),
        _ => format!(
            "loss(A) = {} of d = A·x − y = −(3 + 3A): {}",
            loss.label(),
            loss.formula()
        ),
    };
    let heading = format!(
        "The lesson: fit the line y = A·x + b to the point ({px}, {py}), with the bias pinned at b = 0.\n\
         {formula}\n"
    );
    let report = sweep.report().title(heading);
    // Stdout: a reader that stops early (`| head`) is no error.
    let mut out = Stdout::new();
    report.write(&mut out, Format::Table)?;
    out.flush()?;
    if report.beyond_f32() {
        // As `explore sweep` says it.
        explore::cli::say(
            "warning: some values are beyond f32's range (±3.4e38) and show as inf; use --dtype f64",
        );
    }

    let figure = LossCurve {
        title: format!("{formula} for the point (-3, 3), bias pinned at 0"),
        ..sweep.figure()
    };
    plot::save_plot(
        &args.plot,
        || figure.clone(),
        || Page::of_curve(&figure, &[]),
    )?;
    writeln!(out, "wrote plot: {}", args.plot.path.display())?;
    out.flush()?;
    Ok(())
}
