//! Classifiers trained with the one loop against PyTorch, epoch for epoch: logistic regression
//! (`BCEWithLogitsLoss`, SGD), softmax regression (`CrossEntropyLoss`, Adam) and an MLP
//! (`BCEWithLogitsLoss`, Adam) from the same start, full batch, in f64; the accuracy and the confusion matrix; separable classes said as
//! such. The reference values come from `scripts/reference/classifiers.py` (PyTorch 2.15):
//!
//! ```python
//! m = torch.nn.Linear(2, outputs); m.weight.fill_(0.1); m.bias.fill_(0.0)
//! for e in range(epochs + 1):
//!     opt.zero_grad(); out = m(x); loss = loss_fn(out, y)
//!     record(m.weight, m.bias, loss, accuracy)   # the parameters after e updates
//!     loss.backward(); opt.step() if e < epochs
//! ```

use std::ops::ControlFlow;

use candle_core::{DType, Device, Tensor};
use explore::optim::{Algorithm, Settings};
use explore::train::{fit_classifier, ClassRow, Classifier, Labelled};
use loss::{LossName, Params};

fn labelled(points: &[[f64; 2]], labels: &[u32], classes: usize) -> Labelled {
    let values: Vec<f64> = points.iter().flatten().copied().collect();
    Labelled {
        x: Tensor::from_vec(values, (points.len(), 2), &Device::Cpu).unwrap(),
        labels: labels.to_vec(),
        features: vec!["x1".into(), "x2".into()],
        classes: (0..classes).map(|c| c.to_string()).collect(),
        units: None,
    }
}

/// Full batch: every update sees the whole data.
fn full(data: &Labelled) -> explore::train::Batches {
    explore::train::Batches::new(data.labels.len(), None, false, 0, 0)
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs().max(1.0)
}

fn check(rows: &[ClassRow], epoch: usize, params: &[f64], loss: f64, accuracy: f64) {
    let row = &rows[epoch];
    assert_eq!(row.epoch, epoch);
    assert!(
        row.params.len() == params.len()
            && row.params.iter().zip(params).all(|(g, w)| close(*g, *w)),
        "epoch {epoch}: {:?} vs {params:?}",
        row.params
    );
    assert!(
        close(row.loss, loss),
        "epoch {epoch}: loss {} vs {loss}",
        row.loss
    );
    assert_eq!(row.accuracy, accuracy, "epoch {epoch}");
}

