//! Heavy-ball momentum: the step follows a running sum of gradients, `v ← μ·v + ∇L`,
//! `θ ← θ − lr·v` (`torch.optim.SGD(lr, momentum=μ)`, dampening 0; `v` starts at the first
//! gradient).

use super::sgd::quarter_of_bound;
use super::{Hyper, Real, Rule, Settings};

/// SGD with heavy-ball momentum.
#[derive(Debug, Clone, Copy)]
pub struct Momentum;

impl Rule for Momentum {
    /// The velocity `v`.
    type State<F: Real> = Vec<F>;
    const USES: &'static [Hyper] = &[Hyper::Momentum, Hyper::WeightDecay];

    fn state<F: Real>(len: usize, _s: &Settings) -> Vec<F> {
        vec![F::zero(); len]
    }

    fn buffers<F: Real>(v: &mut Vec<F>) -> Vec<&mut Vec<F>> {
        vec![v]
    }

    fn step<F: Real>(v: &mut Vec<F>, theta: &mut [F], grad: &[F], t: u64, s: &Settings) {
        momentum_step(v, theta, grad, t, s, (Self::weight_decay(s), false));
    }

    /// On a quadratic, heavy ball is stable for `lr < 2(1 + μ)/λ` when `0 ≤ μ < 1`; at
    /// `μ ≥ 1` the velocity never decays and no rate is (0).
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

/// The step of SGD with momentum μ (dampening 0), as PyTorch takes it: the velocity
/// `v ← μ·v + g` (`v = g` at the first step, `g` the gradient plus `wd·θ`), then `θ ← θ − lr·v`,
/// or with `nesterov` `θ ← θ − lr·(g + μ·v)`.
pub(super) fn momentum_step<F: Real>(
    v: &mut [F],
    theta: &mut [F],
    grad: &[F],
    t: u64,
    s: &Settings,
    (wd, nesterov): (f64, bool),
) {
    let (lr, mu) = (F::of(s.lr), F::of(s.momentum));
    for ((p, &g), v) in theta.iter_mut().zip(grad).zip(v.iter_mut()) {
        let g = if wd == 0.0 { g } else { g + F::of(wd) * *p };
        *v = if t == 1 { g } else { *v * mu + g };
        let step = if nesterov { g + *v * mu } else { *v };
        *p = *p - step * lr;
    }
}
