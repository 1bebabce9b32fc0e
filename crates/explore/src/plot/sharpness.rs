//! The edge of stability: the top Hessian eigenvalue per epoch against the `2/lr` line, and the
//! loss per epoch below it.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    clipped_lines, draw_legend, line_chart, msg, pad, span, Avoid, Figure, LossHistory, OPTIMUM,
};
use crate::number::human;

/// `λmax` per epoch, the `2/lr` line, and the loss.
#[derive(Debug, Clone)]
pub struct SharpnessFigure {
    pub title: String,
    /// `(epoch, λmax)`.
    pub sharpness: Vec<(f64, f64)>,
    /// The curvature the run's optimizer is stable below (`2/lr` for plain SGD), or `2/lr` for
    /// an optimizer without one, and what its line is called.
    pub bound: f64,
    pub bound_label: String,
    pub loss: LossHistory,
}

/// The colour of the sharpness curve.
const SHARPNESS: RGBColor = RGBColor(31, 119, 180);

impl Figure for SharpnessFigure {
    fn size(&self) -> (u32, u32) {
        (1000, 900)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let (top, bottom) = root.split_vertically(self.size().1 * 11 / 20);
        let x_span = span(self.sharpness.iter().map(|p| p.0)).ok_or("no epochs to plot")?;
        let y_span = span(self.sharpness.iter().map(|p| p.1).chain([self.bound, 0.0]))
            .ok_or("no sharpness to plot")?;
        let (x_lo, x_hi) = pad(x_span, 0.02);
        let (y_lo, y_hi) = pad((y_span.0.min(0.0), y_span.1 * 1.1), 0.02);
        let mut chart = line_chart(
            &top,
            (&self.title, 22),
            (x_lo, x_hi),
            (y_lo, y_hi),
            ("epoch", "sharpness λmax(H)"),
            &|v| human(*v),
        )?;
        let lines = clipped_lines(
            &chart,
            self.sharpness.iter().copied(),
            SHARPNESS.stroke_width(3),
        );
        chart
            .draw_series(lines)
            .map_err(msg)?
            .label("top eigenvalue of the Hessian")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], SHARPNESS.stroke_width(3))
            });
        chart
            .draw_series(DashedLineSeries::new(
                [(x_lo, self.bound), (x_hi, self.bound)],
                8,
                6,
                OPTIMUM.stroke_width(2),
            ))
            .map_err(msg)?
            .label(self.bound_label.clone())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], OPTIMUM.stroke_width(2)));
        let legend = [
            "top eigenvalue of the Hessian".to_string(),
            self.bound_label.clone(),
        ];
        let avoid = Avoid {
            marks: Vec::new(),
            lines: self.sharpness.clone(),
        };
        draw_legend(
            &mut chart,
            SeriesLabelPosition::LowerRight,
            16,
            &legend,
            &avoid,
        )?;
        self.loss.draw(&bottom)
    }
}

impl crate::landscape::Sharpness {
    /// `λmax` per epoch with the `2/lr` line, and the loss below.
    pub fn figure(&self) -> SharpnessFigure {
        SharpnessFigure {
            title: format!(
                "sharpness of {} on {}: {} at lr {}",
                self.model,
                self.source,
                self.optimizer.name(),
                human(self.lr)
            ),
            sharpness: self
                .epochs
                .iter()
                .zip(&self.sharpness)
                .map(|(&e, &s)| (e as f64, s))
                .collect(),
            bound: self.edge(),
            bound_label: match self.stable_below {
                Some(_) => format!("{}: stable below", self.edge_name()),
                None => format!(
                    "2/lr = {}: plain gradient descent's bound ({} has none)",
                    human(self.bound()),
                    self.optimizer.name()
                ),
            },
            loss: LossHistory {
                loss: self.loss.label(),
                title: "loss per epoch".into(),
                series: vec![super::Series {
                    label: "training loss".into(),
                    losses: self
                        .history
                        .iter()
                        .enumerate()
                        .map(|(e, &l)| (e as f64, l))
                        .collect(),
                }],
                optimum_loss: None,
                extent: None,
                ..Default::default()
            },
        }
    }
}
