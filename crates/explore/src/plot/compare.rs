//! The outlier lesson in one picture: the data with each loss's best line, beside each loss's
//! curve over the weight (rescaled, so that losses of different sizes share an axis).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DataFit, Figure, LossLines, Series, SIZE};
use crate::compare::Comparison;

/// The data and the lines on the left, the curves on the right.
#[derive(Debug, Clone)]
pub struct CompareFigure {
    pub fit: DataFit,
    pub curves: LossLines,
}

impl Figure for CompareFigure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let (left, right) = root.split_horizontally(SIZE.0);
        self.fit.draw(&left)?;
        self.curves.draw(&right)
    }

    fn size(&self) -> (u32, u32) {
        (2 * SIZE.0, SIZE.1)
    }
}

impl CompareFigure {
    /// The picture of a comparison: each loss's line over the data (the outliers among the
    /// points), and each loss's curve rescaled to [0, 1] over the range shown, its best weight
    /// marked.
    pub fn of(c: &Comparison) -> Self {
        let lines = c
            .fits
            .iter()
            .map(|f| (f.loss.label(), f.weight, f.bias))
            .collect();
        let series = c
            .fits
            .iter()
            .zip(&c.curves)
            .map(|(f, curve)| {
                let (lo, hi) = curve
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                        (lo.min(p.1), hi.max(p.1))
                    });
                let scale = if hi > lo { hi - lo } else { 1.0 };
                Series {
                    label: f.loss.label(),
                    losses: curve.iter().map(|&(a, l)| (a, (l - lo) / scale)).collect(),
                }
            })
            .collect();
        let outliers = match c.outliers.len() {
            0 => String::new(),
            1 => ", 1 outlier".to_string(),
            k => format!(", {k} outliers"),
        };
        CompareFigure {
            fit: DataFit {
                title: format!("{}{outliers}: each loss's best line", c.source),
                points: c.points.clone(),
                lines,
                extent: None,
            },
            curves: LossLines {
                title: if c.learn_bias {
                    "each loss over the weight, bias at its best".into()
                } else {
                    "each loss over the weight, bias pinned at 0".into()
                },
                loss: "rescaled to [0, 1]".into(),
                x_label: "weight A".into(),
                series,
                marks: c.fits.iter().map(|f| (f.weight, String::new())).collect(),
            },
        }
    }
}
