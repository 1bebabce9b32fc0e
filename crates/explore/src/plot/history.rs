//! Loss against epoch: how a training run went — with the validation loss beside the
//! training loss, the best epoch marked, the learning rate in a panel below when a schedule
//! changes it, and each line smoothed over its faded raw self for noisy runs.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    clipped_lines, draw_legend, layered_width, line_chart, msg, pad, round_to_2_digits, span, tick,
    track_colour, Avoid, Figure, FAMILY, OPTIMUM,
};
use crate::number::human;

/// One run's loss against epoch, named in the legend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub label: String,
    /// `(epoch, loss)`.
    pub losses: Vec<(f64, f64)>,
}

/// Loss against epoch of one run or several, with the closed-form optimum's loss as a dashed
/// line.
#[derive(Debug, Clone, Default)]
pub struct LossHistory {
    pub title: String,
    /// The loss it shows, for the axis: `MSE`, `Huber (δ = 1)`.
    pub loss: String,
    pub series: Vec<Series>,
    pub optimum_loss: Option<f64>,
    /// The `(epoch, loss)` extent the axes cover, when fixed (the frames of an animation, whose
    /// series grow); else the series' own.
    pub extent: Option<((f64, f64), (f64, f64))>,
    /// The learning rate against epoch, a line a run (a race's lanes in their loss lines'
    /// colours): a panel below the loss when it changes. Several are drawn as factors of each
    /// one's highest rate, their scales being far apart.
    pub rates: Vec<Series>,
    /// The best epoch by validation loss, and that loss: marked.
    pub best: Option<(f64, f64)>,
    /// TensorBoard's smoothing weight in [0, 1): each series drawn as its debiased exponential
    /// moving average over its raw line, faded.
    pub smooth: Option<f64>,
}

/// The share of the panel's height the rate takes, when it is drawn.
const RATE_SHARE: f64 = 0.3;

/// The rate's colour: none of the loss lines'.
const RATE: RGBColor = RGBColor(117, 112, 179);

/// TensorBoard's smoothing of `values`: the exponential moving average of weight `weight`,
/// debiased (divided by `1 − weight^k` after k values) so that it starts at the first value
/// rather than at 0; a value that is not finite is passed through and not averaged in.
pub fn smoothed(values: &[f64], weight: f64) -> Vec<f64> {
    let (mut last, mut k) = (0.0, 0);
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                return v;
            }
            last = last * weight + (1.0 - weight) * v;
            k += 1;
            last / (1.0 - weight.powi(k))
        })
        .collect()
}

impl Figure for LossHistory {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let height = root.dim_in_pixel().1;
        let (root, rates) = match self.rate_varies() {
            true => {
                let (top, bottom) =
                    root.split_vertically(height - (RATE_SHARE * height as f64) as u32);
                (top, Some(bottom))
            }
            false => (root.clone(), None),
        };
        let root = &root;
        let all = || self.series.iter().flat_map(|s| &s.losses);
        let (x_span, y_span) = match self.extent {
            Some(extent) => extent,
            None => (
                span(all().map(|p| p.0)).ok_or("no epochs to plot")?,
                span(all().map(|p| p.1).chain(self.optimum_loss)).ok_or("no losses")?,
            ),
        };
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
        let y_desc = super::loss_axis(&self.loss);
        let y_desc = if log {
            format!("{y_desc}, log scale")
        } else {
            y_desc
        };
        let mut chart = line_chart(
            root,
            (&self.title, 22),
            (x_lo, x_hi),
            (y_lo, y_hi),
            ("epoch", &y_desc),
            &y_label,
        )?;
        if let Some(area) = &rates {
            // The rate's epochs line up under the loss's.
            let left = chart.plotting_area().get_base_pixel().0 - root.get_base_pixel().0;
            self.draw_rates(area, (x_lo, x_hi), left.max(0) as u32)?;
        }
        let mut legend = Vec::new();
        let mut avoid = Avoid::default();
        for (i, series) in self.series.iter().enumerate() {
            legend.push(series.label.clone());
            avoid
                .lines
                .extend(series.losses.iter().map(|&(e, l)| (e, to_axis(l))));
            let colour = track_colour(i, self.series.len());
            // Losses that agree (two optimizers on the same course) all show: each is drawn
            // wider than the ones after it.
            let width = layered_width(i, self.series.len(), 3);
            let losses: Vec<(f64, f64)> = match self.smooth {
                Some(w) if w > 0.0 => {
                    let raw = series.losses.iter().map(|&(e, l)| (e, to_axis(l)));
                    let faded = colour.mix(0.3).stroke_width(1);
                    chart
                        .draw_series(clipped_lines(&chart, raw, faded))
                        .map_err(msg)?;
                    let values: Vec<f64> = series.losses.iter().map(|p| p.1).collect();
                    let epochs = series.losses.iter().map(|p| p.0);
                    epochs.zip(smoothed(&values, w)).collect()
                }
                _ => series.losses.clone(),
            };
            let points = losses.iter().map(|&(e, l)| (e, to_axis(l)));
            let lines = clipped_lines(&chart, points, colour.stroke_width(width));
            chart
                .draw_series(lines)
                .map_err(msg)?
                .label(series.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(width))
                });
        }
        if let Some(l) = self.optimum_loss.filter(|&l| !log || l > 0.0) {
            let label = format!("closed-form optimum, loss {}", human(l));
            legend.push(label.clone());
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_lo, to_axis(l)), (x_hi, to_axis(l))],
                    8,
                    6,
                    OPTIMUM.stroke_width(2),
                ))
                .map_err(msg)?
                .label(label)
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], OPTIMUM.stroke_width(2))
                });
        }
        if let Some((epoch, loss)) = self.best.filter(|b| !log || b.1 > 0.0) {
            let label = format!("best epoch {epoch}: validation loss {}", human(loss));
            legend.push(label.clone());
            avoid.marks.push((epoch, to_axis(loss)));
            chart
                .draw_series(DashedLineSeries::new(
                    [(epoch, y_lo), (epoch, y_hi)],
                    6,
                    6,
                    BLACK.mix(0.5).stroke_width(2),
                ))
                .map_err(msg)?;
            chart
                .draw_series([Circle::new(
                    (epoch, to_axis(loss)),
                    7,
                    BLACK.stroke_width(3),
                )])
                .map_err(msg)?
                .label(label)
                .legend(|(x, y)| Circle::new((x + 12, y), 6, BLACK.stroke_width(3)));
        }
        draw_legend(
            &mut chart,
            SeriesLabelPosition::UpperRight,
            16,
            &legend,
            &avoid,
        )?;
        Ok(())
    }
}

