//! `explore train` on labelled data: logistic or softmax regression, or an MLP, on feature
//! columns (`--x f1,f2`) and a label column (`--y`), the loss deciding the task: the rows
//! `epoch, w.NAME…, bias, loss, accuracy`, then the confusion matrix.

use std::io::Write;
use std::ops::ControlFlow;

use anyhow::Result;
use candle_core::{DType, Tensor};
use explore::cli::say;
use explore::data::table;
use explore::io::{stdout_error, Stdout};
use explore::number::{count, human};
use explore::optim::Settings;
use explore::report::{Report, Sink};
use explore::train::{fit_classifier, Classifier, Divergence, Labelled};
use loss::{AnyLoss, LossName};
use model::Activation;

use crate::common::{annotate, check_outputs, open_device, split_rows, Common};

/// The model `--model` names.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    /// The line y = A·x + b (one feature), the plane (several), or a linear classifier.
    #[value(alias = "line")]
    Linear,
    /// Logistic regression: a linear layer to one logit, under bce-logits.
    Logistic,
    /// Softmax regression: a linear layer to a logit a class, under cross-entropy.
    Softmax,
    /// A multi-layer perceptron (--hidden, --activation).
    Mlp,
}

/// Whether a run is a classifier's: the model is one, or the loss classifies and the data has
/// several features (or a logit a class). The line under bce-logits on one feature stays the
/// line: its logistic regression, with targets in [0, 1].
pub fn classifies(model: Option<ModelChoice>, loss: LossName, several: bool) -> bool {
    let classifying = matches!(
        loss,
        LossName::BceLogits | LossName::Bce | LossName::CrossEntropy
    );
    matches!(model, Some(ModelChoice::Logistic | ModelChoice::Softmax))
        || (classifying && (several || model.is_some()))
        || matches!(loss, LossName::Bce | LossName::CrossEntropy)
}

/// What the classifier path of `train` needs of the command line.
pub struct Request<'a> {
    pub data: &'a std::path::Path,
    pub features: Vec<String>,
    pub label: String,
    pub delimiter: Option<u8>,
    pub model: Option<ModelChoice>,
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub seed: u64,
    pub loss: AnyLoss,
    pub settings: Settings,
    /// Whether `--lr` was given.
    pub lr_given: bool,
    pub epochs: usize,
    /// Points an update (`None`: full batch), shuffled every epoch from `seed` or in file order.
    pub batch_size: Option<usize>,
    pub shuffle: bool,
    pub init: (f64, f64),
    /// Train on standardized features.
    pub standardize: bool,
    /// Start from the layers in this file.
    pub init_from: Option<&'a std::path::Path>,
    /// Save the trained layers to this file.
    pub save: Option<&'a std::path::Path>,
    /// The schedule and early stopping.
    pub course: explore::train::Course,
    /// `--val-split` and `--val`: the validation points.
    pub val_split: Option<f64>,
    pub val: Option<&'a std::path::Path>,
    /// `--smooth`: the figure's lines smoothed with this weight.
    pub smooth: Option<f64>,
    pub animate: &'a explore::cli::AnimateArgs,
    pub common: &'a Common,
}

impl<'a> Request<'a> {
    /// The files it reads: `--data`, and `--val` when given.
    fn inputs(&self) -> Vec<(&'static str, &'a std::path::Path)> {
        let val = self.val.map(|p| ("--val", p));
        std::iter::once(("--data", self.data)).chain(val).collect()
    }
}

/// What `--x`, `--model` and `--loss` make of a run of `train`, `race` or `landscape`.
pub struct Task {
    pub features: Vec<String>,
    /// `--loss`, or the model's own when it was not given.
    pub loss: LossName,
    /// Whether the labels are classes ([`classifies`]).
    pub classifying: bool,
}

impl Task {
    /// The task of `--x` (checked), `model` and `--loss`'s `loss`.
    pub fn of(x: &str, model: Option<ModelChoice>, loss: LossName) -> Result<Self> {
        let features = features(x);
        check_features(&features)?;
        let loss = match default_loss(model) {
            Some(name) if !explore::cli::given("loss") => name,
            _ => loss,
        };
        let classifying = classifies(model, loss, features.len() > 1);
        Ok(Self {
            features,
            loss,
            classifying,
        })
    }

    /// More than one feature: the plane, an MLP or a classifier, not the line.
    pub fn several(&self) -> bool {
        self.features.len() > 1
    }
}

/// The loss of `model` when `--loss` was not given: logistic's bce-logits, softmax's
/// cross-entropy.
pub fn default_loss(model: Option<ModelChoice>) -> Option<LossName> {
    match model {
        Some(ModelChoice::Logistic) => Some(LossName::BceLogits),
        Some(ModelChoice::Softmax) => Some(LossName::CrossEntropy),
        _ => None,
    }
}

/// Refuses a model and a loss that do not go together.
fn check_model(r: &Request<'_>) -> Result<()> {
    check_pair(r.model, r.loss.which())
}

/// Refuses `--model` and `--loss` that do not go together: logistic regression has one output,
/// softmax one a class.
pub fn check_pair(model: Option<ModelChoice>, which: LossName) -> Result<()> {
    match (model, which) {
        (Some(ModelChoice::Logistic), LossName::CrossEntropy) => {
            return Err(explore::cli::usage(
                "--model logistic has one output, and cross-entropy takes one a class: use \
                 --model softmax, or --loss bce-logits",
            ))
        }
        (Some(ModelChoice::Softmax), LossName::BceLogits | LossName::Bce) => {
            return Err(explore::cli::usage(
                "--model softmax has an output a class, and bce reads one: use --model \
                 logistic, or --loss cross-entropy",
            ))
        }
        _ => {}
    }
    Ok(())
}

