//! Loss functions on candle tensors, one file each, with PyTorch's definitions, defaults and
//! reductions, and the capabilities the rest of slope asks a loss for instead of assuming MSE.
//!
//! Every loss is a [`Loss`]: its value with a [`Reduction`], its name and formula for labels,
//! and optional capabilities — a fused kernel for the line `y = w·x + b` ([`mod@line`]), an exact
//! optimum for the line with its bias pinned, a bound on its curvature (for the stable learning
//! rate). [`AnyLoss`] is the one chosen at run time by its [`LossName`] and [`Params`].
//!
//! A new loss is a file here with a type that implements [`Loss`], plus one line in the
//! `register!` list below.
//!
//! Two differences from PyTorch, both on purpose: shapes must match exactly (PyTorch silently
//! broadcasts an `(n, 1)` prediction against an `(n,)` target into an `(n, n)` loss, a classic
//! bug), and an empty input (or one whose every target is ignored) is an error rather than a NaN.

use candle_core::{Result, Tensor};

mod bce;
mod bce_logits;
mod cross_entropy;
mod elementwise;
mod huber;
mod l1;
pub mod line;
pub mod logistic;
mod mse;
mod smooth_l1;

pub use bce::Bce;
pub use bce_logits::BceWithLogits;
pub use cross_entropy::{CrossEntropy, IGNORE_INDEX};
pub use huber::Huber;
pub use l1::{weighted_median, L1};
pub use line::{line_mse, line_sweep};
pub use logistic::{logistic, Logistic};
pub use mse::Mse;
pub use smooth_l1::SmoothL1;

/// How the per-element losses are combined, as in PyTorch's `reduction=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The mean over all elements (PyTorch's default).
    #[default]
    Mean,
    /// The sum over all elements.
    Sum,
    /// No reduction: the loss of each element, in the input's shape.
    None,
}

/// A parameter some losses take and others do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// Huber's δ: where the square turns into a line (PyTorch's `delta`, default 1).
    Delta,
    /// Smooth L1's β: the width of the square's zone (PyTorch's `beta`, default 1; 0 is L1).
    Beta,
    /// The weight of positive examples in `bce-logits` (PyTorch's `pos_weight`, default none).
    PosWeight,
    /// The share of the target spread over every class in `cross-entropy` (default 0).
    LabelSmoothing,
}

impl Param {
    /// Its name in PyTorch, for messages: `delta`, `beta`, `pos_weight`, `label_smoothing`.
    pub fn name(self) -> &'static str {
        match self {
            Param::Delta => "delta",
            Param::Beta => "beta",
            Param::PosWeight => "pos_weight",
            Param::LabelSmoothing => "label_smoothing",
        }
    }
}

/// The parameters a loss is built from, whichever it is: each takes what it uses
/// ([`LossName::uses`]); `None` is PyTorch's default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Params {
    pub delta: Option<f64>,
    pub beta: Option<f64>,
    pub pos_weight: Option<f64>,
    pub label_smoothing: Option<f64>,
}

/// A parameter out of its range: which, the value, and the range it must be in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{loss}: {} must be {range}, got {value}", param.name())]
pub struct ParamError {
    pub loss: &'static str,
    pub param: Param,
    pub value: f64,
    pub range: &'static str,
}

