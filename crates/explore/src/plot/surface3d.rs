//! Loss over a grid as a shaded 3-D surface, seen from an angle: the bowl of the line, or the
//! plane of a network, with the training path drawn on it at its true losses.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::ranged3d::Cartesian3d;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    axis_order, colour_at, colour_position, msg, span, tick, track_colour, Figure, FAMILY, MINIMUM,
};
use crate::number::human;

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
    /// The loss it shows, for the axis: `MSE`, `Huber (δ = 1)`.
    pub loss: String,
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

/// How one axis of the 3-D box is labelled: its name (with its range when it has no tick
/// labels), how many tick labels it has room for, where its name is drawn, and how long it
/// looks on the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisLabels {
    pub name: String,
    /// How many tick labels it has: as many as fit along it without overlapping (0: the axis
    /// is seen end-on, or nearly, and its range is in its name instead).
    pub labels: usize,
    /// How many plotters is asked for (it picks round values, up to that many).
    ask: usize,
    /// The pixel the name is anchored at, and the side of it the name lies on: `(dx, dy)`, each
    /// -1, 0 or 1.
    pub at: (i32, i32),
    pub side: (i32, i32),
    /// The axis's length on the screen, in pixels.
    pub length: f64,
    /// The ends of the edge its ticks are on, in pixels.
    pub edge: ((i32, i32), (i32, i32)),
}

/// The length of the ticks on the box's axes; labels are drawn twice as far out.
const TICK: i32 = 6;
/// The tick labels' font size, and their height in pixels.
const LABEL_SIZE: u32 = 13;
const LABEL_HEIGHT: f64 = 16.0;
/// The axes' names' font size.
const NAME_SIZE: u32 = 16;

/// The labels of the three axes (x, loss, z) of a box over `ranges`, as plotters will draw them
/// in `chart`: each on the edge plotters picks for it (nearest the viewer, then highest on the
/// screen), its ticks pointing the way plotters points them, as many tick labels as fit along
/// it, and its name beyond them, away from the box.
fn axis_layout<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian3d<RangedCoordf64, RangedCoordf64, RangedCoordf64>>,
    ranges: [(f64, f64); 3],
    names: [&str; 3],
    format: &dyn Fn(usize, f64) -> String,
) -> [AxisLabels; 3] {
    let coord = chart.as_coord_spec();
    let depth = |v: [f64; 3]| i64::from(coord.projected_depth(&v[0], &v[1], &v[2]));
    let pixel = |v: [f64; 3]| coord.translate(&(v[0], v[1], v[2]));
    let lows = [ranges[0].0, ranges[1].0, ranges[2].0];
    // The panel of each axis: the face at its low or high end, whichever is farther.
    let panel: Vec<f64> = (0..3)
        .map(|i| {
            let mut high = lows;
            high[i] = ranges[i].1;
            if depth(lows) >= depth(high) {
                ranges[i].0
            } else {
                ranges[i].1
            }
        })
        .collect();
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let middle = ((xr.start + xr.end) / 2, (yr.start + yr.end) / 2);
    let layout = |axis: usize| -> AxisLabels {
        // The edges plotters chooses among, in its order, and the one it picks.
        let mut edges = Vec::new();
        for i in (0..3).filter(|&i| i != axis) {
            let j = 3 - i - axis;
            for v in [ranges[j].0, ranges[j].1] {
                let mut start = lows;
                start[i] = panel[i];
                start[j] = v;
                let mut end = start;
                start[axis] = ranges[axis].0;
                end[axis] = ranges[axis].1;
                edges.push((start, end));
            }
        }
        let (start, end) = edges
            .into_iter()
            .min_by_key(|&(s, e)| {
                (
                    depth(s) + depth(e),
                    i64::from(pixel(s).1) + i64::from(pixel(e).1),
                )
            })
            .expect("two other axes");
        let (b, e) = (pixel(start), pixel(end));
        let (dx, dy) = (f64::from(e.0 - b.0), f64::from(e.1 - b.1));
        let length = dx.hypot(dy);
        // Plotters' tick: sideways or up/down, whichever is more across the axis.
        let x_dir = if b.0 < middle.0 { -1 } else { 1 };
        let y_dir = if b.1 < middle.1 { -1 } else { 1 };
        let side = if (f64::from(x_dir) * dx).abs() < (f64::from(y_dir) * dy).abs() {
            (x_dir, 0)
        } else {
            (0, y_dir)
        };
        // Plotters puts the labels at round values, as many as asked for at most: ask for the
        // most whose labels, as wide and as high as they are, lie apart along the axis as it
        // runs on the screen, with a gap.
        let (lo, hi) = ranges[axis];
        let widest = |points: &[f64]| {
            points
                .iter()
                .map(|&v| super::text_width(&format(axis, v), LABEL_SIZE))
                .max()
                .unwrap_or(0) as f64
        };
        let room = |n: usize| -> Option<(usize, f64)> {
            let points = RangedCoordf64::from(lo..hi).key_points(n);
            let gap = points
                .windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(f64::INFINITY, f64::min);
            let along = (dx / length).abs() * (widest(&points) + 8.0)
                + (dy / length).abs() * (LABEL_HEIGHT + 4.0);
            (points.len() >= 2 && length > 0.0 && gap / (hi - lo).abs() * length >= along)
                .then(|| (points.len(), widest(&points)))
        };
        let fitted = (2..=10)
            .rev()
            .find_map(|n| room(n).map(|(count, w)| (n, count, w)));
        let (ask, labels, widest) = fitted.unwrap_or((0, 0, 0.0));
        let name = if labels == 0 {
            format!(
                "{} from {} to {} (seen end-on: no ticks)",
                names[axis],
                format(axis, ranges[axis].0),
                format(axis, ranges[axis].1)
            )
        } else {
            names[axis].to_string()
        };
        // The name beyond the tick labels, across from the middle of the edge; on a slanting
        // edge, further by how far the edge slants under half the name, so that the labels
        // beside the middle do not run into it.
        let name_size = (
            f64::from(super::text_width(&name, NAME_SIZE)),
            f64::from(NAME_SIZE),
        );
        let slant = if side.0 != 0 {
            (dx / dy).abs() * 0.5 * name_size.1
        } else {
            (dy / dx).abs() * 0.5 * name_size.0
        };
        let beyond = 2 * TICK
            + 6
            + if labels == 0 {
                0
            } else if side.0 != 0 {
                widest as i32
            } else {
                LABEL_HEIGHT as i32
            }
            + slant.min(80.0) as i32;
        let mid = ((b.0 + e.0) / 2, (b.1 + e.1) / 2);
        AxisLabels {
            name,
            ask,
            labels,
            at: (mid.0 + side.0 * beyond, mid.1 + side.1 * beyond),
            side,
            length,
            edge: (b, e),
        }
    };
    [layout(0), layout(1), layout(2)]
}

