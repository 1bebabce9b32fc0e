//! `explore`: the loss of a line `y = A·x + b` over a table of weights, over an (A, b) grid, and
//! gradient descent on it, with tables, CSV, JSON and plots. This file parses the command line
//! and dispatches; each command is a file beside it, and the work is in the `explore` library.

mod classify;
mod common;
mod compare;
mod gen;
mod landscape;
mod race;
mod serve;
mod surface;
mod sweep;
mod train;

use clap::{Parser, Subcommand};

// glibc's allocator hands each freed tensor of a few hundred kilobytes back to the system and
// faults the next one in page by page: an MLP epoch on 10,000 points spent two thirds of its
// time in the kernel. mimalloc keeps them for reuse.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "explore",
    version,
    about = "Loss landscapes and gradient descent for a line y = A·x + b",
    long_about = "Loss landscapes and gradient descent for a line y = A·x + b.\n\n\
                  With no subcommand, runs the lesson: `explore sweep --point -3,3`, the loss \
                  (3 + 3A)² of one point with the bias pinned at 0, smallest at A = -1."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Loss over a table of weights A, with the bias fixed.
    Sweep(sweep::Args),
    /// Loss over a grid of weights A × biases b: a heat map with contours.
    Surface(surface::Args),
    /// Train the line by gradient descent with candle's autograd, with any optimizer.
    Train(train::Args),
    /// Race optimizers from the same start: all paths on one landscape, one table.
    Race(race::Args),
    /// Fit the same data under several losses, side by side: the outlier lesson.
    Compare(compare::Args),
    /// Train a small model and draw its loss landscape on a plane with the training path.
    Landscape(landscape::Args),
    /// Write a data set: a noisy line (or a sine wave with --kind sine).
    Gen(gen::Args),
    /// The playground: a page in the browser that retrains and redraws as its controls move.
    Serve(serve::Args),
}

fn main() -> std::process::ExitCode {
    explore::cli::run(|cli: Cli| match cli.command {
        None => sweep::run(sweep::Args::lesson()),
        Some(Command::Sweep(args)) => sweep::run(args),
        Some(Command::Surface(args)) => surface::run(args),
        Some(Command::Train(args)) => train::run(args),
        Some(Command::Race(args)) => race::run(args),
        Some(Command::Compare(args)) => compare::run(args),
        Some(Command::Landscape(args)) => landscape::run(args),
        Some(Command::Gen(args)) => gen::run(args),
        Some(Command::Serve(args)) => serve::run(args),
    })
}
