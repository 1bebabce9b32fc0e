//! The deep-network lesson: one circle of points inside another, which no line can tell apart.
//! A small network, two hidden layers of 16 tanh units and one logit out, trained under binary
//! cross-entropy on the logits with Adam, bends its boundary around the inner circle.
//!
//! ```text
//! cargo run --release --example deep_network [-- --lr 0.05 --epochs 300 --seed 1 --plot deep_network.png]
//! ```

use anyhow::Result;
use candle_core::{Device, Module, Tensor};
use clap::Parser;
use explore::data::gen::{classes, ClassSpec, Classes};
use explore::number::human;
use explore::optim::{Adam, Algorithm, Optim, Optimizer, Settings};
use explore::plot::{self, ClassFigure, LossHistory, PlotPath, Series};
use explore::train::ClassMap;
use loss::{BceWithLogits, Loss, Reduction};
use model::{Activation, Mlp};

#[derive(Parser)]
#[command(about = "A small network's curved boundary between two circles: the deep-network lesson")]
struct Args {
    /// Adam's learning rate.
    #[arg(long, default_value_t = 0.05, value_parser = explore::cli::positive)]
    lr: f64,
    /// Number of steps, full batch.
    #[arg(long, default_value_t = 300, value_parser = explore::cli::whole(0, 1_000_000))]
    epochs: u64,
    /// Seed of the network's start (PyTorch's nn.Linear initialisation, drawn by ChaCha8).
    #[arg(long, default_value_t = 1, value_parser = explore::cli::whole(0, u64::MAX))]
    seed: u64,
    /// Where to draw the points, the boundary, the loss and the accuracy (.png or .svg).
    #[arg(long, default_value = "deep_network.png")]
    plot: PlotPath,
}

fn main() -> std::process::ExitCode {
    explore::cli::run(run)
}

fn run(args: Args) -> Result<()> {
    // Two circles, radii 1 and 0.5, with a little noise: the inner one is class 1.
    let spec = ClassSpec {
        n: 200,
        seed: 1,
        noise: 0.05,
        classes: 2,
        factor: 0.5,
    };
    let rows = classes::points(Classes::Circles, &spec);
    let device = Device::Cpu;
    let flat: Vec<f32> = rows
        .iter()
        .flat_map(|r| [r[0] as f32, r[1] as f32])
        .collect();
    let x = Tensor::from_vec(flat, (rows.len(), 2), &device)?;
    let labels: Vec<f32> = rows.iter().map(|r| r[2] as f32).collect();
    let y = Tensor::from_vec(labels.clone(), (rows.len(), 1), &device)?;

    // The network 2-16-16-1, the loss and the optimizer.
    let net = Mlp::new(
        &[2, 16, 16, 1],
        Activation::Tanh,
        args.seed,
        candle_core::DType::F32,
        &device,
    )?;
    let bce = BceWithLogits::default();
    let settings = Settings::new(Algorithm::Adam, args.lr);
    let mut adam = Optim::<Adam>::new(net.varmap().all_vars(), settings)?;

    let epochs = args.epochs as usize;
    let (mut losses, mut accuracy) = (Vec::new(), Vec::new());
    println!("  epoch          loss  accuracy");
    for epoch in 0..=epochs {
        let logits = net.forward(&x)?;
        let loss = bce.forward(&logits, &y, Reduction::Mean)?;
        let grads = loss.backward()?;
        let z: Vec<f32> = logits.flatten_all()?.to_vec1()?;
        let right = z
            .iter()
            .zip(&labels)
            .filter(|(z, l)| (**z >= 0.0) == (**l == 1.0))
            .count();
        let (loss, acc) = (model::scalar(&loss)?, right as f64 / labels.len() as f64);
        if epoch % 50 == 0 || epoch == epochs {
            println!("{epoch:>7}  {:>12}  {:>8}", human(loss), human(acc));
        }
        losses.push((epoch as f64, loss));
        accuracy.push((epoch as f64, acc));
        if epoch < epochs {
            adam.step(&grads)?;
        }
    }

    let figure = ClassFigure {
        title: format!("{} on two circles", net.describe()),
        points: rows.iter().map(|r| (r[0], r[1], r[2] as usize)).collect(),
        classes: vec!["0".into(), "1".into()],
        features: ("x1".into(), "x2".into()),
        map: Some(ClassMap::over(&x, 1, false, &|p| net.forward(p))?),
        loss: LossHistory {
            title: "loss per epoch".into(),
            loss: "BCE with logits".into(),
            series: vec![Series {
                label: "training loss".into(),
                losses,
            }],
            optimum_loss: None,
            extent: None,
            ..Default::default()
        },
        accuracy,
        val_accuracy: Vec::new(),
        epochs: None,
        heading: None,
    };
    plot::save(&figure, &args.plot)?;
    println!("wrote plot: {}", args.plot.as_path().display());
    Ok(())
}
