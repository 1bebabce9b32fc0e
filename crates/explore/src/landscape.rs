//! Loss landscapes of any candle model whose parameters live in a `VarMap`: the loss along a
//! line between two parameter sets, over a plane spanned by two directions (random with filter
//! or layer normalisation, after Li et al. 2018, or the principal components of a training
//! run), and a training trajectory projected onto that plane with its true losses.
//!
//! The model is never rebuilt: every point is evaluated by writing parameters into the same
//! `Var`s in place and calling the caller's loss closure.

use candle_core::{DType, Result, Tensor};
use candle_nn::VarMap;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A loss closure: reads the model's parameters from the `VarMap` and returns a scalar loss.
pub type LossFn<'a> = dyn Fn(&VarMap) -> Result<Tensor> + 'a;

/// A point (or a direction) in parameter space: one tensor per variable, in name order.
#[derive(Debug, Clone)]
pub struct Params {
    pub names: Vec<String>,
    pub tensors: Vec<Tensor>,
}

/// The variables of `varmap` sorted by name, so that every walk over them has one order.
fn sorted_vars(varmap: &VarMap) -> Vec<(String, candle_core::Var)> {
    let data = varmap
        .data()
        .lock()
        .expect("the VarMap lock is never poisoned");
    let mut vars: Vec<_> = data.iter().map(|(n, v)| (n.clone(), v.clone())).collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

impl Params {
    /// A copy of the current parameters of `varmap`.
    pub fn of(varmap: &VarMap) -> Result<Self> {
        let (names, tensors) = sorted_vars(varmap)
            .into_iter()
            .map(|(n, v)| Ok((n, v.as_tensor().copy()?)))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        Ok(Self { names, tensors })
    }

    /// Writes these values into the variables of `varmap`, in place.
    pub fn set_into(&self, varmap: &VarMap) -> Result<()> {
        let vars = sorted_vars(varmap);
        if vars.len() != self.names.len() || vars.iter().zip(&self.names).any(|(v, n)| &v.0 != n) {
            candle_core::bail!("landscape: these parameters do not belong to this VarMap");
        }
        for ((_, var), t) in vars.iter().zip(&self.tensors) {
            var.set(t)?;
        }
        Ok(())
    }

    fn zip_with(
        &self,
        other: &Params,
        f: impl Fn(&Tensor, &Tensor) -> Result<Tensor>,
    ) -> Result<Params> {
        if self.names != other.names {
            candle_core::bail!("landscape: parameter sets of different models");
        }
        let tensors = self
            .tensors
            .iter()
            .zip(&other.tensors)
            .map(|(a, b)| f(a, b))
            .collect::<Result<_>>()?;
        Ok(Params {
            names: self.names.clone(),
            tensors,
        })
    }

    /// `self + a·d`.
    pub fn add_scaled(&self, d: &Params, a: f64) -> Result<Params> {
        self.zip_with(d, |x, d| x + d.affine(a, 0.0)?)
    }

    /// `self − other`.
    pub fn sub(&self, other: &Params) -> Result<Params> {
        self.zip_with(other, |a, b| a - b)
    }

    /// The dot product over every parameter, in f64.
    pub fn dot(&self, other: &Params) -> Result<f64> {
        let mut sum = 0.0;
        for (a, b) in self.tensors.iter().zip(&other.tensors) {
            let (a, b) = (a.to_dtype(DType::F64)?, b.to_dtype(DType::F64)?);
            sum += (a * b)?.sum_all()?.to_scalar::<f64>()?;
        }
        Ok(sum)
    }

    /// Every value in one `f64` vector, in name order.
    pub fn flatten(&self) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        for t in &self.tensors {
            out.extend(t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?);
        }
        Ok(out)
    }

    /// Parameters shaped like `self` holding the values of `flat` (in name order).
    pub fn unflatten(&self, flat: &[f64]) -> Result<Params> {
        let mut at = 0;
        let mut tensors = Vec::with_capacity(self.tensors.len());
        for t in &self.tensors {
            let n = t.elem_count();
            let part = flat
                .get(at..at + n)
                .ok_or_else(|| candle_core::Error::Msg("landscape: too few values".into()))?;
            tensors.push(
                Tensor::new(part, t.device())?
                    .to_dtype(t.dtype())?
                    .reshape(t.shape())?,
            );
            at += n;
        }
        Ok(Params {
            names: self.names.clone(),
            tensors,
        })
    }
}

