//! Training a classifier with the one loop ([`super::train`]): logistic regression (a linear
//! layer `d → 1` under `bce-logits`), softmax regression (`d → C` under `cross-entropy`) or an
//! MLP, on labelled points. Each epoch gives the loss and the accuracy; the end gives the
//! confusion matrix, and says when a line separates the classes, where logistic regression has
//! no finite optimum: its weights grow without bound while the loss goes to zero.

use std::ops::ControlFlow;

use candle_core::{DType, Device, Module, Tensor, D};
use loss::{AnyLoss, LossName, Reduction};
use model::{Activation, Linear, Mlp};

use super::{train, Batches, Diverged, Ended, Layer, Units};
use crate::optim::{AnyOptimizer, Optimizer, Settings};
use crate::thin::Thinned;

/// Labelled points: the features `x` `(N, d)` and each point's class, with the names of both.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub x: Tensor,
    /// Each point's class, an index into `classes`.
    pub labels: Vec<u32>,
    pub features: Vec<String>,
    pub classes: Vec<String>,
    /// Train on the features in these units ([`Units::of`] the data: each over its spread);
    /// rows, maps and the trained layers stay in the data's own.
    pub units: Option<Units>,
}

impl Labelled {
    /// The rows `[x1, x2, label]` that `explore gen` makes, features `x1` and `x2`, classes
    /// `0`, `1`, … up to the largest label.
    pub fn of_rows(rows: &[[f64; 3]], dtype: DType, device: &Device) -> crate::Result<Self> {
        let values: Vec<f64> = rows.iter().flat_map(|r| [r[0], r[1]]).collect();
        let x = Tensor::from_vec(values, (rows.len(), 2), device)?.to_dtype(dtype)?;
        let labels: Vec<u32> = rows.iter().map(|r| r[2] as u32).collect();
        let count = labels.iter().max().map_or(0, |&m| m as usize + 1);
        Ok(Self {
            x,
            labels,
            features: vec!["x1".into(), "x2".into()],
            classes: (0..count).map(|c| c.to_string()).collect(),
            units: None,
        })
    }
}

/// Which classifier to train.
#[derive(Debug, Clone, PartialEq)]
pub enum Classifier {
    /// A linear layer: logistic regression under `bce-logits` (one output), softmax regression
    /// under `cross-entropy` (an output a class).
    Linear {
        /// Every weight's start.
        weight: f64,
        /// Every bias's start.
        bias: f64,
    },
    /// A multi-layer perceptron, its start drawn from `seed` as PyTorch's `nn.Linear` draws it.
    Mlp {
        hidden: Vec<usize>,
        activation: Activation,
        seed: u64,
    },
    /// A network given layer by layer, in the data's units (read back with
    /// [`super::load_layers`]): one layer is a linear classifier, several an MLP.
    Given {
        layers: Vec<Layer>,
        activation: Activation,
    },
}

impl Classifier {
    /// The activation between an MLP's layers; the default for a linear model, which has none.
    pub fn activation(&self) -> Activation {
        match self {
            Classifier::Mlp { activation, .. } | Classifier::Given { activation, .. } => {
                *activation
            }
            Classifier::Linear { .. } => Activation::default(),
        }
    }

    /// `mlp 2-16-16-1 tanh`, as [`Mlp::describe`] names it: the MLP from `d` inputs to
    /// `outputs` this is; `None` for a linear model.
    pub fn mlp_name(&self, d: usize, outputs: usize) -> Option<String> {
        let hidden: Vec<usize> = match self {
            Classifier::Mlp { hidden, .. } => hidden.clone(),
            Classifier::Given { layers, .. } if layers.len() > 1 => layers[..layers.len() - 1]
                .iter()
                .map(Layer::outputs)
                .collect(),
            _ => return None,
        };
        let sizes: Vec<String> = std::iter::once(d)
            .chain(hidden)
            .chain([outputs])
            .map(|s| s.to_string())
            .collect();
        Some(format!(
            "mlp {} {}",
            sizes.join("-"),
            self.activation().name()
        ))
    }

    /// Whether the model is one linear layer, whose parameters each row shows.
    pub fn is_linear(&self) -> bool {
        match self {
            Classifier::Linear { .. } => true,
            Classifier::Mlp { .. } => false,
            Classifier::Given { layers, .. } => layers.len() == 1,
        }
    }
}

