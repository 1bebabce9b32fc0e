//! The library behind the `explore` command: data input, weight tables, loss sweeps and surfaces,
//! reports and plots. The binary in `main.rs` is thin glue over these functions, and the examples
//! use them too.

pub mod cli;
pub mod contour;
pub mod data;
pub mod device;
pub mod gen;
pub mod landscape;
pub mod output;
pub mod plot;
pub mod progress;
pub mod report;
pub mod spec;
pub mod sweep;
pub mod train;

use std::path::PathBuf;

/// Everything that can go wrong in `explore`, each message one line that says what and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad data: a CSV file or a `--point`. `at` is `FILE:LINE:COLUMN` or the flag.
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

pub type Result<T> = std::result::Result<T, Error>;
