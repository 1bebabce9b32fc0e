//! MSE against PyTorch's `nn.MSELoss`, shape and emptiness checks, and its algebraic properties.

use candle_core::{DType, Device, Tensor};
use loss::{mse, mse_rows, Reduction};
use proptest::prelude::*;

// Reference values computed once with PyTorch 2.15:
//
//   import torch
//   pred = torch.tensor([[0.5, -1.25, 2.0], [3.5, 0.0, -0.75]], dtype=torch.float32)
//   target = torch.tensor([[1.0, 0.25, -1.5], [2.0, 0.5, 0.125]], dtype=torch.float32)
//   for r in ["mean", "sum", "none"]:
//       print(r, torch.nn.MSELoss(reduction=r)(pred, target).tolist())
//
//   mean 3.0026042461395264
//   sum 18.015625
//   none [[0.25, 2.25, 12.25], [2.25, 0.25, 0.765625]]
const PRED: [[f32; 3]; 2] = [[0.5, -1.25, 2.0], [3.5, 0.0, -0.75]];
const TARGET: [[f32; 3]; 2] = [[1.0, 0.25, -1.5], [2.0, 0.5, 0.125]];

fn pair() -> (Tensor, Tensor) {
    let dev = Device::Cpu;
    (
        Tensor::new(&PRED, &dev).unwrap(),
        Tensor::new(&TARGET, &dev).unwrap(),
    )
}

#[test]
fn matches_pytorch_f32() {
    let (p, t) = pair();
    let mean = mse(&p, &t, Reduction::Mean)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert_eq!(mean, 3.002_604_2_f32);
    let sum = mse(&p, &t, Reduction::Sum)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert_eq!(sum, 18.015625);
    let none = mse(&p, &t, Reduction::None)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    assert_eq!(
        none,
        vec![vec![0.25, 2.25, 12.25], vec![2.25, 0.25, 0.765625]]
    );
}

// PyTorch, float64:
//
//   p = torch.tensor([0.1, -2.7, 3.3, 1e3, -0.001], dtype=torch.float64)
//   t = torch.tensor([0.3, 2.2, -1.1, 999.5, 0.0], dtype=torch.float64)
//   mean 8.732000200000002, sum 43.66000100000001,
//   none [0.039999999999999994, 24.010000000000005, 19.360000000000003, 0.25, 1e-06]
#[test]
fn matches_pytorch_f64() {
    let dev = Device::Cpu;
    let p = Tensor::new(&[0.1f64, -2.7, 3.3, 1e3, -0.001], &dev).unwrap();
    let t = Tensor::new(&[0.3f64, 2.2, -1.1, 999.5, 0.0], &dev).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs().max(1e-6);
    let mean = mse(&p, &t, Reduction::Mean)
        .unwrap()
        .to_scalar::<f64>()
        .unwrap();
    assert!(close(mean, 8.732000200000002), "{mean}");
    let sum = mse(&p, &t, Reduction::Sum)
        .unwrap()
        .to_scalar::<f64>()
        .unwrap();
    assert!(close(sum, 43.66000100000001), "{sum}");
    let none = mse(&p, &t, Reduction::None)
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    let want = [
        0.039999999999999994,
        24.010000000000005,
        19.360000000000003,
        0.25,
        1e-06,
    ];
    for (got, want) in none.iter().zip(want) {
        assert!(close(*got, want), "{got} vs {want}");
    }
}

#[test]
fn broadcastable_shapes_are_refused_naming_both() {
    // PyTorch would broadcast (3, 1) against (3,) into a (3, 3) loss; we refuse.
    let dev = Device::Cpu;
    let p = Tensor::new(&[[1f32], [2.0], [3.0]], &dev).unwrap();
    let t = Tensor::new(&[1f32, 2.0, 3.0], &dev).unwrap();
    let err = mse(&p, &t, Reduction::Mean).unwrap_err().to_string();
    assert!(err.contains("[3, 1]") && err.contains("[3]"), "{err}");
}

#[test]
fn empty_input_is_refused() {
    let dev = Device::Cpu;
    let e = Tensor::zeros(0, DType::F32, &dev).unwrap();
    let err = mse(&e, &e, Reduction::Mean).unwrap_err().to_string();
    assert!(err.contains("empty"), "{err}");
    let table = Tensor::zeros((2, 0), DType::F32, &dev).unwrap();
    assert!(mse_rows(&table, &e).is_err());
}

#[test]
fn rows_are_per_row_means() {
    let (p, _) = pair();
    let t = Tensor::new(&[1.0f32, 0.25, -1.5], &Device::Cpu).unwrap();
    let rows = mse_rows(&p, &t).unwrap().to_vec1::<f32>().unwrap();
    // Row 0 is pred[0] against TARGET[0]: (0.25 + 2.25 + 12.25) / 3; row 1 is
    // (2.5² + 0.25² + 0.75²) / 3. Within an ulp: candle divides by n its own way.
    let close = |a: f32, b: f64| ((a as f64) - b).abs() <= 1e-6 * b;
    assert!(close(rows[0], 14.75 / 3.0), "{}", rows[0]);
    assert!(
        close(rows[1], (6.25 + 0.0625 + 0.5625) / 3.0),
        "{}",
        rows[1]
    );
    let bad = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
    let err = mse_rows(&p, &bad).unwrap_err().to_string();
    assert!(err.contains("[2, 3]") && err.contains("[2]"), "{err}");
}

proptest! {
    #[test]
    fn nonnegative_zero_iff_equal_and_sum_is_mean_times_n(
        pairs in prop::collection::vec((-1e3f64..1e3, -1e3f64..1e3), 1..64),
    ) {
        let dev = Device::Cpu;
        let (p, t): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        let n = p.len() as f64;
        let (pt, tt) = (Tensor::new(p.as_slice(), &dev).unwrap(), Tensor::new(t.as_slice(), &dev).unwrap());
        let mean = mse(&pt, &tt, Reduction::Mean).unwrap().to_scalar::<f64>().unwrap();
        let sum = mse(&pt, &tt, Reduction::Sum).unwrap().to_scalar::<f64>().unwrap();
        prop_assert!(mean >= 0.0);
        prop_assert!((sum - mean * n).abs() <= 1e-9 * sum.max(1.0));
        prop_assert_eq!(mean == 0.0, p == t);
        let same = mse(&pt, &pt, Reduction::Mean).unwrap().to_scalar::<f64>().unwrap();
        prop_assert_eq!(same, 0.0);
    }
}
