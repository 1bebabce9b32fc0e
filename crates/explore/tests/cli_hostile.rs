//! Every failure a hostile user found: each test here failed on the code before the fix. Sizes
//! that cannot fit, closed pipes, backtraces, extreme data, divergence called success, memory
//! that grows, endless lines, interrupts, and other people's files.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{explore, ok, parse_csv, root, stderr, stdout};

/// Runs `explore args`, checks the exit code and that stderr is one line holding `needle`.
fn one_line_error(args: &[&str], code: i32, needle: &str) {
    let out = explore(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "explore {args:?}: {err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("device:") && !l.starts_with("learning rate"))
        .collect();
    assert_eq!(lines.len(), 1, "explore {args:?}: {err}");
    assert!(lines[0].contains(needle), "explore {args:?}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn sizes_that_cannot_fit_are_usage_errors() {
    one_line_error(
        &[
            "train",
            "--data",
            "data/linear.csv",
            "--epochs",
            "1000000000000",
        ],
        2,
        "1000000000000 is not in 0..=1000000000",
    );
    one_line_error(
        &[
            "landscape",
            "--data",
            "data/sine.csv",
            "--hidden",
            "100000,100000",
        ],
        2,
        "this MLP has 10000400001 parameters",
    );
}

#[test]
fn a_closed_stderr_is_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("h.png");
    let mut child = Command::new(env!("CARGO_BIN_EXE_explore"))
        .args(["sweep", "--data", "data/linear.csv", "--plot"])
        .arg(&plot)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the program says anything.
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(plot.exists());
}

#[test]
fn errors_stay_one_line_with_rust_backtrace_set() {
    let out = Command::new(env!("CARGO_BIN_EXE_explore"))
        // A line on the point (0, 0) from (0, 0) never moves: its path spans no plane, and
        // candle's error (with a backtrace attached when RUST_BACKTRACE is set) says so.
        .args([
            "landscape",
            "--point",
            "0,0",
            "--model",
            "line",
            "--directions",
            "pca",
        ])
        .current_dir(root())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(!err.contains("candle_core::error"), "{err}");
}

#[test]
fn extreme_data_is_exact_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let edge = write(dir.path(), "edge.csv", "x,y\n1e308,1e308\n-1e308,-1e308\n");
    // The loss at A = 0 is mean(y²) = 1e616: beyond f64, so inf, not 0.
    let csv = ok(&[
        "sweep",
        "--data",
        &edge,
        "--weights",
        "0:2:3",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ]);
    assert_eq!(csv, "weight,loss\n0,inf\n1,0\n2,inf\n");
    // In f32 the data itself is out of range: said, with what to do.
    one_line_error(
        &["sweep", "--data", &edge, "--weights", "0:2:3"],
        1,
        "x = 1e308 (point 1) is beyond f32's range (±3.4e38) and would become infinite; use --dtype f64",
    );
    // (1e300, 1), (2e300, 2): the loss at A = 0 is 2.5, the optimum A = 1e-300 with loss 0.
    let tilted = write(dir.path(), "tilted.csv", "x,y\n1e300,1\n2e300,2\n");
    let json = ok(&[
        "sweep",
        "--data",
        &tilted,
        "--weights",
        "0",
        "--dtype",
        "f64",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["rows"][0]["loss"], 2.5);
    let weight = doc["optimum"]["weight"].as_f64().unwrap();
    assert!((weight / 1e-300 - 1.0).abs() < 1e-14, "{weight}");
    assert!(doc["optimum"]["loss"].as_f64().unwrap() < 1e-15);
    // A SPEC whose span overflows f64.
    let csv = ok(&[
        "sweep",
        "--point",
        "1,1",
        "--weights=-1e308:1e308:3",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ]);
    let (_, rows) = parse_csv(&csv);
    let weights: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(weights, [-1e308, 0.0, 1e308]);
}

#[test]
fn non_finite_flags_and_untrainable_starts_are_refused() {
    one_line_error(
        &["sweep", "--point", "1,1", "--bias", "nan"],
        2,
        "invalid value 'nan' for '--bias <BIAS>': `nan` is not a finite number",
    );
    for value in ["nan", "inf", "-inf"] {
        one_line_error(
            &["train", "--point", "1,1", "--init-weight", value],
            2,
            "is not a finite number",
        );
    }
    // Finite, but the loss there overflows: no "learning rate is too large" contradiction.
    one_line_error(
        &[
            "train",
            "--data",
            "data/linear.csv",
            "--init-weight",
            "1e300",
        ],
        1,
        "at the start (A = 1e300, b = 0) the squared errors are beyond f64's range: start nearer the data (--init-weight, --init-bias)",
    );
    // Beyond f32 per point while f64 would hold them: f64 is the cure.
    one_line_error(
        &[
            "train",
            "--data",
            "data/linear.csv",
            "--init-weight",
            "1e18",
        ],
        1,
        "beyond f32's range: start nearer the data (--init-weight, --init-bias); use --dtype f64",
    );
    // Data whose curvature overflows: the bound 2/λmax is 0, and the data is to blame.
    let dir = tempfile::tempdir().unwrap();
    let huge = write(dir.path(), "huge.csv", "x,y\n1e308,1\n-1e308,2\n");
    one_line_error(
        &["train", "--data", &huge, "--dtype", "f64"],
        1,
        "the curvature 2·mean(x²) of this data is beyond f64, so no learning rate is stable",
    );
}

#[test]
fn divergence_is_reported_as_soon_as_it_holds() {
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--lr",
        "0.011",
        "--epochs",
        "200",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["diverged"], true);
    let epoch = doc["diverged_epoch"].as_u64().unwrap();
    // The rows up to and including the one that broke the rule, its loss the evidence.
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len() as u64, epoch + 1);
    assert_eq!(rows.last().unwrap()["epoch"], epoch);
    assert!(stderr(&out).contains(&format!("by epoch {epoch}: learning rate 0.011")));
}

