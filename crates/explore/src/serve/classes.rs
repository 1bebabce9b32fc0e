//! What the playground shows of a classifier, as plain data: a [`View`] of labelled points (a
//! generated set of classes) is trained exactly as `explore train --x x1,x2 --y label` trains
//! it ([`fit_classifier`]: logistic or softmax regression, or an MLP), with its validation split,
//! and drawn as its `--plot FILE.html` page draws it (the map of the classes and the boundary
//! at kept epochs, the loss and the accuracy per epoch); beside it the loss over a plane through
//! where it ended, as `explore landscape` draws a classifier's.

use candle_core::{DType, Device};

use super::view::{hold, Scene, Tick, View, Watch};
use crate::data::gen::{self, ClassSpec, Classes};
use crate::landscape::{features::of_labelled_until, Config, ModelKind};
use crate::plot::{ClassFigure, ClassPage};
use crate::train::{fit_classifier, outputs, Batches, ClassFit, Classifier, Course, Labelled};

/// The generated classes of a kind's name (`explore gen --kind`).
pub fn kind(name: &str) -> Option<Classes> {
    Some(match name {
        "blobs" => Classes::Blobs,
        "moons" => Classes::Moons,
        "circles" => Classes::Circles,
        "xor" => Classes::Xor,
        "spiral" => Classes::Spiral,
        _ => return None,
    })
}

/// Labelled points on two features: what a classifier's view trains on.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// Each point's two features and its class (an index into `classes`).
    pub rows: Vec<[f64; 3]>,
    pub features: [String; 2],
    /// The label column's name, and the classes' names (the labels), in index order.
    pub label: String,
    pub classes: Vec<String>,
    /// The file as the exported command names it (`gen.csv`, `data/moons.csv`): for titles.
    pub name: String,
}

impl Labels {
    /// The view's generated classes, as `explore gen` writes them: `x1, x2, label`.
    pub fn generated(view: &View) -> Self {
        let g = &view.gen;
        let kind = kind(&g.kind).unwrap_or(Classes::Moons);
        let spec = ClassSpec {
            n: g.n,
            seed: g.seed,
            noise: g.noise.unwrap_or(kind.defaults().0),
            classes: g.classes.unwrap_or(kind.defaults().1),
            factor: 0.8,
        };
        let rows = gen::classes::points(kind, &spec);
        let count = rows.iter().map(|r| r[2] as usize + 1).max().unwrap_or(0);
        Labels {
            rows,
            features: ["x1".into(), "x2".into()],
            label: "label".into(),
            classes: (0..count).map(|c| c.to_string()).collect(),
            name: "gen.csv".into(),
        }
    }

    /// A labelled table read from the file the command calls `name`: the playground classifies
    /// on two features.
    pub fn of_table(
        table: crate::data::table::Table,
        name: &str,
        label: &str,
    ) -> crate::Result<Self> {
        let [a, b] = <[String; 2]>::try_from(table.features.clone()).map_err(|features| {
            crate::Error::Data {
                at: table.source.clone(),
                msg: format!(
                    "the playground draws a classifier over two features, and {} are named: \
                     name two",
                    features.len()
                ),
            }
        })?;
        let rows = table
            .x
            .chunks(2)
            .zip(&table.labels)
            .map(|(x, &l)| [x[0], x[1], f64::from(l)])
            .collect();
        Ok(Labels {
            rows,
            features: [a, b],
            label: label.to_string(),
            classes: table.classes,
            name: name.to_string(),
        })
    }

    /// The points as the classifier reads them, in f32: features named, classes numbered as
    /// the whole set's.
    fn labelled(&self, rows: &[[f64; 3]]) -> crate::Result<Labelled> {
        let mut data = Labelled::of_rows(rows, DType::F32, &Device::Cpu)?;
        data.features = self.features.to_vec();
        data.classes.clone_from(&self.classes);
        Ok(data)
    }
}

