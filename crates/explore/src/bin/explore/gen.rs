//! `explore gen`: a reproducible data set, a noisy line or a sine wave, or labelled classes, in
//! the form the output's extension names (CSV, TSV, NumPy, Parquet; CSV on stdout).

use std::path::{Path, PathBuf};

use anyhow::Result;
use explore::cli::{finite, non_negative, say, usage};
use std::io::Write;

use explore::data::gen::{self, classes, ClassSpec, LineSpec, Setting, Shape};
use explore::data::write::{self, Format};
use explore::io::{Stdout, UntilClosed};

/// The most points `gen` writes.
const MOST: u64 = 1_000_000_000;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// The shape of the data: `x, y` points around a line or a sine wave, or labelled classes
    /// (`x1, x2, label`, label 0, 1, …) for classifiers.
    #[arg(long, value_enum, default_value_t)]
    kind: Shape,
    /// Number of points, 1 to 10⁹ (`1e6` is taken), written as they are drawn, in constant
    /// memory.
    #[arg(long, default_value_t = 100, allow_hyphen_values = true, value_parser = explore::cli::whole(1, MOST))]
    n: u64,
    /// Seed of the random generator, 0 to 2⁶⁴−1: the same seed gives the same file everywhere.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = explore::cli::whole(0, u64::MAX))]
    seed: u64,
    /// True slope of the line (the amplitude of the sine).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = finite)]
    slope: f64,
    /// True intercept.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite)]
    intercept: f64,
    /// Standard deviation of the noise added to y, ≥ 0. Default: 3 for a line, 0.1 for a sine.
    /// For classes: a blob's standard deviation (default 1), the noise of the others (default
    /// 0: the points on their curves).
    #[arg(long, allow_hyphen_values = true, value_parser = non_negative)]
    noise: Option<f64>,
    /// How many blobs (default 3) or spiral arms (default 2), 2 to 1000.
    #[arg(long, value_name = "K", allow_hyphen_values = true, value_parser = explore::cli::whole(2, 1000))]
    classes: Option<u64>,
    /// The inner circle's radius over the outer's, in [0, 1) (circles; default 0.8).
    #[arg(long, value_name = "F", allow_hyphen_values = true, value_parser = explore::cli::fraction)]
    factor: Option<f64>,
    /// Spread of x, ≥ 0: its standard deviation for a line (default 10), its half-range for a
    /// sine (default 3).
    #[arg(long, allow_hyphen_values = true, value_parser = non_negative)]
    x_scale: Option<f64>,
    /// The centre of x: 0, or e.g. 2000 for house sizes in square feet.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite)]
    x_mean: f64,
    /// The share of points made gross outliers, 0 to 1: each point is one with this
    /// probability, its y moved by --outlier-shift (the outlier lesson: docs/losses.md).
    #[arg(long, value_name = "F", default_value_t = 0.0, allow_hyphen_values = true, value_parser = explore::cli::fraction)]
    outliers: f64,
    /// What an outlier's y is moved by. Default: 20 times the noise.
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = finite)]
    outlier_shift: Option<f64>,
    /// No note on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Write to this file instead of stdout, in the form its extension names: .csv, .tsv,
    /// .npy (N × 2 float64: x, y; N × 3 for classes: x1, x2, label), .parquet or .pq (DOUBLE
    /// columns named as the CSV's header); no extension is CSV.
    /// Settings whose points could be beyond f64 (±1.8e308) are refused. `-` is stdout (CSV).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let out = args.out.as_deref().filter(|p| *p != Path::new("-"));
    let format = match out {
        Some(path) => Format::of(path).map_err(|ext| {
            usage(format!(
                "--out {}: gen writes {} files, and CSV without an extension or to stdout \
                 (`-`); not {ext}",
                path.display(),
                write::EXTENSIONS
            ))
        })?,
        None => Format::Csv,
    };
    let curve = match (args.kind.curve(), args.kind.classes()) {
        (Some(curve), _) => curve,
        (None, Some(kind)) => return labelled(&args, kind, out, format),
        (None, None) => unreachable!("every shape is a curve or classes"),
    };
    explore::cli::refuse_unused(&[
        (
            "classes",
            "--classes",
            false,
            "it counts blobs or spiral arms",
        ),
        (
            "factor",
            "--factor",
            false,
            "it sizes the inner circle of --kind circles",
        ),
    ])?;
    let (noise, x_scale) = curve.defaults();
    let noise = args.noise.unwrap_or(noise);
    explore::cli::refuse_unused(&[(
        "outlier_shift",
        "--outlier-shift",
        args.outliers > 0.0,
        "it moves the outliers, and --outliers is 0",
    )])?;
    let outlier_shift = args.outlier_shift.unwrap_or(20.0 * noise);
    if args.outliers > 0.0 && outlier_shift == 0.0 {
        return Err(usage(
            "--outliers needs a shift, and it is 0: give --outlier-shift, or a --noise above 0 \
             (the shift's default is 20 times the noise)",
        ));
    }
    let spec = LineSpec {
        n: args.n as usize,
        seed: args.seed,
        slope: args.slope,
        intercept: args.intercept,
        noise,
        x_scale: args.x_scale.unwrap_or(x_scale),
        x_mean: args.x_mean,
        outliers: args.outliers,
        outlier_shift,
    };
    if let Err(o) = spec.check(curve) {
        let (flag, value) = match o.setting {
            Setting::Slope => ("--slope", spec.slope),
            Setting::Intercept => ("--intercept", spec.intercept),
            Setting::Noise => ("--noise", spec.noise),
            Setting::XScale => ("--x-scale", spec.x_scale),
            Setting::XMean => ("--x-mean", spec.x_mean),
            Setting::OutlierShift => ("--outlier-shift", spec.outlier_shift),
        };
        let z = if o.normal_reach {
            format!(
                " ({} is the largest |z| of the normal draws)",
                gen::NORMAL_REACH
            )
        } else {
            String::new()
        };
        return Err(usage(format!(
            "{flag} {}: {} could overflow f64: {} is beyond ±1.8e308{z}; give a smaller {flag}",
            explore::number::exact(value, candle_core::DType::F64),
            o.column,
            o.formula,
        )));
    }
    if let Some(path) = out {
        explore::io::check_writable(path)?;
    }
    // Streamed: any number of points in constant memory.
    let points = gen::points(curve, &spec).map(|(x, y)| [x, y]);
    write_points(&args, out, format, write::LINE, points)
}

