//! A line's training run as the user sees it: its stable learning rate, the report beside the
//! closed-form optimum, and the figure of one run or several (the race).

use model::Moments;

use super::line::{Fit, Plan};
use crate::objective::Objective;
use crate::optim::{Hyper, Settings};
use crate::plot::{
    pad, span, DataFit, Frame, Heatmap, Landscape, LossCurve, LossHistory, Series, Track,
    TrainFigure,
};
use crate::report::{describe_exact, human, Report};
use candle_core::DType;

/// The largest curvature `λmax` of the loss in the units the line trains in: the data's
/// Hessian `2·[[mean x², x̄], [x̄, 1]]` (`2·mean x²` with the bias pinned), or, on standardized
/// x (mean 0, variance 1), `2·I`, so 2.
pub fn curvature(moments: &Moments, learn_bias: bool, standardized: bool) -> f64 {
    if standardized {
        2.0
    } else {
        moments.max_curvature(learn_bias)
    }
}

/// A training run of the line, with what its report and figure need.
#[derive(Debug, Clone)]
pub struct LineRun {
    pub fit: Fit,
    /// The loss on the data: the exact landscape, the optimum and the stable bound.
    pub objective: Objective,
    pub learn_bias: bool,
    pub settings: Settings,
    pub plan: Plan,
    /// "data/linear.csv (100 points)".
    pub source: String,
    pub dtype: DType,
}

