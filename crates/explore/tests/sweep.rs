//! Loss sweeps: PyTorch reference values, direct == moments, chunking, and the minimum.

use candle_core::{DType, Device, Tensor};
use explore::data::Dataset;
use explore::grid::{argmin, grid};
const MSE: loss::AnyLoss = loss::AnyLoss::Mse(loss::Mse);
use explore::sweep::{direct, losses, Method};
use proptest::prelude::*;

fn small() -> Dataset {
    Dataset::from_points(&[
        (-2.0, -3.1),
        (-0.5, -0.4),
        (1.0, 1.7),
        (2.5, 3.2),
        (4.0, 6.9),
    ])
}

// Computed once with PyTorch 2.15:
//
//   x = torch.tensor([-2.0, -0.5, 1.0, 2.5, 4.0], dtype=torch.float64)
//   y = torch.tensor([-3.1, -0.4, 1.7, 3.2, 6.9], dtype=torch.float64)
//   for A, b in [(-1.0, 0.0), (0.0, 0.0), (0.5, 1.0), (1.5, -0.5), (2.0, 0.25)]:
//       print(A, b, ((y - (A*x + b))**2).mean().item())
const PYTORCH: [(f64, f64, f64); 5] = [
    (-1.0, 0.0, 37.082),
    (0.0, 0.0, 14.102),
    (0.5, 1.0, 5.417000000000001),
    (1.5, -0.5, 0.6670000000000001),
    (2.0, 0.25, 1.3744999999999998),
];

#[test]
fn matches_pytorch_for_every_method_and_dtype() {
    for method in [Method::Direct, Method::Moments, Method::Auto] {
        for (dtype, tol) in [(DType::F64, 1e-12), (DType::F32, 1e-6)] {
            for (w, b, want) in PYTORCH {
                let got = losses(
                    &small(),
                    &[w],
                    &[b],
                    method,
                    &MSE,
                    dtype,
                    &Device::Cpu,
                    &|_, _| {},
                )
                .unwrap();
                assert!(
                    (got[0] - want).abs() <= tol * want,
                    "{method:?} {dtype:?}: {} vs {want}",
                    got[0]
                );
            }
        }
    }
}

#[test]
fn grids_are_weight_major_and_progress_reaches_the_end() {
    let d = small();
    let weights: Vec<f64> = (0..200).map(|i| -2.0 + i as f64 * 0.02).collect();
    let biases = [-1.0, 0.5, 2.0];
    let (x, y) = d.tensors(DType::F64, &Device::Cpu).unwrap();
    let done = std::cell::Cell::new(0);
    let direct = direct(&MSE, &x, &y, &weights, &biases, &|n, _| done.set(n)).unwrap();
    assert_eq!(done.get(), 600);
    let moments = losses(
        &d,
        &weights,
        &biases,
        Method::Moments,
        &MSE,
        DType::F64,
        &Device::Cpu,
        &|_, _| {},
    )
    .unwrap();
    let m = d.moments();
    for (i, &w) in weights.iter().enumerate() {
        for (j, &b) in biases.iter().enumerate() {
            let k = i * 3 + j;
            assert_eq!(moments[k], m.loss(w, b));
            assert!(
                (direct[k] - moments[k]).abs() <= 1e-12 * moments[k],
                "({w}, {b})"
            );
        }
    }
    let (gw, gb) = grid(&[1.0, 2.0], &[-1.0, 0.5, 2.0]);
    assert_eq!(gw, [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    assert_eq!(gb, [-1.0, 0.5, 2.0, -1.0, 0.5, 2.0]);
}

#[test]
fn argmin_skips_nan_and_takes_the_first_tie() {
    assert_eq!(argmin(&[3.0, f64::NAN, 1.0, 1.0, 2.0]), Some(2));
    assert_eq!(argmin(&[f64::NAN]), None);
    assert_eq!(argmin(&[]), None);
}

#[test]
fn direct_agrees_with_the_model_and_loss_crates() {
    // The direct path's fused kernel computes what model::predict_table + loss::mse_rows do.
    let d = small();
    let (x, y) = d.tensors(DType::F32, &Device::Cpu).unwrap();
    let table = Tensor::new(&[0.5f32, -1.25], &Device::Cpu).unwrap();
    let pred = model::predict_table(&table, None, &x).unwrap();
    let want = loss::mse_rows(&pred, &y).unwrap().to_vec1::<f32>().unwrap();
    let got = direct(&MSE, &x, &y, &[0.5, -1.25], &[0.0], &|_, _| {}).unwrap();
    for (g, w) in got.iter().zip(want) {
        assert!((g - w as f64).abs() <= 1e-6 * w as f64, "{g} vs {w}");
    }
}

proptest! {
    #[test]
    fn direct_equals_moments_on_random_data(
        pts in prop::collection::vec((-100.0f64..100.0, -100.0f64..100.0), 1..200),
        weights in prop::collection::vec(-10.0f64..10.0, 1..20),
        biases in prop::collection::vec(-50.0f64..50.0, 1..4),
    ) {
        let data = Dataset::from_points(&pts);
        let (dx, dy) = data.values().unwrap();
        let moments = losses(&data, &weights, &biases, Method::Moments, &MSE, DType::F64, &Device::Cpu, &|_, _| {}).unwrap();
        // In f32 the inputs themselves are rounded, which moves each residual r = y − w·x − b
        // by about eps·(|y| + |w·x| + |b|); near an exact fit (tiny loss) that, not the
        // method, bounds the agreement, so the f32 check allows 2·|r|·δr on top of 1e-5.
        let rounding = |w: f64, b: f64| {
            let n = data.len() as f64;
            dx.iter().zip(&dy).map(|(x, y)| {
                let r = (y - w * x - b).abs();
                2.0 * r * 1.2e-7 * (y.abs() + (w * x).abs() + b.abs())
            }).sum::<f64>() / n
        };
        let (gw, gb) = grid(&weights, &biases);
        for (dtype, tol) in [(DType::F64, 1e-10), (DType::F32, 1e-5)] {
            let direct = losses(&data, &weights, &biases, Method::Direct, &MSE, dtype, &Device::Cpu, &|_, _| {}).unwrap();
            prop_assert_eq!(direct.len(), moments.len());
            for (k, (d, m)) in direct.iter().zip(&moments).enumerate() {
                let slack = if dtype == DType::F32 { rounding(gw[k], gb[k]) } else { 0.0 };
                prop_assert!((d - m).abs() <= tol * m.max(1e-9) + slack, "{:?}: {} vs {}", dtype, d, m);
            }
        }
    }
}