/// One epoch of a classifier's run: the linear model's parameters (none for an MLP), the loss
/// and the accuracy on the whole data, after `epoch` updates.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClassRow {
    pub epoch: usize,
    pub params: Vec<f64>,
    pub loss: f64,
    pub accuracy: f64,
    /// The rate of the next update (the schedule's).
    pub lr: f64,
    /// The loss and accuracy on the validation points, when there are some.
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
}

/// How a classifier's run went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClassFit {
    /// The names of [`ClassRow::params`]: `w.NAME` a feature then `bias` (one output), or
    /// `w.CLASS.NAME` and `bias.CLASS` (an output a class); none for an MLP.
    pub columns: Vec<String>,
    /// Every epoch's row, thinned to a few thousand.
    pub history: Thinned<ClassRow>,
    pub first: Option<ClassRow>,
    pub last: Option<ClassRow>,
    /// `confusion[true][predicted]`: how many points of each class went to each class, at the
    /// end.
    pub confusion: Vec<Vec<usize>>,
    /// A linear model that classifies every point right, without weight decay: the classes are
    /// separated by a line (a plane), and the loss has no finite minimum.
    pub separable: bool,
    pub diverged: Option<Diverged>,
    /// The row of the best epoch by validation loss, when validated.
    pub best: Option<ClassRow>,
    /// Where the run stopped early, if it did.
    pub stopped: Option<super::Stopped>,
    /// For two features: each class's probability over the plane of the data, at the end.
    pub map: Option<ClassMap>,
    /// For two features: the maps at the epochs an animation shows (see [`fit_classifier`]).
    #[serde(skip)]
    pub frames: Vec<ClassFrame>,
    /// The layers at the end (the best epoch's when it stopped early), in the data's units, as
    /// [`super::save_layers`] writes them.
    #[serde(skip)]
    pub trained: Vec<Layer>,
}

impl ClassFit {
    /// The row whose parameters are the run's result: the best epoch's when it stopped early,
    /// else the last.
    pub fn kept(&self) -> Option<&ClassRow> {
        match self.stopped {
            Some(_) => self.best.as_ref(),
            None => self.last.as_ref(),
        }
    }

    /// The best epoch by validation loss, and that loss.
    pub fn best_epoch(&self) -> Option<(usize, f64)> {
        self.best
            .as_ref()
            .and_then(|r| Some((r.epoch, r.val_loss?)))
    }
}

/// A moment of a classifier's run, for its animation: the epoch's row and the map then.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassFrame {
    pub row: ClassRow,
    pub map: ClassMap,
}

/// Each class's probability at the points of a grid over two features: what the figure shades,
/// the boundary where the most probable class changes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClassMap {
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    pub classes: usize,
    /// `probabilities[(i · ys.len() + j) · classes + c]`: class `c` at `(xs[i], ys[j])`.
    pub probabilities: Vec<f64>,
}

impl ClassMap {
    /// Each class's probability over the plane of two features `x` `(N, 2)`, a tenth wider
    /// than the points on each side. `scores` gives a model's outputs: `outputs` logits (or,
    /// with `probabilities`, one probability) for each row of its input.
    pub fn over(
        x: &Tensor,
        outputs: usize,
        probabilities: bool,
        scores: &dyn Fn(&Tensor) -> candle_core::Result<Tensor>,
    ) -> candle_core::Result<Self> {
        // Each feature's least and greatest value, without a copy of the data.
        let least: Vec<f64> = x.min(0)?.to_dtype(DType::F64)?.to_vec1()?;
        let most: Vec<f64> = x.max(0)?.to_dtype(DType::F64)?.to_vec1()?;
        let axis = |k: usize| {
            let span = crate::grid::span([least[k], most[k]].into_iter()).unwrap_or((-1.0, 1.0));
            let (lo, hi) = crate::grid::pad(span, 0.1);
            crate::grid::linspace(lo, hi, MAP_SIDE)
        };
        let (xs, ys) = (axis(0), axis(1));
        let grid: Vec<f64> = xs
            .iter()
            .flat_map(|&a| ys.iter().flat_map(move |&b| [a, b]))
            .collect();
        let points =
            Tensor::from_vec(grid, (xs.len() * ys.len(), 2), x.device())?.to_dtype(x.dtype())?;
        let out = scores(&points)?;
        let probabilities = match outputs {
            1 => {
                let p = if probabilities {
                    out
                } else {
                    candle_nn::ops::sigmoid(&out)?
                };
                let p: Vec<f64> = p.flatten_all()?.to_dtype(DType::F64)?.to_vec1()?;
                p.iter().flat_map(|&p| [1.0 - p, p]).collect()
            }
            _ => candle_nn::ops::softmax_last_dim(&out)?
                .flatten_all()?
                .to_dtype(DType::F64)?
                .to_vec1()?,
        };
        Ok(ClassMap {
            xs,
            ys,
            classes: outputs.max(2),
            probabilities,
        })
    }