/// How a random direction is scaled to the model (Li et al. 2018, section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
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

fn loss_value(varmap: &VarMap, loss: &LossFn) -> Result<f64> {
    loss(varmap)?
        .to_dtype(DType::F64)?
        .flatten_all()?
        .get(0)?
        .to_scalar::<f64>()
}

/// The loss at `center + a·d1 (+ b·d2)` for each given point, evaluated on the one model in
/// `varmap`, whose parameters are restored to `center` afterwards.
fn evaluate(
    varmap: &VarMap,
    loss: &LossFn,
    center: &Params,
    points: impl Iterator<Item = Result<Params>>,
    progress: &dyn Fn(usize),
) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    let result = (|| {
        for p in points {
            p?.set_into(varmap)?;
            out.push(loss_value(varmap, loss)?);
            progress(out.len());
        }
        Ok(())
    })();
    center.set_into(varmap)?;
    result.map(|()| out)
}

/// The loss along `from + α·(to − from)` for each `α` (0 is `from`, 1 is `to`): between a
/// start and a trained model, or from a point along a direction `d` with
/// `to = from.add_scaled(&d, 1.0)` (e.g. `d` from [`random_direction`]).
pub fn line(
    varmap: &VarMap,
    loss: &LossFn,
    from: &Params,
    to: &Params,
    alphas: &[f64],
) -> Result<Vec<f64>> {
    let d = to.sub(from)?;
    let current = Params::of(varmap)?;
    let points = alphas.iter().map(|&a| from.add_scaled(&d, a));
    evaluate(varmap, loss, &current, points, &|_| {})
}

/// The loss over the plane `center + α·d1 + β·d2` for every `(α, β)` of `alphas × betas`,
/// α-major (the layout of `explore surface`).
pub fn plane(
    varmap: &VarMap,
    loss: &LossFn,
    center: &Params,
    (d1, d2): (&Params, &Params),
    alphas: &[f64],
    betas: &[f64],
    progress: &dyn Fn(usize),
) -> Result<Vec<f64>> {
    let points = alphas.iter().flat_map(|&a| {
        betas
            .iter()
            .map(move |&b| center.add_scaled(d1, a)?.add_scaled(d2, b))
    });
    evaluate(varmap, loss, center, points, progress)
}

/// The coordinates `(α, β)` of each point on the plane through `center` spanned by `d1`, `d2`:
/// the least-squares projection, exact when the directions are orthogonal or the point lies on
/// the plane.
pub fn project(
    points: &[Params],
    center: &Params,
    (d1, d2): (&Params, &Params),
) -> Result<Vec<(f64, f64)>> {
    let (g11, g12, g22) = (d1.dot(d1)?, d1.dot(d2)?, d2.dot(d2)?);
    let det = g11 * g22 - g12 * g12;
    if det.abs() <= 1e-300 || det.is_nan() {
        candle_core::bail!("landscape: the two directions are parallel or zero");
    }
    points
        .iter()
        .map(|p| {
            let v = p.sub(center)?;
            let (r1, r2) = (d1.dot(&v)?, d2.dot(&v)?);
            Ok(((g22 * r1 - g12 * r2) / det, (g11 * r2 - g12 * r1) / det))
        })
        .collect()
}

/// The true loss at each recorded point (not a value read off an interpolated surface).
pub fn path_losses(varmap: &VarMap, loss: &LossFn, points: &[Params]) -> Result<Vec<f64>> {
    let current = Params::of(varmap)?;
    evaluate(
        varmap,
        loss,
        &current,
        points.iter().cloned().map(Ok),
        &|_| {},
    )
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

/// The small models `explore landscape` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ModelKind {
    /// The lesson's line `y = A·x + b` (weight and bias start at 0).
    Line,
    /// A multi-layer perceptron with tanh activations.
    #[default]
    Mlp,
}

