//! The interactive page (`--plot FILE.html`): one self-contained file that works offline — the
//! vendored Plotly (MIT, `assets/plotly/`, trimmed to the traces slope draws and rebuilt by
//! `scripts/plotly/build.sh`), a small script of our own, and the run's data as JSON. A rotatable 3-D surface and a heat map (or the loss curve), the training paths
//! with their epochs on hover, the loss per epoch, and for the line the data with the current
//! line, moved together by an epoch slider with play and pause.

use serde::Serialize;

use super::{Heatmap, Landscape, LossCurve, TrainFigure};
use crate::io::write_atomic;
use crate::Result;

/// The vendored chart library: the flat traces (scatter, heat map, contour), or those and the
/// 3-D ones (surface, scatter3d), whose engine alone is a third of a page's budget.
pub const PLOTLY_2D: &str = include_str!("../../assets/plotly/plotly-2d.min.js");
pub const PLOTLY_3D: &str = include_str!("../../assets/plotly/plotly-3d.min.js");
/// Our page script.
const SCRIPT: &str = include_str!("../../assets/page.js");

/// The most a page weighs: the issue's budget, held by the tests on the largest pages.
pub const PAGE_BUDGET: usize = 2_000_000;

/// A training path on the page: its points (`z`: the bias, or the second direction), their
/// losses and epochs.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PageTrack {
    pub label: String,
    pub x: Vec<f64>,
    pub z: Vec<f64>,
    pub loss: Vec<f64>,
    pub epoch: Vec<f64>,
}

/// A loss per epoch on the page.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PageHistory {
    pub label: String,
    pub epoch: Vec<f64>,
    pub loss: Vec<f64>,
}

/// Everything the page shows, as the script reads it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Page {
    pub title: String,
    /// The loss's axis title: `loss (MSE)`.
    pub loss_axis: String,
    /// `grid` (a surface and a heat map over `xs × zs`) or `curve` (loss against one weight).
    pub kind: &'static str,
    pub x_label: String,
    pub z_label: String,
    pub xs: Vec<f64>,
    pub zs: Vec<f64>,
    /// `losses[j][i]` at `(xs[i], zs[j])`: Plotly's layout.
    pub losses: Vec<Vec<f64>>,
    pub curve_x: Vec<f64>,
    pub curve_loss: Vec<f64>,
    pub points_x: Option<Vec<f64>>,
    pub points_loss: Option<Vec<f64>>,
    pub tracks: Vec<PageTrack>,
    /// `{x, z, loss}` of the closed-form optimum.
    pub optimum: Option<serde_json::Value>,
    pub history: Vec<PageHistory>,
    pub log_history: bool,
    /// The data `{x, y}`, for the line: the page draws the current line over it.
    pub data: Option<serde_json::Value>,
}

/// The most points the paths of a page keep together, the loss curves together, the data, and
/// a grid axis: what fits the page's budget beside the 3-D library, seven lanes of a long race
/// included (a 101 × 101 surface is kept whole).
const MAX: usize = 1500;
const MAX_HISTORY: usize = 3000;
const MAX_DATA: usize = 2000;
const MAX_AXIS: usize = 101;

impl Page {
    /// The page of a heat map (a surface or a landscape plane): its grid, its tracks with
    /// `epochs` and `losses` at each point (`None`: the grid's own, looked up), its optimum.
    pub fn of_map(map: &Heatmap, track_losses: &[Vec<f64>], track_epochs: &[Vec<f64>]) -> Self {
        let (xi, zi) = (
            super::axis_order(&map.weights, MAX_AXIS),
            super::axis_order(&map.biases, MAX_AXIS),
        );
        let nz = map.biases.len();
        Page {
            title: map.title.clone(),
            loss_axis: super::loss_axis(&map.loss),
            kind: "grid",
            x_label: map.x_label.clone(),
            z_label: map.y_label.clone(),
            xs: xi.iter().map(|&i| map.weights[i]).collect(),
            zs: zi.iter().map(|&j| map.biases[j]).collect(),
            losses: zi
                .iter()
                .map(|&j| xi.iter().map(|&i| map.losses[i * nz + j]).collect())
                .collect(),
            tracks: map
                .tracks
                .iter()
                .enumerate()
                .map(|(t, track)| {
                    let keep = super::evenly(track.points.len(), shared(MAX, map.tracks.len()));
                    let pick = |v: &[f64]| {
                        keep.iter()
                            .map(|&k| v.get(k).copied().unwrap_or(f64::NAN))
                            .collect()
                    };
                    PageTrack {
                        label: track.label.clone(),
                        x: keep.iter().map(|&k| track.points[k].0).collect(),
                        z: keep.iter().map(|&k| track.points[k].1).collect(),
                        loss: pick(track_losses.get(t).map_or(&[][..], |v| v)),
                        epoch: pick(track_epochs.get(t).map_or(&[][..], |v| v)),
                    }
                })
                .collect(),
            optimum: map
                .optimum
                .map(|(x, z, loss)| serde_json::json!({"x": x, "z": z, "loss": loss})),
            ..Page::default()
        }
    }

