//! `explore gen`: a reproducible data set, a noisy line or a sine wave, as CSV.

use std::path::{Path, PathBuf};

use anyhow::Result;
use explore::cli::{finite, non_negative, say};
use explore::data::gen::{self, Kind, LineSpec};

#[derive(clap::Args, Clone)]
pub struct Args {
    /// The shape of the data: a line, or a sine wave for non-linear models.
    #[arg(long, value_enum, default_value_t)]
    kind: Kind,
    /// Number of points.
    #[arg(long, default_value_t = 100)]
    n: usize,
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
        n: args.n,
        seed: args.seed,
        slope: args.slope,
        intercept: args.intercept,
        noise: args.noise.unwrap_or(noise),
        x_scale: args.x_scale.unwrap_or(x_scale),
    };
    let data = match args.kind {
        Kind::Line => gen::line(&spec),
        Kind::Sine => gen::sine(&spec),
    };
    let text = explore::data::to_csv(&data);
    match out {
        Some(path) => {
            explore::io::write_atomic(path, text.as_bytes())?;
            say(&format!(
                "wrote {} points to {}",
                data.len(),
                path.display()
            ));
        }
        None => explore::io::write_stdout(text.as_bytes())?,
    }
    Ok(())
}