impl LineRun {
    /// The columns of a run's rows, as [`Row::values`](super::Row::values) gives them.
    pub const COLUMNS: [&'static str; 4] = ["epoch", "weight", "bias", "loss"];

    /// The largest stable learning rate of the run's optimizer, where one is known (a loss
    /// without a curvature bound, L1, has none).
    pub fn stable_lr(&self) -> Option<f64> {
        let lambda = self
            .objective
            .curvature(self.learn_bias, self.plan.standardize.is_some())?;
        self.settings.stable_lr(lambda)
    }

    /// The one-line message for a run that diverged: where, why, the learning rate and its
    /// stable bound; `None` when it did not diverge.
    pub fn divergence_message(&self) -> Option<String> {
        let d = self.fit.diverged?;
        Some(diverged_message(&d, &self.settings, self.stable_lr()))
    }

    /// The report of the run besides its rows (which are streamed as they are made): the
    /// heading, the last row beside the closed-form optimum, and the settings and whether it
    /// diverged in the JSON.
    pub fn report(&self) -> Report {
        let (optimum, how) = self
            .objective
            .best_if_cheap(model::BiasFit::learnt_or_pinned(self.learn_bias));
        let batches = match self.plan.batch_size {
            Some(b) if self.plan.shuffle => format!(", shuffled batches of {b}"),
            Some(b) => format!(", batches of {b} in file order"),
            None => String::new(),
        };
        let title = format!(
            "gradient descent on {}: {} of {}, {} lr {}{batches}{}, {} epochs, {}",
            self.source,
            self.objective.loss.label(),
            if self.learn_bias {
                "y = A·x + b"
            } else {
                "y = A·x (bias pinned at 0)"
            },
            self.settings.kind.name(),
            human(self.settings.lr),
            if self.plan.standardize.is_some() {
                ", standardized x"
            } else {
                ""
            },
            self.plan.epochs,
            self.dtype.as_str()
        );
        #[derive(serde::Serialize)]
        struct Details {
            lr: f64,
            optimizer: &'static str,
            max_stable_lr: Option<f64>,
            batch_size: Option<usize>,
            standardized: bool,
            diverged: bool,
            diverged_epoch: Option<usize>,
        }
        let details = Details {
            lr: self.settings.lr,
            optimizer: self.settings.kind.name(),
            max_stable_lr: self.stable_lr(),
            batch_size: self.plan.batch_size,
            standardized: self.plan.standardize.is_some(),
            diverged: self.fit.diverged.is_some(),
            diverged_epoch: self.fit.diverged.map(|d| d.epoch),
        };
        let mut report = Report::new(Self::COLUMNS.to_vec(), Vec::new(), self.dtype)
            .title(title)
            .loss(&self.objective.loss)
            .optimum(optimum.clone().ok())
            .details(&details);
        if let Some(u) = self.plan.standardize {
            report = report.summary(format!(
                "trained on x' = (x − {})/{}; weights and biases are shown in the data's own units",
                human(u.mean),
                human(u.std)
            ));
        }
        if let Some(last) = self.fit.last {
            let params = if self.learn_bias {
                format!("A = {}, b = {}", human(last.weight), human(last.bias))
            } else {
                format!("A = {}", human(last.weight))
            };
            report = report.summary(format!(
                "after {} epochs: {params} (loss {}); {}",
                last.epoch,
                human(last.loss),
                describe_exact(&optimum, how, self.learn_bias, None)
            ));
        }
        report
    }

    /// The picture of the run: its path over the exact loss landscape (the curve when the bias
    /// is pinned, the (A, b) heat map when it is learnt), and its loss against epoch.
    pub fn figure(&self) -> TrainFigure {
        let diverged = if self.fit.diverged.is_some() {
            " (diverged)"
        } else {
            ""
        };
        let mut figure = figure(
            &[("descent", &self.fit)],
            &self.objective,
            self.learn_bias,
            &self.source,
        );
        figure.history.title = format!("loss per epoch{diverged}");
        if let Some(series) = figure.history.series.first_mut() {
            series.label = "training loss".into();
        }
        figure
    }
}

/// The picture of one run or several on the same data (the race): each path over the exact loss
/// landscape (the curve when the bias is pinned, the (A, b) heat map when it is learnt), and the
/// losses against epoch, each named by its label.
pub fn figure(
    runs: &[(&str, &Fit)],
    objective: &Objective,
    learn_bias: bool,
    source: &str,
) -> TrainFigure {
    let fit = model::BiasFit::learnt_or_pinned(learn_bias);
    let optimum = objective.optimum(fit).ok();
    let moments = &objective.moments;
    let label = objective.loss.label();
    // The landscape is evaluated exactly; a loss that cannot be (a failed pass over the
    // points) leaves it blank rather than stopping the figure.
    let grid = |weights: &[f64], biases: &[f64]| {
        objective
            .grid(weights, biases)
            .unwrap_or_else(|_| vec![f64::NAN; weights.len() * biases.len()])
    };
    let paths: Vec<Vec<(f64, f64)>> = runs.iter().map(|(_, f)| f.path.items()).collect();
    let all = || paths.iter().flatten();
    // The view covers every path and the optimum, with a margin.
    let around = |values: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = pad(span(values).unwrap_or((-1.0, 1.0)), 0.15);
        crate::grid::linspace(lo, hi, 121)
    };
    let weights = around(&mut all().map(|p| p.0).chain(optimum.map(|o| o.weight)));
    let track = |(label, fit): &(&str, &Fit), points: Vec<(f64, f64)>| Track {
        label: label.to_string(),
        points,
        steps: fit.path.seen().saturating_sub(1),
    };
    let title = format!("gradient descent on {source} under {label}");
    let landscape = if learn_bias {
        let mut biases = around(&mut all().map(|p| p.1).chain(optimum.map(|o| o.bias)));
        // At least the bias range that costs as much loss as the weight's range does.
        let (w_lo, w_hi) = (weights[0], weights[weights.len() - 1]);
        let (b_lo, b_hi) = (biases[0], biases[biases.len() - 1]);
        let half = crate::grid::bias_radius(moments, 0.5 * (w_hi - w_lo));
        if half > 0.5 * (b_hi - b_lo) {
            let mid = 0.5 * (b_lo + b_hi);
            biases = crate::grid::linspace(mid - half, mid + half, biases.len());
        }
        let losses = grid(&weights, &biases);
        Landscape::Map(Heatmap {
            title,
            loss: label.clone(),
            x_label: "weight A".into(),
            y_label: "bias b".into(),
            weights,
            biases,
            losses,
            minimum: None,
            optimum: optimum.map(|o| (o.weight, o.bias, o.loss)),
            tracks: runs
                .iter()
                .zip(&paths)
                .map(|(run, path)| track(run, path.clone()))
                .collect(),
        })
    } else {
        let curve = grid(&weights, &[0.0]);
        Landscape::Curve(LossCurve {
            title,
            loss: label.clone(),
            x_label: "weight A".into(),
            curve: weights.iter().copied().zip(curve).collect(),
            points: Vec::new(),
            minimum: None,
            optimum: optimum.map(|o| (o.weight, o.loss)),
            how: objective.how().into(),
            tracks: runs
                .iter()
                .zip(&paths)
                .map(|(run, path)| {
                    let ws: Vec<f64> = path.iter().map(|p| p.0).collect();
                    track(run, ws.iter().copied().zip(grid(&ws, &[0.0])).collect())
                })
                .collect(),
        })
    };
    let series = runs
        .iter()
        .map(|(label, fit)| Series {
            label: label.to_string(),
            losses: fit
                .history
                .items()
                .iter()
                .map(|r| (r.epoch as f64, r.loss))
                .collect(),
        })
        .collect();
    TrainFigure {
        landscape,
        history: LossHistory {
            title: "loss per epoch".into(),
            loss: label,
            series,
            optimum_loss: optimum.map(|o| o.loss),
            extent: None,
        },
    }
}

