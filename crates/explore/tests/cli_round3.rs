//! The third round of a hostile user's findings (issue 19), one test a class: outputs that are
//! devices or FIFOs, stability bounds that hold, exact resumes, one divergence rule, overflow
//! said as such, every unused flag refused (table-driven over every subcommand), and the small
//! things.

mod common;

use std::path::Path;

use common::{explore, ok, parse_csv, stderr, stdout};

/// Asserts exit `code` with one line on stderr containing `needle`.
fn fails(args: &[&str], code: i32, needle: &str) -> String {
    let out = explore(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{args:?}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[cfg(unix)]
fn file_type(path: &Path) -> std::fs::FileType {
    std::fs::symlink_metadata(path).unwrap().file_type()
}

// ---- 1. Outputs never replace special files -------------------------------------------------

#[cfg(unix)]
#[test]
fn outputs_to_devices_and_fifos_are_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("plot.png");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let link = link.to_str().unwrap();
    let gif = dir.path().join("run.gif");
    std::os::unix::fs::symlink("/dev/null", &gif).unwrap();
    let gif = gif.to_str().unwrap();
    let train = ["train", "--data", "data/linear.csv", "--epochs", "3", "-q"];
    // /dev/null takes every output, directly or through a link, and stays a device.
    for extra in [
        vec!["--save", "/dev/null"],
        vec!["--plot", link],
        vec!["--animate", gif, "--frames", "2"],
        vec!["--save", "/dev/null", "--plot", link],
    ] {
        ok(&[&train[..], &extra].concat());
        assert!(file_type(Path::new("/dev/null")).is_char_device());
    }
    ok(&["gen", "--out", "/dev/null", "--n", "5"]);
    ok(&["sweep", "--point", "-3,3", "--plot", link, "-q"]);
    assert!(file_type(Path::new(link)).is_symlink());
    // /dev/full is written in place, so the write fails as the device says, and it stays.
    fails(
        &[&train[..], &["--save", "/dev/full"]].concat(),
        1,
        "No space left on device",
    );
    assert!(file_type(Path::new("/dev/full")).is_char_device());
    // A FIFO: written in place for a reader on the other end.
    let fifo = dir.path().join("pipe.safetensors");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    ok(&[&train[..], &["--save", fifo.to_str().unwrap()]].concat());
    let bytes = reader.join().unwrap();
    assert!(file_type(&fifo).is_fifo());
    // What came through is the safetensors file a regular --save writes.
    let file = dir.path().join("p.safetensors");
    ok(&[&train[..], &["--save", file.to_str().unwrap()]].concat());
    // (The header's metadata map has no fixed order, so compare what the bytes say.)
    let piped = dir.path().join("piped.safetensors");
    std::fs::write(&piped, &bytes).unwrap();
    let read = |p: &Path| explore::train::load_line(p).unwrap();
    assert_eq!(read(&piped), read(&file));
    assert_eq!(bytes.len() as u64, std::fs::metadata(&file).unwrap().len());
    // A socket or a folder is refused by name, before any work.
    let socket = dir.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    fails(
        &[&train[..], &["--save", socket.to_str().unwrap()]].concat(),
        1,
        "not a regular file",
    );
    fails(
        &[&train[..], &["--save", dir.path().to_str().unwrap()]].concat(),
        1,
        "is a directory",
    );
    assert!(file_type(&socket).is_socket());
}

#[cfg(unix)]
#[test]
fn saved_parameters_honour_the_umask_as_plots_do() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (save, plot) = (dir.path().join("p.safetensors"), dir.path().join("p.svg"));
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "2",
        "-q",
        "--save",
        save.to_str().unwrap(),
        "--plot",
        plot.to_str().unwrap(),
    ]);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&save), mode(&plot));
    assert_ne!(mode(&save), 0o600, "private like a temporary file");
}

// ---- 2. Stability claims that hold ----------------------------------------------------------

