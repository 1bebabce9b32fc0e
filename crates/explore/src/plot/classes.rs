//! A classifier in one picture: the points coloured by class over the model's predicted
//! probability (two classes: a diverging map from one class's colour through white at 0.5 to
//! the other's; more: each region in its class's colour, paler where the model is less sure),
//! the boundary where the predicted class changes, and the loss and the accuracy per epoch.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::contour::segments;
use super::{
    draw_legend, line_chart, msg, pad, span, tick, titled, Avoid, Figure, LossHistory, SIZE,
};
use crate::number::human;
use crate::train::{ClassFit, ClassFrame, ClassMap};

/// The two classes' colours (blue and red, as the diverging map), and more for more classes.
const PALETTE: [RGBColor; 6] = [
    RGBColor(33, 102, 172),
    RGBColor(178, 24, 43),
    RGBColor(27, 158, 119),
    RGBColor(217, 95, 2),
    RGBColor(117, 112, 179),
    RGBColor(102, 102, 102),
];

pub(super) fn colour(class: usize) -> RGBColor {
    PALETTE[class % PALETTE.len()]
}

/// `c` mixed with white: `t` = 0 white, 1 the colour.
fn tint(c: RGBColor, t: f64) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - f64::from(v)) * t.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// The colour of a point of the map whose classes have the probabilities `p`: for two classes
/// blue at 0, white at 0.5, red at 1 (how sure of which class); for more, the likeliest class's
/// colour, paler the less sure.
pub(super) fn shade(p: &[f64]) -> RGBColor {
    if p.len() == 2 {
        let q = p[1];
        return if q >= 0.5 {
            tint(colour(1), 0.9 * (2.0 * q - 1.0))
        } else {
            tint(colour(0), 0.9 * (1.0 - 2.0 * q))
        };
    }
    let (best, top) =
        p.iter().enumerate().fold(
            (0, f64::NEG_INFINITY),
            |b, (c, &v)| {
                if v > b.1 {
                    (c, v)
                } else {
                    b
                }
            },
        );
    let floor = 1.0 / p.len() as f64;
    tint(colour(best), 0.15 + 0.55 * (top - floor) / (1.0 - floor))
}

/// The boundary of the map as segments: where one class's probability passes the largest
/// other's.
pub(super) fn boundary(m: &ClassMap) -> Vec<[(f64, f64); 2]> {
    let mut lines = Vec::new();
    for c in 0..m.classes {
        let margin: Vec<f64> = m
            .probabilities
            .chunks(m.classes)
            .map(|p| {
                let other = p
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != c)
                    .fold(f64::NEG_INFINITY, |a, (_, &v)| a.max(v));
                p[c] - other
            })
            .collect();
        lines.extend(segments(&m.xs, &m.ys, &margin, 0.0));
        // Two classes have one boundary, the same from either side.
        if m.classes == 2 {
            break;
        }
    }
    lines
}

/// The points and the map on the left; the loss above the accuracy on the right.
#[derive(Debug, Clone)]
pub struct ClassFigure {
    pub title: String,
    /// `(x1, x2, class)`.
    pub points: Vec<(f64, f64, usize)>,
    pub classes: Vec<String>,
    pub features: (String, String),
    pub map: Option<ClassMap>,
    pub loss: LossHistory,
    /// `(epoch, accuracy)`.
    pub accuracy: Vec<(f64, f64)>,
    /// `(epoch, accuracy)` on the validation points, when there are some.
    pub val_accuracy: Vec<(f64, f64)>,
    /// The epochs the accuracy's axis covers, when fixed (an animation's frames); else its own.
    pub epochs: Option<(f64, f64)>,
    /// A line above the panels: where an animation's frame is in the run.
    pub heading: Option<String>,
}

/// Room above the panels for a frame's heading.
const HEADING: u32 = 44;

