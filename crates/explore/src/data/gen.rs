//! Making data sets from a seeded generator, so that the same flags give the same file on every
//! machine: ChaCha8 is specified bit for bit, and the crate versions are pinned by Cargo.lock.
//! The points come one at a time, so a data set of any size can be written in constant memory.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use candle_core::DType;

use crate::data::Dataset;

/// The settings of `explore gen`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSpec {
    pub n: usize,
    pub seed: u64,
    pub slope: f64,
    pub intercept: f64,
    pub noise: f64,
    pub x_scale: f64,
    /// The centre of x (0 by default): 2000 for house sizes in square feet, say.
    pub x_mean: f64,
}

impl Default for LineSpec {
    fn default() -> Self {
        Self {
            n: 100,
            seed: 1,
            slope: 1.0,
            intercept: 0.0,
            noise: 3.0,
            x_scale: 10.0,
            x_mean: 0.0,
        }
    }
}

/// The shape of a generated data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Kind {
    /// A line: `x = x_mean + x_scale·N(0,1)`, `y = slope·x + intercept + noise·N(0,1)`.
    #[default]
    Line,
    /// A sine wave for non-linear models: `x = x_mean + x_scale·U(-1,1)`,
    /// `y = slope·sin(x) + intercept + noise·N(0,1)`.
    Sine,
}

impl Kind {
    /// Default `(noise, x_scale)`: a noisy line over a wide range, a gentle sine over one period.
    pub fn defaults(self) -> (f64, f64) {
        match self {
            Kind::Line => (3.0, 10.0),
            Kind::Sine => (0.1, 3.0),
        }
    }
}

/// The points of `kind` drawn from `spec`, one at a time: per point `x`, then the noise.
pub fn points(kind: Kind, spec: &LineSpec) -> impl Iterator<Item = (f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let spec = spec.clone();
    (0..spec.n).map(move |_| match kind {
        Kind::Line => {
            let spread: f64 = StandardNormal.sample(&mut rng);
            let x = spec.x_mean + spec.x_scale * spread;
            let e: f64 = StandardNormal.sample(&mut rng);
            (x, spec.slope * x + spec.intercept + spec.noise * e)
        }
        Kind::Sine => {
            let x = spec.x_mean + spec.x_scale * rng.random_range(-1.0..1.0);
            let e: f64 = StandardNormal.sample(&mut rng);
            (
                x,
                spec.slope * f64::sin(x) + spec.intercept + spec.noise * e,
            )
        }
    })
}

/// The data set of [`Kind::Line`].
pub fn line(spec: &LineSpec) -> Dataset {
    collect(Kind::Line, spec, format!("gen seed {}", spec.seed))
}

/// The data set of [`Kind::Sine`].
pub fn sine(spec: &LineSpec) -> Dataset {
    collect(Kind::Sine, spec, format!("gen sine seed {}", spec.seed))
}

fn collect(kind: Kind, spec: &LineSpec, source: String) -> Dataset {
    let (x, y): (Vec<f64>, Vec<f64>) = points(kind, spec).unzip();
    let mut collect = super::Collect::new(source, super::Load::Points(DType::F64), x.len());
    // f64 takes every point.
    collect.push(&x, &y).expect("f64 takes every point");
    collect.finish()
}
