//! Making data sets from a seeded generator, so that the same flags give the same file on every
//! machine: ChaCha8 is specified bit for bit, and the crate versions are pinned by Cargo.lock.

use rand::SeedableRng;
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
