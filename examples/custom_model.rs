//! Bring your own model: a network defined here, not in the library (two inputs, eight tanh
//! units), trained with the project's loop and AdamW on data made here, and its loss landscape
//! drawn around the trained parameters on a random (filter-normalised) plane and on the plane
//! of the path's principal components, with the path on each. The same seed gives the same
//! numbers and pictures on every run.
//!
//!     cargo run --release --example custom_model [-- DIR --seed 1]   # writes DIR/custom_random.png, DIR/custom_pca.png

use std::io::Write;
use std::path::PathBuf;

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{linear, Linear, VarBuilder, VarMap};
use clap::Parser;
use explore::io::Stdout;
use explore::landscape::{train_recorded, Config, Directions, LossPlane};
use explore::optim::{Algorithm, Settings};
use explore::plot::PlotPath;

#[derive(Parser)]
#[command(
    about = "Bring your own model: a 2-8-1 tanh network defined in the example, trained with \
             AdamW, and its loss landscape on a random plane and on the path's PCA plane"
)]
struct Args {
    /// The folder to write custom_random.png and custom_pca.png in.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Seed of the network's start and of the random plane: the same seed, the same run.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = explore::cli::whole(0, u64::MAX))]
    seed: u64,
}

/// `z = tanh(x·W1ᵀ + b1)·W2ᵀ + b2`, x of two coordinates.
struct Net {
    hidden: Linear,
    out: Linear,
}

impl Module for Net {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.out.forward(&self.hidden.forward(x)?.tanh()?)
    }
}

fn main() -> std::process::ExitCode {
    explore::cli::run(run)
}

fn run(args: Args) -> anyhow::Result<()> {
    // The outputs, checked before any work.
    let outputs: Vec<(Directions, PlotPath)> = [Directions::Random, Directions::Pca]
        .into_iter()
        .map(|d| {
            let path = args.dir.join(format!("custom_{}.png", d.name()));
            let plot: PlotPath = path
                .display()
                .to_string()
                .parse()
                .map_err(anyhow::Error::msg)?;
            explore::io::check_writable(plot.as_path())?;
            Ok((d, plot))
        })
        .collect::<anyhow::Result<_>>()?;
    let device = Device::Cpu;
    // z = sin(x₁)·cos(x₂) on a 20 × 20 grid of [-2, 2]².
    let grid: Vec<f64> = (0..20).map(|i| -2.0 + 4.0 * i as f64 / 19.0).collect();
    let points: Vec<f64> = grid
        .iter()
        .flat_map(|&a| grid.iter().flat_map(move |&b| [a, b]))
        .collect();
    let z: Vec<f64> = points.chunks(2).map(|p| p[0].sin() * p[1].cos()).collect();
    let x = Tensor::from_vec(points, (400, 2), &device)?;
    let z = Tensor::new(z, &device)?.unsqueeze(1)?;

    // Any model whose parameters live in a VarMap.
    let mut varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F64, &device);
    let net = Net {
        hidden: linear(2, 8, vb.pp("layer0"))?,
        out: linear(8, 1, vb.pp("layer1"))?,
    };
    // candle drew that start from its CPU generator, which cannot be seeded, so every run would
    // differ. It is drawn again from a seeded one: the project's 2-8-1 tanh network draws these
    // very parameters (named layer0.* and layer1.*) from --seed, by ChaCha8 from PyTorch's
    // U(−1/√fan_in, 1/√fan_in). A model of other shapes: draw each tensor so, and `set` them.
    let start = model::Mlp::new(
        &[2, 8, 1],
        model::Activation::Tanh,
        args.seed,
        DType::F64,
        &device,
    )?;
    let drawn: Vec<(String, Tensor)> = start
        .varmap()
        .data()
        .lock()
        .map_err(|_| anyhow::anyhow!("the VarMap's lock is poisoned"))?
        .iter()
        .map(|(name, var)| (name.clone(), var.as_tensor().clone()))
        .collect();
    varmap.set(drawn.iter().map(|(name, t)| (name, t)))?;
    let loss = |_: &VarMap| loss::mse(&net.forward(&x)?, &z, loss::Reduction::Mean);

    // The project's loop with any optimizer, the parameters recorded 100 times.
    let run = train_recorded(
        &varmap,
        &loss,
        Settings::new(Algorithm::Adamw, 0.02),
        600,
        100,
    )?;

    // Stdout: a reader that stops early (`| head`) is no error.
    let mut out = Stdout::new();
    for (directions, plot) in outputs {
        let config = Config {
            directions: Some(directions),
            seed: args.seed,
            ..Config::default()
        };
        let mut plane = LossPlane::around(&varmap, &loss, &run, &config, &|_, _| {})?;
        (plane.model, plane.source) = ("2-8-1 tanh net".into(), "sin(x₁)·cos(x₂)".into());
        explore::plot::save(&plane.figure(), &plot)?;
        let (first, last) = (
            plane.path_losses[0],
            plane.path_losses[plane.path_losses.len() - 1],
        );
        writeln!(
            out,
            "{}: {} plane, loss {first:.4} → {last:.4}",
            plot.as_path().display(),
            directions.name()
        )?;
        out.flush()?;
    }
    Ok(())
}
