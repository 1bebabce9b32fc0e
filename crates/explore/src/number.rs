//! Numbers as text, both ways: one parser for every place a number comes in (a SPEC, a point, a
//! CSV cell), so that all of them accept and refuse the same things, and the two ways numbers go
//! out: exactly (CSV, files) and for reading (tables, titles, messages).

use candle_core::DType;

/// Why a text is not a usable number; the message quotes the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadNumber {
    #[error("`{0}` is not a number")]
    NotANumber(String),
    #[error("`{0}` is not a finite number")]
    NotFinite(String),
}

impl BadNumber {
    /// The text that was refused.
    pub fn text(&self) -> &str {
        match self {
            BadNumber::NotANumber(t) | BadNumber::NotFinite(t) => t,
        }
    }

    /// "not a number" or "not a finite number", for messages that say where the text was.
    pub fn reason(&self) -> &'static str {
        match self {
            BadNumber::NotANumber(_) => "not a number",
            BadNumber::NotFinite(_) => "not a finite number",
        }
    }
}

/// Parses a finite `f64`, surrounding spaces allowed; `nan` and `inf` are refused.
pub fn parse_finite(text: &str) -> Result<f64, BadNumber> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(BadNumber::NotFinite(text.to_string())),
        Err(_) => Err(BadNumber::NotANumber(text.to_string())),
    }
}

/// The shortest text that reads back to the same value in `dtype`: for CSV. Very large and
/// very small numbers take an exponent (`1e300`, not three hundred digits).
pub fn exact(v: f64, dtype: DType) -> String {
    match dtype {
        DType::F32 => shortest(
            f64::from(v as f32),
            (v as f32).to_string(),
            format!("{:e}", v as f32),
        ),
        _ => shortest(v, v.to_string(), format!("{v:e}")),
    }
}

/// `plain` where it is short, `exponent` past 1e16 or below 1e-5.
fn shortest(v: f64, plain: String, exponent: String) -> String {
    let magnitude = v.abs();
    if magnitude != 0.0 && magnitude.is_finite() && !(1e-5..1e16).contains(&magnitude) {
        exponent
    } else {
        plain
    }
}

/// Whether an f32 run holds `v`: 0, or a finite normal f32 (subnormals lose their digits).
pub fn f32_holds(v: f64) -> bool {
    let held = v as f32;
    held.is_finite() && (v == 0.0 || held.is_normal())
}

/// Up to six significant digits, trailing zeros dropped, exponent form for the very large and
/// very small: for tables and messages.
pub fn human(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return v.to_string();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..7).contains(&magnitude) {
        let s = format!("{v:.5e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exponent}", trim_zeros(mantissa));
    }
    let decimals = (5 - magnitude).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// `count` and the noun, singular for one: "1 epoch", "3 epochs".
pub fn count(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
