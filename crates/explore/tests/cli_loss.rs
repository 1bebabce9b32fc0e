//! `--loss` as a user runs it: sweep and train against PyTorch on data the kernels were not
//! written for, the exact optimum or the plain statement that there is none, and the refusals.

mod common;

use common::{explore, ok, parse_csv, stderr, stdout};

/// Every value of `rows` (columns `cols`) equals `want` to 1e-12 relative (f64 runs).
fn close(rows: &[Vec<f64>], want: &[&[f64]]) {
    assert_eq!(rows.len(), want.len(), "{rows:?}");
    for (r, w) in rows.iter().zip(want) {
        for (g, w) in r.iter().zip(*w) {
            assert!(
                (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                "{r:?} vs PyTorch {w:?}"
            );
        }
    }
}

// PyTorch 2.15, from `scripts/reference/cli_losses.py`:
//   huber = torch.nn.HuberLoss(delta=2.0)
//   [huber(a * x + 0.5, y).item() for a in [0.0, 1.0, 2.0, 3.0]]   # x, y of data/linear.csv
#[test]
fn sweep_under_huber_matches_pytorch() {
    let csv = ok(&[
        "sweep",
        "--data",
        "data/linear.csv",
        "--loss",
        "huber",
        "--delta",
        "2",
        "--weights",
        "0:3:4",
        "--bias",
        "0.5",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ]);
    let (header, rows) = parse_csv(&csv);
    assert_eq!(header, ["weight", "loss"]);
    close(
        &rows,
        &[
            &[0.0, 15.75563933139153],
            &[1.0, 3.4163197865931476],
            &[2.0, 13.185460753715493],
            &[3.0, 28.27866845329603],
        ],
    );
}

// PyTorch: w, b = zeros(1), zeros(1); each epoch loss = L(w·x + b, y), backward, step — rows
// (epoch, w, b, loss) before each step, as `train` writes them.
//   torch.nn.L1Loss(), torch.optim.SGD([w, b], lr=0.05), 3 epochs on data/linear.csv
#[test]
fn train_under_l1_matches_pytorch() {
    let csv = ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--loss",
        "l1",
        "--optimizer",
        "sgd",
        "--lr",
        "0.05",
        "--epochs",
        "3",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ]);
    let (_, rows) = parse_csv(&csv);
    close(
        &rows,
        &[
            &[0.0, 0.0, 0.0, 8.860206196903821],
            &[1.0, 0.3703137320133795, 0.004, 6.1467937977656355],
            &[2.0, 0.7307205145167404, 0.011, 3.686059230980977],
            &[
                3.0,
                1.056389667731751,
                0.019000000000000003,
                2.4021355949826004,
            ],
        ],
    );
}

//   torch.nn.SmoothL1Loss(beta=0.5), torch.optim.Adam([w, b], lr=0.1), 3 epochs
#[test]
fn train_under_smooth_l1_with_adam_matches_pytorch() {
    let csv = ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--loss",
        "smooth-l1",
        "--beta",
        "0.5",
        "--optimizer",
        "adam",
        "--lr",
        "0.1",
        "--epochs",
        "3",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ]);
    let (_, rows) = parse_csv(&csv);
    close(
        &rows,
        &[
            &[0.0, 0.0, 0.0, 8.617450260355865],
            &[
                1.0,
                0.09999999986535581,
                0.09999998978998265,
                7.86839547463057,
            ],
            &[
                2.0,
                0.19997812524409767,
                0.19963384028574246,
                7.1243272276764875,
            ],
            &[
                3.0,
                0.2999385658302884,
                0.2990766481910792,
                6.382701933829278,
            ],
        ],
    );
}

