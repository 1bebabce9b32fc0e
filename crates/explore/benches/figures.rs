//! The performance figures of the project, each beside the plain-candle way of doing the same
//! work, so ratios are read off one run. `scripts/bench.sh` runs this and prints the table.
//!
//! Group names carry the rayon thread count (`RAYON_NUM_THREADS`), so single-thread runs are
//! recorded beside multi-thread ones.

use candle_core::{DType, Device, Tensor};
use candle_nn::optim::{Optimizer, SGD};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use explore::data::gen::{line, LineSpec};
use explore::optim::{Algorithm, Settings};
use loss::line::plain;
use loss::{line_mse, line_sweep, mse, LossName, Mse, Params, Reduction};
use model::{Bias, Linear, Moments};

// The allocator `explore` runs with (see its main.rs), so the whole loops here are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn threads() -> usize {
    rayon::current_num_threads()
}

fn data(n: usize) -> (Vec<f64>, Vec<f64>) {
    let d = line(&LineSpec {
        n,
        seed: 1,
        slope: 1.0,
        intercept: 0.0,
        noise: 3.0,
        x_scale: 10.0,
        x_mean: 0.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    });
    d.values().unwrap()
}

fn tensors(x: &[f64], y: &[f64]) -> (Tensor, Tensor) {
    let t = |v: &[f64]| {
        Tensor::new(v, &Device::Cpu)
            .unwrap()
            .to_dtype(DType::F32)
            .unwrap()
    };
    (t(x), t(y))
}

/// Direct sweep, N = 1,000,000 points: fused over 1,000 weights under MSE, L1 and Huber (each
/// loss's own kernel), plain MSE over 20 (it is ~100× slower); throughput is point-weight
/// evaluations per second.
fn sweep(c: &mut Criterion) {
    let n = 1_000_000;
    let (xs, ys) = data(n);
    let (x, y) = tensors(&xs, &ys);
    let mut g = c.benchmark_group(format!("sweep_1e6/threads={}", threads()));
    g.sample_size(10);
    for (name, k) in [("fused", 1000usize), ("plain", 20)] {
        let weights: Vec<f64> = (0..k).map(|i| -1.0 + 3.0 * i as f64 / k as f64).collect();
        g.throughput(Throughput::Elements((n * k) as u64));
        g.bench_function(BenchmarkId::new(name, k), |b| {
            b.iter(|| match name {
                "fused" => line_sweep(&x, &y, &weights, &[0.0]).unwrap(),
                _ => plain::line_sweep(&Mse, &x, &y, &weights, &[0.0]).unwrap(),
            })
        });
    }
    let k = 1000;
    let weights: Vec<f64> = (0..k).map(|i| -1.0 + 3.0 * i as f64 / k as f64).collect();
    for name in [LossName::L1, LossName::Huber] {
        let loss = name.with(&Params::default()).unwrap();
        g.bench_function(BenchmarkId::new(format!("fused_{}", name.name()), k), |b| {
            b.iter(|| loss.line_sweep(&x, &y, &weights, &[0.0]).unwrap())
        });
    }
    g.finish();
}

/// Surface 501 × 501 over N = 1,000,000 by moments: one pass for the statistics, then a
/// closed formula per grid point.
fn surface(c: &mut Criterion) {
    let (xs, ys) = data(1_000_000);
    let grid: Vec<f64> = (0..501).map(|i| -2.0 + 6.0 * i as f64 / 500.0).collect();
    let mut g = c.benchmark_group(format!("surface_501x501_1e6/threads={}", threads()));
    g.sample_size(20);
    g.bench_function("moments", |b| {
        b.iter(|| {
            let m = Moments::from_points(&xs, &ys);
            let mut out = Vec::with_capacity(501 * 501);
            for &w in &grid {
                out.extend(grid.iter().map(|&bias| m.loss(w, bias)));
            }
            out
        })
    });
    g.finish();
}

