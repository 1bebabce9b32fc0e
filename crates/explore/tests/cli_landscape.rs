//! End to end: `explore landscape` and `explore gen --kind sine`.

mod common;

use common::{explore, ok, parse_csv, root, stderr};
use explore::plot::inspect_png;

#[test]
fn mlp_landscape_on_the_sine_data() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("landscape.png");
    let text = ok(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "150",
        "--steps",
        "9",
        "--format",
        "json",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["rows"].as_array().unwrap().len(), 81);
    assert_eq!(doc["model"], "mlp 1-16-16-1 tanh");
    assert_eq!(doc["parameters"], 16 + 16 + 16 * 16 + 16 + 16 + 1);
    let path = doc["trajectory"].as_array().unwrap();
    assert!(path.len() > 10);
    let first = path[0]["loss"].as_f64().unwrap();
    let last = path[path.len() - 1]["loss"].as_f64().unwrap();
    assert!(last < first, "training lowered the loss: {first} → {last}");
    // The trained model is the centre of the grid, and its loss is the path's last loss.
    let centre = &doc["rows"][40];
    assert_eq!(
        (centre["alpha"].as_f64(), centre["beta"].as_f64()),
        (Some(0.0), Some(0.0))
    );
    assert!((centre["loss"].as_f64().unwrap() - last).abs() <= 1e-6 * last);
    assert_eq!(
        (
            path[path.len() - 1]["alpha"].as_f64(),
            path[path.len() - 1]["beta"].as_f64()
        ),
        (Some(0.0), Some(0.0))
    );
    assert!(inspect_png(&plot).unwrap().colours > 50);
}

/// The trajectory of `explore landscape ARGS --format json`: `(epoch, loss, validation loss)`.
fn trajectory(args: &[&str]) -> Vec<(f64, f64, Option<f64>)> {
    let mut all = vec!["landscape", "--data", "data/sine.csv", "--steps", "3"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&ok(&all)).unwrap();
    let path = doc["trajectory"].as_array().unwrap();
    path.iter()
        .map(|p| {
            let val = p.get("val_loss").map(|v| v.as_f64().unwrap());
            (
                p["epoch"].as_f64().unwrap(),
                p["loss"].as_f64().unwrap(),
                val,
            )
        })
        .collect()
}

#[test]
fn a_held_out_share_has_its_loss_at_each_recorded_epoch() {
    // At the start, the 140 training points' and the 60 held-out points' mean squared errors
    // weigh up to the 200 points' one, from the same seeded network.
    let all = trajectory(&["--epochs", "0"]);
    let split = trajectory(&["--epochs", "0", "--val-split", "0.3"]);
    let (whole, train, val) = (all[0].1, split[0].1, split[0].2.unwrap());
    assert!(all[0].2.is_none());
    let weighed = (140.0 * train + 60.0 * val) / 200.0;
    assert!(
        (weighed - whole).abs() <= 1e-5 * whole,
        "{weighed} vs {whole}"
    );
    // Trained, the held-out loss falls with the training loss: the MLP learns the sine, and it
    // is measured at the recorded epochs, not at the start.
    let run = trajectory(&["--epochs", "300", "--val-split", "0.3"]);
    let (first, last) = (run[0], run[run.len() - 1]);
    assert_eq!(last.0, 300.0);
    assert!(run.iter().all(|p| p.2.is_some()));
    assert!(
        last.2.unwrap() < 0.05 && last.2.unwrap() < first.2.unwrap() / 10.0,
        "{first:?} → {last:?}"
    );
    // A view that does not train the plane's run holds nothing out.
    let out = explore(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--view",
        "line",
        "--val-split",
        "0.3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--val-split is not used here"));
}

#[test]
fn pca_and_csv_and_reproducible() {
    let args = [
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "100",
        "--steps",
        "5",
        "--directions",
        "pca",
        "--format",
        "csv",
        "--hidden",
        "4",
    ];
    let a = ok(&args);
    assert_eq!(a, ok(&args), "the same seed gives the same grid");
    let (header, rows) = parse_csv(&a);
    assert_eq!(header, ["alpha", "beta", "loss"]);
    assert_eq!(rows.len(), 25);
    let mut other = args.to_vec();
    other.extend(["--seed", "2"]);
    assert_ne!(a, ok(&other));
}

#[test]
fn line_model_landscape_runs_on_linear_data() {
    let out = ok(&[
        "landscape",
        "--model",
        "line",
        "--data",
        "data/linear.csv",
        "--epochs",
        "300",
        "--lr",
        "0.05",
        "--steps",
        "5",
        "--directions",
        "random",
        "--normalization",
        "none",
        "--keep-1d",
    ]);
    assert!(out.contains("trained line (2 parameters)"), "{out}");
}