/// The classifier the command line asks for: the layers of `--init-from`, an MLP, or a linear
/// layer from `--init-weight` and `--init-bias`.
fn classifier_of(r: &Request<'_>) -> Result<Classifier> {
    let network = loaded(r)?;
    Ok(match (network, r.model) {
        (Some(network), model) => given(r, network, model)?,
        (None, Some(ModelChoice::Mlp)) => Classifier::Mlp {
            hidden: r.hidden.clone(),
            activation: r.activation,
            seed: r.seed,
        },
        (None, _) => Classifier::Linear {
            weight: r.init.0,
            bias: r.init.1,
        },
    })
}

/// A classifier's data and model, read and checked once: what `train` trains and `race` races.
struct Classes {
    table: table::Table,
    data: Labelled,
    /// The validation points, when asked for.
    val: Option<Labelled>,
    outputs: usize,
    /// `logistic regression`, `mlp 2-16-16-1 tanh`, …
    what: String,
    device: candle_core::Device,
}

/// Reads the labelled table of `r`, says its classes, and puts it on the device in the units
/// asked for.
fn classes(r: &Request<'_>, classifier: &Classifier) -> Result<Classes> {
    let mut table = table::read_labelled(r.data, &r.features, &r.label, r.delimiter)?;
    let held = hold_out(r, &mut table, true)?;
    // Targets that are probabilities, not two classes: the line's logistic regression takes
    // them, a classifier does not.
    let binary = matches!(r.loss.which(), LossName::Bce | LossName::BceLogits);
    let probabilities = table
        .classes
        .iter()
        .all(|c| c.parse::<f64>().is_ok_and(|v| (0.0..=1.0).contains(&v)));
    if binary && probabilities && table.classes.len() > 2 {
        return Err(explore::Error::Data {
            at: table.source.clone(),
            msg: format!(
                "the labels hold {} values in [0, 1]: a classifier reads two classes (0 and 1, \
                 or two names); probabilities as targets are the line's (one --x and --loss {})",
                table.classes.len(),
                r.loss.which().name()
            ),
        }
        .into());
    }
    let outputs = explore::train::outputs(&r.loss, table.classes.len())?;
    let device = open_device(r.common)?;
    if !table.classes_are_indices() && !r.common.quiet {
        let named: Vec<String> = table
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = {i}"))
            .collect();
        say(&format!("classes: {}", named.join(", ")));
    }
    let dtype = r.common.dtype.dtype();
    let d = table.features.len();
    let x = Tensor::from_vec(table.x.clone(), (table.len(), d), &device)?.to_dtype(dtype)?;
    let units = match r.standardize {
        true => Some(explore::train::Units::of(&x, &table.features)?),
        false => None,
    };
    let labelled = |table: &table::Table, x: Tensor| Labelled {
        x,
        labels: table.labels.clone(),
        features: table.features.clone(),
        classes: table.classes.clone(),
        units: units.clone(),
    };
    let val = match &held {
        Some(v) => {
            let xv = Tensor::from_vec(v.x.clone(), (v.len(), d), &device)?.to_dtype(dtype)?;
            Some(labelled(v, xv))
        }
        None => None,
    };
    let data = labelled(&table, x);
    if let (Some(path), false) = (r.init_from, r.common.quiet) {
        say(&format!(
            "starting from the parameters in {}",
            path.display()
        ));
    }
    let what = match (classifier.mlp_name(d, outputs), r.loss.which()) {
        (Some(mlp), _) => mlp,
        (None, LossName::CrossEntropy) => "softmax regression".to_string(),
        (None, _) => "logistic regression".to_string(),
    };
    Ok(Classes {
        table,
        data,
        val,
        outputs,
        what,
        device,
    })
}

