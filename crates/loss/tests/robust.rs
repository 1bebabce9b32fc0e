//! The robust losses' fused line kernels (l1, huber, smooth-l1) against the plain tensor path,
//! l1's exact pinned-bias optimum against a scan, and the parameter and input checks.

use candle_core::{DType, Device, Tensor, Var};
use loss::line::plain;
use loss::{weighted_median, Huber, Loss, LossName, Param, Params, Reduction, SmoothL1, L1};

/// A deterministic spread of values in [-scale, scale], with a few gross outliers every 37th.
fn data(n: usize, dtype: DType) -> (Tensor, Tensor, Vec<f64>, Vec<f64>) {
    let u = |i: u64, seed: u64| {
        let h =
            (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed.wrapping_mul(0xD1B5_4A32_D192_ED03);
        (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let x: Vec<f64> = (0..n as u64).map(|i| 10.0 * u(i, 1)).collect();
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, x)| 1.5 * x - 2.0 + 3.0 * u(i as u64, 2) + if i % 37 == 5 { 60.0 } else { 0.0 })
        .collect();
    let t = |v: &[f64]| {
        Tensor::new(v, &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap()
    };
    (t(&x), t(&y), x, y)
}

fn robust() -> Vec<loss::AnyLoss> {
    let p = |delta, beta| Params {
        delta,
        beta,
        ..Params::default()
    };
    vec![
        LossName::L1.with(&p(None, None)).unwrap(),
        LossName::Huber.with(&p(None, None)).unwrap(),
        LossName::Huber.with(&p(Some(3.5), None)).unwrap(),
        LossName::SmoothL1.with(&p(None, None)).unwrap(),
        LossName::SmoothL1.with(&p(None, Some(0.25))).unwrap(),
        LossName::SmoothL1.with(&p(None, Some(0.0))).unwrap(),
    ]
}

fn grid(t: &Tensor) -> Vec<f64> {
    t.flatten_all()
        .unwrap()
        .to_dtype(DType::F64)
        .unwrap()
        .to_vec1()
        .unwrap()
}

#[test]
fn fused_sweeps_equal_the_plain_path() {
    let weights = [-3.0, -0.5, 0.0, 1.25, 1.5, 1.75, 4.0, 9.5, 1.5000001];
    let biases = [-2.0, 0.0, 0.75];
    for loss in robust() {
        assert!(loss.which().fused_line());
        for n in [1, 9, 2047, 2049, 70_001] {
            for (dtype, tol) in [(DType::F64, 1e-12), (DType::F32, 1e-5)] {
                let (x, y, _, _) = data(n, dtype);
                let fused = grid(&loss.line_sweep(&x, &y, &weights, &biases).unwrap());
                let reference = match &loss {
                    loss::AnyLoss::L1(l) => plain::line_sweep(l, &x, &y, &weights, &biases),
                    loss::AnyLoss::Huber(l) => plain::line_sweep(l, &x, &y, &weights, &biases),
                    loss::AnyLoss::SmoothL1(l) => plain::line_sweep(l, &x, &y, &weights, &biases),
                    _ => unreachable!(),
                };
                let reference = grid(&reference.unwrap());
                for (k, (f, p)) in fused.iter().zip(&reference).enumerate() {
                    assert!(
                        (f - p).abs() <= tol * p.abs().max(1e-3),
                        "{} n={n} {dtype:?} [{k}]: fused {f} plain {p}",
                        loss.label()
                    );
                }
            }
        }
    }
}

/// A line's loss: `(x, y, weight, bias)` to the loss.
type LineLoss<'a> =
    &'a dyn Fn(&Tensor, &Tensor, &Tensor, Option<&Tensor>) -> candle_core::Result<Tensor>;

/// The loss and both gradients of the line at (0.7, −0.3), by `f`.
fn at(f: LineLoss<'_>, n: usize, dtype: DType) -> [f64; 3] {
    let (x, y, _, _) = data(n, dtype);
    let var = |v: f64, shape: &[usize]| {
        Var::from_tensor(
            &Tensor::new(v, &Device::Cpu)
                .unwrap()
                .to_dtype(dtype)
                .unwrap()
                .reshape(shape)
                .unwrap(),
        )
        .unwrap()
    };
    let (w, b) = (var(0.7, &[1, 1]), var(-0.3, &[1]));
    let loss = f(&x, &y, w.as_tensor(), Some(b.as_tensor())).unwrap();
    let grads = loss.backward().unwrap();
    let read = |t: &Tensor| grid(t)[0];
    [
        read(&loss),
        read(grads.get(w.as_tensor()).unwrap()),
        read(grads.get(b.as_tensor()).unwrap()),
    ]
}

#[test]
fn fused_training_loss_and_gradients_equal_the_plain_path() {
    for loss in robust() {
        for n in [1, 3, 100, 2049, 70_001, 300_007] {
            for (dtype, tol) in [(DType::F64, 1e-12), (DType::F32, 1e-5)] {
                let fused = at(&|x, y, w, b| loss.line_loss(x, y, w, b), n, dtype);
                let reference = at(
                    &|x, y, w, b| match &loss {
                        loss::AnyLoss::L1(l) => plain::line_loss(l, x, y, w, b),
                        loss::AnyLoss::Huber(l) => plain::line_loss(l, x, y, w, b),
                        loss::AnyLoss::SmoothL1(l) => plain::line_loss(l, x, y, w, b),
                        _ => unreachable!(),
                    },
                    n,
                    dtype,
                );
                for k in 0..3 {
                    assert!(
                        (fused[k] - reference[k]).abs() <= tol * reference[k].abs().max(1.0),
                        "{} n={n} {dtype:?}: fused {fused:?} plain {reference:?}",
                        loss.label()
                    );
                }
            }
        }
    }
}

#[test]
fn a_residual_of_exactly_zero_has_no_gradient_under_l1() {
    // PyTorch's sign(0) = 0: the point on the line pulls neither way.
    let x = Tensor::new(&[1.0f64, 2.0, -1.0], &Device::Cpu).unwrap();
    let y = Tensor::new(&[2.0f64, 5.0, -4.0], &Device::Cpu).unwrap();
    let [value, gw, gb] = at_data(&x, &y, 2.0, 0.0);
    // residuals 0, 1, −2: mean |r| = 1, dL/dw = −mean(sign(r)·x) = −(0 + 2 + 1)/3, dL/db = −(0 + 1 − 1)/3.
    assert_eq!(value, 1.0);
    assert_eq!(gw, -1.0);
    assert_eq!(gb, 0.0);
}

fn at_data(x: &Tensor, y: &Tensor, w: f64, b: f64) -> [f64; 3] {
    let w = Var::new(&[[w]], &Device::Cpu).unwrap();
    let b = Var::new(&[b], &Device::Cpu).unwrap();
    let loss = L1
        .line_loss(x, y, w.as_tensor(), Some(b.as_tensor()))
        .unwrap();
    let g = loss.backward().unwrap();
    [
        grid(&loss)[0],
        grid(g.get(w.as_tensor()).unwrap())[0],
        grid(g.get(b.as_tensor()).unwrap())[0],
    ]
}

#[test]
fn the_l1_optimum_with_a_pinned_bias_is_the_weighted_median() {
    for n in [1, 2, 5, 50, 333] {
        for bias in [0.0, -2.0] {
            let (_, _, xs, ys) = data(n, DType::F64);
            let best = L1.pinned_optimum(&xs, &ys, bias).unwrap();
            let loss = |w: f64| {
                xs.iter()
                    .zip(&ys)
                    .map(|(x, y)| (y - w * x - bias).abs())
                    .sum::<f64>()
            };
            // The loss is piecewise linear with kinks at the slopes (y − b)/x: its minimum is at
            // one of them, so a scan of every kink is exact.
            let scan = xs
                .iter()
                .zip(&ys)
                .map(|(x, y)| loss((y - bias) / x))
                .fold(f64::INFINITY, f64::min);
            assert!(
                loss(best) <= scan * (1.0 + 1e-12),
                "n={n} b={bias}: weighted median {best} gives {} > scan {scan}",
                loss(best)
            );
            for step in [1e-6, -1e-6] {
                assert!(loss(best + step) >= loss(best) * (1.0 - 1e-12));
            }
        }
    }
    // The lesson's point: |3 + 3A| is least at A = −1.
    assert_eq!(L1.pinned_optimum(&[-3.0], &[3.0], 0.0), Some(-1.0));
    // Two points with equal weight: every slope between theirs is optimal; the midpoint is said.
    assert_eq!(weighted_median(vec![(1.0, 1.0), (3.0, 1.0)]), Some(2.0));
    assert_eq!(weighted_median(vec![(1.0, 1.0), (3.0, 2.5)]), Some(3.0));
    assert_eq!(weighted_median(vec![]), None);
    assert_eq!(L1.pinned_optimum(&[0.0], &[1.0], 0.0), None);
    assert_eq!(
        SmoothL1 { beta: 0.0 }.pinned_optimum(&[-3.0], &[3.0], 0.0),
        Some(-1.0)
    );
    assert_eq!(Huber::default().pinned_optimum(&[-3.0], &[3.0], 0.0), None);
}

#[test]
fn parameters_out_of_range_are_refused_by_name() {
    let p = |f: fn(&mut Params)| {
        let mut p = Params::default();
        f(&mut p);
        p
    };
    for (name, params, param) in [
        (LossName::Huber, p(|p| p.delta = Some(0.0)), Param::Delta),
        (
            LossName::Huber,
            p(|p| p.delta = Some(f64::NAN)),
            Param::Delta,
        ),
        (LossName::SmoothL1, p(|p| p.beta = Some(-1.0)), Param::Beta),
        (
            LossName::BceLogits,
            p(|p| p.pos_weight = Some(-2.0)),
            Param::PosWeight,
        ),
        (
            LossName::CrossEntropy,
            p(|p| p.label_smoothing = Some(1.5)),
            Param::LabelSmoothing,
        ),
    ] {
        let err = name.with(&params).unwrap_err();
        assert_eq!(err.param, param);
        assert!(err.to_string().starts_with(name.name()), "{err}");
    }
    assert_eq!(LossName::Huber.uses(), [Param::Delta]);
    assert_eq!(LossName::parse("smooth-l1"), Some(LossName::SmoothL1));
    assert_eq!(LossName::parse("hinge"), None);
    let huber = LossName::Huber
        .with(&Params {
            delta: Some(2.0),
            ..Params::default()
        })
        .unwrap();
    assert_eq!(huber.label(), "Huber (δ = 2)");
}

#[test]
fn bad_inputs_are_refused_not_averaged() {
    let dev = Device::Cpu;
    let t = |v: &[f64]| Tensor::new(v, &dev).unwrap();
    let err = |name: LossName, p: &Tensor, y: &Tensor| {
        name.with(&Params::default())
            .unwrap()
            .forward(p, y, Reduction::Mean)
            .unwrap_err()
            .to_string()
    };
    assert!(err(LossName::Bce, &t(&[0.5, 1.5]), &t(&[1.0, 0.0])).contains("probability in [0, 1]"));
    assert!(err(LossName::Huber, &t(&[0.5, 1.5]), &t(&[1.0])).contains("must match"));
    assert!(err(LossName::L1, &t(&[]), &t(&[])).contains("empty"));
    let logits = Tensor::new(&[[1.0f64, 2.0], [0.0, 1.0]], &dev).unwrap();
    let labels = |v: &[i64]| Tensor::new(v, &dev).unwrap();
    assert!(err(LossName::CrossEntropy, &logits, &labels(&[0, 2])).contains("not a class of 0..2"));
    assert!(err(LossName::CrossEntropy, &logits, &labels(&[-100, -100]))
        .contains("every target is ignored"));
    assert!(err(LossName::CrossEntropy, &logits, &t(&[0.0, 1.0])).contains("integer"));
}

/// The weighted median by sorting, the definition: the first value whose cumulative weight
/// passes half, or the midpoint of the two around an exact half.
fn sorted_weighted_median(mut pairs: Vec<(f64, f64)>) -> Option<f64> {
    pairs.retain(|p| p.1 > 0.0);
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let mut below = 0.0;
    for (i, &(v, w)) in pairs.iter().enumerate() {
        below += w;
        if 2.0 * below > total {
            return Some(v);
        }
        if 2.0 * below == total {
            return Some(0.5 * (v + pairs.get(i + 1).map_or(v, |p| p.0)));
        }
    }
    None
}

proptest::proptest! {
    /// The quickselect equals the sort, ties and exact halves included (small integer values
    /// and weights make both common).
    #[test]
    fn the_quickselect_median_equals_the_sorted_one(
        pairs in proptest::collection::vec((-5i32..5, 0u8..4), 0..40),
    ) {
        let pairs: Vec<(f64, f64)> = pairs.into_iter().map(|(v, w)| (f64::from(v), f64::from(w) * 0.5)).collect();
        proptest::prop_assert_eq!(weighted_median(pairs.clone()), sorted_weighted_median(pairs));
    }
}
