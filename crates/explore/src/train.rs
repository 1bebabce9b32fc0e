//! Gradient descent on the line with candle's autograd: the forward pass, the loss, `backward`,
//! and an SGD step, once per epoch over the whole data set (full batch).

use candle_core::{DType, Tensor};
use candle_nn::optim::{Optimizer, SGD};
use loss::line_mse;
use model::{Linear, Moments};

use crate::report::{human, Report};

/// One row of a training run: the parameters after `epoch` updates, the loss there, and the
/// gradient there (the one the next update follows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub epoch: usize,
    pub weight: f64,
    pub bias: f64,
    pub loss: f64,
    pub grad_weight: f64,
    /// 0 when the bias is pinned.
    pub grad_bias: f64,
}

/// Why training stopped before its last epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diverged {
    /// The epoch whose loss was not finite (NaN or infinite).
    pub epoch: usize,
    pub lr: f64,
}

/// The rows of a run, `0..=epochs` or up to the last finite loss, and whether it diverged.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub steps: Vec<Step>,
    pub diverged: Option<Diverged>,
}

/// Trains `model` on `x`, `y` (both `(N,)`) with plain SGD at learning rate `lr` for `epochs`
/// full-batch updates. `on_step` sees every row as it is made (for progress).
///
/// Row `e` holds the parameters after `e` updates and the loss at them, so row 0 is the start.
/// At the first non-finite loss it stops: the rows before it are returned with `diverged` set.
pub fn train(
    model: &Linear,
    x: &Tensor,
    y: &Tensor,
    lr: f64,
    epochs: usize,
    mut on_step: impl FnMut(&Step),
) -> candle_core::Result<Trajectory> {
    let mut sgd = SGD::new(model.parameters(), lr)?;
    let mut steps = Vec::with_capacity(epochs + 1);
    for epoch in 0..=epochs {
        // Forward: the mean squared error of the predictions, `mse(&model.forward(x)?, y, Mean)`,
        // computed by `line_mse` in one fused pass over the data (on the CPU; plain ops elsewhere).
        let bias = model.bias().map(|b| b.as_tensor());
        let loss = line_mse(x, y, model.weight().as_tensor(), bias)?;
        // Backward: candle walks the graph from `loss` and returns dL/dθ for every Var in it.
        let grads = loss.backward()?;

        let loss_value = scalar(&loss)?;
        if !loss_value.is_finite() {
            let diverged = Some(Diverged { epoch, lr });
            return Ok(Trajectory { steps, diverged });
        }
        let (weight, bias) = model.line_values()?;
        let grad_of = |var: Option<&candle_core::Var>| -> candle_core::Result<f64> {
            match var.and_then(|v| grads.get(v.as_tensor())) {
                Some(g) => scalar(g),
                None => Ok(0.0),
            }
        };
        let step = Step {
            epoch,
            weight,
            bias,
            loss: loss_value,
            grad_weight: grad_of(Some(model.weight()))?,
            grad_bias: grad_of(model.bias())?,
        };
        on_step(&step);
        steps.push(step);

        // The update θ ← θ − lr·dL/dθ, after the last row is recorded but not after the last
        // epoch: row `epochs` is the result of `epochs` updates.
        if epoch < epochs {
            sgd.step(&grads)?;
        }
    }
    Ok(Trajectory {
        steps,
        diverged: None,
    })
}

fn scalar(t: &Tensor) -> candle_core::Result<f64> {
    t.flatten_all()?
        .to_dtype(DType::F64)?
        .get(0)?
        .to_scalar::<f64>()
}

/// The one-line message for a run that diverged, with the learning rate and its stable bound.
pub fn divergence_message(d: &Diverged, moments: &Moments, learn_bias: bool) -> String {
    format!(
        "the loss became non-finite at epoch {}: learning rate {} is too large; gradient descent \
         is stable only for lr < 2/λmax(H) = {} on this data",
        d.epoch,
        human(d.lr),
        human(moments.max_stable_lr(learn_bias))
    )
}

/// The report of a run: rows `epoch, weight, bias, loss`, the lowest loss marked, and the last
/// row beside the closed-form optimum.
pub fn train_report(
    trajectory: &Trajectory,
    moments: &Moments,
    learn_bias: bool,
    dtype: DType,
) -> Report {
    let steps = &trajectory.steps;
    let column = |f: fn(&Step) -> f64| steps.iter().map(f).collect::<Vec<f64>>();
    let losses = column(|s| s.loss);
    let fit = if learn_bias {
        model::BiasFit::Learn
    } else {
        model::BiasFit::Fixed(0.0)
    };
    let optimum = moments.least_squares(fit);
    let mut summary = Vec::new();
    if let Some(last) = steps.last() {
        let params = if learn_bias {
            format!("A = {}, b = {}", human(last.weight), human(last.bias))
        } else {
            format!("A = {}", human(last.weight))
        };
        summary.push(format!(
            "after {} epochs: {params} (loss {}); {}",
            last.epoch,
            human(last.loss),
            crate::sweep::describe_optimum(&optimum, learn_bias)
        ));
    }
    let mut json = serde_json::Map::new();
    json.insert("optimum".into(), crate::sweep::optimum_json(&optimum));
    json.insert(
        "max_stable_lr".into(),
        serde_json::json!(moments.max_stable_lr(learn_bias)),
    );
    Report {
        columns: vec!["epoch", "weight", "bias", "loss"],
        values: vec![
            column(|s| s.epoch as f64),
            column(|s| s.weight),
            column(|s| s.bias),
            losses.clone(),
        ],
        minimum: crate::sweep::argmin(&losses),
        dtype,
        summary,
        json,
    }
}

