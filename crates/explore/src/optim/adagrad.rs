//! Adagrad: each parameter's step is its gradient over the root of the sum of all its squared
//! gradients so far, `G ← G + ∇L²`, `θ ← θ − lr·∇L/(√G + ε)` (`torch.optim.Adagrad`, ε 1e-10,
//! no learning-rate decay).

use super::{Hyper, Real, Rule, Settings};

/// Adagrad with PyTorch's defaults.
#[derive(Debug, Clone, Copy)]
pub struct Adagrad;

impl Rule for Adagrad {
    /// The sum of squared gradients.
    type State<F: Real> = Vec<F>;
    const USES: &'static [Hyper] = &[Hyper::Eps, Hyper::WeightDecay];
    const EPS: f64 = 1e-10;

    fn state<F: Real>(len: usize, _s: &Settings) -> Vec<F> {
        vec![F::zero(); len]
    }

    fn buffers<F: Real>(sum: &mut Vec<F>) -> Vec<&mut Vec<F>> {
        vec![sum]
    }

    fn step<F: Real>(sum: &mut Vec<F>, theta: &mut [F], grad: &[F], _t: u64, s: &Settings) {
        let (lr, eps, wd) = (F::of(s.lr), F::of(Self::eps(s)), Self::weight_decay(s));
        for ((p, &g), sum) in theta.iter_mut().zip(grad).zip(sum.iter_mut()) {
            let g = if wd == 0.0 { g } else { g + F::of(wd) * *p };
            *sum = *sum + g * g;
            *p = *p - g / (sum.sqrt() + eps) * lr;
        }
    }

    /// PyTorch's default, 0.01.
    fn default_lr(_lambda: f64, _s: &Settings) -> f64 {
        0.01
    }
}
