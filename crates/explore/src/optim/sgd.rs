//! Plain gradient descent, the lesson's update: every parameter steps against its gradient,
//! `θ ← θ − lr·∇L` (`torch.optim.SGD(lr)`; with weight decay, `∇L + wd·θ`).

use super::{decayed, Hyper, Result, Rule, Settings, Values};

/// Stochastic gradient descent without momentum.
#[derive(Debug, Clone, Copy)]
pub struct Sgd;

impl Rule for Sgd {
    const USES: &'static [Hyper] = &[Hyper::WeightDecay];

    fn buffers(_s: &Settings) -> usize {
        0
    }

    fn step<V: Values>(theta: &V, grad: &V, _: &mut [V], _t: u64, s: &Settings) -> Result<V> {
        let decayed = decayed(grad, theta, Self::weight_decay(s))?;
        let grad = decayed.as_ref().unwrap_or(grad);
        theta.sub(&grad.scale(s.lr)?)
    }

    fn stable_lr(lambda: f64, s: &Settings) -> Option<f64> {
        Some(2.0 / (lambda + Self::weight_decay(s)))
    }

    fn default_lr(lambda: f64, s: &Settings) -> f64 {
        quarter_of_bound(lambda + Self::weight_decay(s))
    }
}

/// A quarter of plain gradient descent's bound, `1/(2·λ)`: each step halves the error along the
/// stiffest direction. 0.01 for a flat loss (λ = 0), where every rate is stable.
pub(super) fn quarter_of_bound(lambda: f64) -> f64 {
    let bound = 2.0 / lambda;
    if bound.is_finite() {
        bound / 4.0
    } else {
        0.01
    }
}