pub fn run(mut r: Request<'_>) -> Result<()> {
    check_model(&r)?;
    if r.animate.animate.is_some() && r.features.len() != 2 {
        return Err(explore::cli::usage(format!(
            "--animate draws a classifier over two features, and --x names {}",
            r.features.len()
        )));
    }
    let outputs: Vec<_> = r
        .animate
        .output()
        .into_iter()
        .chain(r.save.map(|p| ("--save", p)))
        .collect();
    check_outputs(r.common, &outputs, &r.inputs())?;
    let classifier = classifier_of(&r)?;
    if r.common.plot.is_some() && r.features.len() < 2 {
        return Err(explore::cli::usage(
            "--plot draws a classifier over two features or more, and --x names one",
        ));
    }
    let Classes {
        table,
        data,
        val,
        outputs,
        what,
        device,
    } = classes(&r, &classifier)?;
    let note = |line: &str| {
        if !r.common.quiet {
            say(line);
        }
    };
    let dtype = r.common.dtype.dtype();
    let d = table.features.len();
    if !r.lr_given {
        r.settings.lr = r.settings.default_lr(f64::NAN);
        note(&format!(
            "learning rate {} ({}'s default; no stable bound is worked out for a classifier)",
            human(r.settings.lr),
            r.settings.kind.name()
        ));
    }
    let mut out = Stdout::new();
    let mut written = None;
    let columns = explore::train::columns(&classifier, outputs, &data);
    let mut header: Vec<String> = vec!["epoch".into()];
    header.extend(columns.iter().cloned());
    header.extend(["loss", "accuracy", "lr"].map(String::from));
    if val.is_some() {
        header.extend(["val_loss", "val_accuracy"].map(String::from));
    }
    let mut sink = Sink::new(&mut out, r.common.format, header, dtype)?;
    let cut = explore::train::Batches::new(table.len(), r.batch_size, r.shuffle, r.seed, 0);
    let fit = fit_classifier(
        (&data, val.as_ref()),
        &classifier,
        &r.loss,
        r.settings,
        (r.epochs, cut, &r.course),
        frames(&r),
        |row| {
            let mut values = vec![row.epoch as f64];
            values.extend(&row.params);
            values.extend([row.loss, row.accuracy, row.lr]);
            values.extend(row.val_loss.into_iter().chain(row.val_accuracy));
            stream(&mut sink, (None, &values), &mut written)
        },
    )?;
    if let Some(e) = written {
        return Err(stdout_error(e).into());
    }
    let features = table.features.join(", ");
    let mut report = heading(
        &r,
        &table,
        &device,
        format!(
            "{what} of {} on {features} under {}",
            r.label,
            r.loss.label(),
        ),
        &format!("{} lr {}", r.settings.kind.name(), human(r.settings.lr)),
    )
    .details(&serde_json::json!({
        "features": table.features,
        "classes": table.classes,
        "confusion": fit.confusion,
        "separable": fit.separable,
    }));
    if let Some(last) = fit.kept() {
        report = report.summary(format!(
            "{}: loss {}, accuracy {} ({} of {} points right){}",
            explore::report::ended(last.epoch, fit.stopped.is_some()),
            human(last.loss),
            human(last.accuracy),
            (last.accuracy * table.len() as f64).round(),
            table.len(),
            match (last.val_loss, last.val_accuracy) {
                (Some(l), Some(a)) =>
                    format!("; validation loss {}, accuracy {}", human(l), human(a)),
                _ => String::new(),
            }
        ));
    }
    report = report.validation(fit.best_epoch(), fit.stopped);
    report = report.summary("confusion matrix (rows: the true class, columns: the predicted):");
    let names: Vec<String> = table
        .classes
        .iter()
        .map(|c| explore::report::shortened(c))
        .collect();
    let width = names
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(1)
        .max(5);
    let head: Vec<String> = names.iter().map(|c| format!("{c:>width$}")).collect();
    report = report.summary(format!("  {:>width$}  {}", "", head.join("  ")));
    for (c, row) in names.iter().zip(&fit.confusion) {
        let cells: Vec<String> = row.iter().map(|n| format!("{n:>width$}")).collect();
        report = report.summary(format!("  {c:>width$}  {}", cells.join("  ")));
    }
    if fit.separable {
        report = report.summary(
            "every point is classified right by a linear model: the classes are separable, and \
             the loss has no finite minimum — the weights grow without bound while the loss goes \
             to 0 (--weight-decay gives it one)",
        );
    }
    sink.finish(&report)
        .and_then(|()| out.flush())
        .map_err(stdout_error)?;
    stopped_note(r.common, fit.stopped, &note);
    // A run with no row (its first loss was not finite) has nothing to draw: its error says why.
    let drawing = r.common.plot.is_some() || r.animate.animate.is_some();
    if d >= 2 && fit.last.is_some() && drawing {
        // More than two features are drawn on their first two principal components.
        let (points, axes, on) = match d {
            2 => (
                table
                    .x
                    .chunks(d)
                    .zip(&table.labels)
                    .map(|(x, &l)| (x[0], x[1], l as usize))
                    .collect(),
                (table.features[0].clone(), table.features[1].clone()),
                String::new(),
            ),
            _ => {
                let pc = model::principal_components(&table.x, d, 2);
                let points = table
                    .x
                    .chunks(d)
                    .zip(&table.labels)
                    .map(|(x, &l)| {
                        let z = pc.project(x);
                        (z[0], z[1], l as usize)
                    })
                    .collect();
                let axis = |k: usize| {
                    format!("PC{} ({:.0}% of the variance)", k + 1, 100.0 * pc.shares[k])
                };
                (
                    points,
                    (axis(0), axis(1)),
                    ", on its first two principal components".to_string(),
                )
            }
        };
        let mut figure = explore::plot::ClassFigure::of(
            &fit,
            points,
            &table.classes,
            (&axes.0, &axes.1),
            format!("{what} of {} on {}{on}", r.label, table.source),
            r.loss.label(),
        );
        figure.loss.smooth = r.smooth;
        if let Some(plot) = &r.common.plot {
            match plot.format {
                explore::plot::PlotFormat::Html => {
                    let page = figure.page(&fit.frames)?;
                    explore::plot::save_class_page(&page, plot.as_path())?;
                }
                _ => explore::plot::save(&figure, plot)?,
            }
            note(&format!("wrote plot: {}", plot.as_path().display()));
        }
        if let Some(path) = r
            .animate
            .write_frames(fit.frames.len(), |k| figure.at(&fit.frames[k]))?
        {
            note(&format!("wrote animation: {}", path.display()));
        }
    }
    if let Some(diverged) = fit.diverged {
        return Err(explore::Error::Diverged(Box::new(Divergence {
            diverged,
            settings: r.settings,
            bound: None,
            others: None,
            peak: Divergence::peak(fit.history.items().iter().map(|r| r.lr), &r.settings),
        }))
        .into());
    }
    save(
        r.save,
        &fit.trained,
        (classifier.activation(), &table.features),
        dtype,
        &note,
    )
}