    /// The probability of class `c` at every grid point, x-major.
    pub fn of_class(&self, c: usize) -> Vec<f64> {
        self.probabilities
            .chunks(self.classes)
            .map(|p| p[c])
            .collect()
    }
}

/// The most parameters an MLP classifier may have (with the optimizer's buffers, a few GB).
pub const MOST_PARAMETERS: usize = 100_000_000;

/// Grid points a side of the map.
const MAP_SIDE: usize = 121;

/// The network being trained.
pub(crate) enum Net {
    Linear(Linear),
    Mlp(Mlp),
}

impl Net {
    pub(crate) fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Net::Linear(l) => l.forward(x),
            Net::Mlp(m) => m.forward(x),
        }
    }

    pub(crate) fn parameters(&self) -> Vec<candle_core::Var> {
        match self {
            Net::Linear(l) => l.parameters(),
            Net::Mlp(m) => m.varmap().all_vars(),
        }
    }

    /// The parameters by name, for a landscape: `weight` and `bias`, or the MLP's
    /// `layer{i}.weight` and `layer{i}.bias`.
    pub(crate) fn varmap(&self) -> candle_core::Result<candle_nn::VarMap> {
        match self {
            Net::Linear(l) => {
                let varmap = candle_nn::VarMap::new();
                l.register(&varmap)?;
                Ok(varmap)
            }
            Net::Mlp(m) => Ok(m.varmap().clone()),
        }
    }

    /// The layers, in the data's units when the network sees the features in `units`.
    pub(crate) fn layers(&self, units: Option<&Units>) -> candle_core::Result<Vec<Layer>> {
        let mut layers = match self {
            Net::Linear(l) => match l.bias() {
                Some(b) => vec![Layer::of(l.weight(), b)?],
                None => Vec::new(),
            },
            Net::Mlp(m) => m
                .layers()
                .iter()
                .filter_map(|(w, b)| b.as_ref().map(|b| Layer::of(w, b)))
                .collect::<candle_core::Result<_>>()?,
        };
        if let (Some(u), Some(first)) = (units, layers.first_mut()) {
            *first = u.to_data(first);
        }
        Ok(layers)
    }

    /// `linear 3-1`, `mlp 2-16-16-1 tanh`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Net::Linear(l) => {
                let (out, input) = l.weight().dims2().unwrap_or((0, 0));
                format!("linear {input}-{out}")
            }
            Net::Mlp(m) => m.describe(),
        }
    }
}

