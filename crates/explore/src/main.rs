//! `explore`: the loss of a line `y = A·x + b` over a table of weights, over an (A, b) grid, and
//! gradient descent on it, with tables, CSV, JSON and plots. Glue over the `explore` library.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use candle_core::{DType, Device};
use clap::{Args, Parser, Subcommand};
use explore::data::{self, Dataset};
use explore::device::{self, DTypeChoice, DeviceChoice};
use explore::landscape::{self, ModelKind, Normalization};
use explore::plot::{self, PlotPath};
use explore::progress::Progress;
use explore::report::{Format, Report};
use explore::spec::Spec;
use explore::sweep::{self, Method};
use explore::{gen, output};
use model::{Bias, Linear};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "explore",
    version,
    about = "Loss landscapes and gradient descent for a line y = A·x + b",
    long_about = "Loss landscapes and gradient descent for a line y = A·x + b.\n\n\
                  With no subcommand, runs the lesson: `explore sweep --point -3,3`, the loss \
                  (3 + 3A)² of one point with the bias pinned at 0, smallest at A = -1."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Loss over a table of weights A, with the bias fixed.
    Sweep(SweepArgs),
    /// Loss over a grid of weights A × biases b: a heat map with contours.
    Surface(SurfaceArgs),
    /// Train the line by gradient descent (full-batch SGD with candle's autograd).
    Train(TrainArgs),
    /// Train a small model and draw its loss landscape on a plane with the training path.
    Landscape(LandscapeArgs),
    /// Write a data set: a noisy line (or a sine wave with --kind sine).
    Gen(GenArgs),
}

/// Where the points come from: a CSV file or `--point` flags, not both.
#[derive(Args, Clone, Default)]
struct DataArgs {
    /// A CSV file whose header names an `x` and a `y` column.
    #[arg(long, value_name = "FILE.csv")]
    data: Option<PathBuf>,
    /// A point X,Y; repeat for more points (e.g. --point -3,3 --point 1,2).
    #[arg(long = "point", value_name = "X,Y", allow_hyphen_values = true)]
    points: Vec<String>,
}

impl DataArgs {
    fn load(&self) -> Result<Dataset> {
        let loaded = match (&self.data, self.points.is_empty()) {
            (Some(_), false) => Err(explore::Error::Data {
                at: "--data and --point".into(),
                msg: "give one or the other, not both".into(),
            }),
            (Some(path), true) => data::read_csv(path),
            (None, false) => data::from_points(&self.points),
            (None, true) => Err(explore::Error::Data {
                at: "no data".into(),
                msg: "give --data FILE.csv or --point X,Y".into(),
            }),
        };
        Ok(loaded?)
    }
}

/// Options every evaluating command shares.
#[derive(Args, Clone, Default)]
struct Common {
    /// Where to compute: auto picks CUDA when built with `--features cuda` and a GPU answers.
    #[arg(long, value_enum, default_value_t)]
    device: DeviceChoice,
    /// Floating-point type of the tensors (statistics are always accumulated in f64).
    #[arg(long, value_enum, default_value_t)]
    dtype: DTypeChoice,
    /// Output on stdout: an aligned table, or CSV / JSON for other programs.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Also draw a plot to this file (.png or .svg).
    #[arg(long, value_name = "FILE.png|FILE.svg")]
    plot: Option<PlotPath>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Clone, Default)]
struct SweepArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Weights to try: START:END:COUNT (inclusive) or a comma list. Default: 21 values around
    /// the closed-form optimum.
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    weights: Option<Spec>,
    /// The fixed bias b.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    bias: f64,
    /// direct evaluates the model on every point for every weight; moments uses the data's
    /// sufficient statistics (MSE of a line is quadratic in A and b); auto picks moments.
    #[arg(long, value_enum, default_value_t)]
    method: Method,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Clone)]
