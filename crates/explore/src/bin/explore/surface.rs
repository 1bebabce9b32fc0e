//! `explore surface`: the loss over a grid of weights A × biases b, drawn as a heat map.

use anyhow::Result;
use explore::grid::Spec;
use explore::sweep::{Method, Surface};

use explore::plot::{Page, View};

use crate::common::{method_for, Common, DataArgs, Run, ViewArgs, ViewKind};
use explore::cli::LossArgs;

#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Weights A: START:END:COUNT or a comma list. Default: 81 round values around the
    /// optimum (with --vary: the first parameter's, 41).
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    weights: Option<Spec>,
    /// Biases b: START:END:COUNT or a comma list. Default: 81 round values around the
    /// optimum (with --vary: the second parameter's, 41).
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    biases: Option<Spec>,
    /// direct, moments (MSE only), or auto (moments under MSE, else direct), as for `sweep`.
    #[arg(long, value_enum, default_value_t)]
    method: Method,
    #[command(flatten)]
    view: ViewArgs,
    /// On several features (--x a,b,c): the plane's two parameters to vary, `w.NAME` or
    /// `bias`, over --weights and --biases; every other is held at the least-squares plane.
    #[arg(long, value_name = "P1,P2", value_delimiter = ',')]
    vary: Vec<String>,
    #[command(flatten)]
    loss: LossArgs,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    if !args.vary.is_empty() {
        return over(&args);
    }
    crate::sweep::several(&args.data.x_column, "--vary P1,P2 (w.NAME or bias)")?;
    explore::cli::refuse_unused(
        &[
            args.data.uses().to_vec(),
            args.view.uses(args.common.plot.is_some()).to_vec(),
        ]
        .concat(),
    )?;
    let loss = args.loss.loss(args.common.dtype.dtype())?;
    // The default axes have 81 values each, so the grid's size is known before any work.
    let count = |spec: &Option<Spec>| spec.as_ref().map_or(81, |s| s.0.len());
    explore::grid::check_grid_size(count(&args.weights), count(&args.biases))?;
    if args.view.view == ViewKind::Line {
        return Err(explore::cli::usage(
            "--view line is landscape's 1-D view; a surface is drawn as map or 3d",
        ));
    }
    let run = Run::open(
        &args.data,
        &args.common,
        &[],
        &[],
        method_for(args.method, &loss)? == Method::Direct,
    )?;
    let progress = run.progress("surface");
    let surface = Surface::run(
        &run.data,
        args.weights.map(|s| s.0),
        args.biases.map(|s| s.0),
        args.method,
        &loss,
        run.dtype,
        &run.device,
        &|done, total| progress.update(done, total),
    )?;
    drop(progress);
    let report = run.annotate(surface.report(), Some(surface.method.name()));
    let view = || match args.view.view {
        ViewKind::Map => View::Map(surface.figure()),
        ViewKind::Solid | ViewKind::Line => View::Surface(surface.figure3d(args.view.angle)),
    };
    run.finish(report, view, || Page::of_map(&surface.figure(), &[], &[]))
}

/// `--vary P1,P2`: the plane's loss over two of its parameters.
fn over(args: &Args) -> Result<()> {
    if args.vary.len() != 2 {
        return Err(explore::cli::usage(format!(
            "--vary names {} parameters: a surface varies two (e.g. --vary w.a,bias)",
            args.vary.len()
        )));
    }
    explore::cli::refuse_unused(&[(
        "method",
        "--method",
        false,
        "--vary evaluates the loss directly",
    )])?;
    explore::cli::refuse_unused(&args.view.uses(args.common.plot.is_some()))?;
    if args.view.view == ViewKind::Line {
        return Err(explore::cli::usage(
            "--view line is landscape's 1-D view; a surface is drawn as map or 3d",
        ));
    }
    let (run, slice) = crate::sweep::slice(
        &args.data,
        &args.common,
        &args.vary,
        vec![
            args.weights.clone().map(|s| s.0),
            args.biases.clone().map(|s| s.0),
        ],
        &args.loss,
    )?;
    let view = || match args.view.view {
        ViewKind::Map => View::Map(slice.map()),
        ViewKind::Solid | ViewKind::Line => View::Surface(explore::plot::Surface3d::of(
            &slice.map(),
            args.view.angle,
            &|_, _| f64::NAN,
        )),
    };
    run.finish(run.annotate(slice.report(), Some("direct")), view, || {
        Page::of_map(&slice.map(), &[], &[])
    })
}
