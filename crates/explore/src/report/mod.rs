//! Printing results: an aligned table for people (minimum row marked, a heading, the closed-form
//! optimum beside what was found, an excerpt of a long table), or CSV and JSON with every row for
//! other programs. A command builds one [`Report`] and writes it; a run too long to hold in
//! memory streams its rows through a [`Sink`] and finishes it with the report of the rest.

use std::collections::VecDeque;
use std::io::Write;

use candle_core::DType;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::number::{exact, human};

/// A column's name: fixed (`loss`) or made for the data (`w.x1`).
pub type Column = std::borrow::Cow<'static, str>;

mod landscape;
mod slice;
mod sweep;
mod train;

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
    /// The file name, or a description of the points given.
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

/// The results of a command: named columns of numbers (the last is the loss, whose smallest row
/// is marked), a heading and summary lines for people, and the closed-form optimum and the run's
/// settings for programs. Built with [`Report::new`] and the methods after it.
#[derive(Debug, Clone)]
pub struct Report {
    title: String,
    columns: Vec<Column>,
    values: Vec<Vec<f64>>,
    dtype: DType,
    summary: Vec<String>,
    /// The JSON's `optimum`.
    optimum: Option<Value>,
    run: Option<RunInfo>,
    details: Map<String, Value>,
    /// Where the rows a long table leaves out can be had, e.g. "--format csv".
    elsewhere: Option<String>,
    /// A first column of names, one a row (the optimizers of a race).
    labels: Option<(&'static str, Vec<String>)>,
    /// Whether the smallest value of the last column is marked: not when its rows are of
    /// different losses, whose values do not compare.
    unmarked: bool,
}

impl Report {
    /// A report of `columns`, one `Vec` of values per column, all of the same length, computed
    /// in `dtype` (CSV and JSON print them in it). The column `loss` (else the last) is the
    /// loss. A report whose rows were streamed through a [`Sink`] has no values here.
    pub fn new<C: Into<Column>>(
        columns: impl IntoIterator<Item = C>,
        values: Vec<Vec<f64>>,
        dtype: DType,
    ) -> Self {
        Self {
            title: String::new(),
            columns: columns.into_iter().map(Into::into).collect(),
            values,
            dtype,
            summary: Vec::new(),
            optimum: None,
            run: None,
            details: Map::new(),
            elsewhere: None,
            labels: None,
            unmarked: false,
        }
    }

    /// No row is marked as the minimum (the table's, the JSON's `minimum` is null): for rows
    /// whose last values do not compare.
    pub fn unmarked(mut self) -> Self {
        self.unmarked = true;
        self
    }

    /// A first column `name` holding a text for each row.
    pub fn labels(mut self, name: &'static str, labels: Vec<String>) -> Self {
        self.labels = Some((name, labels));
        self
    }

    /// Where every row can be had when a long table shows an excerpt (a flag, say).
    pub fn elsewhere(mut self, hint: impl Into<String>) -> Self {
        self.elsewhere = Some(hint.into());
        self
    }

    /// The heading printed above the table (not in CSV or JSON).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The closed-form optimum, the JSON's `optimum` (`null` when there is none).
    pub fn optimum(mut self, optimum: Option<model::Optimum>) -> Self {
        self.optimum = optimum.map(|o| json!({"weight": o.weight, "bias": o.bias, "loss": o.loss}));
        self
    }