impl ClassFigure {
    /// The picture of a classifier's run on two features: `points` its data `(x1, x2, class)`.
    pub fn of(
        fit: &ClassFit,
        points: Vec<(f64, f64, usize)>,
        classes: &[String],
        features: (&str, &str),
        title: String,
        loss: String,
    ) -> Self {
        let rows = fit.history.items();
        ClassFigure {
            title,
            points,
            classes: classes.to_vec(),
            features: (features.0.to_string(), features.1.to_string()),
            map: fit.map.clone(),
            // The half-height panel names the loss in its title: a long axis title would run
            // past the axis.
            loss: LossHistory {
                title: format!("{loss} per epoch"),
                ..Default::default()
            }
            .run(
                rows.iter().map(|r| (r.epoch, r.loss, r.lr, r.val_loss)),
                fit.best_epoch(),
            ),
            accuracy: rows.iter().map(|r| (r.epoch as f64, r.accuracy)).collect(),
            val_accuracy: rows
                .iter()
                .filter_map(|r| Some((r.epoch as f64, r.val_accuracy?)))
                .collect(),
            epochs: None,
            heading: None,
        }
    }

    /// The figure at `frame` of the run this figure draws in full: the map then, the loss and
    /// the accuracy up to then on the whole run's axes (so that they stay put from frame to
    /// frame), and the epoch, loss and accuracy above.
    pub fn at(&self, frame: &ClassFrame) -> ClassFigure {
        let epoch = frame.row.epoch as f64;
        let losses = || self.loss.series.iter().flat_map(|s| &s.losses);
        let extent = span(losses().map(|p| p.0)).zip(span(losses().map(|p| p.1)));
        let last = losses().map(|p| p.0).fold(epoch, f64::max);
        // Each line up to the frame's epoch; the rate's panel shows the whole schedule, which
        // is known from the start.
        let mut loss = self.loss.clone();
        for series in &mut loss.series {
            series.losses.retain(|p| p.0 <= epoch);
        }
        loss.best = loss.best.filter(|b| b.0 <= epoch);
        loss.extent = extent;
        let upto =
            |points: &[(f64, f64)]| points.iter().copied().filter(|p| p.0 <= epoch).collect();
        ClassFigure {
            map: Some(frame.map.clone()),
            loss,
            accuracy: upto(&self.accuracy),
            val_accuracy: upto(&self.val_accuracy),
            epochs: extent.map(|e| e.0),
            heading: Some(format!(
                "epoch {} of {}: loss {}, accuracy {}",
                human(epoch),
                human(last),
                human(frame.row.loss),
                human(frame.row.accuracy)
            )),
            ..self.clone()
        }
    }

