//! Adagrad: each parameter's step is its gradient over the root of the sum of all its squared
//! gradients so far, `G ← G + ∇L²`, `θ ← θ − lr·∇L/(√G + ε)` (`torch.optim.Adagrad`, ε 1e-10,
//! no learning-rate decay).

use super::{decayed, Hyper, Result, Rule, Settings, Values};

/// Adagrad with PyTorch's defaults.
#[derive(Debug, Clone, Copy)]
pub struct Adagrad;

impl Rule for Adagrad {
    const USES: &'static [Hyper] = &[Hyper::Eps, Hyper::WeightDecay];
    const EPS: f64 = 1e-10;

    /// The sum of the squared gradients.
    fn buffers(_s: &Settings) -> usize {
        1
    }

    fn step<V: Values>(theta: &V, grad: &V, sum: &mut [V], _t: u64, s: &Settings) -> Result<V> {
        let decayed = decayed(grad, theta, Self::weight_decay(s))?;
        let g = decayed.as_ref().unwrap_or(grad);
        sum[0] = sum[0].add(&g.mul(g)?)?;
        theta.sub(&g.div(&sum[0].sqrt()?.shift(Self::eps(s))?)?.scale(s.lr)?)
    }

    /// PyTorch's default, 0.01.
    fn default_lr(_lambda: f64, _s: &Settings) -> f64 {
        0.01
    }
}
