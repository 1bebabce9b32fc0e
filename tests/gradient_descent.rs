//! The gradient-descent example, run as a user runs it.

mod common;

use common::example;
use explore::plot::inspect_png;

#[test]
fn prints_each_step_and_converges_to_minus_one() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("gd.png");
    let out = example("gradient_descent", &["--plot", plot.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("dL/dA = 18·(A + 1)"), "{text}");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .map(|v| v.parse().ok())
                .collect::<Option<Vec<f64>>>()
        })
        .filter(|r| r.len() == 4)
        .collect();
    // 101 rows (steps 0..=100): the first and last six are shown, and those around the first
    // smallest loss (step 84, where f32 can get no closer to -1), with the count.
    assert!(text.contains("(19 of 101 rows shown)"), "{text}");
    let steps: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(steps[..6], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(steps[12..], [95.0, 96.0, 97.0, 98.0, 99.0, 100.0]);
    assert!(
        text.contains("84        -1  2.86102e-6  2.27374e-13   ← minimum"),
        "{text}"
    );
    // Start A = 2, lr 0.01: the first steps, as PyTorch's SGD gives them.
    let want = [
        (2.0, 54.0, 81.0),
        (1.46, 44.28, 54.4644),
        (1.0172, 36.3096, 36.6219),
    ];
    for (r, (a, g, l)) in rows.iter().zip(want) {
        assert_eq!((r[1], r[2], r[3]), (a, g, l));
    }
    for r in &rows {
        // The printed gradient is the lesson's formula at the printed A (to the table's digits).
        assert!(
            (r[2] - 18.0 * (r[1] + 1.0)).abs() <= 1e-4 * r[2].abs().max(1.0),
            "{r:?}"
        );
    }
    assert_eq!(rows[17][1], -1.0);
    assert!(text.contains("after 100 steps: A = -1"), "{text}");
    assert!(inspect_png(&plot).unwrap().colours > 50);
}