    /// The optimum of a model with other parameters, as JSON (a plane's named weights).
    pub fn optimum_json(mut self, optimum: Value) -> Self {
        self.optimum = Some(optimum);
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

    /// Which loss the numbers are of: the JSON's `loss`, `{"name": "huber", "label": "Huber (δ =
    /// 1)", "torch": "nn.HuberLoss"}`.
    pub fn loss(mut self, loss: &loss::AnyLoss) -> Self {
        self.details.insert("loss".into(), json!(loss));
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

    /// What validation found: the best epoch and its loss (`best`) and where the run stopped
    /// early, as a summary line and in the JSON (`best_epoch`, `best_val_loss`, `stopped`).
    pub fn validation(
        self,
        best: Option<(usize, f64)>,
        stopped: Option<crate::train::Stopped>,
    ) -> Self {
        let line = match (stopped, best) {
            (Some(s), _) => s.describe(),
            (None, Some((epoch, loss))) => format!(
                "best epoch by validation loss: {epoch} ({})",
                crate::number::human(loss)
            ),
            (None, None) => return self,
        };
        self.summary(line).details(&serde_json::json!({
            "best_epoch": best.map(|b| b.0),
            "best_val_loss": best.map(|b| b.1),
            "stopped": stopped,
        }))
    }

    /// The summary lines.
    pub fn summary_lines(&self) -> &[String] {
        &self.summary
    }

    /// Whether the report is in f32 and holds values beyond f32's range, which CSV and JSON
    /// print as `inf` and `null` (a loss that overflows f32 while it would fit in f64).
    pub fn beyond_f32(&self) -> bool {
        self.dtype == DType::F32
            && self
                .values
                .iter()
                .flatten()
                .any(|v| v.abs() > f64::from(f32::MAX))
    }

    /// Writes the report in `format`: its rows through a [`Sink`], then the rest.
    pub fn write(&self, out: &mut dyn Write, format: Format) -> std::io::Result<()> {
        let label = self.labels.as_ref().map(|(name, _)| *name);
        let mut sink = Sink::labelled(out, format, label, self.columns.clone(), self.dtype)?;
        let rows = self.values.first().map_or(0, Vec::len);
        let mut row = vec![0.0; self.values.len()];
        for r in 0..rows {
            for (cell, column) in row.iter_mut().zip(&self.values) {
                *cell = column[r];
            }
            match &self.labels {
                Some((_, labels)) => sink.row_labelled(&labels[r], &row)?,
                None => sink.row(&row)?,
            }
        }
        sink.finish(self)
    }
}

/// Writes rows as they are made: CSV and JSON straight out, one row at a time; the table keeps
/// only what it will show (a short table whole; of a long one the first and last rows and those
/// around the minimum) and prints it at [`Sink::finish`]. Memory stays bounded however many
/// rows pass through.
pub struct Sink<'a> {
    out: &'a mut dyn Write,
    format: Format,
    columns: Vec<Column>,
    /// Which column is the loss, whose smallest row is marked: the validation loss when
    /// there is one (the best epoch), else the loss.
    loss: usize,
    /// What the mark says.
    mark: &'static str,
    dtype: DType,
    count: usize,
    /// Every row while the table is short; `None` once it is long.
    all: Option<Vec<(usize, Vec<f64>)>>,
    head: Vec<(usize, Vec<f64>)>,
    tail: VecDeque<(usize, Vec<f64>)>,
    /// The rows around the smallest loss so far, and how many rows after it are still wanted.
    best: Option<(usize, f64)>,
    around_best: Vec<(usize, Vec<f64>)>,
    wanted_after: usize,
    recent: VecDeque<(usize, Vec<f64>)>,
    /// The name of a first column of texts, and the text of each row so far (a labelled report
    /// is a short one: a race's optimizers).
    label: Option<&'static str>,
    labels: Vec<String>,
}

impl std::fmt::Debug for Sink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink")
            .field("format", &self.format)
            .field("columns", &self.columns)
            .field("count", &self.count)
            .finish()
    }
}

impl<'a> Sink<'a> {
    /// Starts writing rows of `columns` (the column `val_loss`, else `loss`, else the last, is
    /// the loss whose smallest row is marked) in `format`.
    pub fn new<C: Into<Column>>(
        out: &'a mut dyn Write,
        format: Format,
        columns: impl IntoIterator<Item = C>,
        dtype: DType,
    ) -> std::io::Result<Self> {
        Self::labelled(out, format, None, columns, dtype)
    }

