//! Loss along a line in parameter space: a few labelled curves against one coordinate, with
//! the places that matter marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    clipped_lines, draw_legend, layered_width, line_chart, msg, pad, span, tick, track_colour,
    Avoid, Figure, Series,
};

/// Curves of loss against `t`, and vertical marks at named values of `t`.
#[derive(Debug, Clone, Default)]
pub struct LossLines {
    pub title: String,
    /// The loss it shows, for the axis: `MSE`, `Huber (δ = 1)`.
    pub loss: String,
    pub x_label: String,
    /// `(t, loss)` per curve.
    pub series: Vec<Series>,
    pub marks: Vec<(f64, String)>,
}

impl Figure for LossLines {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let all = || self.series.iter().flat_map(|s| &s.losses);
        let x_span = span(all().map(|p| p.0)).ok_or("nothing to plot")?;
        let y_span = span(all().map(|p| p.1)).ok_or("nothing to plot")?;
        let (x_lo, x_hi) = pad(x_span, 0.02);
        let (y_lo, y_hi) = pad((y_span.0.min(0.0), y_span.1), 0.03);
        let mut chart = line_chart(
            root,
            (&self.title, 22),
            (x_lo, x_hi),
            (y_lo, y_hi),
            (&self.x_label, &super::loss_axis(&self.loss)),
            &|v| tick(*v, y_lo, y_hi),
        )?;
        let grey = RGBColor(150, 150, 150);
        for (t, label) in &self.marks {
            chart
                .draw_series(DashedLineSeries::new(
                    [(*t, y_lo), (*t, y_hi)],
                    6,
                    6,
                    grey.stroke_width(1),
                ))
                .map_err(msg)?;
            chart
                .draw_series([Text::new(
                    label.clone(),
                    (*t, y_hi),
                    (super::FAMILY, 15).into_font().color(&grey),
                )])
                .map_err(msg)?;
        }
        // Two colours far apart (blue, orange), then the tracks' palette.
        const PAIR: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(255, 127, 14)];
        let mut legend = Vec::new();
        let mut avoid = Avoid::default();
        for (i, series) in self.series.iter().enumerate() {
            legend.push(series.label.clone());
            avoid.lines.extend(series.losses.iter().copied());
            let colour = match PAIR.get(i) {
                Some(&c) if self.series.len() <= 2 => c,
                _ => track_colour(i, self.series.len()),
            };
            let width = layered_width(i, self.series.len(), 3);
            let lines = clipped_lines(
                &chart,
                series.losses.iter().copied(),
                colour.stroke_width(width),
            );
            chart
                .draw_series(lines)
                .map_err(msg)?
                .label(series.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(width))
                });
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::MiddleRight,
            16,
            &legend,
            &avoid,
        )?;
        Ok(())
    }
}

impl crate::landscape::LossLine {
    /// Both lines against `t`.
    pub fn figure(&self) -> LossLines {
        let series = |label: &str, losses: &[f64]| Series {
            label: label.into(),
            losses: self.t.iter().copied().zip(losses.iter().copied()).collect(),
        };
        LossLines {
            loss: self.loss.label(),
            title: format!(
                "{} of {} on {} along a line",
                self.loss.label(),
                self.model,
                self.source
            ),
            x_label: "t (0: start θ₀, 1: trained θ*)".into(),
            series: vec![
                series("(1 − t)·θ₀ + t·θ*", &self.interpolation),
                series("θ* + (t − 1)·d, d random (filter-normalised)", &self.random),
            ],
            marks: vec![(0.0, "start".into()), (1.0, "trained".into())],
        }
    }
}