#[test]
fn momentum_of_one_or_more_is_refused_and_bounds_hold() {
    for (optimizer, mu) in [("momentum", "1"), ("momentum", "1.5"), ("nesterov", "1")] {
        let args = [
            "train",
            "--data",
            "/nonexistent.csv",
            "--optimizer",
            optimizer,
            "--momentum",
            mu,
        ];
        fails(&args, 2, "no learning rate is stable");
    }
    fails(
        &["race", "--data", "/nonexistent.csv", "--momentum", "1"],
        2,
        "--momentum",
    );
    // The library says so too: a bound of 0, no rate.
    let mut s = explore::optim::Settings::new(explore::optim::Algorithm::Momentum, 0.01);
    s.momentum = 1.0;
    assert_eq!(s.stable_lr(100.0), Some(0.0));
    s.kind = explore::optim::Algorithm::Nesterov;
    assert_eq!(s.stable_lr(100.0), Some(0.0));
    // The largest curvature each is stable on at its rate, as the sharpness run reports it:
    // SGD 2/lr less the weight decay, heavy ball 2(1 + μ)/lr, Nesterov 2(1 + μ)/((1 + 2μ)·lr).
    use explore::optim::{Algorithm, Settings};
    let at = |kind, lr, momentum, weight_decay| Settings {
        momentum,
        weight_decay,
        ..Settings::new(kind, lr)
    };
    let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12 * b;
    assert!(close(
        at(Algorithm::Sgd, 0.1, 0.9, Some(1.0)).stable_curvature(),
        19.0
    ));
    assert!(close(
        at(Algorithm::Momentum, 0.05, 0.5, None).stable_curvature(),
        60.0
    ));
    assert!(close(
        at(Algorithm::Nesterov, 0.05, 0.5, None).stable_curvature(),
        30.0
    ));
    assert_eq!(
        at(Algorithm::Momentum, 0.05, 1.0, None).stable_curvature(),
        Some(0.0)
    );
    assert_eq!(
        at(Algorithm::Adam, 0.05, 0.5, None).stable_curvature(),
        None
    );

    // Heavy ball at μ = 0.5 on data/linear.csv: the printed bound is true on both sides.
    let json = ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--optimizer",
        "momentum",
        "--momentum",
        "0.5",
        "--epochs",
        "0",
        "--format",
        "json",
        "-q",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let bound = doc["max_stable_lr"].as_f64().unwrap();
    let at = |factor: f64| {
        explore(&[
            "train",
            "--data",
            "data/linear.csv",
            "--optimizer",
            "momentum",
            "--momentum",
            "0.5",
            "--dtype",
            "f64",
            "--epochs",
            "3000",
            "--lr",
            &(bound * factor).to_string(),
            "--format",
            "csv",
            "-q",
        ])
    };
    let below = at(0.98);
    assert!(below.status.success(), "{}", stderr(&below));
    let (_, rows) = parse_csv(&stdout(&below));
    assert!(rows.last().unwrap()[3] < 9.2073 * 1.0001, "converged");
    let above = at(1.02);
    assert_eq!(
        above.status.code(),
        Some(1),
        "diverges just above the bound"
    );
}

#[test]
fn mini_batches_are_not_promised_the_full_batch_bound() {
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--batch-size",
        "10",
        "--epochs",
        "1",
    ]);
    let err = stderr(&out);
    assert!(err.contains("full-batch sgd is stable for lr <"), "{err}");
    assert!(err.contains("no exact bound holds for them"), "{err}");
}

// ---- 4. Resuming is exact ---------------------------------------------------------------------

/// The last CSV row of `explore train` with `args`.
fn last_row(args: &[&str]) -> String {
    let csv = ok(&[
        &[
            "train",
            "--data",
            "data/linear.csv",
            "--format",
            "csv",
            "-q",
        ],
        args,
    ]
    .concat());
    csv.lines().last().unwrap().to_string()
}

#[test]
fn twenty_and_twenty_epochs_are_forty_for_every_optimizer_and_batching() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("run.safetensors");
    let saved = saved.to_str().unwrap();
    let optimizers: [&[&str]; 7] = [
        &["--optimizer", "sgd"],
        &["--optimizer", "momentum"],
        &["--optimizer", "nesterov", "--momentum", "0.7"],
        &["--optimizer", "rmsprop", "--lr", "0.05"],
        &["--optimizer", "adagrad", "--lr", "0.5"],
        &["--optimizer", "adam", "--lr", "0.1"],
        &["--optimizer", "adamw", "--lr", "0.1"],
    ];
    let batching: [&[&str]; 4] = [
        &[],
        &["--batch-size", "7", "--seed", "3"],
        &["--batch-size", "16", "--no-shuffle"],
        &["--batch-size", "9", "--standardize", "--dtype", "f64"],
    ];
    for optimizer in optimizers {
        for batches in batching {
            let settings = [optimizer, batches].concat();
            let whole = last_row(&[&settings[..], &["--epochs", "40"]].concat());
            last_row(&[&settings[..], &["--epochs", "20", "--save", saved]].concat());
            let resumed =
                last_row(&[&settings[..], &["--epochs", "20", "--init-from", saved]].concat());
            // The same parameters and loss, to the last digit; only the epoch is counted anew.
            let tail = |row: &str| row.split_once(',').unwrap().1.to_string();
            assert_eq!(tail(&resumed), tail(&whole), "{settings:?}");
        }
    }
    // Another precision, too.
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--optimizer",
        "adamw",
        "--epochs",
        "1",
        "--batch-size",
        "9",
        "--standardize",
        "--init-from",
        saved,
    ]);
    assert!(
        stderr(&out).contains("it was trained in f64, not f32"),
        "{}",
        stderr(&out)
    );
    // Another optimizer starts afresh from the saved parameters, and says so.
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--optimizer",
        "adam",
        "--epochs",
        "1",
        "--batch-size",
        "9",
        "--standardize",
        "--dtype",
        "f64",
        "--init-from",
        saved,
    ]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains(
            "fresh optimizer, not exactly where that run stopped: it was trained with adamw, not adam"
        ),
        "{}",
        stderr(&out)
    );
}

