//! A small multi-layer perceptron with an activation (tanh, ReLU or sigmoid) between its layers:
//! the non-linear model whose loss landscape `explore landscape` draws. Its parameters live in a
//! `VarMap`, seeded reproducibly; its activation is part of its description, so that code that
//! evaluates it another way (the landscape's fused kernel) is told, never guesses.

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::{Module, VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The function between an MLP's layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// `tanh(v)`.
    #[default]
    Tanh,
    /// `max(v, 0)`.
    Relu,
    /// `1 / (1 + e^−v)`.
    Sigmoid,
}

impl Activation {
    /// Every activation.
    pub const ALL: [Activation; 3] = [Activation::Tanh, Activation::Relu, Activation::Sigmoid];

    /// `tanh`, `relu` or `sigmoid`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
        }
    }

    /// The activation of every element of `h`.
    pub fn apply(self, h: &Tensor) -> Result<Tensor> {
        match self {
            Activation::Tanh => crate::tanh(h),
            Activation::Relu => h.relu(),
            Activation::Sigmoid => candle_nn::ops::sigmoid(h),
        }
    }
}

/// `sizes[0]` inputs, hidden layers of `sizes[1..n-1]`, `sizes[n-1]` outputs; the activation
/// after every layer but the last. Layer `i` is named `layer{i}` (`layer0.weight`, …).
pub struct Mlp {
    varmap: VarMap,
    layers: Vec<candle_nn::Linear>,
    activation: Activation,
}

impl Mlp {
    /// Builds the network with each layer drawn from `U(−1/√fan_in, 1/√fan_in)` (PyTorch's
    /// `nn.Linear` default) by a ChaCha8 generator seeded with `seed`, since candle's CPU
    /// generator cannot be seeded: the same seed gives the same network on every machine.
    pub fn new(
        sizes: &[usize],
        activation: Activation,
        seed: u64,
        dtype: DType,
        device: &Device,
    ) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            candle_core::bail!(
                "Mlp: give at least an input and an output size, each ≥ 1, got {sizes:?}"
            );
        }
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, dtype, device);
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| candle_nn::linear(w[0], w[1], vb.pp(format!("layer{i}"))))
            .collect::<Result<Vec<_>>>()?;
        let mut vars: Vec<(String, candle_core::Var)> = varmap
            .data()
            .lock()
            .map_err(|_| candle_core::Error::Msg("Mlp: the VarMap lock is poisoned".into()))?
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        // Drawn in name order, so that the values do not depend on a hash map's order.
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for (name, var) in &vars {
            // A layer's weight and bias share its fan-in: the layer's input size.
            let layer: usize = name
                .strip_prefix("layer")
                .and_then(|rest| rest.split('.').next())
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            let bound = 1.0 / (sizes[layer] as f64).sqrt();
            let values: Vec<f64> = (0..var.elem_count())
                .map(|_| rng.random_range(-bound..bound))
                .collect();
            let init = Tensor::new(values.as_slice(), device)?
                .to_dtype(dtype)?
                .reshape(var.shape())?;
            var.set(&init)?;
        }
        Ok(Self {
            varmap,
            layers,
            activation,
        })
    }

    /// Sets every layer to `layers`' `(weight, bias)`, which must have this network's shapes.
    pub fn set(&self, layers: &[(Tensor, Tensor)]) -> Result<()> {
        if layers.len() != self.layers.len() {
            candle_core::bail!(
                "Mlp::set: {} layers given for a network of {}",
                layers.len(),
                self.layers.len()
            );
        }
        let vars = self
            .varmap
            .data()
            .lock()
            .map_err(|_| candle_core::Error::Msg("Mlp: the VarMap lock is poisoned".into()))?;
        for (i, (weight, bias)) in layers.iter().enumerate() {
            for (name, value) in [("weight", weight), ("bias", bias)] {
                let key = format!("layer{i}.{name}");
                let Some(var) = vars.get(&key) else {
                    candle_core::bail!("Mlp::set: no `{key}`");
                };
                if var.dims() != value.dims() {
                    candle_core::bail!(
                        "Mlp::set: `{key}` is {:?}, and the value given {:?}",
                        var.dims(),
                        value.dims()
                    );
                }
                var.set(&value.to_dtype(var.dtype())?.to_device(var.device())?)?;
            }
        }
        Ok(())
    }

    /// Each layer's `(weight, bias)`: the weight `(out, in)`, as PyTorch's `nn.Linear` holds it.
    pub fn layers(&self) -> Vec<(Tensor, Option<Tensor>)> {
        self.layers
            .iter()
            .map(|l| (l.weight().clone(), l.bias().cloned()))
            .collect()
    }

    /// The number of weights and biases of an MLP of `sizes`, without building it (saturating).
    pub fn parameters_of(sizes: &[usize]) -> usize {
        sizes.windows(2).fold(0usize, |n, w| {
            n.saturating_add(w[0].saturating_mul(w[1]).saturating_add(w[1]))
        })
    }

    /// The parameters, for an optimizer or a landscape.
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    /// The number of trainable values.
    pub fn parameter_count(&self) -> usize {
        self.varmap.all_vars().iter().map(|v| v.elem_count()).sum()
    }

    /// The function between its layers.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The layer sizes and activation, e.g. `mlp 1-16-16-1 tanh`.
    pub fn describe(&self) -> String {
        let mut sizes = vec![self
            .layers
            .first()
            .map_or(0, |l| l.weight().dims().get(1).copied().unwrap_or(0))];
        sizes.extend(self.layers.iter().map(|l| l.weight().dims()[0]));
        let sizes: Vec<String> = sizes.iter().map(usize::to_string).collect();
        format!("mlp {} {}", sizes.join("-"), self.activation.name())
    }
}

impl Module for Mlp {
    /// Predictions for inputs `(N, in)`: `(N, out)`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let layers: Option<Vec<(Tensor, Tensor)>> = self
            .layers
            .iter()
            .map(|l| Some((l.weight().clone(), l.bias()?.clone())))
            .collect();
        if let Some(layers) = layers {
            if let Some(out) = crate::mlp_pass::forward(x, &layers, self.activation)? {
                return Ok(out);
            }
        }
        // Each bias is added as the outer product `1·b`, so that its gradient is the matmul
        // `1ᵀ·grad`: candle sums a gradient down its rows (a broadcast bias's backward) ~60×
        // slower than a matmul does, and that sum was a fifth of an MLP epoch.
        let ones = match x.rank() {
            2 => Some(Tensor::ones((x.dim(0)?, 1), x.dtype(), x.device())?),
            _ => None,
        };
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = match (&ones, layer.bias()) {
                (Some(ones), Some(b)) => {
                    (h.matmul(&layer.weight().t()?)? + ones.matmul(&b.unsqueeze(0)?)?)?
                }
                _ => layer.forward(&h)?,
            };
            if i + 1 < self.layers.len() {
                h = self.activation.apply(&h)?;
            }
        }
        Ok(h)
    }
}

/// The layer sizes of a one-input, one-output MLP with `hidden` layers: `1-hidden…-1`.
pub fn mlp_sizes(hidden: &[usize]) -> Vec<usize> {
    std::iter::once(1)
        .chain(hidden.iter().copied())
        .chain([1])
        .collect()
}
