//! RMSprop: each parameter's step is its gradient over the root of a running mean of its
//! squares, `s ← α·s + (1 − α)·∇L²`, `θ ← θ − lr·∇L/(√s + ε)` (`torch.optim.RMSprop`, α 0.99,
//! ε 1e-8, not centred, no momentum).

use super::{Hyper, Real, Rule, Settings};

/// RMSprop with PyTorch's defaults.
#[derive(Debug, Clone, Copy)]
pub struct RmsProp;

/// The running average's factor α (PyTorch's `alpha`).
const ALPHA: f64 = 0.99;

impl Rule for RmsProp {
    /// The running mean square.
    type State<F: Real> = Vec<F>;
    const USES: &'static [Hyper] = &[Hyper::Eps, Hyper::WeightDecay];
    const EPS: f64 = 1e-8;

    fn state<F: Real>(len: usize, _s: &Settings) -> Vec<F> {
        vec![F::zero(); len]
    }

    fn buffers<F: Real>(sq: &mut Vec<F>) -> Vec<&mut Vec<F>> {
        vec![sq]
    }

    fn step<F: Real>(sq: &mut Vec<F>, theta: &mut [F], grad: &[F], _t: u64, s: &Settings) {
        let (lr, eps, wd) = (F::of(s.lr), F::of(Self::eps(s)), Self::weight_decay(s));
        let (alpha, rest) = (F::of(ALPHA), F::of(1.0 - ALPHA));
        for ((p, &g), sq) in theta.iter_mut().zip(grad).zip(sq.iter_mut()) {
            let g = if wd == 0.0 { g } else { g + F::of(wd) * *p };
            *sq = *sq * alpha + g * g * rest;
            *p = *p - g / (sq.sqrt() + eps) * lr;
        }
    }

    /// PyTorch's default, 0.01.
    fn default_lr(_lambda: f64, _s: &Settings) -> f64 {
        0.01
    }
}
