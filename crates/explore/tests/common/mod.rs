//! Running the `explore` binary from tests.
#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The data of a `--plot FILE.html` page, as its script reads it.
pub fn page_data(html: &str) -> serde_json::Value {
    let start = html.find(r#"id="slope-data">"#).unwrap() + 16;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap()
}

/// The workspace root, where `data/` lives.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `explore` with `args` from the workspace root.
pub fn explore(args: &[&str]) -> Output {
    explore_in(&root(), args)
}

/// Runs `explore` with `args` from `dir`.
pub fn explore_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_explore"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("explore runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts a successful run and returns its stdout.
pub fn ok(args: &[&str]) -> String {
    let out = explore(args);
    assert!(
        out.status.success(),
        "explore {args:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

/// Parses CSV text with a header into its header and rows of numbers.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("a header")
        .split(',')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect();
    (header, rows)
}
