//! Loss over a grid as a shaded 3-D surface, seen from an angle: the bowl of the line, or the
//! plane of a network, with the training path drawn on it at its true losses.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    axis_order, colour_at, colour_position, msg, span, tick, track_colour, Figure, FAMILY, MINIMUM,
};
use crate::report::human;

/// A descent on the surface: `(x, z, loss)` points in order, named in the legend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track3 {
    pub label: String,
    pub points: Vec<(f64, f64, f64)>,
}

/// The loss over `xs × zs` (x-major, as the heat map holds it) as a surface.
#[derive(Debug, Clone, Default)]
pub struct Surface3d {
    pub title: String,
    /// The horizontal axes' names, e.g. "weight A" and "bias b".
    pub x_label: String,
    pub z_label: String,
    pub xs: Vec<f64>,
    pub zs: Vec<f64>,
    /// `losses[i * zs.len() + j]` is the loss at `(xs[i], zs[j])`.
    pub losses: Vec<f64>,
    pub tracks: Vec<Track3>,
    /// `(x, z, loss)` of the closed-form optimum and of the grid's minimum.
    pub optimum: Option<(f64, f64, f64)>,
    pub minimum: Option<(f64, f64, f64)>,
    /// The view: azimuth and elevation, in degrees.
    pub angle: (f64, f64),
}

/// A cell of the mesh, a quadrilateral in data coordinates.
type Cell = Polygon<(f64, f64, f64)>;

/// The most cells along each axis of the mesh: finer grids are drawn from evenly spaced rows.
const MESH: usize = 60;

impl Surface3d {
    /// The extent of the grid, `(x, z)`, lowest to highest.
    fn grid_extent(&self) -> Option<((f64, f64), (f64, f64))> {
        Some((
            span(self.xs.iter().copied())?,
            span(self.zs.iter().copied())?,
        ))
    }

    /// Where the closed-form optimum lies off the grid, in words naming the grid's extent;
    /// `None` when it is on it or there is none. The figure then says so in the legend and
    /// draws nothing at the box's edge as if it were there.
    pub fn optimum_off_plot(&self) -> Option<String> {
        let (x, z, _) = self.optimum?;
        let ((x_lo, x_hi), (z_lo, z_hi)) = self.grid_extent()?;
        super::off_plot((x, z), (x_lo, x_hi), (z_lo, z_hi)).map(|_| {
            format!(
                "beyond the grid ({} {} to {}, {} {} to {})",
                self.x_label,
                human(x_lo),
                human(x_hi),
                self.z_label,
                human(z_lo),
                human(z_hi)
            )
        })
    }
}

