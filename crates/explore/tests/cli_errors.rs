//! Bad input: one clear line on stderr, the right exit code (2 usage, 1 data or runtime), no
//! panic, and no file left behind.

mod common;

use common::{explore, stderr};
use std::path::Path;

/// Runs `explore args`, checks it fails with `code` and one stderr line containing `needle`.
fn fails(args: &[&str], code: i32, needle: &str) -> String {
    let out = explore(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "explore {args:?}: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("device:"))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "explore {args:?} should print one line, got: {err}"
    );
    assert!(
        lines[0].contains(needle),
        "explore {args:?}: `{}` lacks `{needle}`",
        lines[0]
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    lines[0].to_string()
}

#[test]
fn malformed_specs_are_usage_errors() {
    fails(
        &["sweep", "--point", "-3,3", "--weights", "1:2"],
        2,
        "START:END:COUNT",
    );
    fails(
        &["sweep", "--point", "-3,3", "--weights", "a:b:3"],
        2,
        "`a` is not a number",
    );
    fails(
        &["sweep", "--point", "-3,3", "--weights", "0:1:0"],
        2,
        "COUNT is 0",
    );
    fails(
        &[
            "sweep",
            "--point",
            "-3,3",
            "--weights",
            "0:1:99999999999999",
        ],
        2,
        "too large",
    );
    fails(
        &["sweep", "--point", "-3,3", "--weights", "0:1:-4"],
        2,
        "COUNT `-4` is negative",
    );
    fails(
        &["sweep", "--point", "-3,3", "--weights", "1,x,3"],
        2,
        "`x` is not a number",
    );
    fails(
        &["sweep", "--point", "-3,3", "--weights", "0:inf:3"],
        2,
        "not a finite number",
    );
    fails(
        &["surface", "--point", "-3,3", "--biases", "1:1:5"],
        2,
        "START ≠ END",
    );
    fails(
        &[
            "surface",
            "--point",
            "-3,3",
            "--weights",
            "0:1:5000",
            "--biases",
            "0:1:5000",
        ],
        2,
        "too many",
    );
}

#[test]
fn devices_and_plot_paths() {
    fails(
        &["sweep", "--point", "-3,3", "--device", "tpu"],
        2,
        "invalid value 'tpu'",
    );
    if !cfg!(feature = "cuda") {
        fails(
            &["sweep", "--point", "-3,3", "--device", "cuda"],
            1,
            "rebuild with `--features cuda`",
        );
    }
    fails(
        &["sweep", "--point", "-3,3", "--plot", "out.jpg"],
        2,
        "unknown plot extension `.jpg`",
    );
    fails(
        &["sweep", "--point", "-3,3", "--plot", "out"],
        2,
        "no extension",
    );
    fails(
        &[
            "sweep",
            "--point",
            "-3,3",
            "--plot",
            "/nonexistent-dir/x.png",
        ],
        1,
        "cannot write /nonexistent-dir/x.png",
    );
    assert!(!Path::new("/nonexistent-dir/x.png").exists());
    let dir = tempfile::tempdir().unwrap();
    fails(
        &[
            "sweep",
            "--point",
            "-3,3",
            "--plot",
            dir.path().to_str().unwrap(),
        ],
        2,
        "extension",
    );
    let as_dir = dir.path().join("d.png");
    std::fs::create_dir(&as_dir).unwrap();
    fails(
        &[
            "sweep",
            "--point",
            "-3,3",
            "--plot",
            as_dir.to_str().unwrap(),
        ],
        1,
        "is a directory",
    );
    // A name ending in / names a folder: refused before the work, nothing written.
    let slash = format!("{}/", dir.path().join("new.png").display());
    fails(
        &["train", "--data", "data/linear.csv", "--plot", &slash],
        1,
        "a file's name cannot end in /",
    );
    assert!(!dir.path().join("new.png").exists());
}

#[test]
fn bad_data_files_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let missing = dir.path().join("missing.csv");
    let plot = dir.path().join("never.png");
    let cases = [
        (
            missing.to_str().unwrap().to_string(),
            "cannot read".to_string(),
        ),
        (
            dir.path().to_str().unwrap().to_string(),
            "is a directory".to_string(),
        ),
        (file("empty.csv", ""), "the file is empty".to_string()),
        (file("header.csv", "x,y\n"), "no data rows".to_string()),
        (
            file("nox.csv", "a,y\n1,2\n"),
            "nox.csv:1: no `x` column".to_string(),
        ),
        (
            file("noy.csv", "x,z\n1,2\n"),
            "noy.csv:1: no `y` column".to_string(),
        ),
        (
            file("text.csv", "x,y\n1,2\n3,abc\n"),
            "text.csv:3:2: `abc` in column y is not a number".to_string(),
        ),
        (
            file("nan.csv", "y,x\n1,2\nNaN,3\n"),
            "nan.csv:3:1: `NaN` in column y is not a finite number".to_string(),
        ),
        (
            file("inf.csv", "x,y\ninf,2\n"),
            "inf.csv:2:1: `inf` in column x is not a finite number".to_string(),
        ),
        (
            file("ragged.csv", "x,y\n1,2\n3,4,5\n"),
            "ragged.csv:3: 3 fields, but the header has 2".to_string(),
        ),
        (
            file("dup.csv", "x,y,x\n1,2,3\n"),
            "names `x` twice".to_string(),
        ),
    ];
    for (path, needle) in &cases {
        fails(
            &["sweep", "--data", path, "--plot", plot.to_str().unwrap()],
            1,
            needle,
        );
        fails(&["surface", "--data", path, "--format", "csv"], 1, needle);
    }
    assert!(!plot.exists());
    // Extra columns, any order, blank lines and spaces are fine.
    let good = file("good.csv", "y, note ,x\n3,a,-3\n\n 3 , b , -3 \n");
    let out = common::ok(&[
        "sweep",
        "--data",
        &good,
        "--weights",
        "-1",
        "--format",
        "csv",
    ]);
    assert_eq!(out, "weight,loss\n-1,0\n");
}

#[test]
fn bad_points_and_conflicting_sources() {
    // All usage errors, found before any data is read: exit 2.
    fails(
        &["sweep", "--point", "-3"],
        2,
        "invalid value '-3' for '--point <X,Y>': expected X,Y",
    );
    fails(&["sweep", "--point", "a,3"], 2, "X `a` is not a number");
    fails(
        &["sweep", "--point", "1,nan"],
        2,
        "Y `nan` is not a finite number",
    );
    fails(
        &["sweep", "--data", "data/linear.csv", "--point", "1,2"],
        2,
        "'--data <FILE|->' cannot be used with '--point <X,Y>'",
    );
    fails(
        &["sweep"],
        2,
        "required arguments were not provided: --data <FILE|->",
    );
    fails(
        &["sweep", "--point", "1,2", "--bogus"],
        2,
        "unexpected argument '--bogus'",
    );
}

#[test]
fn gen_refuses_bad_settings_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.csv");
    fails(
        &["gen", "--noise", "-1", "--out", out.to_str().unwrap()],
        2,
        "invalid value '-1' for '--noise <NOISE>'",
    );
    fails(
        &["gen", "--out", "/nonexistent-dir/d.csv"],
        1,
        "cannot write /nonexistent-dir/d.csv",
    );
    assert!(!out.exists());
}
