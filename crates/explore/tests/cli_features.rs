//! Several features end to end: `--standardize` (each column over its spread, the rows in the
//! data's units), `--save` with PyTorch's names and shapes, and `--init-from` back, for the
//! plane, logistic and softmax regression and an MLP; and what they refuse.

mod common;

use common::{explore, ok, parse_csv, stderr};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The 8 points of the logistic reference (`tests/cli_classify.rs`).
const EIGHT: &str = "a,b,answer\n0.5,1.0,yes\n1.5,-0.5,yes\n-1.0,0.3,no\n2.0,1.5,yes\n\
                     -0.5,-1.2,no\n0.2,0.1,no\n1.1,0.9,no\n-1.5,0.8,yes\n";

/// Twelve points of three features (`scripts/reference/least_squares.py`).
const PLANE: &str = "a,b,c,y\n0.5,1.0,-2.0,1.2\n1.5,-0.5,0.3,3.4\n-1.0,0.3,1.1,-0.5\n\
                     2.0,1.5,-0.7,4.1\n-0.5,-1.2,0.4,0.2\n0.2,0.1,2.2,1.9\n1.1,0.9,-1.5,2.2\n\
                     -1.5,0.8,0.9,-1.1\n0.7,-0.3,0.0,1.4\n1.9,2.1,-0.2,5.0\n-0.8,-0.4,1.7,0.1\n\
                     0.3,1.6,-0.9,1.3\n";

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs().max(1.0)
}

fn rows(args: &[&str]) -> (Vec<String>, Vec<Vec<f64>>) {
    parse_csv(&ok(&[
        args,
        &["--dtype", "f64", "--format", "csv", "--quiet"],
    ]
    .concat()))
}

/// PyTorch 2.15 on the standardized features, the parameters read back in the data's units:
///
/// ```python
/// mean, std = x.mean(0), x.std(0, unbiased=False); xs = (x - mean) / std
/// m = nn.Linear(2, 1); m.weight.fill_(0); m.bias.fill_(0); opt = SGD(m.parameters(), lr=0.5)
/// for e in range(11):   # loss = BCEWithLogitsLoss()(m(xs), y), then a step
///     w = m.weight[0] / std; b = m.bias[0] - (m.weight[0] * mean / std).sum()
/// ```
#[test]
fn standardized_logistic_regression_matches_pytorch_in_the_datas_units() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "eight.csv", EIGHT);
    let (header, rows) = rows(&[
        "train",
        "--data",
        &data,
        "--x",
        "a,b",
        "--y",
        "answer",
        "--model",
        "logistic",
        "--standardize",
        "--init-weight",
        "0",
        "--lr",
        "0.5",
        "--epochs",
        "10",
    ]);
    assert_eq!(
        header,
        ["epoch", "w.a", "w.b", "bias", "loss", "accuracy", "lr"]
    );
    for (epoch, want) in [
        (
            1,
            [
                0.06374690119230315,
                0.12410940013789934,
                -0.06331689164277567,
                0.6639236127172368,
                0.625,
            ],
        ),
        (
            10,
            [
                0.32472185194668474,
                0.6999192788957224,
                -0.3460633357049724,
                0.5896480109392837,
                0.625,
            ],
        ),
    ] {
        for (got, want) in rows[epoch][1..].iter().zip(want) {
            assert!(close(*got, want), "epoch {epoch}: {got} vs {want}");
        }
    }
}

