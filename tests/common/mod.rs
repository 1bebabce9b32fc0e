//! Running the project's examples from tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The example's binary, built by `cargo test` beside this test's own binary.
fn binary(name: &str) -> PathBuf {
    let mut path: PathBuf = std::env::current_exe().unwrap();
    path.pop(); // the test binary
    if path.ends_with("deps") {
        path.pop();
    }
    let binary = path.join("examples").join(name);
    if !binary.exists() {
        // Built on demand when the test runs alone (`cargo test --test single_point`).
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success());
    }
    binary
}

/// Runs `cargo run --example NAME -- args` the quick way: the example is built by `cargo test`
/// beside this test's own binary.
pub fn example(name: &str, args: &[&str]) -> Output {
    Command::new(binary(name)).args(args).output().unwrap()
}

/// [`example`] run in the folder `dir`, with `RUST_BACKTRACE=1` (an error must still be one
/// line).
pub fn example_in(dir: &Path, name: &str, args: &[&str]) -> Output {
    Command::new(binary(name))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
}

/// The files in `dir`.
pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Checks that `--help` prints the usage and exits 0 having done nothing (no file written in
/// the folder it runs in), and that an unknown argument is one line, exit code 2, before any
/// work.
pub fn help_and_unknown_arguments(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    for help in ["--help", "-h"] {
        let out = example_in(dir.path(), name, &[help]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{name} {help}: {text}");
        assert!(
            text.contains(&format!("Usage: {name}")) && text.contains("--help"),
            "{name} {help}: {text}"
        );
        assert!(out.stderr.is_empty(), "{name} {help}: did work");
    }
    for bad in [&["--bogus"][..], &["--help-me"], &["--seed-x", "1"]] {
        let out = example_in(dir.path(), name, bad);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{name} {bad:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{name} {bad:?}: {err}");
        assert!(
            err.starts_with(&format!("error: unexpected argument '{}' found", bad[0])),
            "{name} {bad:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{name} {bad:?}: did work");
    }
    assert!(
        files(dir.path()).is_empty(),
        "{name}: {:?}",
        files(dir.path())
    );
}

/// Runs the example with its stdout a pipe closed at once (`| head -0`): no panic, exit 0.
pub fn closed_stdout(name: &str, args: &[&str]) {
    let mut child = Command::new(binary(name))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{name}: {err}");
    assert!(!err.contains("panicked"), "{name}: {err}");
}
