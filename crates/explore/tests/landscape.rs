//! Loss landscapes of VarMap models: agreement with `surface` for the line, filter
//! normalisation, projected trajectories with their true losses, PCA, and reproducibility.

use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use explore::data::gen::{line, sine, LineSpec};
use explore::data::Dataset;
use explore::landscape::{
    line as line_loss, path_losses, pca_directions, plane, project, random_direction,
    train_recorded, Model, ModelKind, Normalization, Params,
};
use explore::optim::{Algorithm, Settings};
use explore::sweep::{losses, Method};
use loss::{mse, Reduction};

fn sine_data() -> Dataset {
    sine(&LineSpec {
        n: 64,
        seed: 4,
        slope: 1.0,
        intercept: 0.0,
        noise: 0.1,
        x_scale: 3.0,
        x_mean: 0.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    })
}

/// A model on `data` and its loss closure's inputs, `(N, 1)`.
/// Adam at `lr`, as `explore landscape` trains.
fn adam(lr: f64) -> Settings {
    Settings::new(Algorithm::Adam, lr)
}

fn setup(kind: ModelKind, data: &Dataset) -> (Model, Tensor, Tensor) {
    let net = Model::new(
        kind,
        &[8, 8],
        model::Activation::Tanh,
        7,
        DType::F64,
        &Device::Cpu,
    )
    .unwrap();
    let (x, y) = data.tensors(DType::F64, &Device::Cpu).unwrap();
    (net, x.unsqueeze(1).unwrap(), y.unsqueeze(1).unwrap())
}

fn values(p: &Params) -> Vec<f64> {
    p.flatten().unwrap()
}

#[test]
fn line_plane_with_unit_directions_equals_surface() {
    let data = line(&LineSpec {
        n: 40,
        seed: 2,
        slope: 1.5,
        intercept: -1.0,
        noise: 2.0,
        x_scale: 3.0,
        x_mean: 0.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    });
    let (net, x, y) = setup(ModelKind::Line, &data);
    let loss = |_: &VarMap| mse(&net.forward(&x)?, &y, Reduction::Mean);
    // Parameters sort as layer0.bias, layer0.weight: center (b, w) = (0.5, 1.0).
    let center = Params::of(net.varmap()).unwrap();
    assert_eq!(center.names, ["bias", "weight"]);
    let center = center.unflatten(&[0.5, 1.0]).unwrap();
    let unit_weight = center.unflatten(&[0.0, 1.0]).unwrap();
    let unit_bias = center.unflatten(&[1.0, 0.0]).unwrap();
    let alphas = [-1.0, -0.25, 0.0, 0.5, 2.0];
    let betas = [-3.0, 0.0, 1.5];
    let grid = plane(
        net.varmap(),
        &loss,
        &center,
        (&unit_weight, &unit_bias),
        &alphas,
        &betas,
        &|_, _| {},
    )
    .unwrap();
    let weights: Vec<f64> = alphas.iter().map(|a| 1.0 + a).collect();
    let biases: Vec<f64> = betas.iter().map(|b| 0.5 + b).collect();
    for method in [Method::Direct, Method::Moments] {
        let surface = losses(
            &data,
            &weights,
            &biases,
            method,
            &loss::AnyLoss::default(),
            DType::F64,
            &Device::Cpu,
            &|_, _| {},
        )
        .unwrap();
        for (g, s) in grid.iter().zip(&surface) {
            assert!(
                (g - s).abs() <= 1e-12 * s,
                "{method:?}: plane {g} vs surface {s}"
            );
        }
    }
    // The model is left at the center afterwards, and the line between two points agrees too.
    assert_eq!(values(&Params::of(net.varmap()).unwrap()), [0.5, 1.0]);
    let to = center.unflatten(&[2.5, -1.0]).unwrap();
    let along = line_loss(net.varmap(), &loss, &center, &to, &[0.0, 0.5, 1.0]).unwrap();
    let m = data.moments();
    for (l, (w, b)) in along.iter().zip([(1.0, 0.5), (0.0, 1.5), (-1.0, 2.5)]) {
        assert!((l - m.loss(w, b)).abs() <= 1e-12 * l);
    }
}

fn norms_by_row(t: &Tensor) -> Vec<f64> {
    let rows = t.dim(0).unwrap();
    t.to_dtype(DType::F64)
        .unwrap()
        .reshape((rows, ()))
        .unwrap()
        .sqr()
        .unwrap()
        .sum(1)
        .unwrap()
        .sqrt()
        .unwrap()
        .to_vec1()
        .unwrap()
}

fn norm(t: &Tensor) -> f64 {
    t.to_dtype(DType::F64)
        .unwrap()
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap()
        .sqrt()
        .unwrap()
        .to_scalar()
        .unwrap()
}

