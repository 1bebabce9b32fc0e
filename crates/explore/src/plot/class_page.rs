//! The interactive page of a classifier on two features (`--plot FILE.html`): the map of the
//! model's classes at each kept epoch (a picture each, shaded as the PNG's), its boundary, the
//! points by class, and the loss and the accuracy per epoch, moved together by an epoch slider
//! with play and pause. One self-contained file, as every page here.

use plotters::style::RGBColor;
use serde::Serialize;

use super::classes::{boundary, colour, shade};
use super::html::{to_json, write_page, PAGE_BUDGET, PLOTLY_2D};
use super::{encode_png, ClassFigure};
use crate::train::{ClassFrame, ClassMap};
use crate::Result;

/// The epochs a classifier's page keeps: a map of each, as a run is asked to keep them
/// (`fit_classifier`'s `frames`), or of its rows where it kept none.
pub const PAGE_FRAMES: usize = 40;
/// The most points of the curves and of the data a page keeps; its maps are then thinned to
/// keep it within the budget, counting the page's own markup as `SHELL` bytes.
const CURVE: usize = 1000;
const POINTS: usize = 5000;
const SHELL: usize = 4000;

/// Our script for the page.
const SCRIPT: &str = include_str!("../../assets/classes.js");

/// Everything the page shows, as its script reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ClassPage {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// The loss's name, for its panel: `BCE with logits`.
    pub loss: String,
    /// `[x_lo, x_hi, y_lo, y_hi]`: where the maps lie.
    pub extent: [f64; 4],
    pub frames: Vec<PageFrame>,
    pub classes: Vec<PageClass>,
    pub epoch: Vec<f64>,
    pub losses: Vec<f64>,
    pub accuracy: Vec<f64>,
    /// The loss and the accuracy on the validation points, epoch by epoch (empty without).
    pub val_losses: Vec<f64>,
    pub val_accuracy: Vec<f64>,
}

/// One kept epoch: its row, its map as a PNG data URL (none for more than two features), and
/// its boundary as line segments (`x`, `y` with a gap, `null`, after each).
#[derive(Debug, Clone, Serialize)]
pub struct PageFrame {
    pub epoch: f64,
    pub loss: f64,
    pub accuracy: f64,
    pub image: Option<String>,
    pub boundary_x: Vec<Option<f64>>,
    pub boundary_y: Vec<Option<f64>>,
}

/// A class's points and colour.
#[derive(Debug, Clone, Serialize)]
pub struct PageClass {
    pub name: String,
    pub colour: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl ClassFigure {
    /// The page of the run this figure draws, its maps at `frames` (at least the end's).
    pub fn page(&self, frames: &[ClassFrame]) -> Result<ClassPage> {
        let losses = &self.loss.series[0].losses;
        let mut kept: Vec<PageFrame> = frames
            .iter()
            .map(|f| frame(f.row.epoch as f64, f.row.loss, f.row.accuracy, &f.map))
            .collect::<Result<_>>()?;
        if let (true, Some(map), Some(&(epoch, loss)), Some(&(_, accuracy))) = (
            kept.is_empty(),
            &self.map,
            losses.last(),
            self.accuracy.last(),
        ) {
            kept.push(frame(epoch, loss, accuracy, map)?);
        }
        if kept.is_empty() {
            // No map (more than two features): the slider still walks the run's rows.
            let rows = losses.iter().zip(&self.accuracy);
            let picked = crate::thin::evenly(losses.len(), PAGE_FRAMES);
            kept = rows
                .enumerate()
                .filter(|(k, _)| picked.binary_search(k).is_ok())
                .map(|(_, (&(epoch, loss), &(_, accuracy)))| PageFrame {
                    epoch,
                    loss,
                    accuracy,
                    image: None,
                    boundary_x: Vec::new(),
                    boundary_y: Vec::new(),
                })
                .collect();
        }
        let extent = match frames.first().map(|f| &f.map).or(self.map.as_ref()) {
            Some(m) => [m.xs[0], m.xs[m.xs.len() - 1], m.ys[0], m.ys[m.ys.len() - 1]],
            None => {
                let xs = super::span(self.points.iter().map(|p| p.0)).unwrap_or((0.0, 1.0));
                let ys = super::span(self.points.iter().map(|p| p.1)).unwrap_or((0.0, 1.0));
                let ((x0, x1), (y0, y1)) = (super::pad(xs, 0.1), super::pad(ys, 0.1));
                [x0, x1, y0, y1]
            }
        };
        let classes = self
            .classes
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let mine: Vec<_> = self.points.iter().filter(|p| p.2 == c).collect();
                let share = (POINTS * mine.len()).div_ceil(self.points.len().max(1));
                let (x, y) = crate::thin::evenly(mine.len(), share)
                    .into_iter()
                    .map(|k| (mine[k].0, mine[k].1))
                    .unzip();
                let RGBColor(r, g, b) = colour(c);
                PageClass {
                    name: format!("class {name}"),
                    colour: format!("#{r:02x}{g:02x}{b:02x}"),
                    x,
                    y,
                }
            })
            .collect();
        let mut page = ClassPage {
            title: self.title.clone(),
            x_label: self.features.0.clone(),
            y_label: self.features.1.clone(),
            loss: self.loss.title.trim_end_matches(" per epoch").to_string(),
            extent,
            frames: kept,
            classes,
            epoch: curve(losses, |p| p.0),
            losses: curve(losses, |p| p.1),
            accuracy: curve(&self.accuracy, |p| p.1),
            val_losses: self
                .loss
                .series
                .get(1)
                .map_or(Vec::new(), |s| curve(&s.losses, |p| p.1)),
            val_accuracy: curve(&self.val_accuracy, |p| p.1),
        };
        // The maps and boundaries grow as the boundary curls: past the page's budget, fewer of
        // them, evenly, the first and the last kept.
        let frames = to_json(&page.frames)?.len();
        let rest = to_json(&page)?.len() - frames + PLOTLY_2D.len() + SCRIPT.len() + SHELL;
        if rest + frames > PAGE_BUDGET {
            let fit = page.frames.len() * PAGE_BUDGET.saturating_sub(rest) / frames;
            let keep = crate::thin::evenly(page.frames.len(), fit.max(2));
            page.frames = keep.into_iter().map(|k| page.frames[k].clone()).collect();
        }
        Ok(page)
    }
}