/// A parameter as labels show it: as typed for ordinary sizes (`1`, `0.25`), in exponent form
/// far from 1 (`1e308`, `1e-50`), never `-0`.
pub(crate) fn short(v: f64) -> String {
    let v = if v == 0.0 { 0.0 } else { v };
    if v != 0.0 && !(1e-4..1e6).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// `value` if it is finite and `ok` holds, else a [`ParamError`] saying `range`.
pub(crate) fn check(
    loss: &'static str,
    param: Param,
    value: f64,
    ok: bool,
    range: &'static str,
) -> std::result::Result<f64, ParamError> {
    if value.is_finite() && ok {
        Ok(value)
    } else {
        Err(ParamError {
            loss,
            param,
            value,
            range,
        })
    }
}

/// A loss function: its value with PyTorch's reductions, what to call it, and what it can do.
pub trait Loss: Sized + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The name a user types, e.g. `huber`.
    const NAME: &'static str;
    /// PyTorch's module of the same loss, e.g. `nn.HuberLoss`.
    const TORCH: &'static str;
    /// What titles and axes call it: `MSE`, `Huber`.
    const TITLE: &'static str;
    /// The parameters it takes.
    const USES: &'static [Param] = &[];
    /// Whether it is a function of the residual `y − ŷ` alone with a fused line kernel
    /// ([`Loss::line_sweep`] and [`Loss::line_loss`] are then one pass over the data on the CPU).
    const FUSED_LINE: bool = false;

    /// The loss with `params` (each `None` at PyTorch's default), checked.
    fn new(params: &Params) -> std::result::Result<Self, ParamError>;

    /// Its parameters as given, for labels: `δ = 1`; empty when it has none.
    fn settings(&self) -> String {
        String::new()
    }

    /// The formula of one element's loss, `d = ŷ − y`: `d²`, `|d|`, ….
    fn formula(&self) -> &'static str;

    /// The loss of `pred` against `target`, reduced as asked, differentiable in `pred` with
    /// PyTorch's gradients.
    fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor>;

    /// The mean loss of each row of a prediction table: `pred` `(K, N)` against one target
    /// `(N,)` gives `(K,)`.
    fn rows(&self, pred: &Tensor, target: &Tensor) -> Result<Tensor> {
        let (k, n) = pred.dims2()?;
        if target.dims() != [n] {
            candle_core::bail!(
                "{}: prediction table {:?} needs a target of shape [{n}], got {:?}",
                Self::NAME,
                pred.dims(),
                target.dims()
            );
        }
        if k == 0 || n == 0 {
            candle_core::bail!(
                "{}: empty input (shape {:?}): there is nothing to average",
                Self::NAME,
                pred.dims()
            );
        }
        let target = target.unsqueeze(0)?.broadcast_as((k, n))?.contiguous()?;
        self.forward(pred, &target, Reduction::None)?.mean(1)
    }

    /// The mean loss of the line `y = w·x + b` at every `(w, b)` of `weights × biases`, a
    /// `(W, B)` tensor, weight-major. Losses with a fused kernel override this; the rest
    /// evaluate the line on every point ([`line::plain::line_sweep`]).
    fn line_sweep(
        &self,
        x: &Tensor,
        y: &Tensor,
        weights: &[f64],
        biases: &[f64],
    ) -> Result<Tensor> {
        line::plain::line_sweep(self, x, y, weights, biases)
    }

    /// The mean loss of the line at `(weight, bias)` (`None`: zero), differentiable in both.
    fn line_loss(
        &self,
        x: &Tensor,
        y: &Tensor,
        weight: &Tensor,
        bias: Option<&Tensor>,
    ) -> Result<Tensor> {
        line::plain::line_loss(self, x, y, weight, bias)
    }

    /// The exact best weight of the line `y = w·x + bias` with the bias pinned, where this loss
    /// has one that is not least squares (MSE's closed forms live with the data's statistics,
    /// in `model`): `None` when it has none.
    fn pinned_optimum(&self, _x: &[f64], _y: &[f64], _bias: f64) -> Option<f64> {
        None
    }

    /// The largest second derivative of one element's loss in the prediction, where it is
    /// bounded (2 for MSE, 1 for Huber): the loss's curvature is at most this over two times
    /// MSE's, which bounds the stable learning rate. `None` where it is not (L1's kink).
    fn curvature(&self) -> Option<f64> {
        None
    }
}

