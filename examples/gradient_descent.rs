//! The lesson's next step: find the minimum of `loss(A) = (3 + 3A)²` by gradient descent rather
//! than by trying a table, with candle's autograd computing the gradient.
//!
//! For the point (-3, 3) with the bias pinned at 0, `dL/dA = 2·(A·x − y)·x = 18·(A + 1)`, and
//! each step is `A ← A − lr·dL/dA`. Every step shrinks the distance to -1 by the factor
//! `1 − 18·lr`, so any `lr < 2/18` converges and a larger one diverges.
//!
//! With `--loss l1` (or `huber`, `smooth-l1`) the same loop under another loss: autograd gives
//! its gradient, `3·sign(A + 1)` for L1, whose steps never shrink, so A ends circling −1.
//!
//! ```text
//! cargo run --release --example gradient_descent [-- --init-weight 2 --lr 0.01 --epochs 100 --loss mse --dtype f32]
//! ```

use std::io::Write;

use anyhow::Result;
use candle_core::Tensor;
use clap::Parser;
use explore::data::Dataset;
use explore::device::{self, DTypeChoice, DeviceChoice};
use explore::io::Stdout;
use explore::number::human;
use explore::objective::Objective;
use explore::optim::{Algorithm, Optim, Optimizer, Settings, Sgd};
use explore::plot::{self, Page, PlotPath};
use explore::report::{Format, Report, Sink};
use explore::train::{check_start, Fit, LineRun, Plan, Row};
use loss::{LossName, Reduction};
use model::{Bias, Linear, Moments};

#[derive(Parser)]
#[command(about = "Gradient descent on the seed lesson's loss (3 + 3A)², with candle's autograd")]
struct Args {
    /// Starting weight A.
    #[arg(long, default_value_t = 2.0, allow_hyphen_values = true, value_parser = explore::cli::finite)]
    init_weight: f64,
    /// Learning rate; stable below 2/18 ≈ 0.111.
    #[arg(long, default_value_t = 0.01, allow_hyphen_values = true, value_parser = explore::cli::positive)]
    lr: f64,
    /// Number of steps, at most 10⁹ (the table shows the first and last).
    #[arg(long, default_value_t = 100, allow_hyphen_values = true, value_parser = explore::cli::whole(0, 1_000_000_000))]
    epochs: u64,
    /// Floating-point type of the tensors: f32 as in the lesson, or f64.
    #[arg(long, value_enum, default_value_t)]
    dtype: DTypeChoice,
    /// Where to write the plot of the steps on the loss curve (.png, .svg, or .html for an
    /// interactive page).
    #[arg(long, default_value = "gradient_descent.png")]
    plot: PlotPath,
    /// Where to compute: cpu, cuda, or auto (CUDA if built with it and a GPU answers).
    #[arg(long, value_enum, default_value_t)]
    device: DeviceChoice,
    #[command(flatten)]
    animate: explore::cli::AnimateArgs,
    #[command(flatten)]
    loss: explore::cli::LossArgs,
}

/// The table's columns.
const COLUMNS: [&str; 4] = ["step", "A", "dL/dA", "loss"];

fn main() -> std::process::ExitCode {
    explore::cli::run(run)
}