/// The network of `classifier` from `d` features to `outputs`, on features in `units` (its
/// start given in the data's), in `dtype` on `device`.
pub(crate) fn network(
    classifier: &Classifier,
    (d, outputs): (usize, usize),
    units: Option<&Units>,
    dtype: DType,
    device: &Device,
) -> crate::Result<Net> {
    let device = device.clone();
    // A layer on the data, as the model on `x` holds it.
    let standard = |layer: &Layer| match units {
        Some(u) => u.to_standard(layer),
        None => layer.clone(),
    };
    Ok(match classifier {
        Classifier::Linear { weight, bias } => {
            let (w, b) =
                standard(&Layer::every(outputs, d, *weight, *bias)).tensors(dtype, &device)?;
            Net::Linear(Linear::from_tensors(w, Some(b))?)
        }
        Classifier::Given { layers, activation } => {
            let (first, last) = match (layers.first(), layers.last()) {
                (Some(first), Some(last)) => (first, last),
                _ => return Err(crate::Error::Usage("a network needs a layer".into())),
            };
            if first.inputs != d || last.outputs() != outputs {
                return Err(crate::Error::Data {
                    at: "the network given".into(),
                    msg: format!(
                        "it takes {} and gives {}; this data has {} and the loss reads {}",
                        crate::number::count(first.inputs, "feature"),
                        crate::number::count(last.outputs(), "output"),
                        crate::number::count(d, "feature"),
                        crate::number::count(outputs, "output"),
                    ),
                });
            }
            let mut tensors = Vec::with_capacity(layers.len());
            for (i, layer) in layers.iter().enumerate() {
                let layer = if i == 0 {
                    standard(layer)
                } else {
                    layer.clone()
                };
                tensors.push(layer.tensors(dtype, &device)?);
            }
            match tensors.len() {
                1 => {
                    let (w, b) = tensors.remove(0);
                    Net::Linear(Linear::from_tensors(w, Some(b))?)
                }
                _ => {
                    let sizes: Vec<usize> = std::iter::once(d)
                        .chain(layers.iter().map(Layer::outputs))
                        .collect();
                    let mlp = Mlp::new(&sizes, *activation, 0, dtype, &device)?;
                    mlp.set(&tensors)?;
                    Net::Mlp(mlp)
                }
            }
        }
        Classifier::Mlp {
            hidden,
            activation,
            seed,
        } => {
            let sizes: Vec<usize> = [d]
                .into_iter()
                .chain(hidden.iter().copied())
                .chain([outputs])
                .collect();
            let parameters = Mlp::parameters_of(&sizes);
            if parameters > MOST_PARAMETERS {
                return Err(crate::Error::Usage(format!(
                    "this MLP has {parameters} parameters: at most {MOST_PARAMETERS} are trained \
                     here"
                ))
                .mend(crate::Remedy::SmallerHidden));
            }
            Net::Mlp(Mlp::new(&sizes, *activation, *seed, dtype, &device)?)
        }
    })
}

/// A classifier ready to train: its network, the features as it sees them, the targets as the
/// loss reads them, and its number of outputs.
pub(crate) struct Prepared {
    pub net: Net,
    pub x: Tensor,
    pub targets: Tensor,
    pub outputs: usize,
}

/// Checks the labels of `data` against its classes and `loss`, and builds `classifier` on it.
pub(crate) fn prepare(
    data: &Labelled,
    classifier: &Classifier,
    loss: &AnyLoss,
) -> crate::Result<Prepared> {
    let (n, d) = data.x.dims2()?;
    if data.labels.len() != n {
        return Err(crate::Error::Usage(format!(
            "{n} points but {} labels",
            data.labels.len()
        )));
    }
    let classes = data.classes.len();
    // The labels are data: what is wrong with them is the data's fault (exit 1), not the
    // command line's.
    let labels = |msg: String| crate::Error::Data {
        at: "the labels".into(),
        msg,
    };
    if classes < 2 {
        return Err(labels(format!(
            "they hold {}: a classifier needs two classes or more",
            match data.classes.first() {
                Some(c) => format!("one class, `{c}`"),
                None => "no class".to_string(),
            }
        )));
    }
    if let Some(&bad) = data.labels.iter().find(|&&l| l as usize >= classes) {
        return Err(labels(format!(
            "label {bad} is not one of the {classes} classes"
        )));
    }
    let outputs = outputs(loss, classes)?;
    let (dtype, device) = (data.x.dtype(), data.x.device().clone());
    let units = data.units.as_ref();
    // The features as the model sees them.
    let x = match units {
        Some(u) => u.apply(&data.x)?,
        None => data.x.clone(),
    };
    let net = network(classifier, (d, outputs), units, dtype, &device)?;
    let targets = targets_of(&data.labels, outputs, dtype, &device)?;
    Ok(Prepared {
        net,
        x,
        targets,
        outputs,
    })
}

/// The targets as the loss reads them: 0/1 in the logits' shape `(N, 1)` for one output, or
/// class indices.
fn targets_of(
    labels: &[u32],
    outputs: usize,
    dtype: DType,
    device: &Device,
) -> candle_core::Result<Tensor> {
    match outputs {
        1 => {
            let values: Vec<f64> = labels.iter().map(|&l| f64::from(l)).collect();
            Tensor::from_vec(values, (labels.len(), 1), device)?.to_dtype(dtype)
        }
        _ => Tensor::from_vec(labels.to_vec(), labels.len(), device),
    }
}