/// One full-batch epoch (forward, loss, backward, SGD step) with a learnable bias, the fused
/// op against plain candle ops (broadcast and, for the small case, matmul).
fn epoch(c: &mut Criterion) {
    for n in [1_000_000usize, 100] {
        let (xs, ys) = data(n);
        let (x, y) = tensors(&xs, &ys);
        let x2 = x.unsqueeze(1).unwrap();
        let y2 = y.unsqueeze(1).unwrap();
        let mut g = c.benchmark_group(format!("epoch_{n}/threads={}", threads()));
        if n > 1000 {
            g.sample_size(20);
        }
        let model = Linear::line(0.0, Bias::Learnable(0.0), DType::F32, &Device::Cpu).unwrap();
        let mut sgd = SGD::new(model.parameters(), 1e-4).unwrap();
        g.bench_function("fused", |b| {
            b.iter(|| {
                let loss = line_mse(
                    &x,
                    &y,
                    model.weight().as_tensor(),
                    model.bias().map(|v| v.as_tensor()),
                )
                .unwrap();
                sgd.backward_step(&loss).unwrap();
            })
        });
        for name in [LossName::L1, LossName::Huber] {
            let loss = name.with(&Params::default()).unwrap();
            g.bench_function(format!("fused_{}", name.name()), |b| {
                b.iter(|| {
                    let loss = loss
                        .line_loss(
                            &x,
                            &y,
                            model.weight().as_tensor(),
                            model.bias().map(|v| v.as_tensor()),
                        )
                        .unwrap();
                    sgd.backward_step(&loss).unwrap();
                })
            });
        }
        g.bench_function("plain", |b| {
            b.iter(|| {
                let loss = mse(&model.forward(&x).unwrap(), &y, Reduction::Mean).unwrap();
                sgd.backward_step(&loss).unwrap();
            })
        });
        if n <= 1000 {
            g.bench_function("plain_matmul", |b| {
                b.iter(|| {
                    let loss = mse(&model.forward(&x2).unwrap(), &y2, Reduction::Mean).unwrap();
                    sgd.backward_step(&loss).unwrap();
                })
            });
        }
        // The whole training loop as `explore train` runs it, rows recorded, per epoch.
        let epochs = if n > 1000 { 20 } else { 1000 };
        g.throughput(Throughput::Elements(epochs as u64));
        g.bench_function(BenchmarkId::new("train_loop", epochs), |b| {
            b.iter(|| {
                let sgd = Settings::new(Algorithm::Sgd, 1e-4);
                let plan = explore::train::Plan::full_batch(epochs - 1);
                let start = (0.0, Bias::Learnable(0.0));
                explore::train::fit_line(
                    &x,
                    &y,
                    start,
                    sgd,
                    &plan,
                    (&explore::train::Course::default(), None),
                    |_| std::ops::ControlFlow::Continue(()),
                )
                .unwrap()
            })
        });
        if n > 1000 {
            // The same loop with Adam: the optimizer step on two values is nothing next to the
            // pass over the data.
            g.bench_function(BenchmarkId::new("train_loop_adam", epochs), |b| {
                b.iter(|| {
                    let adam = Settings::new(Algorithm::Adam, 1e-3);
                    let plan = explore::train::Plan::full_batch(epochs - 1);
                    let start = (0.0, Bias::Learnable(0.0));
                    explore::train::fit_line(
                        &x,
                        &y,
                        start,
                        adam,
                        &plan,
                        (&explore::train::Course::default(), None),
                        |_| std::ops::ControlFlow::Continue(()),
                    )
                    .unwrap()
                })
            });
        }
        g.finish();
    }
}

/// One full-batch epoch of logistic regression on 1,000,000 points of two features (f32): the
/// fused pass (`loss::logistic`) and plain candle (a matmul, then BCE with logits), each with
/// backward and an SGD step; then the whole loop as `explore train --model logistic` runs it,
/// with the loss and the accuracy recorded each epoch. `scripts/torch_logistic.py` times
/// PyTorch's same epoch.
fn logistic(c: &mut Criterion) {
    let n = 1_000_000;
    let (x, labels) = blobs(n);
    let y = Tensor::from_vec(
        labels.iter().map(|&l| l as f32).collect::<Vec<f32>>(),
        (n, 1),
        &Device::Cpu,
    )
    .unwrap();
    let layer = Linear::from_tensors(
        Tensor::zeros((1, 2), DType::F32, &Device::Cpu).unwrap(),
        Some(Tensor::zeros(1, DType::F32, &Device::Cpu).unwrap()),
    )
    .unwrap();
    let (weight, bias) = (
        layer.weight().as_tensor().clone(),
        layer.bias().unwrap().as_tensor().clone(),
    );
    let bce = loss::BceWithLogits::default();
    let mut sgd = SGD::new(layer.parameters(), 0.1).unwrap();
    let mut g = c.benchmark_group(format!("logistic_1e6_d2/threads={}", threads()));
    g.sample_size(20);
    g.bench_function("fused_epoch", |b| {
        b.iter(|| {
            let out = loss::logistic(&bce, &x, &y, &weight, &bias).unwrap();
            sgd.backward_step(&out.loss).unwrap();
        })
    });
    g.bench_function("plain_epoch", |b| {
        b.iter(|| {
            let out = loss::logistic::plain(&bce, &x, &y, &weight, &bias).unwrap();
            sgd.backward_step(&out.loss).unwrap();
        })
    });
    let epochs = 20;
    g.throughput(Throughput::Elements(epochs as u64));
    let data = explore::train::Labelled {
        x: x.clone(),
        labels,
        features: vec!["x1".into(), "x2".into()],
        classes: vec!["0".into(), "1".into()],
        units: None,
    };
    let bce_any = LossName::BceLogits.with(&Params::default()).unwrap();
    g.bench_function(BenchmarkId::new("train_loop", epochs), |b| {
        b.iter(|| {
            explore::train::fit_classifier(
                (&data, None),
                &explore::train::Classifier::Linear {
                    weight: 0.0,
                    bias: 0.0,
                },
                &bce_any,
                Settings::new(Algorithm::Sgd, 0.1),
                (
                    epochs - 1,
                    explore::train::Batches::new(n, None, false, 0, 0),
                    &explore::train::Course::default(),
                ),
                0,
                |_| std::ops::ControlFlow::Continue(()),
            )
            .unwrap()
        })
    });
    g.finish();
}

