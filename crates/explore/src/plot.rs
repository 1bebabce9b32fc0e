//! Plots as PNG or SVG: the loss against the weight, and (A, b) heat maps with contours. Text is
//! drawn with a bundled DejaVu Sans, so PNGs need no system font libraries.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::write_atomic;
use crate::report::human;
use crate::{Error, Result};

/// The bundled font (Bitstream Vera licence, see `assets/DejaVuSans-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";
const SIZE: (u32, u32) = (960, 640);

/// A file format for plots, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    Png,
    Svg,
}

/// Where to write a plot, with its format; parsing refuses an unknown extension up front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotPath {
    pub path: PathBuf,
    pub format: PlotFormat,
}

impl FromStr for PlotPath {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let path = PathBuf::from(s);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match ext.as_deref() {
            Some("png") => PlotFormat::Png,
            Some("svg") => PlotFormat::Svg,
            Some(other) => {
                return Err(format!(
                    "unknown plot extension `.{other}`: use a .png or .svg file"
                ))
            }
            None => return Err(format!("`{s}` has no extension: use a .png or .svg file")),
        };
        Ok(PlotPath { path, format })
    }
}

impl PlotPath {
    pub fn as_path(&self) -> &Path {
        &self.path
    }
}

/// A picture that can be drawn on any plotters backend.
pub trait Figure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String>;

    /// Width and height in pixels.
    fn size(&self) -> (u32, u32) {
        SIZE
    }
}

/// Renders `figure` and writes it atomically to `path` as PNG or SVG.
pub fn save(figure: &impl Figure, path: &PlotPath) -> Result<()> {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bundled font is known-good; if this ever failed, text would be missing, not wrong.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
    let (w, h) = figure.size();
    let bytes = match path.format {
        PlotFormat::Png => {
            let mut rgb = vec![255u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                figure.draw(&root).map_err(Error::Plot)?;
                root.present().map_err(plot_error)?;
            }
            encode_png(&rgb, w, h)?
        }
        PlotFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                figure.draw(&root).map_err(Error::Plot)?;
                root.present().map_err(plot_error)?;
            }
            svg.into_bytes()
        }
    };
    write_atomic(&path.path, &bytes)
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(plot_error)?;
    writer.write_image_data(rgb).map_err(plot_error)?;
    writer.finish().map_err(plot_error)?;
    Ok(bytes)
}

fn plot_error(e: impl std::fmt::Display) -> Error {
    Error::Plot(e.to_string())
}

fn msg(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const CURVE: RGBColor = RGBColor(31, 119, 180);
const MINIMUM: RGBColor = RGBColor(214, 39, 40);
const OPTIMUM: RGBColor = RGBColor(44, 160, 44);
const PATH: RGBColor = RGBColor(255, 127, 14);

/// An axis label: `v` as [`human`] writes it, but 0 for values that are zero up to the
/// rounding of the tick arithmetic (plotters can land on -2.2e-16 for the tick at 0).
fn tick(v: f64, lo: f64, hi: f64) -> String {
    if v.abs() <= 1e-9 * (hi - lo).abs() {
        "0".to_string()
    } else {
        human(v)
    }
}

/// A 2-D chart with f64 axes, as every figure here draws.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart over `x × y` with a caption, a light grid and labelled axes, as the loss curve and
/// the loss history draw it; `y_label` writes the y ticks.
fn line_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    (title, size): (&str, u32),
    (x_lo, x_hi): (f64, f64),
    (y_lo, y_hi): (f64, f64),
    (x_desc, y_desc): (&str, &str),
    y_label: &dyn Fn(&f64) -> String,
) -> std::result::Result<Chart<'a, DB>, String> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, size))
        .margin(24)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 18))
        .x_label_formatter(&|v| tick(*v, x_lo, x_hi))
        .y_label_formatter(y_label)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(msg)?;
    Ok(chart)
}

/// The legend of a chart's labelled series, on a translucent white box.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> std::result::Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, font_size))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()
        .map_err(msg)
}