/// The peak resident memory of a running child, read from /proc until it exits.
fn peak_rss_kib(mut child: std::process::Child) -> (u64, std::process::ExitStatus) {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            for line in text.lines().filter(|l| l.starts_with("VmHWM:")) {
                let kib = line.split_whitespace().nth(1).and_then(|v| v.parse().ok());
                peak = peak.max(kib.unwrap_or(0));
            }
        }
        if let Some(done) = child.try_wait().unwrap() {
            return (peak, done);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn memory_stays_flat_for_any_number_of_epochs() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc to read the peak memory from");
        return;
    }
    for format in ["csv", "table"] {
        let child = Command::new(env!("CARGO_BIN_EXE_explore"))
            .args([
                "train", "--point", "1,2", "--point", "2,3", "--epochs", "400000",
            ])
            .args(["--format", format, "--quiet"])
            .current_dir(root())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let (peak, status) = peak_rss_kib(child);
        assert!(status.success());
        // The rows go out as they are made; before, 400,000 of them were held (and, for the
        // table, formatted) at once, hundreds of MiB at 2,000,000.
        assert!(peak < 60 * 1024, "{format}: peak {peak} KiB");
    }
}

#[test]
fn an_endless_line_is_refused_quickly() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    one_line_error(
        &["sweep", "--data", "/dev/zero"],
        1,
        "/dev/zero:1: line longer than 1 MiB",
    );
}

#[test]
fn an_interrupt_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_explore"))
        .args(["gen", "--n", "3000000", "--out"])
        .arg(&out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the write to start (its temporary file), then interrupt it.
    let start = Instant::now();
    let temporary = || {
        std::fs::read_dir(dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".slope-")
        })
    };
    while !temporary() && start.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let status = child.wait().unwrap();
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if interrupted && status.code() == Some(130) {
        assert!(left.is_empty(), "left behind: {left:?}");
    } else {
        // The write finished first: then the whole file is there, and nothing else.
        assert!(status.success(), "{status:?}");
        assert_eq!(left, ["g.csv"]);
    }
}

