//! Loss over a grid as a heat map: the surface, the training path over it, and the landscape
//! planes of a network.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    axis_order, colour_at, colour_position, contour, draw_legend, draw_off_plot_arrow, draw_tracks,
    msg, off_plot, round_to_2_digits, span, tick, Avoid, Figure, Track, FAMILY, MINIMUM,
};
use crate::grid::argmin;
use crate::number::human;

/// Loss over an (A, b) grid as a heat map with contour lines and a colour bar, the grid minimum
/// and the closed-form optimum marked, and optionally a descent path drawn over it.
#[derive(Debug, Clone, Default)]
pub struct Heatmap {
    pub title: String,
    /// The loss it shows, for the axis: `MSE`, `Huber (δ = 1)`.
    pub loss: String,
    /// The axes' names, e.g. "weight A" and "bias b".
    pub x_label: String,
    pub y_label: String,
    pub weights: Vec<f64>,
    pub biases: Vec<f64>,
    /// `losses[i * biases.len() + j]` is the loss at `(weights[i], biases[j])`: weight-major.
    pub losses: Vec<f64>,
    pub minimum: Option<(f64, f64, f64)>,
    pub optimum: Option<(f64, f64, f64)>,
    /// Descents to draw over the map, `(A, b)` joined in order, start and end marked.
    pub tracks: Vec<Track>,
}

/// The most cells drawn along each axis: finer grids are drawn from evenly spaced rows and
/// columns (their minimum is still marked where it is).
const MAX_CELLS: usize = 400;

/// Cell edges: half-way between neighbouring grid values, half a step beyond the ends.
fn cell_edges(centres: &[f64]) -> Vec<f64> {
    match centres {
        [] => Vec::new(),
        [c] => vec![c - 0.5, c + 0.5],
        _ => {
            let mut edges = Vec::with_capacity(centres.len() + 1);
            edges.push(centres[0] - 0.5 * (centres[1] - centres[0]));
            edges.extend(centres.windows(2).map(|w| 0.5 * (w[0] + w[1])));
            let n = centres.len();
            edges.push(centres[n - 1] + 0.5 * (centres[n - 1] - centres[n - 2]));
            edges
        }
    }
}

impl Heatmap {
    /// The `(weight, bias)` extent the axes cover: every cell of the grid (half a step beyond
    /// the outer values) and every track.
    pub fn extent(&self) -> ((f64, f64), (f64, f64)) {
        let (wi, bi) = (
            axis_order(&self.weights, MAX_CELLS),
            axis_order(&self.biases, MAX_CELLS),
        );
        let weights: Vec<f64> = wi.iter().map(|&i| self.weights[i]).collect();
        let biases: Vec<f64> = bi.iter().map(|&j| self.biases[j]).collect();
        let tracked = || self.tracks.iter().flat_map(|t| &t.points);
        let x = span(
            cell_edges(&weights)
                .into_iter()
                .chain(tracked().map(|p| p.0)),
        );
        let y = span(
            cell_edges(&biases)
                .into_iter()
                .chain(tracked().map(|p| p.1)),
        );
        (x.unwrap_or((0.0, 1.0)), y.unwrap_or((0.0, 1.0)))
    }

    /// Where the closed-form optimum lies off the map, in words ("to the lower left"); `None`
    /// when it is on it or there is none. The map then says so and points at it from its edge
    /// instead of drawing it at the edge as if it were there.
    pub fn optimum_off_plot(&self) -> Option<String> {
        let (w, b, _) = self.optimum?;
        let (x, y) = self.extent();
        off_plot((w, b), x, y)
    }
}

impl Figure for Heatmap {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let (nw, nb) = (self.weights.len(), self.biases.len());
        if nw * nb != self.losses.len() || nw == 0 || nb == 0 {
            return Err(format!(
                "heat map: {} losses for a {nw} × {nb} grid",
                self.losses.len()
            ));
        }
        // Cells and contours need each axis in increasing order; a grid given as an unsorted
        // list (`--weights 3,1,2,0`) is sorted here, its losses moved along.
        // A grid finer than the picture is drawn from evenly spaced rows and columns of it.
        let (wi, bi) = (
            axis_order(&self.weights, MAX_CELLS),
            axis_order(&self.biases, MAX_CELLS),
        );
        let weights: Vec<f64> = wi.iter().map(|&i| self.weights[i]).collect();
        let biases: Vec<f64> = bi.iter().map(|&j| self.biases[j]).collect();
        let losses: Vec<f64> = wi
            .iter()
            .flat_map(|&i| bi.iter().map(move |&j| self.losses[i * nb + j]))
            .collect();
        let (lo, hi) = span(losses.iter().copied()).ok_or("every loss is NaN or infinite")?;
        let root = super::titled(root, &self.title, 24)?;
        let width = root.dim_in_pixel().0;
        let (main, bar) = root.split_horizontally(width.saturating_sub(150));

