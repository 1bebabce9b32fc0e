//! Printing results: an aligned table for people (minimum row marked), or CSV and JSON for
//! other programs. Every command reports what it found beside the closed-form optimum.

use std::io::Write;

use candle_core::DType;
use serde_json::{json, Map, Value};

/// The output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading, with the minimum marked and a summary.
    #[default]
    Table,
    /// One header line, then one row per value; nothing else on stdout.
    Csv,
    /// One JSON object: the rows plus `minimum` and `optimum`.
    Json,
}

/// A table of results: named columns of numbers, with the row of the smallest loss marked.
#[derive(Debug, Clone)]
pub struct Report {
    /// Column names, e.g. `["weight", "loss"]`; the CSV header.
    pub columns: Vec<&'static str>,
    /// The values, one `Vec` per column, all of the same length.
    pub values: Vec<Vec<f64>>,
    /// The row to mark as the minimum.
    pub minimum: Option<usize>,
    /// The precision the numbers were computed in: CSV and JSON print them in it.
    pub dtype: DType,
    /// Lines printed after the table, e.g. the minimum beside the closed-form optimum.
    pub summary: Vec<String>,
    /// Extra top-level JSON fields: `optimum`, `data`, settings.
    pub json: Map<String, Value>,
}

impl Report {
    fn rows(&self) -> usize {
        self.values.first().map_or(0, Vec::len)
    }

    fn row_object(&self, row: usize) -> Value {
        let fields = self.columns.iter().zip(&self.values);
        Value::Object(
            fields
                .map(|(c, v)| (c.to_string(), number(v[row], self.dtype)))
                .collect(),
        )
    }

    /// Writes the report in `format`.
    pub fn write(&self, out: &mut dyn Write, format: Format) -> std::io::Result<()> {
        match format {
            Format::Table => self.write_table(out),
            Format::Csv => self.write_csv(out),
            Format::Json => self.write_json(out),
        }
    }

    fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let cells: Vec<Vec<String>> = self
            .values
            .iter()
            .map(|col| col.iter().map(|&v| human(v)).collect())
            .collect();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .zip(&cells)
            .map(|(name, col)| {
                col.iter()
                    .map(String::len)
                    .chain([name.len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |out: &mut dyn Write, fields: &mut dyn Iterator<Item = &str>, mark: &str| {
            let mut text = String::new();
            for (field, width) in fields.zip(&widths) {
                text.push_str(&format!("  {field:>width$}"));
            }
            writeln!(out, "{text}{mark}")
        };
        line(out, &mut self.columns.iter().copied(), "")?;
        for row in 0..self.rows() {
            let mark = if Some(row) == self.minimum {
                "   ← minimum"
            } else {
                ""
            };
            line(out, &mut cells.iter().map(|c| c[row].as_str()), mark)?;
        }
        if !self.summary.is_empty() {
            writeln!(out)?;
        }
        for s in &self.summary {
            writeln!(out, "{s}")?;
        }
        Ok(())
    }

    fn write_csv(&self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{}", self.columns.join(","))?;
        for row in 0..self.rows() {
            let fields: Vec<String> = self
                .values
                .iter()
                .map(|c| exact(c[row], self.dtype))
                .collect();
            writeln!(out, "{}", fields.join(","))?;
        }
        Ok(())
    }

    fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut doc = self.json.clone();
        let rows: Vec<Value> = (0..self.rows()).map(|r| self.row_object(r)).collect();
        doc.insert("rows".into(), Value::Array(rows));
        let minimum = self.minimum.map_or(Value::Null, |r| self.row_object(r));
        doc.insert("minimum".into(), minimum);
        doc.entry("optimum").or_insert(Value::Null);
        serde_json::to_writer_pretty(&mut *out, &Value::Object(doc))?;
        writeln!(out)
    }
}

/// A number in the precision it was computed in, as JSON (`null` when not finite).
pub fn number(v: f64, dtype: DType) -> Value {
    if !v.is_finite() {
        return Value::Null;
    }
    match dtype {
        // Through f32's shortest form, so 0.1f32 prints as 0.1, not 0.10000000149011612.
        DType::F32 => exact(v, dtype)
            .parse::<f64>()
            .map_or(Value::Null, |v| json!(v)),
        _ => json!(v),
    }
}

/// The shortest text that reads back to the same value in `dtype`: for CSV.
pub fn exact(v: f64, dtype: DType) -> String {
    match dtype {
        DType::F32 => (v as f32).to_string(),
        _ => v.to_string(),
    }
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
