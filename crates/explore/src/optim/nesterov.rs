//! Nesterov momentum: the velocity as for heavy ball, `v ← μ·v + ∇L`, but the step looks ahead
//! along it, `θ ← θ − lr·(∇L + μ·v)` (`torch.optim.SGD(lr, momentum=μ, nesterov=True)`).

use super::momentum::momentum_step;
use super::sgd::quarter_of_bound;
use super::{Hyper, Result, Rule, Settings, Values};

/// Nesterov momentum (PyTorch's `SGD` with `nesterov=True`).
#[derive(Debug, Clone, Copy)]
pub struct Nesterov;

impl Rule for Nesterov {
    const USES: &'static [Hyper] = &[Hyper::Momentum, Hyper::WeightDecay];

    /// The velocity.
    fn buffers(_s: &Settings) -> usize {
        1
    }

    fn step<V: Values>(theta: &V, grad: &V, v: &mut [V], t: u64, s: &Settings) -> Result<V> {
        momentum_step(theta, grad, v, t, s, (Self::weight_decay(s), true))
    }

    /// `2(1 + μ)/((1 + 2μ)·λ)` (the look-ahead step weighs the curvature `1 + 2μ` times); 0 for
    /// μ outside [0, 1), where no rate is stable.
    fn stable_lr(lambda: f64, s: &Settings) -> Option<f64> {
        let mu = s.momentum;
        if !(0.0..1.0).contains(&mu) {
            return Some(0.0);
        }
        Some(2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * (lambda + Self::weight_decay(s))))
    }

    fn default_lr(lambda: f64, s: &Settings) -> f64 {
        quarter_of_bound(lambda + Self::weight_decay(s))
    }
}