/// A classifier trained for a view: its run and what it was trained on.
pub struct ClassRun {
    pub fit: ClassFit,
    pub data: Labelled,
    pub classifier: Classifier,
    pub loss: loss::AnyLoss,
    pub config: Config,
    /// The training points `(x1, x2, class)`, for the figure.
    pub points: Vec<(f64, f64, usize)>,
    /// The label column's name and where the points came from, for titles.
    pub label: String,
    pub source: String,
}

/// The classifier `view` asks for.
fn classifier(view: &View) -> Classifier {
    match view.is_mlp() {
        true => Classifier::Mlp {
            hidden: view.hidden.clone(),
            activation: view.mlp_activation().unwrap_or_default(),
            seed: view.seed,
        },
        false => Classifier::Linear {
            weight: view.weight,
            bias: view.bias,
        },
    }
}

/// Trains the classifier of `view` on `rows` as `explore train` does, keeping the maps of
/// `frames` epochs and streaming its epochs to `watch`; `Ok(None)` when `watch` says a newer
/// request superseded this one.
pub fn class_run(
    view: &View,
    labels: &Labels,
    frames: usize,
    watch: Watch<'_>,
) -> crate::Result<Option<ClassRun>> {
    let (mut settings, loss, schedule) = view.check().map_err(|e| crate::Error::Usage(e.0))?;
    let rows = &labels.rows;
    let classes: Vec<u32> = rows.iter().map(|r| r[2] as u32).collect();
    // The validation points, held out at random from each class (`--val-split`).
    let (train, val) = match view.val_split {
        Some(share) => {
            let (train, val) =
                crate::train::split_both(rows.len(), share, view.seed, Some(&classes))?;
            (train, Some(val))
        }
        None => ((0..rows.len()).collect(), None),
    };
    let pick = |at: &[usize]| -> Vec<[f64; 3]> { at.iter().map(|&i| rows[i]).collect() };
    let training = pick(&train);
    let mut data = labels.labelled(&training)?;
    if view.standardize {
        data.units = Some(crate::train::Units::of(&data.x, &data.features)?);
    }
    let val = match &val {
        Some(at) => {
            let mut v = labels.labelled(&pick(at))?;
            v.units.clone_from(&data.units);
            Some(v)
        }
        None => None,
    };
    let outputs = outputs(&loss, data.classes.len())?;
    let hidden: &[usize] = if view.is_mlp() { &view.hidden } else { &[] };
    let sizes: Vec<usize> = std::iter::once(2)
        .chain(hidden.iter().copied())
        .chain([outputs])
        .collect();
    super::mlp::check_work(view, rows.len(), ::model::Mlp::parameters_of(&sizes))?;
    if view.lr.is_none() {
        settings.lr = settings.default_lr(f64::NAN);
    }
    let course = Course {
        schedule,
        early_stop: None,
    };
    let classifier = classifier(view);
    let n = training.len();
    let cut = Batches::new(n, view.batch_size, view.shuffle, view.seed, 0);
    let mut superseded = false;
    let fit = fit_classifier(
        (&data, val.as_ref()),
        &classifier,
        &loss,
        settings,
        (view.epochs, cut, &course),
        frames,
        |row| {
            watch.hear(
                view.epochs,
                Tick {
                    val_loss: row.val_loss,
                    accuracy: Some(row.accuracy),
                    val_accuracy: row.val_accuracy,
                    ..Tick::loss(row.epoch, row.loss)
                },
            );
            watch.go_on(&mut superseded)
        },
    )?;
    if superseded {
        return Ok(None);
    }
    let config = Config {
        model: match view.is_mlp() {
            true => ModelKind::Mlp,
            false => ModelKind::Line,
        },
        hidden: view.hidden.clone(),
        activation: classifier.activation(),
        loss,
        optimizer: settings,
        course,
        epochs: view.epochs,
        steps: view.grid,
        seed: view.seed,
        ..Config::default()
    };
    let points = training
        .iter()
        .map(|r| (r[0], r[1], r[2] as usize))
        .collect();
    Ok(Some(ClassRun {
        fit,
        data,
        classifier,
        loss,
        config,
        points,
        label: labels.label.clone(),
        // As `explore train` names the points it trains on.
        source: match view.val_split {
            Some(_) => format!(
                "{} ({} to train on)",
                labels.name,
                crate::number::count(n, "point")
            ),
            None => format!("{} ({})", labels.name, crate::number::count(n, "point")),
        },
    }))
}

