//! The loss of the line `y = A·x + b` as a function of `(A, b)`, exactly, under any loss: by a
//! closed formula from the data's moments under MSE, by the loss's kernel over the points
//! otherwise; with the exact optimum and the curvature bound where the loss has them, and a
//! plain statement where it does not — never MSE's numbers in another loss's place.

use candle_core::{DType, Device, Tensor};
use loss::{AnyLoss, LossName};
use model::{BiasFit, Moments, Optimum};

use crate::data::Dataset;
use crate::Result;

/// The most points a loss without a closed form is minimised numerically on, unasked.
pub const SEARCHED_POINTS: usize = 20_000;

/// The loss of the line on one data set.
#[derive(Debug, Clone)]
pub struct Objective {
    pub loss: AnyLoss,
    /// The data's statistics: MSE's exact loss, optimum and curvature.
    pub moments: Moments,
    /// `x` and `y` as f64 on the CPU, kept under a loss other than MSE.
    points: Option<(Tensor, Tensor)>,
}

impl Objective {
    /// The loss `loss` on `data`; under a loss other than MSE the data's points must be kept.
    pub fn new(loss: AnyLoss, data: &Dataset) -> Result<Self> {
        let points = match loss.which() {
            LossName::Mse => None,
            _ => Some(data.tensors(DType::F64, &Device::Cpu)?),
        };
        check_targets(&loss, data)?;
        Ok(Self {
            loss,
            moments: data.moments(),
            points,
        })
    }

    /// MSE on data known by its moments only.
    pub fn mse(moments: Moments) -> Self {
        Self {
            loss: AnyLoss::default(),
            moments,
            points: None,
        }
    }

    /// The loss at every `(w, b)` of `weights × biases`, weight-major, in f64.
    pub fn grid(&self, weights: &[f64], biases: &[f64]) -> Result<Vec<f64>> {
        match &self.points {
            None => Ok(weights
                .iter()
                .flat_map(|&w| biases.iter().map(move |&b| self.moments.loss(w, b)))
                .collect()),
            Some((x, y)) => Ok(self
                .loss
                .line_sweep(x, y, weights, biases)?
                .flatten_all()?
                .to_vec1::<f64>()?),
        }
    }

    /// The loss at `(w, b)`.
    pub fn at(&self, w: f64, b: f64) -> Result<f64> {
        Ok(self.grid(&[w], &[b])?[0])
    }

    /// The exact best line, where this loss has one: MSE's closed forms (the bias learnt or
    /// pinned), L1's weighted median (the bias pinned). Otherwise why not, in words.
    pub fn optimum(&self, fit: BiasFit) -> std::result::Result<Optimum, String> {
        if self.loss.which() == LossName::Mse {
            return self
                .moments
                .least_squares(fit)
                .map_err(|e| format!("none ({e})"));
        }
        let none = || match fit {
            BiasFit::Learn => format!(
                "no closed form for {} with a learnt bias",
                self.loss.label()
            ),
            BiasFit::Fixed(_) => format!("no closed form for {}", self.loss.label()),
        };
        let (BiasFit::Fixed(bias), Some((x, y))) = (fit, &self.points) else {
            return Err(none());
        };
        let values = |t: &Tensor| t.to_vec1::<f64>().map_err(|e| e.to_string());
        let weight = self
            .loss
            .pinned_optimum(&values(x)?, &values(y)?, bias)
            .ok_or_else(none)?;
        let loss = self.at(weight, bias).map_err(|e| e.to_string())?;
        Ok(Optimum { weight, bias, loss })
    }