/// A kept epoch: the map as a picture, a pixel a grid point, the first row the top.
fn frame(epoch: f64, loss: f64, accuracy: f64, map: &ClassMap) -> Result<PageFrame> {
    let (nx, ny) = (map.xs.len(), map.ys.len());
    let mut rgb = Vec::with_capacity(nx * ny * 3);
    for j in (0..ny).rev() {
        for i in 0..nx {
            let RGBColor(r, g, b) =
                shade(&map.probabilities[(i * ny + j) * map.classes..][..map.classes]);
            rgb.extend([r, g, b]);
        }
    }
    let png = encode_png(&rgb, nx as u32, ny as u32)?;
    let (mut boundary_x, mut boundary_y) = (Vec::new(), Vec::new());
    for [a, b] in boundary(map) {
        boundary_x.extend([Some(a.0), Some(b.0), None]);
        boundary_y.extend([Some(a.1), Some(b.1), None]);
    }
    Ok(PageFrame {
        epoch,
        loss,
        accuracy,
        image: Some(format!("data:image/png;base64,{}", base64(&png))),
        boundary_x,
        boundary_y,
    })
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &b)| n | u32::from(b) << (16 - 8 * k));
        for k in 0..4 {
            out.push(match k <= chunk.len() {
                true => char::from(ALPHABET[(n >> (18 - 6 * k)) as usize & 63]),
                false => '=',
            });
        }
    }
    out
}

/// At most [`CURVE`] evenly spaced values of `rows`, each `pick`ed.
fn curve(rows: &[(f64, f64)], pick: impl Fn(&(f64, f64)) -> f64) -> Vec<f64> {
    crate::thin::evenly(rows.len(), CURVE)
        .into_iter()
        .map(|k| pick(&rows[k]))
        .collect()
}

/// Writes the classifier's `page` as one self-contained HTML file, atomically.
pub fn save_class_page(page: &ClassPage, path: &std::path::Path) -> Result<()> {
    let body = r#"<div id="controls">
  <button id="play">play</button>
  <input id="frame" type="range" min="0" max="0" value="0" step="1">
  <span id="label"></span>
</div>
<div class="row">
  <div id="map"></div>
  <div>
    <div id="loss"></div>
    <div id="accuracy"></div>
  </div>
</div>"#;
    let style = "#map { width: 720px; height: 640px; }\n  \
                 #loss, #accuracy { width: 560px; height: 320px; }";
    write_page(&page.title, (style, body), (PLOTLY_2D, page, SCRIPT), path)
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_is_rfc_4648s() {
        for (text, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(text.as_bytes()), want);
        }
    }
}