// ---- 5. One divergence rule -----------------------------------------------------------------

#[test]
fn every_training_path_calls_divergence_the_same() {
    let rule = "(more than 1000000× its start)";
    fails(
        &[
            "landscape",
            "--data",
            "data/sine.csv",
            "--sharpness",
            "5",
            "--epochs",
            "50",
            "--lr",
            "5",
            "-q",
        ],
        1,
        rule,
    );
    fails(
        &[
            "landscape",
            "--data",
            "data/sine.csv",
            "--optimizer",
            "sgd",
            "--lr",
            "50",
            "--epochs",
            "50",
            "-q",
        ],
        1,
        rule,
    );
    fails(
        &["train", "--data", "data/linear.csv", "--lr", "0.05", "-q"],
        1,
        rule,
    );
    // A start beyond the precision is no learning rate's fault, and said so.
    let dir = tempfile::tempdir().unwrap();
    let far = dir.path().join("far.csv");
    std::fs::write(&far, "x,y\n1e200,2e200\n2e200,3e200\n").unwrap();
    let err = fails(
        &[
            "landscape",
            "--data",
            far.to_str().unwrap(),
            "--dtype",
            "f64",
            "--epochs",
            "3",
            "-q",
        ],
        1,
        "the loss at the start is not a finite number",
    );
    assert!(!err.contains("too large"), "{err}");
    // A race whose lane diverges still writes its rows, then fails as train does.
    let out = explore(&[
        "race",
        "--data",
        "data/linear.csv",
        "--optimizers",
        "sgd,adam,sgd=0.05",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(rule), "{}", stderr(&out));
    assert!(stdout(&out).lines().count() > 200);
}

// ---- 6. Overflow said as such -----------------------------------------------------------------

#[test]
fn losses_beyond_f64_are_inf_and_the_optimum_is_still_exact() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("far.csv");
    std::fs::write(&data, "x,y\n1e200,2e200\n2e200,3e200\n-1e200,-1e200\n").unwrap();
    let data = data.to_str().unwrap();
    let table = ok(&["sweep", "--data", data, "--dtype", "f64", "-q"]);
    assert!(!table.contains("minimum at"), "{table}");
    assert!(
        !table.contains("← minimum"),
        "an inf row is no minimum: {table}"
    );
    assert!(
        table.contains("every loss is beyond f64's range"),
        "{table}"
    );
    // A = Σxy/Σx² = (2 + 6 + 1)/(1 + 4 + 1) = 1.5, its loss beyond f64 too.
    assert!(
        table.contains("closed-form optimum: A = 1.5 (loss beyond f64)"),
        "{table}"
    );
    let json = ok(&[
        "sweep", "--data", data, "--dtype", "f64", "--format", "json", "-q",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["optimum"]["weight"].as_f64(), Some(1.5));
    assert!(doc["optimum"]["loss"].is_null() && doc["minimum"].is_null());
    // The learnt bias: A = 19/14, b = 3e200/7.
    let table = ok(&["surface", "--data", data, "--dtype", "f64", "-q"]);
    assert!(
        table.contains("A = 1.35714, b = 4.28571e199 (loss beyond f64)"),
        "{table}"
    );
}

// ---- 7. Every flag a run will not use is a usage error ---------------------------------------

/// The flags of `explore SUB --help`.
fn flags_of(sub: &str) -> Vec<String> {
    let help = ok(&[sub, "--help"]);
    help.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("-q, ").unwrap_or(l);
            l.starts_with("--")
                .then(|| l.split([' ', '=']).next().unwrap().to_string())
        })
        .filter(|f| f != "--help")
        .collect()
}

