//! The interactive page in a real browser: headless Chromium loads it, the screenshot is not
//! blank, the slider moves the point (the page's state read back through its DOM), and the
//! console shows no error. Needs Chromium: `cargo test -p slope-explore --test browser --
//! --ignored` (`.ci/run` installs Chromium and runs it); without one the test says so and fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::ok;
use explore::plot::inspect_png;

/// The Chromium on this machine, or a one-line failure saying how to get one.
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let path = dir.join(name);
            if path.is_file() {
                return path;
            }
        }
    }
    panic!("no Chromium found: install it (apt-get install -y chromium); .ci/run does");
}

/// Runs headless Chromium on `url` with `args`; returns (stdout, stderr).
fn browse(url: &str, args: &[&str]) -> (String, String) {
    let out = Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .args([
            "--virtual-time-budget=10000",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .args(args)
        .arg(url)
        .output()
        .expect("Chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The page's state after it loaded at `#frame=K`.
fn state(page: &Path, frame: usize) -> (serde_json::Value, String) {
    let url = format!("file://{}#frame={frame}", page.display());
    let (dom, log) = browse(&url, &["--dump-dom"]);
    let start = dom
        .find("<pre id=\"state\">")
        .expect("the page has its state")
        + 16;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end].replace("&quot;", "\"");
    (serde_json::from_str(&json).expect("the state is JSON"), log)
}

#[test]
#[ignore = "needs Chromium: .ci/run installs it and runs this test"]
fn the_page_works_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("train.html");
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "60",
        "--plot",
        page.to_str().unwrap(),
        "--quiet",
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: no script or style is fetched.
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "the page loads nothing"
    );

    // The slider moves the point: frame 0 is the start, frame 40 further down the path.
    let (start, log) = state(&page, 0);
    assert_eq!(start["frame"], 0);
    assert_eq!(
        (
            start["points"][0]["x"].as_f64(),
            start["points"][0]["z"].as_f64()
        ),
        (Some(0.0), Some(0.0))
    );
    let (later, _) = state(&page, 40);
    assert_eq!(later["frame"], 40);
    let w = later["points"][0]["x"].as_f64().unwrap();
    assert!(
        w > 0.5 && w < 1.2,
        "the weight moved towards 1.088: {later}"
    );
    assert!(
        later["points"][0]["loss"].as_f64().unwrap() < start["points"][0]["loss"].as_f64().unwrap()
    );

    // No error on the console.
    for line in log.lines().filter(|l| l.contains("CONSOLE")) {
        assert!(
            !line.contains("Uncaught") && !line.to_lowercase().contains("error"),
            "console: {line}"
        );
    }

    // The screenshot is a picture, not a blank page.
    let shot = dir.path().join("shot.png");
    let url = format!("file://{}#frame=20", page.display());
    browse(
        &url,
        &[
            "--window-size=1400,1000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let summary = inspect_png(&shot).unwrap();
    assert!(summary.colours > 200, "the page looks blank: {summary:?}");
}

/// A classifier's page: the slider moves through the kept epochs, each frame's loss and accuracy
/// those of `train`'s row at that epoch, and the page is a picture.
#[test]
#[ignore = "needs Chromium: .ci/run installs it and runs this test"]
fn a_classifiers_page_moves_through_its_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("moons.html");
    let csv = ok(&[
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
        "78",
        "--plot",
        page.to_str().unwrap(),
        "--format",
        "csv",
        "--quiet",
    ]);
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    // The kept epochs, evenly over 0..=78 (up to 40, fewer if the maps would pass the page's
    // budget): the slider walks them, first to last.
    let html = std::fs::read_to_string(&page).unwrap();
    let start = html.find(r#"id="slope-data">"#).unwrap() + 16;
    let end = start + html[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    let epochs: Vec<f64> = data["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["epoch"].as_f64().unwrap())
        .collect();
    assert!(epochs.len() >= 20, "{epochs:?}");
    assert_eq!((epochs[0], epochs[epochs.len() - 1]), (0.0, 78.0));
    for frame in [0, 10, epochs.len() - 1] {
        let (st, log) = state(&page, frame);
        assert_eq!(st["frame"], frame);
        assert_eq!(st["epoch"].as_f64(), Some(epochs[frame]), "{st}");
        let row = &rows[epochs[frame] as usize];
        assert!(
            (st["loss"].as_f64().unwrap() - row[1]).abs() <= 1e-6 * row[1],
            "{st} vs {row:?}"
        );
        assert_eq!(st["accuracy"].as_f64(), Some(row[2]), "{st}");
        for line in log.lines().filter(|l| l.contains("CONSOLE")) {
            assert!(!line.contains("Uncaught"), "console: {line}");
        }
    }
    let shot = dir.path().join("shot.png");
    let url = format!("file://{}#frame=20", page.display());
    browse(
        &url,
        &[
            "--window-size=1400,1000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let summary = inspect_png(&shot).unwrap();
    assert!(summary.colours > 200, "the page looks blank: {summary:?}");
}

#[test]
#[ignore = "needs Chromium: .ci/run installs it and runs this test"]
fn every_command_writes_a_page_that_loads_without_error() {
    let dir = tempfile::tempdir().unwrap();
    let runs: [&[&str]; 4] = [
        &["sweep", "--data", "data/linear.csv"],
        &["surface", "--data", "data/linear.csv"],
        &[
            "race",
            "--data",
            "data/linear.csv",
            "--optimizers",
            "sgd,adam=0.5",
            "--epochs",
            "30",
        ],
        &[
            "landscape",
            "--data",
            "data/sine.csv",
            "--epochs",
            "30",
            "--steps",
            "9",
        ],
    ];
    for (k, args) in runs.iter().enumerate() {
        let page = dir.path().join(format!("page{k}.html"));
        let args = [*args, &["--plot", page.to_str().unwrap(), "--quiet"]].concat();
        ok(&args);
        let (st, log) = state(&page, 3);
        assert!(st.get("frame").is_some(), "{args:?}: {st}");
        for line in log.lines().filter(|l| l.contains("CONSOLE")) {
            assert!(!line.contains("Uncaught"), "{args:?}: {line}");
        }
    }
}
