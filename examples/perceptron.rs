//! The perceptron lesson: two blobs of points and a line between them. Logistic regression is a
//! linear layer `z = w·x + b` read as the log-odds of class 1, trained under binary
//! cross-entropy on the logits (PyTorch's `BCEWithLogitsLoss`) by gradient descent with
//! candle's autograd. The boundary it learns is where `z = 0`: the line `w1·x1 + w2·x2 + b = 0`.
//!
//! ```text
//! cargo run --release --example perceptron [-- --lr 0.5 --epochs 100 --seed 1 --plot perceptron.png]
//! ```

use anyhow::Result;
use candle_core::{DType, Device, Tensor};
use clap::Parser;
use explore::data::gen::{classes, ClassSpec, Classes};
use explore::number::human;
use explore::optim::{Optim, Optimizer, Sgd};
use explore::plot::{self, ClassFigure, LossHistory, PlotPath, Series};
use explore::train::ClassMap;
use loss::{BceWithLogits, Loss, Reduction};
use model::Linear;

#[derive(Parser)]
#[command(about = "Logistic regression on two blobs: the perceptron lesson")]
struct Args {
    /// Learning rate of plain gradient descent.
    #[arg(long, default_value_t = 0.5, value_parser = explore::cli::positive)]
    lr: f64,
    /// Number of steps, full batch.
    #[arg(long, default_value_t = 100, value_parser = explore::cli::whole(0, 1_000_000))]
    epochs: u64,
    /// Seed of the blobs (explore gen --kind blobs --classes 2 --n 200 --seed S).
    #[arg(long, default_value_t = 1, value_parser = explore::cli::whole(0, u64::MAX))]
    seed: u64,
    /// Where to draw the points, the boundary, the loss and the accuracy (.png or .svg).
    #[arg(long, default_value = "perceptron.png")]
    plot: PlotPath,
}

fn main() -> std::process::ExitCode {
    explore::cli::run(run)
}

fn run(args: Args) -> Result<()> {
    // Two blobs: `x` (200, 2), the class of each point as 0 or 1 in `y` (200, 1).
    let spec = ClassSpec {
        n: 200,
        seed: args.seed,
        noise: 1.0,
        classes: 2,
        factor: 0.8,
    };
    let rows = classes::points(Classes::Blobs, &spec);
    let device = Device::Cpu;
    let flat: Vec<f32> = rows
        .iter()
        .flat_map(|r| [r[0] as f32, r[1] as f32])
        .collect();
    let x = Tensor::from_vec(flat, (rows.len(), 2), &device)?;
    let labels: Vec<f32> = rows.iter().map(|r| r[2] as f32).collect();
    let y = Tensor::from_vec(labels.clone(), (rows.len(), 1), &device)?;

    // The model, the loss and the optimizer: everything starts at zero.
    let model = Linear::from_tensors(
        Tensor::zeros((1, 2), DType::F32, &device)?,
        Some(Tensor::zeros(1, DType::F32, &device)?),
    )?;
    let bce = BceWithLogits::default();
    let mut sgd = Optim::<Sgd>::with_lr(model.parameters(), args.lr)?;

    let epochs = args.epochs as usize;
    let (mut losses, mut accuracy) = (Vec::new(), Vec::new());
    println!("  epoch          loss  accuracy");
    for epoch in 0..=epochs {
        let logits = model.forward(&x)?; // z = w·x + b
        let loss = bce.forward(&logits, &y, Reduction::Mean)?; // −mean(y·log σ(z) + (1 − y)·log(1 − σ(z)))
        let grads = loss.backward()?; // ∂loss/∂w, ∂loss/∂b, by candle's autograd
        let z: Vec<f32> = logits.flatten_all()?.to_vec1()?;
        let right = z
            .iter()
            .zip(&labels)
            .filter(|(z, l)| (**z >= 0.0) == (**l == 1.0))
            .count();
        let (loss, acc) = (model::scalar(&loss)?, right as f64 / labels.len() as f64);
        if epoch % 10 == 0 || epoch == epochs {
            println!("{epoch:>7}  {:>12}  {:>8}", human(loss), human(acc));
        }
        losses.push((epoch as f64, loss));
        accuracy.push((epoch as f64, acc));
        if epoch < epochs {
            sgd.step(&grads)?; // w ← w − lr·∂loss/∂w
        }
    }

    // The boundary: σ(z) = ½ where z = 0, the line w1·x1 + w2·x2 + b = 0.
    let w: Vec<f32> = model.weight().flatten_all()?.to_vec1()?;
    let b = model
        .bias()
        .map_or(Ok(0.0), |b| model::scalar(b.as_tensor()))?;
    let (w1, w2) = (f64::from(w[0]), f64::from(w[1]));
    let signed = |v: f64| match v < 0.0 {
        true => format!("− {}", human(-v)),
        false => format!("+ {}", human(v)),
    };
    println!(
        "\nboundary: {}·x1 {}·x2 {} = 0, that is x2 = {}·x1 {}",
        human(w1),
        signed(w2),
        signed(b),
        human(-w1 / w2),
        signed(-b / w2)
    );

    let figure = ClassFigure {
        title: "logistic regression on two blobs".into(),
        points: rows.iter().map(|r| (r[0], r[1], r[2] as usize)).collect(),
        classes: vec!["0".into(), "1".into()],
        features: ("x1".into(), "x2".into()),
        map: Some(ClassMap::over(&x, 1, false, &|p| model.forward(p))?),
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