fn run(
    data: &Labelled,
    loss: LossName,
    settings: Settings,
    epochs: usize,
) -> (Vec<ClassRow>, explore::train::ClassFit) {
    let mut rows = Vec::new();
    let fit = fit_classifier(
        (data, None),
        &Classifier::Linear {
            weight: 0.1,
            bias: 0.0,
        },
        &loss.with(&Params::default()).unwrap(),
        settings,
        (epochs, full(data), &explore::train::Course::default()),
        0,
        |row| {
            rows.push(row.clone());
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    (rows, fit)
}

#[test]
fn logistic_regression_matches_pytorch() {
    let data = labelled(
        &[
            [0.5, 1.0],
            [1.5, -0.5],
            [-1.0, 0.3],
            [2.0, 1.5],
            [-0.5, -1.2],
            [0.2, 0.1],
            [1.1, 0.9],
            [-1.5, 0.8],
        ],
        &[1, 1, 0, 1, 0, 0, 0, 1],
        2,
    );
    let (rows, fit) = run(
        &data,
        LossName::BceLogits,
        Settings::new(Algorithm::Sgd, 0.5),
        20,
    );
    assert_eq!(fit.columns, ["w.x1", "w.x2", "bias"]);
    check(&rows, 0, &[0.1, 0.1, 0.0], 0.6630511073716172, 0.625);
    check(
        &rows,
        1,
        &[
            0.16245829619800345,
            0.16986859082420253,
            -0.008061024405999213,
        ],
        0.6468060549582142,
        0.625,
    );
    check(
        &rows,
        5,
        &[0.3061963848092285, 0.374588915752178, -0.06923126440353673],
        0.6148041058380866,
        0.625,
    );
    check(
        &rows,
        20,
        &[0.4105968020592519, 0.7448418625694665, -0.2875810640497226],
        0.5871271685715088,
        0.625,
    );
    // 5 of 8 right: the confusion matrix adds up to it, and the classes overlap.
    let right: usize = (0..2).map(|c| fit.confusion[c][c]).sum();
    assert_eq!(right, 5);
    assert_eq!(fit.confusion.iter().flatten().sum::<usize>(), 8);
    assert!(!fit.separable);
}

#[test]
fn softmax_regression_matches_pytorch() {
    let data = labelled(
        &[
            [0.0, 2.0],
            [0.5, 1.5],
            [-0.3, 2.2],
            [2.0, -1.0],
            [1.6, -0.4],
            [2.2, -0.8],
            [-2.0, -1.0],
            [-1.4, -1.3],
            [-1.8, -0.2],
            [0.4, 0.6],
        ],
        &[0, 0, 0, 1, 1, 1, 2, 2, 2, 1],
        3,
    );
    let (rows, fit) = run(
        &data,
        LossName::CrossEntropy,
        Settings::new(Algorithm::Adam, 0.1),
        15,
    );
    assert_eq!(
        fit.columns,
        [
            "w.0.x1", "w.0.x2", "w.1.x1", "w.1.x2", "w.2.x1", "w.2.x2", "bias.0", "bias.1",
            "bias.2"
        ]
    );
    // At the start every class scores the same: the first is chosen, as PyTorch's argmax does.
    check(
        &rows,
        0,
        &[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.0, 0.0, 0.0],
        1.0986122886681096,
        0.3,
    );
    check(
        &rows,
        1,
        &[
            4.999997503529752e-08,
            0.19999999806451618,
            0.1999999982758621,
            4.687499804978401e-09,
            1.785714257018789e-09,
            3.2967032159714194e-09,
            -0.09999997000000899,
            0.09999998500000223,
            -0.09999997000000897,
        ],
        0.8878953885045082,
        1.0,
    );
    check(
        &rows,
        15,
        &[
            0.10538063747382853,
            1.2936101544526553,
            1.2989551541698383,
            -1.0117807994139092,
            -1.0885394175158423,
            -1.1402066559272628,
            -0.9245831524546955,
            0.5439707204380904,
            -0.14764604147844793,
        ],
        0.10711043202016861,
        1.0,
    );
    assert_eq!(fit.confusion, [[3, 0, 0], [0, 4, 0], [0, 0, 3]]);
    // Every point right, by planes, without weight decay: no finite optimum.
    assert!(fit.separable);
}

#[test]
fn separable_blobs_have_no_finite_optimum_and_the_weights_keep_growing() {
    use explore::data::gen::{classes, ClassSpec, Classes};
    let rows = classes::points(
        Classes::Blobs,
        &ClassSpec {
            n: 100,
            seed: 4,
            noise: 0.5,
            classes: 2,
            factor: 0.8,
        },
    );
    let data = Labelled::of_rows(&rows, DType::F64, &Device::Cpu).unwrap();
    let (rows, fit) = run(
        &data,
        LossName::BceLogits,
        Settings::new(Algorithm::Sgd, 0.1),
        400,
    );
    assert!(fit.separable);
    let norm = |r: &ClassRow| r.params[..2].iter().map(|w| w * w).sum::<f64>().sqrt();
    // The loss falls toward 0 and the weights grow, all the way.
    assert!(rows[400].loss < rows[200].loss && rows[200].loss < rows[100].loss);
    assert!(norm(&rows[400]) > norm(&rows[200]) && norm(&rows[200]) > norm(&rows[100]));
    assert_eq!(rows[400].accuracy, 1.0);
    // Weight decay gives the loss a minimum again.
    let mut decayed = Settings::new(Algorithm::Sgd, 0.1);
    decayed.weight_decay = Some(0.01);
    assert!(!run(&data, LossName::BceLogits, decayed, 50).1.separable);
}

#[test]
fn losses_that_cannot_classify_are_refused() {
    let data = labelled(&[[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]], &[0, 1, 2], 3);
    let fit = |name: LossName| {
        fit_classifier(
            (&data, None),
            &Classifier::Linear {
                weight: 0.0,
                bias: 0.0,
            },
            &name.with(&Params::default()).unwrap(),
            Settings::new(Algorithm::Sgd, 0.1),
            (1, full(&data), &explore::train::Course::default()),
            0,
            |_| ControlFlow::Continue(()),
        )
        .unwrap_err()
        .to_string()
    };
    assert!(fit(LossName::BceLogits).contains("tells two classes apart, and the data has 3"));
    assert!(fit(LossName::Mse).contains("MSE is a regression loss"));
}

/// The deep-network lesson: no line separates two circles, and a small MLP learns the curved
/// boundary.
#[test]
fn an_mlp_draws_the_boundary_no_line_can() {
    use explore::data::gen::{classes, ClassSpec, Classes};
    let rows = classes::points(
        Classes::Circles,
        &ClassSpec {
            n: 200,
            seed: 1,
            noise: 0.05,
            classes: 2,
            factor: 0.5,
        },
    );
    let data = Labelled::of_rows(&rows, DType::F64, &Device::Cpu).unwrap();
    let bce = LossName::BceLogits.with(&Params::default()).unwrap();
    let last = |classifier: &Classifier| {
        fit_classifier(
            (&data, None),
            classifier,
            &bce,
            Settings::new(Algorithm::Adam, 0.05),
            (300, full(&data), &explore::train::Course::default()),
            0,
            |_| ControlFlow::Continue(()),
        )
        .unwrap()
        .last
        .unwrap()
    };
    let line = last(&Classifier::Linear {
        weight: 0.0,
        bias: 0.0,
    });
    let mlp = last(&Classifier::Mlp {
        hidden: vec![16, 16],
        activation: model::Activation::Tanh,
        seed: 1,
    });
    assert!(line.accuracy < 0.7, "a line: {}", line.accuracy);
    assert!(mlp.accuracy > 0.97, "the MLP: {}", mlp.accuracy);
    assert!(mlp.loss < 0.2 * line.loss, "{} vs {}", mlp.loss, line.loss);
    assert!(mlp.params.is_empty());
}

/// An MLP 2-4-1 tanh from the start `Mlp::new` draws for seed 3, copied into PyTorch's
/// `nn.Sequential(Linear(2, 4), Tanh(), Linear(4, 1))` (the script prints and sets it), under
/// BCEWithLogitsLoss with Adam: the loss and the accuracy, epoch for epoch.
#[test]
fn an_mlp_classifier_matches_pytorch() {
    let data = labelled(
        &[
            [0.5, 1.0],
            [1.5, -0.5],
            [-1.0, 0.3],
            [2.0, 1.5],
            [-0.5, -1.2],
            [0.2, 0.1],
            [1.1, 0.9],
            [-1.5, 0.8],
        ],
        &[1, 1, 0, 1, 0, 0, 0, 1],
        2,
    );
    let mut rows = Vec::new();
    fit_classifier(
        (&data, None),
        &Classifier::Mlp {
            hidden: vec![4],
            activation: model::Activation::Tanh,
            seed: 3,
        },
        &LossName::BceLogits.with(&Params::default()).unwrap(),
        Settings::new(Algorithm::Adam, 0.05),
        (10, full(&data), &explore::train::Course::default()),
        0,
        |row| {
            rows.push(row.clone());
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    for (epoch, loss, accuracy) in [
        (0, 0.7060511085522899, 0.375),
        (1, 0.6782690005038885, 0.625),
        (10, 0.5945210576313769, 0.75),
    ] {
        assert!(
            close(rows[epoch].loss, loss),
            "epoch {epoch}: {} vs {loss}",
            rows[epoch].loss
        );
        assert_eq!(rows[epoch].accuracy, accuracy, "epoch {epoch}");
    }
}

#[test]
fn an_animation_keeps_the_map_at_evenly_spread_epochs() {
    let data = labelled(
        &[
            [0.5, 1.0],
            [1.5, -0.5],
            [-1.0, 0.3],
            [2.0, 1.5],
            [-0.5, -1.2],
        ],
        &[1, 1, 0, 1, 0],
        2,
    );
    let mut rows = Vec::new();
    let fit = fit_classifier(
        (&data, None),
        &Classifier::Linear {
            weight: 0.1,
            bias: 0.0,
        },
        &LossName::BceLogits.with(&Params::default()).unwrap(),
        Settings::new(Algorithm::Sgd, 0.5),
        (20, full(&data), &explore::train::Course::default()),
        5,
        |row| {
            rows.push(row.clone());
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    let epochs: Vec<usize> = fit.frames.iter().map(|f| f.row.epoch).collect();
    assert_eq!(epochs, [0, 5, 10, 15, 20]);
    for frame in &fit.frames {
        assert_eq!(frame.row, rows[frame.row.epoch]);
    }
    assert_eq!(fit.frames.last().map(|f| &f.map), fit.map.as_ref());
    // The start is w = (0.1, 0.1), b = 0: class 1's probability at a grid point is
    // σ(0.1·x1 + 0.1·x2).
    let map = &fit.frames[0].map;
    let (i, j) = (7, 90);
    let p = map.probabilities[(i * map.ys.len() + j) * 2 + 1];
    let z = 0.1 * map.xs[i] + 0.1 * map.ys[j];
    assert!((p - 1.0 / (1.0 + (-z).exp())).abs() < 1e-12, "{p}");
    // A map only for two features: none for one.
    let one = labelled(&[[0.5, 0.0], [1.5, 0.0], [-1.0, 0.0]], &[1, 1, 0], 2);
    let one = Labelled {
        x: one.x.narrow(1, 0, 1).unwrap(),
        features: vec!["x1".into()],
        ..one
    };
    let fit = fit_classifier(
        (&one, None),
        &Classifier::Linear {
            weight: 0.0,
            bias: 0.0,
        },
        &LossName::BceLogits.with(&Params::default()).unwrap(),
        Settings::new(Algorithm::Sgd, 0.5),
        (3, full(&one), &explore::train::Course::default()),
        5,
        |_| ControlFlow::Continue(()),
    )
    .unwrap();
    assert!(fit.frames.is_empty() && fit.map.is_none());
}

/// Standard base64 back to bytes (the page's pictures are PNG data URLs).
fn unbase64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextets: Vec<u32> = text
        .bytes()
        .filter(|&b| b != b'=')
        .map(|b| ALPHABET.iter().position(|&a| a == b).unwrap() as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in sextets.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &s)| n | s << (18 - 6 * k));
        for k in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * k)) as u8);
        }
    }
    out
}