/// Where a run stopped early, said on stderr when the rows go out as CSV or JSON (the table's
/// report says it).
pub fn stopped_note(
    common: &Common,
    stopped: Option<explore::train::Stopped>,
    note: &dyn Fn(&str),
) {
    if let (Some(s), false) = (stopped, common.format == explore::report::Format::Table) {
        note(&s.describe());
    }
}

/// The maps a run keeps for its pictures: the animation's frames, or the page's.
fn frames(r: &Request<'_>) -> usize {
    let page = r
        .common
        .plot
        .as_ref()
        .is_some_and(|p| p.format == explore::plot::PlotFormat::Html);
    match (r.animate.animate.is_some(), page) {
        (true, _) => r.animate.frames(),
        (false, true) => explore::plot::PAGE_FRAMES,
        (false, false) => 0,
    }
}

/// Saves `layers` to `path` when asked, and says so.
fn save(
    path: Option<&std::path::Path>,
    layers: &[explore::train::Layer],
    (activation, features): (Activation, &[String]),
    dtype: candle_core::DType,
    note: &dyn Fn(&str),
) -> Result<()> {
    if let (Some(path), false) = (path, layers.is_empty()) {
        explore::train::save_layers(layers, (activation, features), dtype, path)?;
        note(&format!("saved parameters to {}", path.display()));
    }
    Ok(())
}

/// The layers of `--init-from`, their inputs in `--x`'s order.
fn loaded(r: &Request<'_>) -> Result<Option<explore::train::Network>> {
    let Some(path) = r.init_from else {
        return Ok(None);
    };
    let network = explore::train::load_layers(path)?;
    Ok(Some(
        network.for_features(&r.features, &path.display().to_string())?,
    ))
}

/// The classifier of the layers read from `--init-from`, checked against `--model`, `--hidden`
/// and `--activation` where they were given.
fn given(
    r: &Request<'_>,
    network: explore::train::Network,
    model: Option<ModelChoice>,
) -> Result<Classifier> {
    let file = r
        .init_from
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let layers = network.layers.len();
    let hidden: Vec<usize> = network.layers[..layers - 1]
        .iter()
        .map(|l| l.outputs())
        .collect();
    let mlp = model == Some(ModelChoice::Mlp);
    if layers > 1 && !mlp {
        return Err(explore::cli::usage(format!(
            "--init-from {file} holds an MLP of {layers} layers: train it with --model mlp"
        )));
    }
    if layers == 1 && mlp {
        return Err(explore::cli::usage(format!(
            "--init-from {file} holds one linear layer, not an MLP: leave out --model mlp"
        )));
    }
    if mlp && explore::cli::given("hidden") && r.hidden != hidden {
        return Err(explore::cli::usage(format!(
            "--hidden {} is not the network in {file}, whose hidden layers are {}",
            sizes(&r.hidden),
            sizes(&hidden)
        )));
    }
    let activation = match (network.activation, explore::cli::given("activation")) {
        (Some(saved), true) if saved != r.activation => {
            return Err(explore::cli::usage(format!(
                "--activation {}: the network in {file} uses {}",
                r.activation.name(),
                saved.name()
            )))
        }
        (Some(saved), _) => saved,
        (None, _) => r.activation,
    };
    Ok(Classifier::Given {
        layers: network.layers,
        activation,
    })
}

fn sizes(sizes: &[usize]) -> String {
    let text: Vec<String> = sizes.iter().map(usize::to_string).collect();
    text.join(",")
}

/// `--x f1,f2`: the feature columns' names (some may be empty or repeated: see
/// [`check_features`]).
pub fn features(x: &str) -> Vec<String> {
    x.split(',').map(|f| f.trim().to_string()).collect()
}

/// Refuses an empty name and a name given twice (in any case) in `--x`.
pub fn check_features(features: &[String]) -> Result<()> {
    if features.iter().any(String::is_empty) {
        return Err(explore::cli::usage(
            "--x has an empty column name: give names separated by commas, e.g. --x a,b",
        ));
    }
    for (i, f) in features.iter().enumerate() {
        if features[..i].iter().any(|g| explore::data::same_name(f, g)) {
            return Err(explore::cli::usage(format!(
                "--x names the column `{f}` twice"
            )));
        }
    }
    Ok(())
}

/// The label column: `--y` when given, else `label`.
pub fn label(y: &str, given: bool) -> String {
    if given {
        y.to_string()
    } else {
        "label".to_string()
    }
}

/// The validation points of `r`, taken out of `table` (`--val-split`, stratified when it holds
/// `classes`) or read from `--val` (its classes numbered as `table`'s); `table` is left with the
/// training points.
fn hold_out(
    r: &Request<'_>,
    table: &mut table::Table,
    classes: bool,
) -> Result<Option<table::Table>> {
    if let Some(share) = r.val_split {
        let file = r.data.display().to_string();
        let labels = classes.then_some(table.labels.as_slice());
        let (train, val) = split_rows(table.len(), share, r.seed, labels, (&file, r.common.quiet))?;
        let named = |rows: &[usize], what: &str| {
            format!(
                "{file} ({} {what})",
                explore::number::count(rows.len(), "point")
            )
        };
        let held = table.rows(&val, named(&val, "held out"));
        *table = table.rows(&train, named(&train, "to train on"));
        return Ok(Some(held));
    }
    let Some(path) = r.val else {
        return Ok(None);
    };
    let mut held = table::read_table(path, &r.features, &r.label, r.delimiter, classes)?;
    if classes {
        held.relabel(&table.classes)?;
    }
    Ok(Some(held))
}

