//! End to end: `explore train` on labelled data — feature columns by `--x f1,f2`, the label
//! column by `--y` (class names numbered in sorted order), the loss deciding the task — against
//! PyTorch's numbers (the same as `tests/classify.rs`, from `scripts/reference/classifiers.py`),
//! and what it refuses.

mod common;

use common::{explore, ok, parse_csv, stderr};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The 8 points of the logistic reference, labels as words: `no` is class 0, `yes` class 1.
const EIGHT: &str = "a,b,answer\n0.5,1.0,yes\n1.5,-0.5,yes\n-1.0,0.3,no\n2.0,1.5,yes\n\
                     -0.5,-1.2,no\n0.2,0.1,no\n1.1,0.9,no\n-1.5,0.8,yes\n";

#[test]
fn logistic_regression_from_a_csv_matches_pytorch() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "eight.csv", EIGHT);
    let args = [
        "train",
        "--data",
        &data,
        "--x",
        "a,b",
        "--y",
        "answer",
        "--model",
        "logistic",
        "--init-weight",
        "0.1",
        "--lr",
        "0.5",
        "--epochs",
        "20",
        "--dtype",
        "f64",
        "--format",
        "csv",
    ];
    let out = explore(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("classes: no = 0, yes = 1"),
        "{}",
        stderr(&out)
    );
    let (header, rows) = parse_csv(&common::stdout(&out));
    assert_eq!(
        header,
        ["epoch", "w.a", "w.b", "bias", "loss", "accuracy", "lr"]
    );
    assert_eq!(rows.len(), 21);
    // PyTorch 2.15, nn.Linear(2, 1) from weight 0.1 and bias 0, BCEWithLogitsLoss, SGD(lr=0.5).
    let want = [
        20.0,
        0.4105968020592519,
        0.7448418625694665,
        -0.2875810640497226,
        0.5871271685715088,
        0.625,
    ];
    for (got, want) in rows[20].iter().zip(want) {
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
}

#[test]
fn softmax_regression_names_its_classes_and_counts_its_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "three.csv",
        "x1,x2,kind\n0.0,2.0,cat\n0.5,1.5,cat\n-0.3,2.2,cat\n2.0,-1.0,dog\n1.6,-0.4,dog\n\
         2.2,-0.8,dog\n-2.0,-1.0,emu\n-1.4,-1.3,emu\n-1.8,-0.2,emu\n0.4,0.6,dog\n",
    );
    let text = ok(&[
        "train",
        "--data",
        &data,
        "--x",
        "x1,x2",
        "--y",
        "kind",
        "--loss",
        "cross-entropy",
        "--optimizer",
        "adam",
        "--lr",
        "0.1",
        "--init-weight",
        "0.1",
        "--epochs",
        "15",
        "--dtype",
        "f64",
        "--format",
        "json",
        "--quiet",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["classes"], serde_json::json!(["cat", "dog", "emu"]));
    assert_eq!(
        doc["confusion"],
        serde_json::json!([[3, 0, 0], [0, 4, 0], [0, 0, 3]])
    );
    assert_eq!(doc["separable"], true);
    assert_eq!(doc["loss"]["name"], "cross-entropy");
    let last = &doc["rows"][15];
    assert_eq!(last["accuracy"], 1.0);
    // PyTorch's loss after 15 Adam steps (tests/classify.rs).
    let loss = last["loss"].as_f64().unwrap();
    assert!((loss - 0.10711043202016861).abs() < 1e-12, "{loss}");
    assert!((last["w.cat.x2"].as_f64().unwrap() - 1.2936101544526553).abs() < 1e-12);
    // The table says what the numbers mean.
    let table = ok(&[
        "train",
        "--data",
        &data,
        "--x",
        "x1,x2",
        "--y",
        "kind",
        "--model",
        "softmax",
        "--optimizer",
        "adam",
        "--lr",
        "0.1",
        "--epochs",
        "50",
        "--quiet",
    ]);
    assert!(
        table.contains("softmax regression of kind on x1, x2 under cross-entropy"),
        "{table}"
    );
    assert!(table.contains("confusion matrix (rows: the true class, columns: the predicted):"));
    assert!(table.contains("the classes are separable"), "{table}");
}