        let (we, be) = (cell_edges(&weights), cell_edges(&biases));
        let (x_range, y_range) = self.extent();
        let mut chart = ChartBuilder::on(&main)
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FAMILY, 16))
            .axis_desc_style((FAMILY, 18))
            .x_label_formatter(&|v| tick(*v, x_range.0, x_range.1))
            .y_label_formatter(&|v| tick(*v, y_range.0, y_range.1))
            .draw()
            .map_err(msg)?;
        let (nw, nb) = (weights.len(), biases.len());
        let cells = (0..nw).flat_map(|i| (0..nb).map(move |j| (i, j)));
        chart
            .draw_series(cells.filter_map(|(i, j)| {
                let l = losses[i * nb + j];
                l.is_finite().then(|| {
                    let colour = colour_at(colour_position(l, lo, hi));
                    Rectangle::new([(we[i], be[j]), (we[i + 1], be[j + 1])], colour.filled())
                })
            }))
            .map_err(msg)?;
        // Ten contour levels, evenly spaced in the colour's square-root scale.
        for k in 1..=10 {
            let level = lo + (hi - lo) * (k as f64 / 11.0).powi(2);
            let lines = contour::segments(&weights, &biases, &losses, level);
            chart
                .draw_series(
                    lines
                        .into_iter()
                        .map(|s| PathElement::new(s.to_vec(), WHITE.mix(0.7))),
                )
                .map_err(msg)?;
        }
        let mut legend = Vec::new();
        let mut avoid = Avoid::default();
        draw_tracks(
            &mut chart,
            &self.tracks,
            2,
            &|p| format!("({}, {})", human(p.0), human(p.1)),
            &mut legend,
            &mut avoid,
        )?;
        if let Some((w, b, l)) = self.minimum {
            let label = format!(
                "grid minimum ({}, {}), loss {}",
                human(w),
                human(b),
                human(l)
            );
            legend.push(label.clone());
            avoid.marks.push((w, b));
            chart
                .draw_series([Circle::new((w, b), 7, MINIMUM.filled())])
                .map_err(msg)?
                .label(label)
                .legend(|(x, y)| Circle::new((x + 12, y), 6, MINIMUM.filled()));
        }
        if let Some((w, b, l)) = self.optimum {
            let off = self.optimum_off_plot();
            let on_plot = off.is_none();
            // Off the map, an arrow on its edge points at it; nothing is drawn at the edge as if
            // the optimum were there.
            if off.is_some() {
                let centre = (0.5 * (x_range.0 + x_range.1), 0.5 * (y_range.0 + y_range.1));
                avoid
                    .marks
                    .extend(draw_off_plot_arrow(&mut chart, (w, b), centre)?);
            }
            let cross = off
                .is_none()
                .then(|| Cross::new((w, b), 9, WHITE.stroke_width(3)));
            // The parameters by their axes' names: `weight A` is A.
            let name = |label: &str| label.rsplit(' ').next().unwrap_or("").to_string();
            let label = format!(
                "closed-form optimum {} = {}, {} = {}, loss {}{}",
                name(&self.x_label),
                human(w),
                name(&self.y_label),
                human(b),
                human(l),
                off.map_or(String::new(), |o| format!(": off the plot, {o}"))
            );
            legend.push(label.clone());
            if on_plot {
                avoid.marks.push((w, b));
            }
            chart
                .draw_series(cross)
                .map_err(msg)?
                .label(label)
                .legend(|(x, y)| Cross::new((x + 12, y), 6, BLACK.stroke_width(2)));
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperLeft,
            14,
            &legend,
            &avoid,
        )?;

        // The colour bar: a strip in the colour's scale, labelled at round losses placed where
        // their colour is (the scale is not linear in loss).
        // Its caption names the loss where it fits, and says "loss" where it does not (a long
        // label, "smooth L1 (β = 0.25)"): the figure's title names the loss too.
        let caption = super::loss_axis(&self.loss);
        let room = bar.dim_in_pixel().0.saturating_sub(8);
        let (caption, size) = match super::fit_text(&caption, 16, room) {
            (fitted, size) if fitted == caption => (fitted, size),
            _ => ("loss".to_string(), 16),
        };
        let mut scale = ChartBuilder::on(&bar)
            .caption(caption, (FAMILY, size))
            .margin_top(8)
            .margin_bottom(72)
            .margin_left(8)
            .build_cartesian_2d(0.0..3.0, 0.0..1.0)
            .map_err(msg)?;
        let steps = 200;
        scale
            .draw_series((0..steps).map(|s| {
                let (t0, t1) = (s as f64 / steps as f64, (s + 1) as f64 / steps as f64);
                Rectangle::new([(0.0, t0), (1.0, t1)], colour_at(0.5 * (t0 + t1)).filled())
            }))
            .map_err(msg)?;
        let mut ticks: Vec<f64> = (0..=6)
            .map(|k| round_to_2_digits(lo + (hi - lo) * (k as f64 / 6.0).powi(2)))
            .filter(|&l| l >= lo && l <= hi)
            .collect();
        ticks.dedup();
        let style =
            TextStyle::from((FAMILY, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let at = |tick: f64| colour_position(tick, lo, hi);
        scale
            .draw_series(
                ticks
                    .iter()
                    .map(|&l| PathElement::new(vec![(1.0, at(l)), (1.25, at(l))], BLACK)),
            )
            .map_err(msg)?;
        scale
            .draw_series(
                ticks
                    .iter()
                    .map(|&l| Text::new(human(l), (1.35, at(l)), style.clone())),
            )
            .map_err(msg)?;
        Ok(())
    }
}

