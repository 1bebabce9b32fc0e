//! A training run in one picture: the path over the landscape beside the loss per epoch.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Figure, Heatmap, LossCurve, LossHistory, SIZE};

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
