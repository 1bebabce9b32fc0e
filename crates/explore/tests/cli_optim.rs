//! Optimizers from the command line: each method's stability bound, standardization, shuffled
//! mini-batches, the race, and settings an optimizer does not take.

mod common;

use common::{explore, ok, parse_csv, stderr};

/// The rows of `explore train ARGS --format csv --quiet`.
fn rows(args: &[&str]) -> Vec<Vec<f64>> {
    let args = [args, &["--format", "csv", "--quiet"]].concat();
    parse_csv(&ok(&args)).1
}

#[test]
fn heavy_ball_is_stable_just_under_its_bound_and_not_above() {
    // The point (-3, 3), bias pinned: λ = 18; with μ = 0.9 the bound is 2(1 + μ)/λ = 0.21111…
    let bound = 2.0 * 1.9 / 18.0;
    let run = |lr: f64| {
        explore(&[
            "train",
            "--point",
            "-3,3",
            "--no-bias",
            "--init-weight",
            "2",
            "--optimizer",
            "momentum",
            "--lr",
            &lr.to_string(),
            "--epochs",
            "3000",
            "--dtype",
            "f64",
            "--format",
            "csv",
        ])
    };
    let under = run(0.99 * bound);
    assert!(under.status.success(), "{}", stderr(&under));
    assert!(stderr(&under).contains("momentum is stable for lr < 0.211111"));
    let (_, rows) = parse_csv(&String::from_utf8(under.stdout).unwrap());
    assert!(rows.last().unwrap()[3] < 1e-20, "{:?}", rows.last());
    // Just above: one root of the iteration leaves the unit circle, and the run diverges.
    let over = run(1.01 * bound);
    assert_eq!(over.status.code(), Some(1));
    assert!(stderr(&over).contains("momentum is stable only for lr < 0.211111"));
    // Plain SGD at the same rate is far past its own bound 2/18 = 0.111.
    let sgd = explore(&[
        "train",
        "--point",
        "-3,3",
        "--no-bias",
        "--lr",
        "0.2",
        "--epochs",
        "100",
    ]);
    assert_eq!(sgd.status.code(), Some(1));
}

#[test]
fn standardize_reaches_the_closed_form_in_the_datas_units() {
    // The house prices: x around 2000 square feet. Plain SGD stalls with the bias near 0;
    // standardized, every direction has curvature 2 and the default rate 1/4 halves the error
    // each epoch.
    let data = "data/houses.csv";
    let json = ok(&[
        "surface", "--data", data, "--format", "json", "--dtype", "f64", "-q",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (a, b) = (
        doc["optimum"]["weight"].as_f64().unwrap(),
        doc["optimum"]["bias"].as_f64().unwrap(),
    );
    let plain = rows(&[
        "train", "--data", data, "--epochs", "1000", "--dtype", "f64",
    ]);
    assert!(
        plain.last().unwrap()[2].abs() < 10.0,
        "the bias stalls near 0: {:?}",
        plain.last()
    );
    let fixed = rows(&[
        "train",
        "--data",
        data,
        "--epochs",
        "60",
        "--standardize",
        "--dtype",
        "f64",
    ]);
    let last = fixed.last().unwrap();
    assert!((last[1] / a - 1.0).abs() < 1e-9, "{last:?} vs A = {a}");
    assert!((last[2] / b - 1.0).abs() < 1e-9, "{last:?} vs b = {b}");
    // Row 0 is the start, in the data's units: (0, 0).
    assert_eq!((fixed[0][1], fixed[0][2]), (0.0, 0.0));
    let table = ok(&["train", "--data", data, "--standardize", "-q"]);
    assert!(
        table.contains("trained on x' = (x − 1989.86)/458.039"),
        "{table}"
    );
}

#[test]
fn shuffled_mini_batches_are_reproducible_from_the_seed() {
    let args = |seed: &'static str| {
        vec![
            "train",
            "--data",
            "data/linear.csv",
            "--batch-size",
            "7",
            "--epochs",
            "5",
            "--seed",
            seed,
        ]
    };
    let a = rows(&args("3"));
    assert_eq!(a, rows(&args("3")));
    assert_ne!(a, rows(&args("4")));
    // In file order a seed is not used, and so refused.
    let ordered = [args("3"), vec!["--no-shuffle"]].concat();
    let out = explore(&ordered);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--seed is not used here"),
        "{}",
        stderr(&out)
    );
    assert_eq!(a.len(), 6);
}

#[test]
fn the_race_finds_who_gets_there() {
    let csv = ok(&[
        "race",
        "--data",
        "data/houses.csv",
        "--epochs",
        "3000",
        "--optimizers",
        "sgd,adam=300",
        "--dtype",
        "f64",
        "--format",
        "json",
        "-q",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&csv).unwrap();
    let lanes = doc["lanes"].as_array().unwrap();
    let (sgd, adam) = (&lanes[0], &lanes[1]);
    assert_eq!(
        (sgd["optimizer"].as_str(), adam["optimizer"].as_str()),
        (Some("sgd"), Some("adam"))
    );
    assert!(
        sgd["epochs_to_1pct"].is_null(),
        "plain SGD never gets within 1% here"
    );
    let epoch = adam["epochs_to_1pct"].as_u64().unwrap();
    assert!(epoch > 100 && epoch < 3000, "{adam:?}");
    assert_eq!(adam["lr"].as_f64(), Some(300.0));
    // The rows are every lane's epochs, 0..=3000 each, as the figure draws them.
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2 * 3001);
    assert_eq!(rows[3001]["optimizer"].as_str(), Some("adam"));
    assert_eq!(rows[3001]["epoch"].as_u64(), Some(0));
    let last = &rows[6001];
    assert_eq!(last["loss"].as_f64(), adam["final_loss"].as_f64());
}

#[test]
fn settings_an_optimizer_does_not_take_are_usage_errors() {
    for (args, needle) in [
        (
            vec!["--optimizer", "adam", "--momentum", "0.5"],
            "--momentum is not a setting of --optimizer adam (it takes --lr --betas --eps --weight-decay)",
        ),
        (vec!["--optimizer", "sgd", "--betas", "0.9,0.99"], "--betas is not a setting"),
        (vec!["--optimizer", "momentum", "--eps", "1e-8"], "--eps is not a setting"),
        (vec!["--optimizer", "adam", "--betas", "0.9,1.5"], "1.5 is not in [0, 1)"),
        (vec!["--optimizer", "adagrad", "--eps", "0"], "0 is not > 0"),
        (vec!["--optimizer", "bogus"], "invalid value 'bogus'"),
    ] {
        // Checked before the data is read: the file does not exist.
        let args = [vec!["train", "--data", "/nonexistent.csv"], args].concat();
        let out = explore(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    let out = explore(&["race", "--point", "1,1", "--optimizers", "sgd,bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`bogus` is not an optimizer"));
}

#[test]
fn landscape_trains_with_any_optimizer() {
    let json = ok(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--optimizer",
        "momentum",
        "--lr",
        "0.05",
        "--epochs",
        "50",
        "--steps",
        "5",
        "--format",
        "json",
        "-q",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let trajectory = doc["trajectory"].as_array().unwrap();
    let (first, last) = (
        &trajectory[0]["loss"],
        &trajectory[trajectory.len() - 1]["loss"],
    );
    assert!(last.as_f64().unwrap() < first.as_f64().unwrap());
}
