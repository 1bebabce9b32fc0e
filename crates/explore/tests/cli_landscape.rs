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
    assert_eq!(doc["model"], "mlp 1-16-16-1");
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
