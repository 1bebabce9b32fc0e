//! Plots as PNG or SVG, one file per figure: the loss against a weight ([`LossCurve`]), a heat
//! map with contours ([`Heatmap`]), the loss per epoch ([`LossHistory`]), and a training run
//! ([`TrainFigure`]). This file holds what they share: the [`Figure`] trait, saving, colours,
//! axes, legends and the drawing of a path. Text is drawn with a bundled DejaVu Sans, so PNGs
//! need no system font libraries.

mod animation;
mod class_page;
mod classes;
mod compare;
pub mod contour;
mod curve;
mod fit;
mod heatmap;
mod history;
mod html;
mod lines;
mod sharpness;
mod slice;
mod surface3d;
mod train;

pub use animation::{gif_bytes, save_gif, Frame, GifPath, FPS, FRAMES};
pub use class_page::{save_class_page, ClassPage, PageClass, PageFrame, PAGE_FRAMES};
pub use classes::ClassFigure;
pub use compare::CompareFigure;
pub use curve::LossCurve;
pub use fit::DataFit;
pub use heatmap::Heatmap;
pub use history::{smoothed, EpochRow, LossHistory, Series};
pub use html::{
    save_html, to_json, Page, PageHistory, PageTrack, PAGE_BUDGET, PLOTLY_2D, PLOTLY_3D,
};
pub use lines::LossLines;
pub use sharpness::SharpnessFigure;
pub use surface3d::{Surface3d, Track3, View};
pub use train::{Landscape, TrainFigure};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::grid::{pad, span};
use crate::io::write_atomic;
use crate::number::human;
use crate::thin::evenly;
use crate::{Error, Result};

/// The bundled font (Bitstream Vera licence, see `assets/DejaVuSans-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";
const SIZE: (u32, u32) = (960, 640);

/// A file format for plots, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    Png,
    Svg,
    /// An interactive page (see [`save_html`]).
    Html,
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
            Some("html") | Some("htm") => PlotFormat::Html,
            Some(other) => {
                return Err(format!(
                    "unknown plot extension `.{other}`: use a .png, .svg or .html file"
                ))
            }
            None => {
                return Err(format!(
                    "`{s}` has no extension: use a .png, .svg or .html file"
                ))
            }
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

/// The loss axis's title: `loss (MSE)`, or `loss` when the figure does not say which.
pub fn loss_axis(loss: &str) -> String {
    if loss.is_empty() {
        "loss".to_string()
    } else {
        format!("loss ({loss})")
    }
}

/// Renders `figure` and writes it atomically to `path` as PNG or SVG.
pub fn save(figure: &impl Figure, path: &PlotPath) -> Result<()> {
    let bytes = match path.format {
        PlotFormat::Png => {
            let (w, h) = figure.size();
            encode_png(&render(figure)?, w, h)?
        }
        PlotFormat::Svg => {
            register_font();
            let (w, h) = figure.size();
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                figure.draw(&root).map_err(Error::Plot)?;
                root.present().map_err(plot_error)?;
            }
            svg.into_bytes()
        }
        PlotFormat::Html => {
            return Err(Error::Plot(
                "an HTML page is drawn from the run's data: use plot::save_html".into(),
            ))
        }
    };
    write_atomic(&path.path, &bytes)
}

/// Writes the plot `path` asks for: `figure` as PNG or SVG, or `page` as an interactive HTML
/// page (each built only if it is the one needed).
pub fn save_plot<F: Figure>(
    path: &PlotPath,
    figure: impl FnOnce() -> F,
    page: impl FnOnce() -> Page,
) -> Result<()> {
    match path.format {
        PlotFormat::Html => save_html(&page(), path.as_path()),
        _ => save(&figure(), path),
    }
}

/// Makes the bundled font the one plotters draws text with.
fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bundled font is known-good; if this ever failed, text would be missing, not wrong.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// `figure` drawn into an RGB buffer of its size.
pub fn render(figure: &impl Figure) -> Result<Vec<u8>> {
    register_font();
    let (w, h) = figure.size();
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        figure.draw(&root).map_err(Error::Plot)?;
        root.present().map_err(plot_error)?;
    }
    Ok(rgb)
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

/// The width in pixels of `text` in the bundled font at `size`.
fn text_width(text: &str, size: u32) -> u32 {
    register_font();
    (FAMILY, size)
        .into_font()
        .box_size(text)
        .map_or(u32::MAX, |(w, _)| w)
}

