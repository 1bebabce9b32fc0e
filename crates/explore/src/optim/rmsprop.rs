//! RMSprop: each parameter's step is its gradient over the root of a running mean of its
//! squares, `s ← α·s + (1 − α)·∇L²`, `θ ← θ − lr·∇L/(√s + ε)` (`torch.optim.RMSprop`, α 0.99,
//! ε 1e-8, not centred, no momentum).

use super::{decayed, Hyper, Result, Rule, Settings, Values};

/// RMSprop with PyTorch's defaults.
#[derive(Debug, Clone, Copy)]
pub struct RmsProp;

/// PyTorch's smoothing constant α.
const ALPHA: f64 = 0.99;

impl Rule for RmsProp {
    const USES: &'static [Hyper] = &[Hyper::Eps, Hyper::WeightDecay];
    const EPS: f64 = 1e-8;

    /// The running mean of the squared gradient.
    fn buffers(_s: &Settings) -> usize {
        1
    }

    fn step<V: Values>(theta: &V, grad: &V, sq: &mut [V], _t: u64, s: &Settings) -> Result<V> {
        let decayed = decayed(grad, theta, Self::weight_decay(s))?;
        let g = decayed.as_ref().unwrap_or(grad);
        sq[0] = sq[0].scale(ALPHA)?.add(&g.mul(g)?.scale(1.0 - ALPHA)?)?;
        theta.sub(&g.div(&sq[0].sqrt()?.shift(Self::eps(s))?)?.scale(s.lr)?)
    }

    /// PyTorch's default, 0.01.
    fn default_lr(_lambda: f64, _s: &Settings) -> f64 {
        0.01
    }
}