impl Figure for Surface3d {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let (nx, nz) = (self.xs.len(), self.zs.len());
        if nx * nz != self.losses.len() || nx < 2 || nz < 2 {
            return Err(format!(
                "surface: {} losses for a {nx} × {nz} grid (at least 2 × 2)",
                self.losses.len()
            ));
        }
        // Sorted axes, thinned for the mesh, the losses moved along.
        let (xi, zi) = (axis_order(&self.xs, MESH), axis_order(&self.zs, MESH));
        let xs: Vec<f64> = xi.iter().map(|&i| self.xs[i]).collect();
        let zs: Vec<f64> = zi.iter().map(|&j| self.zs[j]).collect();
        let loss = |a: usize, b: usize| self.losses[xi[a] * nz + zi[b]];
        let (lo, hi) = span(
            (0..xs.len())
                .flat_map(|a| (0..zs.len()).map(move |b| (a, b)))
                .map(|(a, b)| loss(a, b)),
        )
        .ok_or("every loss is NaN or infinite")?;
        let (x_lo, x_hi) = (xs[0], xs[xs.len() - 1]);
        let (z_lo, z_hi) = (zs[0], zs[zs.len() - 1]);
        let off = self.optimum_off_plot();
        // An optimum on the grid lies at or below its lowest loss (between grid points): the box
        // reaches down to it.
        let lo = match self.optimum {
            Some((_, _, l)) if off.is_none() && l.is_finite() => lo.min(l),
            _ => lo,
        };
        let y_hi = hi + 0.05 * (hi - lo).max(f64::MIN_POSITIVE);
        let in_box = |&(x, l, z): &(f64, f64, f64)| {
            (x_lo..=x_hi).contains(&x) && (lo..=y_hi).contains(&l) && (z_lo..=z_hi).contains(&z)
        };
        let width = root
            .dim_in_pixel()
            .0
            .saturating_sub(2 * super::TITLE_MARGIN);
        let (title, size) = super::fit_text(&self.title, 24, width);
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FAMILY, size))
            .margin(20)
            .build_cartesian_3d(x_lo..x_hi, lo..y_hi, z_lo..z_hi)
            .map_err(msg)?;
        let (azimuth, elevation) = self.angle;
        chart.with_projection(|mut pb| {
            pb.yaw = azimuth.to_radians();
            pb.pitch = elevation.to_radians();
            pb.scale = 0.78;
            pb.into_matrix()
        });
        chart
            .configure_axes()
            .light_grid_style(RGBColor(230, 230, 230))
            .max_light_lines(3)
            .label_style((FAMILY, 13))
            .x_formatter(&|v| tick(*v, x_lo, x_hi))
            .y_formatter(&|v| human(*v))
            .z_formatter(&|v| tick(*v, z_lo, z_hi))
            .draw()
            .map_err(msg)?;
        // The cells, far ones first so that near ones cover them.
        let mut cells: Vec<(i32, Cell)> = Vec::new();
        for a in 0..xs.len() - 1 {
            for b in 0..zs.len() - 1 {
                let corners = [(a, b), (a + 1, b), (a + 1, b + 1), (a, b + 1)];
                let heights: Vec<f64> = corners.iter().map(|&(p, q)| loss(p, q)).collect();
                if heights.iter().any(|h| !h.is_finite()) {
                    continue;
                }
                let mean = heights.iter().sum::<f64>() / 4.0;
                let colour = colour_at(colour_position(mean, lo, hi));
                let points: Vec<(f64, f64, f64)> = corners
                    .iter()
                    .zip(&heights)
                    .map(|(&(p, q), &h)| (xs[p], h, zs[q]))
                    .collect();
                let centre = (0.5 * (xs[a] + xs[a + 1]), mean, 0.5 * (zs[b] + zs[b + 1]));
                let depth = chart
                    .as_coord_spec()
                    .projected_depth(&centre.0, &centre.1, &centre.2);
                cells.push((depth, Polygon::new(points, colour.mix(0.95).filled())));
            }
        }
        cells.sort_by_key(|(depth, _)| std::cmp::Reverse(*depth));
        chart
            .draw_series(cells.into_iter().map(|(_, cell)| cell))
            .map_err(msg)?;
        let n = self.tracks.len();
        for (i, track) in self.tracks.iter().enumerate() {
            let colour = track_colour(i, n);
            let width = super::layered_width(i, n, 3);
            let points: Vec<(f64, f64, f64)> =
                track.points.iter().map(|&(x, z, l)| (x, l, z)).collect();
            // Only what lies in the box is drawn, broken where the track leaves it.
            let mut pieces: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
            for p in &points {
                match pieces.last_mut() {
                    Some(piece) if in_box(p) => piece.push(*p),
                    Some(piece) if !piece.is_empty() => pieces.push(Vec::new()),
                    _ => {}
                }
            }
            let outside = points.iter().filter(|p| !in_box(p)).count();
            chart
                .draw_series(
                    pieces
                        .into_iter()
                        .filter(|piece| piece.len() > 1)
                        .map(|piece| PathElement::new(piece, colour.stroke_width(width))),
                )
                .map_err(msg)?
                .label(format!(
                    "{} ({} points{})",
                    track.label,
                    track.points.len(),
                    if outside > 0 {
                        format!(", {outside} off the plot")
                    } else {
                        String::new()
                    }
                ))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(width))
                });
            let ends = [points.first(), points.last()];
            chart
                .draw_series(
                    ends.into_iter()
                        .zip([8, 5])
                        .filter_map(|(p, size)| p.filter(|p| in_box(p)).map(|p| (*p, size)))
                        .map(|(p, size)| TriangleMarker::new(p, size, colour.filled())),
                )
                .map_err(msg)?;
        }
        if let Some((x, z, l)) = self.minimum {
            chart
                .draw_series([Circle::new((x, l, z), 6, MINIMUM.filled())])
                .map_err(msg)?
                .label(format!(
                    "grid minimum ({}, {}), loss {}",
                    human(x),
                    human(z),
                    human(l)
                ))
                .legend(|(x, y)| Circle::new((x + 12, y), 6, MINIMUM.filled()));
        }
        if let Some((x, z, l)) = self.optimum {
            let cross = off
                .is_none()
                .then(|| Cross::new((x, l, z), 9, BLACK.stroke_width(3)));
            chart
                .draw_series(cross)
                .map_err(msg)?
                .label(format!(
                    "closed-form optimum ({}, {}), loss {}{}",
                    human(x),
                    human(z),
                    human(l),
                    off.as_ref()
                        .map_or(String::new(), |o| format!(": off the plot, {o}"))
                ))
                .legend(|(x, y)| Cross::new((x + 12, y), 6, BLACK.stroke_width(2)));
        }
        // The axes' names beside the middle of the edges their ticks are on.
        let style =
            TextStyle::from((FAMILY, 16).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let (dx, dz) = (x_hi - x_lo, z_hi - z_lo);
        chart
            .draw_series([
                Text::new(
                    self.x_label.clone(),
                    (x_lo + 0.5 * dx, lo, z_hi + 0.18 * dz),
                    style.clone(),
                ),
                Text::new(
                    self.z_label.clone(),
                    (x_hi + 0.18 * dx, lo, z_lo + 0.5 * dz),
                    style.clone(),
                ),
                Text::new("loss (MSE)".to_string(), (x_lo, y_hi, z_lo), style),
            ])
            .map_err(msg)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FAMILY, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(msg)?;
        Ok(())
    }
}

/// A grid of losses seen one way or the other: the heat map, or the 3-D surface.
#[derive(Debug, Clone)]
pub enum View {
    Map(super::Heatmap),
    Surface(Surface3d),
}

impl Figure for View {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        match self {
            View::Map(map) => map.draw(root),
            View::Surface(surface) => surface.draw(root),
        }
    }
}

impl Surface3d {
    /// The surface of a heat map's grid and tracks, seen from `angle`; `loss_at` gives each
    /// track point's height (its true loss).
    pub fn of(
        map: &super::Heatmap,
        angle: (f64, f64),
        loss_at: &dyn Fn(usize, usize) -> f64,
    ) -> Self {
        Surface3d {
            title: map.title.clone(),
            x_label: map.x_label.clone(),
            z_label: map.y_label.clone(),
            xs: map.weights.clone(),
            zs: map.biases.clone(),
            losses: map.losses.clone(),
            tracks: map
                .tracks
                .iter()
                .enumerate()
                .map(|(t, track)| Track3 {
                    label: track.label.clone(),
                    points: track
                        .points
                        .iter()
                        .enumerate()
                        .map(|(k, &(x, z))| (x, z, loss_at(t, k)))
                        .collect(),
                })
                .collect(),
            optimum: map.optimum,
            minimum: map.minimum,
            angle,
        }
    }
}
