//! Schedules, validation and early stopping from the command line: runs equal to PyTorch's step
//! for step, the validation split, the best epoch kept, and bad values refused before any work.

mod common;

use common::{explore, ok, parse_csv, stderr};

/// The rows of `explore train` with `args` on data/linear.csv in f64, as CSV.
fn rows(args: &[&str]) -> (Vec<String>, Vec<Vec<f64>>) {
    let base = [
        "train",
        "--data",
        "data/linear.csv",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ];
    parse_csv(&ok(&[&base[..], args].concat()))
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

/// Every row `(epoch, weight, bias, loss, lr)` of `got` equals PyTorch's `want` to 1e-12.
fn same_run(got: &[Vec<f64>], want: &[[f64; 5]]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        for (a, b) in g.iter().zip(w) {
            assert!(close(*a, *b, 1e-12), "row {g:?} against PyTorch's {w:?}");
        }
    }
}

#[test]
fn momentum_with_onecycle_every_batch_is_pytorchs_run() {
    // scripts/reference/scheduled_training.py, "onecycle": SGD(lr=0.01, momentum=0.9) with
    // OneCycleLR(max_lr=0.01, total_steps=20), batches of 25 in file order, step() per batch
    // (the momentum cycled 0.95 → 0.85 → 0.95 with it).
    let want = [
        [0.0, 0.0, 0.0, 124.0865301414644, 0.0003999999999999993],
        [
            1.0,
            4.13380201877709,
            0.06503741206983067,
            912.1234140676959,
            0.009083281572999747,
        ],
        [
            2.0,
            3.01970921150443,
            0.5028417658217681,
            375.04728847303903,
            0.0089091617757105,
        ],
        [
            3.0,
            1.5150267730997489,
            0.8015288829935702,
            28.619287659910906,
            0.00500002,
        ],
        [
            4.0,
            0.5233227028579761,
            0.7916905508706217,
            39.73847048198706,
            0.0010908782242895004,
        ],
        [
            5.0,
            0.6026852523130302,
            0.7788242984952566,
            31.80102616883861,
            0.00012539993764912555,
        ],
    ];
    let (header, got) = rows(&[
        "--optimizer",
        "momentum",
        "--lr",
        "0.01",
        "--schedule",
        "onecycle",
        "--batch-size",
        "25",
        "--no-shuffle",
        "--epochs",
        "5",
    ]);
    assert_eq!(header, ["epoch", "weight", "bias", "loss", "lr"]);
    same_run(&got, &want);
}

#[test]
fn adam_with_warmup_then_cosine_is_pytorchs_run() {
    // scripts/reference/scheduled_training.py, "warmup-cosine": Adam(lr=0.5), SequentialLR of
    // LinearLR(start_factor=1/3, total_iters=3) then CosineAnnealingLR(T_max=9), milestones
    // [3], full batch, step() per epoch.
    let want = [
        [0.0, 0.0, 0.0, 124.0865301414644, 0.16666666666666666],
        [
            1.0,
            0.16666666665878088,
            0.16666666601249805,
            91.23343630531515,
            0.2777777777777778,
        ],
        [
            2.0,
            0.44225101119384963,
            0.4380119007969646,
            49.18425760055941,
            0.3888888888888889,
        ],
        [
            3.0,
            0.8161300674327707,
            0.7720813558782665,
            16.533083039289615,
            0.5,
        ],
        [
            4.0,
            1.252497852953085,
            1.0187911354081034,
            13.468415048903521,
            0.4849231551964771,
        ],
        [
            5.0,
            1.5782498587571685,
            1.016195035649636,
            35.07432865256795,
            0.4415111107797445,
        ],
        [
            6.0,
            1.7521583492583876,
            0.8701874482079933,
            54.52448573049433,
            0.375,
        ],
        [
            7.0,
            1.8002528296006712,
            0.6757328559035006,
            60.40202179156191,
            0.29341204441673263,
        ],
        [
            8.0,
            1.7768114235529262,
            0.4904521643957098,
            56.60832709844097,
            0.20658795558326742,
        ],
        [
            9.0,
            1.7288541494793719,
            0.34580856707310337,
            49.971965513152774,
            0.12500000000000006,
        ],
        [
            10.0,
            1.6859893543739068,
            0.25320975332388296,
            44.55977840936916,
            0.058488889220255524,
        ],
        [
            11.0,
            1.6610853506372498,
            0.20849945517258409,
            41.61415996898452,
            0.015076844803522923,
        ],
        [
            12.0,
            1.6536829857364217,
            0.19674843778828008,
            40.76666535689489,
            0.0,
        ],
    ];
    let (_, got) = rows(&[
        "--optimizer",
        "adam",
        "--lr",
        "0.5",
        "--schedule",
        "cosine",
        "--warmup",
        "3",
        "--epochs",
        "12",
    ]);
    same_run(&got, &want);
}

