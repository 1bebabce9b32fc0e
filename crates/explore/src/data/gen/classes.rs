//! Labelled points for classification, each a row `x1, x2, label` with the label a class index
//! (0, 1, …): scikit-learn's `make_blobs`, `make_moons` and `make_circles` (their formulas and
//! defaults, not their random streams) and TensorFlow Playground's XOR and spiral. As
//! scikit-learn does by default, the rows are shuffled, so that a file read in order mixes the
//! classes.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The columns of a labelled point.
pub const COLUMNS: [&str; 3] = ["x1", "x2", "label"];

/// The most points a labelled set holds: it is made whole, then shuffled.
pub const MOST: usize = 10_000_000;

/// Which classes to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classes {
    /// `make_blobs`: `classes` centres drawn uniformly in [−10, 10]², each a normal cloud of
    /// standard deviation `noise` (scikit-learn's `cluster_std`, default 1).
    Blobs,
    /// `make_moons`: two interleaving half circles, `noise` the standard deviation of the
    /// normal noise added to both coordinates (default 0).
    Moons,
    /// `make_circles`: a circle of radius 1 around one of radius `factor` (default 0.8).
    Circles,
    /// TensorFlow Playground's XOR: points uniform in [−5, 5]², pushed 0.3 off the axes, the
    /// label 1 where `x1·x2 ≥ 0` of the point moved by `noise`·U(−5, 5) in each coordinate.
    Xor,
    /// TensorFlow Playground's spiral, with `classes` arms (2: its two).
    Spiral,
}

/// The settings of a labelled set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassSpec {
    pub n: usize,
    pub seed: u64,
    /// The spread: a blob's standard deviation, the noise of the others.
    pub noise: f64,
    /// Blobs and spiral arms.
    pub classes: usize,
    /// The inner circle's radius over the outer's, in [0, 1).
    pub factor: f64,
}

impl Classes {
    /// scikit-learn's (and the Playground's) defaults: `(noise, classes)`.
    pub fn defaults(self) -> (f64, usize) {
        match self {
            Classes::Blobs => (1.0, 3),
            Classes::Spiral => (0.0, 2),
            _ => (0.0, 2),
        }
    }

    /// Whether the number of classes is a setting (blobs and spiral arms), not fixed at two.
    pub fn takes_classes(self) -> bool {
        matches!(self, Classes::Blobs | Classes::Spiral)
    }
}

impl ClassSpec {
    /// The largest `|x1|` or `|x2|` the points of `kind` can have: infinite where they could
    /// overflow f64 (a normal draw is at most [`super::NORMAL_REACH`] in size).
    pub fn reach(&self, kind: Classes) -> f64 {
        let z = super::NORMAL_REACH;
        match kind {
            Classes::Blobs => 10.0 + z * self.noise,
            Classes::Moons | Classes::Circles => 2.0 + z * self.noise,
            Classes::Xor => 5.3 + 5.0 * self.noise,
            Classes::Spiral => 5.0 + self.noise,
        }
    }
}

/// `k` counts adding up to `n`, as even as can be, the first ones larger: how scikit-learn
/// shares points between blobs.
fn shares(n: usize, k: usize) -> Vec<usize> {
    (0..k).map(|i| n / k + usize::from(i < n % k)).collect()
}

/// `count` values from `start` to `end` (`end` itself when `inclusive`), as NumPy's
/// `linspace(start, end, count, endpoint=inclusive)`.
fn linspace(start: f64, end: f64, count: usize, inclusive: bool) -> impl Iterator<Item = f64> {
    let steps = if inclusive {
        count.saturating_sub(1).max(1)
    } else {
        count.max(1)
    };
    let step = (end - start) / steps as f64;
    (0..count).map(move |i| start + i as f64 * step)
}

/// The points of `kind`, shuffled, each `[x1, x2, label]`.
pub fn points(kind: Classes, spec: &ClassSpec) -> Vec<[f64; 3]> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let n = spec.n;
    let normal = |rng: &mut ChaCha8Rng| -> f64 { StandardNormal.sample(rng) };
    let mut rows: Vec<[f64; 3]> = Vec::with_capacity(n);
    match kind {
        Classes::Blobs => {
            let centres: Vec<[f64; 2]> = (0..spec.classes)
                .map(|_| [rng.random_range(-10.0..10.0), rng.random_range(-10.0..10.0)])
                .collect();
            for (label, (count, c)) in shares(n, spec.classes)
                .into_iter()
                .zip(&centres)
                .enumerate()
            {
                for _ in 0..count {
                    let x1 = c[0] + spec.noise * normal(&mut rng);
                    let x2 = c[1] + spec.noise * normal(&mut rng);
                    rows.push([x1, x2, label as f64]);
                }
            }
        }
        Classes::Moons => {
            let (outer, inner) = (n / 2, n - n / 2);
            for t in linspace(0.0, std::f64::consts::PI, outer, true) {
                rows.push([t.cos(), t.sin(), 0.0]);
            }
            for t in linspace(0.0, std::f64::consts::PI, inner, true) {
                rows.push([1.0 - t.cos(), 1.0 - t.sin() - 0.5, 1.0]);
            }
            add_noise(&mut rows, spec.noise, &mut rng);
        }
        Classes::Circles => {
            let (outer, inner) = (n / 2, n - n / 2);
            let turn = std::f64::consts::TAU;
            for t in linspace(0.0, turn, outer, false) {
                rows.push([t.cos(), t.sin(), 0.0]);
            }
            for t in linspace(0.0, turn, inner, false) {
                rows.push([spec.factor * t.cos(), spec.factor * t.sin(), 1.0]);
            }
            add_noise(&mut rows, spec.noise, &mut rng);
        }
        Classes::Xor => {
            let padded = |v: f64| if v > 0.0 { v + 0.3 } else { v - 0.3 };
            for _ in 0..n {
                let x1 = padded(rng.random_range(-5.0..5.0));
                let x2 = padded(rng.random_range(-5.0..5.0));
                let shift1 = rng.random_range(-5.0..5.0) * spec.noise;
                let shift2 = rng.random_range(-5.0..5.0) * spec.noise;
                let label = f64::from((x1 + shift1) * (x2 + shift2) >= 0.0);
                rows.push([x1, x2, label]);
            }
        }
        Classes::Spiral => {
            let arms = spec.classes;
            for (arm, count) in shares(n, arms).into_iter().enumerate() {
                let turn = std::f64::consts::TAU * arm as f64 / arms as f64;
                for i in 0..count {
                    let along = i as f64 / count as f64;
                    let (r, t) = (5.0 * along, 1.75 * along * std::f64::consts::TAU + turn);
                    let x1 = r * t.sin() + rng.random_range(-1.0..1.0) * spec.noise;
                    let x2 = r * t.cos() + rng.random_range(-1.0..1.0) * spec.noise;
                    rows.push([x1, x2, arm as f64]);
                }
            }
        }
    }
    rows.shuffle(&mut rng);
    rows
}

/// Adds `noise`·N(0, 1) to both coordinates of every row, as scikit-learn does after drawing
/// the curves (nothing for no noise, so that the points lie exactly on them).
fn add_noise(rows: &mut [[f64; 3]], noise: f64, rng: &mut ChaCha8Rng) {
    if noise == 0.0 {
        return;
    }
    for row in rows {
        for v in &mut row[..2] {
            let z: f64 = StandardNormal.sample(rng);
            *v += noise * z;
        }
    }
}