#[test]
fn a_learning_rate_above_the_bound_diverges_with_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("gd.svg");
    let out = example(
        "gradient_descent",
        &[
            "--plot",
            plot.to_str().unwrap(),
            "--lr",
            "0.12",
            "--epochs",
            "1000",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    // Each step multiplies the distance to -1 by 1 − 18·0.12 = −1.16, the loss by 1.3456: it
    // passes a million times its start at step 47 (1.3456^47 ≈ 1.15e6), and says so.
    assert!(
        err.contains("error: the loss grew from 81 to 9.2797e7")
            && err.contains("by epoch 47")
            && err.contains("0.111111"),
        "{err}"
    );
    assert!(plot.exists(), "the steps so far are still drawn");
    assert!(
        err.contains("warning: --lr 0.12 is at or above the stable bound 0.111111"),
        "warned as explore train warns: {err}"
    );
    // A rate f32 cannot hold is refused as explore train refuses it.
    let out = example(
        "gradient_descent",
        &["--plot", plot.to_str().unwrap(), "--lr", "1e-320"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("beyond what f32 holds"));
}

#[test]
fn sizes_that_cannot_fit_and_divergence_at_the_default_length() {
    let out = example("gradient_descent", &["--epochs", "1000000000000"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("1000000000000 is not in 0..=1000000000"),
        "{err}"
    );
    // Above the bound at the default 100 steps: it used to end at loss 6e14 with exit 0.
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("gd.png");
    let out = example(
        "gradient_descent",
        &["--lr", "0.12", "--plot", plot.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("by epoch 47"), "{err}");
}

#[test]
fn help_and_unknown_arguments_come_before_any_work() {
    common::help_and_unknown_arguments("gradient_descent");
    common::closed_stdout(
        "gradient_descent",
        &[
            "--plot",
            tempfile::tempdir()
                .unwrap()
                .path()
                .join("gd.png")
                .to_str()
                .unwrap(),
        ],
    );
}

/// Runs the example in a fresh folder: its exit code, stdout and stderr, and the files left.
fn run_in_dir(args: &[&str]) -> (Option<i32>, String, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let out = common::example_in(dir.path(), "gradient_descent", args);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        common::files(dir.path()),
    )
}

#[test]
fn a_start_beyond_the_range_is_explained_as_explore_train_explains_it() {
    // The squared error at A = 1e300 (and 1e200) is beyond f64, whatever the dtype: one line,
    // exit 1, before any step or file.
    for (weight, dtype) in [("1e300", "f32"), ("1e200", "f32"), ("1e300", "f64")] {
        let (code, out, err, files) = run_in_dir(&["--init-weight", weight, "--dtype", dtype]);
        assert_eq!(code, Some(1), "{err}");
        assert_eq!(
            err,
            format!(
                "error: point (-3, 3): at the start (A = {weight}, b = 0) the squared errors are \
                 beyond f64's range: start nearer the data (--init-weight)\n"
            )
        );
        assert!(out.is_empty() && files.is_empty(), "{out} {files:?}");
    }
    // Beyond f32 only: f64 is the cure, and it trains there (each step multiplies A + 1 by
    // 1 − 18·0.01 = 0.82: after 100, 0.82¹⁰⁰·(1e19 + 1) − 1 = 2.4065e10).
    let (code, _, err, _) = run_in_dir(&["--init-weight", "1e19"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        err,
        "error: point (-3, 3): at the start (A = 1e19, b = 0) the squared errors are beyond \
         f32's range: start nearer the data (--init-weight); use --dtype f64\n"
    );
    let (code, out, err, files) = run_in_dir(&["--init-weight", "1e19", "--dtype", "f64"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("after 100 steps: A = 2.4065e10"), "{out}");
    assert_eq!(files, ["gradient_descent.png"]);
    // A learning rate so large the loss overflows at the first step: said as train says it.
    let (code, out, err, files) = run_in_dir(&["--lr", "1e30"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.ends_with(
            "error: the loss became non-finite at epoch 1: learning rate 1e30 is too large; sgd \
             is stable only for lr < 0.111111 on this data\n"
        ),
        "{err}"
    );
    assert!(!err.contains("no epochs to plot"), "{err}");
    assert!(out.contains("after 0 steps: A = 2 (loss 81)"), "{out}");
    assert_eq!(files, ["gradient_descent.png"], "the start is still drawn");
    // A negative count is a value, refused naming the flag.
    let (code, _, err, _) = run_in_dir(&["--epochs", "-1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("error: invalid value '-1' for '--epochs <EPOCHS>'"),
        "{err}"
    );
}

#[test]
fn runs_are_reproducible() {
    let first = run_in_dir(&["--epochs", "30", "--lr", "0.05"]);
    let second = run_in_dir(&["--epochs", "30", "--lr", "0.05"]);
    assert_eq!(first.0, Some(0));
    assert_eq!((&first.1, &first.2), (&second.1, &second.2));
}

#[test]
fn under_l1_the_steps_never_shrink_and_huber_has_its_own_bound() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("gd.png");
    let plot = plot.to_str().unwrap();
    let out = example(
        "gradient_descent",
        &[
            "--loss", "l1", "--lr", "0.1", "--epochs", "5", "--plot", plot,
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("loss(A) = |3 + 3A|") && text.contains("dL/dA = 3·sign(A + 1)"),
        "{text}"
    );
    // A falls by lr·3 = 0.3 a step from 2, the loss |3 + 3A| by 0.9: autograd's sign.
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .take(4)
                .map(|f| f.parse().ok())
                .collect()
        })
        .filter(|r: &Vec<f64>| r.len() == 4)
        .collect();
    assert_eq!(rows.len(), 6, "{text}");
    for (k, r) in rows.iter().enumerate() {
        let a = 2.0 - 0.3 * k as f64;
        assert!(
            (r[1] - a).abs() < 1e-6 && r[2] == 3.0 && (r[3] - 3.0 * (1.0 + a)).abs() < 1e-5,
            "{r:?}"
        );
    }
    let huber = example(
        "gradient_descent",
        &["--loss", "huber", "--epochs", "3", "--plot", plot],
    );
    let text = String::from_utf8(huber.stdout).unwrap();
    // Huber's curvature is at most 1 where MSE's is 2: λ = 9, the bound 2/9.
    assert!(
        text.contains("Stable for lr < 2/λ = 2/9 = 0.222222"),
        "{text}"
    );
}