impl ClassRun {
    /// The figure of the run, titled as `explore train` titles it.
    fn figure(&self) -> ClassFigure {
        let outputs = outputs(&self.loss, self.data.classes.len()).unwrap_or(1);
        let what = match (self.classifier.mlp_name(2, outputs), self.loss.which()) {
            (Some(mlp), _) => mlp,
            (None, loss::LossName::CrossEntropy) => "softmax regression".to_string(),
            (None, _) => "logistic regression".to_string(),
        };
        let [a, b] = [&self.data.features[0], &self.data.features[1]];
        ClassFigure::of(
            &self.fit,
            self.points.clone(),
            &self.data.classes,
            (a, b),
            format!("{what} of {} on {}", self.label, self.source),
            self.loss.label(),
        )
    }

    /// Why the run stopped short, when it diverged: the command's message.
    pub fn divergence(&self) -> Option<crate::Error> {
        let settings = self.config.optimizer;
        let rates = self
            .fit
            .history
            .items()
            .iter()
            .map(|r| r.lr)
            .collect::<Vec<_>>();
        self.fit.diverged.map(|diverged| {
            crate::Error::Diverged(Box::new(crate::train::Divergence {
                diverged,
                settings,
                bound: None,
                others: None,
                peak: crate::train::Divergence::peak(rates.into_iter(), &settings),
            }))
        })
    }

    /// The run's page: the maps and boundaries at its kept epochs, the loss and accuracy.
    pub fn page(&self) -> crate::Result<ClassPage> {
        self.figure().page(&self.fit.frames)
    }

    /// The trained layers, as `explore train --save FILE.safetensors` writes them: refused for
    /// a run that diverged, as there.
    pub fn params(&self) -> crate::Result<Vec<u8>> {
        if let Some(diverged) = self.divergence() {
            return Err(diverged);
        }
        let features = self.data.features.clone();
        crate::train::layers_safetensors(
            &self.fit.trained,
            (self.classifier.activation(), &features),
            DType::F32,
        )
    }

    /// The run as `explore train --animate FILE.gif` draws it (trained with its frames).
    pub fn gif(&self) -> crate::Result<Vec<u8>> {
        let figure = self.figure();
        let frames = &self.fit.frames;
        crate::plot::gif_bytes(frames.len(), crate::plot::FPS as u32, |k| {
            figure.at(&frames[k])
        })
    }
}

/// The scene of a classifier's run: its page, and the landscape of the same classifier trained
/// full batch (`explore landscape --x x1,x2 --y label`); `Ok(None)` when `watch` says a newer
/// request superseded this one.
pub fn class_scene(view: &View, run: &ClassRun, watch: Watch<'_>) -> crate::Result<Option<Scene>> {
    let stale = watch.stale;
    let classes = run.page()?;
    let plane = of_labelled_until(
        &run.data,
        &run.classifier,
        &run.loss,
        &run.config,
        (&|_, _| {}, stale),
    );
    let mut plane = match plane {
        Ok(plane) => plane,
        Err(_) if stale() => return Ok(None),
        Err(e) => return Err(e),
    };
    plane.source.clone_from(&run.source);
    let mut page = plane.page();
    let (grid_id, data_id) = hold(&mut page, &[], view.held.as_ref());
    let d = plane.distance;
    let last = run.fit.last.as_ref().map(|r| {
        [
            r.epoch as f64,
            r.accuracy,
            r.val_accuracy.unwrap_or(f64::NAN),
            r.loss,
        ]
    });
    Ok(Some(Scene {
        page,
        lr: run.config.optimizer.lr,
        bound: None,
        last,
        diverged: run.divergence().map(|e| super::view::said(&e)),
        extent: [-d, d, -d, d],
        grid_id,
        data_id,
        points: run.points.len(),
        fit: None,
        held_out: None,
        classes: Some(classes),
        command: String::new(),
    }))
}
