//! A training run in one picture: the path over the landscape beside the loss per epoch.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{pad, span, Figure, Heatmap, LossCurve, LossHistory, Series, Track, SIZE};
use crate::objective::Objective;
use crate::train::{Fit, LineRun, Race};

/// Where a descent is drawn: on the loss curve (bias pinned) or on the (A, b) heat map.
#[derive(Debug, Clone)]
pub enum Landscape {
    Curve(LossCurve),
    Map(Heatmap),
}

/// A training run: the path over the landscape on the left, loss against epoch on the right.
#[derive(Debug, Clone)]
pub struct TrainFigure {
    pub landscape: Landscape,
    pub history: LossHistory,
}

impl Figure for TrainFigure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let (left, right) = root.split_horizontally(SIZE.0);
        match &self.landscape {
            Landscape::Curve(curve) => curve.draw(&left)?,
            Landscape::Map(map) => map.draw(&left)?,
        }
        self.history.draw(&right)
    }

    fn size(&self) -> (u32, u32) {
        (SIZE.0 + 600, SIZE.1)
    }
}

impl TrainFigure {
    /// The figure as it stood `fraction` of the way through the run (0 the start, 1 the end):
    /// every track and loss series cut there, the axes left where the whole run puts them, so
    /// that the frames of an animation line up.
    pub fn upto(&self, fraction: f64) -> TrainFigure {
        let fraction = fraction.clamp(0.0, 1.0);
        let cut = |tracks: &[Track]| -> Vec<Track> {
            tracks
                .iter()
                .map(|t| {
                    let keep =
                        (fraction * t.points.len().saturating_sub(1) as f64).round() as usize;
                    Track {
                        label: t.label.clone(),
                        points: t.points[..(keep + 1).min(t.points.len())].to_vec(),
                        steps: (fraction * t.steps as f64).round() as usize,
                    }
                })
                .collect()
        };
        let landscape = match &self.landscape {
            Landscape::Curve(c) => Landscape::Curve(LossCurve {
                tracks: cut(&c.tracks),
                ..c.clone()
            }),
            Landscape::Map(m) => Landscape::Map(Heatmap {
                tracks: cut(&m.tracks),
                ..m.clone()
            }),
        };
        let all = || self.history.series.iter().flat_map(|s| &s.losses);
        let x = span(all().map(|p| p.0));
        let y = span(all().map(|p| p.1).chain(self.history.optimum_loss));
        let last_epoch = x.map_or(0.0, |x| x.1);
        let series = self
            .history
            .series
            .iter()
            .map(|s| Series {
                label: s.label.clone(),
                losses: s
                    .losses
                    .iter()
                    .copied()
                    .filter(|&(e, _)| e <= fraction * last_epoch + 1e-9)
                    .collect(),
            })
            .collect();
        let seen = |epoch: f64| epoch <= fraction * last_epoch + 1e-9;
        TrainFigure {
            landscape,
            history: LossHistory {
                series,
                extent: self.history.extent.or(x.zip(y)),
                // The best epoch is marked once the run has reached it; the rate's panel shows
                // the whole schedule, known from the start.
                best: self.history.best.filter(|b| seen(b.0)),
                ..self.history.clone()
            },
        }
    }

    /// Every point of every track as a line `(weight, bias)` (see [`TrainFigure::current_lines`]).
    pub fn all_lines(&self) -> Vec<(f64, f64)> {
        match &self.landscape {
            Landscape::Map(m) => m.tracks.iter().flat_map(|t| t.points.clone()).collect(),
            Landscape::Curve(c) => c
                .tracks
                .iter()
                .flat_map(|t| t.points.iter().map(|&(w, _)| (w, 0.0)))
                .collect(),
        }
    }

    /// The tracks' current ends as lines `(label, weight, bias)`: on the heat map a track is
    /// `(A, b)`; on the curve, with the bias pinned, `(A, loss)` and b is 0.
    pub fn current_lines(&self) -> Vec<(String, f64, f64)> {
        match &self.landscape {
            Landscape::Map(m) => m
                .tracks
                .iter()
                .filter_map(|t| t.points.last().map(|&(w, b)| (t.label.clone(), w, b)))
                .collect(),
            Landscape::Curve(c) => c
                .tracks
                .iter()
                .filter_map(|t| t.points.last().map(|&(w, _)| (t.label.clone(), w, 0.0)))
                .collect(),
        }
    }
}

