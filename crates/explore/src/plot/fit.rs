//! The data and the line fitted to it: what gradient descent is doing, seen in the data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{draw_legend, line_chart, msg, pad, span, tick, track_colour, Avoid, Figure, CURVE};
use crate::number::human;

/// The points, and one line `y = A·x + b` per run (named in the legend).
#[derive(Debug, Clone, Default)]
pub struct DataFit {
    pub title: String,
    pub points: Vec<(f64, f64)>,
    /// `(label, weight, bias)` of each line.
    pub lines: Vec<(String, f64, f64)>,
    /// The `(x, y)` extent the axes cover, when fixed (the frames of an animation); else the
    /// points'.
    pub extent: Option<((f64, f64), (f64, f64))>,
}

impl DataFit {
    /// An extent that holds the points and, within reason (three times the points' height, or
    /// their largest |y|, beyond them), every line in `lines` over the points' x range: fixed
    /// axes for frames.
    pub fn extent_for(
        points: &[(f64, f64)],
        lines: &[(f64, f64)],
    ) -> Option<((f64, f64), (f64, f64))> {
        // One x value (the lesson's single point): show the line around the origin it pivots on.
        let x = match span(points.iter().map(|p| p.0))? {
            (lo, hi) if lo == hi => {
                let r = 1.2 * lo.abs().max(1.0);
                (-r, r)
            }
            span => pad(span, 0.05),
        };
        let (y_lo, y_hi) = pad(span(points.iter().map(|p| p.1))?, 0.1);
        let largest = points.iter().fold(0.0f64, |m, p| m.max(p.1.abs()));
        let reach = 3.0 * (y_hi - y_lo).max(largest);
        let ends = lines
            .iter()
            .flat_map(|&(w, b)| [w * x.0 + b, w * x.1 + b])
            .map(|v| v.clamp(y_lo - reach, y_hi + reach));
        let y = pad(span(ends.chain([y_lo, y_hi]))?, 0.02);
        Some((x, y))
    }
}

impl Figure for DataFit {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let lines: Vec<(f64, f64)> = self.lines.iter().map(|l| (l.1, l.2)).collect();
        let ((x_lo, x_hi), (y_lo, y_hi)) = self
            .extent
            .or_else(|| Self::extent_for(&self.points, &lines))
            .ok_or("no points to plot")?;
        let mut chart = line_chart(
            root,
            (&self.title, 20),
            (x_lo, x_hi),
            (y_lo, y_hi),
            ("x", "y"),
            &|v| tick(*v, y_lo, y_hi),
        )?;
        // A few points (the lesson's one) drawn large, a cloud small.
        let r = if self.points.len() <= 20 { 7 } else { 3 };
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|&p| Circle::new(p, r, CURVE.mix(0.8).filled())),
            )
            .map_err(msg)?
            .label("data")
            .legend(|(x, y)| Circle::new((x + 12, y), 3, CURVE.filled()));
        let mut legend = vec!["data".to_string()];
        let avoid = Avoid {
            marks: self.points.clone(),
            lines: Vec::new(),
        };
        let n = self.lines.len();
        for (i, (label, w, b)) in self.lines.iter().enumerate() {
            let colour = track_colour(i, n);
            let width = super::layered_width(i, n, 3);
            let ends = [(x_lo, w * x_lo + b), (x_hi, w * x_hi + b)];
            let lines = super::clipped_lines(&chart, ends, colour.stroke_width(width));
            let label = format!("{label}: y = {}·x + {}", human(*w), human(*b));
            legend.push(label.clone());
            chart
                .draw_series(lines)
                .map_err(msg)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(width))
                });
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            14,
            &legend,
            &avoid,
        )?;
        Ok(())
    }

    fn size(&self) -> (u32, u32) {
        (600, super::SIZE.1)
    }
}
