//! The landscape of a model on several features or on labels: a linear layer (the plane,
//! logistic or softmax regression) or an MLP, trained full batch under its loss as `train`
//! trains it, then the loss over a plane around where it ended, with the path on it.

use candle_core::Tensor;
use candle_nn::VarMap;
use loss::{AnyLoss, Reduction};

use super::{record, Config, LossPlane, Params, RECORDS};
use crate::train::classes::{network, prepare, Net};
use crate::train::{Classifier, Labelled, Layer, Units};

/// The landscape of `classifier` on the labelled `data` under `loss` (a classifier's), trained
/// with `config`'s optimizer for its epochs from the classifier's start.
pub fn of_labelled(
    data: &Labelled,
    classifier: &Classifier,
    loss: &AnyLoss,
    config: &Config,
    progress: &dyn Fn(usize, usize),
) -> crate::Result<LossPlane> {
    of_labelled_until(data, classifier, loss, config, (progress, &|| false))
}

/// [`of_labelled`], given up with an error ([`super::STOPPED`]) at the first step after
/// `stop()` says so. (A classifier's run is streamed by `fit_classifier`; this trains its
/// landscape's full-batch run.)
pub fn of_labelled_until(
    data: &Labelled,
    classifier: &Classifier,
    loss: &AnyLoss,
    config: &Config,
    (progress, stop): (&dyn Fn(usize, usize), &dyn Fn() -> bool),
) -> crate::Result<LossPlane> {
    let ready = prepare(data, classifier, loss)?;
    around(
        &ready.net,
        (&ready.x, &ready.targets),
        loss,
        config,
        (progress, stop),
    )
}

/// The landscape of `model` (a linear layer or an MLP, one output) regressing `y` `(N,)` on the
/// features `x` `(N, d)`, in `units` where given, under `loss` (a regression loss).
pub fn of_values(
    (x, y): (&Tensor, &Tensor),
    units: Option<&Units>,
    model: &Classifier,
    loss: &AnyLoss,
    config: &Config,
    progress: &dyn Fn(usize, usize),
) -> crate::Result<LossPlane> {
    let (n, d) = x.dims2()?;
    let net = network(model, (d, 1), units, x.dtype(), x.device())?;
    let x = match units {
        Some(u) => u.apply(x)?,
        None => x.clone(),
    };
    around(
        &net,
        (&x, &y.reshape((n, 1))?),
        loss,
        config,
        (progress, &|| false),
    )
}

/// Trains `net` on `x` and `targets` and draws the plane around its end.
fn around(
    net: &Net,
    (x, targets): (&Tensor, &Tensor),
    loss: &AnyLoss,
    config: &Config,
    (progress, stop): (&dyn Fn(usize, usize), &dyn Fn() -> bool),
) -> crate::Result<LossPlane> {
    let varmap = net.varmap()?;
    let value = |_: &VarMap| {
        super::stopped(stop)?;
        loss.forward(&net.forward(x)?, targets, Reduction::Mean)
    };
    let run = record(
        &varmap,
        &value,
        (config.optimizer, &config.course),
        (config.epochs, RECORDS),
        None,
        &|_, _, _| {},
        None,
    )?;
    let mut plane = LossPlane::around(&varmap, &value, &run, config, progress)?;
    plane.model = net.describe();
    plane.loss = *loss;
    Ok(plane)
}

/// The layers of a landscape's trained parameters (a linear layer's `weight` and `bias`, or an
/// MLP's `layer{i}.weight` and `layer{i}.bias`), as `train::save_layers` writes them.
pub fn layers(params: &Params) -> crate::Result<Vec<Layer>> {
    let tensor = |name: &str| {
        params
            .names
            .iter()
            .position(|n| n == name)
            .map(|i| &params.tensors[i])
    };
    if let (Some(w), Some(b)) = (tensor("weight"), tensor("bias")) {
        return Ok(vec![Layer::of(w, b)?]);
    }
    let mut layers = Vec::new();
    for i in 0.. {
        match (
            tensor(&format!("layer{i}.weight")),
            tensor(&format!("layer{i}.bias")),
        ) {
            (Some(w), Some(b)) => layers.push(Layer::of(w, b)?),
            _ => break,
        }
    }
    Ok(layers)
}
