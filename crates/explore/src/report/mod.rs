//! Printing results: an aligned table for people (minimum row marked, a heading, the closed-form
//! optimum beside what was found), or CSV and JSON for other programs. Every command builds one
//! [`Report`] and writes it in the format asked for.

use std::io::Write;

use candle_core::DType;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Aligned columns for reading, with the minimum marked and a summary.
    #[default]
    Table,
    /// One header line, then one row per value; nothing else on stdout.
    Csv,
    /// One JSON object: the rows plus `minimum` and `optimum`.
    Json,
}

/// Where a result came from, in the JSON output: the data, the device, the precision and, for
/// the sweeps, the method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// The file name, or a description of the `--point` flags.
    pub data: String,
    /// The number of points.
    pub n: usize,
    /// `cpu` or `cuda:0`.
    pub device: String,
    /// `f32` or `f64`.
    pub dtype: &'static str,
    /// `direct` or `moments`, for sweeps and surfaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'static str>,
}

/// A table of results: named columns of numbers, with the row of the smallest loss marked, a
/// heading and summary lines for people, and the closed-form optimum and the run's settings for
/// programs. Built with [`Report::new`] and the methods after it.
#[derive(Debug, Clone)]
pub struct Report {
    title: String,
    columns: Vec<&'static str>,
    values: Vec<Vec<f64>>,
    minimum: Option<usize>,
    dtype: DType,
    summary: Vec<String>,
    optimum: Option<model::Optimum>,
    run: Option<RunInfo>,
    details: Map<String, Value>,
}

impl Report {
    /// A report of `columns`, one `Vec` of values per column, all of the same length, computed
    /// in `dtype` (CSV and JSON print them in it).
    pub fn new(columns: Vec<&'static str>, values: Vec<Vec<f64>>, dtype: DType) -> Self {
        Self {
            title: String::new(),
            columns,
            values,
            minimum: None,
            dtype,
            summary: Vec::new(),
            optimum: None,
            run: None,
            details: Map::new(),
        }
    }

    /// The heading printed above the table (not in CSV or JSON).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Marks row `row` as the minimum (`← minimum` in the table, `minimum` in the JSON).
    pub fn minimum(mut self, row: Option<usize>) -> Self {
        self.minimum = row;
        self
    }

    /// The closed-form optimum, the JSON's `optimum` (`null` when there is none).
    pub fn optimum(mut self, optimum: Option<model::Optimum>) -> Self {
        self.optimum = optimum;
        self
    }

    /// A line printed after the table.
    pub fn summary(mut self, line: impl Into<String>) -> Self {
        self.summary.push(line.into());
        self
    }

    /// The run's data, device and precision, in the JSON.
    pub fn run(mut self, run: RunInfo) -> Self {
        self.run = Some(run);
        self
    }

    /// A command's own settings and results, as top-level JSON fields: the fields of `details`,
    /// a struct that derives `Serialize`.
    pub fn details(mut self, details: &impl Serialize) -> Self {
        if let Ok(Value::Object(fields)) = serde_json::to_value(details) {
            self.details.extend(fields);
        }
        self
    }

    /// The summary lines.
    pub fn summary_lines(&self) -> &[String] {
        &self.summary
    }

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

    /// Writes the report in `format`; the table has the heading line, CSV and JSON stay clean.
    pub fn write(&self, out: &mut dyn Write, format: Format) -> std::io::Result<()> {
        match format {
            Format::Table => self.write_table(out),
            Format::Csv => self.write_csv(out),
            Format::Json => self.write_json(out),
        }
    }

    /// The rows the table shows: all of a short table; of a long one the first and last few,
    /// and those around the minimum.
    fn shown_rows(&self) -> Vec<usize> {
        let n = self.rows();
        if n <= TABLE_ROWS {
            return (0..n).collect();
        }
        let mut rows: Vec<usize> = (0..EXCERPT).chain(n - EXCERPT..n).collect();
        if let Some(m) = self.minimum {
            rows.extend(m.saturating_sub(EXCERPT / 2)..(m + EXCERPT / 2 + 1).min(n));
        }
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    fn write_table(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if !self.title.is_empty() {
            writeln!(out, "{}", self.title)?;
        }
        let shown = self.shown_rows();
        let cells: Vec<Vec<String>> = self
            .values
            .iter()
            .map(|col| shown.iter().map(|&r| human(col[r])).collect())
            .collect();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .zip(&cells)
            .map(|(name, col)| {
                col.iter()
                    .map(|c| c.chars().count())
                    .chain([name.chars().count()])
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
        for (i, &row) in shown.iter().enumerate() {
            if i > 0 && shown[i - 1] + 1 != row {
                line(out, &mut self.columns.iter().map(|_| "..."), "")?;
            }
            let mark = if Some(row) == self.minimum {
                "   ← minimum"
            } else {
                ""
            };
            line(out, &mut cells.iter().map(|c| c[i].as_str()), mark)?;
        }
        if shown.len() < self.rows() {
            writeln!(
                out,
                "({} of {} rows shown; --format csv or --format json has every one)",
                shown.len(),
                self.rows()
            )?;
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
        let mut doc = match self.run.as_ref().map(serde_json::to_value) {
            Some(Ok(Value::Object(run))) => run,
            _ => Map::new(),
        };
        doc.extend(self.details.clone());
        let rows: Vec<Value> = (0..self.rows()).map(|r| self.row_object(r)).collect();
        doc.insert("rows".into(), Value::Array(rows));
        let minimum = self.minimum.map_or(Value::Null, |r| self.row_object(r));
        doc.insert("minimum".into(), minimum);
        let optimum = self.optimum.map_or(
            Value::Null,
            |o| json!({"weight": o.weight, "bias": o.bias, "loss": o.loss}),
        );
        doc.insert("optimum".into(), optimum);
        serde_json::to_writer_pretty(&mut *out, &Value::Object(doc))?;
        writeln!(out)
    }
}

/// The closed-form optimum as a summary line: `closed-form optimum: A = -1 (loss 0)`, with
/// `b = …` when the bias is learnt, or why there is none.
pub fn describe_optimum(
    optimum: &std::result::Result<model::Optimum, model::NoOptimum>,
    with_bias: bool,
) -> String {
    match optimum {
        Ok(o) if with_bias => format!(
            "closed-form optimum: A = {}, b = {} (loss {})",
            human(o.weight),
            human(o.bias),
            human(o.loss)
        ),
        Ok(o) => format!(
            "closed-form optimum: A = {} (loss {})",
            human(o.weight),
            human(o.loss)
        ),
        Err(why) => format!("closed-form optimum: none ({why})"),
    }
}

/// A table longer than this many rows is shown as an excerpt.
const TABLE_ROWS: usize = 40;
/// Rows at each end of an excerpt, and around its minimum.
const EXCERPT: usize = 6;

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
