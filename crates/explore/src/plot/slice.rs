//! The figures of a slice of the plane's loss: a curve along one parameter, a heat map over
//! two, the least-squares plane marked.

use super::{Heatmap, LossLines, Series};
use crate::grid::argmin;
use crate::slice::Slice;

impl Slice {
    /// The loss along the one varied parameter, the least-squares value marked.
    pub fn curve(&self) -> LossLines {
        LossLines {
            title: format!(
                "{} of the plane along {} on {}",
                self.loss.label(),
                self.names[0],
                self.source
            ),
            loss: self.loss.label(),
            x_label: self.names[0].clone(),
            series: vec![Series {
                label: "loss, the rest at the least-squares plane".into(),
                losses: self.axes[0]
                    .iter()
                    .copied()
                    .zip(self.losses.iter().copied())
                    .collect(),
            }],
            marks: vec![(self.centre[0], "least squares".into())],
        }
    }

    /// The loss over the two varied parameters, the grid's minimum and (under MSE, where it is
    /// the optimum) the least-squares plane marked.
    pub fn map(&self) -> Heatmap {
        let nb = self.axes[1].len();
        let minimum = argmin(&self.losses)
            .map(|i| (self.axes[0][i / nb], self.axes[1][i % nb], self.losses[i]));
        Heatmap {
            title: format!(
                "{} of the plane over {} × {} on {}",
                self.loss.label(),
                self.names[0],
                self.names[1],
                self.source
            ),
            loss: self.loss.label(),
            x_label: self.names[0].clone(),
            y_label: self.names[1].clone(),
            weights: self.axes[0].clone(),
            biases: self.axes[1].clone(),
            losses: self.losses.clone(),
            minimum,
            optimum: (self.loss.which() == loss::LossName::Mse)
                .then(|| (self.centre[0], self.centre[1], self.centre_loss)),
            tracks: Vec::new(),
        }
    }
}
