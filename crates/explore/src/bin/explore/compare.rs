//! `explore compare`: the outlier lesson — the same data fitted under several losses, side by
//! side.

use anyhow::Result;
use explore::cli::usage;
use explore::compare::Comparison;
use explore::plot::{CompareFigure, PlotFormat};
use loss::{AnyLoss, LossName, Params};

use crate::common::{Common, DataArgs, Run};
use explore::cli::loss_with;

#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// The losses to compare, a comma list of mse, l1, huber, smooth-l1 (each once).
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        default_value = "mse,l1,huber"
    )]
    losses: Vec<String>,
    /// huber's δ (default 1).
    #[arg(long, value_name = "D", allow_hyphen_values = true, value_parser = explore::cli::finite)]
    delta: Option<f64>,
    /// smooth-l1's β (default 1; 0 is l1).
    #[arg(long, value_name = "B", allow_hyphen_values = true, value_parser = explore::cli::finite)]
    beta: Option<f64>,
    /// Pin the bias at 0 and fit the weight alone.
    #[arg(long)]
    no_bias: bool,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    explore::cli::refuse_unused(&args.data.uses())?;
    let mut losses: Vec<AnyLoss> = Vec::new();
    for name in &args.losses {
        let which = LossName::parse(name.trim()).ok_or_else(|| {
            usage(format!(
                "--losses: unknown loss '{name}': compare takes mse, l1, huber, smooth-l1"
            ))
        })?;
        if !which.fused_line() {
            return Err(usage(format!(
                "--losses: {name} is not a loss of the residual; compare takes mse, l1, huber, \
                 smooth-l1"
            )));
        }
        if losses.iter().any(|l| l.which() == which) {
            return Err(usage(format!("--losses: {name} is named twice")));
        }
        let params = Params {
            delta: args.delta,
            beta: args.beta,
            ..Params::default()
        };
        losses.push(loss_with(which, &params, args.common.dtype.dtype())?);
    }
    for (given, flag, name) in [
        (args.delta.is_some(), "--delta", LossName::Huber),
        (args.beta.is_some(), "--beta", LossName::SmoothL1),
    ] {
        if given && !losses.iter().any(|l| l.which() == name) {
            return Err(usage(format!(
                "{flag} is not used here: it is {}'s, and --losses does not name it",
                name.name()
            )));
        }
    }
    if let Some(p) = &args.common.plot {
        if p.format == PlotFormat::Html {
            return Err(usage(
                "--plot: compare draws .png or .svg; its two panels have no page yet",
            ));
        }
    }
    let run = Run::open(&args.data, &args.common, &[], &[], true)?;
    let comparison = Comparison::run(&run.data, &losses, !args.no_bias)?;
    let report = run.annotate(explore::report::comparison(&comparison), None);
    run.finish(
        report,
        || CompareFigure::of(&comparison),
        || unreachable!("refused above"),
    )
}