impl Surface3d {
    /// How the axes are labelled when the figure is drawn (see `AxisLabels`): at a steep
    /// angle an axis seen end-on has no tick labels (they would be drawn on top of each other)
    /// and says its range in its name.
    pub fn axis_labels(&self) -> std::result::Result<[AxisLabels; 3], String> {
        let (w, h) = self.size();
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        let mut found = None;
        self.draw_with(&root, &mut |labels| found = Some(labels.clone()))?;
        found.ok_or_else(|| "no axes drawn".to_string())
    }
}

impl Figure for Surface3d {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        self.draw_with(root, &mut |_| {})
    }
}

impl Surface3d {
    /// Draws the figure, telling `seen` how its axes are labelled.
    fn draw_with<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        seen: &mut dyn FnMut(&[AxisLabels; 3]),
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
        // An optimum on the grid lies at or below its lowest loss (between grid points), and a
        // track over the grid at its true losses: the box reaches to them.
        let over_grid = |x: f64, z: f64| (x_lo..=x_hi).contains(&x) && (z_lo..=z_hi).contains(&z);
        let heights = self
            .tracks
            .iter()
            .flat_map(|t| &t.points)
            .filter(|&&(x, z, l)| over_grid(x, z) && l.is_finite())
            .map(|&(_, _, l)| l)
            .chain(
                self.optimum
                    .filter(|&(_, _, l)| off.is_none() && l.is_finite())
                    .map(|(_, _, l)| l),
            );
        let (lo, hi) = span(heights.chain([lo, hi])).unwrap_or((lo, hi));
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
        let format = |axis: usize, v: f64| match axis {
            0 => tick(v, x_lo, x_hi),
            1 => human(v),
            _ => tick(v, z_lo, z_hi),
        };
        let loss_axis = super::loss_axis(&self.loss);
        let names = [
            self.x_label.as_str(),
            loss_axis.as_str(),
            self.z_label.as_str(),
        ];
        let axes = axis_layout(
            &chart,
            [(x_lo, x_hi), (lo, y_hi), (z_lo, z_hi)],
            names,
            &format,
        );
        seen(&axes);
        chart
            .configure_axes()
            .light_grid_style(RGBColor(230, 230, 230))
            .max_light_lines(3)
            .tick_size(TICK)
            .x_labels(axes[0].ask)
            .y_labels(axes[1].ask)
            .z_labels(axes[2].ask)
            .label_style((FAMILY, LABEL_SIZE))
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
        // The legend's lines, as they are added, and what it should not cover: the axes' tick
        // labels and names, the minimum and the optimum (marks), the tracks (lines).
        let mut legend: Vec<String> = Vec::new();
        let named = |legend: &mut Vec<String>, label: String| {
            legend.push(label.clone());
            label
        };
        let coord = chart.as_coord_spec();
        let mut marks: Vec<(i32, i32)> = Vec::new();
        for axis in &axes {
            let name_width = super::text_width(&axis.name, NAME_SIZE) as i32;
            let (x, y) = axis.at;
            let left = match axis.side.0 {
                -1 => x - name_width,
                1 => x,
                _ => x - name_width / 2,
            };
            marks.extend((0..=8).map(|k| (left + name_width * k / 8, y)));
            if axis.labels > 0 {
                let ((ax, ay), (bx, by)) = axis.edge;
                marks.extend((0..=10).map(|k| {
                    (
                        ax + (bx - ax) * k / 10 + axis.side.0 * 3 * TICK,
                        ay + (by - ay) * k / 10 + axis.side.1 * 3 * TICK,
                    )
                }));
            }
        }
        marks.extend(
            self.minimum
                .iter()
                .chain(self.optimum.iter().filter(|_| off.is_none()))
                .map(|&(x, z, l)| coord.translate(&(x, l, z))),
        );
        let lines: Vec<(i32, i32)> = self
            .tracks
            .iter()
            .flat_map(|t| &t.points)
            .filter(|&&(x, z, l)| in_box(&(x, l, z)))
            .map(|&(x, z, l)| coord.translate(&(x, l, z)))
            .collect();
        let n = self.tracks.len();
        for (i, track) in self.tracks.iter().enumerate() {
            let colour = track_colour(i, n);
            let width = super::layered_width(i, n, 3);
            let points: Vec<(f64, f64, f64)> =
                track.points.iter().map(|&(x, z, l)| (x, l, z)).collect();
            // Only what lies in the box is drawn, broken where the track leaves it and, as on
            // the flat figures, at every sharp turn on the screen (a thick line's mitre would
            // draw it past the point it turns at).
            let mut pieces: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
            let mut heading: Option<(i64, i64)> = None;
            let coord = chart.as_coord_spec();
            for p in &points {
                if !in_box(p) {
                    if pieces.last().is_some_and(|piece| !piece.is_empty()) {
                        pieces.push(Vec::new());
                    }
                    heading = None;
                    continue;
                }
                let here = coord.translate(p);
                let piece = pieces.last_mut().expect("one piece at least");
                if let Some(last) = piece.last() {
                    let there = coord.translate(last);
                    let step = (i64::from(here.0 - there.0), i64::from(here.1 - there.1));
                    if step != (0, 0) {
                        if heading.is_some_and(|h| h.0 * step.0 + h.1 * step.1 < 0) {
                            let last = *last;
                            pieces.push(vec![last]);
                        }
                        heading = Some(step);
                    }
                }
                pieces.last_mut().expect("a piece").push(*p);
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
                .label(named(
                    &mut legend,
                    format!(
                        "{} ({} points{})",
                        track.label,
                        track.points.len(),
                        if outside > 0 {
                            format!(", {outside} off the plot")
                        } else {
                            String::new()
                        }
                    ),
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
                .label(named(
                    &mut legend,
                    format!(
                        "grid minimum ({}, {}), loss {}",
                        human(x),
                        human(z),
                        human(l)
                    ),
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
                .label(named(
                    &mut legend,
                    format!(
                        "closed-form optimum ({}, {}), loss {}{}",
                        human(x),
                        human(z),
                        human(l),
                        off.as_ref()
                            .map_or(String::new(), |o| format!(": off the plot, {o}"))
                    ),
                ))
                .legend(|(x, y)| Cross::new((x + 12, y), 6, BLACK.stroke_width(2)));
        }
        // The axes' names beyond their tick labels, away from the box; an axis seen end-on
        // names its range in the legend instead (at its corner it would cover other labels).
        let (bx, by) = root.get_base_pixel();
        for axis in axes.iter().filter(|a| a.labels == 0) {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64, f64), i32>>())
                .map_err(msg)?
                .label(named(&mut legend, axis.name.clone()));
        }
        for axis in axes.iter().filter(|a| a.labels > 0) {
            let h = match axis.side.0 {
                -1 => HPos::Right,
                1 => HPos::Left,
                _ => HPos::Center,
            };
            let v = match axis.side.1 {
                -1 => VPos::Bottom,
                1 => VPos::Top,
                _ => VPos::Center,
            };
            let style = TextStyle::from((FAMILY, NAME_SIZE).into_font()).pos(Pos::new(h, v));
            root.draw(&Text::new(
                axis.name.clone(),
                (axis.at.0 - bx, axis.at.1 - by),
                style,
            ))
            .map_err(msg)?;
        }
        let area = chart.plotting_area();
        let (position, _) = super::legend_place_in(
            (area.get_base_pixel(), area.dim_in_pixel()),
            SeriesLabelPosition::UpperRight,
            super::legend_size(&legend, 14),
            (&marks, &lines),
        );
        if legend.is_empty() {
            return Ok(());
        }
        chart
            .configure_series_labels()
            .position(position)
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
            loss: map.loss.clone(),
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
