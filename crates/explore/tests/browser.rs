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
    let data = common::page_data(&html);
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

/// A headless Chromium driven through WebDriver (Debian's chromium-driver): real key presses and
/// pointer drags, real time. The driver listens on a free loopback port and is killed on drop.
struct Driver {
    child: std::process::Child,
    addr: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = common::server::http(
            &self.addr,
            ("DELETE", &format!("/session/{}", self.session)),
            &[],
            b"",
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Self {
        use std::io::BufRead;
        let driver = ["chromedriver", "chromium-driver"]
            .into_iter()
            .find(|name| Command::new(name).arg("--version").output().is_ok())
            .expect("no ChromeDriver found: apt-get install -y chromium-driver (.ci/run does)");
        let mut child = Command::new(driver)
            .arg("--port=0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut port = None;
        for _ in 0..10 {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            if let Some(p) = line
                .trim()
                .strip_prefix("ChromeDriver was started successfully on port ")
            {
                port = Some(p.trim_end_matches('.').to_string());
                break;
            }
        }
        let addr = format!("127.0.0.1:{}", port.expect("ChromeDriver says its port"));
        let capabilities = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium().display().to_string(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--window-size=1500,1000"],
            },
        }}});
        let mut driver = Driver {
            child,
            addr,
            session: String::new(),
        };
        let reply = driver.call("POST", "/session", &capabilities);
        driver.session = reply["sessionId"].as_str().expect("a session").to_string();
        driver
    }

    /// A WebDriver command: its `value`.
    fn call(&self, method: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let path = if path.starts_with("/session/") || path == "/session" {
            path.to_string()
        } else {
            format!("/session/{}{path}", self.session)
        };
        let reply = common::server::http(
            &self.addr,
            (method, &path),
            &["Content-Type: application/json"],
            body.to_string().as_bytes(),
        );
        let value = reply.json()["value"].clone();
        assert_eq!(reply.status, 200, "{method} {path}: {value}");
        value
    }

    fn run(&self, script: &str) -> serde_json::Value {
        self.call(
            "POST",
            "/execute/sync",
            &serde_json::json!({"script": script, "args": []}),
        )
    }

    /// The page's `#state`, once its `seq` is past `after` (waited for in the page, so the
    /// wait does not load the machine).
    fn state_after(&self, after: u64) -> serde_json::Value {
        let script = "const [after, done] = arguments; const t0 = Date.now();
            const look = () => {
              let s = null;
              try { s = JSON.parse(document.getElementById('state').textContent); } catch (e) {}
              if (s && s.seq > after) done(s);
              else if (Date.now() - t0 > 20000) done(document.getElementById('error').textContent);
              else setTimeout(look, 5);
            };
            look();";
        let state = self.call(
            "POST",
            "/execute/async",
            &serde_json::json!({"script": script, "args": [after]}),
        );
        assert!(
            state.is_object(),
            "the page did not redraw past request {after}: {state}"
        );
        state
    }

    fn element(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            &serde_json::json!({"using": "css selector", "value": css}),
        );
        found["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// The playground in a real browser: the learning-rate slider, moved by key presses, changes the
/// drawn path to the numbers of the command the page exports; a drag on the landscape moves the
/// start; and the time from each input to the redrawn page is recorded (on the 10,000
/// points and 500 epochs).
#[test]
#[ignore = "needs Chromium and ChromeDriver: .ci/run installs them and runs this test"]
fn the_playground_redraws_as_the_slider_moves() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("line10k.csv");
    ok(&[
        "gen",
        "--n",
        "10000",
        "--out",
        data.to_str().unwrap(),
        "--quiet",
    ]);
    let server = common::server::start(&["--data", data.to_str().unwrap()]);
    let driver = Driver::start();
    driver.call(
        "POST",
        "/url",
        &serde_json::json!({"url": format!("http://{}/?epochs=500", server.addr)}),
    );
    let before = driver.state_after(0);
    assert_eq!(before["path"].as_u64(), Some(501), "{before}");

    // Thirty presses of → on the slider: each a real input event and a recomputation.
    let slider = driver.element("#lr");
    for _ in 0..30 {
        let seq = driver.run("return JSON.parse(document.getElementById('state').textContent).seq");
        driver.call(
            "POST",
            &format!("/element/{slider}/value"),
            &serde_json::json!({"text": "\u{E014}"}),
        );
        driver.state_after(seq.as_u64().unwrap());
    }
    let after = driver.run("return JSON.parse(document.getElementById('state').textContent)");
    let (lr0, lr1) = (
        before["lr"].as_f64().unwrap(),
        after["lr"].as_f64().unwrap(),
    );
    // 30 steps of 0.01 in log10: the rate × 10^0.3, to the slider's three digits.
    assert!((lr1 / lr0 - 10f64.powf(0.3)).abs() < 0.02, "{lr0} → {lr1}");
    assert_ne!(before["last"], after["last"], "the path changed");

    // The drawn run is the exported command's run.
    let command = driver.run("return document.getElementById('command').value");
    let command = command.as_str().unwrap().replace(
        "--plot run.html",
        &format!("--plot {}", dir.path().join("run.html").display()),
    );
    let args: Vec<&str> = command
        .split(' ')
        .skip(2)
        .chain(["--format", "csv", "--quiet"])
        .collect();
    let csv = ok(&[&["train"], &args[..]].concat());
    let row: Vec<f64> = csv
        .lines()
        .last()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let last: Vec<f64> = after["last"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for k in 0..4 {
        assert!(
            (last[k] - row[k]).abs() <= 1e-6 * row[k].abs().max(1.0),
            "{command}: the page's {last:?} vs the command's {row:?}"
        );
    }

    // A drag on the landscape moves the start to where it was let go.
    let seq = after["seq"].as_u64().unwrap();
    let landscape = driver.element("#landscape");
    let origin = serde_json::json!({"element-6066-11e4-a52e-4f735466cecf": landscape});
    driver.call(
        "POST",
        "/actions",
        &serde_json::json!({"actions": [{"type": "pointer", "id": "mouse",
        "parameters": {"pointerType": "mouse"}, "actions": [
            {"type": "pointerMove", "origin": origin, "x": -100, "y": 40},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerMove", "origin": origin, "x": -60, "y": 20, "duration": 200},
            {"type": "pointerUp", "button": 0},
        ]}]}),
    );
    let dragged = driver.state_after(seq);
    assert_ne!(dragged["start"], after["start"], "{dragged}");
    let error = driver.run("return document.getElementById('error').textContent");
    assert_eq!(error, "", "the page shows no error");

    // Input to redrawn page, as the page measured it.
    let mut times: Vec<f64> = driver
        .run("return window.slopeTimings")
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    // Each plot's share, as the page measured it.
    let draws = driver.run(
        "const by = {}; for (const [k, v] of window.slopeDraws) (by[k] = by[k] || []).push(v);
         return Object.entries(by).map(([k, v]) => k + ' ' + v.sort((a, b) => a - b)[v.length >> 1].toFixed(0) + ' ms').join(', ')",
    );
    println!("median redraw of each plot: {}", draws.as_str().unwrap());
    let mut requests: Vec<f64> = driver
        .run("return window.slopeRequests")
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    let quantile = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    let mut computes: Vec<f64> = driver
        .run("return window.slopeComputes")
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    println!(
        "input to redraw, 10,000 points, 500 epochs, 101 × 101 grid: p50 {:.0} ms, p99 {:.0} ms \
         over {} inputs; the request's share: p50 {:.0} ms, of which the server's computation \
         p50 {:.1} ms",
        quantile(&mut times, 0.5),
        quantile(&mut times, 0.99),
        times.len(),
        quantile(&mut requests, 0.5),
        quantile(&mut computes, 0.5),
    );

    // And the page, as a learner sees it.
    let shot = dir.path().join("playground.png");
    browse(
        &format!(
            "http://{}/?data=gen&optimizer=momentum&epochs=60",
            server.addr
        ),
        &[
            "--window-size=1500,1000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let summary = inspect_png(&shot).unwrap();
    assert!(summary.colours > 200, "the page looks blank: {summary:?}");
}

/// The playground's other models in a real browser: an MLP on a sine draws its plane and the
/// trained network's curve; choosing a set of classes from the page's menu turns the model into
/// a classifier, picks a classifier's loss, and draws the boundary over the classes.
#[test]
#[ignore = "needs Chromium and ChromeDriver: .ci/run installs them and runs this test"]
fn the_playground_draws_an_mlp_and_a_classifier() {
    let server = common::server::start(&[]);
    let driver = Driver::start();
    let url = format!(
        "http://{}/?model=mlp&data=gen&gen.kind=sine&gen.noise=0.1&optimizer=adam&epochs=200&grid=41",
        server.addr
    );
    driver.call("POST", "/url", &serde_json::json!({ "url": url }));
    let mlp = driver.state_after(0);
    assert_eq!(mlp["model"], "mlp", "{mlp}");
    assert_eq!(mlp["last"][0].as_f64(), Some(200.0), "{mlp}");
    // The run streamed in as it trained: every second epoch of 200, drawn as it came (the
    // plane, computed after the training, comes last).
    assert_eq!(mlp["streamed"], 101, "{mlp}");
    let live = driver.run("return window.slopeLiveDraws || 0;");
    assert!(
        live.as_u64().unwrap() >= 1,
        "drawn while it trained: {live}"
    );
    let drawn = driver.run(
        "const d = document.getElementById('data'), l = document.getElementById('landscape');
         return [d.layout.shapes[0].type, d.layout.shapes[0].path.split('L').length,
                 l.data[0].type, l.layout.xaxis.title.text];",
    );
    assert_eq!(
        drawn,
        serde_json::json!(["path", 200, "heatmap", "direction 1 (α)"]),
        "the MLP's curve over the data and its plane"
    );

    // The page's own menu: moons make a classifier, under BCE with logits.
    let seq = mlp["seq"].as_u64().unwrap();
    let moons = driver.element("select[data-key='gen.kind'] option[value='moons']");
    driver.call(
        "POST",
        &format!("/element/{moons}/click"),
        &serde_json::json!({}),
    );
    let classes = driver.state_after(seq);
    let drawn = driver.run(
        "const d = document.getElementById('data');
         return [document.querySelector(\"select[data-key='loss']\").value,
                 d.layout.images.length, d.data.map((t) => t.name),
                 document.getElementById('command').value];",
    );
    assert_eq!(drawn[0], "bce-logits", "{drawn}");
    assert_eq!(drawn[1], 1, "the map of the classes: {drawn}");
    assert_eq!(
        drawn[2],
        serde_json::json!(["boundary", "class 0", "class 1"]),
        "{drawn}"
    );
    let command = drawn[3].as_str().unwrap();
    assert!(
        command.starts_with("explore gen --kind moons")
            && command.contains("explore train --data gen.csv --x x1,x2 --y label --model mlp"),
        "{command}"
    );
    // The last row: epoch, accuracy, validation accuracy (none), loss.
    assert_eq!(classes["last"][0].as_f64(), Some(200.0), "{classes}");
    assert_eq!(classes["streamed"], 101, "{classes}");
    assert!(classes["last"][1].as_f64().unwrap() > 0.8, "{classes}");
}