#[test]
fn every_flag_of_every_subcommand_is_used_or_refused() {
    // For every flag of every subcommand: a run in which it is not used, or why it always is.
    // The data file does not exist, so exit 2 proves the refusal came before any work.
    let data = ["--data", "/nonexistent.csv"];
    let point = ["--point", "1,2"];
    type Case = (
        &'static str,
        &'static str,
        Result<Vec<&'static str>, &'static str>,
    );
    let always = |why| Err(why);
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        // Where the points come from, for every evaluating command.
        ("*", "--data", always("the points")),
        ("*", "--point", always("the points")),
        ("*", "--x", Ok(vec!["--x", "a"])),
        ("*", "--y", Ok(vec!["--y", "b"])),
        ("*", "--delimiter", Ok(vec!["--delimiter", ";"])),
        ("*", "--device", always("where every run computes")),
        ("*", "--dtype", always("what every run computes in")),
        ("*", "--format", always("every run writes stdout")),
        ("*", "--plot", always("every run can draw")),
        ("*", "--quiet", always("silences notes and progress, where there are any")),
        ("*", "--loss", always("the loss evaluated or minimised")),
        ("*", "--delta", Ok(vec!["--delta", "2"])),
        ("*", "--beta", Ok(vec!["--loss", "huber", "--beta", "0.5"])),
        ("*", "--pos-weight", Ok(vec!["--loss", "l1", "--pos-weight", "2"])),
        ("sweep", "--weights", always("the table's rows")),
        ("sweep", "--bias", always("the line's bias")),
        ("sweep", "--method", always("how the losses are found")),
        ("sweep", "--vary", always("the plane's parameter, on several features")),
        ("surface", "--vary", always("the plane's parameters, on several features")),
        ("surface", "--weights", always("the grid")),
        ("surface", "--biases", always("the grid")),
        ("surface", "--method", always("how the losses are found")),
        ("surface", "--view", Ok(vec!["--view", "3d"])),
        ("surface", "--angle", Ok(vec!["--angle", "10,10", "--plot", "s.png"])),
        ("train", "--optimizer", always("the optimizer and its bound, reported at --epochs 0 too")),
        ("train", "--lr", always("the rate, reported at --epochs 0 too")),
        ("train", "--momentum", Ok(vec!["--optimizer", "adam", "--momentum", "0.5"])),
        ("train", "--betas", Ok(vec!["--betas", "0.9,0.99"])),
        ("train", "--eps", Ok(vec!["--optimizer", "sgd", "--eps", "1e-8"])),
        ("train", "--weight-decay", always("every optimizer takes it")),
        ("train", "--batch-size", always("sets the batches")),
        ("train", "--shuffle", Ok(vec!["--shuffle"])),
        ("train", "--no-shuffle", Ok(vec!["--no-shuffle"])),
        ("train", "--seed", Ok(vec!["--seed", "2"])),
        ("train", "--standardize", always("changes the units trained in")),
        ("train", "--epochs", always("how long")),
        ("train", "--init-weight", always("the start")),
        ("train", "--init-bias", always("the start (clap refuses it with --no-bias)")),
        ("train", "--no-bias", always("pins the bias")),
        ("train", "--init-from", always("the start")),
        ("train", "--animate", always("an output")),
        ("train", "--frames", Ok(vec!["--frames", "10"])),
        ("train", "--fps", Ok(vec!["--fps", "10"])),
        ("train", "--save", always("an output")),
        ("race", "--optimizers", always("the entrants")),
        ("race", "--model", always("the model")),
        ("race", "--hidden", Ok(vec!["--hidden", "4"])),
        ("race", "--activation", Ok(vec!["--activation", "relu"])),
        ("race", "--momentum", Ok(vec!["--optimizers", "sgd,adam", "--momentum", "0.5"])),
        ("race", "--betas", Ok(vec!["--optimizers", "sgd,momentum", "--betas", "0.9,0.9"])),
        ("race", "--eps", Ok(vec!["--optimizers", "sgd", "--eps", "1e-6"])),
        ("race", "--weight-decay", always("every optimizer takes it")),
        ("train", "--model", always("the model")),
        ("train", "--hidden", Ok(vec!["--hidden", "4"])),
        ("train", "--activation", Ok(vec!["--activation", "relu"])),
        ("race", "--batch-size", always("sets the batches")),
        ("race", "--shuffle", Ok(vec!["--shuffle"])),
        ("race", "--no-shuffle", Ok(vec!["--no-shuffle"])),
        ("race", "--seed", Ok(vec!["--batch-size", "5", "--no-shuffle", "--seed", "2"])),
        ("race", "--standardize", always("changes the units trained in")),
        ("race", "--epochs", always("how long")),
        ("race", "--init-weight", always("the start")),
        ("race", "--init-bias", always("the start")),
        ("race", "--no-bias", always("pins the bias")),
        ("race", "--init-from", always("the start")),
        ("race", "--animate", always("an output")),
        ("race", "--frames", Ok(vec!["--frames", "10"])),
        ("race", "--fps", Ok(vec!["--fps", "10"])),
        ("landscape", "--model", always("the model")),
        ("landscape", "--hidden", Ok(vec!["--model", "line", "--hidden", "4"])),
        ("landscape", "--activation", Ok(vec!["--model", "line", "--activation", "relu"])),
        ("landscape", "--epochs", always("how long")),
        ("landscape", "--val-split", Ok(vec!["--view", "line", "--val-split", "0.3"])),
        ("landscape", "--optimizer", Ok(vec!["--optimizer", "sgd", "--epochs", "0"])),
        ("landscape", "--lr", Ok(vec!["--lr", "0.1", "--epochs", "0"])),
        ("landscape", "--momentum", Ok(vec!["--momentum", "0.5"])),
        ("landscape", "--betas", Ok(vec!["--optimizer", "sgd", "--betas", "0.9,0.9"])),
        ("landscape", "--eps", Ok(vec!["--eps", "1e-6", "--epochs", "0"])),
        ("landscape", "--weight-decay", Ok(vec!["--weight-decay", "0.1", "--epochs", "0"])),
        ("landscape", "--directions", always("the plane (clap refuses it with --sharpness)")),
        ("landscape", "--normalization", Ok(vec!["--directions", "pca", "--normalization", "layer"])),
        ("landscape", "--keep-1d", Ok(vec!["--model", "line", "--keep-1d"])),
        ("landscape", "--steps", always("the grid (clap refuses it with --sharpness)")),
        ("landscape", "--distance", always("the grid (refused with --view line)")),
        ("landscape", "--seed", Ok(vec![ "--model", "line", "--init-from", "p.safetensors", "--seed", "2", ])),
        ("landscape", "--sharpness", always("the run")),
        ("landscape", "--save", always("an output")),
        ("landscape", "--init-from", always("the start")),
        ("landscape", "--view", Ok(vec!["--view", "3d"])),
        ("landscape", "--angle", Ok(vec!["--view", "line", "--angle", "10,10"])),
        ("landscape", "--animate", always("an output (refused with --view line)")),
        ("landscape", "--frames", Ok(vec!["--frames", "10"])),
        ("landscape", "--fps", Ok(vec!["--fps", "10"])),
        ("landscape", "--dtype", Ok(vec!["--sharpness", "5", "--dtype", "f32"])),
        ("gen", "--kind", always("the shape")),
        ("gen", "--n", always("how many points")),
        ("gen", "--seed", always("the draws")),
        ("gen", "--slope", Ok(vec!["--kind", "moons", "--slope", "2"])),
        ("gen", "--intercept", Ok(vec!["--kind", "xor", "--intercept", "2"])),
        ("gen", "--noise", always("added to every y, or the classes' spread")),
        ("gen", "--x-scale", Ok(vec!["--kind", "blobs", "--x-scale", "2"])),
        ("gen", "--x-mean", Ok(vec!["--kind", "spiral", "--x-mean", "2"])),
        ("gen", "--out", always("where the points go")),
        ("gen", "--outliers", Ok(vec!["--kind", "circles", "--outliers", "0.1"])),
        ("gen", "--classes", Ok(vec!["--classes", "3"])),
        ("gen", "--factor", Ok(vec!["--kind", "moons", "--factor", "0.5"])),
        ("compare", "--losses", always("the losses compared")),
        ("compare", "--delta", Ok(vec!["--losses", "mse,l1", "--delta", "2"])),
        ("compare", "--beta", Ok(vec!["--beta", "0.5"])),
        ("compare", "--no-bias", always("pins the bias")),
        ("gen", "--outlier-shift", Ok(vec!["--outlier-shift", "5"])),
        // The schedule: each parameter unused by a schedule that does not take it.
        ("*", "--schedule", always("the rate's schedule")),
        ("*", "--step-size", Ok(vec!["--schedule", "cosine", "--step-size", "5"])),
        ("*", "--gamma", Ok(vec!["--gamma", "0.5"])),
        ("*", "--milestones", Ok(vec!["--schedule", "step", "--milestones", "5"])),
        ("*", "--t-max", Ok(vec!["--schedule", "step", "--t-max", "5"])),
        ("*", "--eta-min", Ok(vec!["--eta-min", "0.1"])),
        ("*", "--start-factor", Ok(vec!["--schedule", "cosine", "--start-factor", "0.5"])),
        ("*", "--end-factor", Ok(vec!["--schedule", "cosine", "--end-factor", "0.5"])),
        ("*", "--total-iters", Ok(vec!["--schedule", "exponential", "--total-iters", "3"])),
        ("*", "--pct-start", Ok(vec!["--schedule", "cosine", "--pct-start", "0.5"])),
        ("*", "--div-factor", Ok(vec!["--schedule", "plateau", "--div-factor", "5"])),
        ("*", "--final-div-factor", Ok(vec!["--final-div-factor", "5"])),
        ("*", "--factor", Ok(vec!["--schedule", "onecycle", "--factor", "0.5"])),
        ("*", "--patience", Ok(vec!["--schedule", "cosine", "--patience", "3"])),
        ("*", "--threshold", Ok(vec!["--threshold", "0.1"])),
        ("*", "--cooldown", Ok(vec!["--schedule", "linear", "--cooldown", "2"])),
        ("*", "--min-lr", Ok(vec!["--min-lr", "0.1"])),
        ("*", "--warmup", always("a warm-up, constant or not")),
        ("*", "--schedule-per", Ok(vec!["--schedule-per", "batch"])),
        ("train", "--val-split", always("the validation points")),
        ("train", "--val", always("the validation points")),
        ("train", "--early-stop", always("refused without validation data")),
        ("train", "--min-delta", Ok(vec!["--val-split", "0.2", "--min-delta", "0.1"])),
        ("train", "--smooth", Ok(vec!["--smooth", "0.6"])),
        ("serve", "--data", always("the data the page starts with")),
        ("serve", "--port", always("where it listens")),
        ("serve", "--host", always("where it listens")),
        ("serve", "--no-token", Ok(vec!["--no-token"])),
        ("serve", "--token", Ok(vec!["--host", "0.0.0.0", "--token"])),
        ("serve", "--open", always("opens the page")),
        ("serve", "--max-upload", always("the uploads' limit")),
        ("serve", "--jobs", always("the computations at once")),
        ("serve", "--stop-after", always("when it stops")),
    ];
    for sub in [
        "sweep",
        "surface",
        "train",
        "race",
        "compare",
        "landscape",
        "gen",
        "serve",
    ] {
        for flag in flags_of(sub) {
            let case = cases
                .iter()
                .find(|(s, f, _)| *f == flag && *s == sub)
                .or_else(|| cases.iter().find(|(s, f, _)| *f == flag && *s == "*"));
            let Some((_, _, case)) = case else {
                panic!("explore {sub} {flag}: no row in this table says when it is unused");
            };
            let Ok(args) = case else { continue };
            // The data's own flags are unused with --point.
            // The playground's data flags are unused without --data.
            let data_flag = ["--x", "--y", "--delimiter"].contains(&flag.as_str());
            let source: &[&str] = if sub == "gen" || (sub == "serve" && data_flag) {
                &[]
            } else if ["--x", "--y", "--delimiter"].contains(&flag.as_str()) {
                &point
            } else {
                &data
            };
            let args = [&[sub], source, &args[..]].concat();
            let err = fails(&args, 2, &flag);
            // A setting the one optimizer does not take is said as such.
            assert!(
                err.contains(&format!("{flag} is not used here"))
                    || err.contains(&format!("{flag} is not a setting of --optimizer")),
                "{args:?}: {err}"
            );
        }
    }
}