/// A descent path: its steps joined and dotted, the start a triangle and the end a square,
/// each in the legend with `at` describing the point.
fn draw_path<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    path: &[(f64, f64)],
    dot: i32,
    at: &dyn Fn((f64, f64)) -> String,
) -> std::result::Result<(), String> {
    let (Some(&start), Some(&end)) = (path.first(), path.last()) else {
        return Ok(());
    };
    chart
        .draw_series(LineSeries::new(path.iter().copied(), PATH.stroke_width(2)))
        .map_err(msg)?
        .label(format!("descent ({} steps)", path.len() - 1))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], PATH.stroke_width(2)));
    chart
        .draw_series(path.iter().map(|&p| Circle::new(p, dot, PATH.filled())))
        .map_err(msg)?;
    chart
        .draw_series([TriangleMarker::new(start, 9, PATH.filled())])
        .map_err(msg)?
        .label(format!("start {}", at(start)))
        .legend(|(x, y)| TriangleMarker::new((x + 12, y), 7, PATH.filled()));
    chart
        .draw_series([EmptyElement::at(end) + Rectangle::new([(-6, -6), (6, 6)], PATH.filled())])
        .map_err(msg)?
        .label(format!("end {}", at(end)))
        .legend(|(x, y)| Rectangle::new([(x + 7, y - 5), (x + 17, y + 5)], PATH.filled()));
    Ok(())
}

/// Loss against one parameter: a smooth curve, the evaluated table as dots, the table's minimum
/// and the closed-form optimum marked. Optionally a path of points (gradient-descent steps).
#[derive(Debug, Clone, Default)]
pub struct LossCurve {
    pub title: String,
    /// The parameter's name on the x axis, e.g. "weight A".
    pub x_label: String,
    /// The loss, densely sampled, drawn as a line.
    pub curve: Vec<(f64, f64)>,
    /// The evaluated values, drawn as dots.
    pub points: Vec<(f64, f64)>,
    pub minimum: Option<(f64, f64)>,
    pub optimum: Option<(f64, f64)>,
    /// Steps to draw over the curve, joined in order, start and end marked.
    pub path: Vec<(f64, f64)>,
}

pub(crate) fn span(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens `(lo, hi)` by `frac` of its width on each side, and an empty range to a unit one.
pub(crate) fn pad((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let width = hi - lo;
    if width > 0.0 {
        (lo - frac * width, hi + frac * width)
    } else {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - d, hi + d)
    }
}

impl Figure for LossCurve {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let all = || self.curve.iter().chain(&self.points).chain(&self.path);
        let x_span = span(all().map(|p| p.0)).ok_or("nothing to plot")?;
        let (y_lo, y_hi) = span(all().map(|p| p.1)).ok_or("nothing to plot")?;
        let (x_lo, x_hi) = pad(x_span, 0.02);
        // A loss is never negative: start the axis at zero, with a sliver of room below it.
        let (y_lo, y_hi) = pad((y_lo.min(0.0), y_hi), 0.03);
        let mut chart = line_chart(
            root,
            (&self.title, 24),
            (x_lo, x_hi),
            (y_lo, y_hi),
            (&self.x_label, "loss (MSE)"),
            &|v| tick(*v, y_lo, y_hi),
        )?;
        if !self.curve.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    self.curve.iter().copied(),
                    CURVE.stroke_width(3),
                ))
                .map_err(msg)?
                .label("loss (exact)")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], CURVE.stroke_width(3))
                });
        }
        if !self.points.is_empty() {
            chart
                .draw_series(
                    self.points
                        .iter()
                        .map(|&p| Circle::new(p, 4, CURVE.filled())),
                )
                .map_err(msg)?
                .label("evaluated")
                .legend(|(x, y)| Circle::new((x + 12, y), 4, CURVE.filled()));
        }
        if let Some(opt) = self.optimum {
            let inside = opt.0 >= x_lo && opt.0 <= x_hi;
            let label = format!(
                "closed-form optimum A = {}, loss {}{}",
                human(opt.0),
                human(opt.1),
                if inside { "" } else { " (off the plot)" }
            );
            let series = if inside {
                vec![(opt.0, y_lo), (opt.0, y_hi)]
            } else {
                Vec::new()
            };
            chart
                .draw_series(DashedLineSeries::new(series, 8, 6, OPTIMUM.stroke_width(2)))
                .map_err(msg)?
                .label(label)
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], OPTIMUM.stroke_width(2))
                });
        }
        draw_path(&mut chart, &self.path, 3, &|p| {
            format!("A = {}", human(p.0))
        })?;
        if let Some(min) = self.minimum {
            chart
                .draw_series([Circle::new(min, 8, MINIMUM.filled())])
                .map_err(msg)?
                .label(format!(
                    "grid minimum A = {}, loss {}",
                    human(min.0),
                    human(min.1)
                ))
                .legend(|(x, y)| Circle::new((x + 12, y), 6, MINIMUM.filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperMiddle, 16)?;
        Ok(())
    }
}

