//! End to end: `explore sweep`, `surface` and `gen` as a user runs them.

mod common;

use common::{explore, ok, parse_csv, root, stderr};
use explore::plot::inspect_png;
use model::{BiasFit, Moments};

/// The seed lesson's loss, `(3 + 3A)²`, in f32 as the binary computes it by default.
fn seed_loss(a: f64) -> f64 {
    ((3.0 + 3.0 * a) as f32).powi(2) as f64
}

fn check_seed_rows(csv: &str) {
    let (header, rows) = parse_csv(csv);
    assert_eq!(header, ["weight", "loss"]);
    assert_eq!(rows.len(), 9);
    for row in &rows {
        let want = seed_loss(row[0]);
        assert!(
            (row[1] - want).abs() <= 1e-6 * want.max(1.0),
            "A = {}: {} vs {want}",
            row[0],
            row[1]
        );
    }
    assert_eq!(rows[4], [-1.0, 0.0]);
}

#[test]
fn seed_lesson_from_file_and_from_point() {
    for method in ["direct", "moments"] {
        check_seed_rows(&ok(&[
            "sweep",
            "--data",
            "data/single_point.csv",
            "--weights",
            "-3:1:9",
            "--format",
            "csv",
            "--method",
            method,
        ]));
        check_seed_rows(&ok(&[
            "sweep",
            "--point",
            "-3,3",
            "--weights=-3:1:9",
            "--format=csv",
            "--method",
            method,
        ]));
    }
}

#[test]
fn bare_explore_runs_the_lesson() {
    let out = ok(&[]);
    assert!(
        out.contains("minimum at A = -1 (loss 0); closed-form optimum: A = -1 (loss 0)"),
        "{out}"
    );
    let marked: Vec<&str> = out.lines().filter(|l| l.contains("← minimum")).collect();
    assert_eq!(marked.len(), 1);
    assert!(marked[0].trim_start().starts_with("-1 "), "{}", marked[0]);
}

fn linear_moments() -> Moments {
    let data =
        explore::data::read_csv(&root().join("data/linear.csv"), &Default::default()).unwrap();
    data.moments()
}

#[test]
fn sweep_of_linear_finds_the_optimum_within_a_step() {
    for method in ["direct", "moments"] {
        let csv = ok(&[
            "sweep",
            "--data",
            "data/linear.csv",
            "--bias",
            "-0.5",
            "--weights",
            "-2:4:121",
            "--format",
            "csv",
            "--method",
            method,
        ]);
        let (_, rows) = parse_csv(&csv);
        assert_eq!(rows.len(), 121);
        let best = rows.iter().min_by(|a, b| a[1].total_cmp(&b[1])).unwrap();
        let opt = linear_moments()
            .least_squares(BiasFit::Fixed(-0.5))
            .unwrap();
        assert!(
            (best[0] - opt.weight).abs() <= 0.05,
            "{method}: {} vs {}",
            best[0],
            opt.weight
        );
    }
}

#[test]
fn surface_of_linear_is_weight_major_and_finds_the_optimum() {
    let opt = linear_moments().least_squares(BiasFit::Learn).unwrap();
    let csv = ok(&[
        "surface",
        "--data",
        "data/linear.csv",
        "--weights",
        "0:2:21",
        "--biases",
        "-3:3:31",
        "--format",
        "csv",
    ]);
    let (header, rows) = parse_csv(&csv);
    assert_eq!(header, ["weight", "bias", "loss"]);
    assert_eq!(rows.len(), 21 * 31);
    // Weight-major: the bias runs fastest.
    assert_eq!((rows[0][0], rows[0][1]), (0.0, -3.0));
    assert_eq!((rows[1][0], rows[1][1]), (0.0, -2.8));
    assert_eq!((rows[31][0], rows[31][1]), (0.1, -3.0));
    let best = rows.iter().min_by(|a, b| a[2].total_cmp(&b[2])).unwrap();
    assert!(
        (best[0] - opt.weight).abs() <= 0.1 && (best[1] - opt.bias).abs() <= 0.2,
        "{best:?} vs {opt:?}"
    );
}