#[test]
fn a_step_schedule_shows_its_rate_in_every_row() {
    // StepLR(step_size=2, gamma=0.5): the rate halves after epochs 2 and 4.
    let (_, got) = rows(&[
        "--lr",
        "0.004",
        "--schedule",
        "step",
        "--step-size",
        "2",
        "--gamma",
        "0.5",
        "--epochs",
        "5",
    ]);
    let lr: Vec<f64> = got.iter().map(|r| r[4]).collect();
    assert_eq!(lr, [0.004, 0.004, 0.002, 0.002, 0.001, 0.001]);
}

#[test]
fn the_split_is_reproducible_disjoint_and_stratified() {
    let labels: Vec<u32> = (0..100).map(|i| u32::from(i % 4 == 0)).collect();
    let (train, val) = explore::train::split(100, 0.2, 7, Some(&labels));
    assert_eq!(
        explore::train::split(100, 0.2, 7, Some(&labels)),
        (train.clone(), val.clone())
    );
    assert_ne!(explore::train::split(100, 0.2, 8, Some(&labels)).1, val);
    // Disjoint, and together every point, each in the data's order.
    let mut all: Vec<usize> = train.iter().chain(&val).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..100).collect::<Vec<_>>());
    assert!(train.windows(2).all(|w| w[0] < w[1]) && val.windows(2).all(|w| w[0] < w[1]));
    // 20% of each class: 5 of the 25 ones, 15 of the 75 zeros.
    let ones = val.iter().filter(|&&i| labels[i] == 1).count();
    assert_eq!((val.len(), ones), (20, 5));
    // Without labels: 20 of 100 at random.
    let (train, val) = explore::train::split(100, 0.2, 7, None);
    assert_eq!((train.len(), val.len()), (80, 20));
}

#[test]
fn validation_rows_are_the_held_out_points_loss() {
    // The line at the start (A = b = 0) has loss mean(y²) on the points held out: the
    // validation column is that of exactly the held-out points, and the training loss that of
    // the rest; together they make the whole data's.
    let (header, got) = rows(&["--val-split", "0.25", "--seed", "3", "--epochs", "2"]);
    assert_eq!(
        header,
        ["epoch", "weight", "bias", "loss", "lr", "val_loss"]
    );
    let (_, all) = rows(&["--epochs", "0"]);
    let (train, val) = (got[0][3], got[0][5]);
    assert!(
        close(0.75 * train + 0.25 * val, all[0][3], 1e-12),
        "{train} {val} {}",
        all[0][3]
    );
    // The same seed, the same split; another seed, another.
    let (_, again) = rows(&["--val-split", "0.25", "--seed", "3", "--epochs", "2"]);
    assert_eq!(again, got);
    let (_, other) = rows(&["--val-split", "0.25", "--seed", "4", "--epochs", "2"]);
    assert_ne!(other[0][5], val);
}

#[test]
fn a_classifier_validates_on_each_class_and_reports_val_accuracy() {
    let out = ok(&[
        "train",
        "--data",
        "data/moons.csv",
        "--x",
        "x1,x2",
        "--y",
        "label",
        "--model",
        "logistic",
        "--val-split",
        "0.2",
        "--epochs",
        "20",
        "--format",
        "csv",
    ]);
    let (header, got) = parse_csv(&out);
    assert_eq!(
        header,
        [
            "epoch",
            "w.x1",
            "w.x2",
            "bias",
            "loss",
            "accuracy",
            "lr",
            "val_loss",
            "val_accuracy"
        ]
    );
    // data/moons.csv has 100 points of each class: 20 of each held out, so accuracies on the
    // 40 are multiples of 1/40.
    for r in &got {
        let right = r[8] * 40.0;
        assert!((right - right.round()).abs() < 1e-9, "{r:?}");
    }
}