impl TrainFigure {
    /// The picture of one run or several on the same data (the race): each path over the exact loss
    /// landscape (the curve when the bias is pinned, the (A, b) heat map when it is learnt), and the
    /// losses against epoch, each named by its label.
    pub fn of(
        runs: &[(&str, &Fit)],
        objective: &Objective,
        learn_bias: bool,
        source: &str,
    ) -> TrainFigure {
        Self::over(runs, objective, learn_bias, source, None)
    }

    /// [`TrainFigure::of`] over the given `axes` (weights, biases) rather than a view fitted to
    /// the paths: a landscape that holds still while the paths change (the playground's).
    pub fn over(
        runs: &[(&str, &Fit)],
        objective: &Objective,
        learn_bias: bool,
        source: &str,
        axes: Option<(Vec<f64>, Vec<f64>)>,
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
        let (weights, fixed_biases) = match axes {
            Some((weights, biases)) => (weights, Some(biases)),
            None => (
                around(&mut all().map(|p| p.0).chain(optimum.map(|o| o.weight))),
                None,
            ),
        };
        let track = |(label, fit): &(&str, &Fit), points: Vec<(f64, f64)>| Track {
            label: label.to_string(),
            points,
            steps: fit.path.seen().saturating_sub(1),
        };
        let title = format!("gradient descent on {source} under {label}");
        let landscape = if learn_bias {
            let biases = fixed_biases.unwrap_or_else(|| {
                let mut biases = around(&mut all().map(|p| p.1).chain(optimum.map(|o| o.bias)));
                // At least the bias range that costs as much loss as the weight's range does.
                let (w_lo, w_hi) = (weights[0], weights[weights.len() - 1]);
                let (b_lo, b_hi) = (biases[0], biases[biases.len() - 1]);
                let half = crate::grid::bias_radius(moments, 0.5 * (w_hi - w_lo));
                if half > 0.5 * (b_hi - b_lo) {
                    let mid = 0.5 * (b_lo + b_hi);
                    biases = crate::grid::linspace(mid - half, mid + half, biases.len());
                }
                biases
            });
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
                ..Default::default()
            },
        }
    }
}

impl LineRun {
    /// The picture of the run: its path over the exact loss landscape (the curve when the bias
    /// is pinned, the (A, b) heat map when it is learnt), and its loss against epoch.
    pub fn figure(&self) -> TrainFigure {
        let diverged = if self.fit.diverged.is_some() {
            " (diverged)"
        } else {
            ""
        };
        let mut figure = TrainFigure::of(
            &[("descent", &self.fit)],
            &self.objective,
            self.learn_bias,
            &self.source,
        );
        figure.history.title = format!("loss per epoch{diverged}");
        let rows = self.fit.history.items();
        let best = self.fit.best_epoch();
        let rows = rows.iter().map(|r| (r.epoch, r.loss, r.lr, r.val_loss));
        figure.history = figure.history.run(rows, best);
        figure
    }
}

impl Race {
    /// Every lane's path on one landscape, and every loss on one axis.
    pub fn figure(&self) -> TrainFigure {
        let names = self.names();
        let runs: Vec<(&str, &Fit)> = names
            .iter()
            .zip(&self.lanes)
            .map(|(name, l)| (name.as_str(), &l.fit))
            .collect();
        let mut figure = TrainFigure::of(&runs, &self.objective, self.learn_bias, &self.source);
        figure.history.title = "loss per epoch".into();
        figure.history.rates = runs
            .iter()
            .map(|(name, fit)| Series {
                label: name.to_string(),
                losses: fit
                    .history
                    .items()
                    .iter()
                    .map(|r| (r.epoch as f64, r.lr))
                    .collect(),
            })
            .collect();
        figure
    }
}

impl crate::landscape::LossPlane {
    /// The plane with the run beside its loss per recorded epoch: what an animation draws.
    pub fn train_figure(&self) -> TrainFigure {
        TrainFigure {
            landscape: Landscape::Map(self.figure()),
            history: LossHistory {
                loss: self.loss.label(),
                title: "loss per epoch".into(),
                series: vec![Series {
                    label: "training loss".into(),
                    losses: self
                        .epochs
                        .iter()
                        .zip(&self.path_losses)
                        .map(|(&e, &l)| (e as f64, l))
                        .collect(),
                }],
                optimum_loss: None,
                extent: None,
                ..Default::default()
            },
        }
    }
}
