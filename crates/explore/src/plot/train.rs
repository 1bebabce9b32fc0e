//! A training run in one picture: the path over the landscape beside the loss per epoch.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{span, Figure, Heatmap, LossCurve, LossHistory, Series, Track, SIZE};

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
        TrainFigure {
            landscape,
            history: LossHistory {
                series,
                extent: self.history.extent.or(x.zip(y)),
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
