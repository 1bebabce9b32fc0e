//! The line and its batched forward over a weight table.

use candle_core::{DType, Device, Tensor};
use loss::{mse, mse_rows, Reduction};
use model::{predict_table, Bias, Linear};

fn vec1(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64).unwrap().to_vec1().unwrap()
}

#[test]
fn seed_lesson_losses_through_model_and_loss() {
    // The point (-3, 3), bias pinned: loss(A) = (3 + 3A)².
    let dev = Device::Cpu;
    let x = Tensor::new(&[-3f32], &dev).unwrap();
    let y = Tensor::new(&[3f32], &dev).unwrap();
    for (a, expected) in [
        (-3.0, 36.0),
        (-2.0, 9.0),
        (-1.0, 0.0),
        (-0.5, 2.25),
        (0.0, 9.0),
        (1.0, 36.0),
    ] {
        let line = Linear::line(a, Bias::Zero, DType::F32, &dev).unwrap();
        let l = mse(&line.forward(&x).unwrap(), &y, Reduction::Mean).unwrap();
        assert_eq!(l.to_scalar::<f32>().unwrap() as f64, expected, "A = {a}");
    }
}

#[test]
fn pinned_bias_is_not_a_parameter() {
    let dev = Device::Cpu;
    let pinned = Linear::line(2.0, Bias::Zero, DType::F64, &dev).unwrap();
    assert_eq!(pinned.parameters().len(), 1);
    assert!(pinned.bias().is_none());
    assert_eq!(pinned.line_values().unwrap(), (2.0, 0.0));
    let learnable = Linear::line(2.0, Bias::Learnable(0.5), DType::F64, &dev).unwrap();
    assert_eq!(learnable.parameters().len(), 2);
    assert_eq!(learnable.line_values().unwrap(), (2.0, 0.5));
}

#[test]
fn forward_matches_the_formula_for_rank1_and_rank2_inputs() {
    let dev = Device::Cpu;
    let line = Linear::line(1.5, Bias::Learnable(-2.0), DType::F64, &dev).unwrap();
    let x = Tensor::new(&[-1.0f64, 0.0, 2.0, 4.0], &dev).unwrap();
    assert_eq!(vec1(&line.forward(&x).unwrap()), vec![-3.5, -2.0, 1.0, 4.0]);

    // y = x·Wᵀ + b with 3 inputs and 2 outputs.
    let w = Tensor::new(&[[1.0f64, 2.0, 3.0], [-1.0, 0.5, 0.0]], &dev).unwrap();
    let b = Tensor::new(&[0.5f64, -1.0], &dev).unwrap();
    let layer = Linear::from_tensors(w, Some(b)).unwrap();
    let x = Tensor::new(&[[1.0f64, 1.0, 1.0], [2.0, 0.0, -1.0]], &dev).unwrap();
    let y: Vec<Vec<f64>> = layer.forward(&x).unwrap().to_vec2().unwrap();
    assert_eq!(y, vec![vec![6.5, -1.5], vec![-0.5, -3.0]]);
}

#[test]
fn bad_shapes_are_errors_not_panics() {
    let dev = Device::Cpu;
    let w = Tensor::new(&[[1.0f64, 2.0]], &dev).unwrap();
    let b = Tensor::new(&[1.0f64, 2.0], &dev).unwrap();
    let err = Linear::from_tensors(w.clone(), Some(b))
        .unwrap_err()
        .to_string();
    assert!(err.contains("bias shape [2]"), "{err}");
    // A 1×2 weight cannot take a rank-1 input.
    let layer = Linear::from_tensors(w, None).unwrap();
    let x = Tensor::new(&[1.0f64, 2.0], &dev).unwrap();
    assert!(layer.forward(&x).is_err());
}

#[test]
fn batched_forward_equals_the_per_weight_loop() {
    let dev = Device::Cpu;
    let xs = [-2.5f64, -1.0, 0.0, 0.5, 3.25];
    let ys = [4.0f64, 1.5, -0.5, 0.25, -6.0];
    let x = Tensor::new(&xs, &dev).unwrap();
    let y = Tensor::new(&ys, &dev).unwrap();
    let weights = [-3.0f64, -1.75, 0.0, 0.5, 2.0];
    let biases = [0.5f64, -1.0, 2.0, 0.0, -0.25];
    let table = predict_table(
        &Tensor::new(&weights, &dev).unwrap(),
        Some(&Tensor::new(&biases, &dev).unwrap()),
        &x,
    )
    .unwrap();
    assert_eq!(table.dims(), [5, 5]);
    let batched = vec1(&mse_rows(&table, &y).unwrap());
    for (k, (&w, &b)) in weights.iter().zip(&biases).enumerate() {
        let line = Linear::line(w, Bias::Learnable(b), DType::F64, &dev).unwrap();
        let single = mse(&line.forward(&x).unwrap(), &y, Reduction::Mean).unwrap();
        let single = single.to_scalar::<f64>().unwrap();
        assert!(
            (batched[k] - single).abs() <= 1e-12 * single.max(1.0),
            "row {k}"
        );
        let by_hand: f64 = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (y - w * x - b).powi(2))
            .sum::<f64>()
            / 5.0;
        assert!(
            (single - by_hand).abs() <= 1e-12 * by_hand.max(1.0),
            "row {k}"
        );
    }
    // Without biases, the table is w·x exactly.
    let plain = predict_table(&Tensor::new(&[2.0f64], &dev).unwrap(), None, &x).unwrap();
    assert_eq!(
        plain.to_vec2::<f64>().unwrap()[0],
        vec![-5.0, -2.0, 0.0, 1.0, 6.5]
    );
}

#[test]
fn predict_table_refuses_mismatched_biases() {
    let dev = Device::Cpu;
    let w = Tensor::new(&[1.0f64, 2.0], &dev).unwrap();
    let b = Tensor::new(&[1.0f64], &dev).unwrap();
    let x = Tensor::new(&[1.0f64], &dev).unwrap();
    let err = predict_table(&w, Some(&b), &x).unwrap_err().to_string();
    assert!(err.contains("1 biases for 2 weights"), "{err}");
}
