//! The closed-form optimum and the moments that give the loss, gradient and curvature.

use model::{BiasFit, Moments, NoOptimum};
use proptest::prelude::*;

fn direct_loss(x: &[f64], y: &[f64], a: f64, b: f64) -> f64 {
    x.iter()
        .zip(y)
        .map(|(x, y)| (y - a * x - b).powi(2))
        .sum::<f64>()
        / x.len() as f64
}

#[test]
fn seed_point_optimum_is_minus_one() {
    let m = Moments::from_points(&[-3.0], &[3.0]);
    let opt = m.least_squares(BiasFit::Fixed(0.0)).unwrap();
    assert_eq!((opt.weight, opt.bias, opt.loss), (-1.0, 0.0, 0.0));
    // With one point and a learnable bias, every line through it fits: no unique optimum.
    assert_eq!(
        m.least_squares(BiasFit::Learn),
        Err(NoOptimum::ConstantX(-3.0))
    );
    assert_eq!(m.loss(-3.0, 0.0), 36.0);
    assert_eq!(m.loss(0.0, 0.0), 9.0);
    assert_eq!(m.loss(1.0, 0.0), 36.0);
}

#[test]
fn moments_from_tensors_equal_moments_from_slices() {
    let x = [-2.0f32, 0.5, 1.0, 4.0];
    let y = [1.0f32, -0.5, 2.0, 3.5];
    let dev = candle_core::Device::Cpu;
    let t = Moments::from_tensors(
        &candle_core::Tensor::new(&x, &dev).unwrap(),
        &candle_core::Tensor::new(&y, &dev).unwrap(),
    )
    .unwrap();
    let wide = |v: &[f32]| v.iter().map(|&a| a as f64).collect::<Vec<_>>();
    assert_eq!(t, Moments::from_points(&wide(&x), &wide(&y)));
    let short = candle_core::Tensor::new(&[1.0f32], &dev).unwrap();
    assert!(Moments::from_tensors(&short, &candle_core::Tensor::new(&y, &dev).unwrap()).is_err());
}

#[test]
fn exact_line_is_recovered() {
    let x = [-2.0, -1.0, 0.5, 3.0, 7.0];
    let y: Vec<f64> = x.iter().map(|x| 2.5 * x - 4.0).collect();
    let opt = Moments::from_points(&x, &y)
        .least_squares(BiasFit::Learn)
        .unwrap();
    assert!((opt.weight - 2.5).abs() < 1e-12 && (opt.bias + 4.0).abs() < 1e-12);
    assert!(opt.loss < 1e-20);
}

#[test]
fn known_small_fit() {
    // x = 0,1,2,3; y = 1,3,2,5: Sxx = 5, Sxy = 5.5, so A = 1.1 and b = 2.75 − 1.1·1.5 = 1.1.
    let x = [0.0, 1.0, 2.0, 3.0];
    let y = [1.0, 3.0, 2.0, 5.0];
    let m = Moments::from_points(&x, &y);
    let opt = m.least_squares(BiasFit::Learn).unwrap();
    assert!((opt.weight - 1.1).abs() < 1e-12, "{opt:?}");
    assert!((opt.bias - 1.1).abs() < 1e-12, "{opt:?}");
    assert!((opt.loss - direct_loss(&x, &y, 1.1, 1.1)).abs() < 1e-12);
    // Bias held at 0: A = Σxy / Σx² = (0 + 3 + 4 + 15) / (0 + 1 + 4 + 9) = 22 / 14.
    let pinned = m.least_squares(BiasFit::Fixed(0.0)).unwrap();
    assert!((pinned.weight - 22.0 / 14.0).abs() < 1e-12);
}

#[test]
fn no_optimum_cases_are_reported() {
    assert_eq!(
        Moments::from_points(&[], &[]).least_squares(BiasFit::Learn),
        Err(NoOptimum::NoPoints)
    );
    let flat = Moments::from_points(&[0.1, 0.1, 0.1], &[1.0, 2.0, 3.0]);
    assert_eq!(
        flat.least_squares(BiasFit::Learn),
        Err(NoOptimum::ConstantX(0.1))
    );
    let zeros = Moments::from_points(&[0.0, 0.0], &[1.0, 2.0]);
    assert_eq!(
        zeros.least_squares(BiasFit::Fixed(0.0)),
        Err(NoOptimum::AllXZero)
    );
    // A slope of 1e600 is beyond f64: said so, not a wrong number.
    let steep = Moments::from_points(&[1e-300, -1e-300], &[1e300, -1e300]);
    assert_eq!(
        steep.least_squares(BiasFit::Learn),
        Err(NoOptimum::Overflow)
    );
}