struct SurfaceArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Weights A: START:END:COUNT or a comma list. Default: 81 values around the optimum.
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    weights: Option<Spec>,
    /// Biases b: START:END:COUNT or a comma list. Default: 81 values around the optimum.
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    biases: Option<Spec>,
    /// direct, moments, or auto (moments), as for `sweep`.
    #[arg(long, value_enum, default_value_t)]
    method: Method,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Clone)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Learning rate. Default: 1/λmax(H), half the largest stable rate for this data. A fixed
    /// rate such as the classic 0.01 sits at the edge of stability on data/linear.csv
    /// (λmax ≈ 194, so 2/λmax ≈ 0.0103) and diverges on data with larger x; half the bound
    /// converges on any data.
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Number of full-batch updates; rows 0..=EPOCHS are reported.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    /// Starting weight A.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    init_weight: f64,
    /// Starting bias b.
    #[arg(
        long,
        default_value_t = 0.0,
        allow_negative_numbers = true,
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

#[derive(Args, Clone)]
struct LandscapeArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model to train: the lesson's line, or an MLP with tanh activations.
    #[arg(long, value_enum, default_value_t)]
    model: ModelKind,
    /// Hidden layer sizes of the MLP, comma separated.
    #[arg(
        long,
        value_name = "SIZES",
        default_value = "16,16",
        value_delimiter = ','
    )]
    hidden: Vec<usize>,
    /// Full-batch Adam steps before the landscape is drawn around the result.
    #[arg(long, default_value_t = 500)]
    epochs: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    lr: f64,
    /// The plane's directions: two random Gaussian ones, or the two principal components of
    /// the training path.
    #[arg(long, value_enum, default_value_t)]
    directions: Directions,
    /// How random directions are scaled to the model (filter: per row of each weight matrix).
    #[arg(long, value_enum, default_value_t)]
    normalization: Normalization,
    /// Keep 1-D parameters (biases) in random directions, normalised per tensor; by default
    /// they are zero, as in Li et al.
    #[arg(long)]
    keep_1d: bool,
    /// Grid points along each direction.
    #[arg(long, default_value_t = 41)]
    steps: usize,
    /// Half-width of the grid in units of the directions. Default: 1 for random directions;
    /// 1.25 × the path's extent for PCA ones.
    #[arg(long, allow_negative_numbers = true)]
    distance: Option<f64>,
    /// Seed of the model's initial parameters and of the random directions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    common: Common,
}

/// Where the plane's directions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum Directions {
    /// Two Gaussian directions, normalised to the model (--normalization).
    #[default]
    Random,
    /// The principal components of the recorded training path.
    Pca,
}

#[derive(Args, Clone)]
struct GenArgs {
    /// The shape of the data: a line, or a sine wave for non-linear models.
    #[arg(long, value_enum, default_value_t)]
    kind: gen::Kind,
    /// Number of points.
    #[arg(long, default_value_t = 100)]
    n: usize,
    /// Seed of the random generator: the same seed gives the same file everywhere.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// True slope of the line (the amplitude of the sine).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    slope: f64,
    /// True intercept.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    intercept: f64,
    /// Standard deviation of the noise added to y. Default: 3 for a line, 0.1 for a sine.
    #[arg(long, allow_negative_numbers = true)]
    noise: Option<f64>,
    /// Spread of x: its standard deviation for a line (default 10), its half-range for a sine
    /// (default 3).
    #[arg(long, allow_negative_numbers = true)]
    x_scale: Option<f64>,
    /// Write the CSV here instead of stdout.
    #[arg(long, value_name = "FILE.csv")]
    out: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let cli: Cli = explore::cli::parse();
    explore::cli::exit(run(cli))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        None => sweep(SweepArgs {
            data: DataArgs {
                points: vec!["-3,3".into()],
                ..DataArgs::default()
            },
            ..SweepArgs::default()
        }),
        Some(Command::Sweep(args)) => sweep(args),
        Some(Command::Surface(args)) => surface(args),
        Some(Command::Train(args)) => train(args),
        Some(Command::Landscape(args)) => landscape(args),
        Some(Command::Gen(args)) => generate(args),
    }
}

/// What every evaluating command does first: load the data, check the plot can be written
/// (before any long computation), open the device.
fn prepare(data: &DataArgs, common: &Common) -> Result<(Dataset, Device)> {
    let data = data.load()?;
    if let Some(plot) = &common.plot {
        output::check_writable(plot.as_path())?;
    }
    let device = device::select(common.device)?;
    eprintln!("device: {}", device::name(&device));
    Ok((data, device))
}

