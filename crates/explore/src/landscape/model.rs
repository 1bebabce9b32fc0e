//! The models `explore landscape` builds: the lesson's line and a small MLP, each with its
//! parameters in a `VarMap` so that the landscape code can walk them.

use candle_core::{DType, Device, Result, Tensor};
use candle_nn::{Module, VarMap};
use model::{Activation, Bias, Linear, Mlp};

use super::params;

/// The small models `explore landscape` builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum ModelKind {
    /// The lesson's line `y = A·x + b` (weight and bias start at 0).
    Line,
    /// A multi-layer perceptron (tanh activations unless `--activation` says otherwise).
    #[default]
    Mlp,
}

/// A built-in model with its parameters in a `VarMap`: `model::Linear` for the line,
/// `model::Mlp` for the network. Inputs are `(N, 1)`.
pub struct Model {
    varmap: VarMap,
    module: Box<dyn Module>,
    name: String,
    /// The MLP's activation; `None` for the line, which has no hidden layer.
    activation: Option<Activation>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("name", &self.name).finish()
    }
}

impl Model {
    /// The line at `(0, 0)`, or the MLP `1-hidden…-1` seeded with `seed`.
    pub fn new(
        kind: ModelKind,
        hidden: &[usize],
        activation: Activation,
        seed: u64,
        dtype: DType,
        device: &Device,
    ) -> Result<Self> {
        match kind {
            ModelKind::Line => {
                let line = Linear::line(0.0, Bias::Learnable(0.0), dtype, device)?;
                let varmap = VarMap::new();
                line.register(&varmap)?;
                Ok(Self {
                    varmap,
                    module: Box::new(line),
                    name: "line".into(),
                    activation: None,
                })
            }
            ModelKind::Mlp => {
                let mlp = Mlp::new(&model::mlp_sizes(hidden), activation, seed, dtype, device)?;
                Ok(Self {
                    varmap: mlp.varmap().clone(),
                    name: mlp.describe(),
                    activation: Some(activation),
                    module: Box::new(mlp),
                })
            }
        }
    }

    /// Predictions for inputs `(N, 1)`: `(N, 1)`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.module.forward(x)
    }

    /// The parameters.
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    /// What the fused landscape kernel must know to evaluate this model: its layers' activation
    /// (the line has none, so any will do).
    pub fn activation(&self) -> Activation {
        self.activation.unwrap_or_default()
    }

    /// "line" or "mlp 1-16-16-1 tanh".
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of trainable values.
    pub fn parameter_count(&self) -> usize {
        params::sorted_vars(&self.varmap)
            .iter()
            .map(|(_, v)| v.elem_count())
            .sum()
    }
}
