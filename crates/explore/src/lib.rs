//! The library behind the `explore` command, one module per idea:
//!
//! | question | module |
//! |---|---|
//! | where do the points come from? | [`data`] (files, `--point`, [`data::gen`]) |
//! | which weights are tried? | [`grid`] |
//! | what is the loss over a table or a grid? | [`sweep`] |
//! | how is a model trained? | [`train`] (one loop) with an optimizer from [`optim`] |
//! | what does the loss look like around a trained network? | [`landscape`] |
//! | how are results printed and drawn? | [`report`], [`plot`] (one file per figure) |
//! | files, devices, progress | [`io`], [`device`], [`progress`] |
//!
//! The model and the loss themselves live in the `model` and `loss` crates. Nothing here knows
//! the command line except [`cli`], behind the default `cli` feature; the binary
//! (`src/bin/explore`) parses the flags and calls these functions.

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
pub mod sweep;
pub mod thin;
pub mod train;

use std::path::PathBuf;

/// Everything that can go wrong in `explore`, each message one line that says what and where.
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
    /// Bad data: a file or a `--point`. `at` is `FILE:LINE:COLUMN` or the flag.
    #[error("{at}: {msg}")]
    Data { at: String, msg: String },
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
        matches!(self, Error::Usage(_) | Error::MomentsNeedMse(_))
    }
}

/// The result of every fallible function here.
pub type Result<T> = std::result::Result<T, Error>;
