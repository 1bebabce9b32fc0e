//! The fused MLP pass against the same network in candle's ops: outputs and gradients, in f32
//! and f64, for each activation, on block and task edges.

use candle_core::{DType, Device, Tensor, Var};
use model::mlp_pass;
use model::Activation;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The network in candle's ops: what `Mlp::forward` did before the fused pass.
fn plain(x: &Tensor, layers: &[(Var, Var)], activation: Activation) -> Tensor {
    let mut h = x.clone();
    for (i, (w, b)) in layers.iter().enumerate() {
        h = h.matmul(&w.t().unwrap()).unwrap().broadcast_add(b).unwrap();
        if i + 1 < layers.len() {
            h = match activation {
                Activation::Tanh => h.tanh().unwrap(),
                Activation::Relu => h.relu().unwrap(),
                Activation::Sigmoid => candle_nn::ops::sigmoid(&h).unwrap(),
            };
        }
    }
    h
}

fn random(rng: &mut ChaCha8Rng, shape: (usize, usize), scale: f64, dtype: DType) -> Tensor {
    let values: Vec<f64> = (0..shape.0 * shape.1)
        .map(|_| rng.random_range(-scale..scale))
        .collect();
    Tensor::from_vec(values, shape, &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

fn values(t: &Tensor) -> Vec<f64> {
    t.flatten_all()
        .unwrap()
        .to_dtype(DType::F64)
        .unwrap()
        .to_vec1()
        .unwrap()
}

/// The largest difference between `a` and `b`, relative to `b`'s largest value.
fn gap(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs() / scale))
}

/// Outputs and gradients (in every parameter and in `x`) of the fused pass and of candle's
/// ops, under the loss `Σ z·c` for a fixed random `c`, so that every output's gradient differs.
fn check(sizes: &[usize], n: usize, activation: Activation, dtype: DType, tolerance: f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(n as u64 + sizes.len() as u64);
    let x = Var::from_tensor(&random(&mut rng, (n, sizes[0]), 2.0, dtype)).unwrap();
    let layers: Vec<(Var, Var)> = sizes
        .windows(2)
        .map(|w| {
            let weight = random(&mut rng, (w[1], w[0]), 1.0, dtype);
            let bias = random(&mut rng, (1, w[1]), 1.0, dtype)
                .flatten_all()
                .unwrap();
            (
                Var::from_tensor(&weight).unwrap(),
                Var::from_tensor(&bias).unwrap(),
            )
        })
        .collect();
    let c = random(&mut rng, (n, sizes[sizes.len() - 1]), 1.0, dtype);
    let tensors: Vec<(Tensor, Tensor)> = layers
        .iter()
        .map(|(w, b)| (w.as_tensor().clone(), b.as_tensor().clone()))
        .collect();
    let fused = mlp_pass::forward(&x, &tensors, activation)
        .unwrap()
        .expect("a small network on the CPU takes the fused pass");
    let reference = plain(&x, &layers, activation);
    let what = format!("{sizes:?} N = {n} {activation:?} {dtype:?}");
    assert_eq!(fused.dims(), reference.dims(), "{what}");
    let g = gap(&values(&fused), &values(&reference));
    assert!(g < tolerance, "{what}: outputs differ by {g:e}");
    let grads = |z: &Tensor| (z * &c).unwrap().sum_all().unwrap().backward().unwrap();
    let (gf, gr) = (grads(&fused), grads(&reference));
    let mut vars: Vec<&Var> = layers.iter().flat_map(|(w, b)| [w, b]).collect();
    vars.push(&x);
    for (i, var) in vars.iter().enumerate() {
        let (a, b) = (gf.get(var).unwrap(), gr.get(var).unwrap());
        assert_eq!(a.dims(), b.dims(), "{what}: parameter {i}");
        let g = gap(&values(a), &values(b));
        assert!(g < tolerance, "{what}: gradient {i} differs by {g:e}");
    }
}

#[test]
fn the_fused_pass_equals_candles_ops() {
    for activation in Activation::ALL {
        // One row, a part block, whole blocks, several tasks with a part one.
        for n in [1, 5, 128, 300, 2048, 5000] {
            check(&[2, 16, 16, 1], n, activation, DType::F64, 1e-12);
        }
        check(&[2, 16, 16, 1], 3000, activation, DType::F32, 2e-5);
        check(&[3, 7, 4], 700, activation, DType::F64, 1e-12);
        check(&[1, 64, 5, 64, 3], 260, activation, DType::F64, 1e-12);
        check(&[2, 200, 3], 300, activation, DType::F64, 1e-12);
    }
}

#[test]
fn other_networks_are_left_to_candle() {
    let dev = Device::Cpu;
    let layer = |out: usize, input: usize, dtype: DType| {
        (
            Tensor::zeros((out, input), dtype, &dev).unwrap(),
            Tensor::zeros(out, dtype, &dev).unwrap(),
        )
    };
    let x = Tensor::zeros((10, 2), DType::F32, &dev).unwrap();
    let fused = |x: &Tensor, layers: &[(Tensor, Tensor)]| {
        mlp_pass::forward(x, layers, Activation::Tanh)
            .unwrap()
            .is_some()
    };
    let f32 = DType::F32;
    assert!(fused(&x, &[layer(16, 2, f32), layer(1, 16, f32)]));
    // Wider than the widest layer fused, no hidden layer, another dtype, no rows.
    assert!(!fused(&x, &[layer(257, 2, f32), layer(1, 257, f32)]));
    assert!(!fused(&x, &[layer(1, 2, f32)]));
    let half = x.to_dtype(DType::BF16).unwrap();
    let bf16 = DType::BF16;
    assert!(!fused(&half, &[layer(16, 2, bf16), layer(1, 16, bf16)]));
    let empty = Tensor::zeros((0, 2), f32, &dev).unwrap();
    assert!(!fused(&empty, &[layer(16, 2, f32), layer(1, 16, f32)]));
}