/// `text` as a title `width` pixels wide can hold: at `size` if it fits; else at the largest
/// size down to two thirds of it that fits; else at that size with its middle replaced by "…",
/// keeping its start and, longer, its end (a long file name's own name and point count).
/// Returns the text and its size. A title wider than its figure was drawn cut at both sides.
pub fn fit_text(text: &str, size: u32, width: u32) -> (String, u32) {
    let smallest = (size * 2 / 3).max(8);
    for s in (smallest..=size).rev() {
        if text_width(text, s) <= width {
            return (text.to_string(), s);
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let elided = |keep: usize| -> String {
        let head = keep / 3;
        let tail = keep - head;
        let mut out: String = chars[..head].iter().collect();
        out.push('…');
        out.extend(&chars[chars.len() - tail..]);
        out
    };
    // The most characters that fit, found by bisection (the width grows with what is kept).
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(&elided(mid), smallest) <= width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    (elided(lo), smallest)
}

/// The room a title leaves on each side of a figure.
const TITLE_MARGIN: u32 = 12;

/// `area` with `title` drawn centred at its top, fitted to its width ([`fit_text`]), and the
/// area below it.
fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    size: u32,
) -> std::result::Result<DrawingArea<DB, Shift>, String> {
    let width = area.dim_in_pixel().0.saturating_sub(2 * TITLE_MARGIN);
    let (text, size) = fit_text(title, size, width);
    area.titled(&text, (FAMILY, size)).map_err(msg)
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
    let width = root.dim_in_pixel().0.saturating_sub(2 * TITLE_MARGIN);
    let (title, size) = fit_text(title, size, width);
    // Room for the widest tick label beside the axis's title, the ticks being round numbers
    // as plotters picks them: every multiple of the power of ten below a tenth of the range.
    let step = 10f64.powf(((y_hi - y_lo) / 10.0).log10().floor());
    let widest = match step.is_finite() && step > 0.0 {
        true => ((y_lo / step).ceil() as i64..=(y_hi / step).floor() as i64)
            .take(200)
            .map(|k| text_width(&y_label(&(k as f64 * step)), 16))
            .max()
            .unwrap_or(0),
        false => 0,
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, size))
        .margin(24)
        .x_label_area_size(56)
        .y_label_area_size(widest.saturating_add(36).clamp(72, 160))
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

/// What a legend should not cover: marks (what a reader looks for: a minimum, the only data
/// point, the start and end of a path) and lines (curves and paths, as their points).
#[derive(Debug, Clone, Default)]
struct Avoid {
    marks: Vec<(f64, f64)>,
    lines: Vec<(f64, f64)>,
}

/// The size in pixels of the legend plotters draws for `labels` in a font of `font_size`: the
/// lines of text, the 30-pixel column of samples and a 10-pixel margin all round.
fn legend_size(labels: &[String], font_size: u32) -> (i32, i32) {
    let font: TextStyle<'_> = (FAMILY, font_size).into_font().into();
    let mut text = MultiLineText::<(i32, i32), &str>::new((0, 0), &font);
    for label in labels {
        text.push_line(label.as_str());
    }
    let (w, h) = text.estimate_dimension().unwrap_or((0, 0));
    (w + 30 + 20, h + 20)
}

/// The legend's top left corner inside an area of `area` pixels, as plotters lays it out.
fn legend_corner(
    position: &SeriesLabelPosition,
    (w, h): (i32, i32),
    area: (i32, i32),
) -> (i32, i32) {
    use SeriesLabelPosition::*;
    let x = match *position {
        UpperLeft | MiddleLeft | LowerLeft => 5,
        UpperMiddle | MiddleMiddle | LowerMiddle => (area.0 - w) / 2,
        UpperRight | MiddleRight | LowerRight => area.0 - w - 5,
        Coordinate(x, _) => x,
    };
    let y = match *position {
        UpperLeft | UpperMiddle | UpperRight => 5,
        MiddleLeft | MiddleMiddle | MiddleRight => (area.1 - h) / 2,
        LowerLeft | LowerMiddle | LowerRight => area.1 - h - 5,
        Coordinate(_, y) => y,
    };
    (x, y)
}

/// Where the legend goes: `preferred` unless it would cover a mark, or more of the lines than
/// another place would; then the place that covers the fewest marks, then the fewest points
/// of line (the corners first, then the middles of the sides). Returns the place and the box
/// it takes, in the backend's pixels.
fn legend_place<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    preferred: SeriesLabelPosition,
    labels: &[String],
    font_size: u32,
    avoid: &Avoid,
) -> (SeriesLabelPosition, [(i32, i32); 2]) {
    let pixels = |points: &[(f64, f64)]| -> Vec<(i32, i32)> {
        points
            .iter()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .map(|p| chart.backend_coord(p))
            .collect()
    };
    let area = chart.plotting_area();
    legend_place_in(
        (area.get_base_pixel(), area.dim_in_pixel()),
        preferred,
        legend_size(labels, font_size),
        (&pixels(&avoid.marks), &pixels(&avoid.lines)),
    )
}

