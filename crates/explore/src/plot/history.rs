//! Loss against epoch: how a training run went.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    clipped_lines, draw_legend, layered_width, line_chart, msg, pad, round_to_2_digits, span,
    track_colour, Avoid, Figure, OPTIMUM,
};
use crate::number::human;

/// One run's loss against epoch, named in the legend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub label: String,
    /// `(epoch, loss)`.
    pub losses: Vec<(f64, f64)>,
}

/// Loss against epoch of one run or several, with the closed-form optimum's loss as a dashed
/// line.
#[derive(Debug, Clone, Default)]
pub struct LossHistory {
    pub title: String,
    /// The loss it shows, for the axis: `MSE`, `Huber (δ = 1)`.
    pub loss: String,
    pub series: Vec<Series>,
    pub optimum_loss: Option<f64>,
    /// The `(epoch, loss)` extent the axes cover, when fixed (the frames of an animation, whose
    /// series grow); else the series' own.
    pub extent: Option<((f64, f64), (f64, f64))>,
}

impl Figure for LossHistory {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let all = || self.series.iter().flat_map(|s| &s.losses);
        let (x_span, y_span) = match self.extent {
            Some(extent) => extent,
            None => (
                span(all().map(|p| p.0)).ok_or("no epochs to plot")?,
                span(all().map(|p| p.1).chain(self.optimum_loss)).ok_or("no losses")?,
            ),
        };
        // Gradient descent on a quadratic shrinks the loss geometrically: on a log axis that is
        // a straight line, so use one when the loss falls by more than a hundredfold.
        let log = y_span.0 > 0.0 && y_span.1 / y_span.0 > 100.0;
        let to_axis = |l: f64| if log { l.log10() } else { l };
        let (x_lo, x_hi) = pad(x_span, 0.02);
        let (y_lo, y_hi) = if log {
            pad((y_span.0.log10(), y_span.1.log10()), 0.03)
        } else {
            pad((y_span.0.min(0.0), y_span.1), 0.03)
        };
        let y_label = |v: &f64| {
            if log {
                human(round_to_2_digits(10f64.powf(*v)))
            } else {
                human(*v)
            }
        };
        let y_desc = super::loss_axis(&self.loss);
        let y_desc = if log {
            format!("{y_desc}, log scale")
        } else {
            y_desc
        };
        let mut chart = line_chart(
            root,
            (&self.title, 22),
            (x_lo, x_hi),
            (y_lo, y_hi),
            ("epoch", &y_desc),
            &y_label,
        )?;
        let mut legend = Vec::new();
        let mut avoid = Avoid::default();
        for (i, series) in self.series.iter().enumerate() {
            legend.push(series.label.clone());
            avoid
                .lines
                .extend(series.losses.iter().map(|&(e, l)| (e, to_axis(l))));
            let colour = track_colour(i, self.series.len());
            // Losses that agree (two optimizers on the same course) all show: each is drawn
            // wider than the ones after it.
            let width = layered_width(i, self.series.len(), 3);
            let points = series.losses.iter().map(|&(e, l)| (e, to_axis(l)));
            let lines = clipped_lines(&chart, points, colour.stroke_width(width));
            chart
                .draw_series(lines)
                .map_err(msg)?
                .label(series.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(width))
                });
        }
        if let Some(l) = self.optimum_loss.filter(|&l| !log || l > 0.0) {
            let label = format!("closed-form optimum, loss {}", human(l));
            legend.push(label.clone());
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_lo, to_axis(l)), (x_hi, to_axis(l))],
                    8,
                    6,
                    OPTIMUM.stroke_width(2),
                ))
                .map_err(msg)?
                .label(label)
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], OPTIMUM.stroke_width(2))
                });
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperRight,
            16,
            &legend,
            &avoid,
        )?;
        Ok(())
    }
}