#[test]
fn early_stopping_keeps_and_saves_the_best_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sine.csv");
    let saved = dir.path().join("best.safetensors");
    let (data, saved) = (data.to_str().unwrap(), saved.to_str().unwrap());
    ok(&[
        "gen", "--kind", "sine", "--n", "20", "--seed", "3", "--noise", "0.2", "--out", data,
    ]);
    let run = |extra: &[&str]| {
        let args = [
            &[
                "train",
                "--data",
                data,
                "--model",
                "mlp",
                "--hidden",
                "32,32",
                "--optimizer",
                "adam",
                "--lr",
                "0.01",
                "--val-split",
                "0.3",
                "--dtype",
                "f64",
                "--format",
                "csv",
            ][..],
            extra,
        ]
        .concat();
        let out = explore(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let (_, rows) = parse_csv(&common::stdout(&out));
        (rows, stderr(&out))
    };
    let (full, _) = run(&["--epochs", "1500"]);
    let (stopped, _) = run(&["--epochs", "1500", "--early-stop", "50", "--save", saved]);
    // The best epoch: the least validation loss, strictly, before the stop.
    let last = stopped.last().unwrap()[0] as usize;
    assert!(last < 1500, "it stopped early");
    let best = stopped.iter().min_by(|a, b| a[3].total_cmp(&b[3])).unwrap();
    assert_eq!(
        last,
        best[0] as usize + 50,
        "stopped 50 epochs after the best"
    );
    // The same run as the one that did not stop, row for row, up to the stop.
    assert_eq!(&full[..stopped.len()], &stopped[..]);
    // The saved parameters are the best epoch's: loaded, their losses are its.
    let (reloaded, _) = run(&["--init-from", saved, "--epochs", "0"]);
    assert!(
        close(reloaded[0][1], best[1], 1e-12),
        "{:?} {best:?}",
        reloaded[0]
    );
    assert!(
        close(reloaded[0][3], best[3], 1e-12),
        "{:?} {best:?}",
        reloaded[0]
    );
}

#[test]
fn bad_schedule_and_validation_values_are_usage_errors_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("p.png");
    let plot = plot.to_str().unwrap();
    for (args, says) in [
        (&["--schedule", "step", "--gamma", "-0.5"][..], "--gamma"),
        (
            &["--schedule", "multistep", "--milestones", "30,10"][..],
            "increasing order",
        ),
        (&["--schedule", "multistep"][..], "needs --milestones"),
        (&["--val-split", "1"][..], "--val-split"),
        (&["--val-split", "0"][..], "--val-split"),
        (
            &["--early-stop", "5"][..],
            "--early-stop watches the validation loss",
        ),
        (
            &["--schedule", "cosine", "--gamma", "0.5"][..],
            "the cosine schedule takes",
        ),
        (
            &["--schedule", "onecycle", "--warmup", "5"][..],
            "takes no warm-up",
        ),
        (
            &["--schedule", "plateau", "--schedule-per", "batch"][..],
            "once an epoch",
        ),
        (&["--min-delta", "0.1"][..], "--min-delta is not used here"),
        (&["--schedule", "exponential"][..], "needs --gamma"),
        (
            &["--schedule", "cosine", "--warmup", "100"][..],
            "never start",
        ),
        (
            &["--schedule", "multistep", "--milestones", "50,150"][..],
            "past the run's last epoch",
        ),
    ] {
        // The data does not exist: exit 2 proves the refusal came before reading it.
        let all = [
            &["train", "--data", "/nonexistent.csv", "--plot", plot][..],
            args,
        ]
        .concat();
        let out = explore(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{all:?}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1, "{all:?}: {}", stderr(&out));
        assert!(!std::path::Path::new(plot).exists());
    }
}