fn run(args: Args) -> Result<()> {
    explore::cli::refuse_unused(&args.animate.uses())?;
    let loss = args.loss.loss(args.dtype.dtype())?;
    let name = loss.which();
    explore::io::check_writable(args.plot.as_path())?;
    if let Some((_, path)) = args.animate.output() {
        explore::io::check_writable(path)?;
    }
    let (px, py) = (-3.0, 3.0);
    let moments = Moments::from_points(&[px], &[py]);
    let data = Dataset::from_points(&[(px, py)]);
    let objective = Objective::new(loss, &data)?;
    let dtype = args.dtype.dtype();
    // As `explore train`: a rate f32 cannot hold would step by nothing, or by infinity.
    explore::cli::held("--lr", args.lr, dtype)?;
    // A start whose loss is already beyond the dtype's range cannot train, whatever the
    // learning rate: said as `explore train` says it, before any work.
    check_start(
        &data,
        &moments,
        (args.init_weight, Bias::Zero),
        false,
        dtype,
        "--init-weight",
    )?;
    let device = device::select(args.device)?;
    explore::cli::say(&format!("device: {}", device::name(&device)));
    let mut out = Stdout::new();
    let (formula, gradient) = match name {
        LossName::Mse => ("(3 + 3A)²".to_string(), "18·(A + 1)"),
        LossName::L1 => ("|3 + 3A|".to_string(), "3·sign(A + 1)"),
        _ => (
            format!("{} of d = −3(A + 1): {}", loss.label(), loss.formula()),
            "by candle's autograd",
        ),
    };
    writeln!(
        out,
        "Gradient descent on loss(A) = {formula} for the point ({px}, {py}), bias pinned at 0."
    )?;
    writeln!(
        out,
        "dL/dA = {gradient}; each step: A ← A − lr·dL/dA, with lr = {}.",
        human(args.lr)
    )?;
    // The bound is the loss's: its largest curvature, 18 for MSE, 9 for Huber; L1 has none.
    let bound = objective
        .curvature(false, false)
        .map_or(f64::INFINITY, |lambda| 2.0 / lambda);
    match objective.curvature(false, false) {
        Some(lambda) => writeln!(
            out,
            "Stable for lr < 2/λ = 2/{} = {}.\n",
            human(lambda),
            explore::train::bound_text(bound)
        )?,
        None => writeln!(
            out,
            "{} has a kink at the optimum and no curvature bound: every step moves A by lr·3, \
             so A ends circling −1 within that.\n",
            loss.label()
        )?,
    }
    if args.lr >= bound {
        // As `explore train` warns.
        explore::cli::say(&format!(
            "warning: --lr {} is at or above the stable bound {}: gradient descent will not \
             converge",
            args.lr,
            explore::train::bound_text(bound)
        ));
    }

    // The model y = A·x with no bias parameter, the data as tensors, and the optimizer.
    let model = Linear::line(args.init_weight, Bias::Zero, dtype, &device)?;
    let x = Tensor::new(&[px], &device)?.to_dtype(dtype)?;
    let y = Tensor::new(&[py], &device)?.to_dtype(dtype)?;
    let mut sgd = Optim::<Sgd>::with_lr(model.parameters(), args.lr)?;

    // The loop: forward, loss, backward, step. Row `step` is A after `step` updates; `fit`
    // stops the loop if the loss blows up.
    let (mut fit, mut table) = (
        Fit::default(),
        Sink::new(&mut out, Format::Table, COLUMNS.to_vec(), dtype)?,
    );
    for step in 0..=args.epochs as usize {
        let pred = model.forward(&x)?; // A·x
        let loss = loss.forward(&pred, &y, Reduction::Mean)?; // (3 + 3A)² under MSE
        let grads = loss.backward()?; // dL/dA, by candle's autograd
        let row = Row::of(step, &model, model::scalar(&loss)?, &grads)?;
        if fit.push(row).is_break() {
            break;
        }
        table.row(&[row.epoch as f64, row.weight, row.grad_weight, row.loss])?;
        if step < args.epochs as usize {
            sgd.step(&grads)?; // A ← A − lr·dL/dA
        }
    }

    let mut report = Report::new(COLUMNS.to_vec(), Vec::new(), dtype);
    if let Some(last) = fit.last {
        report = report.summary(format!(
            "after {} steps: A = {} (loss {}); every loss's optimum: A = -1 (loss 0)",
            last.epoch,
            human(last.weight),
            human(last.loss)
        ));
    }
    table.finish(&report)?;

    let run = LineRun {
        fit,
        objective,
        learn_bias: false,
        settings: Settings::new(Algorithm::Sgd, args.lr),
        plan: Plan::full_batch(args.epochs as usize),
        course: Default::default(),
        source: "the point (-3, 3), bias pinned".into(),
        dtype,
    };
    let loss = |w: f64, _| run.objective.at(w, 0.0).unwrap_or(f64::NAN);
    plot::save_plot(
        &args.plot,
        || run.figure(),
        || Page::of_training(&run.figure(), &[(px, py)], &loss),
    )?;
    writeln!(out, "wrote plot: {}", args.plot.as_path().display())?;
    if let Some(path) = args.animate.write(|| run.figure(), Some(&[(px, py)]))? {
        writeln!(out, "wrote animation: {}", path.display())?;
    }
    match run.divergence() {
        Some(diverged) => Err(diverged.into()),
        None => Ok(()),
    }
}
