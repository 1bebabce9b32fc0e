//! The seed lesson: fit `y = A·x` (bias pinned at 0) to the single point (-3, 3).
//!
//! The loss is `(y − A·x)² = (3 + 3A)²`. Trying a table of values of `A` shows the minimum at
//! `A = -1`, which is also the closed-form least-squares answer `A = Σxy / Σx² = -9 / 9`.
//!
//! ```text
//! cargo run --example single_point [-- --weights -3:1:9 --plot single_point.png --device auto]
//! ```

use anyhow::Result;
use candle_core::{DType, Tensor};
use clap::Parser;
use explore::device::{self, DeviceChoice};
use explore::grid::Spec;
use explore::plot::{self, LossCurve, Page, PlotPath};
use explore::report::Format;
use explore::sweep::{Method, Sweep};

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
}

fn main() -> std::process::ExitCode {
    explore::cli::run(run)
}

fn run(args: Args) -> Result<()> {
    explore::io::check_writable(args.plot.as_path())?;
    let device = device::select(args.device)?;
    explore::cli::say(&format!("device: {}", device::name(&device)));
    let (px, py) = (-3.0, 3.0);

    // The model evaluated for the whole table of A at once: predictions (K, 1), then the mean
    // squared error of each row, (K,).
    let weights = &args.weights.0;
    let x = Tensor::new(&[px as f32], &device)?;
    let y = Tensor::new(&[py as f32], &device)?;
    let table = Tensor::new(weights.as_slice(), &device)?.to_dtype(DType::F32)?;
    let pred = model::predict_table(&table, None, &x)?;
    let losses: Vec<f64> = loss::mse_rows(&pred, &y)?.to_dtype(DType::F64)?.to_vec1()?;

    // The table beside the closed-form optimum, and the curve, as `explore sweep` shows them.
    let sweep = Sweep {
        weights: weights.clone(),
        bias: 0.0,
        losses,
        method: Method::Direct,
        dtype: DType::F32,
        moments: model::Moments::from_points(&[px], &[py]),
        source: "the point (-3, 3)".into(),
    };
    let heading = format!(
        "The lesson: fit the line y = A·x + b to the point ({px}, {py}), with the bias pinned at b = 0.\n\
         loss(A) = (y − A·x)² = (3 + 3A)²\n"
    );
    let report = sweep.report().title(heading);
    report.write(&mut std::io::stdout().lock(), Format::Table)?;

    let figure = LossCurve {
        title: "loss(A) = (3 + 3A)² for the point (-3, 3), bias pinned at 0".into(),
        ..sweep.figure()
    };
    plot::save_plot(
        &args.plot,
        || figure.clone(),
        || Page::of_curve(&figure, &[]),
    )?;
    println!("wrote plot: {}", args.plot.path.display());
    Ok(())
}
