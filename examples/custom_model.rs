//! Bring your own model: a network defined here, not in the library (two inputs, eight tanh
//! units), trained with the project's loop and AdamW on data made here, and its loss landscape
//! drawn around the trained parameters on a random (filter-normalised) plane and on the plane
//! of the path's principal components, with the path on each.
//!
//!     cargo run --release --example custom_model [DIR]   # writes custom_random.png, custom_pca.png

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{linear, Linear, VarBuilder, VarMap};
use explore::landscape::{train_recorded, Config, Directions, LossPlane};
use explore::optim::{Kind, Settings};

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

fn main() -> anyhow::Result<()> {
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

    // Any model whose parameters live in a VarMap (candle's default initialisation).
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F64, &device);
    let net = Net {
        hidden: linear(2, 8, vb.pp("hidden"))?,
        out: linear(8, 1, vb.pp("out"))?,
    };
    let loss = |_: &VarMap| loss::mse(&net.forward(&x)?, &z, loss::Reduction::Mean);

    // The project's loop with any optimizer, the parameters recorded 100 times.
    let run = train_recorded(&varmap, &loss, Settings::new(Kind::Adamw, 0.02), 600, 100)?;

    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    for directions in [Directions::Random, Directions::Pca] {
        let config = Config {
            directions: Some(directions),
            ..Config::default()
        };
        let mut plane = LossPlane::around(&varmap, &loss, &run, &config, &|_, _| {})?;
        (plane.model, plane.source) = ("2-8-1 tanh net".into(), "sin(x₁)·cos(x₂)".into());
        let path = dir.join(format!("custom_{}.png", directions.name()));
        let path = path.display().to_string();
        explore::plot::save(&plane.figure(), &path.parse().map_err(anyhow::Error::msg)?)?;
        let (first, last) = (
            plane.path_losses[0],
            plane.path_losses[plane.path_losses.len() - 1],
        );
        println!(
            "{path}: {} plane, loss {first:.4} → {last:.4}",
            directions.name()
        );
    }
    Ok(())
}