/// An epoch's row as the loss panel reads it: `(epoch, loss, lr, val_loss)`.
pub type EpochRow = (usize, f64, f64, Option<f64>);

impl LossHistory {
    /// The panel of one run from its rows: the training loss, the validation loss beside it
    /// when there is one, the rates, and `best` (the best epoch and its validation loss).
    pub fn run(mut self, rows: impl Iterator<Item = EpochRow>, best: Option<(usize, f64)>) -> Self {
        let rows: Vec<EpochRow> = rows.collect();
        self.series = vec![Series {
            label: "training loss".into(),
            losses: rows.iter().map(|r| (r.0 as f64, r.1)).collect(),
        }];
        if rows.iter().any(|r| r.3.is_some()) {
            self.series.push(Series {
                label: "validation loss".into(),
                losses: rows
                    .iter()
                    .filter_map(|r| Some((r.0 as f64, r.3?)))
                    .collect(),
            });
        }
        self.rates = vec![Series {
            label: "learning rate".into(),
            losses: rows.iter().map(|r| (r.0 as f64, r.2)).collect(),
        }];
        self.best = best.map(|(e, l)| (e as f64, l));
        self
    }

    /// Whether the rate changes over the run: a rate that never does says nothing a title does
    /// not, and gets no panel.
    fn rate_varies(&self) -> bool {
        self.rates
            .iter()
            .any(|s| s.losses.iter().any(|r| r.1 != s.losses[0].1))
    }

    /// The pixels the rate's panel takes below a loss panel `height` pixels high, when it is
    /// drawn (a figure that keeps its loss panel's height grows by this much).
    pub fn rate_height(&self, height: u32) -> u32 {
        match self.rate_varies() {
            true => (f64::from(height) * RATE_SHARE / (1.0 - RATE_SHARE)).round() as u32,
            false => 0,
        }
    }

    /// The learning rate against epoch, on the loss's epoch axis `epochs`, its plotting area
    /// `left` pixels from the area's left edge as the loss's is.
    fn draw_rates<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        (x_lo, x_hi): (f64, f64),
        left: u32,
    ) -> std::result::Result<(), String> {
        const MARGIN: u32 = 24;
        let n = self.rates.len();
        let highest = |s: &Series| s.losses.iter().map(|p| p.1).fold(0.0, f64::max);
        // One run's rate as it is; several as factors of each one's highest.
        let lines: Vec<Vec<(f64, f64)>> = self
            .rates
            .iter()
            .map(|s| match (n, highest(s)) {
                (1, _) => s.losses.clone(),
                (_, h) if h > 0.0 => s.losses.iter().map(|&(e, r)| (e, r / h)).collect(),
                _ => s.losses.clone(),
            })
            .collect();
        let top = lines.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
        let top = if top > 0.0 { top } else { 1.0 };
        let desc = match n {
            1 => "learning rate",
            _ => "rate ÷ its highest",
        };
        let mut chart = ChartBuilder::on(area)
            .margin_left(MARGIN)
            .margin_right(MARGIN)
            .margin_top(4)
            .margin_bottom(8)
            .x_label_area_size(48)
            .y_label_area_size(left.saturating_sub(MARGIN))
            .build_cartesian_2d(x_lo..x_hi, 0.0..top * 1.1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .y_labels(3)
            .x_desc("epoch")
            .y_desc(desc)
            .label_style((FAMILY, 16))
            .axis_desc_style((FAMILY, 18))
            .x_label_formatter(&|v| tick(*v, x_lo, x_hi))
            .y_label_formatter(&|v| human(round_to_2_digits(*v)))
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(msg)?;
        for (i, line) in lines.into_iter().enumerate() {
            let colour = match n {
                1 => RATE,
                _ => track_colour(i, n),
            };
            let width = layered_width(i, n, 3);
            chart
                .draw_series(clipped_lines(&chart, line, colour.stroke_width(width)))
                .map_err(msg)?;
        }
        Ok(())
    }
}
