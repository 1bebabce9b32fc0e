//! AdamW: Adam with the weight decay taken out of the gradient and applied to the parameters
//! directly, `θ ← θ·(1 − lr·wd)` before each Adam step (`torch.optim.AdamW`, weight decay 0.01).

use super::adam::adam_step;
use super::{Hyper, Result, Rule, Settings, Values};

/// AdamW with PyTorch's defaults.
#[derive(Debug, Clone, Copy)]
pub struct AdamW;

impl Rule for AdamW {
    const USES: &'static [Hyper] = &[Hyper::Betas, Hyper::Eps, Hyper::WeightDecay];
    const EPS: f64 = 1e-8;
    const WEIGHT_DECAY: f64 = 0.01;

    /// Adam's two running means.
    fn buffers(_s: &Settings) -> usize {
        2
    }

    fn step<V: Values>(theta: &V, grad: &V, mv: &mut [V], t: u64, s: &Settings) -> Result<V> {
        let shrunk = theta.scale(1.0 - s.lr * Self::weight_decay(s))?;
        adam_step(&shrunk, grad, mv, t, s, Self::eps(s))
    }

    /// PyTorch's default, 0.001.
    fn default_lr(_lambda: f64, _s: &Settings) -> f64 {
        0.001
    }
}
