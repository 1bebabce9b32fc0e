//! The fused CPU kernels equal the plain candle ops, for values and gradients, at awkward sizes.

use candle_core::{DType, Device, Tensor, Var};
use loss::line::plain;
use loss::{line_mse, line_sweep, Mse};
use proptest::prelude::*;

/// A deterministic spread of values (no RNG needed): a scrambled sequence in [-scale, scale].
fn values(n: usize, seed: u64, scale: f64) -> Vec<f64> {
    (0..n as u64)
        .map(|i| {
            let h = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ seed.wrapping_mul(0xD1B5_4A32_D192_ED03);
            let u = (h >> 11) as f64 / (1u64 << 53) as f64;
            scale * (2.0 * u - 1.0)
        })
        .collect()
}

fn data(n: usize, dtype: DType) -> (Tensor, Tensor, Vec<f64>, Vec<f64>) {
    let x = values(n, 1, 10.0);
    let y: Vec<f64> = x
        .iter()
        .zip(values(n, 2, 3.0))
        .map(|(x, e)| 1.5 * x - 2.0 + e)
        .collect();
    let t = |v: &[f64]| {
        Tensor::new(v, &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap()
    };
    (t(&x), t(&y), x, y)
}

fn exact(x: &[f64], y: &[f64], w: f64, b: f64) -> f64 {
    x.iter()
        .zip(y)
        .map(|(x, y)| (y - w * x - b).powi(2))
        .sum::<f64>()
        / x.len() as f64
}

fn grid(t: &Tensor) -> Vec<Vec<f64>> {
    t.to_dtype(DType::F64).unwrap().to_vec2().unwrap()
}

#[test]
fn sweep_equals_plain_ops_at_odd_sizes() {
    for n in [1, 7, 15, 16, 17, 2047, 2048, 2049, 10_000, 70_001] {
        for k in [1, 7, 8, 9, 33] {
            for nb in [1, 3] {
                let weights = values(k, 3 + n as u64, 4.0);
                let biases = values(nb, 4, 5.0);
                for (dtype, tol) in [(DType::F32, 1e-5), (DType::F64, 1e-12)] {
                    let (x, y, xs, ys) = data(n, dtype);
                    let fused = grid(&line_sweep(&x, &y, &weights, &biases).unwrap());
                    let plain = grid(&plain::line_sweep(&Mse, &x, &y, &weights, &biases).unwrap());
                    for i in 0..k {
                        for j in 0..nb {
                            let (w, b) = (weights[i], biases[j]);
                            let want = exact(&xs, &ys, w, b);
                            let (f, p) = (fused[i][j], plain[i][j]);
                            assert!(
                                (f - p).abs() <= tol * p.max(1e-6),
                                "n={n} k={k} {dtype:?}: fused {f} plain {p}"
                            );
                            // Against the exact value, f32 also pays for rounding y − w·x − b
                            // itself, which matters when the residual nearly cancels (n = 1).
                            let size = xs
                                .iter()
                                .zip(&ys)
                                .map(|(x, y)| (y.abs() + (w * x).abs() + b.abs()).powi(2))
                                .sum::<f64>()
                                / n as f64;
                            let slack = if dtype == DType::F32 {
                                1e-7 * size
                            } else {
                                0.0
                            };
                            assert!(
                                (f - want).abs() <= tol * want + slack,
                                "n={n} k={k} {dtype:?}: fused {f} exact {want}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn sweep_over_many_weights_and_few_points() {
    // The other parallel split: blocks of weights, each over all the data.
    let (x, y, xs, ys) = data(100, DType::F32);
    let weights = values(10_001, 9, 3.0);
    let out = grid(&line_sweep(&x, &y, &weights, &[0.5]).unwrap());
    for (i, w) in weights.iter().enumerate().step_by(997) {
        let want = exact(&xs, &ys, *w, 0.5);
        assert!(
            (out[i][0] - want).abs() <= 1e-5 * want,
            "{i}: {} vs {want}",
            out[i][0]
        );
    }
}

#[test]
fn sweep_refuses_bad_input() {
    let (x, y, _, _) = data(5, DType::F32);
    let short = Tensor::new(&[1f32, 2.0], &Device::Cpu).unwrap();
    assert!(line_sweep(&x, &short, &[1.0], &[0.0])
        .unwrap_err()
        .to_string()
        .contains("must match"));
    let empty = Tensor::zeros(0, DType::F32, &Device::Cpu).unwrap();
    assert!(line_sweep(&empty, &empty, &[1.0], &[0.0])
        .unwrap_err()
        .to_string()
        .contains("empty"));
    let y64 = y.to_dtype(DType::F64).unwrap();
    assert!(line_sweep(&x, &y64, &[1.0], &[0.0]).is_err());
    assert_eq!(line_sweep(&x, &y, &[], &[0.0]).unwrap().dims(), [0, 1]);
}

/// `line_mse` or `plain::line_loss` under MSE.
type LineLoss = fn(&Tensor, &Tensor, &Tensor, Option<&Tensor>) -> candle_core::Result<Tensor>;

fn loss_and_grads(f: LineLoss, n: usize, dtype: DType, with_bias: bool) -> (f64, f64, f64) {
    let (x, y, _, _) = data(n, dtype);
    let w = Var::from_tensor(
        &Tensor::new(&[[0.7f64]], &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap(),
    )
    .unwrap();
    let b = Var::from_tensor(
        &Tensor::new(&[-0.3f64], &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap(),
    )
    .unwrap();
    let loss = f(&x, &y, w.as_tensor(), with_bias.then_some(b.as_tensor())).unwrap();
    let grads = loss.backward().unwrap();
    let read = |t: &Tensor| {
        t.to_dtype(DType::F64)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap()[0]
    };
    let gw = read(grads.get(w.as_tensor()).unwrap());
    let gb = grads.get(b.as_tensor()).map_or(0.0, read);
    assert_eq!(grads.get(w.as_tensor()).unwrap().dims(), [1, 1]);
    (read(&loss), gw, gb)
}

#[test]
fn training_loss_and_gradients_equal_plain_autograd() {
    for n in [1, 3, 100, 2049, 70_001, 1_000_003] {
        for (dtype, tol) in [(DType::F32, 1e-5), (DType::F64, 1e-12)] {
            for with_bias in [true, false] {
                let fused = loss_and_grads(line_mse, n, dtype, with_bias);
                let plain = loss_and_grads(
                    |x, y, w, b| plain::line_loss(&Mse, x, y, w, b),
                    n,
                    dtype,
                    with_bias,
                );
                let close = |a: f64, b: f64| (a - b).abs() <= tol * b.abs().max(1.0);
                assert!(
                    close(fused.0, plain.0) && close(fused.1, plain.1) && close(fused.2, plain.2),
                    "n={n} {dtype:?} bias={with_bias}: {fused:?} vs {plain:?}"
                );
                if !with_bias {
                    assert_eq!(fused.2, 0.0);
                }
            }
        }
    }
}

#[test]
fn line_mse_refuses_a_table_of_weights() {
    let (x, y, _, _) = data(5, DType::F32);
    let w = Tensor::new(&[1f32, 2.0], &Device::Cpu).unwrap();
    assert!(line_mse(&x, &y, &w, None)
        .unwrap_err()
        .to_string()
        .contains("one value"));
}

proptest! {
    #[test]
    fn fused_sweep_matches_exact_f64(
        pts in prop::collection::vec((-100.0f64..100.0, -100.0f64..100.0), 1..300),
        weights in prop::collection::vec(-5.0f64..5.0, 1..20),
        biases in prop::collection::vec(-20.0f64..20.0, 1..4),
    ) {
        let (xs, ys): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
        let x = Tensor::new(xs.as_slice(), &Device::Cpu).unwrap();
        let y = Tensor::new(ys.as_slice(), &Device::Cpu).unwrap();
        let out = grid(&line_sweep(&x, &y, &weights, &biases).unwrap());
        for (i, w) in weights.iter().enumerate() {
            for (j, b) in biases.iter().enumerate() {
                let want = exact(&xs, &ys, *w, *b);
                prop_assert!((out[i][j] - want).abs() <= 1e-12 * want.max(1e-9));
            }
        }
    }
}