#[test]
fn a_small_network_learns_the_circles() {
    let text = ok(&[
        "train",
        "--data",
        "data/circles.csv",
        "--x",
        "x1,x2",
        "--model",
        "mlp",
        "--loss",
        "bce-logits",
        "--optimizer",
        "adam",
        "--lr",
        "0.05",
        "--epochs",
        "300",
        "--format",
        "csv",
        "--quiet",
    ]);
    let (header, rows) = parse_csv(&text);
    assert_eq!(header, ["epoch", "loss", "accuracy", "lr"]);
    let last = rows.last().unwrap();
    assert!(last[2] > 0.97, "accuracy {}", last[2]);
    let line = ok(&[
        "train",
        "--data",
        "data/circles.csv",
        "--x",
        "x1,x2",
        "--model",
        "logistic",
        "--optimizer",
        "adam",
        "--lr",
        "0.05",
        "--epochs",
        "300",
        "--format",
        "csv",
        "--quiet",
    ]);
    let (_, rows) = parse_csv(&line);
    assert!(
        rows.last().unwrap()[5] < 0.7,
        "a line cannot: {:?}",
        rows.last()
    );
}

#[test]
fn what_a_classifier_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "eight.csv", EIGHT);
    let words = write(dir.path(), "words.csv", "a,b,label\n1,x,0\n");
    let three = write(dir.path(), "three.csv", "a,b,label\n1,2,0\n2,1,1\n0,0,2\n");
    let cases: [(Vec<&str>, i32, &str); 6] = [
        (
            vec!["--data", &data, "--x", "a,b", "--y", "answer"],
            1,
            ":2:3: `yes` in column answer is not a number; to tell classes apart, give --loss \
             bce-logits or cross-entropy",
        ),
        (
            vec!["--data", &data, "--x", "a,b", "--model", "logistic"],
            1,
            "no `label` column (it has: a, b, answer); pick them with --x NAME --y NAME",
        ),
        (
            vec!["--data", &words, "--x", "a,b", "--model", "logistic"],
            1,
            ":2:2: `x` in column b is not a number",
        ),
        (
            vec!["--data", &three, "--x", "a,b", "--model", "logistic"],
            1,
            "the labels: BCE with logits tells two classes apart, and the data has 3: use \
             cross-entropy",
        ),
        (
            vec![
                "--data",
                &data,
                "--x",
                "a,b",
                "--y",
                "answer",
                "--model",
                "logistic",
                "--loss",
                "cross-entropy",
            ],
            2,
            "--model logistic has one output",
        ),
        (
            vec!["--point", "1,2", "--model", "logistic"],
            2,
            "--point is not used here: a classifier reads labelled --data",
        ),
    ];
    for (args, code, needle) in cases {
        let out = explore(&[&["train"][..], &args].concat());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("device:")).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        assert!(lines[0].contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn the_figure_is_drawn_for_two_features_and_refused_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("moons.png");
    ok(&[
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
        "0.05",
        "--epochs",
        "50",
        "--plot",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    let summary = explore::plot::inspect_png(&png).unwrap();
    assert_eq!((summary.width, summary.height), (1920, 640));
    // The shaded map alone holds hundreds of shades.
    assert!(summary.colours > 500, "{summary:?}");
    // One feature has no plane to draw on.
    let out = explore(&[
        "train",
        "--data",
        "data/moons.csv",
        "--x",
        "x1",
        "--model",
        "logistic",
        "--plot",
        "m.png",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("--plot draws a classifier over two features or more, and --x names one"),
        "{}",
        stderr(&out)
    );
    // The command runs in the repository's root: nothing was written there.
    assert!(!common::root().join("m.png").exists());
}

/// Twelve points of three features (`scripts/reference/least_squares.py`).
const PLANE: &str = "a,b,c,y\n0.5,1.0,-2.0,1.2\n1.5,-0.5,0.3,3.4\n-1.0,0.3,1.1,-0.5\n\
                     2.0,1.5,-0.7,4.1\n-0.5,-1.2,0.4,0.2\n0.2,0.1,2.2,1.9\n1.1,0.9,-1.5,2.2\n\
                     -1.5,0.8,0.9,-1.1\n0.7,-0.3,0.0,1.4\n1.9,2.1,-0.2,5.0\n-0.8,-0.4,1.7,0.1\n\
                     0.3,1.6,-0.9,1.3\n";

#[test]
fn a_plane_on_several_features_descends_to_numpys_least_squares() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "plane.csv", PLANE);
    let text = ok(&[
        "train", "--data", &data, "--x", "a,b,c", "--epochs", "300", "--dtype", "f64", "--format",
        "json", "--quiet",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    // NumPy 2.4: np.linalg.lstsq on [X, 1].
    let optimum = &doc["optimum"];
    let want = [
        ("a", 1.6805966804617951),
        ("b", 0.29364283842660155),
        ("c", 0.4052335100174753),
    ];
    for (name, w) in want {
        let got = optimum["weights"][name].as_f64().unwrap();
        assert!((got - w).abs() < 1e-9, "{name}: {got} vs {w}");
    }
    assert!((optimum["bias"].as_f64().unwrap() - 0.7955065246857028).abs() < 1e-9);
    assert!((doc["condition"].as_f64().unwrap() - 2.0824642213839355).abs() < 1e-9);
    // Gradient descent from zero gets there: the last row is the optimum's loss.
    let last = &doc["rows"][300];
    assert!(
        (last["loss"].as_f64().unwrap() - 0.06557348876565051).abs() < 1e-9,
        "{last}"
    );
    assert!((last["w.a"].as_f64().unwrap() - 1.6805966804617951).abs() < 1e-6);
}

#[test]
fn collinear_and_constant_columns_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = PLANE
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|f| f.parse().unwrap()).collect();
            format!("{},{},{},7,{}\n", v[0], v[1], v[0] + 2.0 * v[1], v[3])
        })
        .collect();
    let data = write(dir.path(), "collinear.csv", &format!("a,b,s,k,y\n{rows}"));
    let text = ok(&[
        "train", "--data", &data, "--x", "a,b,s,k", "--epochs", "5", "--quiet",
    ]);
    assert!(
        text.contains("condition number κ = ∞: the plane is not unique"),
        "{text}"
    );
    assert!(
        text.contains("columns s, b, a are collinear") || text.contains("are collinear"),
        "{text}"
    );
    assert!(text.contains("column k is constant"), "{text}");
    // Other losses have no closed form here, and say so.
    let l1 = ok(&[
        "train", "--data", &data, "--x", "a,b", "--loss", "l1", "--epochs", "5", "--quiet",
    ]);
    assert!(
        l1.contains("no closed form for L1 on several features"),
        "{l1}"
    );
    // A constant column cannot be standardized: it is named.
    let out = explore(&["train", "--data", &data, "--x", "a,k", "--standardize"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("k: is the same on every point, so the features cannot be"),
        "{}",
        stderr(&out)
    );
    // Mini-batches: the rows are epochs, their loss the whole data's.
    let csv = ok(&[
        "train",
        "--data",
        &data,
        "--x",
        "a,b",
        "--batch-size",
        "5",
        "--epochs",
        "4",
        "--format",
        "csv",
        "--quiet",
    ]);
    let (_, rows) = parse_csv(&csv);
    assert_eq!(
        rows.iter().map(|r| r[0]).collect::<Vec<_>>(),
        [0.0, 1.0, 2.0, 3.0, 4.0]
    );
}