#[test]
fn a_race_gives_each_lane_its_schedule() {
    let out = ok(&[
        "race",
        "--data",
        "data/linear.csv",
        "--optimizers",
        "sgd=0.004@step,sgd=0.004@cosine",
        "--epochs",
        "3",
        "--step-size",
        "1",
        "--format",
        "csv",
    ]);
    let (header, _) = parse_csv(
        &out.lines()
            .map(|l| l.split_once(',').map_or(l, |x| x.1))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    assert_eq!(header, ["epoch", "weight", "bias", "loss", "lr"]);
    let lr = |lane: &str| -> Vec<f64> {
        out.lines()
            .filter_map(|l| l.strip_prefix(&format!("{lane},")))
            .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
            .collect()
    };
    // StepLR(step_size=1, γ 0.1), and CosineAnnealingLR(T_max=3) in f32.
    let step = lr("sgd@step");
    assert_eq!(step.len(), 4);
    assert!(close(step[3], 0.004e-3, 1e-6), "{step:?}");
    let cosine = lr("sgd@cosine");
    assert!(
        close(cosine[1], 0.003, 1e-6) && cosine[3] == 0.0,
        "{cosine:?}"
    );
}

#[test]
fn smoothing_is_tensorboards_debiased_moving_average() {
    // TensorBoard: last = last·w + (1 − w)·v; shown last / (1 − w^k) after k values.
    let s = explore::plot::smoothed(&[1.0, 2.0, 3.0, f64::NAN, 3.0], 0.5);
    let want = [1.0, 1.25 / 0.75, 2.125 / 0.875, f64::NAN, 2.5625 / 0.9375];
    for (a, b) in s.iter().zip(want) {
        assert!(
            a == &b || (a.is_nan() && b.is_nan()) || close(*a, b, 1e-15),
            "{s:?}"
        );
    }
    // Weight 0 is the raw line.
    assert_eq!(explore::plot::smoothed(&[4.0, 1.0], 0.0), [4.0, 1.0]);
}

#[test]
fn the_loss_panel_draws_the_rate_below_only_when_it_changes() {
    use explore::plot::{render, Figure, LossHistory};
    // The rate's colour, counted in the rendered pixels.
    let rate_pixels = |figure: &LossHistory| {
        render(figure)
            .unwrap()
            .chunks(3)
            .filter(|p| p == &[117, 112, 179])
            .count()
    };
    let rows = |lr: &dyn Fn(usize) -> f64| {
        let rows: Vec<explore::plot::EpochRow> = (0..50)
            .map(|e| {
                (
                    e,
                    1.0 / (1.0 + e as f64),
                    lr(e),
                    Some(0.5 + (e as f64 - 20.0).abs() / 50.0),
                )
            })
            .collect();
        LossHistory::default().run(rows.into_iter(), Some((20, 0.5)))
    };
    let decaying = rows(&|e| 0.1 * 0.9f64.powi(e as i32));
    assert_eq!(decaying.series.len(), 2, "training and validation");
    assert_eq!(decaying.best, Some((20.0, 0.5)));
    assert!(rate_pixels(&decaying) > 500);
    assert_eq!(decaying.rates.len(), 1);
    assert_eq!(rate_pixels(&rows(&|_| 0.1)), 0);
    assert_eq!(decaying.size(), rows(&|_| 0.1).size());
}

#[test]
fn a_scheduled_validated_run_draws_its_figure() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("run.png");
    ok(&[
        "train",
        "--data",
        "data/sine.csv",
        "--model",
        "mlp",
        "--hidden",
        "8",
        "--optimizer",
        "adam",
        "--lr",
        "0.02",
        "--epochs",
        "60",
        "--val-split",
        "0.25",
        "--schedule",
        "cosine",
        "--batch-size",
        "50",
        "--smooth",
        "0.6",
        "--plot",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(explore::plot::inspect_png(&png).unwrap().colours > 20);
}

#[test]
fn validation_from_stdin_twice_and_smoothing_a_page_are_refused() {
    for (args, says) in [
        (
            &["train", "--data", "-", "--val", "-"][..],
            "cannot both read standard input",
        ),
        (
            &[
                "train",
                "--data",
                "/nonexistent.csv",
                "--smooth",
                "0.6",
                "--plot",
                "x.html",
            ][..],
            "--smooth is not used here",
        ),
    ] {
        let out = explore(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_rate_a_schedule_raises_past_the_bound_is_blamed() {
    // ExponentialLR(γ 1.2) from sgd's default rate, full batch: the rate passes sgd's bound.
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--schedule",
        "exponential",
        "--gamma",
        "1.2",
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("its schedule raised it from 0.00257123") && err.contains("too large"),
        "{err}"
    );
    assert!(!err.contains("mini-batch"), "{err}");
}

#[test]
fn a_classifier_stopped_early_reports_its_kept_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("moons.csv");
    let data = data.to_str().unwrap();
    ok(&[
        "gen", "--kind", "moons", "--n", "80", "--noise", "0.35", "--seed", "2", "--out", data,
    ]);
    let out = ok(&[
        "train",
        "--data",
        data,
        "--x",
        "x1,x2",
        "--model",
        "mlp",
        "--loss",
        "cross-entropy",
        "--hidden",
        "32,32",
        "--optimizer",
        "adam",
        "--lr",
        "0.02",
        "--epochs",
        "1000",
        "--val-split",
        "0.25",
        "--early-stop",
        "50",
        "--format",
        "json",
        "--quiet",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stopped = &doc["stopped"];
    let (best, at) = (
        stopped["best"].as_u64().unwrap(),
        stopped["epoch"].as_u64().unwrap(),
    );
    assert_eq!(at, best + 50);
    assert_eq!(doc["best_epoch"].as_u64(), Some(best));
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len() as u64, at + 1);
    // The confusion matrix is the kept epoch's: its diagonal is that row's accuracy.
    let confusion = doc["confusion"].as_array().unwrap();
    let right: u64 = (0..2).map(|c| confusion[c][c].as_u64().unwrap()).sum();
    let total: u64 = confusion
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|v| v.as_u64().unwrap())
        .sum();
    let kept = rows[best as usize]["accuracy"].as_f64().unwrap();
    assert!(
        (right as f64 / total as f64 - kept).abs() < 1e-6,
        "{right}/{total} against {kept}"
    );
    // The table says the same of the kept epoch.
    let table = ok(&[
        "train",
        "--data",
        data,
        "--x",
        "x1,x2",
        "--model",
        "mlp",
        "--loss",
        "cross-entropy",
        "--hidden",
        "32,32",
        "--optimizer",
        "adam",
        "--lr",
        "0.02",
        "--epochs",
        "1000",
        "--val-split",
        "0.25",
        "--early-stop",
        "50",
        "--quiet",
    ]);
    assert!(
        table.contains(&format!("at epoch {best}, the best (kept)")),
        "{table}"
    );
    assert!(
        table.contains(&format!("stopped early at epoch {at}")),
        "{table}"
    );
}

#[test]
fn a_race_draws_each_lanes_rate() {
    use explore::schedule::{Kind, Plan};
    use explore::train::{Course, Race};
    let points: Vec<(f64, f64)> = (0..20).map(|i| (i as f64 / 4.0, 1.0 + i as f64)).collect();
    let data = explore::data::Dataset::from_points(&points);
    let (x, y) = data
        .tensors(candle_core::DType::F64, &candle_core::Device::Cpu)
        .unwrap();
    let objective = explore::objective::Objective::new(Default::default(), &data).unwrap();
    let lane = |kind| {
        let settings = explore::optim::Settings::new(explore::optim::Algorithm::Sgd, 0.01);
        let schedule = Plan {
            kind,
            ..Plan::default()
        };
        let course = Course {
            schedule,
            early_stop: None,
        };
        (settings, course)
    };
    let lanes = [lane(Kind::Cosine), lane(Kind::Constant)];
    let plan = explore::train::Plan::full_batch(10);
    let start = (0.0, model::Bias::Learnable(0.0));
    let race = Race::run(
        &x,
        &y,
        start,
        &lanes,
        &plan,
        objective,
        "p".into(),
        |_, _| {},
    )
    .unwrap();
    assert_eq!(race.names(), ["sgd@cosine", "sgd@constant"]);
    let rates = race.figure().history.rates;
    assert_eq!(rates.len(), 2);
    // CosineAnnealingLR(T_max=10) from 0.01: half the rate at epoch 5, 0 at 10.
    assert!(close(rates[0].losses[5].1, 0.005, 1e-12) && rates[0].losses[10].1.abs() < 1e-15);
    assert!(rates[1].losses.iter().all(|p| p.1 == 0.01));
}