#[test]
fn negative_and_out_of_range_numbers_say_which_flag_and_why() {
    for (args, flag) in [
        (vec!["train", "--eps", "-1"], "--eps"),
        (vec!["train", "--batch-size", "-1"], "--batch-size"),
        (vec!["train", "--epochs", "-3"], "--epochs"),
        (vec!["train", "--seed", "-3"], "--seed"),
        (
            vec!["train", "--animate", "a.gif", "--frames", "-2"],
            "--frames",
        ),
        (vec!["train", "--animate", "a.gif", "--fps", "-2"], "--fps"),
        (
            vec!["train", "--momentum", "-0.5", "--optimizer", "momentum"],
            "--momentum",
        ),
        (
            vec!["train", "--betas", "-0.1,0.9", "--optimizer", "adam"],
            "--betas",
        ),
        (vec!["landscape", "--steps", "-4"], "--steps"),
        (vec!["landscape", "--hidden", "4,-4"], "--hidden"),
        (vec!["landscape", "--sharpness", "-4"], "--sharpness"),
        (vec!["landscape", "--epochs", "-4"], "--epochs"),
        (vec!["landscape", "--seed", "1.5"], "--seed"),
    ] {
        let args = [&args[..], &["--data", "/nonexistent.csv"]].concat();
        let err = fails(&args, 2, flag);
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
    }
}

