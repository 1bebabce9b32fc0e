//! Heavy-ball momentum: the step follows a running sum of gradients, `v ← μ·v + ∇L`,
//! `θ ← θ − lr·v` (`torch.optim.SGD(lr, momentum=μ)`, dampening 0; `v` starts at the first
//! gradient).

use super::sgd::quarter_of_bound;
use super::{decayed, Hyper, Result, Rule, Settings, Values};

/// Heavy-ball momentum (PyTorch's `SGD` with `momentum`, dampening 0).
#[derive(Debug, Clone, Copy)]
pub struct Momentum;

impl Rule for Momentum {
    const USES: &'static [Hyper] = &[Hyper::Momentum, Hyper::WeightDecay];

    /// The velocity.
    fn buffers(_s: &Settings) -> usize {
        1
    }

    fn step<V: Values>(theta: &V, grad: &V, v: &mut [V], t: u64, s: &Settings) -> Result<V> {
        momentum_step(theta, grad, v, t, s, (Self::weight_decay(s), false))
    }

    /// `2(1 + μ)/λ` (the velocity adds up to `1/(1 − μ)` steps, and stays stable until the
    /// stiffest direction overshoots); 0 for μ outside [0, 1), where no rate is stable.
    fn stable_lr(lambda: f64, s: &Settings) -> Option<f64> {
        if !(0.0..1.0).contains(&s.momentum) {
            return Some(0.0);
        }
        Some(2.0 * (1.0 + s.momentum) / (lambda + Self::weight_decay(s)))
    }

    fn default_lr(lambda: f64, s: &Settings) -> f64 {
        quarter_of_bound(lambda + Self::weight_decay(s))
    }
}

/// The step of heavy ball, or of Nesterov (`nesterov`): the velocity `v ← μ·v + g` (the first
/// gradient itself at step 1, as PyTorch starts it), then `θ ← θ − lr·v`, or
/// `θ ← θ − lr·(g + μ·v)` looking ahead.
pub(super) fn momentum_step<V: Values>(
    theta: &V,
    grad: &V,
    v: &mut [V],
    t: u64,
    s: &Settings,
    (wd, nesterov): (f64, bool),
) -> Result<V> {
    let decayed = decayed(grad, theta, wd)?;
    let g = decayed.as_ref().unwrap_or(grad);
    v[0] = if t == 1 {
        g.clone()
    } else {
        v[0].scale(s.momentum)?.add(g)?
    };
    let step = if nesterov {
        g.add(&v[0].scale(s.momentum)?)?
    } else {
        v[0].clone()
    };
    theta.sub(&step.scale(s.lr)?)
}
