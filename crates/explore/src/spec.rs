//! Parsing a SPEC: a table of values given as `START:END:COUNT` (evenly spaced, inclusive, like
//! numpy's `linspace`) or as a comma list `-3,-2,-1,0,1`.

/// More values than this is refused: each value keeps its loss in memory and a row in the output.
pub const MAX_COUNT: usize = 10_000_000;

const EXAMPLE: &str = "expected START:END:COUNT (e.g. -3:1:9) or a comma list (e.g. -3,-2,-1)";

/// `count` evenly spaced values from `start` to `end`, both included.
pub fn linspace(start: f64, end: f64, count: usize) -> Vec<f64> {
    if count == 1 {
        return vec![start];
    }
    let step = (end - start) / (count - 1) as f64;
    // Computing each value from the start, not by adding steps, keeps rounding from piling up;
    // the last is set exactly so the user's END appears as typed.
    let mut values: Vec<f64> = (0..count).map(|i| start + i as f64 * step).collect();
    values[count - 1] = end;
    values
}

/// Parses a SPEC into its values. The error is one line, ready to show after the flag's name.
pub fn parse(spec: &str) -> Result<Vec<f64>, String> {
    let spec = spec.trim();
    let number = |s: &str| -> Result<f64, String> {
        let v: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{}` is not a number; {EXAMPLE}", s.trim()))?;
        if !v.is_finite() {
            return Err(format!("`{}` is not a finite number", s.trim()));
        }
        Ok(v)
    };
    if spec.contains(':') {
        let parts: Vec<&str> = spec.split(':').collect();
        let [start, end, count] = parts[..] else {
            return Err(format!("`{spec}` has {} part(s); {EXAMPLE}", parts.len()));
        };
        let (start, end) = (number(start)?, number(end)?);
        let count: usize = count
            .trim()
            .parse()
            .map_err(|_| format!("COUNT `{}` is not a whole number; {EXAMPLE}", count.trim()))?;
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

/// About `count` round values (multiples of 1, 2 or 5 × 10^k) covering `centre ± radius`, for
/// default tables that read like the lesson's: -3, -2.5, -2, … rather than -1.08705, -0.869636.
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
    let (first, last) = ((lo / step).floor() as i64, (hi / step).ceil() as i64);
    (first..=last).map(value).collect()
}