/// Points in the backend's pixels.
type Pixels<'a> = &'a [(i32, i32)];

/// [`legend_place`] for a legend of `size` pixels in an area at `base` of `dim` pixels, what
/// it should not cover given in the backend's pixels: marks first, then lines.
fn legend_place_in(
    (base, dim): ((i32, i32), (u32, u32)),
    preferred: SeriesLabelPosition,
    size: (i32, i32),
    (marks, lines): (Pixels<'_>, Pixels<'_>),
) -> (SeriesLabelPosition, [(i32, i32); 2]) {
    use SeriesLabelPosition::*;
    let (x0, y0) = base;
    let rect = |position: &SeriesLabelPosition| {
        let (x, y) = legend_corner(position, size, (dim.0 as i32, dim.1 as i32));
        [(x0 + x, y0 + y), (x0 + x + size.0, y0 + y + size.1)]
    };
    let count = |r: [(i32, i32); 2], points: &[(i32, i32)], margin: i32| {
        points
            .iter()
            .filter(|&&(x, y)| {
                r[0].0 - margin <= x
                    && x <= r[1].0 + margin
                    && r[0].1 - margin <= y
                    && y <= r[1].1 + margin
            })
            .count()
    };
    let score = |position: &SeriesLabelPosition| {
        let r = rect(position);
        (count(r, marks, 10), count(r, lines, 3))
    };
    let candidates = [
        preferred,
        UpperRight,
        UpperLeft,
        LowerRight,
        LowerLeft,
        UpperMiddle,
        LowerMiddle,
        MiddleRight,
        MiddleLeft,
    ];
    let best = candidates
        .into_iter()
        .enumerate()
        .min_by_key(|(i, position)| (score(position), *i))
        .map_or(UpperRight, |(_, position)| position);
    let rect = rect(&best);
    (best, rect)
}

/// The legend of a chart's labelled series (`labels`, in the order they were added), on a
/// translucent white box placed where it covers the least of what `avoid` lists (see
/// [`legend_place`]). Returns the box, in the backend's pixels.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    preferred: SeriesLabelPosition,
    font_size: u32,
    labels: &[String],
    avoid: &Avoid,
) -> std::result::Result<[(i32, i32); 2], String> {
    let (position, rect) = legend_place(chart, preferred, labels, font_size, avoid);
    // Nothing to name: no legend (plotters would draw an empty box).
    if labels.is_empty() {
        return Ok(rect);
    }
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, font_size))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()
        .map_err(msg)?;
    Ok(rect)
}

/// The part of the segment `a`–`b` inside `[x0, x1] × [y0, y1]` (Liang–Barsky), if any.
fn clip_segment(
    (a, b): ((f64, f64), (f64, f64)),
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - x0),
        (dx, x1 - a.0),
        (-dy, a.1 - y0),
        (dy, y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1 && t0.is_finite() && t1.is_finite()).then(|| {
        // The ends themselves where nothing is cut, so that neighbouring segments still meet.
        let from = if t0 == 0.0 {
            a
        } else {
            (a.0 + t0 * dx, a.1 + t0 * dy)
        };
        let to = if t1 == 1.0 {
            b
        } else {
            (a.0 + t1 * dx, a.1 + t1 * dy)
        };
        (from, to)
    })
}

