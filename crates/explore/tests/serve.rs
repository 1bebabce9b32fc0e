//! The playground's server, driven as the page drives it: `explore serve --port 0` on loopback
//! (it stops by itself after two minutes, and when the test ends), each control through
//! `/api/view`, the numbers against the `explore` command the page exports, every refusal with
//! its status and one line, the token and the `Host` and `Origin` rules.

mod common;

use common::server::start;
use common::{explore, parse_csv, root};
use serde_json::{json, Value};

/// The scene's last row `[epoch, weight, bias, loss]`.
fn last(scene: &Value) -> [f64; 4] {
    let row = scene["last"].as_array().unwrap();
    [0, 1, 2, 3].map(|i| row[i].as_f64().unwrap())
}

#[test]
fn the_page_is_served_whole_and_offline() {
    let server = start(&[]);
    let page = server.request("GET", "/", &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<title>slope playground</title>"));
    // The chart library and the script are in the page: nothing is fetched from elsewhere.
    assert!(page
        .body
        .contains("/* plotly.js v4.1.1 (MIT), trimmed for slope"));
    assert!(page.body.contains("fetch(\"/api/view/stream\""));
    assert!(!page.body.contains("<script src") && !page.body.contains("<link"));
    assert!(server
        .request("GET", "/nowhere", &[], b"")
        .refused(404)
        .contains("the playground is at /"));
    let info = server.request("GET", "/api/info", &[], b"").json();
    assert_eq!(info["optimizers"].as_array().unwrap().len(), 7);
    // Every loss offered is one a view takes (bce is refused: the classifiers give logits).
    assert_eq!(
        info["losses"],
        json!([
            "mse",
            "l1",
            "huber",
            "smooth-l1",
            "bce-logits",
            "cross-entropy"
        ])
    );
    assert_eq!(info["view"]["data"], "lesson");
    assert!(info["file"].is_null());
}

#[test]
fn the_lesson_descends_to_minus_one() {
    let server = start(&[]);
    let scene = server.line(&json!({})).json();
    // One point (-3, 3), the bias pinned: loss (3 + 3A)², curvature 2·9 = 18, so SGD's
    // default rate is 1/(2·18) = 0.0278 and each step halves the distance to A = -1.
    assert_eq!(scene["lr"].as_f64(), Some(0.0278));
    assert_eq!(scene["page"]["kind"], "curve");
    let [epoch, weight, bias, loss] = last(&scene);
    assert_eq!((epoch, bias), (100.0, 0.0));
    assert!(
        (weight + 1.0).abs() < 1e-5 && loss < 1e-9,
        "{weight} {loss}"
    );
    let track = &scene["page"]["tracks"][0];
    // A(1) = 0 − 0.0278·2·3·(3 + 0) = −0.5004: the first step, to f32's precision.
    assert!((track["x"][1].as_f64().unwrap() + 0.5004).abs() < 1e-6);
    let curve_min = scene["page"]["curve_loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(curve_min, 0.0, "the curve's grid holds A = -1");
    assert_eq!(
        scene["command"],
        "explore train --point -3,3 --lr 0.0278 --epochs 100 --no-bias --plot run.html"
    );
}

#[test]
fn a_view_gives_the_numbers_of_the_command_it_exports() {
    let server = start(&["--data", "data/linear.csv"]);
    let views = [
        json!({"data": "file", "optimizer": "adam", "lr": 0.3, "epochs": 40, "weight": -1.5, "bias": 4}),
        json!({"data": "gen", "gen": {"n": 300, "noise": 5, "seed": 7, "outliers": 0.1},
               "optimizer": "momentum", "momentum": 0.8, "loss": "huber", "delta": 2,
               "batch_size": 32, "seed": 3, "epochs": 15, "schedule": "step", "step_size": 5,
               "gamma": 0.5}),
        json!({"data": "file", "optimizer": "sgd", "standardize": true, "epochs": 30,
               "schedule": "cosine", "warmup": 3}),
        // The multistep and plateau schedules (plateau on the validation loss).
        json!({"data": "file", "schedule": "multistep", "milestones": [5, 12], "gamma": 0.5,
               "epochs": 20, "lr": 0.003}),
        json!({"data": "file", "optimizer": "adam", "lr": 0.5, "schedule": "plateau",
               "factor": 0.5, "patience": 2, "epochs": 30, "val_split": 0.2}),
        // A third of the points held out: the validation loss per epoch, as --val-split.
        json!({"data": "file", "optimizer": "adam", "lr": 0.5, "epochs": 25, "val_split": 0.3,
               "seed": 5}),
    ];
    for (k, view) in views.iter().enumerate() {
        let scene = server.line(view).json();
        let command = scene["command"].as_str().unwrap().to_string();
        // Run what the page exports (from the workspace, as the server runs), in a scratch
        // directory for the generated file, saving the
        // parameters (and, once, the run as a GIF: slow in a debug build) as the page does.
        let dir = tempfile::tempdir().unwrap();
        let saved = dir.path().join("line.safetensors");
        let gif = (k == 0).then(|| dir.path().join("run.gif"));
        let mut csv = String::new();
        for part in command.split(" && ") {
            let mut args: Vec<String> = part
                .split(' ')
                .skip(1)
                .map(|a| match a {
                    "gen.csv" | "run.html" => dir.path().join(a).display().to_string(),
                    _ => a.to_string(),
                })
                .collect();
            if args[0] == "train" {
                args.extend(["--format", "csv", "--quiet"].map(String::from));
                args.extend(["--save".into(), saved.display().to_string()]);
                if let Some(gif) = &gif {
                    args.extend(["--animate".into(), gif.display().to_string()]);
                }
            }
            let out = explore(&args.iter().map(String::as_str).collect::<Vec<_>>());
            assert!(out.status.success(), "{part}: {}", common::stderr(&out));
            csv = common::stdout(&out);
        }
        let (header, rows) = parse_csv(&csv);
        let row = rows.last().unwrap();
        let got = last(&scene);
        if let Some(at) = header.iter().position(|h| h == "val_loss") {
            let history = scene["page"]["history"].as_array().unwrap();
            let val = history
                .iter()
                .find(|h| h["label"] == "validation loss")
                .unwrap();
            let shown = val["loss"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .as_f64()
                .unwrap();
            assert!(
                (shown - row[at]).abs() <= 1e-5 * row[at],
                "{shown} vs {}",
                row[at]
            );
        }
        for (k, name) in ["epoch", "weight", "bias", "loss"].iter().enumerate() {
            assert!(
                (got[k] - row[k]).abs() <= 1e-6 * row[k].abs().max(1.0),
                "{command}: {name} {} vs the command's {}",
                got[k],
                row[k]
            );
        }
        assert!(std::path::Path::new(&dir.path().join("run.html")).exists());
        // The page's downloads are the files the command writes, byte for byte.
        let params = server.post("/api/view/params", view);
        assert_eq!(params.status, 200, "{}", params.body);
        assert!(params
            .headers
            .contains("content-disposition: attachment; filename=\"line.safetensors\""));
        assert_eq!(params.bytes, std::fs::read(&saved).unwrap(), "{command}");
        if let Some(gif) = &gif {
            let run = server.post("/api/view/gif", view);
            assert_eq!(run.status, 200, "{}", run.body);
            assert!(run.headers.contains("content-type: image/gif"));
            assert!(run.bytes.starts_with(b"GIF89a"));
            assert_eq!(run.bytes, std::fs::read(gif).unwrap(), "{command}");
        }
    }
    // A run that diverged has nothing worth saving: refused as the command refuses it.
    let diverged = json!({"data": "file", "lr": 5, "epochs": 40});
    let msg = server.post("/api/view/params", &diverged).refused(400);
    assert!(msg.contains("learning rate 5 is too large"), "{msg}");
}

#[test]
fn an_mlp_view_is_the_landscape_its_command_draws() {
    let server = start(&["--data", "data/sine.csv"]);
    let view = json!({"model": "mlp", "data": "file", "hidden": [8, 8], "activation": "relu",
                      "optimizer": "adam", "lr": 0.02, "epochs": 150, "grid": 21, "seed": 3,
                      "schedule": "cosine", "val_split": 0.25});
    let scene = server.line(&view).json();
    let command = scene["command"].as_str().unwrap();
    assert_eq!(
        command,
        "explore landscape --data data/sine.csv --hidden 8,8 --activation relu --optimizer adam \
         --lr 0.02 --val-split 0.25 --epochs 150 --steps 21 --seed 3 --schedule cosine --plot \
         run.html"
    );
    let dir = tempfile::tempdir().unwrap();
    let (page, saved) = (
        dir.path().join("run.html"),
        dir.path().join("mlp.safetensors"),
    );
    let mut args: Vec<String> = command.split(' ').skip(1).map(String::from).collect();
    *args.last_mut().unwrap() = page.display().to_string();
    args.extend([
        "--quiet".into(),
        "--save".into(),
        saved.display().to_string(),
    ]);
    common::ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let html = std::fs::read_to_string(&page).unwrap();
    let cli = common::page_data(&html);
    // The same training, plane and path as the command's page (both written at f32 precision).
    for key in ["xs", "zs", "losses", "tracks"] {
        assert_eq!(scene["page"][key], cli[key], "{key}");
    }
    // The loss per recorded epoch on the 150 training points and the 50 held out.
    let history = &scene["page"]["history"];
    assert_eq!(history, &cli["history"]);
    assert_eq!(history[1]["label"], "validation loss");
    assert_eq!(scene["points"], 150);
    let held = history[1]["loss"].as_array().unwrap();
    let held = held.last().unwrap().as_f64().unwrap();
    assert!(held < 0.1, "the held-out sine is fitted too: {held}");
    let end = last(&scene);
    assert_eq!(end[0], 150.0);
    assert!(
        end[3] < 0.05,
        "a 8-8 ReLU MLP fits the sine: loss {}",
        end[3]
    );
    // The trained network's curve over the data follows the sine it was trained on.
    let fit = &scene["fit"];
    let (xs, ys) = (fit[0].as_array().unwrap(), fit[1].as_array().unwrap());
    assert_eq!(xs.len(), 200);
    for (x, y) in xs.iter().zip(ys) {
        let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
        assert!((y - x.sin()).abs() < 0.4, "the fit at x = {x}: {y}");
    }
    // The download is the command's --save, byte for byte.
    let params = server.post("/api/view/params", &view);
    assert_eq!(params.status, 200, "{}", params.body);
    assert!(params.headers.contains("filename=\"mlp.safetensors\""));
    assert_eq!(params.bytes, std::fs::read(&saved).unwrap());

    // A view of no epochs trains nothing: its command says no optimizer (the landscape refuses
    // one then), and a tiny share is written short; the command runs as exported.
    let view = json!({"model": "mlp", "data": "gen", "gen": {"kind": "sine", "n": 30},
                      "epochs": 0, "grid": 11, "val_split": 1e-300, "optimizer": "momentum"});
    let scene = server.line(&view).json();
    let command = scene["command"].as_str().unwrap();
    assert!(
        command.ends_with(
            "explore landscape --data gen.csv --hidden 16,16 --activation tanh --val-split \
             1e-300 --epochs 0 --steps 11 --plot run.html"
        ),
        "{command}"
    );
    for part in command.split(" && ") {
        let mut args: Vec<&str> = part.split(' ').skip(1).collect();
        if args[0] == "landscape" {
            *args.last_mut().unwrap() = "run.html";
        }
        let out = common::explore_in(dir.path(), &args);
        assert!(out.status.success(), "{part}: {}", common::stderr(&out));
    }
}

#[test]
fn a_classifier_view_gives_the_numbers_of_its_command() {
    let server = start(&[]);
    let views = [
        // An MLP on moons, a quarter held out for validation.
        json!({"model": "mlp", "data": "gen", "gen": {"kind": "moons", "n": 120, "noise": 0.1},
               "loss": "bce-logits", "optimizer": "adam", "lr": 0.02, "hidden": [8],
               "epochs": 60, "val_split": 0.25, "grid": 11}),
        // Softmax regression on three blobs, in mini-batches, standardized, from a start.
        json!({"data": "gen", "gen": {"kind": "blobs", "n": 90, "seed": 4},
               "loss": "cross-entropy", "batch_size": 16, "standardize": true, "epochs": 20,
               "weight": 0.5, "bias": -0.5, "seed": 9, "schedule": "step", "step_size": 5,
               "grid": 11}),
    ];
    for view in &views {
        let scene = server.line(view).json();
        let command = scene["command"].as_str().unwrap().to_string();
        let dir = tempfile::tempdir().unwrap();
        let saved = dir.path().join("classifier.safetensors");
        // The first one's run as a GIF too (slow in a debug build): titled as the command's.
        let gif = std::ptr::eq(view, &views[0]).then(|| dir.path().join("run.gif"));
        // Run from the scratch directory, where the command's gen.csv is (and is so named).
        let mut csv = String::new();
        for part in command.split(" && ") {
            let mut args: Vec<String> = part.split(' ').skip(1).map(String::from).collect();
            if args[0] == "train" {
                args.extend(["--format", "csv", "--quiet", "--save"].map(String::from));
                args.push(saved.display().to_string());
                if let Some(gif) = &gif {
                    args.extend(["--animate".into(), gif.display().to_string()]);
                }
            }
            let out = common::explore_in(
                dir.path(),
                &args.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            assert!(out.status.success(), "{part}: {}", common::stderr(&out));
            csv = common::stdout(&out);
        }
        // The last row: epoch, accuracy, validation accuracy, loss; the command's has
        // `epoch, [parameters,] loss, accuracy, lr[, val_loss, val_accuracy]`.
        let (header, rows) = parse_csv(&csv);
        let row = rows.last().unwrap();
        let col = |name: &str| row[header.iter().position(|h| h == name).unwrap()];
        let got = &scene["last"];
        assert_eq!(got[0].as_f64(), Some(col("epoch")), "{command}");
        assert_eq!(got[1].as_f64(), Some(col("accuracy")), "{command}");
        let loss = got[3].as_f64().unwrap();
        assert!(
            (loss - col("loss")).abs() <= 1e-6 * col("loss").max(1.0),
            "{command}: {loss}"
        );
        let page = &scene["classes"];
        let epochs = page["epoch"].as_array().unwrap().len();
        assert_eq!(epochs, rows.len(), "a point of the curves an epoch");
        if header.iter().any(|h| h == "val_loss") {
            assert_eq!(got[2].as_f64(), Some(col("val_accuracy")), "{command}");
            assert_eq!(page["val_losses"].as_array().unwrap().len(), epochs);
        } else {
            assert!(got[2].is_null() && page["val_losses"].as_array().unwrap().is_empty());
        }
        assert!(page["frames"].as_array().unwrap().len() >= 10);
        assert!(page["frames"][0]["image"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png"));
        // The landscape plane is the classifier's, with its path.
        assert_eq!(scene["page"]["xs"].as_array().unwrap().len(), 11);
        assert!(!scene["page"]["tracks"][0]["x"]
            .as_array()
            .unwrap()
            .is_empty());
        let params = server.post("/api/view/params", view);
        assert_eq!(params.status, 200, "{}", params.body);
        assert!(params
            .headers
            .contains("filename=\"classifier.safetensors\""));
        assert_eq!(params.bytes, std::fs::read(&saved).unwrap(), "{command}");
        if let Some(gif) = &gif {
            let run = server.post("/api/view/gif", view);
            assert_eq!(run.status, 200, "{}", run.body);
            assert_eq!(run.bytes, std::fs::read(gif).unwrap(), "{command}");
        }
    }
    // A classifier's loss on classes, a regression's on points.
    let msg = server
        .line(&json!({"data": "gen", "gen": {"kind": "moons"}}))
        .refused(400);
    assert!(msg.contains("mse is a regression loss"), "{msg}");
    let msg = server
        .line(&json!({"data": "gen", "gen": {"kind": "blobs"}, "loss": "bce-logits"}))
        .refused(400);
    assert!(
        msg.contains("tells two classes apart, and the data has 3"),
        "{msg}"
    );
}

#[test]
fn a_labelled_file_or_upload_is_a_classifier_s() {
    // Started on a labelled file of three blobs: its classes, and the command names its
    // columns.
    let dir = tempfile::tempdir().unwrap();
    let blobs = dir.path().join("blobs.csv").display().to_string();
    common::ok(&[
        "gen", "--kind", "blobs", "--n", "150", "--seed", "2", "--out", &blobs,
    ]);
    let server = start(&["--data", &blobs, "--x", "x1,x2", "--y", "label"]);
    let info = server.request("GET", "/api/info", &[], b"").json();
    assert_eq!(info["file"]["classes"], 3);
    let view = json!({"data": "file", "loss": "cross-entropy", "epochs": 30, "grid": 11});
    let scene = server.line(&view).json();
    let command = scene["command"].as_str().unwrap();
    assert!(
        command.starts_with(&format!(
            "explore train --data {blobs} --x x1,x2 --y label --lr "
        )),
        "{command}"
    );
    let mut args: Vec<&str> = command.split(' ').skip(1).collect();
    args.pop();
    args.pop();
    args.extend(["--format", "csv", "--quiet"]);
    let (header, rows) = parse_csv(&common::ok(&args));
    let row = rows.last().unwrap();
    let at = |name: &str| row[header.iter().position(|h| h == name).unwrap()];
    assert_eq!(scene["last"][1].as_f64(), Some(at("accuracy")));
    let loss = scene["last"][3].as_f64().unwrap();
    assert!((loss - at("loss")).abs() <= 1e-6 * at("loss").max(1.0));
    assert_eq!(scene["classes"]["classes"].as_array().unwrap().len(), 3);
    // Its points take a classifier's loss only.
    let msg = server.line(&json!({"data": "file"})).refused(400);
    assert!(msg.contains("mse is a regression loss"), "{msg}");
    // An upload naming two columns of x is labelled too, and trains the same.
    let csv = std::fs::read(&blobs).unwrap();
    let reply = upload(&server, "mine.csv", "&x=x1,x2&y=label", &csv).json();
    assert_eq!(
        (reply["classes"].as_u64(), reply["points"].as_u64()),
        (Some(3), Some(150))
    );
    let uploaded = json!({"data": "upload", "upload": reply["id"], "loss": "cross-entropy",
                          "epochs": 30, "grid": 11});
    let same = server.line(&uploaded).json();
    assert_eq!(same["last"], scene["last"]);
    assert!(same["command"]
        .as_str()
        .unwrap()
        .starts_with("explore train --data mine.csv --x x1,x2 --y label"));
    // Three features are not drawn; a missing column is named.
    let three = b"a,b,c,label\n1,2,3,0\n4,5,6,1\n";
    let msg = upload(&server, "three.csv", "&x=a,b,c&y=label", three).refused(400);
    assert!(msg.contains("over two features, and 3 are named"), "{msg}");
    let msg = upload(&server, "mine.csv", "&x=x1,x9&y=label", &csv).refused(400);
    assert!(msg.contains("mine.csv") && msg.contains("x9"), "{msg}");
    assert!(!msg.contains("slope-upload"), "{msg}");
}

#[test]
fn every_control_changes_the_run() {
    let server = start(&["--data", "data/linear.csv"]);
    let base = json!({"data": "file", "epochs": 20});
    let scene = |change: Value| {
        let mut view = base.clone();
        for (k, v) in change.as_object().unwrap() {
            view[k] = v.clone();
        }
        let reply = server.line(&view);
        assert_eq!(reply.status, 200, "{change}: {}", reply.body);
        reply.json()
    };
    let plain = scene(json!({}));
    for change in [
        json!({"optimizer": "nesterov"}),
        json!({"lr": 0.001}),
        json!({"optimizer": "momentum", "momentum": 0.5}),
        json!({"optimizer": "adam", "lr": 0.1, "beta1": 0.5}),
        json!({"optimizer": "adamw", "lr": 0.1, "weight_decay": 0.5}),
        json!({"loss": "l1"}),
        json!({"loss": "huber", "delta": 0.5}),
        json!({"loss": "smooth-l1", "beta": 2}),
        json!({"batch_size": 10}),
        json!({"batch_size": 10, "shuffle": false}),
        json!({"epochs": 5}),
        json!({"weight": 3, "bias": -2}),
        json!({"pin_bias": true}),
        json!({"standardize": true}),
        json!({"schedule": "exponential", "gamma": 0.8}),
        json!({"schedule": "onecycle"}),
        json!({"schedule": "linear", "warmup": 2}),
    ] {
        let changed = scene(change.clone());
        assert_ne!(last(&changed), last(&plain), "{change} changed nothing");
    }
    // The grid: its size and extent, as asked.
    let grid = scene(json!({"grid": 31, "extent": [-1, 3, -5, 5]}));
    let xs = grid["page"]["xs"].as_array().unwrap();
    assert_eq!(xs.len(), 31);
    assert_eq!((xs[0].as_f64(), xs[30].as_f64()), (Some(-1.0), Some(3.0)));
    assert_eq!(grid["extent"], json!([-1, 3, -5, 5]));
    assert_eq!(
        last(&grid),
        last(&plain),
        "the view does not change the run"
    );
}

#[test]
fn bad_views_get_a_400_with_one_line() {
    let server = start(&[]);
    for (view, says) in [
        (json!({"lr": -1}), "the learning rate must be more than 0"),
        (json!({"lr": 0}), "the learning rate must be more than 0"),
        (
            json!({"epochs": 1_000_000}),
            "the epochs must be at most 10000",
        ),
        (json!({"epochs": -5}), "epochs"),
        (
            json!({"grid": 5}),
            "the grid must have 11 to 101 points a side",
        ),
        (json!({"grid": 100000}), "the grid must have 11 to 101"),
        (json!({"momentum": 1.5}), "the momentum must be below 1"),
        (json!({"beta2": 1}), "β2 must be in [0, 1)"),
        (
            json!({"optimizer": "lbfgs"}),
            "no optimizer `lbfgs`: one of sgd",
        ),
        (json!({"loss": "bce-logits"}), "a classifier's loss"),
        (json!({"loss": "huber", "delta": -1}), "delta"),
        (json!({"schedule": "multistep"}), "needs its milestones"),
        (
            json!({"schedule": "multistep", "milestones": [5, 3]}),
            "the milestone 3 does not come after 5",
        ),
        (
            json!({"schedule": "plateau", "factor": 1}),
            "the plateau's factor must be between 0 and 1",
        ),
        (
            json!({"schedule": "cosine", "warmup": 500}),
            "shorter than the run",
        ),
        (
            json!({"batch_size": 0}),
            "the batch size must be at least 1",
        ),
        (json!({"weight": 1e300}), "start"),
        (json!({"extent": [1, 0, 0, 1]}), "from low to high"),
        (json!({"data": "file"}), "started without a data file"),
        (
            json!({"data": "gen", "gen": {"n": 0}}),
            "a generated set has 1 to",
        ),
        (
            json!({"data": "gen", "gen": {"n": 10000}, "batch_size": 1, "epochs": 200}),
            "updates: at most 1000000",
        ),
        (json!({"standardize": true}), "cannot be pinned"),
        // From a hostile review: sizes checked before any work, and what the f32 run (and so
        // the exported command) cannot hold.
        (
            json!({"data": "gen", "gen": {"n": 9_007_199_254_740_993_u64}}),
            "a generated set has 1 to 100000",
        ),
        (
            json!({"data": "gen", "gen": {"n": 4_294_967_296_u64}}),
            "a generated set has 1 to 100000",
        ),
        (
            json!({"schedule": "step", "step_size": 0}),
            "at least 1 epoch",
        ),
        (
            json!({"schedule": "cosine", "t_max": 0}),
            "at least 1 epoch",
        ),
        (
            json!({"loss": "huber", "delta": 1e-300}),
            "beyond what f32 holds",
        ),
        (
            json!({"lr": 1e-320}),
            "the learning rate 9.99989e-321 is beyond what f32 holds",
        ),
        (json!({"weight_decay": 1e308}), "the weight decay"),
        (
            json!({"extent": [0, 1e-300, 0, 1e-300]}),
            "not too narrowly",
        ),
        (json!({"extent": [-1e308, 1e308, -1, 1]}), "at most ±1e12"),
        (json!({"loss": "MSE"}), "one of mse, l1, huber, smooth-l1"),
        (
            json!({"optimizer": "x".repeat(60_000)}),
            "no optimizer `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…`",
        ),
        (json!({"colour": "red"}), "unknown field `colour`"),
        // From a second hostile review: settings the command would refuse.
        (
            json!({"loss": "mse", "delta": 2}),
            "δ is huber's setting, and the loss is mse",
        ),
        (
            json!({"data": "gen", "gen": {"kind": "moons", "classes": 3}, "loss": "bce-logits"}),
            "moons have two classes",
        ),
        (
            json!({"data": "gen", "gen": {"kind": "circles"}, "loss": "bce"}),
            "use bce-logits",
        ),
        (
            json!({"data": "gen", "gen": {"kind": "moons"}, "loss": "bce-logits",
                   "pin_bias": true}),
            "a classifier learns its bias",
        ),
        // The MLP's shape, and the line's settings it has not.
        (json!({"model": "cnn"}), "no model `cnn`: line or mlp"),
        (
            json!({"model": "mlp", "hidden": []}),
            "1 to 4 hidden layers",
        ),
        (
            json!({"model": "mlp", "hidden": [8, 0]}),
            "1 to 64 units, got 0",
        ),
        (
            json!({"model": "mlp", "hidden": [1000]}),
            "1 to 64 units, got 1000",
        ),
        (
            json!({"model": "mlp", "activation": "gelu"}),
            "no activation `gelu`",
        ),
        (
            json!({"model": "mlp", "batch_size": 10}),
            "a batch size is the line's",
        ),
        (
            json!({"model": "mlp", "weight": 2}),
            "a start (A, b) is the line's",
        ),
        (
            json!({"model": "mlp", "data": "gen", "gen": {"n": 100000}, "epochs": 10000}),
            "multiply-adds: at most 2e10",
        ),
        (
            json!({"data": "gen", "gen": {"kind": "cubes"}}),
            "no generated set `cubes`",
        ),
        (
            json!({"data": "gen", "gen": {"kind": "blobs", "classes": 1}, "loss": "cross-entropy"}),
            "2 to 10 classes, got 1",
        ),
        (
            json!({"data": "gen", "gen": {"kind": "moons"}, "loss": "bce-logits", "val_split": 1.5}),
            "the validation share must be more than 0 and less than 1",
        ),
        (
            json!({"val_split": 0.2}),
            "1 point cannot be split into training and validation",
        ),
    ] {
        let msg = server.line(&view).refused(400);
        assert!(msg.contains(says), "{view}: {msg}");
    }
    // JSON has no NaN or infinity; a number too large for f64 is refused as such.
    for body in [
        &b"{\"lr\": NaN}"[..],
        b"{\"lr\": 1e999}",
        b"{\"lr\": ",
        b"not json",
    ] {
        let reply = server.request(
            "POST",
            "/api/view",
            &["Content-Type: application/json"],
            body,
        );
        reply.refused(400);
    }
    // A body past the view's limit is refused before it is read whole.
    let big = vec![b' '; 100_000];
    let reply = server.request(
        "POST",
        "/api/view",
        &["Content-Type: application/json"],
        &big,
    );
    assert!(reply.refused(413).contains("a view is at most 65536 bytes"));
    // A remedy is said as the page's controls, not as the command line's flags: a 1-1-1 MLP's
    // two random directions (which leave the biases at zero) are parallel at this seed.
    let msg = server
        .line(
            &json!({"model": "mlp", "hidden": [1], "data": "gen", "gen": {"kind": "sine"},
                      "grid": 11}),
        )
        .refused(400);
    assert!(
        msg.ends_with(
            "parallel or zero (random directions leave biases at zero); try another \
             seed, or hidden layers of 2 units or more"
        ),
        "{msg}"
    );
    assert!(!msg.contains("--"), "{msg}");
}

#[test]
fn a_newer_request_from_the_same_page_supersedes_an_older_one() {
    let server = start(&[]);
    let send = |seq: &str| {
        server.request(
            "POST",
            "/api/view",
            &[
                "Content-Type: application/json",
                "x-slope-client: page-1",
                &format!("x-slope-seq: {seq}"),
            ],
            b"{}",
        )
    };
    assert_eq!(send("2").status, 200);
    let stale = send("1");
    assert!(stale.refused(409).contains("newer request"));
    // A number that is not one leaves the request unordered, not stale.
    assert_eq!(send("abc").status, 200);
    // Another page is not affected.
    let other = server.request(
        "POST",
        "/api/view",
        &[
            "Content-Type: application/json",
            "x-slope-client: page-2",
            "x-slope-seq: 1",
        ],
        b"{}",
    );
    assert_eq!(other.status, 200);
}

/// Whether `a` and `b` agree to f32's precision (the scene is written at it, a tick at f64).
fn close(a: f64, b: &Value) -> bool {
    let b = b.as_f64().unwrap();
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-12)
}

/// The value of a page's series (`epoch` and `key` arrays) at `epoch`, when it has it.
fn at(series: &Value, key: &str, epoch: f64) -> Option<Value> {
    let epochs = series["epoch"].as_array().unwrap();
    let k = epochs.iter().position(|e| e.as_f64() == Some(epoch))?;
    Some(series[key][k].clone())
}

#[test]
fn a_run_streams_its_epochs_then_its_scene() {
    let server = start(&[]);
    let views = [
        // The line, a fifth held out: A, b, the loss and the validation loss an epoch.
        json!({"data": "gen", "gen": {"n": 200}, "epochs": 250, "val_split": 0.2, "lr": 0.001}),
        // An MLP, a fifth held out: its loss and validation loss at its recorded epochs.
        json!({"model": "mlp", "data": "gen", "gen": {"kind": "sine", "n": 100},
               "hidden": [8], "epochs": 300, "grid": 11, "val_split": 0.2}),
        // A classifier: its loss and accuracy, on the training and the validation points.
        json!({"data": "gen", "gen": {"kind": "moons", "n": 80}, "loss": "bce-logits",
               "epochs": 40, "val_split": 0.25, "grid": 11}),
    ];
    for (k, view) in views.iter().enumerate() {
        let lines: Vec<Value> = server.stream(view, &[]).collect();
        let (end, ticks) = lines.split_last().unwrap();
        // The stream ends with the scene /api/view answers, and how long it took.
        let scene = &end["scene"];
        assert!(end["compute_ms"].as_f64().unwrap() > 0.0, "{end}");
        let whole = server.line(view).json();
        assert_eq!(scene, &whole, "view {k}");
        // The points a fifth held out are drawn apart, the line's and the MLP's.
        let held = &scene["held_out"];
        match k {
            0 | 1 => {
                let all = [200, 100][k];
                assert_eq!(held[0].as_array().unwrap().len(), all / 5, "view {k}");
                assert_eq!(scene["points"], all - all / 5, "view {k}");
            }
            _ => assert!(held.is_null(), "{held}"),
        }
        // About 100 epochs, evenly spaced, the start and the last among them.
        let epochs = view["epochs"].as_u64().unwrap();
        let every = (epochs / 100).max(1);
        let want: Vec<u64> = (0..=epochs).filter(|e| e % every == 0).collect();
        let got: Vec<u64> = ticks.iter().map(|t| t["epoch"].as_u64().unwrap()).collect();
        assert_eq!(got, want, "view {k}");
        // Each tick is the scene's own number at its epoch.
        let mut checked = 0;
        for t in ticks {
            let epoch = t["epoch"].as_f64().unwrap();
            let loss = t["loss"].as_f64().unwrap();
            match k {
                0 => {
                    let history = &scene["page"]["history"];
                    let (train, val) = (&history[0], &history[1]);
                    assert_eq!(val["label"], "validation loss");
                    let track = &scene["page"]["tracks"][0];
                    let a = at(track, "x", epoch).unwrap();
                    let b = at(track, "z", epoch).unwrap();
                    assert!(close(t["weight"].as_f64().unwrap(), &a), "{t} {a}");
                    assert!(close(t["bias"].as_f64().unwrap(), &b), "{t} {b}");
                    assert!(close(loss, &at(train, "loss", epoch).unwrap()), "{t}");
                    let v = at(val, "loss", epoch).unwrap();
                    assert!(close(t["val_loss"].as_f64().unwrap(), &v), "{t}");
                    checked += 1;
                }
                1 => {
                    assert!(t.get("weight").is_none(), "{t}");
                    let history = &scene["page"]["history"];
                    let l = at(&history[0], "loss", epoch).unwrap();
                    assert!(close(loss, &l), "{t} {l}");
                    let v = at(&history[1], "loss", epoch).unwrap();
                    assert!(close(t["val_loss"].as_f64().unwrap(), &v), "{t} {v}");
                    checked += 1;
                }
                _ => {
                    let page = &scene["classes"];
                    let i = page["epoch"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .position(|e| e.as_f64() == Some(epoch))
                        .unwrap();
                    for (tick, series) in [
                        ("loss", "losses"),
                        ("accuracy", "accuracy"),
                        ("val_loss", "val_losses"),
                        ("val_accuracy", "val_accuracy"),
                    ] {
                        let v = t[tick].as_f64().unwrap();
                        assert!(close(v, &page[series][i]), "{tick}: {t}");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, ticks.len(), "view {k}");
    }
    // A bad view is refused before any stream, as /api/view refuses it: what fails before the
    // run's first epoch (a cost past the bound, points too few to split) too.
    let msg = server
        .post("/api/view/stream", &json!({"epochs": -1}))
        .refused(400);
    assert!(msg.contains("epochs"), "{msg}");
    let costly = json!({"model": "mlp", "data": "gen", "gen": {"kind": "sine", "n": 2000},
                        "epochs": 100, "hidden": [64, 64]});
    let msg = server.post("/api/view/stream", &costly).refused(400);
    assert!(msg.contains("multiply-adds"), "{msg}");
    let msg = server
        .post(
            "/api/view/stream",
            &json!({"model": "mlp", "val_split": 0.5}),
        )
        .refused(400);
    assert!(msg.contains("1 point cannot be split"), "{msg}");
    // A run that diverges on its way ends its stream with why.
    let view = json!({"model": "mlp", "data": "gen", "gen": {"kind": "sine"}, "lr": 100,
                      "optimizer": "sgd", "grid": 11});
    let end = server.stream(&view, &[]).last().unwrap();
    let why = end["error"].as_str().unwrap();
    assert!(why.contains("learning rate 100 is too large"), "{why}");
    // The stream is live: its first epoch comes while the run trains, and a newer request from
    // the page, sent then, ends it as stale.
    let slow = json!({"model": "mlp", "data": "gen", "gen": {"kind": "sine", "n": 2000},
                      "epochs": 10000, "grid": 11});
    let headers = ["x-slope-client: streamer", "x-slope-seq: 1"];
    let mut stream = server.stream(&slow, &headers);
    let first = stream.next().unwrap();
    assert_eq!(first["epoch"], 0, "{first}");
    let newer = server.request(
        "POST",
        "/api/view",
        &[
            "Content-Type: application/json",
            "x-slope-client: streamer",
            "x-slope-seq: 2",
        ],
        b"{}",
    );
    assert_eq!(newer.status, 200, "{}", newer.body);
    let end = stream.last().unwrap();
    assert!(
        end["stale"].as_str().unwrap().contains("newer request"),
        "{end}"
    );
}

#[test]
fn a_newer_request_stops_the_stale_computation_midway() {
    let server = std::sync::Arc::new(start(&[]));
    // Runs of many seconds: the line, the MLP and the classifier, each stopped by the next
    // request from its page while it trains.
    let slow = [
        json!({"data": "gen", "gen": {"n": 100000}, "loss": "huber", "epochs": 10000,
               "grid": 11}),
        json!({"model": "mlp", "data": "gen", "gen": {"kind": "sine", "n": 2000},
               "epochs": 10000, "grid": 11}),
        json!({"model": "mlp", "data": "gen", "gen": {"kind": "moons", "n": 1900},
               "loss": "bce-logits", "epochs": 10000, "grid": 11}),
    ];
    for (k, view) in slow.into_iter().enumerate() {
        let client = format!("x-slope-client: page-{k}");
        let first = {
            let (server, client) = (server.clone(), client.clone());
            std::thread::spawn(move || {
                let headers = ["Content-Type: application/json", &client, "x-slope-seq: 1"];
                let body = view.to_string();
                let started = std::time::Instant::now();
                let reply = server.request("POST", "/api/view", &headers, body.as_bytes());
                (reply, started.elapsed())
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(500));
        let headers = ["Content-Type: application/json", &client, "x-slope-seq: 2"];
        let newer = server.request("POST", "/api/view", &headers, b"{}");
        assert_eq!(newer.status, 200, "{}", newer.body);
        let (stale, took) = first.join().unwrap();
        assert!(stale.refused(409).contains("newer request"), "view {k}");
        println!("view {k}: stopped after {took:?}");
    }
}

#[test]
fn the_token_is_asked_for_and_the_origin_checked() {
    let server = start(&["--token"]);
    let token = server.token.clone().expect("the URL carries a token");
    assert_eq!(token.len(), 32);
    assert!(server
        .request("GET", "/", &[], b"")
        .refused(401)
        .contains("needs its access token"));
    server.request("GET", "/?token=0123", &[], b"").refused(401);
    let page = server.request("GET", &format!("/?token={token}"), &[], b"");
    assert_eq!(page.status, 200);
    // The page's later requests carry it as a cookie, or as a header.
    assert!(page
        .headers
        .contains(&format!("set-cookie: slope_token={token}")));
    let cookie = format!("Cookie: slope_token={token}");
    assert_eq!(
        server.request("GET", "/api/info", &[&cookie], b"").status,
        200
    );
    assert_eq!(server.line(&json!({})).status, 200);
    let mut wrong = start(&["--token"]);
    wrong.token = Some("f".repeat(32));
    wrong.line(&json!({})).refused(401);

    // Without a token, only loopback names, and only the server's own pages.
    let open = start(&[]);
    let msg = open
        .request("GET", "/api/info", &["Host: evil.example:80"], b"")
        .refused(403);
    assert!(msg.contains("not at evil.example:80"), "{msg}");
    let msg = open
        .request(
            "POST",
            "/api/view",
            &[
                "Origin: http://evil.example",
                "Content-Type: application/json",
            ],
            b"{}",
        )
        .refused(403);
    assert!(msg.contains("http://evil.example"), "{msg}");
    // Host names are case-insensitive.
    let port = open.addr.rsplit_once(':').unwrap().1;
    let upper = format!("Host: LOCALHOST:{port}");
    assert_eq!(open.request("GET", "/api/info", &[&upper], b"").status, 200);
    let same = format!("Origin: http://{}", open.addr);
    assert_eq!(
        open.request(
            "POST",
            "/api/view",
            &[&same, "Content-Type: application/json"],
            b"{}"
        )
        .status,
        200
    );
}

#[test]
fn bad_command_lines_are_refused_before_serving() {
    for (args, says) in [
        (vec!["--no-token"], "--no-token is not used here"),
        (
            vec!["--host", "0.0.0.0", "--token"],
            "--token is not used here",
        ),
        (vec!["--x", "a"], "--x is not used here"),
        (vec!["--max-upload", "0"], "--max-upload"),
        (vec!["--max-upload", "12 parsecs"], "--max-upload"),
        (vec!["--jobs", "0"], "--jobs"),
    ] {
        let out = explore(&[&["serve", "--port", "0"], &args[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = common::stderr(&out);
        assert!(
            err.contains(says) && err.trim().lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    // A port in use is a runtime error that says what to do.
    let server = start(&[]);
    let port = server.addr.rsplit_once(':').unwrap().1;
    let out = explore(&["serve", "--port", port, "--stop-after", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("give another --port, or --port 0"));
}

/// Uploads `bytes` as `name` (query `extra`, e.g. `&x=sqft&y=price`).
fn upload(
    server: &common::server::Server,
    name: &str,
    extra: &str,
    bytes: &[u8],
) -> common::server::Reply {
    server.request(
        "POST",
        &format!("/api/upload?name={name}{extra}"),
        &["Content-Type: application/octet-stream"],
        bytes,
    )
}

#[test]
fn an_upload_of_each_form_is_read_as_data_reads_it() {
    // The five points of tests/files (x = -2, -0.5, 1, 2.5, 4), in every form the CLI reads.
    let server = start(&[]);
    let files = root().join("crates/explore/tests/files");
    let csv = "x,y\n-2,-3.1\n-0.5,-0.4\n1,1.7\n2.5,3.2\n4,6.9\n";
    let uploads: Vec<(&str, &str, Vec<u8>)> = vec![
        ("points.csv", "", csv.as_bytes().to_vec()),
        ("points.tsv", "", csv.replace(',', "\t").into_bytes()),
        (
            "numpy.npy",
            "",
            std::fs::read(files.join("numpy.npy")).unwrap(),
        ),
        (
            "numpy_compressed.npz",
            "&x=sqft&y=price",
            std::fs::read(files.join("numpy_compressed.npz")).unwrap(),
        ),
        (
            "polars_zstd.parquet",
            "",
            std::fs::read(files.join("polars_zstd.parquet")).unwrap(),
        ),
        (
            "pandas_snappy.parquet",
            "&x=sqft&y=price",
            std::fs::read(files.join("pandas_snappy.parquet")).unwrap(),
        ),
    ];
    let mut ends = Vec::new();
    for (name, columns, bytes) in &uploads {
        let reply = upload(&server, name, columns, bytes);
        assert_eq!(reply.status, 200, "{name}: {}", reply.body);
        let info = reply.json();
        assert_eq!(info["points"], 5, "{name}");
        assert_eq!(info["source"], *name);
        let scene = server
            .line(&json!({"data": "upload", "upload": info["id"], "epochs": 20}))
            .json();
        let command = scene["command"].as_str().unwrap();
        assert!(
            command.starts_with(&format!("explore train --data {name}")),
            "{command}"
        );
        if !columns.is_empty() {
            assert!(command.contains("--x sqft --y price"), "{command}");
        }
        ends.push(last(&scene));
    }
    // The same points, the same run, whatever the form.
    assert!(ends.windows(2).all(|w| w[0] == w[1]), "{ends:?}");
}

#[test]
fn bad_uploads_are_refused_with_one_line() {
    let server = start(&["--max-upload", "1KB"]);
    let big = vec![b'1'; 2000];
    let msg = upload(&server, "big.csv", "", &big).refused(413);
    assert!(msg.contains("at most 1 KB"), "{msg}");
    // A bad value is named by the upload's name, line and column: never a path on the server.
    let msg = upload(&server, "mine.csv", "", b"x,y\n1,2\n3,oops\n").refused(400);
    assert!(msg.starts_with("mine.csv:3:"), "{msg}");
    assert!(!msg.contains("slope-upload"), "{msg}");
    let msg = upload(&server, "mine.csv", "&x=size", b"x,y\n1,2\n").refused(400);
    assert!(msg.contains("no `size` column"), "{msg}");
    let msg = upload(&server, "notes.docx", "", b"x,y\n1,2\n").refused(400);
    assert!(
        msg.contains("reads .csv, .tsv, .npy, .npz and .parquet"),
        "{msg}"
    );
    // A long name keeps its extension.
    let long = format!("{}.csv", "a".repeat(5000));
    let reply = upload(&server, &long, "", b"x,y\n1,2\n2,4\n");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.json()["source"].as_str().unwrap().ends_with("….csv"));
    // A name is only a name: a path in it is not followed.
    let reply = upload(&server, "../../etc/passwd.csv", "", b"x,y\n1,2\n2,4\n");
    assert_eq!(reply.json()["source"], "passwd.csv", "{}", reply.body);
    let msg = server
        .request("POST", "/api/upload", &[], b"x,y\n1,2\n")
        .refused(400);
    assert!(msg.contains("?name=FILE.csv"), "{msg}");
    let msg = server
        .line(&json!({"data": "upload", "upload": "nope"}))
        .refused(400);
    assert!(msg.contains("upload the file again"), "{msg}");
}
