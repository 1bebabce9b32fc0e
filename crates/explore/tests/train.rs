//! Training with candle's autograd: gradients against the analytic formula and finite
//! differences, SGD step for step against PyTorch, convergence to the closed form, and a pinned
//! bias that never moves.

use candle_core::{DType, Device, Tensor};
use explore::data::gen::{line, LineSpec};
use explore::optim::{Algorithm, Settings};
use explore::train::{fit_line, load_line, save_line, Diverged, Fit, Plan, Row};
use model::{Bias, BiasFit, Linear, Moments};
use proptest::prelude::*;

/// A run with every row kept, for the tests to look at.
struct Collected {
    rows: Vec<Row>,
    diverged: Option<Diverged>,
    fit: Fit,
}

/// `fit_line`, collecting the rows it streams.
fn collect(model: &Linear, x: &Tensor, y: &Tensor, settings: Settings, epochs: usize) -> Collected {
    let (weight, bias) = model.line_values().unwrap();
    let bias = if model.bias().is_some() {
        Bias::Learnable(bias)
    } else {
        Bias::Zero
    };
    let mut rows = Vec::new();
    let plan = Plan::full_batch(epochs);
    let fit = fit_line(
        x,
        y,
        (weight, bias),
        settings,
        &plan,
        (&explore::train::Course::default(), None),
        |row| {
            rows.push(*row);
            std::ops::ControlFlow::Continue(())
        },
    )
    .unwrap();
    Collected {
        rows,
        diverged: fit.diverged,
        fit,
    }
}

/// Plain gradient descent at `lr`, as `explore train` runs it by default.
fn sgd(lr: f64) -> Settings {
    Settings::new(Algorithm::Sgd, lr)
}

