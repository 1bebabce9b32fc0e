//! Plain gradient descent, the lesson's update: every parameter steps against its gradient,
//! `θ ← θ − lr·∇L` (`torch.optim.SGD(lr)`; with weight decay, `∇L + wd·θ`).

use super::{Hyper, Real, Rule, Settings};

/// Stochastic gradient descent without momentum.
#[derive(Debug, Clone, Copy)]
pub struct Sgd;

impl Rule for Sgd {
    type State<F: Real> = ();
    const USES: &'static [Hyper] = &[Hyper::WeightDecay];

    fn state<F: Real>(_len: usize, _s: &Settings) {}

    fn buffers<F: Real>(_: &mut ()) -> Vec<&mut Vec<F>> {
        Vec::new()
    }

    fn step<F: Real>(_: &mut (), theta: &mut [F], grad: &[F], _t: u64, s: &Settings) {
        let (lr, wd) = (F::of(s.lr), Self::weight_decay(s));
        for (p, &g) in theta.iter_mut().zip(grad) {
            let g = if wd == 0.0 { g } else { g + F::of(wd) * *p };
            *p = *p - g * lr;
        }
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
