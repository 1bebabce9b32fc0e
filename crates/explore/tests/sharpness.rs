//! The top Hessian eigenvalue by power iteration on finite-difference Hessian-vector products:
//! against the line's exact Hessian `2·[[mean x², x̄], [x̄, 1]]`, and against a Hessian of a tiny
//! MLP built entry by entry from loss values.

use candle_core::{DType, Device};
use candle_nn::VarMap;
use explore::data::gen::{sine, LineSpec};
use explore::landscape::{top_eigenvalue, Model, ModelKind, Params, PowerIteration};
use loss::{mse, Reduction};

fn data() -> explore::data::Dataset {
    sine(&LineSpec {
        n: 30,
        seed: 5,
        slope: 1.0,
        intercept: 0.5,
        noise: 0.1,
        x_scale: 3.0,
        x_mean: 1.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    })
}

#[test]
fn the_lines_top_eigenvalue_is_its_exact_curvature() {
    let data = data();
    let net = Model::new(
        ModelKind::Line,
        &[],
        model::Activation::Tanh,
        0,
        DType::F64,
        &Device::Cpu,
    )
    .unwrap();
    let (x, y) = data.tensors(DType::F64, &Device::Cpu).unwrap();
    let (x, y) = (x.unsqueeze(1).unwrap(), y.unsqueeze(1).unwrap());
    let loss = |_: &VarMap| mse(&net.forward(&x)?, &y, Reduction::Mean);
    let start = Params::of(net.varmap())
        .unwrap()
        .unflatten(&[0.3, -1.2])
        .unwrap();
    start.set_into(net.varmap()).unwrap();
    let lambda = top_eigenvalue(net.varmap(), &loss, PowerIteration::default()).unwrap();
    // λmax of 2·[[mean x², x̄], [x̄, 1]], in closed form from the moments.
    let exact = data.moments().max_curvature(true);
    assert!(
        (lambda - exact).abs() <= 1e-6 * exact,
        "{lambda} vs {exact}"
    );
    // The parameters are put back.
    assert_eq!(
        Params::of(net.varmap()).unwrap().flatten().unwrap(),
        [0.3, -1.2]
    );
}

/// The eigenvalues of a symmetric matrix by Jacobi rotations.
#[allow(clippy::needless_range_loop)] // the rotation reads two entries of each row
fn eigenvalues(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for _ in 0..100 {
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                for k in 0..n {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
            }
        }
    }
    (0..n).map(|i| a[i][i]).collect()
}

#[test]
fn a_tiny_mlps_top_eigenvalue_matches_its_finite_difference_hessian() {
    let data = data();
    let net = Model::new(
        ModelKind::Mlp,
        &[2],
        model::Activation::Tanh,
        11,
        DType::F64,
        &Device::Cpu,
    )
    .unwrap();
    let (x, y) = data.tensors(DType::F64, &Device::Cpu).unwrap();
    let (x, y) = (x.unsqueeze(1).unwrap(), y.unsqueeze(1).unwrap());
    let loss = |_: &VarMap| mse(&net.forward(&x)?, &y, Reduction::Mean);
    let center = Params::of(net.varmap()).unwrap();
    let theta = center.flatten().unwrap();
    let n = theta.len();
    assert_eq!(n, 7);
    // Every entry from loss values alone: a second difference in the two coordinates.
    let value = |t: &[f64]| -> f64 {
        center.unflatten(t).unwrap().set_into(net.varmap()).unwrap();
        model::scalar(&loss(net.varmap()).unwrap()).unwrap()
    };
    let h = 1e-4;
    let mut hessian = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            let at = |si: f64, sj: f64| {
                let mut t = theta.clone();
                t[i] += si * h;
                t[j] += sj * h;
                value(&t)
            };
            hessian[i][j] =
                (at(1.0, 1.0) - at(1.0, -1.0) - at(-1.0, 1.0) + at(-1.0, -1.0)) / (4.0 * h * h);
        }
    }
    center.set_into(net.varmap()).unwrap();
    let want = eigenvalues(hessian)
        .into_iter()
        .fold(f64::NEG_INFINITY, f64::max);
    let got = top_eigenvalue(net.varmap(), &loss, PowerIteration::default()).unwrap();
    assert!(want > 0.0);
    assert!((got - want).abs() <= 1e-5 * want, "{got} vs {want}");
}
