//! Running the project's examples from tests.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `cargo run --example NAME -- args` the quick way: the example is built by `cargo test`
/// beside this test's own binary.
pub fn example(name: &str, args: &[&str]) -> Output {
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
    Command::new(binary).args(args).output().unwrap()
}
