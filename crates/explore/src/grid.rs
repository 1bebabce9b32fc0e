//! Tables and grids of parameter values: a SPEC as the user types it (`START:END:COUNT`, evenly
//! spaced and inclusive like numpy's `linspace`, or a comma list `-3,-2,-1,0,1`), the round
//! defaults around the closed-form optimum, the weight-major `(A, b)` grid, and its minimum.

/// More values than this is refused: each value keeps its loss in memory and a row in the output.
pub const MAX_COUNT: usize = 10_000_000;

const EXAMPLE: &str = "expected START:END:COUNT (e.g. -3:1:9) or a comma list (e.g. -3,-2,-1)";

/// `count` evenly spaced values from `start` to `end`, both included.
pub fn linspace(start: f64, end: f64, count: usize) -> Vec<f64> {
    if count == 1 {
        return vec![start];
    }
    let last = (count - 1) as f64;
    let step = (end - start) / last;
    // Computing each value from the start, not by adding steps, keeps rounding from piling up;
    // the last is set exactly so the user's END appears as typed. When the span overflows
    // (-1e308 to 1e308), the weighted form stays finite: -1e308, 0, 1e308.
    let mut values: Vec<f64> = if step.is_finite() {
        (0..count).map(|i| start + i as f64 * step).collect()
    } else {
        (0..count)
            .map(|i| {
                let t = i as f64 / last;
                start * (1.0 - t) + end * t
            })
            .collect()
    };
    values[count - 1] = end;
    values
}

/// Parses a SPEC into its values. The error is one line, ready to show after the flag's name.
pub fn parse(spec: &str) -> Result<Vec<f64>, String> {
    let spec = spec.trim();
    let number = |s: &str| -> Result<f64, String> {
        crate::number::parse_finite(s).map_err(|e| match e {
            crate::number::BadNumber::NotANumber(_) => format!("{e}; {EXAMPLE}"),
            crate::number::BadNumber::NotFinite(_) => e.to_string(),
        })
    };
    if spec.contains(':') {
        let parts: Vec<&str> = spec.split(':').collect();
        let [start, end, count] = parts[..] else {
            return Err(format!(
                "`{spec}` has {}; {EXAMPLE}",
                crate::number::count(parts.len(), "part")
            ));
        };
        let (start, end) = (number(start)?, number(end)?);
        let count = count.trim();
        let count: usize = count.parse().map_err(|_| {
            if count.starts_with('-') && count[1..].parse::<usize>().is_ok() {
                format!("COUNT `{count}` is negative in `{spec}`: ask for at least 1 value")
            } else {
                format!("COUNT `{count}` is not a whole number; {EXAMPLE}")
            }
        })?;
        if count == 0 {
            return Err(format!("COUNT is 0 in `{spec}`: ask for at least 1 value"));
        }
        if count > MAX_COUNT {
            return Err(format!(
                "COUNT {count} is too large: at most {MAX_COUNT} values fit in memory with their losses"
            ));
        }
        if count > 1 && start == end {
            return Err(format!(
                "`{spec}` repeats {start} {count} times: give START ≠ END"
            ));
        }
        Ok(linspace(start, end, count))
    } else {
        let values = spec
            .split(',')
            .map(number)
            .collect::<Result<Vec<f64>, String>>()?;
        if values.len() > MAX_COUNT {
            return Err(format!(
                "{} values is too many: at most {MAX_COUNT}",
                values.len()
            ));
        }
        Ok(values)
    }
}

/// A parsed SPEC, for use as a clap argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec(pub Vec<f64>);

impl std::str::FromStr for Spec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        parse(s).map(Spec)
    }
}

/// Refuses a `weights × biases` grid of more than [`MAX_COUNT`] points.
pub fn check_grid_size(weights: usize, biases: usize) -> crate::Result<()> {
    if weights.saturating_mul(biases) > MAX_COUNT {
        return Err(crate::Error::GridTooLarge { weights, biases }.mend(crate::Remedy::SmallerGrid));
    }
    Ok(())
}

/// `count` round values (multiples of 1, 2 or 5 × 10^k) centred on `centre`, about `2·radius`
/// wide, for default tables that read like the lesson's: -3, -2.5, -2, … rather than -1.08705,
/// -0.869636. The step is the round number nearest to `2·radius / (count − 1)`.
pub fn nice_range(centre: f64, radius: f64, count: usize) -> Vec<f64> {
    let (lo, hi) = (centre - radius, centre + radius);
    if !(radius > 0.0 && lo.is_finite() && hi.is_finite()) || count < 2 {
        return linspace(lo, hi, count.max(1));
    }
    let raw = (hi - lo) / (count - 1) as f64;
    let mut exp = raw.log10().floor() as i32;
    // The round step nearest to the even one, on a log scale.
    let distance = |m: i64| ((m as f64 * 10f64.powi(exp)) / raw).ln().abs();
    let mut mult = [1i64, 2, 5, 10]
        .into_iter()
        .min_by(|&a, &b| distance(a).total_cmp(&distance(b)))
        .unwrap_or(1);
    if mult == 10 {
        (mult, exp) = (1, exp + 1);
    }
    // value(k) = k·mult·10^exp, computed from integers so that 0.6 prints as 0.6.
    let value = |k: i64| {
        let units = (k * mult) as f64;
        if exp < 0 {
            units / 10f64.powi(-exp)
        } else {
            units * 10f64.powi(exp)
        }
    };
    let step = mult as f64 * 10f64.powi(exp);
    let middle = (centre / step).round();
    // Past 2^53 steps from zero, multiples of the step are no longer distinct numbers.
    if middle.abs() > 9.0e15 {
        return linspace(lo, hi, count);
    }
    let first = middle as i64 - (count as i64 - 1) / 2;
    (first..first + count as i64).map(value).collect()
}