/// Data near f64's limits: squares of the raw values overflow, but the scaled moments give the
/// exact answers, or `inf` where the true loss is beyond f64.
#[test]
fn extreme_data_is_exact_or_infinite() {
    // Through (1e300, 1e300) and (-1e300, 2): A = 0.5, b = 5e299 + 1, loss 0.
    let huge = Moments::from_points(&[1e300, -1e300], &[1e300, 2.0]);
    let o = huge.least_squares(BiasFit::Learn).unwrap();
    assert_eq!((o.weight, o.loss), (0.5, 0.0));
    assert!((o.bias / 5e299 - 1.0).abs() < 1e-15, "{o:?}");

    // (1e308, 1e308), (-1e308, -1e308): the loss of A = 0 is mean(y²) = 1e616, beyond f64;
    // A = 1 fits exactly.
    let edge = Moments::from_points(&[1e308, -1e308], &[1e308, -1e308]);
    assert_eq!(edge.loss(0.0, 0.0), f64::INFINITY);
    assert_eq!(edge.loss(1.0, 0.0), 0.0);
    assert_eq!(edge.loss(2.0, 0.0), f64::INFINITY);
    let o = edge.least_squares(BiasFit::Fixed(0.0)).unwrap();
    assert_eq!((o.weight, o.loss), (1.0, 0.0));

    // x ≈ 1e200 off a line: every loss, the smallest too, is beyond f64 (about 1e400), but
    // the line is exact from the scaled moments: A = Σxy/Σx² = (2 + 6 + 1)/(1 + 4 + 1) = 1.5.
    let far = Moments::from_points(&[1e200, 2e200, -1e200], &[2e200, 3e200, -1e200]);
    let o = far.least_squares(BiasFit::Fixed(0.0)).unwrap();
    assert!((o.weight - 1.5).abs() < 1e-15, "{o:?}");
    assert_eq!(o.loss, f64::INFINITY);
    let o = far.least_squares(BiasFit::Learn).unwrap();
    // In units of 1e200: x̄ = 2/3, ȳ = 4/3, cov = 3 − 8/9 = 19/9, var = 2 − 4/9 = 14/9, so
    // A = 19/14 and b = ȳ − A·x̄ = 4/3 − 19/21 = 3/7 (·1e200).
    assert!((o.weight - 19.0 / 14.0).abs() < 1e-14, "{o:?}");
    assert!((o.bias / (3e200 / 7.0) - 1.0).abs() < 1e-13, "{o:?}");
    assert_eq!(o.loss, f64::INFINITY);
    // Its curvature 2·mean(x²) is beyond f64: no step size is stable, and the bound says 0.
    assert_eq!(edge.max_stable_lr(true), 0.0);

    // (1e300, 1), (2e300, 2): y = 1e-300·x. The loss of A = 0 is (1 + 4)/2 = 2.5.
    let tilted = Moments::from_points(&[1e300, 2e300], &[1.0, 2.0]);
    assert_eq!(tilted.loss(0.0, 0.0), 2.5);
    let o = tilted.least_squares(BiasFit::Learn).unwrap();
    assert!((o.weight / 1e-300 - 1.0).abs() < 1e-14, "{o:?}");
    // b = 0 and loss 0, up to f64's rounding at the scale of y (about 1).
    assert!(o.bias.abs() < 1e-15 && o.loss < 1e-15, "{o:?}");
    let pinned = tilted.least_squares(BiasFit::Fixed(0.0)).unwrap();
    assert!((pinned.weight / 1e-300 - 1.0).abs() < 1e-14, "{pinned:?}");
}

#[test]
fn closed_form_equals_a_fine_sweeps_minimum() {
    let x = [-4.0, -1.5, 0.0, 2.0, 2.5, 6.0];
    let y = [-7.0, -2.0, 1.5, 2.0, 6.5, 9.0];
    let m = Moments::from_points(&x, &y);
    let opt = m.least_squares(BiasFit::Fixed(0.5)).unwrap();
    let step = 1e-4;
    let best = (0..=40_000)
        .map(|i| -2.0 + i as f64 * step)
        .min_by(|a, b| direct_loss(&x, &y, *a, 0.5).total_cmp(&direct_loss(&x, &y, *b, 0.5)))
        .unwrap();
    assert!(
        (best - opt.weight).abs() <= step,
        "sweep {best} vs closed form {}",
        opt.weight
    );
}