/// Standardized, plain SGD at its default rate reaches NumPy's least squares in a few hundred
/// epochs (the rows in the data's units); the saved plane is `nn.Linear(3, 1)`'s, and a run
/// from it starts where this one ended.
#[test]
fn a_standardized_plane_is_saved_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "plane.csv", PLANE);
    let saved = dir.path().join("plane.safetensors");
    let saved = saved.to_str().unwrap();
    let (header, trained) = rows(&[
        "train",
        "--data",
        &data,
        "--x",
        "a,b,c",
        "--standardize",
        "--epochs",
        "300",
        "--save",
        saved,
    ]);
    assert_eq!(header, ["epoch", "w.a", "w.b", "w.c", "bias", "loss", "lr"]);
    let last = &trained[300];
    // NumPy 2.4: np.linalg.lstsq on [X, 1].
    let want = [
        1.6805966804617951,
        0.29364283842660155,
        0.4052335100174753,
        0.7955065246857028,
    ];
    for (got, want) in last[1..5].iter().zip(want) {
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }
    let tensors = candle_core::safetensors::load(saved, &candle_core::Device::Cpu).unwrap();
    assert_eq!(tensors["weight"].dims(), [1, 3]);
    assert_eq!(tensors["bias"].dims(), [1]);
    assert_eq!(tensors.len(), 2);
    let (_, again) = rows(&[
        "train",
        "--data",
        &data,
        "--x",
        "a,b,c",
        "--epochs",
        "0",
        "--init-from",
        saved,
    ]);
    // The parameters exactly; the loss, now on the raw features, to rounding.
    assert_eq!(
        again[0][1..5],
        last[1..5],
        "the run goes on from the saved plane"
    );
    assert!(
        close(again[0][5], last[5]),
        "{} vs {}",
        again[0][5],
        last[5]
    );
    // Read into standardized units and back out, to rounding.
    let (_, standard) = rows(&[
        "train",
        "--data",
        &data,
        "--x",
        "a,b,c",
        "--standardize",
        "--epochs",
        "0",
        "--init-from",
        saved,
    ]);
    for (got, want) in standard[0][1..].iter().zip(&last[1..]) {
        assert!(close(*got, *want), "{got} vs {want}");
    }
}