    /// The page of a loss curve (a sweep, or training with the bias pinned).
    pub fn of_curve(curve: &LossCurve, track_epochs: &[Vec<f64>]) -> Self {
        let (cx, cl) = curve.curve.iter().copied().unzip();
        let points = (!curve.points.is_empty()).then(|| curve.points.iter().copied().unzip());
        let (points_x, points_loss) = match points {
            Some((x, l)) => (Some(x), Some(l)),
            None => (None, None),
        };
        Page {
            title: curve.title.clone(),
            loss_axis: super::loss_axis(&curve.loss),
            kind: "curve",
            x_label: curve.x_label.clone(),
            curve_x: cx,
            curve_loss: cl,
            points_x,
            points_loss,
            tracks: curve
                .tracks
                .iter()
                .enumerate()
                .map(|(t, track)| {
                    let keep = super::evenly(track.points.len(), shared(MAX, curve.tracks.len()));
                    let epochs = track_epochs.get(t).map_or(&[][..], |v| v);
                    PageTrack {
                        label: track.label.clone(),
                        x: keep.iter().map(|&k| track.points[k].0).collect(),
                        z: Vec::new(),
                        loss: keep.iter().map(|&k| track.points[k].1).collect(),
                        epoch: keep
                            .iter()
                            .map(|&k| epochs.get(k).copied().unwrap_or(k as f64))
                            .collect(),
                    }
                })
                .collect(),
            optimum: curve
                .optimum
                .map(|(x, loss)| serde_json::json!({"x": x, "z": 0.0, "loss": loss})),
            ..Page::default()
        }
    }

    /// The page of a training run or a race: its landscape and tracks, its loss per epoch, and
    /// the data `points` for the line. `loss_at(w, b)` gives a track point's true loss.
    pub fn of_training(
        figure: &TrainFigure,
        points: &[(f64, f64)],
        loss_at: &dyn Fn(f64, f64) -> f64,
    ) -> Self {
        // A track's points stand evenly for its epochs: point k of n at epoch k·E/(n − 1).
        let last_epoch = figure
            .history
            .series
            .iter()
            .filter_map(|s| s.losses.last())
            .fold(0.0f64, |m, p| m.max(p.0));
        let epochs_of = |n: usize| -> Vec<f64> {
            (0..n)
                .map(|k| {
                    if n > 1 {
                        (k as f64 * last_epoch / (n - 1) as f64).round()
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let mut page = match &figure.landscape {
            Landscape::Map(map) => {
                let losses: Vec<Vec<f64>> = map
                    .tracks
                    .iter()
                    .map(|t| t.points.iter().map(|&(w, b)| loss_at(w, b)).collect())
                    .collect();
                let epochs: Vec<Vec<f64>> = map
                    .tracks
                    .iter()
                    .map(|t| epochs_of(t.points.len()))
                    .collect();
                Page::of_map(map, &losses, &epochs)
            }
            Landscape::Curve(curve) => {
                let epochs: Vec<Vec<f64>> = curve
                    .tracks
                    .iter()
                    .map(|t| epochs_of(t.points.len()))
                    .collect();
                Page::of_curve(curve, &epochs)
            }
        };
        let series = figure.history.series.len();
        page.history = figure
            .history
            .series
            .iter()
            .map(|s| {
                let keep = super::evenly(s.losses.len(), shared(MAX_HISTORY, series));
                PageHistory {
                    label: s.label.clone(),
                    epoch: keep.iter().map(|&k| s.losses[k].0).collect(),
                    loss: keep.iter().map(|&k| s.losses[k].1).collect(),
                }
            })
            .collect();
        page.log_history = log_scale(&page.history);
        page.show_data(points);
        page
    }

    /// Shows the data `points` beside the landscape (at most 2,000 of them, evenly).
    pub fn show_data(&mut self, points: &[(f64, f64)]) {
        let shown: Vec<usize> = super::evenly(points.len(), MAX_DATA);
        self.data = Some(serde_json::json!({
            "x": shown.iter().map(|&i| points[i].0).collect::<Vec<_>>(),
            "y": shown.iter().map(|&i| points[i].1).collect::<Vec<_>>(),
        }));
    }
}

/// Writes `page` as one self-contained HTML file, atomically.
pub fn save_html(page: &Page, path: &std::path::Path) -> Result<()> {
    let body = r#"<div id="controls">
  <button id="play">play</button>
  <input id="frame" type="range" min="0" max="0" value="0" step="1">
  <span id="label"></span>
  <button id="view">heat map</button>
</div>
<div class="row">
  <div id="surface"></div>
  <div id="map"></div>
  <div>
    <div id="history"></div>
    <div id="data"></div>
  </div>
</div>"#;
    let style = "#surface, #map { width: 820px; height: 600px; }\n  \
                 #history, #data { width: 520px; height: 380px; }";
    let library = if page.kind == "grid" {
        PLOTLY_3D
    } else {
        PLOTLY_2D
    };
    write_page(&page.title, (style, body), (library, page, SCRIPT), path)
}

/// What each of `lines` keeps of `total` shared: never fewer than 200 points.
fn shared(total: usize, lines: usize) -> usize {
    (total / lines.max(1)).max(200)
}

/// Writes a page: `title`, the `style` and `body` of its views, the vendored Plotly `library`,
/// `data` as JSON and the `script` that draws it from there; one file that loads nothing,
/// atomically.
pub(super) fn write_page(
    title: &str,
    (style, body): (&str, &str),
    (library, data, script): (&str, &impl Serialize, &str),
    path: &std::path::Path,
) -> Result<()> {
    // JSON cannot end the script element early once every `</` is `<\/`.
    let data = to_json(data)?.replace("</", "<\\/");
    let title = html_escape(title);
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: sans-serif; margin: 12px; }}
  #controls {{ margin: 8px 0; display: flex; gap: 12px; align-items: center; }}
  #frame {{ flex: 1; }}
  .row {{ display: flex; flex-wrap: wrap; gap: 8px; }}
  {style}
  #state {{ display: none; }}
</style>
</head>
<body>
{body}
<pre id="state"></pre>
<script>{library}</script>
<script type="application/json" id="slope-data">{data}</script>
<script>{script}</script>
</body>
</html>
"#
    );
    write_atomic(path, html.as_bytes())
}

/// `data` as JSON with every number at f32's precision, the shortest text that reads back as
/// the same f32: a page draws pixels, and seven digits rather than seventeen halve its data.
pub fn to_json(data: &impl Serialize) -> Result<String> {
    let mut out = Vec::new();
    data.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Short))
        .map_err(|e| crate::Error::Plot(e.to_string()))?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// The formatter of [`to_json`].