fn sweep(args: SweepArgs) -> Result<()> {
    let (data, device) = prepare(&args.data, &args.common)?;
    let dtype = args.common.dtype.dtype();
    let moments = data.moments();
    let weights = match args.weights {
        Some(Spec(w)) => w,
        None => sweep::default_weights(&moments, model::BiasFit::Fixed(args.bias), 21),
    };
    let method = args.method.resolve();
    let progress = Progress::new(weights.len(), "sweep", args.common.quiet);
    let losses = sweep::losses(
        &data,
        &weights,
        &[args.bias],
        method,
        dtype,
        &device,
        &|d| progress.update(d),
    )?;
    drop(progress);

    let mut report = sweep::sweep_report(&weights, &losses, args.bias, &moments, dtype);
    let heading = format!(
        "sweep of {}: loss of {} (bias fixed), method {}, {}",
        data.describe(),
        sweep::formula(args.bias),
        method.name(),
        dtype.as_str()
    );
    annotate(&mut report, &data, &device, dtype, Some(method));
    print(&report, args.common.format, &heading)?;

    if let Some(path) = &args.common.plot {
        let title = format!(
            "MSE of {} on {}",
            sweep::formula(args.bias),
            data.describe()
        );
        plot::save(
            &sweep::sweep_figure(title, &weights, &losses, args.bias, &moments),
            path,
        )?;
        eprintln!("wrote plot: {}", path.as_path().display());
    }
    Ok(())
}

fn surface(args: SurfaceArgs) -> Result<()> {
    let (data, device) = prepare(&args.data, &args.common)?;
    let dtype = args.common.dtype.dtype();
    let moments = data.moments();
    let (default_w, default_b) = sweep::default_grid(&moments, 81);
    let weights = args.weights.map_or(default_w, |s| s.0);
    let biases = args.biases.map_or(default_b, |s| s.0);
    let cells = weights.len().saturating_mul(biases.len());
    if cells > explore::spec::MAX_COUNT {
        anyhow::bail!(
            "--weights × --biases: {} × {} = {cells} grid points is too many: at most {}",
            weights.len(),
            biases.len(),
            explore::spec::MAX_COUNT
        );
    }
    let method = args.method.resolve();
    let progress = Progress::new(cells, "surface", args.common.quiet);
    let losses = sweep::losses(&data, &weights, &biases, method, dtype, &device, &|d| {
        progress.update(d)
    })?;
    drop(progress);
    let (grid_w, grid_b) = sweep::grid(&weights, &biases);

    let mut report = sweep::surface_report(&grid_w, &grid_b, &losses, &moments, dtype);
    let heading = format!(
        "surface of {}: loss of y = A·x + b over {} × {} (A, b), method {}, {}",
        data.describe(),
        weights.len(),
        biases.len(),
        method.name(),
        dtype.as_str()
    );
    annotate(&mut report, &data, &device, dtype, Some(method));
    print(&report, args.common.format, &heading)?;

    if let Some(path) = &args.common.plot {
        let title = format!("MSE of y = A·x + b on {}", data.describe());
        let figure = sweep::surface_figure(title, &weights, &biases, &losses, &moments);
        plot::save(&figure, path)?;
        eprintln!("wrote plot: {}", path.as_path().display());
    }
    Ok(())
}