/// A classifier's layers round-trip: softmax regression on named classes as `nn.Linear(2, 3)`,
/// an MLP as `nn.Sequential(Linear, Tanh, Linear, Tanh, Linear)`'s `0.weight` … `4.bias` with
/// the standardization folded into its first layer (PyTorch gives the loaded network on the
/// raw data the loss slope printed).
#[test]
fn classifiers_are_saved_with_pytorchs_names_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let three = "p,q,kind\n0.1,2.0,red\n1.5,0.3,green\n-1.0,-0.5,blue\n0.4,1.7,red\n\
                 1.2,0.1,green\n-0.8,-0.9,blue\n0.0,2.2,red\n1.9,0.5,green\n-1.3,-0.2,blue\n";
    let data = write(dir.path(), "three.csv", three);
    let saved = dir.path().join("softmax.safetensors");
    let saved = saved.to_str().unwrap();
    let base = ["train", "--data", &data, "--x", "p,q", "--y", "kind"];
    let (_, trained) = rows(
        &[
            &base[..],
            &[
                "--model",
                "softmax",
                "--standardize",
                "--epochs",
                "15",
                "--save",
                saved,
            ],
        ]
        .concat(),
    );
    let tensors = candle_core::safetensors::load(saved, &candle_core::Device::Cpu).unwrap();
    assert_eq!(tensors["weight"].dims(), [3, 2]);
    assert_eq!(tensors["bias"].dims(), [3]);
    let (_, again) = rows(
        &[
            &base[..],
            &["--model", "softmax", "--epochs", "0", "--init-from", saved],
        ]
        .concat(),
    );
    assert_eq!(again[0][1..], trained[15][1..]);

    let circles = dir.path().join("circles.csv");
    let circles = circles.to_str().unwrap();
    ok(&[
        "gen", "--kind", "circles", "--n", "100", "--seed", "2", "--noise", "0.05", "--out",
        circles,
    ]);
    let net = dir.path().join("mlp.safetensors");
    let net = net.to_str().unwrap();
    let mlp = [
        "train",
        "--data",
        circles,
        "--x",
        "x1,x2",
        "--model",
        "mlp",
        "--hidden",
        "8,4",
        "--loss",
        "bce-logits",
    ];
    let (header, trained) = rows(
        &[
            &mlp[..],
            &[
                "--standardize",
                "--optimizer",
                "adam",
                "--lr",
                "0.05",
                "--epochs",
                "30",
                "--save",
                net,
            ],
        ]
        .concat(),
    );
    assert_eq!(header, ["epoch", "loss", "accuracy", "lr"]);
    let tensors = candle_core::safetensors::load(net, &candle_core::Device::Cpu).unwrap();
    let mut shapes: Vec<(String, Vec<usize>)> = tensors
        .iter()
        .map(|(k, v)| (k.clone(), v.dims().to_vec()))
        .collect();
    shapes.sort();
    let want: Vec<(String, Vec<usize>)> = [
        ("0.bias", vec![8]),
        ("0.weight", vec![8, 2]),
        ("2.bias", vec![4]),
        ("2.weight", vec![4, 8]),
        ("4.bias", vec![1]),
        ("4.weight", vec![1, 4]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(shapes, want);
    // Read back without --standardize, --hidden or --activation: the file has them all.
    let (_, again) = rows(
        &[
            &mlp[..7],
            &["--loss", "bce-logits", "--epochs", "0", "--init-from", net],
        ]
        .concat(),
    );
    let (got, want) = (again[0][1], trained[30][1]);
    assert!((got - want).abs() < 1e-12, "loss {got} vs {want}");
    assert_eq!(again[0][2], trained[30][2]);
}

#[test]
fn what_standardize_save_and_init_from_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "eight.csv", EIGHT);
    let flat = write(dir.path(), "flat.csv", "a,b,y\n1,2,0\n1,3,1\n1,4,0\n");
    let circles = dir.path().join("circles.csv");
    let circles = circles.to_str().unwrap();
    ok(&["gen", "--kind", "circles", "--n", "40", "--out", circles]);
    let net = dir.path().join("mlp.safetensors");
    let net = net.to_str().unwrap();
    ok(&[
        "train",
        "--data",
        circles,
        "--x",
        "x1,x2",
        "--model",
        "mlp",
        "--loss",
        "bce-logits",
        "--epochs",
        "2",
        "--save",
        net,
        "--quiet",
    ]);
    let line = dir.path().join("line.safetensors");
    let line = line.to_str().unwrap();
    ok(&[
        "train", "--data", &data, "--x", "a", "--y", "answer", "--model", "logistic", "--epochs",
        "2", "--save", line, "--quiet",
    ]);
    for (args, code, needle) in [
        (
            vec![
                "--data",
                circles,
                "--x",
                "x1,x2",
                "--model",
                "logistic",
                "--init-from",
                net,
            ],
            2,
            "holds an MLP of 3 layers: train it with --model mlp",
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
                "--init-from",
                net,
            ],
            1,
            "mlp.safetensors: it was trained on the features x1, x2, and the data's are a, b",
        ),
        (
            vec![
                "--data",
                circles,
                "--x",
                "x1,x2",
                "--model",
                "mlp",
                "--loss",
                "bce-logits",
                "--hidden",
                "3",
                "--init-from",
                net,
            ],
            2,
            "--hidden 3 is not the network in",
        ),
        (
            vec![
                "--data",
                circles,
                "--x",
                "x1,x2",
                "--model",
                "mlp",
                "--loss",
                "bce-logits",
                "--activation",
                "relu",
                "--init-from",
                net,
            ],
            2,
            "--activation relu: the network in",
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
                "--init-from",
                line,
            ],
            1,
            "line.safetensors: it was trained on the features a, and the data's are a, b",
        ),
        (
            vec![
                "--data",
                &data,
                "--x",
                "a",
                "--y",
                "answer",
                "--model",
                "mlp",
                "--loss",
                "bce-logits",
                "--init-from",
                line,
            ],
            2,
            "holds one linear layer, not an MLP",
        ),
        (
            vec!["--data", &flat, "--x", "a,b", "--standardize"],
            1,
            "a: is the same on every point, so the features cannot be standardized",
        ),
        (
            vec!["--data", &flat, "--x", "a,b", "--init-from", line],
            1,
            "it was trained on the features a, and the data's are a, b",
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
                "--init-from",
                dir.path().to_str().unwrap(),
            ],
            1,
            "is a directory, not a .safetensors file",
        ),
    ] {
        let out = explore(&[&["train"][..], &args].concat());
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

/// A race on several features or on labels runs each optimizer as `train` would: every lane's
/// rows are that optimizer's `train` rows, and the JSON says each lane's end (for the plane
/// under MSE, the epoch within 1% of the closed-form optimum's loss).
#[test]
fn a_race_on_several_features_runs_each_lane_as_train_does() {
    let dir = tempfile::tempdir().unwrap();
    let plane = write(dir.path(), "plane.csv", PLANE);
    let eight = write(dir.path(), "eight.csv", EIGHT);
    for (data, model) in [
        (
            &plane,
            &["--x", "a,b,c", "--standardize", "--epochs", "40"][..],
        ),
        (
            &eight,
            &[
                "--x",
                "a,b",
                "--y",
                "answer",
                "--model",
                "logistic",
                "--batch-size",
                "3",
                "--epochs",
                "5",
            ][..],
        ),
    ] {
        let base = [&["--data", data.as_str()][..], model].concat();
        let raced = ok(&[
            &["race"][..],
            &base,
            &[
                "--optimizers",
                "sgd=0.1,adam=0.05",
                "--dtype",
                "f64",
                "--format",
                "csv",
                "--quiet",
            ],
        ]
        .concat());
        let mut lines = raced.lines();
        let header = lines.next().unwrap();
        for (lane, optimizer, lr) in [("sgd", "sgd", "0.1"), ("adam", "adam", "0.05")] {
            let want = ok(&[
                &["train"][..],
                &base,
                &[
                    "--optimizer",
                    optimizer,
                    "--lr",
                    lr,
                    "--dtype",
                    "f64",
                    "--format",
                    "csv",
                    "--quiet",
                ],
            ]
            .concat());
            let mut want = want.lines();
            assert_eq!(
                format!("optimizer,{}", want.next().unwrap()),
                header,
                "{model:?}"
            );
            let got: Vec<&str> = raced
                .lines()
                .skip(1)
                .filter_map(|l| l.strip_prefix(&format!("{lane},")))
                .collect();
            let want: Vec<&str> = want.collect();
            assert_eq!(got, want, "{model:?} {lane}");
        }
    }
    let json = ok(&[
        "race",
        "--data",
        &plane,
        "--x",
        "a,b,c",
        "--standardize",
        "--epochs",
        "300",
        "--optimizers",
        "sgd,adam",
        "--dtype",
        "f64",
        "--format",
        "json",
        "--quiet",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let lanes = doc["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 2);
    // SGD at its default rate, a quarter of the stable bound, gets within 1% of NumPy's
    // optimum (loss 0.06557348876565051); Adam at 0.001 does not in 300 epochs.
    assert_eq!(lanes[0]["lane"], "sgd");
    assert!(lanes[0]["epochs_to_1pct"].as_u64().unwrap() < 300);
    let loss = lanes[0]["final_loss"].as_f64().unwrap();
    assert!((loss - 0.06557348876565051).abs() < 1e-9, "{loss}");
    assert!(lanes[1]["epochs_to_1pct"].is_null());
    assert_eq!(lanes[1]["diverged"], false);
    // train draws the plane's loss per epoch as a PNG; a page it has not.
    let png = dir.path().join("plane.png");
    ok(&[
        "train",
        "--data",
        &plane,
        "--x",
        "a,b,c",
        "--epochs",
        "20",
        "--plot",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(explore::plot::inspect_png(&png).unwrap().colours > 20);
    let out = explore(&[
        "train",
        "--data",
        &plane,
        "--x",
        "a,b,c",
        "--plot",
        "plane.html",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is drawn as its loss per epoch, in .png or .svg"),
        "{}",
        stderr(&out)
    );
}

/// More than two features are drawn on their first two principal components: the PNG, and the
/// page whose frames walk the run's rows without a map.
#[test]
fn more_than_two_features_are_drawn_on_their_principal_components() {
    let dir = tempfile::tempdir().unwrap();
    let text = "a,b,c,label\n0.5,1.0,-2.0,1\n1.5,-0.5,0.3,1\n-1.0,0.3,1.1,0\n2.0,1.5,-0.7,1\n\
                -0.5,-1.2,0.4,0\n0.2,0.1,2.2,0\n1.1,0.9,-1.5,1\n-1.5,0.8,0.9,0\n";
    let data = write(dir.path(), "three.csv", text);
    let png = dir.path().join("three.png");
    let html = dir.path().join("three.html");
    for plot in [&png, &html] {
        let out = explore(&[
            "train",
            "--data",
            &data,
            "--x",
            "a,b,c",
            "--model",
            "logistic",
            "--epochs",
            "50",
            "--lr",
            "0.5",
            "--plot",
            plot.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("wrote plot"), "{}", stderr(&out));
    }
    let summary = explore::plot::inspect_png(&png).unwrap();
    assert!(summary.colours > 50, "{summary:?}");
    let page = std::fs::read_to_string(&html).unwrap();
    let doc = common::page_data(&page);
    assert!(doc["x_label"].as_str().unwrap().starts_with("PC1 ("));
    let frames = doc["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 40);
    assert!(frames.iter().all(|f| f["image"].is_null()));
    assert_eq!(frames[39]["epoch"], 50.0);
}

/// Labelled tables come from NumPy and Parquet too: text labels in Parquet (polars), integer
/// labels in a `.npz`, and the `.npy` and `.parquet` that `explore gen` writes; each trains to
/// the same rows as the CSV, PyTorch's for the eight points (`tests/cli_classify.rs`).
#[test]
fn labelled_tables_are_read_from_numpy_and_parquet() {
    let files = common::root().join("crates/explore/tests/files");
    let args = |data: &str| {
        ok(&[
            "train",
            "--data",
            data,
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
            "--quiet",
        ])
    };
    // PyTorch 2.15, as in tests/cli_classify.rs.
    let want = [
        20.0,
        0.4105968020592519,
        0.7448418625694665,
        -0.2875810640497226,
        0.5871271685715088,
        0.625,
    ];
    for file in ["polars_labels.parquet", "numpy_labels.npz"] {
        let (_, rows) = parse_csv(&args(files.join(file).to_str().unwrap()));
        for (got, want) in rows[20].iter().zip(want) {
            assert!(close(*got, want), "{file}: {got} vs {want}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for ext in ["csv", "npy", "parquet"] {
        let path = dir.path().join(format!("moons.{ext}"));
        let path = path.to_str().unwrap();
        ok(&[
            "gen", "--kind", "moons", "--n", "60", "--seed", "4", "--out", path,
        ]);
        outputs.push(ok(&[
            "train", "--data", path, "--x", "x1,x2", "--model", "logistic", "--epochs", "5",
            "--format", "csv", "--quiet",
        ]));
    }
    assert_eq!(outputs[0], outputs[1], ".npy");
    assert_eq!(outputs[0], outputs[2], ".parquet");
    // What they refuse: a text feature, a missing array, a .npy column that is not there.
    let parquet = files.join("polars_labels.parquet");
    let npz = files.join("numpy_labels.npz");
    let npy = dir.path().join("moons.npy");
    for (data, x, y, needle) in [
        (
            &parquet,
            "a,answer",
            "b",
            "column `answer` holds text: a feature must be numbers",
        ),
        (&npz, "a,c", "answer", "no `c` array (it has: a, b, answer)"),
        (
            &npy,
            "x1,x3",
            "label",
            "no `x3` column (it has: x1, x2, label)",
        ),
    ] {
        let out = explore(&[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--x",
            x,
            "--y",
            y,
            "--model",
            "logistic",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{}", stderr(&out));
    }
}

/// `landscape` on several features trains the plane as `train` does (the trajectory's losses
/// are train's rows), and on labels a classifier; a landscape's own refusals are said.
#[test]
fn a_landscape_on_several_features_trains_as_train_does() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "plane.csv", PLANE);
    let json = ok(&[
        "landscape",
        "--data",
        &data,
        "--x",
        "a,b,c",
        "--model",
        "linear",
        "--optimizer",
        "adam",
        "--lr",
        "0.1",
        "--epochs",
        "50",
        "--steps",
        "5",
        "--dtype",
        "f64",
        "--format",
        "json",
        "--quiet",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["model"], "linear 3-1");
    assert_eq!(doc["n"], 12);
    let (_, rows) = rows(&[
        "train",
        "--data",
        &data,
        "--x",
        "a,b,c",
        "--optimizer",
        "adam",
        "--lr",
        "0.1",
        "--epochs",
        "50",
    ]);
    for point in doc["trajectory"].as_array().unwrap() {
        let epoch = point["epoch"].as_u64().unwrap() as usize;
        let loss = point["loss"].as_f64().unwrap();
        assert!(
            close(loss, rows[epoch][5]),
            "epoch {epoch}: {loss} vs {:?}",
            rows[epoch]
        );
    }
    let eight = write(dir.path(), "eight.csv", EIGHT);
    let json = ok(&[
        "landscape",
        "--data",
        &eight,
        "--x",
        "a,b",
        "--y",
        "answer",
        "--model",
        "mlp",
        "--hidden",
        "4",
        "--loss",
        "bce-logits",
        "--epochs",
        "20",
        "--steps",
        "5",
        "--format",
        "json",
        "--quiet",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["model"], "mlp 2-4-1 tanh");
    assert_eq!(doc["loss"]["name"], "bce-logits");
    let out = explore(&[
        "landscape",
        "--data",
        &eight,
        "--x",
        "a,b",
        "--y",
        "answer",
        "--model",
        "logistic",
        "--view",
        "line",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("drawn as a plane"),
        "{}",
        stderr(&out)
    );
}

/// `sweep --vary` and `surface --vary` cut the plane's loss along one or two of its parameters,
/// the rest held at NumPy's least-squares plane: each row is that plane's MSE with the varied
/// values put in, computed here directly.
#[test]
fn sweep_and_surface_vary_the_planes_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "plane.csv", PLANE);
    // NumPy 2.4: np.linalg.lstsq on [X, 1] (as in tests/cli_classify.rs).
    let optimum = [
        1.6805966804617951,
        0.29364283842660155,
        0.4052335100174753,
        0.7955065246857028,
    ];
    let points: Vec<Vec<f64>> = PLANE
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let mse = |p: &[f64]| {
        points
            .iter()
            .map(|r| (p[0] * r[0] + p[1] * r[1] + p[2] * r[2] + p[3] - r[3]).powi(2))
            .sum::<f64>()
            / points.len() as f64
    };
    let (header, swept) = rows(&[
        "sweep",
        "--data",
        &data,
        "--x",
        "a,b,c",
        "--vary",
        "w:b",
        "--weights",
        "-1:1:5",
    ]);
    assert_eq!(header, ["w.b", "loss"]);
    assert_eq!(swept.len(), 5);
    for row in &swept {
        let mut p = optimum;
        p[1] = row[0];
        assert!((row[1] - mse(&p)).abs() < 1e-9, "{row:?} vs {}", mse(&p));
    }
    let (header, grid) = rows(&[
        "surface",
        "--data",
        &data,
        "--x",
        "a,b,c",
        "--vary",
        "w.a,bias",
        "--weights",
        "0:3:4",
        "--biases",
        "-1,0.7955065246857028,2",
    ]);
    assert_eq!(header, ["w.a", "bias", "loss"]);
    assert_eq!(grid.len(), 12);
    for row in &grid {
        let mut p = optimum;
        (p[0], p[3]) = (row[0], row[1]);
        assert!((row[2] - mse(&p)).abs() < 1e-9, "{row:?}");
    }
    // Without values, round ones around the least-squares plane: its weight is inside them.
    let json = ok(&[
        "sweep", "--data", &data, "--x", "a,b,c", "--vary", "w.c", "--format", "json", "--quiet",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let values: Vec<f64> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["w.c"].as_f64().unwrap())
        .collect();
    assert_eq!(values.len(), 21);
    assert!(
        values[0] < optimum[2] && optimum[2] < values[20],
        "{values:?}"
    );
    assert!(
        (doc["held"]["bias"].as_f64().unwrap() - optimum[3]).abs() < 1e-9,
        "{doc}"
    );
    for (args, needle) in [
        (
            vec!["sweep", "--data", &data, "--x", "a,b,c"],
            "--x names 3 features: the plane has 3 weights and a bias; give --vary",
        ),
        (
            vec!["sweep", "--data", &data, "--x", "a,b,c", "--vary", "w.d"],
            "`w.d` is not a parameter of this plane: one of w.a, w.b, w.c, bias",
        ),
        (
            vec!["surface", "--data", &data, "--x", "a,b,c", "--vary", "bias"],
            "--vary names 1 parameters: a surface varies two",
        ),
        (
            vec![
                "surface", "--data", &data, "--x", "a,b,c", "--vary", "w.a,w.a",
            ],
            "`w.a` is varied twice",
        ),
        (
            vec![
                "sweep", "--data", &data, "--x", "a,b,c", "--vary", "w.a", "--bias", "1",
            ],
            "--bias is not used here",
        ),
    ] {
        let out = explore(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

/// An MLP regresses too (`train --model mlp` under MSE), step for step as PyTorch trains the
/// same network from the same start. The start is the one `--seed 3` draws, saved by
/// `--epochs 0 --save init.safetensors` and loaded by PyTorch 2.15:
///
/// ```python
/// m = nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1)).double()
/// m.load_state_dict(safetensors.torch.load_file("init.safetensors"))
/// opt = torch.optim.Adam(m.parameters(), lr=0.05)   # 10 epochs of nn.MSELoss, full batch
/// ```
#[test]
fn an_mlp_regresses_as_pytorch_does() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "tiny.csv",
        "x,y\n-3.0,-0.14\n-2.1,-0.86\n-1.2,-0.93\n-0.4,-0.39\n0.3,0.30\n1.1,0.89\n1.9,0.95\n\
         2.8,0.33\n",
    );
    let (header, rows) = rows(&[
        "train",
        "--data",
        &data,
        "--model",
        "mlp",
        "--hidden",
        "4",
        "--seed",
        "3",
        "--optimizer",
        "adam",
        "--lr",
        "0.05",
        "--epochs",
        "10",
    ]);
    assert_eq!(header, ["epoch", "loss", "lr"]);
    for (epoch, want) in [
        (0, 0.8549844782819963),
        (1, 0.5916781122055215),
        (10, 0.15334998183625),
    ] {
        assert!(
            close(rows[epoch][1], want),
            "epoch {epoch}: {}",
            rows[epoch][1]
        );
    }
}

/// A saved model names its features: read back with `--x` in another order, each weight goes
/// to its feature; `landscape --save` writes what `train --init-from` reads (PyTorch's names),
/// and `landscape --init-from --epochs 0` draws around it.
#[test]
fn saved_models_follow_their_features_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "plane.csv", PLANE);
    let saved = dir.path().join("abc.safetensors");
    let saved = saved.to_str().unwrap();
    let (_, trained) = rows(&[
        "train", "--data", &data, "--x", "a,b,c", "--epochs", "30", "--save", saved,
    ]);
    let (header, again) = rows(&[
        "train",
        "--data",
        &data,
        "--x",
        "c,A,b",
        "--epochs",
        "0",
        "--init-from",
        saved,
    ]);
    assert_eq!(header, ["epoch", "w.c", "w.a", "w.b", "bias", "loss", "lr"]);
    let (w, end) = (&again[0], &trained[30]);
    assert_eq!((w[1], w[2], w[3], w[4]), (end[3], end[1], end[2], end[4]));
    assert!(close(w[5], end[5]), "{} vs {}", w[5], end[5]);

    let circles = dir.path().join("circles.csv");
    let circles = circles.to_str().unwrap();
    ok(&[
        "gen", "--kind", "circles", "--n", "60", "--seed", "5", "--out", circles,
    ]);
    let net = dir.path().join("land.safetensors");
    let net = net.to_str().unwrap();
    let base = [
        "--data",
        circles,
        "--x",
        "x1,x2",
        "--model",
        "mlp",
        "--hidden",
        "6",
        "--loss",
        "bce-logits",
        "--dtype",
        "f64",
    ];
    let json = ok(&[
        &["landscape"][..],
        &base,
        &[
            "--epochs", "20", "--steps", "3", "--save", net, "--format", "json", "--quiet",
        ],
    ]
    .concat());
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let end = doc["trajectory"].as_array().unwrap().last().unwrap()["loss"]
        .as_f64()
        .unwrap();
    let tensors = candle_core::safetensors::load(net, &candle_core::Device::Cpu).unwrap();
    assert_eq!(tensors["0.weight"].dims(), [6, 2]);
    assert_eq!(tensors["2.weight"].dims(), [1, 6]);
    let (_, from) = rows(
        &[
            &["train"][..],
            &base[..10],
            &["--epochs", "0", "--init-from", net],
        ]
        .concat(),
    );
    assert!(close(from[0][1], end), "{} vs {end}", from[0][1]);
    let json = ok(&[
        &["landscape"][..],
        &base[..10],
        &[
            "--epochs",
            "0",
            "--steps",
            "3",
            "--init-from",
            net,
            "--format",
            "json",
            "--quiet",
        ],
    ]
    .concat());
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let start = doc["trajectory"][0]["loss"].as_f64().unwrap();
    assert!((start - end).abs() < 1e-6 * end, "{start} vs {end}");
}

/// What the classifier and slice paths refuse, each with its reason and its exit code: a label
/// that is a missing value, probabilities given to a classifier, a model and a loss that do
/// not go together in `landscape`, `--vary` under a classification loss, flags a landscape on
/// several features does not use.
#[test]
fn labels_and_losses_that_do_not_fit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let nan = write(dir.path(), "nan.csv", "a,b,label\n1,2,0\n2,1,NaN\n0,0,1\n");
    let soft = write(
        dir.path(),
        "soft.csv",
        "a,b,p\n1,2,0\n2,1,0.25\n0,0,1\n3,1,0.5\n",
    );
    let plane = write(dir.path(), "plane.csv", PLANE);
    for (args, code, needle) in [
        (
            vec!["train", "--data", &nan, "--x", "a,b", "--model", "softmax"],
            1,
            ":3:3: the label (column label) is NaN, a missing value, not a class",
        ),
        (
            vec![
                "train", "--data", &soft, "--x", "a,b", "--y", "p", "--model", "logistic",
            ],
            1,
            "the labels hold 4 values in [0, 1]: a classifier reads two classes",
        ),
        (
            vec![
                "landscape",
                "--data",
                &nan,
                "--x",
                "a,b",
                "--model",
                "softmax",
                "--loss",
                "bce-logits",
            ],
            2,
            "--model softmax has an output a class",
        ),
        (
            vec![
                "surface",
                "--data",
                &plane,
                "--x",
                "a,b,c",
                "--vary",
                "w.a,bias",
                "--loss",
                "bce-logits",
            ],
            2,
            "--vary cuts a regression loss through the least-squares plane",
        ),
        (
            vec![
                "landscape",
                "--data",
                &plane,
                "--x",
                "a,b,c",
                "--model",
                "linear",
                "--directions",
                "pca",
                "--keep-1d",
            ],
            2,
            "--keep-1d is not used here",
        ),
        (
            vec![
                "landscape",
                "--data",
                &plane,
                "--x",
                "a,b,c",
                "--model",
                "linear",
                "--angle",
                "10,10",
            ],
            2,
            "--angle is not used here",
        ),
    ] {
        let out = explore(&args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}
