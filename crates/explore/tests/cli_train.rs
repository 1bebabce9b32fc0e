//! End to end: `explore train` as a user runs it.

mod common;

use common::{explore, ok, parse_csv, stderr, stdout};
use explore::plot::inspect_png;

#[test]
fn csv_rows_are_epochs_zero_to_n_starting_at_the_start() {
    let csv = ok(&[
        "train",
        "--point",
        "-3,3",
        "--no-bias",
        "--init-weight",
        "2",
        "--lr",
        "0.01",
        "--epochs",
        "3",
        "--format",
        "csv",
    ]);
    let (header, rows) = parse_csv(&csv);
    assert_eq!(header, ["epoch", "weight", "bias", "loss", "lr"]);
    // The lesson's numbers, in f32: 2 → 1.46 → 1.0172 → 0.654104.
    let want = [
        [0.0, 2.0, 0.0, 81.0],
        [1.0, 1.46, 0.0, 54.4644],
        [2.0, 1.0172, 0.0, 36.62186],
        [3.0, 0.654104, 0.0, 24.624538],
    ];
    assert_eq!(rows.len(), 4);
    for (r, w) in rows.iter().zip(want) {
        for (g, w) in r.iter().zip(w) {
            assert!((g - w).abs() <= 1e-6 * w.abs().max(1.0), "{r:?} vs {w:?}");
        }
    }
}

#[test]
fn defaults_on_linear_converge_and_report_the_bound() {
    let out = explore(&["train", "--data", "data/linear.csv", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("sgd is stable for lr < 0.0102849 on this data"),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 101);
    let bound = doc["max_stable_lr"].as_f64().unwrap();
    // The default rate is a quarter of the bound: 1/(2·λmax).
    assert!((doc["lr"].as_f64().unwrap() - bound / 4.0).abs() < 1e-12);
    assert_eq!(doc["diverged"], false);
    let last = rows[100]["loss"].as_f64().unwrap();
    let best = doc["optimum"]["loss"].as_f64().unwrap();
    assert!((last - best) / best < 1e-3, "{last} vs {best}");
}

#[test]
fn table_shows_start_end_and_optimum() {
    let out = ok(&[
        "train", "--point", "-3,3", "--point", "1,1", "--epochs", "500", "--lr", "0.05",
    ]);
    // Through (-3, 3) and (1, 1) exactly: A = -0.5, b = 1.5, loss 0 (f32 leaves ~1e-13).
    assert!(
        out.contains("after 500 epochs: A = -0.5, b = 1.5 (loss "),
        "{out}"
    );
    assert!(
        out.contains("closed-form optimum: A = -0.5, b = 1.5 (loss 0)"),
        "{out}"
    );
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains("y = A·x + b, sgd lr 0.05, 500 epochs, f32"),
        "{out}"
    );
}

#[test]
fn divergence_is_one_clear_error_after_writing_what_was_asked() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("div.png");
    let out = explore(&[
        "train",
        "--point",
        "-3,3",
        "--no-bias",
        "--init-weight",
        "2",
        "--lr",
        "0.2",
        "--epochs",
        "5000",
        "--format",
        "csv",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("warning: --lr 0.2 is at or above the stable bound 0.111111"),
        "{err}"
    );
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    // Each step multiplies the loss by (1 − 18·0.2)² = 6.76: past 10⁶ × 81 at epoch 8.
    assert!(
        errors[0].contains("the loss grew from 81 to")
            && errors[0].contains("by epoch 8")
            && errors[0].contains("learning rate 0.2")
            && errors[0].contains("0.111111"),
        "{err}"
    );
    // The rows up to the one that broke the rule are printed, every one finite.
    let (_, rows) = parse_csv(&stdout(&out));
    assert_eq!(rows.len(), 9);
    assert!(rows.iter().all(|r| r.iter().all(|v| v.is_finite())));
    assert!(inspect_png(&plot).unwrap().colours > 50);
}

#[test]
fn save_and_continue_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("line.safetensors");
    let s = saved.to_str().unwrap();
    let straight = ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "20",
        "--lr",
        "0.002",
        "--format",
        "csv",
        "--dtype",
        "f64",
    ]);
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "10",
        "--lr",
        "0.002",
        "--format",
        "csv",
        "--dtype",
        "f64",
        "--save",
        s,
    ]);
    let resumed = ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "10",
        "--lr",
        "0.002",
        "--format",
        "csv",
        "--dtype",
        "f64",
        "--init-from",
        s,
    ]);
    let (_, a) = parse_csv(&straight);
    let (_, b) = parse_csv(&resumed);
    assert_eq!(
        a[20][1..],
        b[10][1..],
        "epoch 20 straight equals epoch 10 after resuming from epoch 10"
    );
    // --load is the same flag; a pinned save resumes pinned.
    ok(&[
        "train",
        "--point",
        "-3,3",
        "--no-bias",
        "--epochs",
        "3",
        "--save",
        s,
    ]);
    let csv = ok(&[
        "train", "--point", "-3,3", "--load", s, "--epochs", "2", "--format", "csv",
    ]);
    assert!(parse_csv(&csv).1.iter().all(|r| r[2] == 0.0));
}

#[test]
fn bad_training_flags() {
    let check = |args: &[&str], code: i32, needle: &str| {
        let out = explore(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    };
    check(
        &["train", "--point", "1,2", "--lr", "0"],
        2,
        "invalid value '0' for '--lr <LR>': 0 is not > 0",
    );
    check(
        &["train", "--point", "1,2", "--lr", "-0.1"],
        2,
        "invalid value '-0.1' for '--lr <LR>'",
    );
    check(
        &[
            "train",
            "--point",
            "1,2",
            "--init-from",
            "x.safetensors",
            "--init-weight",
            "1",
        ],
        2,
        "cannot be used with",
    );
    check(
        &["train", "--point", "1,2", "--no-bias", "--init-bias", "1"],
        2,
        "cannot be used with",
    );
    check(
        &[
            "train",
            "--point",
            "1,2",
            "--init-from",
            "missing.safetensors",
        ],
        1,
        "missing.safetensors: cannot read parameters",
    );
    check(
        &[
            "train",
            "--point",
            "1,2",
            "--save",
            "/nonexistent-dir/p.safetensors",
        ],
        1,
        "cannot write /nonexistent-dir/p.safetensors",
    );
}