/// A small model whose parameters live in a `VarMap`: a stack of linear layers, tanh between.
pub struct Net {
    pub varmap: VarMap,
    layers: Vec<candle_nn::Linear>,
}

impl Net {
    /// Builds the model with reproducible parameters: the line at (0, 0); the MLP with each
    /// layer drawn from `U(−1/√fan_in, 1/√fan_in)` (PyTorch's `nn.Linear` default) by a
    /// ChaCha8 generator seeded with `seed`, since candle's CPU generator cannot be seeded.
    pub fn new(
        kind: ModelKind,
        hidden: &[usize],
        seed: u64,
        dtype: DType,
        device: &candle_core::Device,
    ) -> Result<Self> {
        let varmap = VarMap::new();
        let vb = candle_nn::VarBuilder::from_varmap(&varmap, dtype, device);
        let sizes: Vec<usize> = match kind {
            ModelKind::Line => vec![1, 1],
            ModelKind::Mlp => std::iter::once(1)
                .chain(hidden.iter().copied())
                .chain([1])
                .collect(),
        };
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| candle_nn::linear(w[0], w[1], vb.pp(format!("layer{i}"))))
            .collect::<Result<Vec<_>>>()?;
        let net = Self { varmap, layers };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let start = Params::of(&net.varmap)?;
        let mut tensors = Vec::with_capacity(start.tensors.len());
        for (name, t) in start.names.iter().zip(&start.tensors) {
            let values: Vec<f64> = match kind {
                ModelKind::Line => vec![0.0; t.elem_count()],
                ModelKind::Mlp => {
                    // The fan-in of a bias is that of its layer's weight.
                    let layer = name.rsplit_once('.').map_or(name.as_str(), |p| p.0);
                    let fan_in = start
                        .names
                        .iter()
                        .zip(&start.tensors)
                        .find(|(n, w)| n.as_str() == format!("{layer}.weight") && w.rank() == 2)
                        .map_or(1, |(_, w)| w.dim(1).unwrap_or(1));
                    let bound = 1.0 / (fan_in as f64).sqrt();
                    (0..t.elem_count())
                        .map(|_| rand::Rng::random_range(&mut rng, -bound..bound))
                        .collect()
                }
            };
            tensors.push(
                Tensor::new(values.as_slice(), device)?
                    .to_dtype(dtype)?
                    .reshape(t.shape())?,
            );
        }
        Params {
            names: start.names,
            tensors,
        }
        .set_into(&net.varmap)?;
        Ok(net)
    }

    /// Predictions for inputs `(N, 1)`: `(N, 1)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = candle_nn::Module::forward(layer, &h)?;
            if i + 1 < self.layers.len() {
                h = h.tanh()?;
            }
        }
        Ok(h)
    }

    /// The number of trainable values.
    pub fn parameter_count(&self) -> usize {
        sorted_vars(&self.varmap)
            .iter()
            .map(|(_, v)| v.elem_count())
            .sum()
    }

    /// "line" or "mlp 1-16-16-1".
    pub fn describe(&self, kind: ModelKind) -> String {
        match kind {
            ModelKind::Line => "line".to_string(),
            ModelKind::Mlp => {
                let mut sizes: Vec<String> = vec!["1".into()];
                sizes.extend(
                    self.layers
                        .iter()
                        .map(|l| l.weight().dim(0).unwrap_or(0).to_string()),
                );
                format!("mlp {}", sizes.join("-"))
            }
        }
    }
}

/// A training run recorded for projection: parameters every few epochs, start and end included.
pub struct Recording {
    pub epochs: Vec<usize>,
    pub points: Vec<Params>,
}

