//! Plots as PNG or SVG: the loss against the weight, and (A, b) heat maps with contours. Text is
//! drawn with a bundled DejaVu Sans, so PNGs need no system font libraries.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

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
    /// The same format at another path, e.g. a second panel beside the first.
    pub fn with_suffix(&self, suffix: &str) -> PlotPath {
        let stem = self.path.file_stem().unwrap_or_default().to_string_lossy();
        let ext = self.path.extension().unwrap_or_default().to_string_lossy();
        PlotPath {
            path: self.path.with_file_name(format!("{stem}{suffix}.{ext}")),
            format: self.format,
        }
    }

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
}

/// Renders `figure` and writes it atomically to `path` as PNG or SVG.
pub fn save(figure: &impl Figure, path: &PlotPath) -> Result<()> {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bundled font is known-good; if this ever failed, text would be missing, not wrong.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
    let (w, h) = SIZE;
    let bytes = match path.format {
        PlotFormat::Png => {
            let mut rgb = vec![255u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
                figure.draw(&root).map_err(Error::Plot)?;
                root.present().map_err(plot_error)?;
            }
            encode_png(&rgb, w, h)?
        }
        PlotFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
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

fn span(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens `(lo, hi)` by `frac` of its width on each side, and an empty range to a unit one.
fn pad((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
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
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FAMILY, 24))
            .margin(24)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc("loss (MSE)")
            .label_style((FAMILY, 16))
            .axis_desc_style((FAMILY, 18))
            .x_label_formatter(&|v| human(*v))
            .y_label_formatter(&|v| human(*v))
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(msg)?;
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
        if !self.path.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    self.path.iter().copied(),
                    PATH.stroke_width(2),
                ))
                .map_err(msg)?
                .label(format!("descent ({} steps)", self.path.len() - 1))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], PATH.stroke_width(2)));
            chart
                .draw_series(self.path.iter().map(|&p| Circle::new(p, 3, PATH.filled())))
                .map_err(msg)?;
            let start = self.path[0];
            chart
                .draw_series([TriangleMarker::new(start, 9, PATH.filled())])
                .map_err(msg)?
                .label(format!("start A = {}", human(start.0)))
                .legend(|(x, y)| TriangleMarker::new((x + 12, y), 7, PATH.filled()));
        }
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
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperMiddle)
            .label_font((FAMILY, 16))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(msg)?;
        Ok(())
    }
}