/// The page of a classifier: a frame a kept epoch with its row, its map as a picture shaded as
/// the PNG is (a pixel a grid point, the first row the top), its boundary, and every epoch's
/// loss and accuracy.
#[test]
fn the_page_keeps_each_frames_map_as_a_picture() {
    let data = labelled(
        &[
            [0.5, 1.0],
            [1.5, -0.5],
            [-1.0, 0.3],
            [2.0, 1.5],
            [-0.5, -1.2],
        ],
        &[1, 1, 0, 1, 0],
        2,
    );
    let fit = fit_classifier(
        (&data, None),
        &Classifier::Linear {
            weight: 0.1,
            bias: 0.0,
        },
        &LossName::BceLogits.with(&Params::default()).unwrap(),
        Settings::new(Algorithm::Sgd, 0.5),
        (20, full(&data), &explore::train::Course::default()),
        5,
        |_| ControlFlow::Continue(()),
    )
    .unwrap();
    let points = vec![(0.5, 1.0, 1), (-1.0, 0.3, 0)];
    let figure = explore::plot::ClassFigure::of(
        &fit,
        points,
        &data.classes,
        ("x1", "x2"),
        "logistic".into(),
        "BCE with logits".into(),
    );
    let page = figure.page(&fit.frames).unwrap();
    let epochs: Vec<f64> = page.frames.iter().map(|f| f.epoch).collect();
    assert_eq!(epochs, [0.0, 5.0, 10.0, 15.0, 20.0]);
    assert_eq!(page.epoch.len(), 21);
    assert_eq!(page.losses[20], fit.last.as_ref().unwrap().loss);
    assert_eq!(page.classes[1].x, [0.5]);
    assert_eq!(page.classes[1].colour, "#b2182b");
    // Frame 0 is the start, w = (0.1, 0.1), b = 0: at grid point (i, j) class 1's probability is
    // σ(0.1·x1 + 0.1·x2), shaded red through white (0.5) to blue as the PNG is.
    let map = &fit.frames[0].map;
    let png = unbase64(
        page.frames[0]
            .image
            .as_deref()
            .unwrap()
            .strip_prefix("data:image/png;base64,")
            .unwrap(),
    );
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgb).unwrap();
    let (nx, ny) = (map.xs.len(), map.ys.len());
    assert_eq!((info.width as usize, info.height as usize), (nx, ny));
    for (i, j) in [(0, 0), (7, 90), (120, 120), (60, 3)] {
        let q = 1.0 / (1.0 + (-(0.1 * map.xs[i] + 0.1 * map.ys[j])).exp());
        let (colour, t) = match q >= 0.5 {
            true => ([178.0, 24.0, 43.0], 0.9 * (2.0 * q - 1.0)),
            false => ([33.0, 102.0, 172.0], 0.9 * (1.0 - 2.0 * q)),
        };
        let want: Vec<u8> = colour
            .iter()
            .map(|v: &f64| (255.0 - (255.0 - v) * t).round() as u8)
            .collect();
        let at = ((ny - 1 - j) * nx + i) * 3;
        assert_eq!(rgb[at..at + 3], want[..], "grid point ({i}, {j})");
    }
    // The boundary σ = 0.5 is the line x1 + x2 = 0: its segments' ends lie on it.
    let xs = &page.frames[0].boundary_x;
    let ys = &page.frames[0].boundary_y;
    assert!(xs.len() > 30 && xs.len() % 3 == 0);
    for (x, y) in xs.iter().zip(ys).filter_map(|(x, y)| x.zip(*y)) {
        // Linear interpolation of 2σ − 1 along a cell edge: exact to the curve's bend.
        assert!((x + y).abs() < 1e-6, "({x}, {y})");
    }
}

