//! The bring-your-own-model example, run as a user runs it: it trains and draws both planes,
//! the same numbers and pictures on every run, `--help` and unknown arguments before any work.

mod common;

use common::{example, example_in, files, help_and_unknown_arguments};
use explore::plot::inspect_png;

/// Runs the example into `dir` with `args`, checks it succeeded, and returns its stdout.
fn run(dir: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec![dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = example("custom_model", &all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_model_of_your_own_trains_and_gets_both_planes() {
    let dir = tempfile::tempdir().unwrap();
    let text = run(dir.path(), &[]);
    for name in ["random", "pca"] {
        // A drawn heat map, not a blank image.
        let png = inspect_png(&dir.path().join(format!("custom_{name}.png"))).unwrap();
        assert!(png.colours > 50, "{name}: {png:?}");
        // "…: pca plane, loss 0.9782 → 0.0021": the trained loss is a small part of the first.
        let line = text
            .lines()
            .find(|l| l.contains(&format!("{name} plane")))
            .unwrap();
        let losses: Vec<f64> = line
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter_map(|w| w.parse().ok())
            .collect();
        let (first, last) = (losses[losses.len() - 2], losses[losses.len() - 1]);
        assert!(last < first / 20.0, "{line}");
    }
}

#[test]
fn the_same_seed_gives_the_same_run_and_pictures() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let strip = |text: &str, dir: &std::path::Path| text.replace(dir.to_str().unwrap(), "DIR");
    let first = strip(&run(a.path(), &[]), a.path());
    let second = strip(&run(b.path(), &["--seed", "1"]), b.path());
    // Seed 1's start, trained by AdamW: the losses along the path, to the digits printed.
    assert_eq!(
        first,
        "DIR/custom_random.png: random plane, loss 0.2348 → 0.0006\n\
         DIR/custom_pca.png: pca plane, loss 0.2348 → 0.0006\n"
    );
    assert_eq!(first, second);
    for name in ["custom_random.png", "custom_pca.png"] {
        let read = |d: &tempfile::TempDir| std::fs::read(d.path().join(name)).unwrap();
        assert!(read(&a) == read(&b), "{name} differs between two runs");
    }
    // Another seed, another start.
    let other = strip(&run(c.path(), &["--seed", "2"]), c.path());
    assert_ne!(other, first);
}

#[test]
fn help_and_unknown_arguments_come_before_any_work() {
    help_and_unknown_arguments("custom_model");
    // A negative seed is a value of --seed, refused naming it.
    let dir = tempfile::tempdir().unwrap();
    let out = example_in(dir.path(), "custom_model", &["--seed", "-1"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: invalid value '-1' for '--seed <SEED>'"),
        "{err}"
    );
    // A folder that cannot be written: one line, before training, no backtrace.
    let out = example_in(dir.path(), "custom_model", &["no/such/dir"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err,
        "error: cannot write no/such/dir/custom_random.png: No such file or directory (os error 2)\n"
    );
    assert!(out.stdout.is_empty());
    assert!(files(dir.path()).is_empty());
}