/// Loss over an (A, b) grid as a heat map with contour lines and a colour bar, the grid minimum
/// and the closed-form optimum marked, and optionally a descent path drawn over it.
#[derive(Debug, Clone, Default)]
pub struct Heatmap {
    pub title: String,
    /// The axes' names, e.g. "weight A" and "bias b".
    pub x_label: String,
    pub y_label: String,
    pub weights: Vec<f64>,
    pub biases: Vec<f64>,
    /// `losses[i * biases.len() + j]` is the loss at `(weights[i], biases[j])`: weight-major.
    pub losses: Vec<f64>,
    pub minimum: Option<(f64, f64, f64)>,
    pub optimum: Option<(f64, f64, f64)>,
    /// `(A, b)` steps to draw over the map, start and end marked.
    pub path: Vec<(f64, f64)>,
}

/// Colours follow `sqrt((L − Lmin) / (Lmax − Lmin))`: for a quadratic bowl that is proportional
/// to the distance from the minimum, so the rings of colour are evenly spaced.
fn colour_position(loss: f64, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        ((loss - lo) / (hi - lo)).clamp(0.0, 1.0).sqrt()
    } else {
        0.0
    }
}

fn colour_at(t: f64) -> RGBColor {
    ViridisRGB.get_color(t as f32)
}