fn train(args: TrainArgs) -> Result<()> {
    let (data, device) = prepare(&args.data, &args.common)?;
    if let Some(path) = &args.save {
        output::check_writable(path)?;
    }
    let dtype = args.common.dtype.dtype();
    let (init_weight, init_bias) = match &args.init_from {
        Some(path) => explore::train::load_line(path)?,
        None => (args.init_weight, Some(args.init_bias)),
    };
    let bias = match init_bias {
        Some(b) if !args.no_bias => Bias::Learnable(b),
        _ => Bias::Zero,
    };
    let learn_bias = bias != Bias::Zero;
    let moments = data.moments();
    let bound = moments.max_stable_lr(learn_bias);
    let lr = match args.lr {
        Some(lr) if lr.is_finite() && lr > 0.0 => lr,
        Some(lr) => anyhow::bail!("--lr {lr}: give a learning rate > 0"),
        // A flat loss (every x is 0 with the bias pinned) has no bound: any rate is stable.
        None if bound.is_finite() => bound / 2.0,
        None => 0.01,
    };
    let human = explore::report::human;
    eprintln!(
        "learning rate {} (largest stable rate 2/λmax(H) = {} for this data)",
        human(lr),
        human(bound)
    );
    if lr >= bound {
        eprintln!(
            "warning: --lr {} is at or above the stable bound {}: gradient descent will not converge",
            human(lr),
            human(bound)
        );
    }

    let model = Linear::line(init_weight, bias, dtype, &device)?;
    let (x, y) = data.tensors(dtype, &device)?;
    let progress = Progress::new(args.epochs + 1, "train", args.common.quiet);
    let trajectory = explore::train::train(&model, &x, &y, lr, args.epochs, |s| {
        progress.update(s.epoch + 1)
    })?;
    drop(progress);

    // What was asked for is written even when training diverged: the rows so far and the plot.
    let mut report = explore::train::train_report(&trajectory, &moments, learn_bias, dtype);
    annotate(&mut report, &data, &device, dtype, None);
    report.json.insert("lr".into(), json!(lr));
    let heading = format!(
        "gradient descent on {}: {}, lr {}, {} epochs, {}",
        data.describe(),
        if learn_bias {
            "y = A·x + b"
        } else {
            "y = A·x (bias pinned at 0)"
        },
        human(lr),
        args.epochs,
        dtype.as_str()
    );
    print(&report, args.common.format, &heading)?;
    if let Some(path) = &args.common.plot {
        let figure =
            explore::train::train_figure(&trajectory, &moments, learn_bias, &data.describe());
        plot::save(&figure, path)?;
        eprintln!("wrote plot: {}", path.as_path().display());
    }
    if let Some(diverged) = &trajectory.diverged {
        anyhow::bail!(explore::train::divergence_message(
            diverged, &moments, learn_bias
        ));
    }
    if let Some(path) = &args.save {
        explore::train::save_line(&model, path)?;
        eprintln!("saved parameters to {}", path.display());
    }
    Ok(())
}

fn landscape(args: LandscapeArgs) -> Result<()> {
    if args.steps < 2 || args.steps > 2001 {
        anyhow::bail!(
            "--steps {}: give 2 to 2001 grid points per direction",
            args.steps
        );
    }
    if !(args.lr.is_finite() && args.lr > 0.0) {
        anyhow::bail!("--lr {}: give a learning rate > 0", args.lr);
    }
    if args.model == ModelKind::Mlp && (args.hidden.is_empty() || args.hidden.contains(&0)) {
        anyhow::bail!("--hidden: give layer sizes ≥ 1, e.g. --hidden 16,16");
    }
    if let Some(d) = args.distance.filter(|d| !(d.is_finite() && *d > 0.0)) {
        anyhow::bail!("--distance {d}: give a half-width > 0");
    }
    let (data, device) = prepare(&args.data, &args.common)?;
    let dtype = args.common.dtype.dtype();
    let (x, y) = data.tensors(dtype, &device)?;
    let (x, y) = (x.unsqueeze(1)?, y.unsqueeze(1)?);
    let net = landscape::Net::new(args.model, &args.hidden, args.seed, dtype, &device)?;
    let loss = |_: &candle_nn::VarMap| loss::mse(&net.forward(&x)?, &y, loss::Reduction::Mean);

    let run = landscape::train_recorded(&net.varmap, &loss, args.lr, args.epochs, 100)?;
    let center = run
        .points
        .last()
        .expect("the start is always recorded")
        .clone();
    let (d1, d2) = match args.directions {
        Directions::Random => (
            landscape::random_direction(
                &center,
                args.seed.wrapping_add(1),
                args.normalization,
                args.keep_1d,
            )?,
            landscape::random_direction(
                &center,
                args.seed.wrapping_add(2),
                args.normalization,
                args.keep_1d,
            )?,
        ),
        Directions::Pca => landscape::pca_directions(&run.points, &center)?,
    };
    let path = landscape::project(&run.points, &center, (&d1, &d2))?;
    let path_losses = landscape::path_losses(&net.varmap, &loss, &run.points)?;
    let extent = path
        .iter()
        .fold(0.0f64, |m, p| m.max(p.0.abs()).max(p.1.abs()));
    let distance = match (args.distance, args.directions) {
        (Some(d), _) => d,
        (None, Directions::Random) => 1.0,
        (None, Directions::Pca) => 1.25 * extent.max(1e-6),
    };
    let axis = explore::spec::linspace(-distance, distance, args.steps);
    let progress = Progress::new(args.steps * args.steps, "landscape", args.common.quiet);
    let grid = landscape::plane(
        &net.varmap,
        &loss,
        &center,
        (&d1, &d2),
        &axis,
        &axis,
        &|d| progress.update(d),
    )?;
    drop(progress);

    let plane = landscape::LossPlane {
        model: net.describe(args.model),
        parameters: net.parameter_count(),
        axis,
        losses: grid,
        epochs: run.epochs,
        path,
        path_losses,
    };

    let mut report = plane.report(&data.describe(), dtype);
    annotate(&mut report, &data, &device, dtype, None);
    let directions = value_name(args.directions);
    report.json.insert("directions".into(), json!(directions));
    report.json.insert(
        "normalization".into(),
        json!(value_name(args.normalization)),
    );
    report.json.insert("distance".into(), json!(distance));
    let heading = format!(
        "loss landscape of {} on {} around the trained parameters: {directions} directions, {} × {} grid",
        plane.model,
        data.describe(),
        args.steps,
        args.steps
    );
    print(&report, args.common.format, &heading)?;
    if let Some(path) = &args.common.plot {
        plot::save(&plane.figure(&data.describe()), path)?;
        eprintln!("wrote plot: {}", path.as_path().display());
    }
    Ok(())
}

