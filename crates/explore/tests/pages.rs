//! What a `--plot FILE.html` page weighs: the largest pages each command writes stay within the
//! 2 MB budget, each carrying the trimmed Plotly it needs (the 3-D one only where a surface is
//! drawn), and their numbers at f32's precision.

mod common;

use common::{ok, page_data as data};
use explore::plot::{PAGE_BUDGET, PLOTLY_2D, PLOTLY_3D};

/// Runs `explore ARGS --plot page.html --quiet`; returns the page.
fn page(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.html");
    let mut all = args.to_vec();
    all.extend(["--plot", path.to_str().unwrap(), "--quiet"]);
    ok(&all);
    std::fs::read_to_string(&path).unwrap()
}

/// Asserts the page is within budget and carries `library` and not the other one.
fn check(html: &str, library: &str, what: &str) {
    assert!(
        html.len() <= PAGE_BUDGET,
        "{what}: {} bytes, past the budget of {PAGE_BUDGET}",
        html.len()
    );
    assert!(html.contains(library), "{what}: the wrong Plotly");
    let other = if library == PLOTLY_2D {
        PLOTLY_3D
    } else {
        PLOTLY_2D
    };
    assert!(!html.contains(other), "{what}: both libraries");
}

#[test]
fn the_libraries_are_trimmed_to_the_traces_the_pages_draw() {
    // The full bundle is 4.8 MB; the trimmed ones register only what the pages draw.
    assert!(PLOTLY_2D.len() < 1_300_000, "{}", PLOTLY_2D.len());
    assert!(PLOTLY_3D.len() < 1_850_000, "{}", PLOTLY_3D.len());
    for (library, traces) in [
        (PLOTLY_2D, "scatter, heatmap and contour"),
        (
            PLOTLY_3D,
            "scatter, heatmap, contour, scatter3d and surface",
        ),
    ] {
        assert!(
            library.starts_with("/* plotly.js v4.1.1 (MIT), trimmed for slope to ")
                && library[..200].contains(traces),
            "{}",
            &library[..200]
        );
    }
}

#[test]
fn a_seven_lane_race_of_ten_thousand_epochs_fits() {
    let html = page(&[
        "race",
        "--data",
        "data/linear.csv",
        "--optimizers",
        "sgd,momentum,nesterov,adam,adamw,rmsprop,adagrad",
        "--epochs",
        "10000",
    ]);
    check(&html, PLOTLY_3D, "race");
    let page = data(&html);
    // Every lane is drawn, its path shortened to share the budget, ending where the run ends.
    let tracks = page["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 7);
    for t in tracks {
        let epochs = t["epoch"].as_array().unwrap();
        assert!(epochs.len() >= 200 && epochs.len() <= 1500 / 7 + 1);
        assert_eq!(epochs.last().unwrap().as_f64(), Some(10000.0));
    }
    // A 101 × 101 grid is kept whole.
    assert_eq!(
        page["losses"].as_array().unwrap().len(),
        page["zs"].as_array().unwrap().len()
    );
}

#[test]
fn a_long_training_run_and_a_surface_fit() {
    let html = page(&["train", "--data", "data/linear.csv", "--epochs", "20000"]);
    check(&html, PLOTLY_3D, "train");
    // Numbers at f32's precision: the optimum's weight, 1.0879370289971102 in f64.
    assert_eq!(data(&html)["optimum"]["x"].as_f64(), Some(1.087937));
    let html = page(&[
        "surface",
        "--data",
        "data/linear.csv",
        "--weights",
        "-2:4:401",
        "--biases",
        "-10:10:401",
    ]);
    check(&html, PLOTLY_3D, "surface");
    let page = data(&html);
    assert_eq!(page["xs"].as_array().unwrap().len(), 101);
    assert_eq!(
        page["xs"][100].as_f64(),
        Some(4.0),
        "the grid's ends are kept"
    );
}

#[test]
fn flat_pages_carry_the_flat_library() {
    check(
        &page(&["sweep", "--data", "data/linear.csv"]),
        PLOTLY_2D,
        "sweep",
    );
    // A classifier whose boundary curls for 3000 epochs: its maps are thinned to fit.
    let html = page(&[
        "train",
        "--data",
        "data/moons.csv",
        "--x",
        "x1,x2",
        "--model",
        "mlp",
        "--loss",
        "bce-logits",
        "--optimizer",
        "adam",
        "--lr",
        "0.03",
        "--epochs",
        "3000",
        "--val-split",
        "0.2",
    ]);
    check(&html, PLOTLY_2D, "classifier");
    let page = data(&html);
    let frames = page["frames"].as_array().unwrap();
    assert!(frames.len() >= 2 && frames.len() <= 40, "{}", frames.len());
    assert_eq!(frames[0]["epoch"].as_f64(), Some(0.0));
    assert_eq!(frames.last().unwrap()["epoch"].as_f64(), Some(3000.0));
    assert_eq!(page["epoch"].as_array().unwrap().len(), 1000);
}