/// `train` on several features under a regression loss: the plane `y = w·x + b`, its rows
/// `epoch, w.NAME…, bias, loss`, beside the least-squares plane under MSE.
pub fn regress(mut r: Request<'_>) -> Result<()> {
    let html = explore::plot::PlotFormat::Html;
    if r.common.plot.as_ref().is_some_and(|p| p.format == html) {
        return Err(explore::cli::usage(
            "--plot: a regression on several features or by an MLP is drawn as its loss per \
             epoch, in .png or .svg",
        ));
    }
    let outputs: Vec<_> = r.save.map(|p| ("--save", p)).into_iter().collect();
    check_outputs(r.common, &outputs, &r.inputs())?;
    let Plane {
        table,
        x,
        y,
        val,
        units,
        model: start,
        lambda,
        device,
    } = plane(&r)?;
    let note = |line: &str| {
        if !r.common.quiet {
            say(line);
        }
    };
    let d = table.features.len();
    let names: Vec<String> = table.features.iter().map(|f| format!("w.{f}")).collect();
    let linear = start.is_linear();
    // The plane, or an MLP regressing: its description for the title.
    let what = start.mlp_name(d, 1).unwrap_or_else(|| "plane".to_string());
    let dtype = r.common.dtype.dtype();
    let bound = r.settings.stable_lr(lambda);
    if !r.lr_given {
        r.settings.lr = r.settings.default_lr(lambda);
    }
    match bound {
        Some(b) if b > 0.0 => note(&format!(
            "learning rate {} ({} is stable for lr < {} on this data)",
            human(r.settings.lr),
            r.settings.kind.name(),
            explore::train::bound_text(b)
        )),
        _ => note(&format!("learning rate {}", human(r.settings.lr))),
    }
    let mut out = Stdout::new();
    let mut written = None;
    let mut header: Vec<String> = vec!["epoch".into()];
    if linear {
        header.extend(names.iter().cloned());
        header.push("bias".to_string());
    }
    header.extend(["loss", "lr"].map(String::from));
    if val.is_some() {
        header.push("val_loss".to_string());
    }
    let mut sink = Sink::new(&mut out, r.common.format, header, dtype)?;
    let cut = explore::train::Batches::new(table.len(), r.batch_size, r.shuffle, r.seed, 0);
    let fit = explore::train::fit_plane(
        (&x, &y),
        val.as_ref().map(|(x, y)| (x, y)),
        &r.loss,
        r.settings,
        (r.epochs, cut, &r.course),
        (&start, units.as_ref()),
        |row| {
            let mut values = vec![row.epoch as f64];
            values.extend(&row.params);
            values.extend([row.loss, row.lr]);
            values.extend(row.val_loss);
            stream(&mut sink, (None, &values), &mut written)
        },
    )?;
    if let Some(e) = written {
        return Err(stdout_error(e).into());
    }
    let features = table.features.join(", ");
    let mut report = heading(
        &r,
        &table,
        &device,
        format!(
            "{what} of {} on {features} under {}",
            r.label,
            r.loss.label(),
        ),
        &format!("{} lr {}", r.settings.kind.name(), human(r.settings.lr)),
    );
    let plane = |weights: &[f64], bias: f64| {
        let parts: Vec<String> = names
            .iter()
            .zip(weights)
            .map(|(n, w)| format!("{n} = {}", human(*w)))
            .collect();
        format!("{}, bias = {}", parts.join(", "), human(bias))
    };
    match (fit.kept(), linear) {
        (Some(last), true) => {
            report = report.summary(format!(
                "{}: {} (loss {}{})",
                explore::report::ended(last.epoch, fit.stopped.is_some()),
                plane(&last.params[..d], last.params[d]),
                human(last.loss),
                explore::report::validated(last.val_loss)
            ))
        }
        (Some(last), false) => {
            report = report.summary(format!(
                "{}: loss {}{}",
                explore::report::ended(last.epoch, fit.stopped.is_some()),
                human(last.loss),
                explore::report::validated(last.val_loss)
            ))
        }
        (None, _) => {}
    }
    // The least-squares plane, under MSE: the optimum (the plane's) or the best a linear model
    // does (an MLP's yardstick); computed once for the report and the figure.
    let least =
        (r.loss.which() == LossName::Mse).then(|| model::least_squares(&table.x, &table.y, d));
    report = report.validation(fit.best_epoch(), fit.stopped);
    if let (false, Some(ls)) = (linear, &least) {
        report = report.summary(format!(
            "the least-squares {}'s loss, the best a linear model does: {}",
            if d == 1 { "line" } else { "plane" },
            human(ls.loss)
        ));
    } else if let Some(ls) = &least {
        report = report.summary(format!(
            "closed-form optimum: {} (loss {})",
            plane(&ls.weights, ls.bias),
            human(ls.loss)
        ));
        let weights: serde_json::Map<String, serde_json::Value> = table
            .features
            .iter()
            .zip(&ls.weights)
            .map(|(f, w)| (f.clone(), serde_json::json!(w)))
            .collect();
        report = report
            .optimum_json(serde_json::json!({"weights": weights, "bias": ls.bias, "loss": ls.loss}))
            .details(&serde_json::json!({
                "condition": ls.condition.is_finite().then_some(ls.condition),
            }));
        report = report.summary(match ls.condition.is_finite() {
            true => format!(
                "condition number κ = {} of the standardized features{} (1: uncorrelated)",
                human(ls.condition),
                match ls.constant.is_empty() {
                    true => "",
                    false => " that vary",
                }
            ),
            false => "condition number κ = ∞: the plane is not unique".to_string(),
        });
        for &j in &ls.constant {
            report = report.summary(format!(
                "column {} is constant: it cannot be told from the bias; its weight is left at 0",
                table.features[j]
            ));
        }
        for v in &ls.collinear {
            let mut terms: Vec<(f64, &str)> = v
                .iter()
                .zip(&table.features)
                .filter(|(c, _)| c.abs() > 1e-6)
                .map(|(c, f)| (*c, f.as_str()))
                .collect();
            terms.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
            let said: Vec<String> = terms.iter().map(|(_, f)| f.to_string()).collect();
            report = report.summary(format!(
                "columns {} are collinear (a combination of them is constant on the data): of \
                 the many planes that fit as well, the one shown has the least weights in \
                 standardized units (each feature over its spread); gradient descent may end \
                 on another",
                said.join(", ")
            ));
        }
    } else if linear {
        report = report.summary(format!(
            "no closed form for {} on several features",
            r.loss.label()
        ));
    }
    sink.finish(&report)
        .and_then(|()| out.flush())
        .map_err(stdout_error)?;
    stopped_note(r.common, fit.stopped, &note);
    if let Some(plot) = &r.common.plot {
        // The loss per epoch, and under MSE the closed-form optimum's.
        let figure = explore::plot::LossHistory {
            title: format!(
                "the {what} of {} on {}: loss per epoch, {} lr {}",
                r.label,
                table.source,
                r.settings.kind.name(),
                human(r.settings.lr)
            ),
            loss: r.loss.label(),
            optimum_loss: least.as_ref().filter(|_| linear).map(|ls| ls.loss),
            smooth: r.smooth,
            ..Default::default()
        }
        .run(
            fit.history
                .items()
                .iter()
                .map(|row| (row.epoch, row.loss, row.lr, row.val_loss)),
            fit.best_epoch(),
        );
        explore::plot::save(&figure, plot)?;
        note(&format!("wrote plot: {}", plot.as_path().display()));
    }
    if let Some(diverged) = fit.diverged {
        return Err(explore::Error::Diverged(Box::new(Divergence {
            diverged,
            settings: r.settings,
            bound,
            others: None,
            peak: Divergence::peak(fit.history.items().iter().map(|r| r.lr), &r.settings),
        }))
        .into());
    }
    save(
        r.save,
        &fit.trained,
        (start.activation(), &table.features),
        dtype,
        &note,
    )
}