#[test]
fn filter_normalised_directions_match_the_model_filters() {
    let (net, _, _) = setup(ModelKind::Mlp, &sine_data());
    let center = Params::of(net.varmap()).unwrap();
    let d = random_direction(&center, 11, Normalization::Filter, false).unwrap();
    let mut matrices = 0;
    for (theta, dir) in center.tensors.iter().zip(&d.tensors) {
        assert_eq!(dir.dims(), theta.dims());
        if theta.rank() >= 2 {
            matrices += 1;
            for (a, b) in norms_by_row(dir).iter().zip(norms_by_row(theta)) {
                assert!((a - b).abs() <= 1e-6 * b, "filter norm {a} vs model {b}");
            }
        } else {
            assert_eq!(norm(dir), 0.0, "biases are zeroed by default");
        }
    }
    assert_eq!(matrices, 3);
    let kept = random_direction(&center, 11, Normalization::Filter, true).unwrap();
    let layer = random_direction(&center, 11, Normalization::Layer, true).unwrap();
    for ((theta, k), l) in center.tensors.iter().zip(&kept.tensors).zip(&layer.tensors) {
        if theta.rank() == 1 {
            assert!((norm(k) - norm(theta)).abs() <= 1e-6 * norm(theta));
        }
        assert!(
            (norm(l) - norm(theta)).abs() <= 1e-6 * norm(theta),
            "layer normalisation"
        );
    }
    let raw = random_direction(&center, 11, Normalization::None, true).unwrap();
    // A raw Gaussian direction: entries of unit variance.
    let v = values(&raw);
    let var = v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
    assert!((0.6..1.5).contains(&var), "{var}");
}