/// One full-batch epoch of an MLP 2-16-16-1 (tanh) on 10,000 points of two blobs, under BCE
/// with logits with Adam, as `explore train --model mlp` runs it (the loss and the accuracy
/// recorded each epoch); `scripts/torch_classifiers.py` times PyTorch's same epoch.
fn mlp(c: &mut Criterion) {
    let n = 10_000;
    let (x, labels) = blobs(n);
    let data = explore::train::Labelled {
        x,
        labels,
        features: vec!["x1".into(), "x2".into()],
        classes: vec!["0".into(), "1".into()],
        units: None,
    };
    let bce = LossName::BceLogits.with(&Params::default()).unwrap();
    let mut g = c.benchmark_group(format!("mlp_1e4/threads={}", threads()));
    let epochs = 100;
    // The network's forward and backward passes alone (`model::mlp_pass`), under `Σ z`.
    let net = model::Mlp::new(
        &[2, 16, 16, 1],
        model::Activation::Tanh,
        1,
        DType::F32,
        &Device::Cpu,
    )
    .unwrap();
    g.bench_function("forward_backward", |b| {
        b.iter(|| {
            let z = candle_core::Module::forward(&net, &data.x).unwrap();
            z.sum_all().unwrap().backward().unwrap()
        })
    });
    g.throughput(Throughput::Elements(epochs as u64));
    g.bench_function(BenchmarkId::new("train_loop", epochs), |b| {
        b.iter(|| {
            explore::train::fit_classifier(
                (&data, None),
                &explore::train::Classifier::Mlp {
                    hidden: vec![16, 16],
                    activation: model::Activation::Tanh,
                    seed: 1,
                },
                &bce,
                Settings::new(Algorithm::Adam, 0.01),
                (
                    epochs - 1,
                    explore::train::Batches::new(n, None, false, 0, 0),
                    &explore::train::Course::default(),
                ),
                0,
                |_| std::ops::ControlFlow::Continue(()),
            )
            .unwrap()
        })
    });
    g.finish();
}

/// `n` points of two blobs (`explore gen --kind blobs --classes 2`), f32, and their labels.
fn blobs(n: usize) -> (Tensor, Vec<u32>) {
    use explore::data::gen::{classes, ClassSpec, Classes};
    let spec = ClassSpec {
        n,
        seed: 1,
        noise: 1.0,
        classes: 2,
        factor: 0.8,
    };
    let rows = classes::points(Classes::Blobs, &spec);
    let flat: Vec<f32> = rows
        .iter()
        .flat_map(|r| [r[0] as f32, r[1] as f32])
        .collect();
    let x = Tensor::from_vec(flat, (n, 2), &Device::Cpu).unwrap();
    (x, rows.iter().map(|r| r[2] as u32).collect())
}