#[test]
fn other_peoples_files_are_safe() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.csv");
    std::fs::copy(root().join("data/linear.csv"), &victim).unwrap();
    let v = victim.to_str().unwrap();
    one_line_error(&["train", "--data", v, "--save", v], 2, "--save");
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        std::fs::read(root().join("data/linear.csv")).unwrap()
    );
    // A plot written through a symlink goes to its target, and the link stays a link.
    #[cfg(unix)]
    {
        let target = dir.path().join("target.svg");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.svg");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        ok(&["sweep", "--point", "1,1", "--plot", link.to_str().unwrap()]);
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("<svg"));
        // And an input reached through a link is still an input.
        let data_link = dir.path().join("data-link.csv");
        std::os::unix::fs::symlink(&victim, &data_link).unwrap();
        let plot = dir.path().join("victim.svg");
        std::fs::copy(&victim, &plot).unwrap();
        std::fs::remove_file(&plot).unwrap();
        one_line_error(
            &["train", "--data", data_link.to_str().unwrap(), "--save", v],
            2,
            "that file is also --data, an input of this run",
        );
    }
    // `--out -` is stdout, not a file named `-`.
    let gen = Command::new(env!("CARGO_BIN_EXE_explore"))
        .args(["gen", "--n", "3", "--out", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(gen.status.success());
    assert_eq!(stdout(&gen).lines().count(), 4);
    assert!(!dir.path().join("-").exists());
}

#[test]
fn usage_errors_come_before_any_work() {
    // A bad flag is reported even though the data file does not exist: it is checked first.
    for (args, needle) in [
        (vec!["landscape", "--steps", "1"], "--steps <STEPS>"),
        (vec!["train", "--lr", "0"], "--lr <LR>"),
        (
            vec!["surface", "--weights", "0:1:5000", "--biases", "0:1:5000"],
            "too many",
        ),
    ] {
        let mut args = args;
        args.extend(["--data", "/nonexistent.csv"]);
        one_line_error(&args, 2, needle);
    }
    one_line_error(&["gen", "--noise", "-1"], 2, "--noise <NOISE>");
}

#[test]
fn quiet_means_nothing_on_stderr() {
    let out = explore(&["sweep", "--data", "data/linear.csv", "--quiet"]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "-q",
        "--format",
        "csv",
    ]);
    assert_eq!(stderr(&out), "");
}

#[test]
fn tables_are_for_people_and_defaults_match_the_help() {
    let table = ok(&["surface", "--data", "data/linear.csv", "--quiet"]);
    assert!(table.lines().count() < 40, "{table}");
    assert!(table.contains("(19 of 6561 rows shown; --format csv or --format json has every one)"));
    // --help promises 21 weights for a sweep and 81 × 81 for a surface.
    let help = ok(&["sweep", "--help"]);
    assert!(help.contains("Default: 21 round values"), "{help}");
    let (_, rows) = parse_csv(&ok(&[
        "sweep",
        "--data",
        "data/linear.csv",
        "--format",
        "csv",
    ]));
    assert_eq!(rows.len(), 21);
    let (_, rows) = parse_csv(&ok(&[
        "surface",
        "--data",
        "data/linear.csv",
        "--format",
        "csv",
    ]));
    assert_eq!(rows.len(), 81 * 81);
}

#[test]
fn unsorted_grids_draw_like_sorted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let draw = |weights: &str, biases: &str, name: &str| {
        let path = dir.path().join(name);
        ok(&[
            "surface",
            "--point",
            "1,1",
            "--point",
            "2,2.5",
            "--weights",
            weights,
            "--biases",
            biases,
            "--plot",
            path.to_str().unwrap(),
            "--quiet",
        ]);
        std::fs::read_to_string(path).unwrap()
    };
    // The same grid, listed in another order, is the same picture.
    assert_eq!(
        draw("3,1,2,0", "1,-1,0", "a.svg"),
        draw("0,1,2,3", "-1,0,1", "b.svg")
    );
    // Uneven spacing too.
    assert_eq!(
        draw("0,5,0.5", "2,-1", "c.svg"),
        draw("0,0.5,5", "-1,2", "d.svg")
    );
}

#[test]
fn zig_zag_paths_stay_inside_their_plots() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("t.png");
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--lr",
        "0.01",
        "--epochs",
        "200",
        "--plot",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let width = info.width as usize;
    // The path's orange (255, 127, 14) never reaches the left margin, where the axis labels
    // are, nor the colour bar's column.
    let orange = |x: usize, y: usize| {
        let p = &buf[3 * (y * width + x)..3 * (y * width + x) + 3];
        p[0] > 200 && (100..160).contains(&p[1]) && p[2] < 60
    };
    for y in 0..info.height as usize {
        for x in (0..60).chain(820..860) {
            assert!(!orange(x, y), "path drawn outside its plot at ({x}, {y})");
        }
    }
}