fn tensors(x: &[f64], y: &[f64], dtype: DType) -> (Tensor, Tensor) {
    let t = |v: &[f64]| {
        Tensor::new(v, &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap()
    };
    (t(x), t(y))
}

fn direct_loss(x: &[f64], y: &[f64], a: f64, b: f64) -> f64 {
    x.iter()
        .zip(y)
        .map(|(x, y)| (y - a * x - b).powi(2))
        .sum::<f64>()
        / x.len() as f64
}

proptest! {
    #[test]
    fn autograd_gradient_is_analytic_and_finite_difference(
        pts in prop::collection::vec((-10.0f64..10.0, -10.0f64..10.0), 1..50),
        a in -3.0f64..3.0,
        b in -3.0f64..3.0,
    ) {
        let (x, y): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
        let model = Linear::line(a, Bias::Learnable(b), DType::F64, &Device::Cpu).unwrap();
        let (xt, yt) = tensors(&x, &y, DType::F64);
        let step = collect(&model, &xt, &yt, sgd(0.1), 0).rows[0];
        // dL/dA = -2·mean(x·(y − A·x − b)), dL/db = -2·mean(y − A·x − b).
        let n = x.len() as f64;
        let resid: Vec<f64> = x.iter().zip(&y).map(|(x, y)| y - a * x - b).collect();
        let ga = -2.0 * x.iter().zip(&resid).map(|(x, r)| x * r).sum::<f64>() / n;
        let gb = -2.0 * resid.iter().sum::<f64>() / n;
        let tol = |g: f64| 1e-9 * g.abs().max(1.0);
        prop_assert!((step.grad_weight - ga).abs() <= tol(ga), "dA {} vs {}", step.grad_weight, ga);
        prop_assert!((step.grad_bias - gb).abs() <= tol(gb), "db {} vs {}", step.grad_bias, gb);
        // Central finite differences: exact for a quadratic up to rounding.
        let h = 1e-4;
        let fa = (direct_loss(&x, &y, a + h, b) - direct_loss(&x, &y, a - h, b)) / (2.0 * h);
        let fb = (direct_loss(&x, &y, a, b + h) - direct_loss(&x, &y, a, b - h)) / (2.0 * h);
        prop_assert!((step.grad_weight - fa).abs() <= 1e-6 * fa.abs().max(1.0));
        prop_assert!((step.grad_bias - fb).abs() <= 1e-6 * fb.abs().max(1.0));
        prop_assert!((step.loss - direct_loss(&x, &y, a, b)).abs() <= 1e-9 * step.loss.max(1.0));
    }
}

// Computed once with PyTorch 2.15:
//
//   x = torch.tensor([-2.0, -0.5, 1.0, 2.5, 4.0], dtype=dt).reshape(-1, 1)
//   y = torch.tensor([-3.1, -0.4, 1.7, 3.2, 6.9], dtype=dt).reshape(-1, 1)
//   model = torch.nn.Linear(1, 1).to(dt)
//   with torch.no_grad(): model.weight.fill_(-0.5); model.bias.fill_(2.0)
//   opt = torch.optim.SGD(model.parameters(), lr=0.05)
//   for epoch in range(6):
//       loss = torch.nn.MSELoss()(model(x), y)
//       print(epoch, model.weight.item(), model.bias.item(), loss.item())
//       opt.zero_grad(); loss.backward(); opt.step()
const TORCH_F64: [(f64, f64, f64); 6] = [
    (-0.5, 2.0, 19.576999999999998),
    (0.44900000000000007, 2.016, 6.5437895),
    (0.8744500000000001, 1.9355, 3.72755561375),
    (1.0739525, 1.820505, 2.8533007944593747),
    (1.175228125, 1.6970592500000001, 2.3900355856439615),
    (1.2331467312500002, 1.5758305125, 2.048119865721866),
];
const TORCH_F32: [(f64, f64, f64); 6] = [
    (-0.5, 2.0, 19.57699966430664),
    (0.4490000009536743, 2.0160000324249268, 6.543788909912109),
    (0.8744500279426575, 1.9355000257492065, 3.727555513381958),
    (1.073952555656433, 1.8205050230026245, 2.8533005714416504),
    (1.1752281188964844, 1.6970592737197876, 2.3900351524353027),
    (1.2331467866897583, 1.5758305788040161, 2.0481200218200684),
];

#[test]
fn sgd_matches_pytorch_step_for_step() {
    let x = [-2.0, -0.5, 1.0, 2.5, 4.0];
    let y = [-3.1, -0.4, 1.7, 3.2, 6.9];
    for (dtype, reference) in [(DType::F64, TORCH_F64), (DType::F32, TORCH_F32)] {
        let model = Linear::line(-0.5, Bias::Learnable(2.0), dtype, &Device::Cpu).unwrap();
        let (xt, yt) = tensors(&x, &y, dtype);
        let run = collect(&model, &xt, &yt, sgd(0.05), 5);
        assert_eq!(run.rows.len(), 6);
        for (step, (a, b, l)) in run.rows.iter().zip(reference) {
            let close = |got: f64, want: f64| (got - want).abs() <= 1e-5 * want.abs().max(1.0);
            assert!(
                close(step.weight, a) && close(step.bias, b) && close(step.loss, l),
                "{dtype:?} epoch {}: {step:?} vs ({a}, {b}, {l})",
                step.epoch
            );
        }
    }
}

#[test]
fn seed_lesson_steps_match_pytorch() {
    // PyTorch: w = torch.tensor([2.0], requires_grad=True); SGD([w], lr=0.01) on ((w*-3 - 3)**2).mean()
    //   0 2.0 grad 54.0 loss 81.0
    //   1 1.46 grad 44.28 loss 54.4644
    //   2 1.0172 grad 36.3096 loss 36.62186256
    //   3 0.654104 grad 29.773872 loss 24.624540385343998
    let model = Linear::line(2.0, Bias::Zero, DType::F64, &Device::Cpu).unwrap();
    let (x, y) = tensors(&[-3.0], &[3.0], DType::F64);
    let run = collect(&model, &x, &y, sgd(0.01), 3);
    let want = [
        (2.0, 54.0, 81.0),
        (1.46, 44.28, 54.4644),
        (1.0172, 36.3096, 36.62186256),
        (0.654104, 29.773872, 24.624540385343998),
    ];
    for (s, (a, g, l)) in run.rows.iter().zip(want) {
        assert!(
            (s.weight - a).abs() < 1e-12
                && (s.grad_weight - g).abs() < 1e-10
                && (s.loss - l).abs() < 1e-10,
            "{s:?}"
        );
        // The lesson's formula: dL/dA = 18·(A + 1).
        assert!((s.grad_weight - 18.0 * (s.weight + 1.0)).abs() < 1e-10);
        assert_eq!((s.bias, s.grad_bias), (0.0, 0.0));
    }
}

#[test]
fn many_epochs_reach_the_closed_form() {
    let data = line(&LineSpec {
        n: 200,
        seed: 3,
        slope: -1.5,
        intercept: 2.0,
        noise: 0.5,
        x_scale: 1.0,
        x_mean: 0.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    });
    let m = data.moments();
    let opt = m.least_squares(BiasFit::Learn).unwrap();
    let model = Linear::line(0.0, Bias::Learnable(0.0), DType::F64, &Device::Cpu).unwrap();
    let (x, y) = data.tensors(DType::F64, &Device::Cpu).unwrap();
    let run = collect(&model, &x, &y, sgd(1.0 / m.max_curvature(true)), 2000);
    let last = run.rows.last().unwrap();
    assert_eq!(last.epoch, 2000);
    assert!(
        (last.weight - opt.weight).abs() < 1e-4 && (last.bias - opt.bias).abs() < 1e-4,
        "{last:?} vs {opt:?}"
    );
    assert!((last.loss - opt.loss).abs() < 1e-8);
}

#[test]
fn a_pinned_bias_stays_exactly_zero() {
    let data = line(&LineSpec {
        n: 50,
        seed: 9,
        slope: 2.0,
        intercept: 5.0,
        noise: 1.0,
        x_scale: 2.0,
        x_mean: 0.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    });
    let model = Linear::line(0.3, Bias::Zero, DType::F32, &Device::Cpu).unwrap();
    assert_eq!(model.parameters().len(), 1);
    let (x, y) = data.tensors(DType::F32, &Device::Cpu).unwrap();
    let run = collect(&model, &x, &y, sgd(0.01), 200);
    assert!(run.rows.iter().all(|s| s.bias == 0.0 && s.grad_bias == 0.0));
    // And it converges to the pinned-bias optimum, not the free one.
    let opt = data.moments().least_squares(BiasFit::Fixed(0.0)).unwrap();
    assert!(
        (run.rows[200].weight - opt.weight).abs() < 1e-4,
        "{:?} vs {opt:?}",
        run.rows[200]
    );
}

#[test]
fn divergence_stops_once_the_loss_grows_a_millionfold() {
    // lr = 1.5 × the bound 2/18: each step multiplies the error by 1 − 18·lr = −2, the loss by
    // 4. From 81 at A = 2 the loss passes 81·10⁶ at the first e with 4^e > 10⁶: e = 10.
    let m = Moments::from_points(&[-3.0], &[3.0]);
    let lr = 1.5 * m.max_stable_lr(false);
    let model = Linear::line(2.0, Bias::Zero, DType::F32, &Device::Cpu).unwrap();
    let (x, y) = tensors(&[-3.0], &[3.0], DType::F32);
    let run = collect(&model, &x, &y, sgd(lr), 10_000);
    let d = run.diverged.expect("diverges");
    assert_eq!((d.epoch, d.start), (10, 81.0));
    assert_eq!(d.loss, 81.0 * 4f64.powi(10));
    assert_eq!(run.rows.len(), 11);
    assert_eq!(run.fit.rows, 11);
    assert!(run.rows.iter().all(|s| s.loss.is_finite()));
    let msg = explore::train::LineRun {
        fit: run.fit,
        objective: explore::objective::Objective::mse(m),
        learn_bias: false,
        settings: sgd(lr),
        plan: Plan::full_batch(10_000),
        course: Default::default(),
        source: "the point".into(),
        dtype: DType::F32,
    }
    .divergence()
    .expect("a run that diverged")
    .to_string();
    assert!(
        msg.contains("the loss grew from 81 to 8.49347e7")
            && msg.contains("by epoch 10")
            && msg.contains("0.111111"),
        "{msg}"
    );
}

#[test]
fn saved_parameters_continue_training_exactly() {
    let data = line(&LineSpec {
        n: 30,
        seed: 5,
        slope: 0.5,
        intercept: -1.0,
        noise: 0.3,
        x_scale: 1.0,
        x_mean: 0.0,
        outliers: 0.0,
        outlier_shift: 0.0,
    });
    let (x, y) = data.tensors(DType::F64, &Device::Cpu).unwrap();
    // Adam in shuffled mini-batches: its averages, its step count and the shuffle all carry on.
    let adam = Settings::new(Algorithm::Adam, 0.05);
    let plan = |epochs| Plan {
        epochs,
        batch_size: Some(7),
        shuffle: true,
        seed: 9,
        standardize: None,
        loss: loss::AnyLoss::default(),
    };
    let run = |start: explore::train::Start<'_>, epochs| {
        fit_line(
            &x,
            &y,
            start,
            adam,
            &plan(epochs),
            (&explore::train::Course::default(), None),
            |_| std::ops::ControlFlow::Continue(()),
        )
        .unwrap()
    };
    let start = (0.0, Bias::Learnable(0.0));
    let whole = run(start.into(), 40).last.unwrap();
    let first = run(start.into(), 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("line.safetensors");
    let last = first.last.unwrap();
    save_line(
        (last.weight, Some(last.bias)),
        first.end.as_ref(),
        DType::F64,
        &path,
    )
    .unwrap();
    let saved = load_line(&path).unwrap();
    assert_eq!((saved.weight, saved.bias), (last.weight, Some(last.bias)));
    let resume = saved.resume.expect("the run's end is saved");
    assert_eq!(Some(&resume), first.end.as_ref());
    assert_eq!(
        resume.state.steps,
        20 * 5,
        "30 points in batches of 7: 5 updates an epoch"
    );
    assert_eq!(resume.differs(&adam, &plan(20), (DType::F64, 30)), None);
    assert_eq!(
        resume
            .differs(&adam, &plan(20), (DType::F32, 30))
            .as_deref(),
        Some("it was trained in f64, not f32")
    );
    assert_eq!(
        resume
            .differs(&adam, &plan(20), (DType::F64, 31))
            .as_deref(),
        Some("it was trained on 30 points, not these 31")
    );
    let rest = run(explore::train::Start::Resume(&resume), 20)
        .last
        .unwrap();
    assert_eq!(
        (rest.weight, rest.bias, rest.loss),
        (whole.weight, whole.bias, whole.loss)
    );
    // From the parameters alone, with a fresh optimizer, it is another run.
    let fresh = run((last.weight, Bias::Learnable(last.bias)).into(), 20)
        .last
        .unwrap();
    assert_ne!(fresh.weight, whole.weight);

    // A pinned bias is saved as no bias at all.
    save_line((1.25, None), None, DType::F32, &path).unwrap();
    let saved = load_line(&path).unwrap();
    assert_eq!((saved.weight, saved.bias, saved.resume), (1.25, None, None));
    assert!(load_line(dir.path()).is_err());
    std::fs::write(&path, b"not safetensors").unwrap();
    assert!(load_line(&path)
        .unwrap_err()
        .to_string()
        .contains("cannot read parameters"));
}

/// candle-nn's own `sgd_linear_regression` test (tests/optim.rs), ported through the project's
/// pieces: `model::Linear` with two inputs, `loss::mse` with `Sum`, the one training loop and
/// `optim::Sgd`. y = 3x₁ + x₂ − 2, lr 0.004, 1000 steps from zero: candle pins the result bit for
/// bit, and so does slope.
#[test]
fn candle_sgd_linear_regression_reproduced_exactly() -> candle_core::Result<()> {
    use explore::optim::{Optim, Sgd};
    use loss::{mse, Reduction};
    use std::ops::ControlFlow;

    let dev = Device::Cpu;
    let xs = Tensor::new(&[[2f32, 1.], [7., 4.], [-4., 12.], [5., 8.]], &dev)?;
    let truth = Linear::from_tensors(
        Tensor::new(&[[3f32, 1.]], &dev)?,
        Some(Tensor::new(&[-2f32], &dev)?),
    )?;
    let ys = truth.forward(&xs)?;
    let model = Linear::from_tensors(
        Tensor::zeros((1, 2), DType::F32, &dev)?,
        Some(Tensor::zeros(1, DType::F32, &dev)?),
    )?;
    let mut sgd = Optim::<Sgd>::with_lr(model.parameters(), 0.004)?;
    // 1000 updates: the loop sees the loss at epochs 0..=1000 and steps after all but the last.
    let ended = explore::train::train(
        &mut sgd,
        |_| mse(&model.forward(&xs)?, &ys, Reduction::Sum),
        1000,
        |_, _| Ok(ControlFlow::Continue(())),
    )?;
    assert_eq!(ended, explore::train::Ended::Completed);
    assert_eq!(
        model.weight().as_tensor().to_vec2::<f32>()?,
        [[2.9983196, 0.99790204]]
    );
    let bias = model.bias().expect("a learnable bias");
    assert_eq!(bias.as_tensor().to_vec1::<f32>()?, [-1.9796902]);
    Ok(())
}