/// The landscape of an MLP 1-16-16-1 on 200 sine points: grid points per second on a
/// 21 × 21 plane, the one model updated in place at each point.
fn landscape(c: &mut Criterion) {
    use explore::landscape::{plane, random_direction, Model, ModelKind, Normalization, Params};
    let data = explore::data::gen::sine(&LineSpec {
        n: 200,
        seed: 1,
        slope: 1.0,
        intercept: 0.0,
        noise: 0.1,
        x_scale: 3.0,
        x_mean: 0.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    });
    let (x, y) = data.tensors(DType::F32, &Device::Cpu).unwrap();
    let (x, y) = (x.unsqueeze(1).unwrap(), y.unsqueeze(1).unwrap());
    let net = Model::new(
        ModelKind::Mlp,
        &[16, 16],
        model::Activation::Tanh,
        1,
        DType::F32,
        &Device::Cpu,
    )
    .unwrap();
    let loss = |_: &candle_nn::VarMap| mse(&net.forward(&x)?, &y, Reduction::Mean);
    let center = Params::of(net.varmap()).unwrap();
    let d1 = random_direction(&center, 2, Normalization::Filter, false).unwrap();
    let d2 = random_direction(&center, 3, Normalization::Filter, false).unwrap();
    let axis: Vec<f64> = (0..21).map(|i| -1.0 + i as f64 / 10.0).collect();
    let mut g = c.benchmark_group(format!("landscape_mlp16x16_200/threads={}", threads()));
    g.sample_size(10);
    g.throughput(Throughput::Elements(21 * 21));
    g.bench_function("plane_21x21", |b| {
        b.iter(|| {
            plane(
                net.varmap(),
                &loss,
                &center,
                (&d1, &d2),
                &axis,
                &axis,
                &|_, _| {},
            )
            .unwrap()
        })
    });
    // The batched path `explore landscape` takes for its built-in models, on the plane of the
    // issue's comparison with PyTorch's vmap: 101 × 101.
    let (xs, ys) = (x.squeeze(1).unwrap(), y.squeeze(1).unwrap());
    let layers = explore::landscape::batched::Layers::of(&center, net.activation()).unwrap();
    let fine = explore::grid::linspace(-1.0, 1.0, 101);
    g.throughput(Throughput::Elements(101 * 101));
    g.bench_function("batched_101x101", |b| {
        b.iter(|| {
            explore::landscape::batched::plane(
                &layers,
                &center,
                (&d1, &d2),
                &fine,
                &fine,
                &xs,
                &ys,
                &|_, _| {},
            )
            .unwrap()
        })
    });
    g.finish();
}

/// One epoch of mini-batches of 32 over 1,000,000 points (31,250 updates), shuffled, with SGD:
/// the loop PyTorch runs with a `DataLoader(batch_size=32, shuffle=True)`.
fn minibatch(c: &mut Criterion) {
    let (xs, ys) = data(1_000_000);
    let (x, y) = tensors(&xs, &ys);
    let mut g = c.benchmark_group(format!("minibatch_32_1e6/threads={}", threads()));
    g.sample_size(10);
    g.bench_function("sgd_epoch", |b| {
        b.iter(|| {
            let plan = explore::train::Plan {
                epochs: 1,
                batch_size: Some(32),
                shuffle: true,
                seed: 1,
                standardize: None,
                loss: loss::AnyLoss::default(),
            };
            let sgd = Settings::new(Algorithm::Sgd, 1e-4);
            let start = (0.0, Bias::Learnable(0.0));
            explore::train::fit_line(
                &x,
                &y,
                start,
                sgd,
                &plan,
                (&explore::train::Course::default(), None),
                |_| std::ops::ControlFlow::Continue(()),
            )
            .unwrap()
        })
    });
    g.finish();
}

/// The default animation of `explore train --data data/linear.csv`: 100 frames of the run on
/// its landscape, its loss and the data with the line, encoded as a GIF.
fn animation(c: &mut Criterion) {
    let data = line(&LineSpec::default());
    let (x, y) = data.tensors(DType::F32, &Device::Cpu).unwrap();
    let moments = data.moments();
    let plan = explore::train::Plan::full_batch(100);
    let sgd = Settings::new(Algorithm::Sgd, 1.0 / (2.0 * moments.max_curvature(true)));
    let fit = explore::train::fit_line(
        &x,
        &y,
        (0.0, Bias::Learnable(0.0)),
        sgd,
        &plan,
        (&explore::train::Course::default(), None),
        |_| std::ops::ControlFlow::Continue(()),
    )
    .unwrap();
    let figure = explore::plot::TrainFigure::of(
        &[("descent", &fit)],
        &explore::objective::Objective::mse(moments),
        true,
        "bench",
    );
    let points = data.plot_points();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.gif");
    let mut g = c.benchmark_group(format!("animation/threads={}", threads()));
    g.sample_size(10);
    g.bench_function("train_gif_100_frames", |b| {
        b.iter(|| {
            explore::plot::save_gif(
                100,
                12,
                |k| explore::plot::Frame::of(&figure, Some(&points), k, 100),
                &path,
            )
            .unwrap()
        })
    });
    g.finish();
}