    /// As [`Sink::new`], with a first column `label` of texts, given row by row with
    /// [`Sink::row_labelled`].
    pub fn labelled<C: Into<Column>>(
        out: &'a mut dyn Write,
        format: Format,
        label: Option<&'static str>,
        columns: impl IntoIterator<Item = C>,
        dtype: DType,
    ) -> std::io::Result<Self> {
        let columns: Vec<Column> = columns.into_iter().map(Into::into).collect();
        let at = |name: &str| columns.iter().position(|c| c == name);
        let (loss, mark) = match at("val_loss") {
            Some(i) => (i, "   ← best validation loss"),
            None => (
                at("loss").unwrap_or(columns.len().saturating_sub(1)),
                "   ← minimum",
            ),
        };
        let header: Vec<&str> = label
            .into_iter()
            .chain(columns.iter().map(|c| c.as_ref()))
            .collect();
        match format {
            Format::Csv => writeln!(out, "{}", header.join(","))?,
            Format::Json => write!(out, "{{\n  \"rows\": [")?,
            Format::Table => {}
        }
        Ok(Self {
            out,
            format,
            columns,
            loss,
            mark,
            dtype,
            count: 0,
            all: Some(Vec::new()),
            head: Vec::new(),
            tail: VecDeque::new(),
            best: None,
            around_best: Vec::new(),
            wanted_after: 0,
            recent: VecDeque::new(),
            label,
            labels: Vec::new(),
        })
    }

    /// The next row of a labelled sink: its text, then one value per column.
    pub fn row_labelled(&mut self, label: &str, values: &[f64]) -> std::io::Result<()> {
        self.labels.push(label.to_string());
        self.row(values)
    }

    /// The next row, one value per column.
    pub fn row(&mut self, values: &[f64]) -> std::io::Result<()> {
        let index = self.count;
        self.count += 1;
        match self.format {
            Format::Csv => {
                let text = self.labels.get(index).cloned();
                let fields: Vec<String> = text
                    .into_iter()
                    .chain(values.iter().map(|&v| exact(v, self.dtype)))
                    .collect();
                writeln!(self.out, "{}", fields.join(","))?;
            }
            Format::Json => {
                let sep = if index == 0 { "" } else { "," };
                let row = self.row_object(index, values);
                write!(self.out, "{sep}\n    {row}")?;
            }
            Format::Table => {}
        }
        self.keep(index, values);
        Ok(())
    }

    /// Remembers what the table and the JSON's `minimum` need of row `index`.
    fn keep(&mut self, index: usize, values: &[f64]) {
        let row = (index, values.to_vec());
        let loss = values.get(self.loss).copied().unwrap_or(f64::NAN);
        if let Some(all) = &mut self.all {
            all.push(row.clone());
            if all.len() > TABLE_ROWS {
                self.all = None;
            }
        }
        if self.head.len() < EXCERPT {
            self.head.push(row.clone());
        }
        self.tail.push_back(row.clone());
        if self.tail.len() > EXCERPT {
            self.tail.pop_front();
        }
        // The first smallest loss, ignoring NaN, with the rows just before and after it.
        // As `grid::argmin`: a minimum is a finite loss; `inf` is beyond f64, not a number to mark.
        let better = loss.is_finite() && self.best.is_none_or(|(_, b)| loss < b);
        if better {
            self.best = Some((index, loss));
            self.around_best = self.recent.iter().cloned().collect();
            self.around_best.push(row.clone());
            self.wanted_after = EXCERPT / 2;
        } else if self.wanted_after > 0 {
            self.around_best.push(row.clone());
            self.wanted_after -= 1;
        }
        self.recent.push_back(row);
        if self.recent.len() > EXCERPT / 2 {
            self.recent.pop_front();
        }
    }

    fn row_object(&self, index: usize, values: &[f64]) -> Value {
        let fields = self.columns.iter().zip(values);
        let label = self
            .label
            .zip(self.labels.get(index))
            .map(|(name, text)| (name.to_string(), json!(text)));
        Value::Object(
            label
                .into_iter()
                .chain(fields.map(|(c, &v)| {
                    let value = if COUNTS.contains(&c.as_ref()) && v.fract() == 0.0 {
                        json!(v as u64)
                    } else {
                        number(v, self.dtype)
                    };
                    (c.to_string(), value)
                }))
                .collect(),
        )
    }