impl crate::sweep::Surface {
    /// The heat map with contours, the grid minimum and the exact optimum.
    pub fn figure(&self) -> Heatmap {
        let nb = self.biases.len();
        let minimum = argmin(&self.losses)
            .map(|i| (self.weights[i / nb], self.biases[i % nb], self.losses[i]));
        Heatmap {
            title: format!("{} of y = A·x + b on {}", self.loss.label(), self.source),
            loss: self.loss.label(),
            x_label: "weight A".into(),
            y_label: "bias b".into(),
            weights: self.weights.clone(),
            biases: self.biases.clone(),
            losses: self.losses.clone(),
            minimum,
            optimum: self
                .optimum
                .as_ref()
                .ok()
                .map(|o| (o.weight, o.bias, o.loss)),
            tracks: Vec::new(),
        }
    }

    /// The surface in 3-D, seen from `angle` (azimuth, elevation in degrees).
    pub fn figure3d(&self, angle: (f64, f64)) -> super::Surface3d {
        super::Surface3d::of(&self.figure(), angle, &|_, _| f64::NAN)
    }
}

impl crate::landscape::LossPlane {
    /// The heat map of the plane with the projected run, its start and end marked.
    pub fn figure(&self) -> Heatmap {
        let n = self.axis.len();
        let minimum =
            argmin(&self.losses).map(|i| (self.axis[i / n], self.axis[i % n], self.losses[i]));
        Heatmap {
            loss: self.loss.label(),
            title: format!(
                "{} landscape of {} on {}",
                self.loss.label(),
                self.model,
                self.source
            ),
            x_label: match self.directions {
                crate::landscape::Directions::Axes => "α = weight A − A*".into(),
                _ => "direction 1 (α)".into(),
            },
            y_label: match self.directions {
                crate::landscape::Directions::Axes => "β = bias b − b*".into(),
                _ => "direction 2 (β)".into(),
            },
            weights: self.axis.clone(),
            biases: self.axis.clone(),
            losses: self.losses.clone(),
            minimum,
            optimum: None,
            tracks: vec![Track {
                label: "descent".into(),
                points: self.path.clone(),
                steps: self.epochs.last().copied().unwrap_or(0),
            }],
        }
    }

    /// The plane in 3-D, seen from `angle` (azimuth, elevation in degrees), the run drawn on
    /// it at its true losses.
    pub fn figure3d(&self, angle: (f64, f64)) -> super::Surface3d {
        super::Surface3d::of(&self.figure(), angle, &|_, k| {
            self.path_losses.get(k).copied().unwrap_or(f64::NAN)
        })
    }
}