#[test]
fn direct_and_moments_agree_on_the_shipped_data() {
    for dtype in ["f32", "f64"] {
        let run = |method| {
            let csv = ok(&[
                "surface",
                "--data",
                "data/linear.csv",
                "--weights",
                "-1:3:17",
                "--biases",
                "-20:20:17",
                "--format",
                "csv",
                "--method",
                method,
                "--dtype",
                dtype,
            ]);
            parse_csv(&csv).1
        };
        let (direct, moments) = (run("direct"), run("moments"));
        for (d, m) in direct.iter().zip(&moments) {
            assert!(
                (d[2] - m[2]).abs() <= 1e-5 * m[2],
                "{dtype}: {d:?} vs {m:?}"
            );
        }
    }
}

#[test]
fn json_carries_rows_minimum_and_optimum() {
    let text = ok(&[
        "sweep",
        "--point",
        "-3,3",
        "--weights",
        "-3:1:9",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["rows"].as_array().unwrap().len(), 9);
    assert_eq!(doc["rows"][0]["weight"], -3.0);
    assert_eq!(doc["rows"][0]["loss"], 36.0);
    assert_eq!(doc["minimum"]["weight"], -1.0);
    assert_eq!(doc["minimum"]["loss"], 0.0);
    assert_eq!(doc["optimum"]["weight"], -1.0);
    assert_eq!(doc["n"], 1);

    let text = ok(&[
        "surface",
        "--point",
        "-3,3",
        "--point",
        "1,1",
        "--weights",
        "-2:2:5",
        "--biases",
        "-2:2:5",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["rows"].as_array().unwrap().len(), 25);
    // Through (-3, 3) and (1, 1): A = -0.5, b = 1.5, an exact fit.
    assert_eq!(doc["optimum"]["weight"], -0.5);
    assert_eq!(doc["optimum"]["bias"], 1.5);
}

#[test]
fn plots_are_written_as_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("sweep.png");
    let svg = dir.path().join("surface.svg");
    let heat = dir.path().join("surface.png");
    ok(&[
        "sweep",
        "--data",
        "data/linear.csv",
        "--plot",
        png.to_str().unwrap(),
    ]);
    ok(&[
        "surface",
        "--data",
        "data/linear.csv",
        "--plot",
        svg.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    ok(&[
        "surface",
        "--data",
        "data/linear.csv",
        "--plot",
        heat.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    for path in [&png, &heat] {
        let summary = inspect_png(path).unwrap();
        assert_eq!((summary.width, summary.height), (960, 640));
        assert!(summary.colours > 50, "{path:?} looks blank: {summary:?}");
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("weight A") && text.contains("bias b"));
    // The legend names the closed-form optimum with its values, and the map marks it (a white
    // cross, two strokes) and the grid minimum (a red dot).
    let data =
        explore::data::read_csv(&root().join("data/linear.csv"), &Default::default()).unwrap();
    let opt = data.moments().least_squares(BiasFit::Learn).unwrap();
    let human = explore::number::human;
    let legend = format!(
        "closed-form optimum A = {}, b = {}, loss {}",
        human(opt.weight),
        human(opt.bias),
        human(opt.loss)
    );
    assert!(text.contains(&legend), "no `{legend}` in the SVG");
    assert!(
        text.contains("grid minimum ("),
        "no grid minimum in the legend"
    );
    let cross = r##"stroke="#FFFFFF" stroke-width="3""##;
    assert_eq!(text.matches(cross).count(), 2, "the optimum's cross");
    assert!(
        text.contains(r##"r="7" opacity="1" fill="#D62728""##),
        "the minimum's dot"
    );
    // Nothing else was left in the folder (no temporary files).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    // An ordinary file, readable by others (0666 less the umask), not tempfile's private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&png).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o044, 0o044, "mode {mode:o}");
    }
}

#[test]
fn gen_reproduces_the_shipped_data() {
    let shipped = std::fs::read_to_string(root().join("data/linear.csv")).unwrap();
    let made = ok(&[
        "gen",
        "--n",
        "100",
        "--seed",
        "1",
        "--slope",
        "1",
        "--intercept",
        "0",
        "--noise",
        "3",
        "--x-scale",
        "10",
    ]);
    assert_eq!(made, shipped);
    let (header, rows) = parse_csv(&made);
    assert_eq!(header, ["x", "y"]);
    assert_eq!(rows.len(), 100);
    // A different seed gives different data; the fit still finds the true slope roughly.
    let other = ok(&[
        "gen",
        "--n",
        "2000",
        "--seed",
        "7",
        "--slope",
        "-2",
        "--intercept",
        "5",
        "--noise",
        "1",
    ]);
    let (_, rows) = parse_csv(&other);
    let (x, y): (Vec<f64>, Vec<f64>) = rows.iter().map(|r| (r[0], r[1])).unzip();
    let fit = Moments::from_points(&x, &y)
        .least_squares(BiasFit::Learn)
        .unwrap();
    assert!(
        (fit.weight + 2.0).abs() < 0.01 && (fit.bias - 5.0).abs() < 0.1,
        "{fit:?}"
    );
}

#[test]
fn csv_output_is_clean_and_messages_go_to_stderr() {
    let out = explore(&[
        "sweep",
        "--point",
        "-3,3",
        "--weights",
        "-1,0",
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    assert_eq!(common::stdout(&out), "weight,loss\n-1,0\n0,9\n");
    assert!(stderr(&out).contains("device: cpu"));
}

/// The 3-D view: drawn, and the optimum's cross sits on the surface's lowest cells.
#[test]
fn the_surface_in_3d_marks_the_optimum_at_the_bottom_of_the_bowl() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = (dir.path().join("s.png"), dir.path().join("s.svg"));
    for path in [&png, &svg] {
        ok(&[
            "surface",
            "--data",
            "data/linear.csv",
            "--view",
            "3d",
            "--angle",
            "35,25",
            "--plot",
            path.to_str().unwrap(),
            "--quiet",
        ]);
    }
    let summary = inspect_png(&png).unwrap();
    assert!(summary.colours > 50, "{summary:?}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("closed-form optimum (1.08794, -0.0701473), loss 9.2073"),
        "the legend names the optimum"
    );
    // The cross: two black strokes of width 3; its centre in pixels.
    let numbers = |line: &str, keys: &[&str]| -> Vec<f64> {
        keys.iter()
            .map(|k| {
                let at = line.find(&format!(" {k}=\"")).unwrap() + k.len() + 3;
                line[at..].split('"').next().unwrap().parse().unwrap()
            })
            .collect()
    };
    let cross: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| l.contains(r##"stroke="#000000" stroke-width="3""##))
        .map(|l| numbers(l, &["x1", "y1", "x2", "y2"]))
        .collect();
    assert_eq!(cross.len(), 2);
    let centre = (
        (cross[0][0] + cross[0][2]) / 2.0,
        (cross[0][1] + cross[0][3]) / 2.0,
    );
    // The surface's darkest cells (the lowest losses, viridis' end) and where they are drawn.
    let cells: Vec<(u32, (f64, f64))> = text
        .lines()
        .filter(|l| l.starts_with("<polygon opacity=\"0.95\""))
        .map(|l| {
            let fill = l.split("fill=\"#").nth(1).unwrap();
            let rgb = u32::from_str_radix(&fill[..6], 16).unwrap();
            let brightness = (rgb >> 16) + ((rgb >> 8) & 0xff) + (rgb & 0xff);
            let points = l
                .split("points=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let xy: Vec<(f64, f64)> = points
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            let n = xy.len() as f64;
            let c = xy
                .iter()
                .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
            (brightness, c)
        })
        .collect();
    let darkest = cells.iter().map(|c| c.0).min().unwrap();
    let near = cells
        .iter()
        .filter(|c| c.0 == darkest)
        .map(|c| ((c.1 .0 - centre.0).powi(2) + (c.1 .1 - centre.1).powi(2)).sqrt())
        .fold(f64::INFINITY, f64::min);
    assert!(
        near < 15.0,
        "the cross at {centre:?} is {near} px from the lowest cells"
    );
}

/// The same sweep from standard input, from other column names and from semicolons.
#[test]
fn data_from_stdin_and_from_other_columns() {
    use std::io::Write;
    let want = ok(&["sweep", "--data", "data/linear.csv", "--format", "csv"]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_explore"))
        .args(["sweep", "--data", "-", "--format", "csv"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let text = std::fs::read(root().join("data/linear.csv")).unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
    // sqft;price with the columns swapped in place and renamed.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.csv");
    let renamed: String = std::str::from_utf8(&text)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let (x, y) = l.split_once(',').unwrap();
            if i == 0 {
                "price;sqft\n".to_string()
            } else {
                format!("{y};{x}\n")
            }
        })
        .collect();
    std::fs::write(&other, renamed).unwrap();
    let got = ok(&[
        "sweep",
        "--data",
        other.to_str().unwrap(),
        "--x",
        "sqft",
        "--y",
        "price",
        "--format",
        "csv",
    ]);
    assert_eq!(got, want);
}