/// A plane's data and start, read and checked once: what `train` trains and `race` races.
struct Plane {
    table: table::Table,
    x: Tensor,
    y: Tensor,
    /// The validation points `(x, y)`, when asked for.
    val: Option<(Tensor, Tensor)>,
    units: Option<explore::train::Units>,
    /// The model every run starts from: the plane, or an MLP with one output.
    model: Classifier,
    /// The loss's curvature on the features as trained: the stable rate's.
    lambda: f64,
    device: candle_core::Device,
}

fn plane(r: &Request<'_>) -> Result<Plane> {
    let network = loaded(r)?;
    let model = match network {
        Some(network) => {
            let model = given(r, network, r.model)?;
            if let (Some(path), false) = (r.init_from, r.common.quiet) {
                say(&format!(
                    "starting from the parameters in {}",
                    path.display()
                ));
            }
            model
        }
        None if r.model == Some(ModelChoice::Mlp) => Classifier::Mlp {
            hidden: r.hidden.clone(),
            activation: r.activation,
            seed: r.seed,
        },
        None => Classifier::Linear {
            weight: r.init.0,
            bias: r.init.1,
        },
    };
    let mut table = table::read_table(r.data, &r.features, &r.label, r.delimiter, false)?;
    let held = hold_out(r, &mut table, false)?;
    let device = open_device(r.common)?;
    let d = table.features.len();
    let dtype = r.common.dtype.dtype();
    let tensors = |t: &table::Table| -> Result<(Tensor, Tensor)> {
        let x = Tensor::from_vec(t.x.clone(), (t.len(), d), &device)?.to_dtype(dtype)?;
        let y = Tensor::from_vec(t.y.clone(), t.len(), &device)?.to_dtype(dtype)?;
        Ok((x, y))
    };
    let (x, y) = tensors(&table)?;
    let val = held.as_ref().map(tensors).transpose()?;
    let units = match r.standardize {
        true => Some(explore::train::Units::of(&x, &table.features)?),
        false => None,
    };
    // MSE's curvature on the features as trained, scaled by the loss's (L1, which has none, is
    // given MSE's).
    let mse_curvature = match &units {
        Some(u) => {
            let standard: Vec<f64> = u
                .apply(&x)?
                .flatten_all()?
                .to_dtype(DType::F64)?
                .to_vec1()?;
            model::max_curvature(&standard, d)
        }
        None => model::max_curvature(&table.x, d),
    };
    // A bound on the learning rate is known for the plane, not for an MLP.
    let lambda = match model.is_linear() {
        true => mse_curvature * r.loss.curvature().unwrap_or(2.0) / 2.0,
        false => f64::NAN,
    };
    Ok(Plane {
        table,
        x,
        y,
        val,
        units,
        model,
        lambda,
        device,
    })
}

