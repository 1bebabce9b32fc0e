//! The bring-your-own-model example, run as a user runs it: it trains and draws both planes.

mod common;

use common::example;
use explore::plot::inspect_png;

#[test]
fn a_model_of_your_own_trains_and_gets_both_planes() {
    let dir = tempfile::tempdir().unwrap();
    let out = example("custom_model", &[dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["random", "pca"] {
        assert!(inspect_png(&dir.path().join(format!("custom_{name}.png"))).is_ok());
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
