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

    fn step<F: Real>(v: &mut Vec<F>, theta: &mut [F], grad: &[F], t: u64, s: &Settings) {
        let (lr, mu, wd) = (F::of(s.lr), F::of(s.momentum), Self::weight_decay(s));
        for ((p, &g), v) in theta.iter_mut().zip(grad).zip(v.iter_mut()) {
            let g = if wd == 0.0 { g } else { g + F::of(wd) * *p };
            *v = if t == 1 { g } else { *v * mu + g };
            *p = *p - *v * lr;
        }
    }

    /// On a quadratic, heavy ball is stable for `lr < 2(1 + μ)/λ`.
    fn stable_lr(lambda: f64, s: &Settings) -> Option<f64> {
        Some(2.0 * (1.0 + s.momentum) / (lambda + Self::weight_decay(s)))
    }

    fn default_lr(lambda: f64, s: &Settings) -> f64 {
        quarter_of_bound(lambda + Self::weight_decay(s))
    }
}
