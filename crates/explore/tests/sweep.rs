//! Loss sweeps: PyTorch reference values, direct == moments, chunking, and the minimum.

use candle_core::{DType, Device, Tensor};
use explore::data::Dataset;
use explore::sweep::{argmin, direct, grid, losses, Method};
use proptest::prelude::*;

fn small() -> Dataset {
    Dataset {
        x: vec![-2.0, -0.5, 1.0, 2.5, 4.0],
        y: vec![-3.1, -0.4, 1.7, 3.2, 6.9],
        source: "small".into(),
    }
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
    let weights: Vec<f64> = PYTORCH.iter().map(|r| r.0).collect();
    let biases: Vec<f64> = PYTORCH.iter().map(|r| r.1).collect();
    for method in [Method::Direct, Method::Moments, Method::Auto] {
        for (dtype, tol) in [(DType::F64, 1e-12), (DType::F32, 1e-6)] {
            let got = losses(
                &small(),
                &weights,
                &biases,
                method,
                dtype,
                &Device::Cpu,
                &|_| {},
            )
            .unwrap();
            for (g, r) in got.iter().zip(PYTORCH) {
                assert!(
                    (g - r.2).abs() <= tol * r.2,
                    "{method:?} {dtype:?}: {g} vs {}",
                    r.2
                );
            }
        }
    }
}

#[test]
fn chunks_give_the_same_answer_as_one_pass() {
    let d = small();
    let (x, y) = d.tensors(DType::F64, &Device::Cpu).unwrap();
    let (w, b) = grid(&[-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 7.0], &[-1.0, 0.5, 2.0]);
    let whole = direct(&x, &y, &w, &b, usize::MAX, &|_| {}).unwrap();
    let done = std::cell::Cell::new(0);
    // A budget of one pair per chunk: 21 chunks, each reported.
    let chunked = direct(&x, &y, &w, &b, 1, &|n| done.set(n)).unwrap();
    assert_eq!(whole, chunked);
    assert_eq!(done.get(), 21);
    assert_eq!(w.len(), 21);
    assert_eq!(
        (w[0], b[0], w[1], b[1], w[3], b[3]),
        (-1.0, -1.0, -1.0, 0.5, 0.0, -1.0)
    );
}

#[test]
fn argmin_skips_nan_and_takes_the_first_tie() {
    assert_eq!(argmin(&[3.0, f64::NAN, 1.0, 1.0, 2.0]), Some(2));
    assert_eq!(argmin(&[f64::NAN]), None);
    assert_eq!(argmin(&[]), None);
}

#[test]
fn direct_runs_on_any_tensor_device_path() {
    // The direct path is the model + loss crates: check it against them on one row.
    let d = small();
    let (x, y) = d.tensors(DType::F32, &Device::Cpu).unwrap();
    let pred =
        model::predict_table(&Tensor::new(&[0.5f32], &Device::Cpu).unwrap(), None, &x).unwrap();
    let want = loss::mse_rows(&pred, &y).unwrap().to_vec1::<f32>().unwrap()[0] as f64;
    let got = direct(&x, &y, &[0.5], &[0.0], 1 << 20, &|_| {}).unwrap();
    assert_eq!(got, [want]);
}

proptest! {
    #[test]
    fn direct_equals_moments_on_random_data(
        pts in prop::collection::vec((-100.0f64..100.0, -100.0f64..100.0), 1..200),
        pairs in prop::collection::vec((-10.0f64..10.0, -50.0f64..50.0), 1..20),
    ) {
        let (x, y) = pts.into_iter().unzip();
        let data = Dataset { x, y, source: "random".into() };
        let (w, b): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        let moments = losses(&data, &w, &b, Method::Moments, DType::F64, &Device::Cpu, &|_| {}).unwrap();
        for (dtype, tol) in [(DType::F64, 1e-10), (DType::F32, 1e-5)] {
            let direct = losses(&data, &w, &b, Method::Direct, dtype, &Device::Cpu, &|_| {}).unwrap();
            for (d, m) in direct.iter().zip(&moments) {
                prop_assert!((d - m).abs() <= tol * m.max(1e-3), "{:?}: {} vs {}", dtype, d, m);
            }
        }
    }
}