    /// How [`Objective::optimum`] is found, for the summary: `closed-form`, or `exact
    /// (weighted median)`.
    pub fn how(&self) -> &'static str {
        match self.loss.which() {
            LossName::Mse => "closed-form",
            _ => "exact (weighted median)",
        }
    }

    /// The largest curvature `λmax` of the loss in the units the line trains in, where it is
    /// bounded: MSE's ([`crate::train::curvature`]), scaled by the loss's largest second derivative over MSE's 2.
    /// `None` for a loss without a bound (L1's kink).
    pub fn curvature(&self, learn_bias: bool, standardized: bool) -> Option<f64> {
        let mse = crate::train::curvature(&self.moments, learn_bias, standardized);
        Some(mse * self.loss.curvature()? / 2.0)
    }

    /// The curvature a default learning rate is set from ([`crate::optim::Settings::default_lr`]):
    /// the loss's bound, or MSE's for a loss without one (L1), whose rate is then MSE's.
    pub fn rate_curvature(&self, learn_bias: bool, standardized: bool) -> f64 {
        self.curvature(learn_bias, standardized)
            .unwrap_or_else(|| crate::train::curvature(&self.moments, learn_bias, standardized))
    }

    /// The best line: the exact optimum where the loss has one, else found numerically (every
    /// loss here is convex in `(A, b)`), with how: `closed-form`, `exact (weighted median)` or
    /// `numerical`. MSE's closed form is the only answer for MSE: data without one (every x the
    /// same) has no unique best line, and that is said.
    pub fn best(&self, fit: BiasFit) -> (std::result::Result<Optimum, String>, &'static str) {
        self.best_within(fit, usize::MAX)
    }

    /// [`Objective::best`] where it is cheap: the exact optimum always, the numerical search only
    /// on data of at most [`SEARCHED_POINTS`] points (it takes thousands of passes over them);
    /// beyond, it says so. For the summaries of train and race and the default tables.
    pub fn best_if_cheap(
        &self,
        fit: BiasFit,
    ) -> (std::result::Result<Optimum, String>, &'static str) {
        self.best_within(fit, SEARCHED_POINTS)
    }

    /// Where a default table of another loss than MSE is centred: its exact optimum (`exact`,
    /// from [`Objective::optimum`]), else its numerical best where that is cheap; `None` for MSE
    /// (whose default tables centre themselves) or when neither is there.
    pub fn centre(
        &self,
        exact: &std::result::Result<Optimum, String>,
        fit: BiasFit,
    ) -> Option<Optimum> {
        match exact {
            _ if self.loss.which() == LossName::Mse => None,
            Ok(o) => Some(*o),
            Err(_) => self.search(fit, SEARCHED_POINTS).ok(),
        }
    }

    /// The exact optimum, else the numerical search on data of at most `most` points.
    fn best_within(
        &self,
        fit: BiasFit,
        most: usize,
    ) -> (std::result::Result<Optimum, String>, &'static str) {
        match self.optimum(fit) {
            Ok(o) => (Ok(o), self.how()),
            Err(why) if self.loss.which() == LossName::Mse => (Err(why), self.how()),
            Err(_) => (self.search(fit, most), "numerical"),
        }
    }

    /// The best line found numerically, on data of at most `most` points; why not otherwise.
    pub fn search(&self, fit: BiasFit, most: usize) -> std::result::Result<Optimum, String> {
        if self.moments.n() > most {
            return Err(format!(
                "not searched for on more than {most} points (explore compare finds it)"
            ));
        }
        match minimize(self, fit) {
            Ok(Some(o)) => Ok(o),
            Ok(None) => Err(format!(
                "none (the loss of {} on this data is flat, or keeps falling, in some \
                 direction: no unique best line)",
                self.loss.label()
            )),
            Err(e) => Err(format!("none ({e})")),
        }
    }
}