/// How many outputs the loss reads: one logit (or probability) for the binary losses, a logit
/// a class for cross-entropy; a loss that cannot classify `classes` classes is refused.
pub fn outputs(loss: &AnyLoss, classes: usize) -> crate::Result<usize> {
    match loss.which() {
        LossName::BceLogits | LossName::Bce if classes <= 2 => Ok(1),
        LossName::BceLogits | LossName::Bce => Err(crate::Error::Data {
            at: "the labels".into(),
            msg: format!(
                "{} tells two classes apart, and the data has {classes}: use cross-entropy",
                loss.label()
            ),
        }),
        LossName::CrossEntropy => Ok(classes),
        _ => Err(crate::Error::Usage(format!(
            "{} is a regression loss: a classifier trains under bce-logits, bce or cross-entropy",
            loss.label()
        ))),
    }
}

/// The names of a linear classifier's parameters, in the order of [`ClassRow::params`].
pub fn columns(classifier: &Classifier, outputs: usize, data: &Labelled) -> Vec<String> {
    if !classifier.is_linear() {
        return Vec::new();
    }
    if outputs == 1 && data.features.len() == 1 {
        return vec!["weight".into(), "bias".into()];
    }
    if outputs == 1 {
        let weights = data.features.iter().map(|f| format!("w.{f}"));
        return weights.chain(["bias".to_string()]).collect();
    }
    let weights = data
        .classes
        .iter()
        .flat_map(|c| data.features.iter().map(move |f| format!("w.{c}.{f}")));
    let biases = data.classes.iter().map(|c| format!("bias.{c}"));
    weights.chain(biases).collect()
}

