//! Adam: each parameter's step is the running mean of its gradient over the root of the
//! running mean of its square, both corrected for starting at zero, so every parameter moves at
//! about `lr` a step whatever the scale of its gradient (`torch.optim.Adam`, betas (0.9, 0.999),
//! ε 1e-8; weight decay, when given, added to the gradient).

use super::{decayed, Hyper, Result, Rule, Settings, Values};

/// Adam with PyTorch's defaults.
#[derive(Debug, Clone, Copy)]
pub struct Adam;

impl Rule for Adam {
    const USES: &'static [Hyper] = &[Hyper::Betas, Hyper::Eps, Hyper::WeightDecay];
    const EPS: f64 = 1e-8;

    /// The running means of the gradient and of its square.
    fn buffers(_s: &Settings) -> usize {
        2
    }

    fn step<V: Values>(theta: &V, grad: &V, mv: &mut [V], t: u64, s: &Settings) -> Result<V> {
        let decayed = decayed(grad, theta, Self::weight_decay(s))?;
        adam_step(
            theta,
            decayed.as_ref().unwrap_or(grad),
            mv,
            t,
            s,
            Self::eps(s),
        )
    }

    /// PyTorch's default, 0.001.
    fn default_lr(_lambda: f64, _s: &Settings) -> f64 {
        0.001
    }
}

/// Adam's step on the gradient `g`, as PyTorch computes it: the bias corrections in f64,
/// `m ← β1·m + (1 − β1)·g`, `v ← β2·v + (1 − β2)·g²`, `θ ← θ − (lr/c1)·m/(√v/√c2 + ε)`.
pub(super) fn adam_step<V: Values>(
    theta: &V,
    g: &V,
    mv: &mut [V],
    t: u64,
    s: &Settings,
    eps: f64,
) -> Result<V> {
    let (b1, b2) = s.betas;
    let exponent = i32::try_from(t).unwrap_or(i32::MAX);
    let (c1, c2) = (1.0 - b1.powi(exponent), 1.0 - b2.powi(exponent));
    mv[0] = mv[0].scale(b1)?.add(&g.scale(1.0 - b1)?)?;
    mv[1] = mv[1].scale(b2)?.add(&g.mul(g)?.scale(1.0 - b2)?)?;
    let denominator = mv[1].sqrt()?.over(c2.sqrt())?.shift(eps)?;
    theta.sub(&mv[0].div(&denominator)?.scale(s.lr / c1)?)
}