    fn draw_map<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let (x_span, y_span) = match &self.map {
            Some(m) => (
                (m.xs[0], m.xs[m.xs.len() - 1]),
                (m.ys[0], m.ys[m.ys.len() - 1]),
            ),
            None => (
                pad(
                    span(self.points.iter().map(|p| p.0)).ok_or("no points")?,
                    0.1,
                ),
                pad(
                    span(self.points.iter().map(|p| p.1)).ok_or("no points")?,
                    0.1,
                ),
            ),
        };
        let mut chart = line_chart(
            area,
            (&self.title, 20),
            x_span,
            y_span,
            (&self.features.0, &self.features.1),
            &|v| tick(*v, y_span.0, y_span.1),
        )?;
        if let Some(m) = &self.map {
            let (nx, ny) = (m.xs.len(), m.ys.len());
            let half = |v: &[f64], i: usize| {
                let lo = if i == 0 {
                    v[0]
                } else {
                    0.5 * (v[i - 1] + v[i])
                };
                let hi = if i + 1 == v.len() {
                    v[i]
                } else {
                    0.5 * (v[i] + v[i + 1])
                };
                (lo, hi)
            };
            let cells = (0..nx).flat_map(|i| (0..ny).map(move |j| (i, j)));
            chart
                .draw_series(cells.map(|(i, j)| {
                    let fill = shade(&m.probabilities[(i * ny + j) * m.classes..][..m.classes]);
                    let ((x0, x1), (y0, y1)) = (half(&m.xs, i), half(&m.ys, j));
                    Rectangle::new([(x0, y0), (x1, y1)], fill.filled())
                }))
                .map_err(msg)?;
            chart
                .draw_series(
                    boundary(m)
                        .into_iter()
                        .map(|[a, b]| PathElement::new(vec![a, b], BLACK.stroke_width(2))),
                )
                .map_err(msg)?;
        }
        let mut legend = Vec::new();
        for (class, name) in self.classes.iter().enumerate() {
            let points = self.points.iter().filter(|p| p.2 == class);
            let fill = colour(class);
            chart
                .draw_series(points.map(|p| {
                    EmptyElement::at((p.0, p.1))
                        + Circle::new((0, 0), 4, fill.filled())
                        + Circle::new((0, 0), 4, BLACK.stroke_width(1))
                }))
                .map_err(msg)?
                .label(format!("class {name}"))
                .legend(move |(x, y)| Circle::new((x + 12, y), 5, fill.filled()));
            legend.push(format!("class {name}"));
        }
        if self.map.is_some() {
            chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                .map_err(msg)?
                .label("boundary")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x + 2, y), (x + 22, y)], BLACK.stroke_width(2))
                });
            legend.push("boundary".into());
        }
        let avoid = Avoid {
            marks: self.points.iter().map(|p| (p.0, p.1)).collect(),
            lines: Vec::new(),
        };
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            14,
            &legend,
            &avoid,
        )?;
        Ok(())
    }

    fn draw_accuracy<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        area.fill(&WHITE).map_err(msg)?;
        let epochs = self
            .epochs
            .or_else(|| span(self.accuracy.iter().map(|p| p.0)));
        let x_span = pad(epochs.ok_or("no epochs")?, 0.02);
        let mut chart = line_chart(
            area,
            ("accuracy per epoch", 18),
            x_span,
            (0.0, 1.02),
            ("epoch", "accuracy"),
            &|v| tick(*v, 0.0, 1.0),
        )?;
        // The training accuracy, and the validation accuracy beside it when there is one, in
        // the loss panel's colours for the two.
        let validated = !self.val_accuracy.is_empty();
        let lines = [
            (
                "training",
                &self.accuracy,
                match validated {
                    true => super::track_colour(0, 2),
                    false => RGBColor(27, 158, 119),
                },
            ),
            ("validation", &self.val_accuracy, super::track_colour(1, 2)),
        ];
        let lines = lines.iter().filter(|(_, points, _)| !points.is_empty());
        for &(label, points, colour) in lines.clone() {
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    colour.stroke_width(3),
                ))
                .map_err(msg)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                });
        }
        if validated {
            let labels: Vec<String> = lines.clone().map(|l| l.0.to_string()).collect();
            let avoid = super::Avoid {
                lines: lines.flat_map(|l| l.1.iter().copied()).collect(),
                ..Default::default()
            };
            super::draw_legend(
                &mut chart,
                SeriesLabelPosition::LowerRight,
                16,
                &labels,
                &avoid,
            )?;
        }
        Ok(())
    }
}

impl Figure for ClassFigure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let root = match &self.heading {
            Some(heading) => titled(root, heading, 28)?,
            None => root.clone(),
        };
        let (left, right) = root.split_horizontally(SIZE.0);
        self.draw_map(&left)?;
        // The loss (with the rate below it when it changes) above the accuracy.
        let (top, bottom) = right.split_vertically(SIZE.1 / 2 + self.loss.rate_height(SIZE.1 / 2));
        self.loss.draw(&top)?;
        self.draw_accuracy(&bottom)
    }

    fn size(&self) -> (u32, u32) {
        let heading = if self.heading.is_some() { HEADING } else { 0 };
        (
            2 * SIZE.0,
            SIZE.1 + heading + self.loss.rate_height(SIZE.1 / 2),
        )
    }
}
