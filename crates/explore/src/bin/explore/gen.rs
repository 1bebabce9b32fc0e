//! `explore gen`: a reproducible data set, a noisy line or a sine wave, as CSV.

use std::path::{Path, PathBuf};

use anyhow::Result;
use explore::cli::{finite, non_negative, say};
use std::io::Write;

use explore::data::gen::{self, Kind, LineSpec};
use explore::data::write_csv;
use explore::io::Stdout;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// The shape of the data: a line, or a sine wave for non-linear models.
    #[arg(long, value_enum, default_value_t)]
    kind: Kind,
    /// Number of points, at most 10⁹ (written as they are drawn, in constant memory).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(..=1_000_000_000))]
    n: u64,
    /// Seed of the random generator: the same seed gives the same file everywhere.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// True slope of the line (the amplitude of the sine).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = finite)]
    slope: f64,
    /// True intercept.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite)]
    intercept: f64,
    /// Standard deviation of the noise added to y, ≥ 0. Default: 3 for a line, 0.1 for a sine.
    #[arg(long, allow_hyphen_values = true, value_parser = non_negative)]
    noise: Option<f64>,
    /// Spread of x, ≥ 0: its standard deviation for a line (default 10), its half-range for a
    /// sine (default 3).
    #[arg(long, allow_hyphen_values = true, value_parser = non_negative)]
    x_scale: Option<f64>,
    /// The centre of x: 0, or e.g. 2000 for house sizes in square feet.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = finite)]
    x_mean: f64,
    /// No note on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Write the CSV to this file instead of stdout (`-` is stdout too).
    #[arg(long, value_name = "FILE.csv")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let out = args.out.as_deref().filter(|p| *p != Path::new("-"));
    if let Some(path) = out {
        explore::io::check_writable(path)?;
    }
    let (noise, x_scale) = args.kind.defaults();
    let spec = LineSpec {
        n: args.n as usize,
        seed: args.seed,
        slope: args.slope,
        intercept: args.intercept,
        noise: args.noise.unwrap_or(noise),
        x_scale: args.x_scale.unwrap_or(x_scale),
        x_mean: args.x_mean,
    };
    // Streamed: any number of points in constant memory.
    let points = gen::points(args.kind, &spec);
    match out {
        Some(path) => {
            explore::io::write_atomic_stream(path, |w| write_csv(points, w))?;
            if !args.quiet {
                say(&format!("wrote {} points to {}", spec.n, path.display()));
            }
        }
        None => {
            let mut stdout = Stdout::new();
            write_csv(points, &mut stdout)
                .and_then(|()| stdout.flush())
                .map_err(explore::io::stdout_error)?;
        }
    }
    Ok(())
}
