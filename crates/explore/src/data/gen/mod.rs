//! Making data sets from a seeded generator, so that the same flags give the same file on every
//! machine: ChaCha8 is specified bit for bit, and the crate versions are pinned by Cargo.lock.
//! The points come one at a time, so a data set of any size can be written in constant memory.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use candle_core::DType;

use crate::data::Dataset;

pub mod classes;

pub use classes::{ClassSpec, Classes};

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
    /// The share of points made gross outliers, in [0, 1] (0 by default): each point is one
    /// with this probability, its y moved by `outlier_shift`.
    pub outliers: f64,
    /// What an outlier's y is moved by.
    pub outlier_shift: f64,
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
            outliers: 0.0,
            outlier_shift: 0.0,
        }
    }
}

/// The shape of a generated data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Shape {
    /// A line: `x = x_mean + x_scale·N(0,1)`, `y = slope·x + intercept + noise·N(0,1)`.
    #[default]
    Line,
    /// A sine wave for non-linear models: `x = x_mean + x_scale·U(-1,1)`,
    /// `y = slope·sin(x) + intercept + noise·N(0,1)`.
    Sine,
    /// Classes: scikit-learn's `make_blobs` (3 centres, std 1 by default; `--classes`,
    /// `--noise` the std).
    Blobs,
    /// Classes: scikit-learn's `make_moons`, two interleaving half circles (`--noise`).
    Moons,
    /// Classes: scikit-learn's `make_circles`, one circle inside another (`--factor`, `--noise`).
    Circles,
    /// Classes: TensorFlow Playground's XOR, the four quadrants (`--noise`).
    Xor,
    /// Classes: TensorFlow Playground's spiral (`--classes` arms, `--noise`).
    Spiral,
}

impl Shape {
    /// The classes it draws, for a labelled set (`x1, x2, label`); `None` for the line and the
    /// sine.
    pub fn classes(self) -> Option<Classes> {
        match self {
            Shape::Line | Shape::Sine => None,
            Shape::Blobs => Some(Classes::Blobs),
            Shape::Moons => Some(Classes::Moons),
            Shape::Circles => Some(Classes::Circles),
            Shape::Xor => Some(Classes::Xor),
            Shape::Spiral => Some(Classes::Spiral),
        }
    }

    /// The curve it draws points around, for `x, y` points; `None` for classes.
    pub fn curve(self) -> Option<Curve> {
        match self {
            Shape::Line => Some(Curve::Line),
            Shape::Sine => Some(Curve::Sine),
            _ => None,
        }
    }
}

/// The curve `y = f(x)` of a set of `x, y` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Curve {
    /// `x = x_mean + x_scale·N(0,1)`, `y = slope·x + intercept + noise·N(0,1)`.
    #[default]
    Line,
    /// `x = x_mean + x_scale·U(-1,1)`, `y = slope·sin(x) + intercept + noise·N(0,1)`.
    Sine,
}

impl Curve {
    /// Default `(noise, x_scale)`: a noisy line over a wide range, a gentle sine over one period.
    pub fn defaults(self) -> (f64, f64) {
        match self {
            Curve::Line => (3.0, 10.0),
            Curve::Sine => (0.1, 3.0),
        }
    }
}

/// The largest `|z|` the standard normal draws can take, rounded up: rand_distr's ziggurat
/// returns at most its tail's start `R = 3.6542` plus `−ln(u)/R` for a `u ≥ 2⁻⁵³`, below 13.72.
pub const NORMAL_REACH: f64 = 14.0;

/// A setting of [`LineSpec`], to say which one makes the points overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Slope,
    Intercept,
    Noise,
    XScale,
    XMean,
    OutlierShift,
}

/// Settings whose points could be beyond f64 (±1.8e308): `setting` is the largest part of the
/// bound `reach` that `column` (`"x"` or `"y"`) could reach, infinite when beyond f64.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overflow {
    pub setting: Setting,
    pub column: &'static str,
    /// The bound as its formula reads, e.g. `|x_mean| + 14·x_scale`.
    pub formula: &'static str,
    /// Whether the formula has [`NORMAL_REACH`] in it (a sine's x has not).
    pub normal_reach: bool,
}

impl LineSpec {
    /// The largest `|x|` and `|y|` the points of `kind` can have, each part computed in f64 as
    /// the generator computes the points (rounding is monotone, so a finite bound means finite
    /// points), and the part of each with its setting.
    fn parts(&self, kind: Curve) -> [Vec<(Setting, f64)>; 2] {
        let z = NORMAL_REACH;
        let x = match kind {
            Curve::Line => vec![
                (Setting::XMean, self.x_mean.abs()),
                (Setting::XScale, z * self.x_scale),
            ],
            Curve::Sine => vec![
                (Setting::XMean, self.x_mean.abs()),
                (Setting::XScale, self.x_scale),
            ],
        };
        let reach_x: f64 = x.iter().map(|p| p.1).sum();
        let signal = match kind {
            Curve::Line => self.slope.abs() * reach_x,
            Curve::Sine => self.slope.abs(),
        };
        let mut y = vec![
            (Setting::Slope, signal),
            (Setting::Intercept, self.intercept.abs()),
            (Setting::Noise, z * self.noise),
        ];
        if self.outliers > 0.0 {
            y.push((Setting::OutlierShift, self.outlier_shift.abs()));
        }
        [x, y]
    }

