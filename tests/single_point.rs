//! The seed lesson example, run as a user runs it: its printed table, its summary line and the
//! plot it writes.

mod common;

use common::example;
use explore::plot::inspect_png;

#[test]
fn prints_the_lesson_table_and_writes_the_plot() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("lesson.png");
    let out = example("single_point", &["--plot", plot.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("point (-3, 3)") && text.contains("bias pinned at b = 0"),
        "{text}"
    );
    assert!(text.contains("loss(A) = (y − A·x)² = (3 + 3A)²"), "{text}");
    // The table: A from -3 to 1 every 0.5, with the seed values.
    let rows: Vec<(f64, f64, bool)> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let a = f.next()?.parse().ok()?;
            let loss = f.next()?.parse().ok()?;
            Some((a, loss, l.contains("← minimum")))
        })
        .collect();
    let want = [
        (-3.0, 36.0),
        (-2.5, 20.25),
        (-2.0, 9.0),
        (-1.5, 2.25),
        (-1.0, 0.0),
        (-0.5, 2.25),
        (0.0, 9.0),
        (0.5, 20.25),
        (1.0, 36.0),
    ];
    assert_eq!(rows.len(), want.len(), "{text}");
    for ((a, loss, marked), (wa, wl)) in rows.iter().zip(want) {
        assert_eq!((*a, *loss), (wa, wl));
        assert_eq!(*marked, wa == -1.0, "only A = -1 is marked");
    }
    assert!(
        text.contains("minimum at A = -1 (loss 0); closed-form optimum: A = -1 (loss 0)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("wrote plot: {}", plot.display())),
        "{text}"
    );
    let png = inspect_png(&plot).unwrap();
    assert_eq!((png.width, png.height), (960, 640));
    assert!(png.colours > 50, "the plot looks blank: {png:?}");
}

#[test]
fn flags_work_on_the_example() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("lesson.svg");
    let out = example(
        "single_point",
        &[
            "--plot",
            svg.to_str().unwrap(),
            "--weights",
            "-2,-1,0",
            "--device",
            "cpu",
        ],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("minimum at A = -1"));
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with(['-', '0']))
            .count(),
        3,
        "{text}"
    );
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let auto = example(
        "single_point",
        &["--plot", svg.to_str().unwrap(), "--device", "auto"],
    );
    assert!(auto.status.success());
}

#[test]
fn bad_flags_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let check = |args: &[&str], code: i32, needle: &str| {
        let out = example("single_point", args);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("device:")).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        assert!(lines[0].contains(needle), "{args:?}: {err}");
    };
    check(&["--weights", "1:2"], 2, "START:END:COUNT");
    check(&["--weights", "a:b:3"], 2, "not a number");
    check(&["--weights", "0:1:0"], 2, "COUNT is 0");
    check(&["--weights", "0:1:1000000000000"], 2, "too large");
    check(&["--device", "gpu"], 2, "invalid value 'gpu'");
    check(&["--plot", "x.bmp"], 2, "unknown plot extension `.bmp`");
    let missing = dir.path().join("no/such/dir/x.png");
    check(&["--plot", missing.to_str().unwrap()], 1, "cannot write");
    if !cfg!(feature = "cuda") {
        check(&["--device", "cuda"], 1, "rebuild with `--features cuda`");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file left behind"
    );
}

#[test]
fn help_unknown_arguments_a_closed_pipe_and_losses_beyond_f32() {
    common::help_and_unknown_arguments("single_point");
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("lesson.png");
    let plot = plot.to_str().unwrap();
    common::closed_stdout("single_point", &["--plot", plot]);
    // (3 + 3·1e19)² = 9e38 is beyond f32 (3.4e38): inf there, with the CLI's warning; f64
    // holds it.
    let out = example("single_point", &["--weights", "1e19,2", "--plot", plot]);
    let (text, err) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(text.contains("    1e19   inf\n"), "{text}");
    assert!(
        err.contains(
            "warning: some values are beyond f32's range (±3.4e38) and show as inf; use --dtype f64"
        ),
        "{err}"
    );
    let out = example(
        "single_point",
        &["--weights", "1e19,2", "--plot", plot, "--dtype", "f64"],
    );
    let (text, err) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(text.contains("    1e19  9e38\n"), "{text}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn under_l1_the_lesson_is_the_absolute_error_least_at_minus_one() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("l1.png");
    let out = example(
        "single_point",
        &["--loss", "l1", "--plot", plot.to_str().unwrap()],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("loss(A) = |y − A·x| = |3 + 3A|"), "{text}");
    // |3 + 3A| for A = -3, -2.5, …, 1.
    let want = [6.0, 4.5, 3.0, 1.5, 0.0, 1.5, 3.0, 4.5, 6.0];
    let rows: Vec<f64> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    assert_eq!(rows, want, "{text}");
    assert!(
        text.contains(
            "minimum at A = -1 (loss 0); exact (weighted median) optimum: A = -1 (loss 0)"
        ),
        "{text}"
    );
    let huber = example(
        "single_point",
        &["--loss", "huber", "--plot", plot.to_str().unwrap()],
    );
    let text = String::from_utf8(huber.stdout).unwrap();
    assert!(
        text.contains("minimum at A = -1 (loss 0); no closed form for Huber (δ = 1)"),
        "{text}"
    );
}