#[test]
fn the_line_landscape_works_by_default() {
    let json = ok(&[
        "landscape",
        "--data",
        "data/linear.csv",
        "--model",
        "line",
        "--steps",
        "5",
        "--format",
        "json",
        "--quiet",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["directions"], "axes");
    assert_eq!(doc["parameters"], 2);
}

#[test]
fn the_default_rate_shows_steps_not_one_jump() {
    // The point (-3, 3), A from 2, bias pinned: λ = 18, the default lr 1/36 halves the
    // distance to -1 at every step: 2, 0.5, -0.25, -0.625.
    let csv = ok(&[
        "train",
        "--point",
        "-3,3",
        "--no-bias",
        "--init-weight",
        "2",
        "--epochs",
        "3",
        "--format",
        "csv",
        "--quiet",
    ]);
    let (_, rows) = parse_csv(&csv);
    let weights: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    assert_eq!(weights, [2.0, 0.5, -0.25, -0.625]);
}

/// What an independent review found after the first round of fixes.
#[test]
fn second_round_of_hostile_inputs() {
    let dir = tempfile::tempdir().unwrap();
    // A loop of symlinks as the output: one line, no stack overflow.
    #[cfg(unix)]
    {
        let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
        std::os::unix::fs::symlink(&a, &b).unwrap();
        std::os::unix::fs::symlink(&b, &a).unwrap();
        one_line_error(
            &["sweep", "--point", "1,1", "--plot", a.to_str().unwrap()],
            1,
            "too many levels of symbolic links",
        );
    }
    // Weights so large that the moments' terms overflow: inf, never 0, and no minimum.
    let csv = ok(&[
        "sweep",
        "--point",
        "1,1",
        "--point",
        "-1,-1",
        "--weights=1e308,1.7e308",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ]);
    assert_eq!(csv, "weight,loss\n1e308,inf\n1.7e308,inf\n");
    // x near 1e300: the default surface is on the data's scale, not NaN.
    let tilted = write(dir.path(), "tilted.csv", "x,y\n1e300,1\n2e300,2\n");
    let (_, rows) = parse_csv(&ok(&[
        "surface", "--data", &tilted, "--dtype", "f64", "--format", "csv",
    ]));
    assert!(rows.iter().all(|r| r.iter().all(|v| !v.is_nan())));
    assert!(
        rows.iter().any(|r| r[2] < 1e-10),
        "the optimum's neighbourhood is on the grid"
    );
    // Inputs that never end, and counts that cannot fit.
    if Path::new("/dev/zero").exists() {
        one_line_error(
            &["train", "--point", "1,1", "--init-from", "/dev/zero"],
            1,
            "is not a regular file",
        );
    }
    one_line_error(
        &["gen", "--n", "100000000000000"],
        2,
        "100000000000000 is not in 1..=1000000000",
    );
    // Figures of huge grids stay small: evenly thinned dots and cells.
    let svg = dir.path().join("big.svg");
    ok(&[
        "sweep",
        "--point",
        "1,2",
        "--weights",
        "0:2:1000000",
        "--plot",
        svg.to_str().unwrap(),
        "--format",
        "csv",
        "--quiet",
    ]);
    assert!(std::fs::metadata(&svg).unwrap().len() < 2 << 20);
    ok(&[
        "surface",
        "--point",
        "1,2",
        "--point",
        "2,3",
        "--weights",
        "0:2:4",
        "--biases",
        "0:2:200000",
        "--plot",
        svg.to_str().unwrap(),
        "--format",
        "csv",
        "--quiet",
    ]);
    assert!(std::fs::metadata(&svg).unwrap().len() < 4 << 20);
    // Landscape settings that cannot work are usage errors, before the data is read.
    for (args, needle) in [
        (
            vec!["--directions", "axes"],
            "the axes directions need a model with exactly two parameters (the line); this one has 321; use --directions random or pca",
        ),
        (
            vec!["--model", "line", "--directions", "random"],
            "use --directions",
        ),
        (
            vec!["--directions", "pca", "--epochs", "0"],
            "give --epochs 2 or more",
        ),
    ] {
        let mut args = [vec!["landscape", "--data", "/nonexistent.csv"], args].concat();
        args.push("--quiet");
        one_line_error(&args, 2, needle);
    }
}