/// `race` on several features or on labels: each of `lanes` (its settings, and whether its rate
/// was given) trains the same model from the same start on the same batches; the rows of every
/// lane, labelled by its name, then a line a lane, and the losses on one axis with `--plot`.
pub fn race(
    r: Request<'_>,
    lanes: Vec<(Settings, bool, explore::train::Course)>,
    classify: bool,
) -> Result<()> {
    if classify {
        check_model(&r)?;
    }
    check_outputs(r.common, &[], &[("--data", r.data)])?;
    let html = explore::plot::PlotFormat::Html;
    if r.common.plot.as_ref().is_some_and(|p| p.format == html) {
        return Err(explore::cli::usage(
            "--plot: a race on several features or on labels is drawn as .png or .svg",
        ));
    }
    let dtype = r.common.dtype.dtype();
    let mut out = Stdout::new();
    let mut written = None;
    let mut lanes_done = Vec::with_capacity(lanes.len());
    // Each lane's rate: the given one, or its optimizer's default on this data.
    let rates = |lambda: f64| -> Vec<Settings> {
        lanes
            .iter()
            .map(|&(mut s, given, _)| {
                if !given {
                    s.lr = s.default_lr(lambda);
                }
                s
            })
            .collect()
    };
    let courses: Vec<&explore::train::Course> = lanes.iter().map(|l| &l.2).collect();
    let names_of = |settings: &[Settings]| {
        let entries: Vec<_> = settings
            .iter()
            .zip(&courses)
            .map(|(s, c)| (*s, c.schedule.kind))
            .collect();
        explore::train::lane_names(&entries)
    };
    let optimum_loss = if classify {
        let classifier = classifier_of(&r)?;
        let c = classes(&r, &classifier)?;
        let settings = rates(f64::NAN);
        let names = names_of(&settings);
        let header = ["epoch".to_string()]
            .into_iter()
            .chain(explore::train::columns(&classifier, c.outputs, &c.data))
            .chain(["loss", "accuracy", "lr"].map(String::from));
        let mut sink = Sink::labelled(&mut out, r.common.format, Some("optimizer"), header, dtype)?;
        for ((name, &settings), course) in names.iter().zip(&settings).zip(&courses) {
            let cut =
                explore::train::Batches::new(c.table.len(), r.batch_size, r.shuffle, r.seed, 0);
            let (mut losses, mut rates) = (Vec::new(), Vec::new());
            let fit = fit_classifier(
                (&c.data, None),
                &classifier,
                &r.loss,
                settings,
                (r.epochs, cut, course),
                0,
                |row| {
                    losses.push((row.epoch as f64, row.loss));
                    rates.push((row.epoch as f64, row.lr));
                    let mut values = vec![row.epoch as f64];
                    values.extend(&row.params);
                    values.extend([row.loss, row.accuracy, row.lr]);
                    stream(&mut sink, (Some(name), &values), &mut written)
                },
            )?;
            if let Some(e) = written.take() {
                return Err(stdout_error(e).into());
            }
            lanes_done.push(RaceLane {
                lane: name.clone(),
                optimizer: settings.kind.name(),
                lr: settings.lr,
                schedule: course.schedule.kind.name(),
                stable_below: None,
                epochs_to_1pct: None,
                final_loss: fit.last.as_ref().map(|l| l.loss),
                accuracy: fit.last.as_ref().map(|l| l.accuracy),
                diverged: fit.diverged.is_some(),
                losses,
                rates,
            });
        }
        let what = format!(
            "race of {} of {} on {} under {}",
            c.what,
            r.label,
            c.table.features.join(", "),
            r.loss.label()
        );
        let report = heading(&r, &c.table, &c.device, what, &names.join(", "));
        finish_race(sink, report, &lanes_done, None)?;
        None
    } else {
        let p = plane(&r)?;
        let settings = rates(p.lambda);
        let names = names_of(&settings);
        let d = p.table.features.len();
        // The closed-form optimum is the plane's; an MLP's has none.
        let optimum_loss = (r.loss.which() == LossName::Mse && p.model.is_linear())
            .then(|| model::least_squares(&p.table.x, &p.table.y, d).loss);
        let linear = p.model.is_linear();
        let header = ["epoch".to_string()]
            .into_iter()
            .chain(
                p.table
                    .features
                    .iter()
                    .map(|f| format!("w.{f}"))
                    .chain(["bias".to_string()])
                    .filter(|_| linear),
            )
            .chain(["loss", "lr"].map(String::from));
        let mut sink = Sink::labelled(&mut out, r.common.format, Some("optimizer"), header, dtype)?;
        // Within 1% of the optimum's loss (a millionth of y's mean square for an exact fit).
        let target = optimum_loss.map(|l| {
            let floor = p.table.y.iter().map(|y| y * y).sum::<f64>() / p.table.len() as f64;
            1.01 * l + 1e-6 * floor
        });
        for ((name, &settings), course) in names.iter().zip(&settings).zip(&courses) {
            let cut =
                explore::train::Batches::new(p.table.len(), r.batch_size, r.shuffle, r.seed, 0);
            let (mut losses, mut rates) = (Vec::new(), Vec::new());
            let mut within = None;
            let fit = explore::train::fit_plane(
                (&p.x, &p.y),
                None,
                &r.loss,
                settings,
                (r.epochs, cut, course),
                (&p.model, p.units.as_ref()),
                |row| {
                    losses.push((row.epoch as f64, row.loss));
                    rates.push((row.epoch as f64, row.lr));
                    if within.is_none() && target.is_some_and(|t| row.loss <= t) {
                        within = Some(row.epoch);
                    }
                    let mut values = vec![row.epoch as f64];
                    values.extend(&row.params);
                    values.extend([row.loss, row.lr]);
                    stream(&mut sink, (Some(name), &values), &mut written)
                },
            )?;
            if let Some(e) = written.take() {
                return Err(stdout_error(e).into());
            }
            lanes_done.push(RaceLane {
                lane: name.clone(),
                optimizer: settings.kind.name(),
                lr: settings.lr,
                schedule: course.schedule.kind.name(),
                stable_below: settings.stable_lr(p.lambda),
                epochs_to_1pct: within,
                final_loss: fit.last.as_ref().map(|l| l.loss),
                accuracy: None,
                diverged: fit.diverged.is_some(),
                losses,
                rates,
            });
        }
        let what = format!(
            "race of {} of {} on {} under {}",
            p.model
                .mlp_name(d, 1)
                .unwrap_or_else(|| "the plane".to_string()),
            r.label,
            p.table.features.join(", "),
            r.loss.label()
        );
        let report = heading(&r, &p.table, &p.device, what, &names.join(", "));
        finish_race(sink, report, &lanes_done, optimum_loss)?;
        optimum_loss
    };
    out.flush().map_err(stdout_error)?;
    if let Some(plot) = &r.common.plot {
        let figure = explore::plot::LossHistory {
            title: format!("race: the loss of each optimizer on {}", r.data.display()),
            loss: r.loss.label(),
            series: lanes_done
                .iter()
                .map(|l| explore::plot::Series {
                    label: l.lane.clone(),
                    losses: l.losses.clone(),
                })
                .collect(),
            rates: lanes_done
                .iter()
                .map(|l| explore::plot::Series {
                    label: l.lane.clone(),
                    losses: l.rates.clone(),
                })
                .collect(),
            optimum_loss,
            extent: None,
            ..Default::default()
        };
        explore::plot::save(&figure, plot)?;
        if !r.common.quiet {
            say(&format!("wrote plot: {}", plot.as_path().display()));
        }
    }
    let diverged: Vec<&str> = lanes_done
        .iter()
        .filter(|l| l.diverged)
        .map(|l| l.lane.as_str())
        .collect();
    if !diverged.is_empty() {
        return Err(explore::Error::Data {
            at: "race".into(),
            msg: format!(
                "{} diverged (the loss grew without bound): give {} a smaller rate (NAME=LR)",
                diverged.join(", "),
                if diverged.len() == 1 { "it" } else { "them" }
            ),
        }
        .into());
    }
    Ok(())
}

