//! The directions a landscape is drawn along: random Gaussian ones scaled to the model (filter
//! or layer normalisation, after Li et al. 2018), or the principal components of a training run.

use candle_core::{DType, Result, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::Params;

/// How a random direction is scaled to the model (Li et al. 2018, section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Normalization {
    /// Each filter (row of a weight matrix, slice along the first axis) is rescaled to the
    /// norm of the model's own filter: directions then respect each layer's scale.
    #[default]
    Filter,
    /// Each parameter tensor is rescaled to the norm of the model's tensor.
    Layer,
    /// The raw Gaussian direction.
    None,
}

impl Normalization {
    /// The name a user types: `filter`, `layer` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            Normalization::Filter => "filter",
            Normalization::Layer => "layer",
            Normalization::None => "none",
        }
    }
}

/// Where a landscape's two directions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Directions {
    /// Two Gaussian directions, normalised to the model (--normalization).
    #[default]
    Random,
    /// The principal components of the recorded training path.
    Pca,
    /// The model's own two parameters as the axes: for the line, the (A, b) plane, with
    /// α = A − A* and β = b − b*. Only for a model with exactly two parameters.
    Axes,
}

impl Directions {
    /// The name a user types: `random` or `pca`.
    pub fn name(self) -> &'static str {
        match self {
            Directions::Random => "random",
            Directions::Pca => "pca",
            Directions::Axes => "axes",
        }
    }

    /// What a model with `parameters` values is drawn along unless told: its own axes when it
    /// has two (the line), random directions otherwise.
    pub fn default_for(parameters: usize) -> Self {
        if parameters == 2 {
            Directions::Axes
        } else {
            Directions::Random
        }
    }
}

/// A Gaussian direction shaped like `center`, on its devices and dtypes, reproducible from
/// `seed`, normalised as asked. One-dimensional parameters (biases) are set to zero unless
/// `keep_1d`, in which case they are normalised as a whole tensor under `Filter` and `Layer`.
pub fn random_direction(
    center: &Params,
    seed: u64,
    normalization: Normalization,
    keep_1d: bool,
) -> Result<Params> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tensors = Vec::with_capacity(center.tensors.len());
    for theta in &center.tensors {
        let values: Vec<f64> = (0..theta.elem_count())
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let d = Tensor::new(values.as_slice(), theta.device())?.reshape(theta.shape())?;
        let theta64 = theta.to_dtype(DType::F64)?;
        let d = match (normalization, theta.rank()) {
            (_, 0 | 1) if !keep_1d => d.zeros_like()?,
            (Normalization::None, _) => d,
            (Normalization::Filter, r) if r >= 2 => {
                // Norms over every axis but the first: one per filter.
                let rows = theta.dim(0)?;
                let flat_d = d.reshape((rows, ()))?;
                let flat_t = theta64.reshape((rows, ()))?;
                let scale =
                    (row_norms(&flat_t)? / row_norms(&flat_d)?.clamp(1e-30, f64::INFINITY)?)?;
                flat_d
                    .broadcast_mul(&scale.unsqueeze(1)?)?
                    .reshape(theta.shape())?
            }
            _ => {
                let scale = norm(&theta64)? / norm(&d)?.max(1e-30);
                d.affine(scale, 0.0)?
            }
        };
        tensors.push(d.to_dtype(theta.dtype())?);
    }
    Ok(Params {
        names: center.names.clone(),
        tensors,
    })
}

fn row_norms(t: &Tensor) -> Result<Tensor> {
    t.sqr()?.sum(1)?.sqrt()
}

fn norm(t: &Tensor) -> Result<f64> {
    t.sqr()?.sum_all()?.sqrt()?.to_scalar::<f64>()
}

/// The two principal directions of a trajectory around `center` (usually its last point), each
/// scaled to unit norm: the plane in which the run moved most.
///
/// The trajectory has few points and many parameters, so this works with the small Gram matrix
/// of the centred points and power iteration, not an SVD of the whole parameter matrix.
pub fn pca_directions(points: &[Params], center: &Params) -> Result<(Params, Params)> {
    let rows: Vec<Vec<f64>> = points
        .iter()
        .map(|p| p.sub(center)?.flatten())
        .collect::<Result<_>>()?;
    let t = rows.len();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let gram: Vec<Vec<f64>> = (0..t)
        .map(|i| (0..t).map(|j| dot(&rows[i], &rows[j])).collect())
        .collect();
    let mut found: Vec<Vec<f64>> = Vec::new();
    for k in 0..2 {
        // Power iteration on the Gram matrix, deflated by the components already found.
        let mut v: Vec<f64> = (0..t).map(|i| 1.0 + ((i * 7 + k * 3) % 5) as f64).collect();
        for _ in 0..500 {
            let mut w: Vec<f64> = (0..t).map(|i| dot(&gram[i], &v)).collect();
            for u in &found {
                let c = dot(u, &w);
                w.iter_mut().zip(u).for_each(|(w, u)| *w -= c * u);
            }
            let n = dot(&w, &w).sqrt();
            if n < 1e-300 {
                break;
            }
            v = w.into_iter().map(|w| w / n).collect();
        }
        found.push(v);
    }
    // A component in parameter space is Σᵢ vᵢ·rowᵢ, then made a unit vector.
    let dims = rows.first().map_or(0, Vec::len);
    let mut directions = Vec::with_capacity(2);
    for v in &found {
        let mut d = vec![0.0; dims];
        for (vi, row) in v.iter().zip(&rows) {
            d.iter_mut().zip(row).for_each(|(d, r)| *d += vi * r);
        }
        let n = dot(&d, &d).sqrt();
        if n <= 0.0 || n.is_nan() {
            candle_core::bail!(
                "landscape: the trajectory does not span two directions (did the parameters move?)"
            );
        }
        d.iter_mut().for_each(|x| *x /= n);
        directions.push(center.unflatten(&d)?);
    }
    let d2 = directions.pop().expect("two directions");
    let d1 = directions.pop().expect("two directions");
    Ok((d1, d2))
}

/// The unit directions along a two-parameter model's own axes: `d1` along its weight (the
/// tensor whose name says so, else the first value), `d2` along the other value.
pub fn axes_directions(center: &Params) -> crate::Result<(Params, Params)> {
    let values = center.flatten()?;
    if values.len() != 2 {
        return Err(crate::Error::Usage(format!(
            "the axes directions need a model with exactly two parameters (the line); this one \
             has {}",
            values.len()
        ))
        .mend(crate::Remedy::RandomOrPca));
    }
    // The flat position of the weight: the first value of the tensor named like one.
    let mut at = 0;
    let mut weight = 0;
    for (name, t) in center.names.iter().zip(&center.tensors) {
        if name.contains("weight") {
            weight = at;
        }
        at += t.elem_count();
    }
    let unit = |i: usize| {
        let mut v = vec![0.0; 2];
        v[i] = 1.0;
        center.unflatten(&v)
    };
    Ok((unit(weight)?, unit(1 - weight)?))
}