/// Frame `k` of `count` of a run's animation (`full`, its whole figure): the run up to that
/// point, the data `points` with the current line(s) when the run is the line's, and the epoch
/// (and loss, for one run) in the title. The first frame is the start, the last the end.
pub fn animation_frame(
    full: &TrainFigure,
    points: Option<&[(f64, f64)]>,
    k: usize,
    count: usize,
) -> Frame {
    let fraction = if count > 1 {
        k as f64 / (count - 1) as f64
    } else {
        1.0
    };
    let train = full.upto(fraction);
    let last_epoch = full
        .history
        .series
        .iter()
        .filter_map(|s| s.losses.last())
        .fold(0.0f64, |m, p| m.max(p.0));
    let now = train
        .history
        .series
        .iter()
        .filter_map(|s| s.losses.last().copied())
        .collect::<Vec<_>>();
    let epoch = now.iter().fold(0.0f64, |m, p| m.max(p.0));
    let title = match now[..] {
        [(_, loss)] => format!(
            "epoch {} of {}: loss {}",
            human(epoch),
            human(last_epoch),
            human(loss)
        ),
        _ => format!("epoch {} of {}", human(epoch), human(last_epoch)),
    };
    let data = points.map(|points| {
        let shown: Vec<(f64, f64)> = crate::plot::evenly(points.len(), 2000)
            .into_iter()
            .map(|i| points[i])
            .collect();
        // The data panel's axes hold every line the run passes through, so they stay put.
        let every_line: Vec<(f64, f64)> = full.all_lines();
        DataFit {
            title: "the data and the line".into(),
            extent: DataFit::extent_for(&shown, &every_line),
            points: shown,
            lines: train.current_lines(),
        }
    });
    Frame { title, data, train }
}

/// The one message of a diverged run, whichever path trained it: what happened, the learning
/// rate and, where one is known, the bound it broke.
pub fn diverged_message(d: &super::Diverged, settings: &Settings, bound: Option<f64>) -> String {
    if d.epoch == 0 {
        // Before any step: no learning rate is to blame.
        return "the loss at the start is not a finite number (beyond the precision's range): \
                no learning rate can help; rescale the data (divide x and y by a power of ten)"
            .to_string();
    }
    let name = settings.kind.name();
    let lr = human(settings.lr);
    let why = match bound {
        // Below full-batch descent's bound: the curvature of a mini-batch was larger.
        Some(b) if b > 0.0 && settings.lr < b => format!(
            "learning rate {lr} is below full-batch {name}'s bound {} on this data, but a \
             mini-batch's curvature can exceed the whole data's: lower --lr or enlarge the \
             batches",
            bound_text(b)
        ),
        Some(b) if b > 0.0 => format!(
            "learning rate {lr} is too large; {name} is stable only for lr < {} on this data",
            bound_text(b)
        ),
        Some(_) if settings.momentum >= 1.0 && settings.kind.uses().contains(&Hyper::Momentum) => {
            format!(
                "no learning rate is stable for {name} with momentum {}",
                human(settings.momentum)
            )
        }
        Some(_) => "no learning rate is stable on this data: its curvature is beyond the \
                    precision's range; rescale x"
            .to_string(),
        None => format!("learning rate {lr} is too large for {name} on this data"),
    };
    format!("{}: {why}", d.describe())
}

/// A stable bound as text: six significant digits, rounded down where rounding would go above
/// the bound (it is a promise for every rate below it).
pub fn bound_text(bound: f64) -> String {
    let short = human(bound);
    if !bound.is_finite() || short.parse::<f64>().is_ok_and(|v| v <= bound) {
        return short;
    }
    let scale = 10f64.powi(5 - bound.abs().log10().floor() as i32);
    let down = human((bound * scale).floor() / scale);
    match down.parse::<f64>() {
        Ok(v) if v <= bound => down,
        _ => format!("{bound}"),
    }
}
