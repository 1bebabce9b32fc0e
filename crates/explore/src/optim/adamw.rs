//! AdamW: Adam with the weight decay taken out of the gradient and applied to the parameters
//! directly, `θ ← θ·(1 − lr·wd)` before each Adam step (`torch.optim.AdamW`, weight decay 0.01).

use super::adam::{adam_step, Averages};
use super::{Adam, Hyper, Real, Rule, Settings};

/// AdamW with PyTorch's defaults.
#[derive(Debug, Clone, Copy)]
pub struct AdamW;

impl Rule for AdamW {
    type State<F: Real> = Averages<F>;
    const USES: &'static [Hyper] = &[Hyper::Betas, Hyper::Eps, Hyper::WeightDecay];
    const EPS: f64 = 1e-8;
    const WEIGHT_DECAY: f64 = 0.01;

    fn state<F: Real>(len: usize, s: &Settings) -> Averages<F> {
        Adam::state(len, s)
    }

    fn buffers<F: Real>(state: &mut Averages<F>) -> Vec<&mut Vec<F>> {
        Adam::buffers(state)
    }

    fn step<F: Real>(state: &mut Averages<F>, theta: &mut [F], grad: &[F], t: u64, s: &Settings) {
        let shrink = F::of(1.0 - s.lr * Self::weight_decay(s));
        theta.iter_mut().for_each(|p| *p = *p * shrink);
        adam_step(state, theta, grad, t, s, (Self::eps(s), 0.0));
    }

    /// PyTorch's default, 0.001.
    fn default_lr(_lambda: f64, _s: &Settings) -> f64 {
        0.001
    }
}