/// The data readers on 1,000,000 points of `explore gen` (38 MB as CSV), from the page cache:
/// CSV for the moments only (what `sweep` needs), CSV into f32 columns (what `train` needs), and
/// the same points as a .npy and as Parquet. Rows/s; the CSV's MB/s is its size over the time.
fn read(c: &mut Criterion) {
    use explore::data::{self, Columns, Load};
    let n = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("1m.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    let spec = LineSpec {
        n,
        ..LineSpec::default()
    };
    data::write_csv(data::gen::points(data::gen::Curve::Line, &spec), &mut out).unwrap();
    drop(out);
    let bytes = std::fs::metadata(&csv).unwrap().len();
    let points = data::read(&csv, &Columns::default(), Load::Points(DType::F64)).unwrap();
    let (x, y) = points.tensors(DType::F64, &Device::Cpu).unwrap();
    let npy = dir.path().join("1m.npy");
    Tensor::stack(&[&x, &y], 1)
        .unwrap()
        .write_npy(&npy)
        .unwrap();
    let mut g = c.benchmark_group(format!("read/threads={}", threads()));
    g.sample_size(10);
    let cols = Columns::default();
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("csv_1000000_moments_bytes", |b| {
        b.iter(|| data::read(&csv, &cols, Load::Moments(DType::F32)).unwrap())
    });
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("csv_1000000_moments", |b| {
        b.iter(|| data::read(&csv, &cols, Load::Moments(DType::F32)).unwrap())
    });
    g.bench_function("csv_1000000_f32", |b| {
        b.iter(|| data::read(&csv, &cols, Load::Points(DType::F32)).unwrap())
    });
    g.bench_function("npy_1000000_f32", |b| {
        b.iter(|| data::read(&npy, &cols, Load::Points(DType::F32)).unwrap())
    });
    #[cfg(feature = "parquet")]
    {
        let parquet = dir.path().join("1m.parquet");
        write_parquet(&parquet, &points);
        g.bench_function("parquet_1000000_f32", |b| {
            b.iter(|| data::read(&parquet, &cols, Load::Points(DType::F32)).unwrap())
        });
    }
    g.finish();
}

/// The points as a Parquet file of two double columns, x and y, as polars writes it (zstd).
#[cfg(feature = "parquet")]
fn write_parquet(path: &std::path::Path, data: &explore::data::Dataset) {
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::data_type::DoubleType;
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let (x, y) = data.values().unwrap();
    let schema = parquet::schema::parser::parse_message_type(
        "message m { REQUIRED DOUBLE x; REQUIRED DOUBLE y; }",
    )
    .unwrap();
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).unwrap();
    let mut group = writer.next_row_group().unwrap();
    for values in [&x, &y] {
        let mut column = group.next_column().unwrap().unwrap();
        column
            .typed::<DoubleType>()
            .write_batch(values, None, None)
            .unwrap();
        column.close().unwrap();
    }
    group.close().unwrap();
    writer.close().unwrap();
}

/// The playground's recomputation (`explore serve`): the case, a line on 10,000 points
/// trained for 500 epochs and drawn over a 101 × 101 grid, from the view to the JSON the server
/// sends; and the same with Adam and a cosine schedule, and on 100 points.
fn playground(c: &mut Criterion) {
    use explore::serve::view::{line_scene, View, Watch};
    let data = |n| {
        line(&LineSpec {
            n,
            ..LineSpec::default()
        })
    };
    let mut g = c.benchmark_group(format!("playground/threads={}", threads()));
    g.sample_size(30);
    for (name, n, view) in [
        (
            "sgd_10000_points_500_epochs_101x101",
            10_000,
            View {
                epochs: 500,
                ..View::default()
            },
        ),
        (
            "adam_cosine_10000_points_500_epochs_101x101",
            10_000,
            View {
                epochs: 500,
                optimizer: "adam".into(),
                lr: Some(0.1),
                schedule: "cosine".into(),
                ..View::default()
            },
        ),
        (
            "sgd_100_points_500_epochs_101x101",
            100,
            View {
                epochs: 500,
                ..View::default()
            },
        ),
    ] {
        let view = View {
            data: explore::serve::view::Source::File,
            ..view
        };
        let points = data(n);
        g.bench_function(name, |b| {
            b.iter(|| {
                let scene = line_scene(&view, &points, Watch::quiet()).unwrap().unwrap();
                explore::plot::to_json(&scene).unwrap().len()
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches, sweep, surface, epoch, logistic, mlp, minibatch, landscape, animation, read,
    playground
);
criterion_main!(benches);
