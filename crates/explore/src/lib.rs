//! The library behind the `explore` command, one module per idea:
//!
//! | question | module |
//! |---|---|
//! | where do the points come from? | [`data`] (files, given points, [`data::gen`]) |
//! | which weights are tried? | [`grid`] |
//! | what is the loss over a table or a grid? | [`sweep`], with [`objective`] for its optimum |
//! | how is a model trained? | [`train`] (one loop) with an optimizer from [`optim`] |
//! | what does the loss look like around a trained network? | [`landscape`] |
//! | which loss fits best, with outliers? | [`compare`] |
//! | how are results printed and drawn? | [`report`], [`plot`] (one file per figure) |
//! | how does a page retrain as its controls move? | `serve` (the playground), over [`train`] |
//! | numbers as text, long runs kept short, files, devices | [`number`], [`thin`], [`io`], [`device`], [`progress`] |
//!
//! Computation returns plain data and knows nothing of presentation: `sweep`, `train`,
//! `landscape` and the rest import neither `report` nor `plot`; those two render the results
//! (each result's report is in `report/`, each figure's in its file in `plot/`). The model and
//! the loss themselves live in the `model` and `loss` crates. Nothing here knows the command
//! line except [`cli`], behind the default `cli` feature: errors carry a [`Remedy`] that the
//! library says in words and the binary (`src/bin/explore`) as flags.

#[cfg(feature = "cli")]
pub mod cli;
pub mod compare;
pub mod data;
pub mod device;
pub mod grid;
pub mod io;
pub mod landscape;
pub mod number;
pub mod objective;
pub mod optim;
pub mod plot;
pub mod progress;
pub mod report;
pub mod schedule;
#[cfg(feature = "serve")]
pub mod serve;
pub mod slice;
pub mod sweep;
pub mod thin;
pub mod train;

use std::path::PathBuf;

/// Everything that can go wrong in `explore`, each message one line that says what and where.
/// No message here names a flag: where a setting would mend an error, the error carries a
/// [`Remedy`], said in words by `Display` and as flags by the command line ([`Error::explain`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Settings that cannot work together, found only once the data is known (a grid too large
    /// for the default of the other axis, say). The command line reports it as a usage error.
    #[error("{0}")]
    Usage(String),
    /// The sufficient statistics asked for under a loss other than MSE (named): they give
    /// MSE's loss only.
    #[error("the moments method gives MSE's loss only, not {0}'s; it is evaluated directly")]
    MomentsNeedMse(&'static str),
    /// A grid of more than [`grid::MAX_COUNT`] points.
    #[error(
        "{weights} weights × {biases} biases = {} grid points is too many: at most {}",
        weights.saturating_mul(*biases),
        grid::MAX_COUNT
    )]
    GridTooLarge { weights: usize, biases: usize },
    /// Bad data: a file or a given point. `at` is `FILE:LINE:COLUMN`, or the point.
    #[error("{at}: {msg}")]
    Data { at: String, msg: String },
    /// A column (or an array) that the data does not have; `has` lists those it has.
    #[error("{at}: no `{name}` {what} ({})", match has.len() {
        0 => format!("it has no {what}s"),
        _ => format!("it has: {}", has.join(", ")),
    })]
    NoColumn {
        at: String,
        name: String,
        /// "column" or "array".
        what: &'static str,
        has: Vec<String>,
    },
    /// A training run that diverged.
    #[error("{0}")]
    Diverged(Box<train::Divergence>),
    /// An error and the setting that would mend it.
    #[error("{error}; {remedy}")]
    Mend { error: Box<Error>, remedy: Remedy },
    /// A file that could not be written. `reason` is not a `source`, so that a chain of causes
    /// printed on one line does not repeat it.
    #[error("cannot write {}: {reason}", path.display())]
    Write {
        path: PathBuf,
        reason: std::io::Error,
    },
    /// A device that was asked for and is not there.
    #[error("{0}")]
    Device(String),
    #[error("plot: {0}")]
    Plot(String),
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