#[test]
fn bad_landscape_flags() {
    for (args, needle) in [
        (
            vec!["landscape", "--point", "1,2", "--steps", "1"],
            "invalid value '1' for '--steps <STEPS>': 1 is not in 2..=2001",
        ),
        (
            vec!["landscape", "--point", "1,2", "--hidden", "16,0"],
            "invalid value '0' for '--hidden <SIZES>'",
        ),
        (
            vec!["landscape", "--point", "1,2", "--distance", "-1"],
            "invalid value '-1' for '--distance <DISTANCE>': -1 is not > 0",
        ),
        (
            vec!["landscape", "--point", "1,2", "--lr", "0"],
            "invalid value '0' for '--lr <LR>': 0 is not > 0",
        ),
    ] {
        // Usage errors: exit 2, before any work.
        let out = explore(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn gen_sine_reproduces_the_shipped_data() {
    let shipped = std::fs::read_to_string(root().join("data/sine.csv")).unwrap();
    assert_eq!(ok(&["gen", "--kind", "sine", "--n", "200"]), shipped);
    let (_, rows) = parse_csv(&shipped);
    assert!(rows
        .iter()
        .all(|r| r[0].abs() <= 3.0 && (r[1] - r[0].sin()).abs() < 0.5));
}

#[test]
fn the_landscape_in_3d_and_its_angle() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("l.png");
    ok(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "30",
        "--steps",
        "9",
        "--view",
        "3d",
        "--angle",
        "-20,40",
        "--plot",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(inspect_png(&png).unwrap().colours > 50);
    for angle in ["35", "35,91", "a,b"] {
        let out = explore(&["landscape", "--point", "1,1", "--angle", angle]);
        assert_eq!(out.status.code(), Some(2), "--angle {angle}");
    }
}

/// The line's loss is a quadratic: its Hessian `2·[[mean x², x̄], [x̄, 1]]` is the same at every
/// epoch, and `--sharpness` finds its top eigenvalue, the closed form, each time.
#[test]
fn the_lines_sharpness_is_its_closed_form_curvature() {
    let text = ok(&[
        "landscape",
        "--model",
        "line",
        "--data",
        "data/linear.csv",
        "--sharpness",
        "10",
        "--epochs",
        "30",
        "--lr",
        "0.001",
        "--format",
        "csv",
    ]);
    let (header, rows) = parse_csv(&text);
    assert_eq!(header, ["epoch", "sharpness", "loss"]);
    assert_eq!(
        rows.iter().map(|r| r[0]).collect::<Vec<_>>(),
        [0.0, 10.0, 20.0, 30.0]
    );
    let data = explore::data::read(
        &root().join("data/linear.csv"),
        &explore::data::Columns::default(),
        explore::data::Load::Moments(candle_core::DType::F64),
    )
    .unwrap();
    let exact = data.moments().max_curvature(true);
    for row in &rows {
        assert!(
            (row[1] - exact).abs() <= 1e-6 * exact,
            "{} vs {exact}",
            row[1]
        );
    }
}

/// The edge of stability on the shipped sine data: full-batch gradient descent at lr 0.1 drives
/// the MLP's sharpness from about 7.7 up to 2/lr = 20, where it stays.
#[test]
fn gradient_descent_drives_the_sharpness_to_two_over_lr() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("sharpness.png");
    let text = ok(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--sharpness",
        "50",
        "--lr",
        "0.1",
        "--epochs",
        "1500",
        "--format",
        "json",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["optimizer"], "sgd");
    assert_eq!(doc["two_over_lr"], 20.0);
    let sharpness: Vec<f64> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sharpness"].as_f64().unwrap())
        .collect();
    assert_eq!(sharpness.len(), 31);
    assert!(sharpness[0] < 10.0, "starts flat: {}", sharpness[0]);
    let tail = &sharpness[24..];
    let mean = tail.iter().sum::<f64>() / tail.len() as f64;
    assert!((mean - 20.0).abs() < 0.5, "hovers at 2/lr: {tail:?}");
    // A drawn chart, not a blank image: axes, curves, text in many shades.
    assert!(inspect_png(&plot).unwrap().colours > 50);
}

#[test]
fn sharpness_flags_that_cannot_work_are_usage_errors() {
    for (args, needle) in [
        (
            vec!["--plot", "s.html"],
            "--sharpness draws a PNG or SVG figure",
        ),
        (vec!["--directions", "pca"], "cannot be used with"),
        (vec!["--steps", "9"], "cannot be used with"),
    ] {
        let mut all = vec!["landscape", "--data", "data/sine.csv", "--sharpness", "5"];
        all.extend(args);
        let out = explore(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(stderr(&out).contains(needle), "{}", stderr(&out));
    }
}

/// `--view line`: at t = 0 the loss of the start, at t = 1 that of the trained model, the very
/// values the plane's trajectory records for the same run; both lines meet at t = 1.
#[test]
fn the_line_view_passes_the_start_and_the_trained_model() {
    let common = [
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "100",
        "--format",
        "json",
    ];
    let line: serde_json::Value =
        serde_json::from_str(&ok(
            &[&common[..], &["--view", "line", "--steps", "9"]].concat()
        ))
        .unwrap();
    let plane: serde_json::Value =
        serde_json::from_str(&ok(&[&common[..], &["--steps", "3"]].concat())).unwrap();
    let rows = line["rows"].as_array().unwrap();
    let t: Vec<f64> = rows.iter().map(|r| r["t"].as_f64().unwrap()).collect();
    assert_eq!(t, [-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]);
    // In f32, as the run computes them (the rows print f32's shortest digits).
    let f32_of = |v: &serde_json::Value| v.as_f64().unwrap() as f32;
    let trajectory = plane["trajectory"].as_array().unwrap();
    let first = f32_of(&trajectory[0]["loss"]);
    let last = f32_of(&trajectory[trajectory.len() - 1]["loss"]);
    assert_eq!(f32_of(&rows[2]["loss"]), first);
    assert_eq!(f32_of(&rows[6]["loss"]), last);
    assert_eq!(f32_of(&rows[6]["random"]), last);
    assert_eq!(f32_of(&line["start_loss"]), first);
    assert_eq!(f32_of(&line["trained_loss"]), last);
    assert!(last < first / 10.0);
    for (flags, needle) in [
        (
            vec!["--view", "line", "--directions", "pca"],
            "--directions is for the plane",
        ),
        (vec!["--view", "line", "--plot", "l.html"], "PNG or SVG"),
    ] {
        let out = explore(&[&common[..], &flags[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        assert!(stderr(&out).contains(needle), "{}", stderr(&out));
    }
    let out = explore(&["surface", "--data", "data/linear.csv", "--view", "line"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A trained model saved with --save is drawn again with --init-from and --epochs 0: the same
/// plane, to the last digit, without training; a model of other sizes is refused.
#[test]
fn a_saved_model_draws_the_same_landscape_again() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("mlp.safetensors");
    let saved = saved.to_str().unwrap();
    let plane = |extra: &[&str]| {
        let args = [
            &[
                "landscape",
                "--data",
                "data/sine.csv",
                "--steps",
                "5",
                "--format",
                "csv",
            ][..],
            extra,
        ]
        .concat();
        ok(&args)
    };
    let trained = plane(&["--epochs", "200", "--save", saved]);
    assert_eq!(plane(&["--epochs", "0", "--init-from", saved]), trained);
    // The line view starts from the saved parameters too: at t = 0 and t = 1 both are they.
    let line = ok(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "0",
        "--init-from",
        saved,
        "--view",
        "line",
        "--steps",
        "5",
        "--format",
        "csv",
    ]);
    let (_, rows) = parse_csv(&line);
    assert_eq!(rows[1][1], rows[3][1]);
    let out = explore(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "0",
        "--init-from",
        saved,
        "--hidden",
        "8",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "the parameters are of mlp 1-16-16-1 tanh, not of mlp 1-8-1 tanh; give the --model, \
             --hidden and --activation it was saved with"
        ),
        "{}",
        stderr(&out)
    );
    // The activation is part of the saved model: no shape shows it, the header does.
    let out = explore(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "0",
        "--init-from",
        saved,
        "--activation",
        "relu",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("the parameters are of mlp 1-16-16-1 tanh, not of mlp 1-16-16-1 relu"),
        "{}",
        stderr(&out)
    );
    // The same run saves the same bytes (the header's keys in order, not in hash order).
    let again = dir.path().join("again.safetensors");
    plane(&["--epochs", "200", "--save", again.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(saved).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

/// The line view's start and trained losses are those of t = 0 and t = 1 exactly, whether or
/// not the grid has them.
#[test]
fn the_line_views_ends_are_exact_on_any_grid() {
    let run = |steps: &str| -> serde_json::Value {
        serde_json::from_str(&ok(&[
            "landscape",
            "--data",
            "data/sine.csv",
            "--epochs",
            "50",
            "--view",
            "line",
            "--steps",
            steps,
            "--format",
            "json",
        ]))
        .unwrap()
    };
    let (four, nine) = (run("4"), run("9"));
    assert_eq!(four["start_loss"], nine["start_loss"]);
    assert_eq!(four["trained_loss"], nine["trained_loss"]);
    assert_eq!(
        nine["rows"][2]["loss"].as_f64().unwrap() as f32,
        nine["start_loss"].as_f64().unwrap() as f32
    );
}