/// `points` as lines for [`ChartContext::draw_series`], clipped to the chart's plotting area.
/// Plotters joins thick lines with mitres (up to four half-widths long, and on the inner side of
/// a turn not limited at all), so a sharp turn (a zig-zagging descent, a loss that spikes and
/// falls back) would draw the stroke past the point it turns at, even across the figure or below
/// a line no value reaches: the line is broken at every turn of more than 90° on the screen, and
/// where it leaves the area. The turn is judged as plotters sees the line, in whole pixels: a
/// step that stays on the same pixel has no direction and does not hide the turn around it
/// (points a few epochs apart often land on one pixel).
fn clipped_lines<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    points: impl IntoIterator<Item = (f64, f64)>,
    style: ShapeStyle,
) -> Vec<PathElement<(f64, f64)>> {
    let (xr, yr) = (chart.x_range(), chart.y_range());
    let bounds = ((xr.start, xr.end), (yr.start, yr.end));
    polylines(points, bounds, &|p| chart.backend_coord(&p))
        .into_iter()
        .map(|line| PathElement::new(line, style))
        .collect()
}

/// The polylines [`clipped_lines`] draws: `points` clipped to `bounds`, broken where they leave
/// them, at a non-finite point, and at every turn of more than 90° in the pixels `pixel` maps
/// them to (steps of no pixel skipped in judging the turn).
fn polylines(
    points: impl IntoIterator<Item = (f64, f64)>,
    bounds: ((f64, f64), (f64, f64)),
    pixel: &dyn Fn((f64, f64)) -> (i32, i32),
) -> Vec<Vec<(f64, f64)>> {
    /// A line, and the direction in pixels of its last step that moved.
    type Line = (Vec<(f64, f64)>, Option<(i64, i64)>);
    let mut lines: Vec<Line> = Vec::new();
    let mut previous: Option<(f64, f64)> = None;
    for point in points {
        if !(point.0.is_finite() && point.1.is_finite()) {
            previous = None;
            continue;
        }
        let Some(from) = previous.replace(point) else {
            continue;
        };
        let Some((a, b)) = clip_segment((from, point), bounds.0, bounds.1) else {
            continue;
        };
        let (pa, pb) = (pixel(a), pixel(b));
        let step = (
            i64::from(pb.0) - i64::from(pa.0),
            i64::from(pb.1) - i64::from(pa.1),
        );
        let moved = step != (0, 0);
        let joins = lines.last().is_some_and(|(line, direction)| {
            line.last() == Some(&a)
                && match direction {
                    Some(d) if moved => d.0 * step.0 + d.1 * step.1 >= 0,
                    _ => true,
                }
        });
        match lines.last_mut() {
            Some((line, direction)) if joins => {
                line.push(b);
                if moved {
                    *direction = Some(step);
                }
            }
            _ => lines.push((vec![a, b], moved.then_some(step))),
        }
    }
    lines.into_iter().map(|(line, _)| line).collect()
}

/// Whether `p` lies in the chart's plotting area.
fn inside<DB: DrawingBackend>(chart: &Chart<'_, DB>, p: (f64, f64)) -> bool {
    chart.x_range().contains(&p.0) && chart.y_range().contains(&p.1)
        || (p.0 == chart.x_range().end || p.1 == chart.y_range().end)
            && chart.x_range().start <= p.0
            && p.0 <= chart.x_range().end
            && chart.y_range().start <= p.1
            && p.1 <= chart.y_range().end
}

/// Where the point `p` lies off the rectangle `x × y`, in words ("to the lower left", "above"),
/// or `None` when it is on it: what a figure says of a point it cannot draw where it is.
pub fn off_plot(
    p: (f64, f64),
    (x_lo, x_hi): (f64, f64),
    (y_lo, y_hi): (f64, f64),
) -> Option<String> {
    let across = if p.0 < x_lo {
        Some("left")
    } else if p.0 > x_hi {
        Some("right")
    } else {
        None
    };
    let up = if p.1 < y_lo {
        Some("lower")
    } else if p.1 > y_hi {
        Some("upper")
    } else {
        None
    };
    match (up, across) {
        (None, None) => None,
        (Some(up), Some(across)) => Some(format!("to the {up} {across}")),
        (None, Some(across)) => Some(format!("to the {across}")),
        (Some("lower"), None) => Some("below".to_string()),
        (Some(_), None) => Some("above".to_string()),
    }
}

