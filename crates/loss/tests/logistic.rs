//! Logistic regression's fused pass (`loss::logistic`) against the same computation in plain
//! candle ops: the loss, both gradients by autograd, and the count of points classified right,
//! in f64 and f32, with and without pos_weight, at sizes around the block and the task, and
//! with logits large enough to saturate the sigmoid.

use candle_core::{DType, Device, Tensor, Var};
use loss::logistic::{logistic, plain};
use loss::BceWithLogits;

/// A deterministic spread of values in about [−scale, scale].
fn values(n: usize, seed: u64, scale: f64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale
        })
        .collect()
}

/// The loss, the weight's and the bias's gradients, and the count right, of `run`.
type Outcome = (f64, Vec<f64>, f64, usize);

fn outcome(
    run: fn(
        &BceWithLogits,
        &Tensor,
        &Tensor,
        &Tensor,
        &Tensor,
    ) -> candle_core::Result<loss::Logistic>,
    loss: &BceWithLogits,
    (n, d): (usize, usize),
    scale: f64,
    dtype: DType,
) -> Outcome {
    let dev = Device::Cpu;
    let features = values(n * d, 1, 2.0);
    // Labels from a noisy plane, so that some points are classified wrong.
    let noise = values(n, 2, 1.0);
    let labels: Vec<f64> = features
        .chunks(d)
        .zip(&noise)
        .map(|(row, e)| f64::from(u8::from(row.iter().sum::<f64>() + e > 0.0)))
        .collect();
    let x = Tensor::from_vec(features, (n, d), &dev)
        .unwrap()
        .to_dtype(dtype)
        .unwrap();
    let y = Tensor::from_vec(labels, (n, 1), &dev)
        .unwrap()
        .to_dtype(dtype)
        .unwrap();
    let w = Var::from_tensor(
        &Tensor::from_vec(values(d, 3, scale), (1, d), &dev)
            .unwrap()
            .to_dtype(dtype)
            .unwrap(),
    )
    .unwrap();
    let b = Var::from_tensor(
        &Tensor::new(&[0.3 * scale], &dev)
            .unwrap()
            .to_dtype(dtype)
            .unwrap(),
    )
    .unwrap();
    let out = run(loss, &x, &y, w.as_tensor(), b.as_tensor()).unwrap();
    let grads = out.loss.backward().unwrap();
    let get = |v: &Var| -> Vec<f64> {
        grads
            .get(v.as_tensor())
            .unwrap()
            .to_dtype(DType::F64)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    let value = out
        .loss
        .to_dtype(DType::F64)
        .unwrap()
        .to_scalar::<f64>()
        .unwrap();
    (value, get(&w), get(&b)[0], out.right)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn the_fused_pass_equals_plain_candle() {
    for &(n, d) in &[
        (1, 1),
        (7, 2),
        (256, 2),
        (257, 3),
        (1000, 1),
        (70_001, 2),
        (5_000, 5),
        (40_000, 4),
        (33_001, 6),
    ] {
        for &scale in &[0.5, 40.0] {
            for pos_weight in [None, Some(3.0)] {
                let loss = BceWithLogits { pos_weight };
                for (dtype, tol) in [(DType::F64, 1e-13), (DType::F32, 2e-5)] {
                    let fused = outcome(logistic, &loss, (n, d), scale, dtype);
                    let reference = outcome(plain, &loss, (n, d), scale, dtype);
                    let case = format!("n {n}, d {d}, scale {scale}, {pos_weight:?}, {dtype:?}");
                    assert!(
                        close(fused.0, reference.0, tol),
                        "{case}: {fused:?} vs {reference:?}"
                    );
                    assert!(
                        fused
                            .1
                            .iter()
                            .zip(&reference.1)
                            .all(|(a, b)| close(*a, *b, tol)),
                        "{case}: {fused:?} vs {reference:?}"
                    );
                    assert!(
                        close(fused.2, reference.2, tol),
                        "{case}: {fused:?} vs {reference:?}"
                    );
                    assert_eq!(fused.3, reference.3, "{case}");
                }
            }
        }
    }
}

#[test]
fn the_gradient_is_the_loss_s_slope() {
    // Central differences of the f64 loss in each weight and the bias.
    let dev = Device::Cpu;
    let x = Tensor::from_vec(values(300, 5, 2.0), (100, 3), &dev).unwrap();
    let y = Tensor::from_vec(
        values(100, 6, 1.0)
            .iter()
            .map(|v| f64::from(u8::from(*v > 0.0)))
            .collect::<Vec<_>>(),
        100,
        &dev,
    )
    .unwrap();
    let loss = BceWithLogits::default();
    let at = |w: &[f64], b: f64| -> f64 {
        let w = Tensor::from_vec(w.to_vec(), (1, 3), &dev).unwrap();
        let b = Tensor::new(&[b], &dev).unwrap();
        logistic(&loss, &x, &y, &w, &b)
            .unwrap()
            .loss
            .to_scalar::<f64>()
            .unwrap()
    };
    let (w0, b0) = ([0.4, -1.1, 0.7], 0.2);
    let wv = Var::from_tensor(&Tensor::from_vec(w0.to_vec(), (1, 3), &dev).unwrap()).unwrap();
    let bv = Var::from_tensor(&Tensor::new(&[b0], &dev).unwrap()).unwrap();
    let out = logistic(&loss, &x, &y, wv.as_tensor(), bv.as_tensor()).unwrap();
    let grads = out.loss.backward().unwrap();
    let gw: Vec<f64> = grads
        .get(wv.as_tensor())
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    let gb = grads.get(bv.as_tensor()).unwrap().to_vec1::<f64>().unwrap()[0];
    let h = 1e-6;
    for j in 0..3 {
        let (mut up, mut down) = (w0, w0);
        up[j] += h;
        down[j] -= h;
        let slope = (at(&up, b0) - at(&down, b0)) / (2.0 * h);
        assert!((gw[j] - slope).abs() < 1e-8, "w{j}: {} vs {slope}", gw[j]);
    }
    let slope = (at(&w0, b0 + h) - at(&w0, b0 - h)) / (2.0 * h);
    assert!((gb - slope).abs() < 1e-8, "b: {gb} vs {slope}");
}

#[test]
fn a_nan_logit_makes_the_loss_nan_and_bad_shapes_are_refused() {
    let dev = Device::Cpu;
    let x = Tensor::new(&[[1.0f64, 2.0], [3.0, 4.0]], &dev).unwrap();
    let y = Tensor::new(&[1.0f64, 1.0], &dev).unwrap();
    let loss = BceWithLogits::default();
    let w = Tensor::new(&[[f64::NAN, 0.0]], &dev).unwrap();
    let b = Tensor::new(&[0.0f64], &dev).unwrap();
    let out = logistic(&loss, &x, &y, &w, &b).unwrap();
    assert!(out.loss.to_scalar::<f64>().unwrap().is_nan());
    let wrong = Tensor::new(&[[1.0f64, 0.0, 0.0]], &dev).unwrap();
    let err = logistic(&loss, &x, &y, &wrong, &b).unwrap_err().to_string();
    assert!(err.contains("weight (1, 2)"), "{err}");
    let short = Tensor::new(&[1.0f64], &dev).unwrap();
    assert!(logistic(&loss, &x, &short, &w, &b).is_err());
}
