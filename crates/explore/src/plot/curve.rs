//! Loss against one parameter: the sweep's curve, and the path of a descent with the bias pinned.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    clipped_lines, draw_legend, draw_off_plot_arrow, draw_tracks, line_chart, msg, off_plot, pad,
    span, tick, Avoid, Figure, Track, CURVE, MINIMUM, OPTIMUM,
};
use crate::grid::argmin;
use crate::number::human;
use crate::sweep::formula;

/// Loss against one parameter: a smooth curve, the evaluated table as dots, the table's minimum
/// and the closed-form optimum marked. Optionally a path of points (gradient-descent steps).
#[derive(Debug, Clone, Default)]
pub struct LossCurve {
    pub title: String,
    /// The loss it shows, for the axis: `MSE`, `Huber (δ = 1)`.
    pub loss: String,
    /// The parameter's name on the x axis, e.g. "weight A".
    pub x_label: String,
    /// The loss, densely sampled, drawn as a line.
    pub curve: Vec<(f64, f64)>,
    /// The evaluated values, drawn as dots.
    pub points: Vec<(f64, f64)>,
    pub minimum: Option<(f64, f64)>,
    pub optimum: Option<(f64, f64)>,
    /// How the optimum was found, for its legend entry: `closed-form` when empty, or
    /// `exact (weighted median)`.
    pub how: String,
    /// Descents to draw over the curve, `(A, loss)` joined in order, start and end marked.
    pub tracks: Vec<Track>,
}

impl Figure for LossCurve {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let tracked = self.tracks.iter().flat_map(|t| &t.points);
        let all = || self.curve.iter().chain(&self.points).chain(tracked.clone());
        let x_span = span(all().map(|p| p.0)).ok_or("nothing to plot")?;
        let (y_lo, y_hi) = span(all().map(|p| p.1)).ok_or("nothing to plot")?;
        let (x_lo, x_hi) = pad(x_span, 0.02);
        // A loss is never negative: start the axis at zero, with a sliver of room below it.
        let (y_lo, y_hi) = pad((y_lo.min(0.0), y_hi), 0.03);
        let mut chart = line_chart(
            root,
            (&self.title, 24),
            (x_lo, x_hi),
            (y_lo, y_hi),
            (&self.x_label, &super::loss_axis(&self.loss)),
            &|v| tick(*v, y_lo, y_hi),
        )?;
        let mut legend = Vec::new();
        let mut avoid = Avoid {
            marks: self.points.iter().copied().chain(self.minimum).collect(),
            lines: self.curve.clone(),
        };
        if !self.curve.is_empty() {
            legend.push("loss (exact)".to_string());
            let lines = clipped_lines(&chart, self.curve.iter().copied(), CURVE.stroke_width(3));
            chart
                .draw_series(lines)
                .map_err(msg)?
                .label("loss (exact)")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], CURVE.stroke_width(3))
                });
        }
        if !self.points.is_empty() {
            legend.push("evaluated".to_string());
            chart
                .draw_series(
                    self.points
                        .iter()
                        .map(|&p| Circle::new(p, 4, CURVE.filled())),
                )
                .map_err(msg)?
                .label("evaluated")
                .legend(|(x, y)| Circle::new((x + 12, y), 4, CURVE.filled()));
        }
        if let Some(opt) = self.optimum {
            // Off the plot to the left or right (its loss is on it: the axis starts at zero),
            // an arrow on the edge points at it, at its loss, and the legend says where it is.
            let off = off_plot((opt.0, y_lo.max(opt.1)), (x_lo, x_hi), (y_lo, y_hi));
            let inside = off.is_none();
            if off.is_some() {
                let level = opt.1.clamp(y_lo, y_hi);
                let at = (opt.0, level);
                let centre = (0.5 * (x_lo + x_hi), level);
                avoid
                    .marks
                    .extend(draw_off_plot_arrow(&mut chart, at, centre)?);
            }
            let label = format!(
                "{} optimum A = {}, loss {}{}",
                if self.how.is_empty() {
                    "closed-form"
                } else {
                    &self.how
                },
                human(opt.0),
                human(opt.1),
                off.map_or(String::new(), |o| format!(": off the plot, {o}"))
            );
            legend.push(label.clone());
            let series = if inside {
                vec![(opt.0, y_lo), (opt.0, y_hi)]
            } else {
                Vec::new()
            };
            chart
                .draw_series(DashedLineSeries::new(series, 8, 6, OPTIMUM.stroke_width(2)))
                .map_err(msg)?
                .label(label)
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], OPTIMUM.stroke_width(2))
                });
        }
        draw_tracks(
            &mut chart,
            &self.tracks,
            3,
            &|p| format!("A = {}", human(p.0)),
            &mut legend,
            &mut avoid,
        )?;
        if let Some(min) = self.minimum {
            let label = format!("grid minimum A = {}, loss {}", human(min.0), human(min.1));
            legend.push(label.clone());
            chart
                .draw_series([Circle::new(min, 8, MINIMUM.filled())])
                .map_err(msg)?
                .label(label)
                .legend(|(x, y)| Circle::new((x + 12, y), 6, MINIMUM.filled()));
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperMiddle,
            16,
            &legend,
            &avoid,
        )?;
        Ok(())
    }
}

impl crate::sweep::Sweep {
    /// The exact loss curve over the table's range, the evaluated losses as dots, the table's
    /// minimum and the exact optimum.
    pub fn figure(&self) -> LossCurve {
        let minimum = argmin(&self.losses).map(|i| (self.weights[i], self.losses[i]));
        LossCurve {
            title: format!(
                "{} of {} on {}",
                self.loss.label(),
                formula(self.bias),
                self.source
            ),
            loss: self.loss.label(),
            x_label: "weight A".into(),
            curve: self.curve.clone(),
            // Every evaluated weight as a dot, up to a couple of thousand.
            points: crate::thin::evenly(self.weights.len(), 2000)
                .into_iter()
                .map(|i| (self.weights[i], self.losses[i]))
                .collect(),
            minimum,
            optimum: self.optimum.as_ref().ok().map(|o| (o.weight, o.loss)),
            how: self.how.into(),
            tracks: Vec::new(),
        }
    }
}
