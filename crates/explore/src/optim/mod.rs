//! Optimizers, one file each, every one a `candle_nn::Optimizer` that the training loop
//! ([`crate::train::train`]) or any candle code can drive. [`AnyOptimizer`] is the one chosen at
//! run time by its [`Kind`] (`--optimizer`).
//!
//! A new optimizer is a file here with a type that implements `candle_nn::Optimizer` and
//! [`FromSettings`], plus one line in the `register!` list below.

mod adam;
mod sgd;

pub use adam::{Adam, ParamsAdam};
pub use candle_nn::optim::Optimizer;
pub use sgd::Sgd;

use candle_core::backprop::GradStore;
use candle_core::{Result, Var};

/// The settings an optimizer is built from, whichever it is: each takes what it uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub kind: Kind,
    /// The learning rate.
    pub lr: f64,
}

/// How an optimizer takes its configuration from the common [`Settings`].
pub trait FromSettings: Optimizer {
    fn config(settings: &Settings) -> Self::Config;
}

/// Defines [`Kind`] (the names a user picks from) and [`AnyOptimizer`] (the optimizer chosen at
/// run time) from one list, so that registering an optimizer is one line.
macro_rules! register {
    ($($(#[$doc:meta])* $variant:ident => $optimizer:ty, $name:literal;)*) => {
        /// Which optimizer to train with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
        pub enum Kind {
            $($(#[$doc])* $variant,)*
        }

        impl Kind {
            /// The name a user types, e.g. `adam`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$variant => $name,)*
                }
            }
        }

        /// Any of the optimizers, chosen by [`Settings::kind`].
        #[derive(Debug)]
        pub enum AnyOptimizer {
            $($variant($optimizer),)*
        }

        impl Optimizer for AnyOptimizer {
            type Config = Settings;

            fn new(vars: Vec<Var>, settings: Settings) -> Result<Self> {
                Ok(match settings.kind {
                    $(Kind::$variant => Self::$variant(<$optimizer>::new(
                        vars,
                        <$optimizer as FromSettings>::config(&settings),
                    )?),)*
                })
            }

            fn step(&mut self, grads: &GradStore) -> Result<()> {
                match self {
                    $(Self::$variant(o) => o.step(grads),)*
                }
            }

            fn learning_rate(&self) -> f64 {
                match self {
                    $(Self::$variant(o) => o.learning_rate(),)*
                }
            }

            fn set_learning_rate(&mut self, lr: f64) {
                match self {
                    $(Self::$variant(o) => o.set_learning_rate(lr),)*
                }
            }
        }
    };
}

register! {
    /// Plain gradient descent: θ ← θ − lr·∇L.
    #[default]
    Sgd => Sgd, "sgd";
    /// Adam (Kingma & Ba), PyTorch's defaults: betas (0.9, 0.999), eps 1e-8.
    Adam => Adam, "adam";
}