// ---- 10. Small things -------------------------------------------------------------------------

#[test]
fn control_characters_and_names_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let nul = dir.path().join("nul.csv");
    std::fs::write(&nul, b"x,y\n1,2\n3,\x004\x1b[31m\n").unwrap();
    let err = fails(
        &["sweep", "--data", nul.to_str().unwrap()],
        1,
        "nul.csv:3:2",
    );
    assert!(!err.contains('\0') && !err.contains('\x1b'), "{err:?}");
    assert!(err.contains("\\u{0}4\\u{1b}[31m"), "{err:?}");
    // Column names match in any case, in any script.
    let names = dir.path().join("names.csv");
    std::fs::write(&names, "Größe,Preis\n1,2\n2,4\n").unwrap();
    let table = ok(&[
        "sweep",
        "--data",
        names.to_str().unwrap(),
        "--x",
        "GRÖSSE",
        "--y",
        "preis",
        "-q",
    ]);
    assert!(
        table.contains("closed-form optimum: A = 2 (loss 0)"),
        "{table}"
    );
    // One column for both is refused before reading.
    fails(
        &[
            "sweep",
            "--data",
            "/nonexistent.csv",
            "--x",
            "x",
            "--y",
            "X",
        ],
        2,
        "both name the column",
    );
}

