//! The lesson's next step: find the minimum of `loss(A) = (3 + 3A)²` by gradient descent rather
//! than by trying a table, with candle's autograd computing the gradient.
//!
//! For the point (-3, 3) with the bias pinned at 0, `dL/dA = 2·(A·x − y)·x = 18·(A + 1)`, and
//! each step is `A ← A − lr·dL/dA`. Every step shrinks the distance to -1 by the factor
//! `1 − 18·lr`, so any `lr < 2/18` converges and a larger one diverges.
//!
//! ```text
//! cargo run --release --example gradient_descent [-- --init-weight 2 --lr 0.01 --epochs 100]
//! ```

use anyhow::Result;
use candle_core::{DType, Tensor};
use clap::Parser;
use explore::device::{self, DeviceChoice};
use explore::plot::{self, PlotPath};
use explore::report::{human, Format, Report};
use explore::train::{self, Step};
use model::{Bias, Linear, Moments};

#[derive(Parser)]
#[command(about = "Gradient descent on the seed lesson's loss (3 + 3A)², with candle's autograd")]
struct Args {
    /// Starting weight A.
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    init_weight: f64,
    /// Learning rate; stable below 2/18 ≈ 0.111.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    lr: f64,
    /// Number of steps.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    /// Where to write the plot of the steps on the loss curve (.png or .svg).
    #[arg(long, default_value = "gradient_descent.png")]
    plot: PlotPath,
    /// Where to compute: cpu, cuda, or auto (CUDA if built with it and a GPU answers).
    #[arg(long, value_enum, default_value_t)]
    device: DeviceChoice,
}

fn main() -> std::process::ExitCode {
    explore::cli::exit(run(explore::cli::parse::<Args>()))
}

fn run(args: Args) -> Result<()> {
    if !(args.lr.is_finite() && args.lr > 0.0) {
        anyhow::bail!("--lr {}: give a learning rate > 0", args.lr);
    }
    explore::output::check_writable(args.plot.as_path())?;
    let device = device::select(args.device)?;
    eprintln!("device: {}", device::name(&device));

    let (px, py) = (-3.0, 3.0);
    let moments = Moments::from_points(&[px], &[py]);
    println!(
        "Gradient descent on loss(A) = (3 + 3A)² for the point ({px}, {py}), bias pinned at 0."
    );
    println!(
        "dL/dA = 18·(A + 1); each step: A ← A − lr·dL/dA, with lr = {}.",
        human(args.lr)
    );
    println!(
        "Stable for lr < 2/λ = 2/18 = {}.",
        human(moments.max_stable_lr(false))
    );
    println!();

    // The model y = A·x with no bias parameter, and the data as tensors.
    let model = Linear::line(args.init_weight, Bias::Zero, DType::F32, &device)?;
    let x = Tensor::new(&[px as f32], &device)?;
    let y = Tensor::new(&[py as f32], &device)?;
    let trajectory = train::train(&model, &x, &y, args.lr, args.epochs, |_| {})?;

    let steps = &trajectory.steps;
    let column = |f: fn(&Step) -> f64| steps.iter().map(f).collect::<Vec<f64>>();
    let last = steps.last().copied();
    let report = Report {
        columns: vec!["step", "A", "dL/dA", "loss"],
        values: vec![
            column(|s| s.epoch as f64),
            column(|s| s.weight),
            column(|s| s.grad_weight),
            column(|s| s.loss),
        ],
        minimum: None,
        dtype: DType::F32,
        summary: last
            .map(|s| {
                format!(
                    "after {} steps: A = {} (loss {}); closed-form optimum: A = -1 (loss 0)",
                    s.epoch,
                    human(s.weight),
                    human(s.loss)
                )
            })
            .into_iter()
            .collect(),
        json: Default::default(),
    };
    report.write(&mut std::io::stdout().lock(), Format::Table)?;

    let figure = train::train_figure(
        &trajectory,
        &moments,
        false,
        "the point (-3, 3), bias pinned",
    );
    plot::save(&figure, &args.plot)?;
    println!("wrote plot: {}", args.plot.as_path().display());
    if let Some(d) = &trajectory.diverged {
        anyhow::bail!(train::divergence_message(d, &moments, false));
    }
    Ok(())
}
