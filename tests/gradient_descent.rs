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
    // 101 rows (steps 0..=100): the first and last six are shown, and the count.
    assert_eq!(rows.len(), 12, "{text}");
    assert!(text.contains("(12 of 101 rows shown;"), "{text}");
    assert_eq!((rows[5][0], rows[6][0], rows[11][0]), (5.0, 95.0, 100.0));
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
    assert_eq!(rows[11][1], -1.0);
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
    assert!(
        err.contains("error: the loss became non-finite at epoch") && err.contains("0.111111"),
        "{err}"
    );
    assert!(plot.exists(), "the steps so far are still drawn");
}