/// `v` rounded to two significant digits (rounded towards the inside of the range at the ends
/// is not needed: ticks outside it are dropped).
fn round_to_2_digits(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

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
        let (lo, hi) = span(self.losses.iter().copied()).ok_or("every loss is NaN or infinite")?;
        let root = root.titled(&self.title, (FAMILY, 24)).map_err(msg)?;
        let width = root.dim_in_pixel().0;
        let (main, bar) = root.split_horizontally(width.saturating_sub(150));

        let (we, be) = (cell_edges(&self.weights), cell_edges(&self.biases));
        let x_range =
            span(we.iter().copied().chain(self.path.iter().map(|p| p.0))).unwrap_or((0.0, 1.0));
        let y_range =
            span(be.iter().copied().chain(self.path.iter().map(|p| p.1))).unwrap_or((0.0, 1.0));
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
        let cells = (0..nw).flat_map(|i| (0..nb).map(move |j| (i, j)));
        chart
            .draw_series(cells.filter_map(|(i, j)| {
                let l = self.losses[i * nb + j];
                l.is_finite().then(|| {
                    let colour = colour_at(colour_position(l, lo, hi));
                    Rectangle::new([(we[i], be[j]), (we[i + 1], be[j + 1])], colour.filled())
                })
            }))
            .map_err(msg)?;
        // Ten contour levels, evenly spaced in the colour's square-root scale.
        for k in 1..=10 {
            let level = lo + (hi - lo) * (k as f64 / 11.0).powi(2);
            let lines = crate::contour::segments(&self.weights, &self.biases, &self.losses, level);
            chart
                .draw_series(
                    lines
                        .into_iter()
                        .map(|s| PathElement::new(s.to_vec(), WHITE.mix(0.7))),
                )
                .map_err(msg)?;
        }
        draw_path(&mut chart, &self.path, 2, &|p| {
            format!("({}, {})", human(p.0), human(p.1))
        })?;
        if let Some((w, b, l)) = self.minimum {
            chart
                .draw_series([Circle::new((w, b), 7, MINIMUM.filled())])
                .map_err(msg)?
                .label(format!(
                    "grid minimum ({}, {}), loss {}",
                    human(w),
                    human(b),
                    human(l)
                ))
                .legend(|(x, y)| Circle::new((x + 12, y), 6, MINIMUM.filled()));
        }
        if let Some((w, b, l)) = self.optimum {
            chart
                .draw_series([Cross::new((w, b), 9, WHITE.stroke_width(3))])
                .map_err(msg)?
                .label(format!(
                    "closed-form optimum A = {}, b = {}, loss {}",
                    human(w),
                    human(b),
                    human(l)
                ))
                .legend(|(x, y)| Cross::new((x + 12, y), 6, BLACK.stroke_width(2)));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 14)?;

        // The colour bar: a strip in the colour's scale, labelled at round losses placed where
        // their colour is (the scale is not linear in loss).
        let mut scale = ChartBuilder::on(&bar)
            .caption("loss (MSE)", (FAMILY, 16))
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

/// What a PNG holds, to check a plot was really drawn: its size and how many distinct colours
/// it uses (a blank image has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngSummary {
    pub width: u32,
    pub height: u32,
    pub colours: usize,
}

/// Decodes a PNG file and summarises it.
pub fn inspect_png(path: &Path) -> Result<PngSummary> {
    let file = std::fs::File::open(path).map_err(plot_error)?;
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .map_err(plot_error)?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf).map_err(plot_error)?;
    let bytes = &buf[..info.buffer_size()];
    let pixel = info.color_type.samples() * (info.bit_depth as usize).div_ceil(8);
    let colours: std::collections::HashSet<&[u8]> = bytes.chunks(pixel).collect();
    Ok(PngSummary {
        width: info.width,
        height: info.height,
        colours: colours.len(),
    })
}

/// Loss against epoch, with the closed-form optimum's loss as a dashed line.
#[derive(Debug, Clone, Default)]
pub struct LossHistory {
    pub title: String,
    /// `(epoch, loss)`.
    pub losses: Vec<(f64, f64)>,
    pub optimum_loss: Option<f64>,
}

impl Figure for LossHistory {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let x_span = span(self.losses.iter().map(|p| p.0)).ok_or("no epochs to plot")?;
        let y_span =
            span(self.losses.iter().map(|p| p.1).chain(self.optimum_loss)).ok_or("no losses")?;
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
        let y_desc = if log {
            "loss (MSE, log scale)"
        } else {
            "loss (MSE)"
        };
        let mut chart = line_chart(
            root,
            (&self.title, 22),
            (x_lo, x_hi),
            (y_lo, y_hi),
            ("epoch", y_desc),
            &y_label,
        )?;
        chart
            .draw_series(LineSeries::new(
                self.losses.iter().map(|&(e, l)| (e, to_axis(l))),
                PATH.stroke_width(3),
            ))
            .map_err(msg)?
            .label("training loss")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], PATH.stroke_width(3)));
        if let Some(l) = self.optimum_loss.filter(|&l| !log || l > 0.0) {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_lo, to_axis(l)), (x_hi, to_axis(l))],
                    8,
                    6,
                    OPTIMUM.stroke_width(2),
                ))
                .map_err(msg)?
                .label(format!("closed-form optimum, loss {}", human(l)))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], OPTIMUM.stroke_width(2))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
        Ok(())
    }
}

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
