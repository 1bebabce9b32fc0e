//! The perceptron and deep-network examples, run as a user runs them.

mod common;

use common::example;
use explore::plot::inspect_png;

fn run(name: &str, dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let plot = dir.join(format!("{name}.png"));
    let out = example(name, &["--plot", plot.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8(out.stdout).unwrap(), plot)
}

/// The last row of the table: `(epoch, loss, accuracy)`.
fn last_row(text: &str) -> (f64, f64, f64) {
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .map(|v| v.parse().ok())
                .collect::<Option<Vec<f64>>>()
        })
        .filter(|r| r.len() == 3)
        .collect();
    let r = rows.last().expect("a table");
    (r[0], r[1], r[2])
}

#[test]
fn the_perceptron_draws_a_line_between_two_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let (text, plot) = run("perceptron", dir.path());
    let (epoch, loss, accuracy) = last_row(&text);
    assert_eq!(epoch, 100.0);
    // The blobs overlap a little: 6 of 200 points are on the wrong side of the best line.
    assert_eq!(accuracy, 0.97);
    assert!(loss < 0.1, "{loss}");
    let boundary = text
        .lines()
        .find(|l| l.starts_with("boundary: "))
        .expect("the boundary");
    assert!(
        boundary.contains("·x1 + ") && boundary.contains("that is x2 = "),
        "{boundary}"
    );
    assert!(inspect_png(&plot).unwrap().colours > 500);
}

#[test]
fn a_deep_network_bends_its_boundary_around_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let (text, plot) = run("deep_network", dir.path());
    let (epoch, loss, accuracy) = last_row(&text);
    assert_eq!((epoch, accuracy), (300.0, 1.0));
    assert!(loss < 1e-3, "{loss}");
    assert!(inspect_png(&plot).unwrap().colours > 500);
}