/// The minimum of a convex loss of the line, numerically: the weight by golden-section search,
/// and for each weight tried the bias by another (a convex function of `(A, b)` minimised over
/// `b` is convex in `A`), each bracket found outward from MSE's line and narrowed until it is
/// below 1e-15 of its size. The loss comes out to its last digits; the line too at L1's kinks,
/// and to about √ε (8 digits) where the minimum is smooth, as flat as it is there.
/// `None` where there is no unique finite minimum (every x is 0, or the classes are separable).
fn minimize(objective: &Objective, fit: BiasFit) -> Result<Option<Optimum>> {
    let m = &objective.moments;
    let (w0, b0) = m
        .least_squares(fit)
        .or_else(|_| m.least_squares(BiasFit::Fixed(0.0)))
        .map(|o| (o.weight, o.bias))
        .unwrap_or((0.0, 0.0));
    let rw = crate::grid::weight_radius(m, w0);
    // A weight whose best bias does not exist makes the whole search fail: `unbounded` says so.
    let unbounded = std::cell::Cell::new(false);
    let best_bias = |w: f64| -> Result<(f64, f64)> {
        match fit {
            BiasFit::Fixed(b) => Ok((b, objective.at(w, b)?)),
            BiasFit::Learn => {
                let rb = crate::grid::bias_radius(m, rw).max(b0.abs()).max(1.0);
                Ok(golden(&|b| objective.at(w, b), b0, rb)?.unwrap_or_else(|| {
                    unbounded.set(true);
                    (b0, f64::NAN)
                }))
            }
        }
    };
    let Some((weight, _)) = golden(&|w| Ok(best_bias(w)?.1), w0, rw)? else {
        return Ok(None);
    };
    let (bias, loss) = best_bias(weight)?;
    if unbounded.get() || !loss.is_finite() {
        return Ok(None);
    }
    Ok(Some(Optimum { weight, bias, loss }))
}

/// The minimum `(x, f(x))` of a convex `f`: a bracket grown outward from `centre ± radius`
/// until the middle is below both ends, then golden-section search. `None` when no bracket
/// holds after 20 doublings: `f` is flat or keeps falling, and has no unique minimum.
fn golden(f: &dyn Fn(f64) -> Result<f64>, centre: f64, radius: f64) -> Result<Option<(f64, f64)>> {
    let (mut lo, mut hi) = (centre - radius, centre + radius);
    let (mut f_lo, mut f_hi, f_mid) = (f(lo)?, f(hi)?, f(centre)?);
    // Grow toward the lower end until the middle is below it: at most 20 doublings (a bracket a
    // million times the data's own scale), beyond which the loss is flat or falls for ever, and
    // its values, computed that far out, are rounding.
    let mut width = radius;
    let mut bracketed = false;
    // Above the middle by more than the inner search's own rounding: a flat valley floor (every
    // x the same) is flat, not a minimum found by noise.
    let above = |f: f64| f > f_mid + 1e-6 * f_mid.abs() + f64::MIN_POSITIVE;
    for _ in 0..20 {
        if above(f_lo) && above(f_hi) {
            bracketed = true;
            break;
        }
        width *= 2.0;
        if f_lo <= f_hi {
            lo = centre - width;
            f_lo = f(lo)?;
        } else {
            hi = centre + width;
            f_hi = f(hi)?;
        }
    }
    if !bracketed {
        return Ok(None);
    }
    const INV_PHI: f64 = 0.618_033_988_749_895;
    let mut a = hi - INV_PHI * (hi - lo);
    let mut b = lo + INV_PHI * (hi - lo);
    let (mut fa, mut fb) = (f(a)?, f(b)?);
    for _ in 0..200 {
        if (hi - lo) <= 1e-15 * (lo.abs() + hi.abs()) + f64::MIN_POSITIVE {
            break;
        }
        if fa <= fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - INV_PHI * (hi - lo);
            fa = f(a)?;
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + INV_PHI * (hi - lo);
            fb = f(b)?;
        }
    }
    Ok(Some(if fa <= fb { (a, fa) } else { (b, fb) }))
}

/// Refuses data a loss cannot compare with: the cross-entropies take y as a label or a
/// probability, in [0, 1] (PyTorch would return a number all the same, and a negative one).
pub fn check_targets(loss: &AnyLoss, data: &Dataset) -> Result<()> {
    if !matches!(loss.which(), LossName::BceLogits | LossName::Bce) {
        return Ok(());
    }
    let mut bad = None;
    let mut seen = 0usize;
    data.for_each_slice(|_, ys| {
        if bad.is_none() {
            if let Some(i) = ys.iter().position(|y| !(0.0..=1.0).contains(y)) {
                bad = Some((seen + i, ys[i]));
            }
        }
        seen += ys.len();
    })?;
    match bad {
        None => Ok(()),
        Some((i, y)) => Err(crate::Error::Data {
            at: data.source.clone(),
            msg: format!(
                "{} needs y in [0, 1] (a label or a probability), but point {} has y = {}",
                loss.name(),
                i + 1,
                crate::number::human(y)
            ),
        }),
    }
}