    /// The row with the smallest loss, and its index.
    fn minimum(&self) -> Option<(usize, &Vec<f64>)> {
        let (index, _) = self.best?;
        self.around_best
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(i, v)| (*i, v))
    }

    /// Ends the output with what `report` says besides its rows: the table with its heading and
    /// summary, or the JSON's `minimum`, `optimum` and settings.
    pub fn finish(self, report: &Report) -> std::io::Result<()> {
        match self.format {
            Format::Csv => Ok(()),
            Format::Json => self.finish_json(report),
            Format::Table => self.finish_table(report),
        }
    }

    fn finish_json(self, report: &Report) -> std::io::Result<()> {
        let mut doc = match report.run.as_ref().map(serde_json::to_value) {
            Some(Ok(Value::Object(run))) => run,
            _ => Map::new(),
        };
        doc.extend(report.details.clone());
        let minimum = self
            .minimum()
            .filter(|_| !report.unmarked)
            .map_or(Value::Null, |(i, v)| self.row_object(i, v));
        doc.insert("minimum".into(), minimum);
        doc.insert(
            "optimum".into(),
            report.optimum.clone().unwrap_or(Value::Null),
        );
        let rest = serde_json::to_string_pretty(&Value::Object(doc))?;
        // `rest` is `{\n  "key": …\n}`: its fields follow the rows.
        let fields = rest
            .strip_prefix('{')
            .and_then(|r| r.strip_suffix('}'))
            .unwrap_or("")
            .trim_end();
        let close = if self.count == 0 { "]" } else { "\n  ]" };
        writeln!(self.out, "{close},{fields}\n}}")
    }

    fn finish_table(self, report: &Report) -> std::io::Result<()> {
        let mut shown: Vec<(usize, Vec<f64>)> = match self.all {
            Some(all) => all,
            None => self
                .head
                .into_iter()
                .chain(self.around_best)
                .chain(self.tail)
                .collect(),
        };
        shown.sort_by_key(|(i, _)| *i);
        shown.dedup_by_key(|(i, _)| *i);
        let minimum = self.best.map(|(i, _)| i).filter(|_| !report.unmarked);
        let out = self.out;
        if !report.title.is_empty() {
            writeln!(out, "{}", report.title)?;
        }
        // A table for people shortens a long name (CSV and JSON keep it whole).
        let columns: Vec<String> = self
            .label
            .into_iter()
            .chain(self.columns.iter().map(|c| c.as_ref()))
            .map(shortened)
            .collect();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let cells: Vec<Vec<String>> = shown
            .iter()
            .map(|(i, row)| {
                let text = self.label.and(self.labels.get(*i).map(|t| shortened(t)));
                text.into_iter()
                    .chain(row.iter().map(|&v| human(v)))
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = (0..columns.len())
            .map(|c| {
                cells
                    .iter()
                    .map(|row| row[c].chars().count())
                    .chain([columns[c].chars().count()])
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
        line(out, &mut columns.iter().copied(), "")?;
        for (k, (index, _)) in shown.iter().enumerate() {
            if k > 0 && shown[k - 1].0 + 1 != *index {
                line(out, &mut columns.iter().map(|_| "..."), "")?;
            }
            let mark = if Some(*index) == minimum {
                self.mark
            } else {
                ""
            };
            line(out, &mut cells[k].iter().map(String::as_str), mark)?;
        }
        if shown.len() < self.count {
            let elsewhere = report
                .elsewhere
                .as_ref()
                .map_or(String::new(), |e| format!("; {e}"));
            writeln!(
                out,
                "({} of {} rows shown{elsewhere})",
                shown.len(),
                self.count
            )?;
        }
        if !report.summary.is_empty() {
            writeln!(out)?;
        }
        for s in &report.summary {
            writeln!(out, "{s}")?;
        }
        Ok(())
    }
}

/// The most characters of a name a table shows.
const NAME_CHARS: usize = 40;

/// `name` as a table shows it: whole up to 40 characters, else its start and "…".
pub fn shortened(name: &str) -> String {
    match name.char_indices().nth(NAME_CHARS) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_string(),
    }
}

/// How a summary names the row it describes: `after 200 epochs` (the last), or, for a run that
/// stopped early, `at epoch 125, the best (kept)`.
pub fn ended(epoch: usize, stopped_early: bool) -> String {
    match stopped_early {
        true => format!("at epoch {epoch}, the best (kept)"),
        false => format!("after {}", crate::number::count(epoch, "epoch")),
    }
}

/// `, validation loss 0.0371` for a row's summary when it was validated, else nothing.
pub fn validated(val_loss: Option<f64>) -> String {
    val_loss.map_or(String::new(), |v| {
        format!(", validation loss {}", crate::number::human(v))
    })
}

/// Why a grid has no minimum (no finite loss): every loss NaN, or beyond the range of `dtype`
/// (`inf`).
pub fn no_minimum(losses: &[f64], dtype: DType) -> String {
    if losses.iter().any(|l| l.is_infinite()) {
        format!(
            "no minimum: every loss is beyond {}'s range (inf), or NaN: the data or the \
             parameters tried are too large",
            dtype.as_str()
        )
    } else {
        "no minimum: every loss is NaN".to_string()
    }
}

/// A loss for a summary line: `inf` said as what it is.
fn loss_text(loss: f64) -> String {
    if loss.is_infinite() {
        "beyond f64".to_string()
    } else {
        human(loss)
    }
}

/// The exact optimum found `how` (`closed-form`, `exact (weighted median)`), or why there is
/// none — and then, for a grid or a table (`shown`), that the best shown is its own.
pub fn describe_exact(
    optimum: &std::result::Result<model::Optimum, String>,
    how: &str,
    with_bias: bool,
    shown: Option<&str>,
) -> String {
    match optimum {
        Ok(o) if with_bias => format!(
            "{how} optimum: A = {}, b = {} (loss {})",
            human(o.weight),
            human(o.bias),
            loss_text(o.loss)
        ),
        Ok(o) => format!(
            "{how} optimum: A = {} (loss {})",
            human(o.weight),
            loss_text(o.loss)
        ),
        Err(why) if why.starts_with("none") || why.starts_with("not searched") => {
            format!("{how} optimum: {why}")
        }
        Err(why) => match shown {
            Some(whose) => format!("{why}; the optimum shown is {whose}"),
            None => why.clone(),
        },
    }
}

/// Columns that count (epochs, steps): whole numbers in JSON, not `3.0`.
const COUNTS: [&str; 2] = ["epoch", "step"];

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

/// The report of a comparison of losses: each loss's best line and its loss there (rows not
/// marked: the values of different losses do not compare), then the outliers' residuals under
/// each line, and in the JSON every outlier.
pub fn comparison(c: &crate::compare::Comparison) -> Report {
    let column = |f: &dyn Fn(&crate::compare::Fitted) -> f64| c.fits.iter().map(f).collect();
    let title = format!(
        "compare of {}: the best line y = A·x{} under each loss",
        c.source,
        if c.learn_bias {
            " + b"
        } else {
            " (bias pinned at 0)"
        }
    );
    let mut report = Report::new(
        vec!["weight", "bias", "min_loss"],
        vec![
            column(&|f| f.weight),
            column(&|f| f.bias),
            column(&|f| f.value),
        ],
        DType::F64,
    )
    .labels("loss", c.fits.iter().map(|f| f.loss.label()).collect())
    .title(title)
    .unmarked()
    .details(&serde_json::json!({ "fits": c.fits, "outliers": c.outliers }));
    let how: Vec<String> = c
        .fits
        .iter()
        .map(|f| format!("{} {}", f.loss.label(), f.how))
        .collect();
    let numerical = if c.fits.iter().any(|f| f.how == "numerical") {
        " (numerical: the loss is convex, and golden-section search narrows its minimum until \
         the loss no longer falls)"
    } else {
        ""
    };
    report = report.summary(format!("each line found: {}{numerical}", how.join(", ")));
    report = report.summary(match c.outliers.len() {
        0 => format!(
            "no outliers: no point is more than {} robust standard deviations from the L1 line",
            crate::compare::OUTLIER_SIGMAS
        ),
        k => format!(
            "{k} outlier{} (more than {} robust standard deviations from the L1 line); the \
             residual y − A·x − b of each under each loss's line:",
            if k == 1 { "" } else { "s" },
            crate::compare::OUTLIER_SIGMAS
        ),
    });
    for o in &c.outliers {
        let residuals: Vec<String> = c
            .fits
            .iter()
            .zip(&o.residuals)
            .map(|(f, r)| format!("{} {}", f.loss.label(), human(*r)))
            .collect();
        report = report.summary(format!(
            "  x = {}, y = {}: {}",
            human(o.x),
            human(o.y),
            residuals.join(", ")
        ));
    }
    report
}