/// What a hostile review found: each one line and an exit code, never a panic or an abort.
#[test]
fn hostile_tables_are_refused_or_said() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(dir.path(), "one.csv", "a,b,label\n1,2,0\n2,1,0\n0,0,0\n");
    let long = "w".repeat(70_000);
    let named = write(
        dir.path(),
        "long.csv",
        &format!("a,b,label\n1,2,{long}\n2,1,x\n0,0,{long}\n"),
    );
    let data = write(dir.path(), "eight.csv", EIGHT);
    let cases: [(Vec<&str>, i32, &str); 6] = [
        (
            vec![
                "--data",
                &one,
                "--x",
                "a,b",
                "--model",
                "mlp",
                "--loss",
                "bce-logits",
            ],
            1,
            "the labels: they hold one class, `0`: a classifier needs two classes or more",
        ),
        (
            vec!["--data", &one, "--x", "a,b", "--model", "softmax"],
            1,
            "needs two classes or more",
        ),
        (
            vec![
                "--data",
                &data,
                "--x",
                "a,b",
                "--y",
                "answer",
                "--model",
                "mlp",
                "--loss",
                "bce-logits",
                "--hidden",
                "100000,100000",
            ],
            2,
            "are trained here; give smaller --hidden layers",
        ),
        (
            vec![
                "--data", &data, "--x", "a,A", "--y", "answer", "--model", "logistic",
            ],
            2,
            "--x names the column `A` twice",
        ),
        (
            vec![
                "--data", &data, "--x", "a,", "--y", "answer", "--model", "logistic",
            ],
            2,
            "--x has an empty column name",
        ),
        (
            vec![
                "--data",
                "data/blobs.csv",
                "--x",
                "x1,x2",
                "--model",
                "logistic",
                "--lr",
                "3e38",
                "--epochs",
                "3",
            ],
            1,
            "became non-finite",
        ),
    ];
    for (args, code, needle) in cases {
        let out = explore(&[&["train"][..], &args, &["--quiet"]].concat());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // Names of any length are shown shortened in the table, whole in the CSV.
    let table = ok(&[
        "train", "--data", &named, "--x", "a,b", "--model", "logistic", "--epochs", "2", "--quiet",
    ]);
    assert!(
        table.contains(&format!("{}…", "w".repeat(40))),
        "{}",
        &table[..200.min(table.len())]
    );
    let csv = ok(&[
        "train", "--data", &named, "--x", "a,b", "--model", "logistic", "--epochs", "2",
        "--format", "json", "--quiet",
    ]);
    assert!(csv.contains(&long));
}