#[test]
fn flags_unused_by_the_settings_given_are_refused_too() {
    for (args, flag) in [
        (
            vec![
                "train",
                "--epochs",
                "0",
                "--optimizer",
                "adam",
                "--betas",
                "0.5,0.5",
            ],
            "--betas",
        ),
        (
            vec![
                "train",
                "--epochs",
                "0",
                "--optimizer",
                "adam",
                "--weight-decay",
                "0.1",
            ],
            "--weight-decay",
        ),
        (
            vec!["race", "--epochs", "0", "--betas", "0.5,0.5"],
            "--betas",
        ),
        (
            vec!["race", "--epochs", "0", "--batch-size", "5"],
            "--batch-size",
        ),
        (
            vec![
                "landscape",
                "--model",
                "line",
                "--directions",
                "axes",
                "--seed",
                "9",
            ],
            "--seed",
        ),
        (
            vec!["landscape", "--epochs", "0", "--optimizer", "sgd"],
            "--optimizer",
        ),
        (vec!["train", "--data", "g.npy", "--x", "x"], "--x"),
    ] {
        let args = [&args[..], &["--data", "/nonexistent.csv"]].concat();
        // (`--data` given twice for the .npy row: clap takes the first.)
        let args: Vec<&str> = if args.contains(&"g.npy") {
            args[..args.len() - 2].to_vec()
        } else {
            args
        };
        let err = fails(&args, 2, flag);
        assert!(
            err.contains("not used here") || err.contains("a .npy is (N, 2)"),
            "{args:?}: {err}"
        );
    }
    // Still used where a reported bound has them.
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "0",
        "--optimizer",
        "momentum",
        "--momentum",
        "0.5",
        "-q",
    ]);
    // Known once the data is read: one batch of every point is full batch, so no shuffle.
    fails(
        &[
            "train",
            "--data",
            "data/linear.csv",
            "--batch-size",
            "100",
            "--seed",
            "5",
            "--epochs",
            "3",
        ],
        2,
        "--seed is not used here: --batch-size 100 holds all 100 points",
    );
}

#[test]
fn values_are_read_as_typed_or_refused_saying_why() {
    fails(
        &["sweep", "--point", "1,2", "--weights", "-1:-3:-3"],
        2,
        "COUNT `-3` is negative",
    );
    // A column named -1 can be picked.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("minus.csv");
    std::fs::write(&data, "-1,-2\n1,2\n2,4\n").unwrap();
    let table = ok(&[
        "sweep",
        "--data",
        data.to_str().unwrap(),
        "--x",
        "-1",
        "--y",
        "-2",
        "-q",
    ]);
    assert!(
        table.contains("closed-form optimum: A = 2 (loss 0)"),
        "{table}"
    );
    // A control character in an argument is named escaped, not eaten by the terminal.
    let err = fails(
        &["train", "--data", "data/linear.csv", "--lr", "\x1b[31m"],
        2,
        "\\u{1b}[31m",
    );
    assert!(!err.contains('\x1b'));
    for delimiter in ["-", ".", "\x07"] {
        fails(
            &[
                "sweep",
                "--data",
                "data/linear.csv",
                "--delimiter",
                delimiter,
            ],
            2,
            "",
        );
    }
    // Settings that f32 cannot hold point at f64.
    fails(
        &[
            "train",
            "--data",
            "/nonexistent.csv",
            "--weight-decay",
            "1e40",
        ],
        2,
        "--weight-decay 1e40 is beyond what f32 holds",
    );
    fails(
        &[
            "race",
            "--data",
            "/nonexistent.csv",
            "--optimizers",
            "sgd=1e-50",
        ],
        2,
        "--lr 1e-50",
    );
    fails(
        &["gen", "--seed", "9.007199254740993e15"],
        2,
        "give its digits",
    );
}