/// The picture of a run: its path over the exact loss landscape (the curve when the bias is
/// pinned, the (A, b) heat map when it is learnt), and its loss against epoch.
pub fn train_figure(
    trajectory: &Trajectory,
    moments: &Moments,
    learn_bias: bool,
    source: &str,
) -> crate::plot::TrainFigure {
    use crate::plot::{pad, span, Heatmap, Landscape, LossCurve, LossHistory, TrainFigure};
    let steps = &trajectory.steps;
    let fit = if learn_bias {
        model::BiasFit::Learn
    } else {
        model::BiasFit::Fixed(0.0)
    };
    let optimum = moments.least_squares(fit).ok();
    // The view covers the whole path and the optimum, with a margin.
    let around = |values: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = pad(span(values).unwrap_or((-1.0, 1.0)), 0.15);
        crate::spec::linspace(lo, hi, 121)
    };
    let weights = around(
        &mut steps
            .iter()
            .map(|s| s.weight)
            .chain(optimum.map(|o| o.weight)),
    );
    let title = format!("gradient descent on {source}");
    let landscape = if learn_bias {
        let mut biases = around(&mut steps.iter().map(|s| s.bias).chain(optimum.map(|o| o.bias)));
        // As in `sweep::default_grid`: give b the range where it costs as much loss as A does
        // over its range, so the bowl reads as a bowl rather than as stripes.
        let (w_lo, w_hi) = (weights[0], weights[weights.len() - 1]);
        let (b_lo, b_hi) = (biases[0], biases[biases.len() - 1]);
        let half = 0.5 * (w_hi - w_lo) * moments.mean_xx().sqrt();
        if half > 0.5 * (b_hi - b_lo) {
            let mid = 0.5 * (b_lo + b_hi);
            biases = crate::spec::linspace(mid - half, mid + half, biases.len());
        }
        let (gw, gb) = crate::sweep::grid(&weights, &biases);
        let losses = gw
            .iter()
            .zip(&gb)
            .map(|(&w, &b)| moments.loss(w, b))
            .collect();
        Landscape::Map(Heatmap {
            title,
            x_label: "weight A".into(),
            y_label: "bias b".into(),
            weights,
            biases,
            losses,
            minimum: None,
            optimum: optimum.map(|o| (o.weight, o.bias, o.loss)),
            path: steps.iter().map(|s| (s.weight, s.bias)).collect(),
        })
    } else {
        Landscape::Curve(LossCurve {
            title,
            x_label: "weight A".into(),
            curve: weights.iter().map(|&w| (w, moments.loss(w, 0.0))).collect(),
            points: Vec::new(),
            minimum: None,
            optimum: optimum.map(|o| (o.weight, o.loss)),
            path: steps.iter().map(|s| (s.weight, s.loss)).collect(),
        })
    };
    let diverged = if trajectory.diverged.is_some() {
        " (diverged)"
    } else {
        ""
    };
    TrainFigure {
        landscape,
        history: LossHistory {
            title: format!("loss per epoch{diverged}"),
            losses: steps.iter().map(|s| (s.epoch as f64, s.loss)).collect(),
            optimum_loss: optimum.map(|o| o.loss),
        },
    }
}

/// Saves the line's parameters as safetensors: `weight` `(1, 1)` and, when learnable, `bias`
/// `(1,)`, the shapes of PyTorch's `nn.Linear(1, 1)`.
pub fn save_line(model: &Linear, path: &std::path::Path) -> crate::Result<()> {
    let mut tensors = std::collections::HashMap::new();
    tensors.insert("weight".to_string(), model.weight().as_tensor().clone());
    if let Some(b) = model.bias() {
        tensors.insert("bias".to_string(), b.as_tensor().clone());
    }
    crate::output::write_atomic_with(path, |tmp| candle_core::safetensors::save(&tensors, tmp))
}

/// Reads parameters saved by [`save_line`]: the weight, and the bias if the file has one.
pub fn load_line(path: &std::path::Path) -> crate::Result<(f64, Option<f64>)> {
    let at = path.display().to_string();
    let bad = |msg: String| crate::Error::Data {
        at: at.clone(),
        msg,
    };
    if path.is_dir() {
        return Err(bad("is a directory, not a .safetensors file".into()));
    }
    let tensors = candle_core::safetensors::load(path, &candle_core::Device::Cpu).map_err(|e| {
        bad(format!(
            "cannot read parameters: {}",
            first_line(&e.to_string())
        ))
    })?;
    let value = |name: &str| -> crate::Result<Option<f64>> {
        let Some(t) = tensors.get(name) else {
            return Ok(None);
        };
        if t.elem_count() != 1 {
            return Err(bad(format!(
                "`{name}` has shape {:?}; a line has one value",
                t.dims()
            )));
        }
        let v = scalar(t)?;
        if !v.is_finite() {
            return Err(bad(format!("`{name}` is {v}, not a finite number")));
        }
        Ok(Some(v))
    };
    let weight = value("weight")?.ok_or_else(|| bad("no `weight` tensor in the file".into()))?;
    Ok((weight, value("bias")?))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
