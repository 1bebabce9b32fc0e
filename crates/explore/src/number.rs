//! Numbers as people type them: one parser for every place a number comes in as text (a SPEC,
//! a `--point`, a CSV cell), so that all of them accept and refuse the same things.

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