#[cfg(unix)]
#[test]
fn a_redirected_stdout_is_written_on_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    std::fs::write(&log, "before\n").unwrap();
    let script = format!(
        "{{ '{bin}' gen --n 2 --out /dev/stdout -q; echo after; }} >> '{log}'",
        bin = env!("CARGO_BIN_EXE_explore"),
        log = log.display()
    );
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("before\nx,y\n") && text.ends_with("after\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 5, "{text}");
    // A private file replaced stays private.
    let save = dir.path().join("p.safetensors");
    std::fs::write(&save, b"old").unwrap();
    std::fs::set_permissions(&save, std::fs::Permissions::from_mode(0o600)).unwrap();
    ok(&[
        "train",
        "--data",
        "data/linear.csv",
        "--epochs",
        "1",
        "-q",
        "--save",
        save.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::metadata(&save).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_diverged_lane_is_never_the_best() {
    let out = explore(&[
        "race",
        "--data",
        "data/linear.csv",
        "--optimizers",
        "sgd=0.05,adam",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let table = stdout(&out);
    let sgd = table
        .lines()
        .find(|l| l.trim_start().starts_with("sgd"))
        .unwrap();
    assert!(!sgd.contains("minimum") && sgd.contains("NaN"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.trim_start().starts_with("adam") && l.contains("← minimum")),
        "{table}"
    );
}

#[test]
fn second_review_cases() {
    let dir = tempfile::tempdir().unwrap();
    // A crafted saved run with a step count no run reaches: one line, no panic.
    let saved = dir.path().join("run.safetensors");
    let saved = saved.to_str().unwrap();
    let train = [
        "train",
        "--data",
        "data/linear.csv",
        "--optimizer",
        "adam",
        "-q",
    ];
    ok(&[&train[..], &["--epochs", "2", "--save", saved]].concat());
    let mut bytes = std::fs::read(saved).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
    let steps = "\"slope.steps\":\"2\"";
    assert!(header.contains(steps), "{header}");
    // The same length, so the offsets stay right: 2 → 9, then a count of 19 nines.
    let crafted = header.replace(steps, "\"slope.steps\":\"9\"");
    bytes[8..8 + header_len].copy_from_slice(crafted.as_bytes());
    std::fs::write(saved, &bytes).unwrap();
    ok(&[&train[..], &["--epochs", "1", "--init-from", saved]].concat());
    let long = header.replace(steps, "\"slope.steps\":\"18446744073709551615\"");
    let mut crafted = (long.len() as u64).to_le_bytes().to_vec();
    crafted.extend_from_slice(long.as_bytes());
    crafted.extend_from_slice(&bytes[8 + header_len..]);
    std::fs::write(saved, &crafted).unwrap();
    fails(
        &[&train[..], &["--epochs", "1", "--init-from", saved]].concat(),
        1,
        "more than any run takes",
    );
    // gen into a pipe that closes stops at once (here: 10⁹ points would take minutes).
    let started = std::time::Instant::now();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' gen --n 1000000000 -q | head -c 10 >/dev/null",
            env!("CARGO_BIN_EXE_explore")
        ))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    // In f32 a loss f32 cannot hold is inf by either method, and never the minimum.
    for method in ["moments", "direct"] {
        let table = ok(&[
            "sweep",
            "--data",
            "data/linear.csv",
            "--weights",
            "1e30,2e30",
            "--method",
            method,
            "-q",
        ]);
        assert!(!table.contains("← minimum"), "{table}");
        assert!(table.contains("beyond f32's range (inf)"), "{table}");
    }
    // A printed bound never rounds up past the true one (0.019541372… for heavy ball here).
    let out = explore(&[
        "train",
        "--data",
        "data/linear.csv",
        "--optimizer",
        "momentum",
        "--epochs",
        "0",
    ]);
    assert!(
        stderr(&out).contains("stable for lr < 0.0195413 "),
        "{}",
        stderr(&out)
    );
    // Marks that reorder text are escaped like controls.
    let bidi = dir.path().join("bidi.csv");
    std::fs::write(&bidi, "x,y\n1,2\n3,\u{202e}4\n").unwrap();
    let err = fails(
        &["sweep", "--data", bidi.to_str().unwrap()],
        1,
        "\\u{202e}4",
    );
    assert!(!err.contains('\u{202e}'));
    // A mini-batch broke the run, not the full-batch bound: said so.
    let out_csv = dir.path().join("out.csv");
    let mut text = String::from("x,y\n");
    for i in 0..49 {
        text.push_str(&format!("{},{}\n", i as f64 * 0.01, i as f64 * 0.01));
    }
    text.push_str("100,5\n");
    std::fs::write(&out_csv, text).unwrap();
    let err = fails(
        &[
            "train",
            "--data",
            out_csv.to_str().unwrap(),
            "--epochs",
            "50",
            "--batch-size",
            "1",
            "--no-shuffle",
            "-q",
        ],
        1,
        "a mini-batch's curvature can exceed the whole data's",
    );
    assert!(!err.contains("is too large; sgd is stable only"), "{err}");
}
