//! Nesterov momentum: the velocity as for heavy ball, `v ← μ·v + ∇L`, but the step looks ahead
//! along it, `θ ← θ − lr·(∇L + μ·v)` (`torch.optim.SGD(lr, momentum=μ, nesterov=True)`).

use super::momentum::momentum_step;
use super::sgd::quarter_of_bound;
use super::{Hyper, Real, Rule, Settings};

/// SGD with Nesterov momentum.
#[derive(Debug, Clone, Copy)]
pub struct Nesterov;

impl Rule for Nesterov {
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
        momentum_step(v, theta, grad, t, s, (Self::weight_decay(s), true));
    }

    /// On a quadratic, Nesterov's method is stable for `lr < 2(1 + μ)/((1 + 2μ)·λ)` when
    /// `0 ≤ μ < 1`. At `μ ≥ 1` the step matrix's determinant `μ(1 − lr·h)` must stay below 1
    /// for every curvature `h` down to the smallest, which no rate assures: 0, none is known.
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