/// Labelled classes, `x1, x2, label`.
fn labelled(args: &Args, kind: gen::Classes, out: Option<&Path>, format: Format) -> Result<()> {
    let why = "it shapes the x, y points of --kind line or sine";
    explore::cli::refuse_unused(&[
        ("slope", "--slope", false, why),
        ("intercept", "--intercept", false, why),
        ("x_scale", "--x-scale", false, why),
        ("x_mean", "--x-mean", false, why),
        ("outliers", "--outliers", false, why),
        ("outlier_shift", "--outlier-shift", false, why),
        (
            "classes",
            "--classes",
            kind.takes_classes(),
            "it counts blobs or spiral arms; the others have two classes",
        ),
        (
            "factor",
            "--factor",
            kind == gen::Classes::Circles,
            "it sizes the inner circle of --kind circles",
        ),
    ])?;
    if args.n > classes::MOST as u64 {
        return Err(usage(format!(
            "--n {}: a labelled set is made whole and shuffled: at most {} points",
            args.n,
            classes::MOST
        )));
    }
    let (noise, count) = kind.defaults();
    let spec = ClassSpec {
        n: args.n as usize,
        seed: args.seed,
        noise: args.noise.unwrap_or(noise),
        classes: args.classes.map_or(count, |k| k as usize),
        factor: args.factor.unwrap_or(0.8),
    };
    if spec.factor >= 1.0 {
        return Err(usage(format!(
            "--factor {}: the inner circle must be smaller than the outer: give a factor below 1",
            spec.factor
        )));
    }
    if !spec.reach(kind).is_finite() {
        return Err(usage(format!(
            "--noise {}: the points could overflow f64; give a smaller --noise",
            explore::number::exact(spec.noise, candle_core::DType::F64)
        )));
    }
    if let Some(path) = out {
        explore::io::check_writable(path)?;
    }
    let rows = classes::points(kind, &spec);
    write_points(args, out, format, classes::COLUMNS, rows.into_iter())
}

/// Writes the points to `--out`, or to stdout as CSV.
fn write_points<const K: usize>(
    args: &Args,
    out: Option<&Path>,
    format: Format,
    names: [&str; K],
    points: impl Iterator<Item = [f64; K]>,
) -> Result<()> {
    match out {
        Some(path) => {
            write::save(path, format, names, args.n, points)?;
            if !args.quiet {
                say(&format!("wrote {} points to {}", args.n, path.display()));
            }
        }
        None => {
            let mut stdout = UntilClosed(Stdout::new());
            match write::stream(Format::Csv, names, args.n, points, &mut stdout) {
                Ok(()) => stdout.flush().map_err(explore::io::stdout_error)?,
                // The reader has gone (`| head`): stop drawing points, quietly.
                Err(write::Failure::Io(_)) if explore::io::stdout_closed() => {}
                Err(write::Failure::Io(e)) => return Err(explore::io::stdout_error(e).into()),
                Err(write::Failure::NotFinite(p)) => {
                    let _ = stdout.flush();
                    anyhow::bail!("stdout: {p}; the rows before it are written");
                }
            }
        }
    }
    Ok(())
}
