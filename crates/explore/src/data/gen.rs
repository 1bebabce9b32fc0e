//! Making data sets from a seeded generator, so that the same flags give the same file on every
//! machine: ChaCha8 is specified bit for bit, and the crate versions are pinned by Cargo.lock.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

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
}

/// `x = x_scale·N(0,1)`, `y = slope·x + intercept + noise·N(0,1)`, drawn in that order per point.
pub fn line(spec: &LineSpec) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let (x, y) = (0..spec.n)
        .map(|_| {
            let x = spec.x_scale * normal();
            (x, spec.slope * x + spec.intercept + spec.noise * normal())
        })
        .unzip();
    Dataset {
        x,
        y,
        source: format!("gen seed {}", spec.seed),
    }
}

/// The shape of a generated data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Kind {
    /// A line: `x = x_scale·N(0,1)`, `y = slope·x + intercept + noise·N(0,1)`.
    #[default]
    Line,
    /// A sine wave for non-linear models: `x = x_scale·U(-1,1)`,
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

/// The sine data set of [`Kind::Sine`], drawn like [`line()`]: per point `x`, then the noise.
pub fn sine(spec: &LineSpec) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let (x, y) = (0..spec.n)
        .map(|_| {
            let x = spec.x_scale * rng.random_range(-1.0..1.0);
            let e: f64 = StandardNormal.sample(&mut rng);
            (
                x,
                spec.slope * f64::sin(x) + spec.intercept + spec.noise * e,
            )
        })
        .unzip();
    Dataset {
        x,
        y,
        source: format!("gen sine seed {}", spec.seed),
    }
}