/// Full-batch Adam on `loss` for `epochs` steps, recording the parameters about `records` times.
pub fn train_recorded(
    varmap: &VarMap,
    loss: &LossFn,
    lr: f64,
    epochs: usize,
    records: usize,
) -> Result<Recording> {
    use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
    let vars = sorted_vars(varmap).into_iter().map(|(_, v)| v).collect();
    let mut adam = AdamW::new(
        vars,
        ParamsAdamW {
            lr,
            weight_decay: 0.0,
            ..Default::default()
        },
    )?;
    let every = (epochs / records.max(1)).max(1);
    let mut rec = Recording {
        epochs: vec![0],
        points: vec![Params::of(varmap)?],
    };
    for epoch in 1..=epochs {
        adam.backward_step(&loss(varmap)?)?;
        if epoch % every == 0 || epoch == epochs {
            rec.epochs.push(epoch);
            rec.points.push(Params::of(varmap)?);
        }
    }
    Ok(rec)
}

/// A computed landscape: the loss over the plane around the trained parameters, with the
/// training run projected onto it.
#[derive(Debug, Clone)]
pub struct LossPlane {
    /// "line" or "mlp 1-16-16-1", and its number of parameters.
    pub model: String,
    pub parameters: usize,
    /// The grid's values along each direction (the same for α and β).
    pub axis: Vec<f64>,
    /// The loss at every `(α, β)` of `axis × axis`, α-major.
    pub losses: Vec<f64>,
    /// The recorded epochs, their `(α, β)` on the plane and their true losses.
    pub epochs: Vec<usize>,
    pub path: Vec<(f64, f64)>,
    pub path_losses: Vec<f64>,
}

impl LossPlane {
    /// Rows `alpha, beta, loss`, the grid minimum, a summary, and the trajectory in the JSON.
    pub fn report(&self, source: &str, dtype: DType) -> crate::report::Report {
        use crate::report::human;
        let (ga, gb) = crate::sweep::grid(&self.axis, &self.axis);
        let minimum = crate::sweep::argmin(&self.losses);
        let first = self.path_losses.first().copied().unwrap_or(f64::NAN);
        let last = self.path_losses.last().copied().unwrap_or(f64::NAN);
        let mut summary = vec![format!(
            "trained {} ({} parameters) on {source} for {} epochs: loss {} → {}",
            self.model,
            self.parameters,
            self.epochs.last().copied().unwrap_or(0),
            human(first),
            human(last)
        )];
        if let Some(i) = minimum {
            summary.push(format!(
                "grid minimum at α = {}, β = {} (loss {}); the trained model sits at α = 0, β = 0 (loss {})",
                human(ga[i]),
                human(gb[i]),
                human(self.losses[i]),
                human(last)
            ));
        }
        let trajectory: Vec<serde_json::Value> = self
            .epochs
            .iter()
            .zip(&self.path)
            .zip(&self.path_losses)
            .map(|((e, (a, b)), l)| serde_json::json!({"epoch": e, "alpha": a, "beta": b, "loss": l}))
            .collect();
        let mut json = serde_json::Map::new();
        json.insert("model".into(), serde_json::json!(self.model));
        json.insert("parameters".into(), serde_json::json!(self.parameters));
        json.insert("trajectory".into(), serde_json::json!(trajectory));
        crate::report::Report {
            columns: vec!["alpha", "beta", "loss"],
            values: vec![ga, gb, self.losses.clone()],
            minimum,
            dtype,
            summary,
            json,
        }
    }

    /// The heat map of the plane with the projected run, its start and end marked.
    pub fn figure(&self, source: &str) -> crate::plot::Heatmap {
        let n = self.axis.len();
        let minimum = crate::sweep::argmin(&self.losses)
            .map(|i| (self.axis[i / n], self.axis[i % n], self.losses[i]));
        crate::plot::Heatmap {
            title: format!("loss landscape of {} on {source}", self.model),
            x_label: "direction 1 (α)".into(),
            y_label: "direction 2 (β)".into(),
            weights: self.axis.clone(),
            biases: self.axis.clone(),
            losses: self.losses.clone(),
            minimum,
            optimum: None,
            path: self.path.clone(),
        }
    }
}