impl Error {
    /// Whether the settings are at fault rather than the data or the machine: the command line
    /// exits 2.
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Usage(_) | Error::MomentsNeedMse(_) | Error::GridTooLarge { .. } => true,
            Error::Mend { error, .. } => error.is_usage(),
            _ => false,
        }
    }

    /// This error with what would mend it.
    pub fn mend(self, remedy: Remedy) -> Error {
        Error::Mend {
            error: Box::new(self),
            remedy,
        }
    }

    /// The message with each remedy said by `say`: [`Remedy`]'s words by default (`Display`),
    /// flags on the command line.
    pub fn explain(&self, say: &dyn Fn(Remedy) -> String) -> String {
        match self {
            Error::Mend { error, remedy } => {
                format!("{}; {}", error.explain(say), say(*remedy))
            }
            Error::Diverged(d) => d.explain(say),
            other => other.to_string(),
        }
    }
}

/// A setting that would mend an error, named by what it does: the library says it in words
/// (`Display`), the command line as its flags, a page as its controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Rescale x, or standardize it.
    RescaleOrStandardize,
    /// Compute in f64.
    F64,
    /// A smaller learning rate, or larger batches.
    SmallerStepsOrLargerBatches,
    /// A smaller learning rate for a race's lane, or larger batches.
    LaneRateOrLargerBatches,
    /// Name the columns (or the arrays) that hold x and y.
    NameColumns,
    /// The model, hidden sizes and activation the parameters were saved with.
    SavedModel,
    /// Random or PCA directions (for a model without exactly two parameters).
    RandomOrPca,
    /// The line's axes or PCA, or random directions that keep its bias.
    AxesOrPcaOrKeep1d,
    /// PCA directions, or random ones that keep the 1-D parameters.
    PcaOrKeep1d,
    /// Two epochs or more.
    TwoEpochs,
    /// Smaller hidden layers.
    SmallerHidden,
    /// Fewer weights or biases.
    SmallerGrid,
    /// A classifier, for labels that are not numbers.
    Classify,
}

impl std::fmt::Display for Remedy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Remedy::RescaleOrStandardize => {
                "rescale x (divide it by a power of ten), or standardize it"
            }
            Remedy::F64 => "compute in f64",
            Remedy::SmallerStepsOrLargerBatches => "use a smaller learning rate or larger batches",
            Remedy::LaneRateOrLargerBatches => {
                "give it a smaller learning rate, or use larger batches"
            }
            Remedy::NameColumns => "name the columns that hold x and y",
            Remedy::SavedModel => "build the model, hidden sizes and activation it was saved with",
            Remedy::RandomOrPca => "use random or PCA directions",
            Remedy::AxesOrPcaOrKeep1d => {
                "use the line's axes (its default) or PCA directions, or random ones that keep \
                 the bias"
            }
            Remedy::PcaOrKeep1d => "try PCA directions, or random ones that keep the biases",
            Remedy::TwoEpochs => "train for 2 epochs or more",
            Remedy::SmallerHidden => "use smaller hidden layers",
            Remedy::SmallerGrid => "use fewer weights or biases",
            Remedy::Classify => "to tell classes apart, train a classifier",
        })
    }
}

/// Serializes each type as its `name()`: the choices a user types (`adam`, `pca`) are data as
/// they are typed.
macro_rules! serialize_by_name {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                serializer: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }
    )*};
}

serialize_by_name!(
    sweep::Method,
    optim::Algorithm,
    landscape::Directions,
    landscape::Normalization
);

/// An exact optimum as data: the line `{weight, bias, loss}`, or the text of why there is none.
pub(crate) fn optimum_or_why<S: serde::Serializer>(
    optimum: &std::result::Result<model::Optimum, String>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize;
    match optimum {
        Ok(o) => o.serialize(serializer),
        Err(why) => serializer.serialize_str(why),
    }
}

/// A dtype as data: `"f32"`, `"f64"`.
pub(crate) fn dtype_name<S: serde::Serializer>(
    dtype: &candle_core::DType,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(dtype.as_str())
}

/// The result of every fallible function here.
pub type Result<T> = std::result::Result<T, Error>;