#[test]
fn hessian_bound_for_the_seed_point() {
    // Pinned bias: H = 2·mean(x²) = 18, so gradient descent is stable for lr < 2/18.
    let m = Moments::from_points(&[-3.0], &[3.0]);
    assert_eq!(m.max_curvature(false), 18.0);
    assert!((m.max_stable_lr(false) - 1.0 / 9.0).abs() < 1e-15);
    // Learnable bias: H = 2·[[9, -3], [-3, 1]], eigenvalues 0 and 20.
    assert!((m.max_curvature(true) - 20.0).abs() < 1e-12);
}

proptest! {
    #[test]
    fn moments_loss_and_grad_match_direct(
        pts in prop::collection::vec((-50.0f64..50.0, -50.0f64..50.0), 1..40),
        a in -5.0f64..5.0,
        b in -5.0f64..5.0,
    ) {
        let (x, y): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
        let m = Moments::from_points(&x, &y);
        let direct = direct_loss(&x, &y, a, b);
        prop_assert!((m.loss(a, b) - direct).abs() <= 1e-9 * direct.max(1.0));
        // Central finite differences of the direct loss.
        let h = 1e-5;
        let fd_a = (direct_loss(&x, &y, a + h, b) - direct_loss(&x, &y, a - h, b)) / (2.0 * h);
        let fd_b = (direct_loss(&x, &y, a, b + h) - direct_loss(&x, &y, a, b - h)) / (2.0 * h);
        let (ga, gb) = m.grad(a, b);
        prop_assert!((ga - fd_a).abs() <= 1e-5 * fd_a.abs().max(1.0), "dA {} vs {}", ga, fd_a);
        prop_assert!((gb - fd_b).abs() <= 1e-5 * fd_b.abs().max(1.0), "db {} vs {}", gb, fd_b);
    }

    #[test]
    fn the_optimum_is_a_minimum(pts in prop::collection::vec((-20.0f64..20.0, -20.0f64..20.0), 2..30)) {
        let (x, y): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
        let m = Moments::from_points(&x, &y);
        if let Ok(o) = m.least_squares(BiasFit::Learn) {
            let (ga, gb) = m.grad(o.weight, o.bias);
            prop_assert!(ga.abs() < 1e-6 * (1.0 + m.mean_xx()) && gb.abs() < 1e-6 * (1.0 + m.mean_xx()));
            for (da, db) in [(1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-3), (0.0, -1e-3)] {
                prop_assert!(direct_loss(&x, &y, o.weight + da, o.bias + db) >= o.loss - 1e-9);
            }
        }
    }
}

/// Data in groups of [`model::GROUP`]: the merged moments agree with a two-pass sum over all
/// of it, wherever the slices they were pushed in were cut, and at any scale.
#[test]
fn moments_merged_over_groups_equal_one_pass_over_all() {
    let n = 3 * model::GROUP + 12_345;
    // A line y = 3x − 2 plus a wobble, x spread over [1e6, 1e6 + 10): far from the origin, so
    // a careless merge of raw sums would lose every digit of the variance.
    let x: Vec<f64> = (0..n)
        .map(|i| 1e6 + (i as f64 * 0.618).fract() * 10.0)
        .collect();
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, &x)| 3.0 * x - 2.0 + ((i % 7) as f64 - 3.0) * 0.01)
        .collect();
    let whole = Moments::from_points(&x, &y);
    for cut in [1, 1000, model::GROUP - 1, model::GROUP + 1, n] {
        let mut acc = model::Accumulator::new();
        for (xs, ys) in x.chunks(cut).zip(y.chunks(cut)) {
            acc.push(xs, ys);
        }
        assert_eq!(acc.n(), n);
        assert_eq!(acc.finish(), whole, "slices of {cut}");
    }
    let nf = n as f64;
    let (mx, my) = (x.iter().sum::<f64>() / nf, y.iter().sum::<f64>() / nf);
    let var_x = x.iter().map(|v| (v - mx).powi(2)).sum::<f64>() / nf;
    let cov = x
        .iter()
        .zip(&y)
        .map(|(a, b)| (a - mx) * (b - my))
        .sum::<f64>()
        / nf;
    let close = |a: f64, b: f64, tol: f64| assert!((a - b).abs() <= tol * b.abs(), "{a} vs {b}");
    close(whole.mean_x(), mx, 1e-15);
    close(whole.mean_y(), my, 1e-15);
    close(whole.std_x(), var_x.sqrt(), 1e-12);
    let opt = whole.least_squares(BiasFit::Learn).unwrap();
    close(opt.weight, cov / var_x, 1e-11);
    close(whole.loss(3.0, -2.0), direct_loss(&x, &y, 3.0, -2.0), 1e-9);
}