/// An arrow on the edge of the chart pointing at `p`, a point off it: drawn where the line from
/// `centre` (a point on the chart: its middle, or level with `p`) to `p` leaves it. Returns
/// that point (for the legend to keep clear of).
fn draw_off_plot_arrow<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    p: (f64, f64),
    centre: (f64, f64),
) -> std::result::Result<Option<(f64, f64)>, String> {
    let (xr, yr) = (chart.x_range(), chart.y_range());
    let Some((_, edge)) = clip_segment((centre, p), (xr.start, xr.end), (yr.start, yr.end)) else {
        return Ok(None);
    };
    let (from, to) = (chart.backend_coord(&centre), chart.backend_coord(&p));
    let (dx, dy) = (f64::from(to.0 - from.0), f64::from(to.1 - from.1));
    let length = dx.hypot(dy);
    if length.is_nan() || length <= 0.0 {
        return Ok(None);
    }
    let (ux, uy) = (dx / length, dy / length);
    // The tip on the edge, the tail 28 pixels inside, the head 12 pixels long and wide.
    let at = |back: f64, side: f64| {
        (
            (-ux * back - uy * side).round() as i32,
            (-uy * back + ux * side).round() as i32,
        )
    };
    let head = vec![at(0.0, 0.0), at(14.0, 8.0), at(14.0, -8.0)];
    let shaft = vec![at(10.0, 0.0), at(30.0, 0.0)];
    chart
        .plotting_area()
        .draw(&(EmptyElement::at(edge) + PathElement::new(shaft.clone(), WHITE.stroke_width(6))))
        .map_err(msg)?;
    chart
        .plotting_area()
        .draw(&(EmptyElement::at(edge) + Polygon::new(head, WHITE.filled())))
        .map_err(msg)?;
    chart
        .plotting_area()
        .draw(&(EmptyElement::at(edge) + PathElement::new(shaft, BLACK.stroke_width(3))))
        .map_err(msg)?;
    let inner = vec![at(2.0, 0.0), at(12.0, 5.0), at(12.0, -5.0)];
    chart
        .plotting_area()
        .draw(&(EmptyElement::at(edge) + Polygon::new(inner, BLACK.filled())))
        .map_err(msg)?;
    Ok(Some(edge))
}

/// A descent drawn over a figure: its points in order (thinned, perhaps), how many updates
/// they stand for, and its name in the legend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub steps: usize,
}

impl Track {
    /// A track named `label` of `points`, one update between each two.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        let steps = points.len().saturating_sub(1);
        Self {
            label: label.into(),
            points,
            steps,
        }
    }
}

/// Colours for several tracks at once, each clear on the viridis heat map and on white.
const TRACKS: [RGBColor; 8] = [
    PATH,
    RGBColor(227, 26, 28),
    RGBColor(255, 0, 255),
    RGBColor(0, 0, 0),
    RGBColor(0, 200, 255),
    RGBColor(255, 215, 0),
    RGBColor(140, 86, 75),
    RGBColor(50, 205, 50),
];

/// The colour of track `i` of `n`: one track is orange, several take the palette in turn.
fn track_colour(i: usize, n: usize) -> RGBColor {
    if n == 1 {
        PATH
    } else {
        TRACKS[i % TRACKS.len()]
    }
}

/// The stroke width of series `i` of `n` drawn one over another: `base` for the last, two
/// pixels more for each one drawn before it (at most ten more). Paths and curves that coincide
/// (three optimizers that end at the same place, two losses that agree) then all show, each
/// drawn as a border around the ones after it, instead of the last hiding the others.
fn layered_width(i: usize, n: usize, base: u32) -> u32 {
    base + 2 * n.saturating_sub(i + 1).min(5) as u32
}

/// A path narrower and shorter than this many pixels is said to be so in the legend.
const SMALL_PATH: i32 = 30;

/// How many pixels `points` span on the chart, the larger of their width and height (points off
/// the chart counted where they would be).
fn pixel_extent<DB: DrawingBackend>(chart: &Chart<'_, DB>, points: &[(f64, f64)]) -> i32 {
    let pixels: Vec<(i32, i32)> = points
        .iter()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .map(|p| chart.backend_coord(p))
        .collect();
    let extent = |f: fn(&(i32, i32)) -> i32| {
        let lo = pixels.iter().map(f).min().unwrap_or(0);
        let hi = pixels.iter().map(f).max().unwrap_or(0);
        hi - lo
    };
    extent(|p| p.0).max(extent(|p| p.1))
}