/// The pairs of a `weights × biases` grid in weight-major order: all biases for the first
/// weight, then all for the second, and so on.
pub fn grid(weights: &[f64], biases: &[f64]) -> (Vec<f64>, Vec<f64>) {
    weights
        .iter()
        .flat_map(|&w| biases.iter().map(move |&b| (w, b)))
        .unzip()
}

/// Index of the smallest finite loss; the first one on ties; `None` when none is finite.
pub fn argmin(losses: &[f64]) -> Option<usize> {
    losses
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_finite())
        .fold(None, |best: Option<(usize, f64)>, (i, &l)| match best {
            Some((_, b)) if b <= l => best,
            _ => Some((i, l)),
        })
        .map(|(i, _)| i)
}

/// About `count` round weights around the closed-form optimum for `fit`, reaching twice its
/// distance from 0 (at least ±2), so the minimum sits well inside the table.
pub fn default_weights(moments: &model::Moments, fit: model::BiasFit, count: usize) -> Vec<f64> {
    let centre = moments.least_squares(fit).map_or(0.0, |o| o.weight);
    weights_around(moments, centre, count)
}

/// About `count` round weights around `centre` (another loss's best weight), as far as
/// [`default_weights`] reaches.
pub fn weights_around(moments: &model::Moments, centre: f64, count: usize) -> Vec<f64> {
    nice_range(centre, weight_radius(moments, centre), count)
}

/// How far a default table reaches from `centre`: twice its distance from 0, and at least twice
/// the data's own scale of slopes, `rms(y)/rms(x)` (1 where that is not a number), so that data
/// at any scale gets a table on its scale.
pub fn weight_radius(moments: &model::Moments, centre: f64) -> f64 {
    let scale = moments.rms_y() / moments.rms_x();
    let scale = if scale > 0.0 && scale.is_finite() {
        scale
    } else {
        1.0
    };
    2.0 * centre.abs().max(scale)
}

/// The half-width of a bias range that costs as much loss as `w_radius` does in the weight:
/// `w_radius·sqrt(mean(x²))`. Drawn over such ranges a bowl reads as a bowl, not as stripes.
pub fn bias_radius(moments: &model::Moments, w_radius: f64) -> f64 {
    w_radius * moments.rms_x()
}

/// About `count × count` round weights and biases around the optimum. The bias range is the
/// weight range scaled by `sqrt(mean(x²))`, where a change in b costs as much loss as that
/// change in A, so the contours come out round rather than as thin stripes.
pub fn default_grid(moments: &model::Moments, count: usize) -> (Vec<f64>, Vec<f64>) {
    let centre = match moments.least_squares(model::BiasFit::Learn) {
        Ok(o) => (o.weight, o.bias),
        // No unique optimum (all x equal): centre on the pinned-bias fit, through the mean.
        Err(_) => {
            let w = moments
                .least_squares(model::BiasFit::Fixed(0.0))
                .map_or(0.0, |o| o.weight);
            (w, moments.mean_y() - w * moments.mean_x())
        }
    };
    grid_around(moments, centre, count)
}

/// About `count × count` round weights and biases around `(weight, bias)` (another loss's best
/// line), shaped as [`default_grid`] shapes them.
pub fn grid_around(
    moments: &model::Moments,
    (weight, bias): (f64, f64),
    count: usize,
) -> (Vec<f64>, Vec<f64>) {
    let w_radius = weight_radius(moments, weight);
    let b_radius = bias_radius(moments, w_radius).max(2.0 * bias.abs());
    let b_radius = if b_radius > 0.0 { b_radius } else { 1.0 };
    (
        nice_range(weight, w_radius, count),
        nice_range(bias, b_radius, count),
    )
}

/// The smallest and largest finite value, or `None` when there is none.
pub fn span(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens `(lo, hi)` by `frac` of its width on each side, and an empty range to a unit one.
pub fn pad((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let width = hi - lo;
    if width > 0.0 {
        (lo - frac * width, hi + frac * width)
    } else {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - d, hi + d)
    }
}