#[test]
fn mini_batches_in_file_order_match_pytorch_and_shuffles_follow_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "eight.csv", EIGHT);
    let run = |extra: &[&str]| {
        let args = [
            &[
                "train",
                "--data",
                &data,
                "--x",
                "a,b",
                "--y",
                "answer",
                "--model",
                "logistic",
                "--init-weight",
                "0.1",
                "--lr",
                "0.5",
                "--epochs",
                "5",
                "--batch-size",
                "3",
                "--dtype",
                "f64",
                "--format",
                "csv",
                "--quiet",
            ][..],
            extra,
        ]
        .concat();
        ok(&args)
    };
    let (_, rows) = parse_csv(&run(&["--no-shuffle"]));
    // PyTorch 2.15, DataLoader(batch_size=3, shuffle=False), SGD(lr=0.5): after each epoch.
    for (epoch, want) in [
        (
            1,
            [
                0.03419912323154117,
                0.2389110111421636,
                -0.05104177997763186,
                0.6528533860841426,
            ],
        ),
        (
            5,
            [
                -0.07951972398112678,
                0.5848115851371729,
                -0.21967980588130587,
                0.6346254208659897,
            ],
        ),
    ] {
        for (got, want) in rows[epoch][1..5].iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "epoch {epoch}: {got} vs {want}");
        }
    }
    assert_eq!(run(&["--seed", "4"]), run(&["--seed", "4"]));
    assert_ne!(run(&["--seed", "4"]), run(&["--seed", "5"]));
    assert_ne!(run(&["--seed", "4"]), run(&["--no-shuffle"]));
}