    /// The largest `|x|` and `|y|` the points of `kind` can have: infinite where they could
    /// overflow f64.
    pub fn reach(&self, kind: Curve) -> (f64, f64) {
        let [x, y] = self.parts(kind);
        let sum = |p: &[(Setting, f64)]| p.iter().map(|p| p.1).sum::<f64>();
        (sum(&x), sum(&y))
    }

    /// Refuses settings whose points could be beyond f64, which no reader would take back:
    /// every point of settings that pass is finite.
    pub fn check(&self, kind: Curve) -> Result<(), Overflow> {
        let outliers = self.outliers > 0.0;
        let formulas = match (kind, outliers) {
            (Curve::Line, false) => [
                "|x_mean| + 14·x_scale",
                "|slope|·(|x_mean| + 14·x_scale) + |intercept| + 14·noise",
            ],
            (Curve::Line, true) => [
                "|x_mean| + 14·x_scale",
                "|slope|·(|x_mean| + 14·x_scale) + |intercept| + 14·noise + |outlier_shift|",
            ],
            (Curve::Sine, false) => ["|x_mean| + x_scale", "|slope| + |intercept| + 14·noise"],
            (Curve::Sine, true) => [
                "|x_mean| + x_scale",
                "|slope| + |intercept| + 14·noise + |outlier_shift|",
            ],
        };
        for ((parts, column), formula) in self.parts(kind).iter().zip(["x", "y"]).zip(formulas) {
            if parts.iter().map(|p| p.1).sum::<f64>().is_finite() {
                continue;
            }
            // The largest part is to blame; an infinite product (slope·x) is the slope's.
            let (setting, _) =
                parts
                    .iter()
                    .copied()
                    .fold((parts[0].0, f64::NEG_INFINITY), |a, b| {
                        if b.1 > a.1 {
                            b
                        } else {
                            a
                        }
                    });
            return Err(Overflow {
                setting,
                column,
                formula,
                normal_reach: !(kind == Curve::Sine && column == "x"),
            });
        }
        Ok(())
    }
}

/// The points of `kind` drawn from `spec`, one at a time: per point `x`, then the noise; and
/// whether it is an outlier from a second stream of the same seed, so that the points that are
/// not outliers are those of the file without them, and the outliers the same points moved.
pub fn points(kind: Curve, spec: &LineSpec) -> impl Iterator<Item = (f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut outlier_rng = ChaCha8Rng::seed_from_u64(spec.seed);
    outlier_rng.set_stream(1);
    let spec = spec.clone();
    (0..spec.n).map(move |_| {
        let (x, y) = point(kind, &spec, &mut rng);
        if spec.outliers > 0.0 && outlier_rng.random::<f64>() < spec.outliers {
            (x, y + spec.outlier_shift)
        } else {
            (x, y)
        }
    })
}

/// One point of `kind` on the line or the sine, with its noise.
fn point(kind: Curve, spec: &LineSpec, rng: &mut ChaCha8Rng) -> (f64, f64) {
    match kind {
        Curve::Line => {
            let spread: f64 = StandardNormal.sample(rng);
            let x = spec.x_mean + spec.x_scale * spread;
            let e: f64 = StandardNormal.sample(rng);
            (x, spec.slope * x + spec.intercept + spec.noise * e)
        }
        Curve::Sine => {
            let x = spec.x_mean + spec.x_scale * rng.random_range(-1.0..1.0);
            let e: f64 = StandardNormal.sample(rng);
            (
                x,
                spec.slope * f64::sin(x) + spec.intercept + spec.noise * e,
            )
        }
    }
}

/// The data set of [`Curve::Line`].
pub fn line(spec: &LineSpec) -> Dataset {
    collect(Curve::Line, spec, format!("gen seed {}", spec.seed))
}

/// The data set of [`Curve::Sine`].
pub fn sine(spec: &LineSpec) -> Dataset {
    collect(Curve::Sine, spec, format!("gen sine seed {}", spec.seed))
}

fn collect(kind: Curve, spec: &LineSpec, source: String) -> Dataset {
    let (x, y): (Vec<f64>, Vec<f64>) = points(kind, spec).unzip();
    let mut collect = super::Collect::new(source, super::Load::Points(DType::F64), x.len());
    // f64 takes every point.
    collect.push(&x, &y).expect("f64 takes every point");
    collect.finish()
}
