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