/// Trains `classifier` on `data` under `loss` with the optimizer of `settings` for `epochs`
/// epochs, an update a batch of `cut` (full batch: [`Batches::new`] without a size), at the
/// rates of `course`'s schedule, showing `on_row` each epoch's row (the loss and accuracy on
/// the whole data); `on_row` may stop the run. With validation points `val` (the same classes
/// and units), each row has their loss and accuracy, the best epoch is marked and `course` may
/// stop the run early. On two features it keeps the map at `frames` epochs evenly spread from
/// the first to the last (none for 0), for an animation.
pub fn fit_classifier(
    (data, val): (&Labelled, Option<&Labelled>),
    classifier: &Classifier,
    loss: &AnyLoss,
    settings: Settings,
    (epochs, cut, course): (usize, Batches, &super::Course),
    frames: usize,
    mut on_row: impl FnMut(&ClassRow) -> ControlFlow<()>,
) -> crate::Result<ClassFit> {
    let Prepared {
        net,
        x,
        targets,
        outputs,
    } = prepare(data, classifier, loss)?;
    let (n, d) = data.x.dims2()?;
    let classes = data.classes.len();
    let (dtype, device) = (data.x.dtype(), data.x.device().clone());
    let units = data.units.as_ref();
    let probabilities = loss.which() == LossName::Bce;
    let scores = |x: &Tensor| -> candle_core::Result<Tensor> {
        let out = net.forward(x)?;
        if probabilities {
            candle_nn::ops::sigmoid(&out)
        } else {
            Ok(out)
        }
    };
    // The scores of points in the data's units: the maps'.
    let scores_of_data = |points: &Tensor| match units {
        Some(u) => scores(&u.apply(points)?),
        None => scores(points),
    };
    // The network's layers in the data's units.
    let trained = || net.layers(units);
    let columns = columns(classifier, outputs, data);
    let mut optimizer = AnyOptimizer::new(net.parameters(), settings)?;
    let mut fit = ClassFit {
        columns,
        history: Thinned::new(2000),
        first: None,
        last: None,
        confusion: vec![vec![0; classes]; classes],
        separable: false,
        diverged: None,
        best: None,
        stopped: None,
        map: None,
        frames: Vec::new(),
        trained: Vec::new(),
    };
    let framed = match d {
        2 => crate::thin::evenly(epochs.saturating_add(1), frames),
        _ => Vec::new(),
    };
    let threshold = if probabilities { 0.5 } else { 0.0 };
    // The predictions of the last row kept: the confusion matrix is that row's.
    let mut predicted_last: Vec<u32> = Vec::new();
    let (batches, steps) = (cut.count(), epochs.saturating_mul(cut.count()));
    let mut epoch_data = Vec::new();
    // Logistic regression on the CPU takes the fused pass (`loss::logistic`), which also
    // counts the points it classifies right: the row needs no second pass over the data.
    let fast = match (&net, loss) {
        (Net::Linear(layer), AnyLoss::BceLogits(bce)) if outputs == 1 => {
            let bias = layer.bias().map(|b| b.as_tensor().clone());
            bias.map(|b| (*bce, layer.weight().as_tensor().clone(), b))
        }
        _ => None,
    };
    let logistic = |x: &Tensor, y: &Tensor| -> candle_core::Result<loss::Logistic> {
        match &fast {
            Some((bce, weight, bias)) => loss::logistic(bce, x, y, weight, bias),
            None => candle_core::bail!("the fused pass is logistic regression's"),
        }
    };
    // The validation points as the model sees them, their targets and labels.
    let val = match val {
        Some(v) => {
            let xv = match units {
                Some(u) => u.apply(&v.x)?,
                None => v.x.clone(),
            };
            Some((
                xv,
                targets_of(&v.labels, outputs, dtype, &device)?,
                &v.labels,
            ))
        }
        None => None,
    };
    // The loss and accuracy on the validation points.
    let validate = || -> candle_core::Result<Option<(f64, f64)>> {
        let Some((xv, tv, labels)) = &val else {
            return Ok(None);
        };
        let m = labels.len() as f64;
        if fast.is_some() {
            let out = logistic(xv, tv)?;
            return Ok(Some((model::scalar(&out.loss)?, out.right as f64 / m)));
        }
        let out = scores(xv)?;
        let v = model::scalar(&loss.forward(&out, tv, Reduction::Mean)?)?;
        let right = predict(&out, threshold)?
            .iter()
            .zip(labels.iter())
            .filter(|(p, l)| p == l)
            .count();
        Ok(Some((v, right as f64 / m)))
    };
    let mut pace = super::Pace::new(course, &settings, (epochs, batches))?;
    let vars = net.parameters();
    let right_now = std::cell::Cell::new(0);
    // A full batch's scores are the whole data's: the row's accuracy reads them.
    let scored = std::cell::RefCell::new(None);
    let ended = train(
        &mut optimizer,
        |step| {
            let part = cut.part((step, steps), &[&x, &targets], &mut epoch_data)?;
            if fast.is_some() {
                let out = logistic(&part[0], &part[1])?;
                right_now.set(out.right);
                return Ok(out.loss);
            }
            let out = scores(&part[0])?;
            if cut.full() {
                scored.replace(Some(out.clone()));
            }
            loss.forward(&out, &part[1], Reduction::Mean)
        },
        steps,
        |step, optimizer| {
            if step.step % batches != 0 {
                pace.at(step.step, None, optimizer);
                return Ok(ControlFlow::Continue(()));
            }
            // The row's loss and accuracy are the whole data's, not the batch's.
            let (whole, right) = match (cut.full(), fast.is_some()) {
                (true, true) => (step.loss, right_now.get()),
                (false, true) => {
                    let out = logistic(&x, &targets)?;
                    (model::scalar(&out.loss)?, out.right)
                }
                (full, false) => {
                    // The whole data's scores: a full batch's training forward, else one more.
                    let out = match scored.take() {
                        Some(out) => out,
                        None => scores(&x)?,
                    };
                    let whole = match full {
                        true => step.loss,
                        false => model::scalar(&loss.forward(&out, &targets, Reduction::Mean)?)?,
                    };
                    // A batch's loss was finite, the whole data's is not: no row, and the
                    // confusion matrix stays the last row's.
                    if !whole.is_finite() {
                        (whole, 0)
                    } else {
                        let predicted = predict(&out, threshold)?;
                        let right = predicted
                            .iter()
                            .zip(&data.labels)
                            .filter(|(p, l)| p == l)
                            .count();
                        predicted_last = predicted;
                        (whole, right)
                    }
                }
            };
            // A batch's loss was finite, the whole data's is not: the run diverged here.
            if !whole.is_finite() {
                let start = fit.first.as_ref().map(|f| f.loss);
                fit.diverged = Some(Diverged::non_finite(step.step / batches, start));
                return Ok(ControlFlow::Break(()));
            }
            let params = match &net {
                Net::Linear(_) => trained()?
                    .into_iter()
                    .flat_map(|l| l.weight.into_iter().chain(l.bias))
                    .collect(),
                Net::Mlp(_) => Vec::new(),
            };
            let validated = validate()?;
            // A plateau follows the validation loss where there is one.
            pace.at(step.step, Some(validated.map_or(whole, |v| v.0)), optimizer);
            let row = ClassRow {
                epoch: step.step / batches,
                params,
                loss: whole,
                accuracy: right as f64 / n as f64,
                lr: pace.lr(),
                val_loss: validated.map(|v| v.0),
                val_accuracy: validated.map(|v| v.1),
            };
            let start = fit.first.get_or_insert_with(|| row.clone()).loss;
            fit.diverged = Diverged::check(row.epoch, row.loss, start);
            fit.history.push(row.clone());
            fit.last = Some(row.clone());
            if fit.diverged.is_some() {
                return Ok(ControlFlow::Break(()));
            }
            let mut stop = false;
            if let Some((v, _)) = validated {
                let stopped = pace.judge((row.epoch, v), &row, &vars)?;
                fit.stopped = stopped;
                stop = stopped.is_some();
            }
            // A run that stops early ends its animation where it stopped.
            if framed.binary_search(&row.epoch).is_ok() || (stop && !framed.is_empty()) {
                let map = ClassMap::over(&data.x, outputs, probabilities, &scores_of_data)?;
                fit.frames.push(ClassFrame {
                    row: row.clone(),
                    map,
                });
            }
            let written = on_row(&row);
            Ok(if stop {
                ControlFlow::Break(())
            } else {
                written
            })
        },
    )?;
    if let Ended::NonFinite { step } = ended {
        fit.diverged = Some(Diverged::non_finite(
            step.div_ceil(batches),
            fit.first.as_ref().map(|f| f.loss),
        ));
    }
    // A run that stopped early ends at its best epoch: its parameters, confusion matrix and map.
    pace.rewind(&vars)?;
    fit.best = pace.take_best();
    let kept = fit.kept().cloned();
    if fit.stopped.is_some() && fast.is_none() {
        predicted_last = predict(&scores(&x)?, threshold)?;
    }
    if let (Some(_), Some(last)) = (&fast, &kept) {
        // The kept row's layer, from its parameters: the weights may have moved on since.
        let w = Tensor::from_vec(last.params[..d].to_vec(), (1, d), &device)?.to_dtype(dtype)?;
        let b = Tensor::from_vec(vec![last.params[d]], 1, &device)?.to_dtype(dtype)?;
        let z = data.x.matmul(&w.t()?)?.broadcast_add(&b)?;
        predicted_last = predict(&z, 0.0)?;
    }
    for (p, &l) in predicted_last.iter().zip(&data.labels) {
        fit.confusion[l as usize][*p as usize] += 1;
    }
    if d == 2 && fit.diverged.is_none() {
        // The last frame's map is the end's when it was taken at the last row.
        fit.map = match fit.frames.last() {
            Some(frame) if Some(&frame.row) == kept.as_ref() => Some(frame.map.clone()),
            _ => Some(ClassMap::over(
                &data.x,
                outputs,
                probabilities,
                &scores_of_data,
            )?),
        };
    }
    fit.trained = trained()?;
    let all_right = kept.as_ref().is_some_and(|r| r.accuracy == 1.0);
    fit.separable = classifier.is_linear()
        && all_right
        && settings.weight_decay() == 0.0
        && fit.diverged.is_none();
    Ok(fit)
}

/// Each point's predicted class: the score's sign (against `threshold`) for one output, the
/// largest score otherwise.
fn predict(scores: &Tensor, threshold: f64) -> candle_core::Result<Vec<u32>> {
    let (_, outputs) = scores.dims2()?;
    if outputs == 1 {
        let s: Vec<f64> = scores.flatten_all()?.to_dtype(DType::F64)?.to_vec1()?;
        Ok(s.iter().map(|&v| u32::from(v >= threshold)).collect())
    } else {
        scores.argmax(D::Minus1)?.to_vec1::<u32>()
    }
}