#[test]
fn directions_and_grids_are_reproducible() {
    let data = sine_data();
    let (net, x, y) = setup(ModelKind::Mlp, &data);
    let loss = |_: &VarMap| mse(&net.forward(&x)?, &y, Reduction::Mean);
    let center = Params::of(net.varmap()).unwrap();
    let a = random_direction(&center, 5, Normalization::Filter, false).unwrap();
    let b = random_direction(&center, 5, Normalization::Filter, false).unwrap();
    let c = random_direction(&center, 6, Normalization::Filter, false).unwrap();
    assert_eq!(values(&a), values(&b));
    assert_ne!(values(&a), values(&c));
    let axis = [-1.0, 0.0, 1.0];
    let g1 = plane(
        net.varmap(),
        &loss,
        &center,
        (&a, &c),
        &axis,
        &axis,
        &|_, _| {},
    )
    .unwrap();
    let g2 = plane(
        net.varmap(),
        &loss,
        &center,
        (&b, &c),
        &axis,
        &axis,
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(g1, g2);
    // The centre of the grid is the model itself.
    let here = loss(net.varmap()).unwrap().to_scalar::<f64>().unwrap();
    assert_eq!(g1[4], here);
    // And a second model built with the same seed starts at the same parameters.
    let (again, _, _) = setup(ModelKind::Mlp, &data);
    assert_eq!(
        values(&Params::of(again.varmap()).unwrap()),
        values(&center)
    );
}

#[test]
fn projected_trajectory_keeps_its_true_losses() {
    let data = sine_data();
    let (net, x, y) = setup(ModelKind::Mlp, &data);
    let loss = |_: &VarMap| mse(&net.forward(&x)?, &y, Reduction::Mean);
    let run = train_recorded(net.varmap(), &loss, adam(0.02), 60, 20).unwrap();
    assert_eq!(run.epochs.first(), Some(&0));
    assert_eq!(run.epochs.last(), Some(&60));
    assert_eq!(run.epochs.len(), run.points.len());
    let recorded = path_losses(net.varmap(), &loss, &run.points).unwrap();
    for (p, l) in run.points.iter().zip(&recorded) {
        p.set_into(net.varmap()).unwrap();
        let direct = loss(net.varmap()).unwrap().to_scalar::<f64>().unwrap();
        assert_eq!(*l, direct);
    }
    assert!(
        recorded.last().unwrap() < &recorded[0],
        "training lowered the loss: {recorded:?}"
    );

    // A point built on the plane projects back to its coordinates.
    let center = run.points.last().unwrap().clone();
    let d1 = random_direction(&center, 1, Normalization::Filter, true).unwrap();
    let d2 = random_direction(&center, 2, Normalization::Filter, true).unwrap();
    let on_plane = center
        .add_scaled(&d1, 0.3)
        .unwrap()
        .add_scaled(&d2, -0.7)
        .unwrap();
    let [(a, b)] = project(&[on_plane], &center, (&d1, &d2)).unwrap()[..] else {
        panic!()
    };
    assert!(
        (a - 0.3).abs() < 1e-9 && (b + 0.7).abs() < 1e-9,
        "({a}, {b})"
    );
}

#[test]
fn pca_directions_are_orthonormal_and_span_a_line_models_path() {
    let data = line(&LineSpec {
        n: 30,
        seed: 8,
        slope: 2.0,
        intercept: 1.0,
        noise: 0.5,
        x_scale: 1.0,
        x_mean: 0.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    });
    let (net, x, y) = setup(ModelKind::Line, &data);
    let loss = |_: &VarMap| mse(&net.forward(&x)?, &y, Reduction::Mean);
    let run = train_recorded(net.varmap(), &loss, adam(0.05), 80, 40).unwrap();
    let center = run.points.last().unwrap().clone();
    let (d1, d2) = pca_directions(&run.points, &center).unwrap();
    assert!((d1.dot(&d1).unwrap() - 1.0).abs() < 1e-9 && (d2.dot(&d2).unwrap() - 1.0).abs() < 1e-9);
    assert!(d1.dot(&d2).unwrap().abs() < 1e-6);
    // The line has two parameters, so its whole path lies in the PCA plane: projecting and
    // rebuilding each point gives it back.
    let coords = project(&run.points, &center, (&d1, &d2)).unwrap();
    for (p, (a, b)) in run.points.iter().zip(coords) {
        let rebuilt = center
            .add_scaled(&d1, a)
            .unwrap()
            .add_scaled(&d2, b)
            .unwrap();
        for (u, v) in values(p).iter().zip(values(&rebuilt)) {
            assert!((u - v).abs() < 1e-9, "{u} vs {v}");
        }
    }
}

/// The batched plane of the built-in models gives the per-point path's values, to 1e-6 relative
/// in f64 (in fact to about 1e-14): an MLP after training, around its trained parameters, with
/// each activation (the kernel is told the model's, and a ReLU network is not evaluated as a
/// tanh one), and the line.
#[test]
fn batched_plane_equals_the_per_point_path() {
    use explore::landscape::batched;
    use model::Activation;
    let data = sine_data();
    for (kind, hidden, activation) in [
        (ModelKind::Mlp, vec![16, 16], Activation::Tanh),
        (ModelKind::Mlp, vec![3], Activation::Tanh),
        (ModelKind::Mlp, vec![8, 8], Activation::Relu),
        (ModelKind::Mlp, vec![5], Activation::Sigmoid),
        (ModelKind::Line, vec![], Activation::Tanh),
    ] {
        let net = Model::new(kind, &hidden, activation, 3, DType::F64, &Device::Cpu).unwrap();
        let (xs, ys) = data.tensors(DType::F64, &Device::Cpu).unwrap();
        let (x, y) = (xs.unsqueeze(1).unwrap(), ys.unsqueeze(1).unwrap());
        let loss = |_: &VarMap| mse(&net.forward(&x)?, &y, Reduction::Mean);
        train_recorded(net.varmap(), &loss, adam(0.01), 50, 5).unwrap();
        let center = Params::of(net.varmap()).unwrap();
        let layers =
            batched::Layers::of(&center, net.activation()).expect("a built-in model has layers");
        assert_eq!(layers.layers.len(), hidden.len() + 1);
        let d1 = random_direction(&center, 1, Normalization::Filter, true).unwrap();
        let d2 = random_direction(&center, 2, Normalization::Filter, true).unwrap();
        let axis = explore::grid::linspace(-1.0, 1.0, 9);
        let per_point = plane(
            net.varmap(),
            &loss,
            &center,
            (&d1, &d2),
            &axis,
            &axis,
            &|_, _| {},
        )
        .unwrap();
        let batched = batched::plane(
            &layers,
            &center,
            (&d1, &d2),
            &axis,
            &axis,
            &xs,
            &ys,
            &|_, _| {},
        )
        .unwrap();
        assert_eq!(batched.len(), 81);
        for (b, p) in batched.iter().zip(&per_point) {
            assert!(
                (b - p).abs() <= 1e-6 * p.abs(),
                "{kind:?} {hidden:?}: {b} vs {p}"
            );
            assert!(
                (b - p).abs() <= 1e-12 * p.abs(),
                "{kind:?} {hidden:?}: {b} vs {p}"
            );
        }
        if activation == Activation::Relu {
            // What the kernel did before it was told: a ReLU network read as a tanh one.
            let guessed = batched::Layers::of(&center, Activation::Tanh).unwrap();
            let wrong = batched::plane(
                &guessed,
                &center,
                (&d1, &d2),
                &axis,
                &axis,
                &xs,
                &ys,
                &|_, _| {},
            )
            .unwrap();
            let off = wrong
                .iter()
                .zip(&per_point)
                .filter(|(w, p)| (*w - *p).abs() > 1e-3 * p.abs())
                .count();
            assert!(
                off > 40,
                "a tanh reading of a ReLU net differs: {off} of 81"
            );
        }
    }
}
