//! Adam: each parameter's step is the running mean of its gradient over the root of the
//! running mean of its square, both corrected for starting at zero, so every parameter moves at
//! about `lr` a step whatever the scale of its gradient (`torch.optim.Adam`, betas (0.9, 0.999),
//! ε 1e-8; weight decay, when given, added to the gradient).

use super::{Hyper, Real, Rule, Settings};

/// Adam with PyTorch's defaults.
#[derive(Debug, Clone, Copy)]
pub struct Adam;

/// The running means of the gradient and of its square.
#[derive(Debug, Clone)]
pub struct Averages<F> {
    m: Vec<F>,
    v: Vec<F>,
}

impl Rule for Adam {
    type State<F: Real> = Averages<F>;
    const USES: &'static [Hyper] = &[Hyper::Betas, Hyper::Eps, Hyper::WeightDecay];
    const EPS: f64 = 1e-8;

    fn state<F: Real>(len: usize, _s: &Settings) -> Averages<F> {
        Averages {
            m: vec![F::zero(); len],
            v: vec![F::zero(); len],
        }
    }

    fn buffers<F: Real>(state: &mut Averages<F>) -> Vec<&mut Vec<F>> {
        vec![&mut state.m, &mut state.v]
    }

    fn step<F: Real>(state: &mut Averages<F>, theta: &mut [F], grad: &[F], t: u64, s: &Settings) {
        adam_step(
            state,
            theta,
            grad,
            t,
            s,
            (Self::eps(s), Self::weight_decay(s)),
        );
    }

    /// PyTorch's default, 0.001.
    fn default_lr(_lambda: f64, _s: &Settings) -> f64 {
        0.001
    }
}

/// Adam's step with `l2` added to the gradient as weight decay, as PyTorch computes it: the bias
/// corrections in f64, `θ ← θ − (lr/c1)·m/(√v/√c2 + ε)`.
pub(super) fn adam_step<F: Real>(
    state: &mut Averages<F>,
    theta: &mut [F],
    grad: &[F],
    t: u64,
    s: &Settings,
    (eps, l2): (f64, f64),
) {
    let (b1, b2) = s.betas;
    let exponent = i32::try_from(t).unwrap_or(i32::MAX);
    let (c1, c2) = (1.0 - b1.powi(exponent), 1.0 - b2.powi(exponent));
    let step = F::of(s.lr / c1);
    let root_c2 = F::of(c2.sqrt());
    let eps = F::of(eps);
    let (beta1, beta2) = (F::of(b1), F::of(b2));
    let (rest1, rest2) = (F::of(1.0 - b1), F::of(1.0 - b2));
    let points = theta
        .iter_mut()
        .zip(grad)
        .zip(state.m.iter_mut().zip(&mut state.v));
    for ((p, &g), (m, v)) in points {
        let g = if l2 == 0.0 { g } else { g + F::of(l2) * *p };
        *m = *m * beta1 + g * rest1;
        *v = *v * beta2 + g * g * rest2;
        *p = *p - *m / (v.sqrt() / root_c2 + eps) * step;
    }
}