//   x = [-2, -1, 0.5, 1, 2], y = [0, 0, 1, 0, 1]
//   torch.nn.BCEWithLogitsLoss(pos_weight=tensor([2.0])), torch.optim.SGD([w, b], lr=0.5)
#[test]
fn logistic_regression_under_bce_logits_matches_pytorch() {
    let csv = ok(&[
        "train",
        "--point",
        "-2,0",
        "--point",
        "-1,0",
        "--point",
        "0.5,1",
        "--point",
        "1,0",
        "--point",
        "2,1",
        "--loss",
        "bce-logits",
        "--pos-weight",
        "2",
        "--optimizer",
        "sgd",
        "--lr",
        "0.5",
        "--epochs",
        "3",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ]);
    let (_, rows) = parse_csv(&csv);
    close(
        &rows,
        &[
            &[0.0, 0.0, 0.0, 0.9704060527839233],
            &[1.0, 0.35000000000000003, 0.05, 0.7670183697800804],
            &[
                2.0,
                0.57401202104827,
                0.06623801399326798,
                0.682161555874327,
            ],
            &[
                3.0,
                0.7295749246673142,
                0.06617740362753251,
                0.6401103803816849,
            ],
        ],
    );
}

#[test]
fn the_lesson_under_l1_is_least_at_minus_one_exactly() {
    let table = ok(&[
        "sweep",
        "--point",
        "-3,3",
        "--loss",
        "l1",
        "--weights",
        "-3:1:5",
    ]);
    assert!(
        table.contains("sweep of point (-3, 3) (1 point): L1 of y = A·x"),
        "{table}"
    );
    // |3 + 3A| at A = -3, -2, -1, 0, 1.
    for (a, l) in [
        ("-3", "6"),
        ("-2", "3"),
        ("-1", "0"),
        ("0", "3"),
        ("1", "6"),
    ] {
        assert!(
            table
                .lines()
                .any(|r| r.split_whitespace().take(2).eq([a, l])),
            "A = {a}: {table}"
        );
    }
    assert!(
        table.contains("exact (weighted median) optimum: A = -1 (loss 0)"),
        "{table}"
    );
    let huber = ok(&[
        "sweep",
        "--point",
        "-3,3",
        "--loss",
        "huber",
        "--weights",
        "-3:1:5",
    ]);
    assert!(
        huber.contains(
            "minimum at A = -1 (loss 0); no closed form for Huber (δ = 1); the optimum shown is the table's"
        ),
        "{huber}"
    );
    let json = ok(&[
        "sweep",
        "--point",
        "-3,3",
        "--loss",
        "smooth-l1",
        "--beta",
        "0.5",
        "--format",
        "json",
    ]);
    assert!(
        json.contains(r#""name": "smooth-l1""#)
            && json.contains(r#""label": "smooth L1 (β = 0.5)""#),
        "{json}"
    );
}

#[test]
fn a_surface_under_l1_says_it_has_no_closed_form_and_draws_its_loss() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("l1.png");
    let out = explore(&[
        "surface",
        "--data",
        "data/linear.csv",
        "--loss",
        "l1",
        "--weights",
        "0:2:21",
        "--biases",
        "-2:2:21",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.contains("L1 of y = A·x + b over 21 × 21 (A, b), method direct"),
        "{text}"
    );
    assert!(
        text.contains("no closed form for L1 with a learnt bias; the optimum shown is the grid's"),
        "{text}"
    );
    let png = explore::plot::inspect_png(&plot).unwrap();
    assert!(png.colours > 50, "a heat map has many colours: {png:?}");
}

#[test]
fn losses_a_line_cannot_take_or_settings_they_cannot_use_are_usage_errors() {
    for (args, want) in [
        (
            &["--loss", "l1", "--method", "moments"][..],
            "--method moments gives MSE's loss only: with --loss l1 use --method direct (or auto)",
        ),
        (&["--loss", "bce"][..], "--loss bce takes probabilities"),
        (
            &["--loss", "cross-entropy"][..],
            "--loss cross-entropy takes one logit per class",
        ),
        (&["--loss", "hinge"][..], "unknown loss 'hinge'"),
        (
            &["--loss", "huber", "--delta", "-1"][..],
            "--delta must be positive, got -1",
        ),
        (
            &["--loss", "smooth-l1", "--beta", "-0.5"][..],
            "--beta must be 0 or more, got -0.5",
        ),
        (
            &["--loss", "mse", "--delta", "2"][..],
            "--delta is not used here: it is huber's δ",
        ),
    ] {
        let out = explore(&[&["sweep", "--point", "-3,3"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    }
    // Targets a cross-entropy cannot compare with: a data error.
    let out = explore(&["train", "--data", "data/linear.csv", "--loss", "bce-logits"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "bce-logits needs y in [0, 1] (a label or a probability), but point 1 has y = -6.58"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn training_under_l1_says_it_has_no_stable_bound() {
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--loss",
        "l1",
        "--epochs",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(L1 has a kink and no curvature bound, so no rate is proven stable; without --lr the rate's default is MSE's)"),
        "{}",
        stderr(&out)
    );
    let json = ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--loss",
        "huber",
        "--epochs",
        "0",
        "--format",
        "json",
    ]);
    // Huber's curvature is at most half MSE's: its SGD bound is twice MSE's.
    let mse = ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "0",
        "--format",
        "json",
    ]);
    let bound = |j: &str| -> f64 {
        let v: serde_json::Value = serde_json::from_str(j).unwrap();
        v["max_stable_lr"].as_f64().unwrap()
    };
    assert!((bound(&json) / bound(&mse) - 2.0).abs() < 1e-12, "{json}");
}

/// The points of a CSV file of `x,y`.
fn points(path: &str) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(common::root().join(path)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let (x, y) = l.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

#[test]
fn the_outlier_lesson_drags_mse_and_not_l1_or_huber() {
    let csv = ok(&[
        "compare",
        "--data",
        "data/outliers.csv",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("loss,weight,bias,min_loss"));
    let fits: Vec<(String, f64, f64, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fits.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["MSE", "L1", "Huber (δ = 1)"]
    );
    let pts = points("data/outliers.csv");
    let n = pts.len() as f64;
    // L1 with a learnt bias: an optimal line passes through two of the points (a linear
    // programme's vertex), so the best of every such line is the exact optimum.
    let l1 = |w: f64, b: f64| pts.iter().map(|(x, y)| (y - w * x - b).abs()).sum::<f64>() / n;
    let mut exact = f64::INFINITY;
    for (i, p) in pts.iter().enumerate() {
        for q in &pts[i + 1..] {
            if p.0 != q.0 {
                let w = (q.1 - p.1) / (q.0 - p.0);
                exact = exact.min(l1(w, p.1 - w * p.0));
            }
        }
    }
    let (_, w, b, value) = &fits[1];
    assert!((l1(*w, *b) - value).abs() <= 1e-12 * value, "{fits:?}");
    assert!(
        *value <= exact * (1.0 + 1e-9),
        "numerical L1 {value} vs exact {exact}"
    );
    // Huber's first-order conditions at its line: mean(clamp(r, ±1)·x) = mean(clamp(r, ±1)) = 0.
    let (_, w, b, _) = &fits[2];
    let g = |f: &dyn Fn(f64) -> f64| {
        pts.iter()
            .map(|(x, y)| (y - w * x - b).clamp(-1.0, 1.0) * f(*x))
            .sum::<f64>()
            / n
    };
    assert!(
        // A smooth minimum pins the loss to its last digits but the line only to about
        // √ε of its size: the gradient there is about 1e-8, not 0.
        g(&|x| x).abs() < 1e-6 && g(&|_| 1.0).abs() < 1e-6,
        "{fits:?}"
    );
    // The lesson: the data's line is y = 2x + 1. MSE's bias is dragged up by the outliers
    // (all above the line) by nearly two; L1's and Huber's stay within 0.05 of both.
    assert!(fits[0].2 > 2.8 && fits[0].1 > 2.1, "{fits:?}");
    for fit in &fits[1..] {
        assert!(
            (fit.1 - 2.0).abs() < 0.05 && (fit.2 - 1.0).abs() < 0.05,
            "{fits:?}"
        );
    }
    let table = ok(&["compare", "--data", "data/outliers.csv"]);
    assert!(
        table.contains("5 outliers (more than 5 robust standard deviations from the L1 line)"),
        "{table}"
    );
    assert!(
        table
            .contains("  x = 1.53716, y = 25.4529: MSE 19.2827, L1 21.3003, Huber (δ = 1) 21.3111"),
        "{table}"
    );
    assert!(
        !table.contains("← minimum"),
        "values of different losses are not compared: {table}"
    );
}

#[test]
fn the_comparison_is_drawn_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("compare.png");
    let out = explore(&[
        "compare",
        "--data",
        "data/outliers.csv",
        "--losses",
        "mse,smooth-l1",
        "--beta",
        "0.5",
        "--no-bias",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("smooth L1 (β = 0.5)"),
        "{}",
        stdout(&out)
    );
    let png = explore::plot::inspect_png(&plot).unwrap();
    assert_eq!((png.width, png.height), (1920, 640));
    assert!(png.colours > 20, "{png:?}");
    for (args, want) in [
        (&["--losses", "mse,hinge"][..], "unknown loss 'hinge'"),
        (
            &["--losses", "mse,bce"][..],
            "bce is not a loss of the residual",
        ),
        (&["--losses", "l1,l1"][..], "l1 is named twice"),
        (
            &["--losses", "mse,l1", "--delta", "2"][..],
            "--delta is not used here: it is huber's",
        ),
        (
            &["--losses", "huber", "--delta", "0"][..],
            "--delta must be positive, got 0",
        ),
        (&["--plot", "c.html"][..], "compare draws .png or .svg"),
    ] {
        let out = explore(&[&["compare", "--data", "data/outliers.csv"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn gen_makes_the_outliers_data_set_and_nothing_else_moves() {
    // The shipped data set is this command's output, byte for byte.
    let made = ok(&[
        "gen",
        "--n",
        "50",
        "--seed",
        "2",
        "--outliers",
        "0.1",
        "--slope",
        "2",
        "--intercept",
        "1",
        "--noise",
        "1",
        "--x-scale",
        "3",
    ]);
    let shipped = std::fs::read_to_string(common::root().join("data/outliers.csv")).unwrap();
    assert_eq!(made, shipped);
    // Without --outliers the points are the same but for the outliers, each moved by 20 (20
    // times the noise): the outliers are drawn from a stream of their own.
    let plain = ok(&[
        "gen",
        "--n",
        "50",
        "--seed",
        "2",
        "--slope",
        "2",
        "--intercept",
        "1",
        "--noise",
        "1",
        "--x-scale",
        "3",
    ]);
    let moved: Vec<f64> = made
        .lines()
        .zip(plain.lines())
        .skip(1)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| {
            let (xa, ya) = a.split_once(',').unwrap();
            let (xb, yb) = b.split_once(',').unwrap();
            assert_eq!(xa, xb, "an outlier keeps its x");
            ya.parse::<f64>().unwrap() - yb.parse::<f64>().unwrap()
        })
        .collect();
    assert_eq!(moved.len(), 5, "{moved:?}");
    assert!(moved.iter().all(|d| (d - 20.0).abs() < 1e-9), "{moved:?}");
    for (args, want) in [
        (&["--outliers", "1.5"][..], "1.5 is not a share"),
        (
            &["--outlier-shift", "5"][..],
            "--outlier-shift is not used here",
        ),
        (
            &["--outliers", "0.1", "--noise", "0"][..],
            "--outliers needs a shift",
        ),
    ] {
        let out = explore(&[&["gen"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_landscape_says_its_activation_and_loss() {
    let json = ok(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--activation",
        "relu",
        "--hidden",
        "4",
        "--loss",
        "huber",
        "--epochs",
        "5",
        "--steps",
        "3",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["model"], "mlp 1-4-1 relu");
    assert_eq!(doc["loss"]["name"], "huber");
    let out = explore(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--activation",
        "swish",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown activation 'swish': one of tanh, relu, sigmoid"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn what_a_hostile_review_found_is_refused_or_said() {
    // BCE takes labels: the landscape refuses regression data as the line's commands do.
    let out = explore(&[
        "landscape",
        "--data",
        "data/sine.csv",
        "--epochs",
        "2",
        "--steps",
        "3",
        "--loss",
        "bce-logits",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bce-logits needs y in [0, 1]"),
        "{}",
        stderr(&out)
    );
    // No unique best line (every x is 0): said, not a search's edge as the optimum.
    let text = ok(&[
        "train",
        "--point",
        "0,2",
        "--point",
        "0,3",
        "--point",
        "0,10",
        "--loss",
        "l1",
        "--no-bias",
        "--epochs",
        "3",
    ]);
    assert!(
        text.contains(
            "numerical optimum: none (the loss of L1 on this data is flat, or keeps falling"
        ),
        "{text}"
    );
    let out = explore(&[
        "compare", "--point", "2,2", "--point", "2,3", "--point", "2,10", "--losses", "l1,huber",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("L1 has no best line: the loss of L1 on this data is flat"),
        "{}",
        stderr(&out)
    );
    // Parameters the dtype cannot hold, or whose reciprocal it cannot.
    for (args, want) in [
        (
            &["--loss", "huber", "--delta", "1e-50"][..],
            "--delta 1e-50 is beyond what f32 holds",
        ),
        (
            &["--loss", "smooth-l1", "--beta", "1e-310", "--dtype", "f64"][..],
            "--beta 1e-310 is beyond what f64 holds",
        ),
        (
            &["--loss", "smooth-l1", "--beta", "1e-320", "--dtype", "f64"][..],
            "is beyond what f64 holds",
        ),
    ] {
        let out = explore(&[&["sweep", "--point", "-3,3"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    // A spread of rounding's size measures no outliers.
    let table = ok(&[
        "compare", "--point", "0,0", "--point", "1,1", "--point", "2,2", "--point", "3,3",
        "--point", "4,4.001",
    ]);
    assert!(table.contains("no outliers"), "{table}");
    // BCE with logits is smooth: its curvature bounds the rate (w/4 of a unit Hessian).
    let out = explore(&[
        "train",
        "--point",
        "-2,0",
        "--point",
        "-1,0",
        "--point",
        "0.5,1",
        "--point",
        "1,0",
        "--point",
        "2,1",
        "--loss",
        "bce-logits",
        "--epochs",
        "1",
    ]);
    assert!(
        stderr(&out).contains("is stable for lr <"),
        "{}",
        stderr(&out)
    );
    let json = ok(&[
        "sweep", "--point", "-3,3", "--loss", "huber", "--delta", "1e8", "--format", "json",
    ]);
    assert!(json.contains(r#""label": "Huber (δ = 1e8)""#), "{json}");
}

#[test]
fn a_search_for_the_best_line_on_big_data_is_said_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("big.csv");
    ok(&["gen", "--n", "30000", "--out", data.to_str().unwrap()]);
    let text = ok(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--loss",
        "huber",
        "--epochs",
        "1",
    ]);
    assert!(
        text.contains("numerical optimum: not searched for on more than 20000 points (explore compare finds it)"),
        "{text}"
    );
}

#[test]
fn a_saved_run_continued_under_another_loss_starts_afresh_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("huber.safetensors");
    let saved = saved.to_str().unwrap();
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--loss",
        "huber",
        "--epochs",
        "3",
        "--save",
        saved,
    ]);
    // The same run saves the same bytes: the header's keys in order, not in hash order.
    let again = dir.path().join("again.safetensors");
    let again = again.to_str().unwrap();
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--loss",
        "huber",
        "--epochs",
        "3",
        "--save",
        again,
    ]);
    assert_eq!(std::fs::read(saved).unwrap(), std::fs::read(again).unwrap());
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "1",
        "--init-from",
        saved,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "not exactly where that run stopped: it was trained under Huber (δ = 1), not MSE"
        ),
        "{}",
        stderr(&out)
    );
    // Under the same loss it continues exactly: no note.
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--loss",
        "huber",
        "--epochs",
        "1",
        "--init-from",
        saved,
    ]);
    assert!(
        !stderr(&out).contains("fresh optimizer"),
        "{}",
        stderr(&out)
    );
}
