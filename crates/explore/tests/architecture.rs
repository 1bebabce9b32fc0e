//! The layering the library keeps: computation never reaches up into presentation, and no
//! message of the library names a flag (the binary words remedies as flags).

use std::path::{Path, PathBuf};

use explore::{Error, Remedy};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The lines of `path` that are code, not comments.
fn code(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

#[test]
fn computation_imports_no_presentation() {
    let computation = [
        "sweep.rs",
        "grid.rs",
        "objective.rs",
        "compare.rs",
        "number.rs",
        "thin.rs",
        "io.rs",
        "device.rs",
        "train",
        "landscape",
        "optim",
        "data",
    ];
    let mut files = Vec::new();
    for place in computation {
        let path = src().join(place);
        if path.is_dir() {
            files.extend(sources(&path));
        } else {
            files.push(path);
        }
    }
    assert!(files.len() > 30, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        // A path to either (`crate::plot`, `super::super::report`), or a `use crate::{…}` group
        // that names either, however it is spread over lines.
        let text: String = code(file)
            .into_iter()
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("use crate::{") {
            let group = &rest[at..rest[at..].find('}').map_or(rest.len(), |end| at + end)];
            let named = group
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| w == "plot" || w == "report");
            if named {
                found.push(format!("{}: {}", file.display(), group.replace('\n', " ")));
            }
            rest = &rest[at + 1..];
        }
        for (n, line) in code(file) {
            let reaches = [
                "crate::plot",
                "crate::report",
                "super::plot",
                "super::report",
            ]
            .iter()
            .any(|p| line.contains(p));
            if reaches {
                found.push(format!("{}:{n}: {}", file.display(), line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "computation reaching into presentation:\n{found:#?}"
    );
}

#[test]
fn no_library_message_names_a_flag() {
    let mut found = Vec::new();
    for file in sources(&src()) {
        let name = file.to_string_lossy();
        // The binary and the command-line helpers word flags; that is their job.
        if name.contains("/bin/") || name.ends_with("/cli.rs") {
            continue;
        }
        for (n, line) in code(&file) {
            // A flag inside a string, on the string's first line or a continued one. Cargo's
            // own flags (`--features cuda`, in the device's message) are not explore's.
            let flag = line.match_indices("--").any(|(i, _)| {
                line[i + 2..].starts_with(|c: char| c.is_ascii_lowercase())
                    && !line[i..].starts_with("--features")
                    && !line[i..].starts_with("--release")
            });
            if flag {
                found.push(format!("{}:{n}: {}", file.display(), line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "library text naming a flag:\n{found:#?}");
}

/// Every remedy, each said in words by the library and as its flags by the command line.
#[test]
fn remedies_are_words_in_the_library_and_flags_on_the_command_line() {
    let all = [
        (Remedy::RescaleOrStandardize, "--standardize"),
        (Remedy::F64, "--dtype f64"),
        (Remedy::SmallerStepsOrLargerBatches, "--lr"),
        (Remedy::LaneRateOrLargerBatches, "--optimizers (NAME=LR)"),
        (Remedy::NameColumns, "--x NAME --y NAME"),
        (Remedy::SavedModel, "--model, --hidden and --activation"),
        (Remedy::RandomOrPca, "--directions random or pca"),
        (Remedy::AxesOrPcaOrKeep1d, "--keep-1d"),
        (Remedy::PcaOrKeep1d, "--directions pca"),
        (Remedy::TwoEpochs, "--epochs 2"),
        (Remedy::SmallerHidden, "--hidden"),
        (Remedy::SmallerGrid, "--weights or --biases"),
        (Remedy::Classify, "--loss bce-logits or cross-entropy"),
    ];
    // Every remedy is one the library gives somewhere (lib.rs defines them, cli.rs words them).
    let mut given = String::new();
    for file in sources(&src()) {
        let name = file.to_string_lossy();
        if !name.ends_with("/lib.rs") && !name.ends_with("/cli.rs") {
            given.push_str(&std::fs::read_to_string(&file).unwrap());
        }
    }
    for (remedy, flags) in all {
        assert!(
            given.contains(&format!("Remedy::{remedy:?}")),
            "{remedy:?} is never given"
        );
        let words = remedy.to_string();
        assert!(!words.contains("--"), "{remedy:?}: {words}");
        assert!(
            explore::cli::remedy(remedy).contains(flags),
            "{remedy:?}: {}",
            explore::cli::remedy(remedy)
        );
    }
}

#[test]
fn a_grid_too_large_is_a_typed_usage_error_the_binary_words_as_flags() {
    let e = explore::grid::check_grid_size(10_000, 10_000).unwrap_err();
    assert!(e.is_usage());
    assert!(matches!(
        &e,
        Error::Mend { error, remedy: Remedy::SmallerGrid }
            if matches!(**error, Error::GridTooLarge { weights: 10_000, biases: 10_000 })
    ));
    assert_eq!(
        e.to_string(),
        "10000 weights × 10000 biases = 100000000 grid points is too many: at most 10000000; \
         use fewer weights or biases"
    );
    assert_eq!(
        explore::cli::explain(&anyhow::Error::from(e).context("surface")),
        "surface: 10000 weights × 10000 biases = 100000000 grid points is too many: at most \
         10000000; give fewer --weights or --biases"
    );
    assert!(explore::grid::check_grid_size(10_000, 1_000).is_ok());
}

/// Results are plain data: the lesson's sweep as JSON, with no renderer involved.
#[test]
fn a_sweep_is_plain_data() {
    use candle_core::{DType, Device};
    let data = explore::data::Dataset::from_points(&[(-3.0, 3.0)]);
    let sweep = explore::sweep::Sweep::run(
        &data,
        Some(vec![-2.0, -1.0, 0.0]),
        0.0,
        explore::sweep::Method::Direct,
        &loss::AnyLoss::default(),
        DType::F32,
        &Device::Cpu,
        &|_, _| {},
    )
    .unwrap();
    let json = serde_json::to_value(&sweep).unwrap();
    // (3 + 3A)² at A = -2, -1, 0.
    assert_eq!(json["losses"], serde_json::json!([9.0, 0.0, 9.0]));
    assert_eq!(json["weights"], serde_json::json!([-2.0, -1.0, 0.0]));
    assert_eq!(json["method"], "direct");
    assert_eq!(json["dtype"], "f32");
    assert_eq!(
        json["loss"],
        serde_json::json!({"name": "mse", "label": "MSE", "torch": "nn.MSELoss"})
    );
    assert_eq!(
        json["optimum"],
        serde_json::json!({"weight": -1.0, "bias": 0.0, "loss": 0.0})
    );
    assert_eq!(json["source"], "point (-3, 3) (1 point)");
    assert!(json.get("moments").is_none());
    // Where there is no exact optimum, the JSON says why in its place.
    let data = explore::data::Dataset::from_points(&[(-3.0, 3.0), (1.0, 2.0), (2.0, -1.0)]);
    let huber = loss::LossName::Huber
        .with(&loss::Params::default())
        .unwrap();
    let surface = explore::sweep::Surface::run(
        &data,
        Some(vec![-1.0, 0.0]),
        Some(vec![0.0, 1.0]),
        explore::sweep::Method::Direct,
        &huber,
        DType::F64,
        &Device::Cpu,
        &|_, _| {},
    )
    .unwrap();
    let json = serde_json::to_value(&surface).unwrap();
    assert_eq!(
        json["optimum"],
        "no closed form for Huber (δ = 1) with a learnt bias"
    );
    assert_eq!(json["losses"].as_array().unwrap().len(), 4);
}