/// Descents: each track's steps joined and dotted, its end a square; the start a triangle. With
/// one track the legend names its start and end with `at` describing the point; with several,
/// it names each track and where it ended, and each is drawn wider than the ones after it
/// ([`layered_width`]), so that tracks that coincide all show.
fn draw_tracks<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    tracks: &[Track],
    dot: i32,
    at: &dyn Fn((f64, f64)) -> String,
    legend: &mut Vec<String>,
    avoid: &mut Avoid,
) -> std::result::Result<(), String> {
    let n = tracks.len();
    for (i, track) in tracks.iter().enumerate() {
        let (Some(&start), Some(&end)) = (track.points.first(), track.points.last()) else {
            continue;
        };
        let colour = track_colour(i, n);
        let width = layered_width(i, n, 2);
        let wider = (width - 2) as i32 / 2;
        let lines = clipped_lines(
            chart,
            track.points.iter().copied(),
            colour.stroke_width(width),
        );
        let dots: Vec<_> = track
            .points
            .iter()
            .filter(|&&p| inside(chart, p))
            .map(|&p| Circle::new(p, dot + wider, colour.filled()))
            .collect();
        let mut label = if n == 1 {
            format!("{} ({} steps)", track.label, track.steps)
        } else {
            format!("{} ({} steps), end {}", track.label, track.steps, at(end))
        };
        // A path the view's scale (set by a wider one) shrinks to a few pixels cannot be seen
        // under the others' strokes and markers: the legend says so.
        let across = pixel_extent(chart, &track.points);
        if track.steps > 0 && across < SMALL_PATH {
            label.push_str(&format!(": only {across} pixels across at this scale"));
        }
        legend.push(label.clone());
        avoid.marks.extend([start, end]);
        avoid.lines.extend(track.points.iter().copied());
        chart
            .draw_series(lines)
            .map_err(msg)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(width))
            });
        chart.draw_series(dots).map_err(msg)?;
        if i == 0 {
            let marker = inside(chart, start)
                .then(|| TriangleMarker::new(start, 9 + wider, colour.filled()));
            let label = format!("start {}", at(start));
            legend.push(label.clone());
            chart
                .draw_series(marker)
                .map_err(msg)?
                .label(label)
                .legend(move |(x, y)| TriangleMarker::new((x + 12, y), 7, colour.filled()));
        }
        let half = 6 + wider;
        let marker = inside(chart, end).then(|| {
            EmptyElement::at(end) + Rectangle::new([(-half, -half), (half, half)], colour.filled())
        });
        let series = chart.draw_series(marker).map_err(msg)?;
        if n == 1 {
            let label = format!("end {}", at(end));
            legend.push(label.clone());
            series.label(label).legend(move |(x, y)| {
                Rectangle::new([(x + 7, y - 5), (x + 17, y + 5)], colour.filled())
            });
        }
    }
    Ok(())
}

/// The indices of `values` in increasing order of value, thinned evenly to at most `max`: the
/// rows or columns of a grid to draw, whatever order and fineness it was given in.
pub(crate) fn axis_order(values: &[f64], max: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    evenly(idx.len(), max).into_iter().map(|k| idx[k]).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A loss that spikes and falls back, its points a pixel column apart with two of them on
    /// one pixel: the line is broken at the top, where it turns back, and nowhere else.
    #[test]
    fn a_turn_hidden_behind_a_step_of_no_pixel_still_breaks_the_line() {
        let pixel = |p: (f64, f64)| (p.0.round() as i32, (-p.1).round() as i32);
        let points = [(0.0, 0.0), (1.0, 0.0), (1.0, 20.0), (1.2, 20.2), (2.0, 0.0)];
        let lines = polylines(points, ((0.0, 10.0), (-1.0, 30.0)), &pixel);
        assert_eq!(
            lines,
            vec![
                vec![(0.0, 0.0), (1.0, 0.0), (1.0, 20.0), (1.2, 20.2)],
                vec![(1.2, 20.2), (2.0, 0.0)],
            ]
        );
        // Turns of up to 90° stay joined.
        let square = [(0.0, 0.0), (5.0, 0.0), (5.0, 5.0), (0.0, 5.0)];
        assert_eq!(
            polylines(square, ((-1.0, 6.0), (-1.0, 6.0)), &pixel).len(),
            1
        );
    }
}
