//! Animations: a GIF of the run, frame by frame, small and quick enough to make by default.

mod common;

use common::{explore, ok, stderr};

/// The frames of a GIF: (count, width, height, delays in centiseconds).
fn frames(path: &std::path::Path) -> (usize, u16, u16, Vec<u16>) {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options
        .read_info(std::fs::File::open(path).unwrap())
        .unwrap();
    let (w, h) = (decoder.width(), decoder.height());
    let mut delays = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        delays.push(frame.delay);
    }
    (delays.len(), w, h, delays)
}

#[test]
fn train_writes_a_gif_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("run.gif");
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--animate",
        gif.to_str().unwrap(),
        "--frames",
        "20",
        "--fps",
        "10",
        "--quiet",
    ]);
    let (count, w, h, delays) = frames(&gif);
    assert_eq!(count, 20);
    // Landscape, loss and the data with the line, under a title.
    assert_eq!((w, h), (960 + 600 + 600, 640 + 44));
    assert_eq!(delays[0], 10);
    assert_eq!(
        *delays.last().unwrap(),
        110,
        "the last frame is held a second"
    );
    // The defaults: about a hundred frames, well under 5 MB.
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--animate",
        gif.to_str().unwrap(),
        "-q",
    ]);
    let (count, ..) = frames(&gif);
    assert_eq!(count, 100);
    assert!(std::fs::metadata(&gif).unwrap().len() < 5 << 20);
    // Nothing else in the folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn the_race_and_the_pinned_bias_animate_too() {
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("race.gif");
    ok(&[
        "race",
        "--data",
        "data/linear.csv",
        "--optimizers",
        "sgd,adam=0.5",
        "--epochs",
        "30",
        "--animate",
        gif.to_str().unwrap(),
        "--frames",
        "5",
        "--quiet",
    ]);
    assert_eq!(frames(&gif).0, 5);
    ok(&[
        "train",
        "--point",
        "-3,3",
        "--no-bias",
        "--init-weight",
        "2",
        "--animate",
        gif.to_str().unwrap(),
        "--frames",
        "3",
        "--quiet",
    ]);
    assert_eq!(frames(&gif).0, 3);
}

#[test]
fn bad_animation_flags_are_usage_errors() {
    for (args, needle) in [
        (vec!["--animate", "run.png"], "is not a .gif file"),
        (
            vec!["--animate", "run.gif", "--frames", "1"],
            "1 is not in 2..=1000",
        ),
        (
            vec!["--animate", "run.gif", "--fps", "0"],
            "0 is not in 1..=50",
        ),
    ] {
        let args = [vec!["train", "--data", "/nonexistent.csv"], args].concat();
        let out = explore(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn the_landscape_animates_its_training_run() {
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("land.gif");
    ok(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "40",
        "--steps",
        "9",
        "--animate",
        gif.to_str().unwrap(),
        "--frames",
        "4",
        "--quiet",
    ]);
    let (count, w, _, _) = frames(&gif);
    // The plane and the loss; no data panel for a network.
    assert_eq!((count, w), (4, 960 + 600));
}

#[test]
fn a_classifier_animation_shows_the_boundary_moving() {
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("blobs.gif");
    let train = |epochs: &str, gif: &std::path::Path| {
        ok(&[
            "train",
            "--data",
            "data/blobs.csv",
            "--x",
            "x1,x2",
            "--model",
            "logistic",
            "--epochs",
            epochs,
            "--animate",
            gif.to_str().unwrap(),
            "--frames",
            "6",
            "--quiet",
        ]);
    };
    train("10", &gif);
    // The map and boundary on the left, the loss above the accuracy on the right, under a
    // heading saying the epoch.
    let (count, w, h, _) = frames(&gif);
    assert_eq!((count, w, h), (6, 1920, 684));
    // Every later frame redraws part of the map (the left half): the boundary moved.
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options
        .read_info(std::fs::File::open(&gif).unwrap())
        .unwrap();
    let mut lefts = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        lefts.push((frame.left, frame.width));
    }
    assert!(
        lefts[1..]
            .iter()
            .all(|&(left, width)| left < 960 && width > 400),
        "{lefts:?}"
    );
    // Fewer epochs than frames: a frame an epoch.
    train("3", &gif);
    assert_eq!(frames(&gif).0, 4);
    // More than two features cannot be drawn so, and nothing is written.
    let three = dir.path().join("three.csv");
    std::fs::write(&three, "a,b,c,label\n1,2,3,0\n2,1,0,1\n").unwrap();
    let other = dir.path().join("three.gif");
    let out = explore(&[
        "train",
        "--data",
        three.to_str().unwrap(),
        "--x",
        "a,b,c",
        "--model",
        "logistic",
        "--animate",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--animate draws a classifier over two features, and --x names 3"),
        "{}",
        stderr(&out)
    );
    assert!(!other.exists());
}