struct Short;

impl serde_json::ser::Formatter for Short {
    fn write_f64<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        value: f64,
    ) -> std::io::Result<()> {
        let short = value as f32;
        if !short.is_finite() {
            // Past f32's range: serde_json has already written a non-finite value as null.
            write!(w, "{value:e}")
        } else if short == 0.0 || (1e-4..1e9).contains(&short.abs()) {
            write!(w, "{short}")
        } else {
            write!(w, "{short:e}")
        }
    }
}

/// Whether losses per epoch are drawn on a log scale: all positive, over two decades or more.
fn log_scale(history: &[PageHistory]) -> bool {
    let (lo, hi) = history
        .iter()
        .flat_map(|h| &h.loss)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), &l| {
            (lo.min(l), hi.max(l))
        });
    lo > 0.0 && hi / lo > 100.0
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl crate::landscape::LossPlane {
    /// The interactive page of the plane: the surface and the heat map, the run on them with
    /// its true losses and epochs, the loss per epoch.
    pub fn page(&self) -> Page {
        let epochs: Vec<f64> = self.epochs.iter().map(|&e| e as f64).collect();
        let mut page = Page::of_map(
            &self.figure(),
            std::slice::from_ref(&self.path_losses),
            std::slice::from_ref(&epochs),
        );
        page.history = vec![PageHistory {
            label: "training loss".into(),
            epoch: epochs.clone(),
            loss: self.path_losses.clone(),
        }];
        if !self.val_losses.is_empty() {
            page.history.push(PageHistory {
                label: "validation loss".into(),
                epoch: epochs,
                loss: self.val_losses.clone(),
            });
        }
        page.log_history = log_scale(&page.history);
        page
    }
}

#[cfg(test)]
mod tests {
    use super::to_json;

    #[test]
    fn numbers_are_written_at_f32_precision_and_stay_json() {
        let values = [
            0.1,
            1e-20,
            1e300,
            123456789.0,
            -0.0,
            1.5,
            -2.5e-5,
            1.0879370289971102,
        ];
        assert_eq!(
            to_json(&values).unwrap(),
            "[0.1,1e-20,1e300,123456790,-0,1.5,-2.5e-5,1.087937]"
        );
        assert_eq!(to_json(&[f64::NAN]).unwrap(), "[null]");
    }
}