/// The landscape of a classifier trains it as `fit_classifier` does (the same losses, epoch for
/// epoch, to the end), and on the model's own axes (logistic regression on one feature: α along
/// the weight, β along the bias) each grid point is the loss of that layer, computed directly.
#[test]
fn a_classifiers_landscape_is_its_training_and_its_loss_around_the_end() {
    use explore::landscape::{features, Config, Directions};
    let two = labelled(
        &[
            [0.5, 0.0],
            [1.5, 0.0],
            [-1.0, 0.0],
            [2.0, 0.0],
            [-0.5, 0.0],
            [0.2, 0.0],
            [1.1, 0.0],
            [-1.5, 0.0],
        ],
        &[1, 1, 0, 1, 0, 0, 0, 1],
        2,
    );
    let data = Labelled {
        x: two.x.narrow(1, 0, 1).unwrap(),
        features: vec!["x1".into()],
        ..two
    };
    let bce = LossName::BceLogits.with(&Params::default()).unwrap();
    let settings = Settings::new(Algorithm::Adam, 0.05);
    let linear = Classifier::Linear {
        weight: 0.0,
        bias: 0.0,
    };
    let config = Config {
        loss: bce,
        optimizer: settings,
        epochs: 30,
        directions: Some(Directions::Axes),
        steps: 5,
        distance: Some(0.5),
        ..Config::default()
    };
    let plane = features::of_labelled(&data, &linear, &bce, &config, &|_, _| {}).unwrap();
    let mut rows = Vec::new();
    fit_classifier(
        (&data, None),
        &linear,
        &bce,
        settings,
        (30, full(&data), &explore::train::Course::default()),
        0,
        |row| {
            rows.push(row.clone());
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    assert_eq!(plane.model, "linear 1-1");
    assert_eq!(plane.epochs.last(), Some(&30));
    assert!(close(*plane.path_losses.last().unwrap(), rows[30].loss));
    assert!(close(plane.path_losses[0], rows[0].loss));
    let (w, b) = (rows[30].params[0], rows[30].params[1]);
    let x: Vec<f64> = data.x.flatten_all().unwrap().to_vec1().unwrap();
    // BCE with logits, written out: max(z, 0) − z·y + log(1 + e^−|z|).
    let loss_at = |w: f64, b: f64| {
        x.iter()
            .zip(&data.labels)
            .map(|(x, &l)| {
                let z = w * x + b;
                z.max(0.0) - z * f64::from(l) + (-z.abs()).exp().ln_1p()
            })
            .sum::<f64>()
            / x.len() as f64
    };
    // α-major: index α·steps + β; the centre is the trained layer.
    assert!(close(plane.losses[2 * 5 + 2], loss_at(w, b)));
    for (i, j) in [(0, 4), (4, 0), (1, 3)] {
        let (alpha, beta) = (plane.axis[i], plane.axis[j]);
        let got = plane.losses[i * 5 + j];
        assert!(
            close(got, loss_at(w + alpha, b + beta)),
            "({i}, {j}): {got}"
        );
    }
}