/// The name a user types for a `clap::ValueEnum` value, e.g. `pca`.
fn value_name(value: impl clap::ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

fn generate(args: GenArgs) -> Result<()> {
    let (noise, x_scale) = args.kind.defaults();
    let (noise, x_scale) = (args.noise.unwrap_or(noise), args.x_scale.unwrap_or(x_scale));
    for (name, value) in [("--noise", noise), ("--x-scale", x_scale)] {
        if !(value.is_finite() && value >= 0.0) {
            anyhow::bail!("{name} {value}: give a finite number ≥ 0");
        }
    }
    for (name, value) in [("--slope", args.slope), ("--intercept", args.intercept)] {
        if !value.is_finite() {
            anyhow::bail!("{name} {value}: give a finite number");
        }
    }
    let spec = gen::LineSpec {
        n: args.n,
        seed: args.seed,
        slope: args.slope,
        intercept: args.intercept,
        noise,
        x_scale,
    };
    let data = match args.kind {
        gen::Kind::Line => gen::line(&spec),
        gen::Kind::Sine => gen::sine(&spec),
    };
    let text = data::to_csv(&data);
    match &args.out {
        Some(path) => {
            output::write_atomic(path, text.as_bytes())?;
            eprintln!("wrote {} points to {}", data.len(), path.display());
        }
        None => write_stdout(text.as_bytes())?,
    }
    Ok(())
}

/// The settings of a run, in the JSON output.
fn annotate(
    report: &mut Report,
    data: &Dataset,
    device: &Device,
    dtype: DType,
    method: Option<Method>,
) {
    report.json.insert("data".into(), json!(data.source));
    report.json.insert("n".into(), json!(data.len()));
    report
        .json
        .insert("device".into(), json!(device::name(device)));
    report.json.insert("dtype".into(), json!(dtype.as_str()));
    if let Some(method) = method {
        report.json.insert("method".into(), json!(method.name()));
    }
}

/// The report on stdout; the table gets a heading line, CSV and JSON stay clean.
fn print(report: &Report, format: Format, heading: &str) -> Result<()> {
    let mut text = Vec::new();
    if format == Format::Table {
        writeln!(text, "{heading}")?;
    }
    report.write(&mut text, format)?;
    write_stdout(&text)
}

/// Writes to stdout; a reader that closed the pipe early (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