/// Defines [`LossName`] (the names a user picks from) and [`AnyLoss`] (the loss chosen at run
/// time) from one list, so that registering a loss is one line.
macro_rules! register {
    ($($(#[$doc:meta])* $variant:ident => $loss:ty;)*) => {
        /// Which loss to use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum LossName {
            #[default]
            $($(#[$doc])* $variant,)*
        }

        impl LossName {
            /// Every loss, in the order of the list.
            pub const ALL: &'static [LossName] = &[$(LossName::$variant,)*];

            /// The name a user types, e.g. `smooth-l1`.
            pub fn name(self) -> &'static str {
                match self {
                    $(LossName::$variant => <$loss as Loss>::NAME,)*
                }
            }

            /// What titles and axes call it: `MSE`, `Huber`.
            pub fn title(self) -> &'static str {
                match self {
                    $(LossName::$variant => <$loss as Loss>::TITLE,)*
                }
            }

            /// PyTorch's module of the same loss.
            pub fn torch(self) -> &'static str {
                match self {
                    $(LossName::$variant => <$loss as Loss>::TORCH,)*
                }
            }

            /// The parameters it takes.
            pub fn uses(self) -> &'static [Param] {
                match self {
                    $(LossName::$variant => <$loss as Loss>::USES,)*
                }
            }

            /// Whether it has a fused kernel for the line.
            pub fn fused_line(self) -> bool {
                match self {
                    $(LossName::$variant => <$loss as Loss>::FUSED_LINE,)*
                }
            }

            /// The loss of that name, if there is one.
            pub fn parse(name: &str) -> Option<LossName> {
                Self::ALL.iter().copied().find(|l| l.name() == name)
            }

            /// The loss with `params`, checked.
            pub fn with(self, params: &Params) -> std::result::Result<AnyLoss, ParamError> {
                Ok(match self {
                    $(LossName::$variant => AnyLoss::$variant(<$loss as Loss>::new(params)?),)*
                })
            }
        }

        /// A loss chosen at run time, with its parameters.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum AnyLoss {
            $($variant($loss),)*
        }

        impl AnyLoss {
            /// Which loss this is.
            pub fn which(&self) -> LossName {
                match self {
                    $(AnyLoss::$variant(_) => LossName::$variant,)*
                }
            }

            /// Its parameters as given, for labels: `δ = 1`; empty when it has none.
            pub fn settings(&self) -> String {
                match self {
                    $(AnyLoss::$variant(l) => l.settings(),)*
                }
            }

            /// One element's loss, `d = ŷ − y`.
            pub fn formula(&self) -> &'static str {
                match self {
                    $(AnyLoss::$variant(l) => l.formula(),)*
                }
            }

            /// See [`Loss::forward`].
            pub fn forward(&self, pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
                match self {
                    $(AnyLoss::$variant(l) => l.forward(pred, target, reduction),)*
                }
            }

            /// See [`Loss::rows`].
            pub fn rows(&self, pred: &Tensor, target: &Tensor) -> Result<Tensor> {
                match self {
                    $(AnyLoss::$variant(l) => l.rows(pred, target),)*
                }
            }

            /// See [`Loss::line_sweep`].
            pub fn line_sweep(&self, x: &Tensor, y: &Tensor, weights: &[f64], biases: &[f64]) -> Result<Tensor> {
                match self {
                    $(AnyLoss::$variant(l) => l.line_sweep(x, y, weights, biases),)*
                }
            }

            /// See [`Loss::line_loss`].
            pub fn line_loss(&self, x: &Tensor, y: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
                match self {
                    $(AnyLoss::$variant(l) => l.line_loss(x, y, weight, bias),)*
                }
            }

            /// See [`Loss::pinned_optimum`].
            pub fn pinned_optimum(&self, x: &[f64], y: &[f64], bias: f64) -> Option<f64> {
                match self {
                    $(AnyLoss::$variant(l) => l.pinned_optimum(x, y, bias),)*
                }
            }

            /// See [`Loss::curvature`].
            pub fn curvature(&self) -> Option<f64> {
                match self {
                    $(AnyLoss::$variant(l) => l.curvature(),)*
                }
            }
        }
    };
}

register! {
    /// Mean squared error, `(ŷ − y)²` (nn.MSELoss).
    Mse => Mse;
    /// Mean absolute error, `|ŷ − y|` (nn.L1Loss).
    L1 => L1;
    /// Squared near zero, absolute beyond δ (nn.HuberLoss).
    Huber => Huber;
    /// Huber divided by β (nn.SmoothL1Loss).
    SmoothL1 => SmoothL1;
    /// Binary cross-entropy on probabilities (nn.BCELoss).
    Bce => Bce;
    /// Binary cross-entropy on logits, numerically stable (nn.BCEWithLogitsLoss).
    BceLogits => BceWithLogits;
    /// Softmax cross-entropy on class logits with class-index targets (nn.CrossEntropyLoss).
    CrossEntropy => CrossEntropy;
}

impl Default for AnyLoss {
    fn default() -> Self {
        AnyLoss::Mse(Mse)
    }
}

impl AnyLoss {
    /// The name a user types.
    pub fn name(&self) -> &'static str {
        self.which().name()
    }

    /// For titles, axes and headings: `MSE`, `Huber (δ = 1)`.
    pub fn label(&self) -> String {
        match self.settings() {
            s if s.is_empty() => self.which().title().to_string(),
            s => format!("{} ({s})", self.which().title()),
        }
    }
}

/// A loss as data says it: `{"name": "huber", "label": "Huber (δ = 1)", "torch":
/// "nn.HuberLoss"}`, its parameters in the label.
impl serde::Serialize for AnyLoss {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Loss", 3)?;
        s.serialize_field("name", self.name())?;
        s.serialize_field("label", &self.label())?;
        s.serialize_field("torch", self.which().torch())?;
        s.end()
    }
}

/// `(ŷ − y)²`, reduced as asked: [`Mse`]'s value, the lesson's loss.
pub fn mse(pred: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    Mse.forward(pred, target, reduction)
}

/// The mean squared error of each row of a prediction table ([`Loss::rows`] of [`Mse`]).
pub fn mse_rows(pred: &Tensor, target: &Tensor) -> Result<Tensor> {
    Mse.rows(pred, target)
}
