//! The sharpness of a loss: the top eigenvalue of its Hessian, for any `VarMap` model and loss
//! closure, by power iteration on Hessian-vector products.
//!
//! Each product is a central difference of two autograd gradients,
//! `H·v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε`, not a double backward: candle detaches the gradients
//! it computes ("second order derivatives are out of scope" in its backprop), and the fused
//! line op has no backward of its own backward. The difference's error is `O(ε²)` from the
//! third derivatives and `O(u/ε)` from rounding, so the model must be f64 (`u` = 1e-16): with
//! `ε` at 1e-4 of the parameters' scale both are below 1e-8 of λ.

use candle_core::{DType, Result};
use candle_nn::VarMap;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::{params::sorted_vars, LossFn, Params};

/// How far the power iteration goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerIteration {
    /// The most products it takes for one eigenvalue.
    pub iterations: usize,
    /// It stops when λ changes by less than this, relative.
    pub tolerance: f64,
    /// Seed of the random start vector.
    pub seed: u64,
}

impl Default for PowerIteration {
    fn default() -> Self {
        Self {
            iterations: 200,
            tolerance: 1e-7,
            seed: 0,
        }
    }
}

/// The gradient of `loss` at the current parameters of `varmap`, flat in name order.
fn gradient(varmap: &VarMap, loss: &LossFn<'_>) -> Result<Vec<f64>> {
    let grads = loss(varmap)?.backward()?;
    let mut out = Vec::new();
    for (_, var) in sorted_vars(varmap) {
        match grads.get(var.as_tensor()) {
            Some(g) => out.extend(g.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?),
            // A parameter the loss does not use.
            None => out.extend(std::iter::repeat_n(0.0, var.elem_count())),
        }
    }
    Ok(out)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// `H·v` at `theta` by a central difference of gradients, `v` of unit length.
fn hvp(
    varmap: &VarMap,
    loss: &LossFn<'_>,
    theta: &Params,
    flat: &[f64],
    v: &[f64],
    eps: f64,
) -> Result<Vec<f64>> {
    let at = |sign: f64| -> Result<Vec<f64>> {
        let shifted: Vec<f64> = flat
            .iter()
            .zip(v)
            .map(|(t, v)| t + sign * eps * v)
            .collect();
        theta.unflatten(&shifted)?.set_into(varmap)?;
        gradient(varmap, loss)
    };
    let (plus, minus) = (at(1.0)?, at(-1.0)?);
    Ok(plus
        .iter()
        .zip(&minus)
        .map(|(p, m)| (p - m) / (2.0 * eps))
        .collect())
}

/// Power iteration on `v ↦ H·v − shift·v` from `start` (or a random unit vector): its dominant
/// eigenvalue (plus `shift`) and eigenvector.
fn power(
    product: &mut dyn FnMut(&[f64]) -> Result<Vec<f64>>,
    n: usize,
    shift: f64,
    settings: PowerIteration,
    start: Option<&[f64]>,
) -> Result<(f64, Vec<f64>)> {
    let mut v: Vec<f64> = match start {
        Some(s) if s.len() == n && norm(s) > 0.0 => s.to_vec(),
        _ => {
            let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
            (0..n).map(|_| StandardNormal.sample(&mut rng)).collect()
        }
    };
    let length = norm(&v);
    v.iter_mut().for_each(|x| *x /= length);
    let mut lambda = f64::NAN;
    for _ in 0..settings.iterations.max(1) {
        let mut w = product(&v)?;
        w.iter_mut().zip(&v).for_each(|(w, v)| *w -= shift * v);
        let next = dot(&v, &w);
        let length = norm(&w);
        if length == 0.0 || !length.is_finite() {
            return Ok((next + shift, v));
        }
        v = w.into_iter().map(|x| x / length).collect();
        let converged = (next - lambda).abs() <= settings.tolerance * next.abs();
        lambda = next;
        if converged {
            break;
        }
    }
    Ok((lambda + shift, v))
}

/// The largest eigenvalue of the Hessian of `loss` with respect to the parameters of `varmap`,
/// at their current values, which are restored afterwards. The model should be f64 (see the
/// module's note). When the eigenvalue of largest magnitude is negative (a saddle), a second
/// power iteration on `H − λI` finds the largest.
pub fn top_eigenvalue(varmap: &VarMap, loss: &LossFn<'_>, settings: PowerIteration) -> Result<f64> {
    Ok(top_eigenpair(varmap, loss, settings, None)?.0)
}

/// [`top_eigenvalue`] and its eigenvector (flat, in name order), starting from `start` when
/// given: along a training run the last step's vector is a close guess, so few products are
/// needed.
pub fn top_eigenpair(
    varmap: &VarMap,
    loss: &LossFn<'_>,
    settings: PowerIteration,
    start: Option<&[f64]>,
) -> Result<(f64, Vec<f64>)> {
    let theta = Params::of(varmap)?;
    let flat = theta.flatten()?;
    let scale = norm(&flat) / (flat.len().max(1) as f64).sqrt();
    let eps = 1e-4 * scale.max(1e-2);
    let result = (|| {
        let mut product = |v: &[f64]| hvp(varmap, loss, &theta, &flat, v, eps);
        let (dominant, v) = power(&mut product, flat.len(), 0.0, settings, start)?;
        if dominant >= 0.0 {
            return Ok((dominant, v));
        }
        power(&mut product, flat.len(), dominant, settings, None)
    })();
    theta.set_into(varmap)?;
    result
}