/// One lane of a race on several features or on labels, in plain numbers.
#[derive(serde::Serialize)]
struct RaceLane {
    lane: String,
    optimizer: &'static str,
    lr: f64,
    /// The lane's schedule of the rate, from `lr`.
    schedule: &'static str,
    stable_below: Option<f64>,
    /// The first epoch within 1% of the closed-form optimum's loss (the plane under MSE).
    epochs_to_1pct: Option<usize>,
    final_loss: Option<f64>,
    accuracy: Option<f64>,
    diverged: bool,
    #[serde(skip)]
    losses: Vec<(f64, f64)>,
    /// `(epoch, lr)`: the rate of each row.
    #[serde(skip)]
    rates: Vec<(f64, f64)>,
}

/// Ends the race's output: a line a lane, and the lanes in the JSON.
fn finish_race(
    sink: Sink<'_>,
    mut report: Report,
    lanes: &[RaceLane],
    optimum_loss: Option<f64>,
) -> Result<()> {
    for lane in lanes {
        let head = format!("{} (lr {})", lane.lane, human(lane.lr));
        let text = match (lane.diverged, lane.final_loss) {
            (true, _) => format!("{head}: diverged"),
            (false, None) => format!("{head}: no finite loss"),
            (false, Some(loss)) => {
                let mut text = format!("{head}: loss {}", human(loss));
                if let Some(a) = lane.accuracy {
                    text.push_str(&format!(", accuracy {}", human(a)));
                }
                match (lane.epochs_to_1pct, optimum_loss) {
                    (Some(e), _) => {
                        text.push_str(&format!(", within 1% of the optimum at epoch {e}"))
                    }
                    (None, Some(_)) => text.push_str(", never within 1% of the optimum"),
                    (None, None) => {}
                }
                text
            }
        };
        report = report.summary(text);
    }
    if let Some(l) = optimum_loss {
        report = report.summary(format!("closed-form optimum's loss {}", human(l)));
    }
    let report = report.details(&serde_json::json!({ "lanes": lanes }));
    sink.finish(&report).map_err(stdout_error)?;
    Ok(())
}

/// The report of a run on a table, headed `what` and the run's settings, with the run's data,
/// device and precision for the JSON.
fn heading(
    r: &Request<'_>,
    table: &table::Table,
    device: &candle_core::Device,
    what: String,
    how: &str,
) -> Report {
    let dtype = r.common.dtype.dtype();
    let report = Report::new(Vec::<String>::new(), Vec::new(), dtype)
        .title(format!(
            "{what}: {}, {how}, {}, {}",
            table.source,
            count(r.epochs, "epoch"),
            dtype.as_str()
        ))
        .loss(&r.loss);
    annotate(report, (&table.source, table.len()), device, dtype, None)
}

/// Writes a row to `sink`, labelled `label` in a labelled sink (a race's lane); a failed write
/// is kept in `failed` and stops the run.
fn stream(
    sink: &mut Sink<'_>,
    (label, values): (Option<&str>, &[f64]),
    failed: &mut Option<std::io::Error>,
) -> ControlFlow<()> {
    let written = match label {
        Some(label) => sink.row_labelled(label, values),
        None => sink.row(values),
    };
    match written {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            *failed = Some(e);
            ControlFlow::Break(())
        }
    }
}
