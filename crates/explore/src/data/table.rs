//! Labelled tables for classifiers: feature columns and a label column, picked by name from a
//! CSV or TSV file (or standard input, `-`). Features are finite numbers; a label is any text —
//! 0/1, or class names — and the classes are numbered in sorted order (numerically when every
//! label is a number), so that the same file always gives the same indices.

use std::io::Read;
use std::path::Path;

use crate::{Error, Result};

/// The most bytes a labelled table is read from: it is held whole.
pub const MOST_BYTES: u64 = 1 << 30;

/// A labelled table: `x` row-major, `n × features.len()`, and each row's class.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// "data/moons.csv (200 points)".
    pub source: String,
    /// The feature columns' names as the header spells them, in the order asked for.
    pub features: Vec<String>,
    pub x: Vec<f64>,
    /// Each row's class: an index into `classes`.
    pub labels: Vec<u32>,
    /// The classes' names (the label texts), in index order.
    pub classes: Vec<String>,
    /// The target column's values, when it was read as numbers ([`read_table`] with
    /// `classes` false); empty for classes.
    pub y: Vec<f64>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The rows at `rows` (indices in order), named `source`, with every class kept.
    pub fn rows(&self, rows: &[usize], source: String) -> Table {
        let d = self.features.len();
        Table {
            source,
            features: self.features.clone(),
            x: rows
                .iter()
                .flat_map(|&i| self.x[i * d..(i + 1) * d].iter().copied())
                .collect(),
            labels: rows.iter().map(|&i| self.labels[i]).collect(),
            classes: self.classes.clone(),
            y: match self.y.is_empty() {
                true => Vec::new(),
                false => rows.iter().map(|&i| self.y[i]).collect(),
            },
        }
    }

    /// Numbers the labels by `classes` (another table's, the one trained on); a class not
    /// among them is refused.
    pub fn relabel(&mut self, classes: &[String]) -> Result<()> {
        let mut index = Vec::with_capacity(self.classes.len());
        for c in &self.classes {
            match classes.iter().position(|k| k == c) {
                Some(i) => index.push(i as u32),
                None => {
                    return Err(Error::Data {
                        at: self.source.clone(),
                        msg: format!(
                            "class `{c}` is not one of the training data's classes ({})",
                            classes.join(", ")
                        ),
                    })
                }
            }
        }
        for l in &mut self.labels {
            *l = index[*l as usize];
        }
        self.classes = classes.to_vec();
        Ok(())
    }

    /// Whether the class names are their own indices (`0`, `1`, …), so that nothing needs
    /// saying about which is which.
    pub fn classes_are_indices(&self) -> bool {
        self.classes
            .iter()
            .enumerate()
            .all(|(i, c)| *c == i.to_string())
    }
}

/// Reads `features` and the `label` column (names in any case) of the CSV at `path` as
/// classes: see [`read_table`].
pub fn read_labelled(
    path: &Path,
    features: &[String],
    label: &str,
    delimiter: Option<u8>,
) -> Result<Table> {
    read_table(path, features, label, delimiter, true)
}

/// Reads `features` and the `target` column (names in any case) of the CSV at `path`, its
/// separator `delimiter` or, by default, a tab for `.tsv` and else whichever of comma, tab and
/// semicolon the header has most of. With `classes` the target is a label (any text); without,
/// a finite number (regression).
pub fn read_table(
    path: &Path,
    features: &[String],
    label: &str,
    delimiter: Option<u8>,
    classes: bool,
) -> Result<Table> {
    let stdin = path == Path::new("-");
    let form = super::Form::of(path);
    if !stdin && form != super::Form::Csv {
        return read_columns(path, form, features, label, classes);
    }
    let file = if stdin {
        "stdin".to_string()
    } else {
        path.display().to_string()
    };
    let err = |at: String, msg: String| Error::Data { at, msg };
    let mut bytes = Vec::new();
    let read = if stdin {
        std::io::stdin()
            .take(MOST_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        if path.is_dir() {
            return Err(err(file, "is a directory, not a CSV file".into()));
        }
        std::fs::File::open(path).and_then(|f| f.take(MOST_BYTES + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| err(file.clone(), format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MOST_BYTES {
        return Err(err(
            file,
            format!(
                "is larger than {} GiB, the most a labelled table is read from",
                MOST_BYTES >> 30
            ),
        ));
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let delimiter = match delimiter {
        Some(d) => d,
        None if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv")) =>
        {
            b'\t'
        }
        None => super::csv::sniff(text),
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(text);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| err(format!("{file}:1"), e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(err(file, "the file is empty".into()));
    }
    let find = |name: &str| super::find_column(&header, name, &format!("{file}:1"));
    let feature_at: Vec<usize> = features.iter().map(|f| find(f)).collect::<Result<_>>()?;
    let label_at = find(label)?;
    if let Some(f) = feature_at.iter().find(|&&i| i == label_at) {
        return Err(Error::Usage(format!(
            "`{}` is both a feature and the label",
            header[*f]
        )));
    }
    let mut x = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut y = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            err(format!("{file}:{line}"), e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        for &i in &feature_at {
            let field = record.get(i).unwrap_or("");
            let v = crate::number::parse_finite(field).map_err(|e| {
                err(
                    format!("{file}:{line}:{}", i + 1),
                    format!("`{}` in column {} is {}", e.text(), header[i], e.reason()),
                )
            })?;
            x.push(v);
        }
        let text = record.get(label_at).unwrap_or("").trim();
        if !classes {
            let v = crate::number::parse_finite(text).map_err(|e| {
                err(
                    format!("{file}:{line}:{}", label_at + 1),
                    format!(
                        "`{}` in column {} is {}",
                        e.text(),
                        header[label_at],
                        e.reason()
                    ),
                )
                .mend(crate::Remedy::Classify)
            })?;
            y.push(v);
            texts.push(String::new());
            continue;
        }
        if let Some(why) = not_a_class(text) {
            return Err(err(
                format!("{file}:{line}:{}", label_at + 1),
                format!("the label (column {}) is {why}", header[label_at]),
            ));
        }
        texts.push(text.to_string());
    }
    if texts.is_empty() {
        return Err(err(file, "no data rows after the header".into()));
    }
    let (labels, classes) = match classes {
        true => number_classes(&texts),
        false => (vec![0; texts.len()], Vec::new()),
    };
    Ok(Table {
        source: format!("{file} ({})", crate::number::count(labels.len(), "point")),
        features: feature_at.iter().map(|&i| header[i].clone()).collect(),
        x,
        labels,
        classes,
        y,
    })
}

/// A column read whole: numbers, or a label's text (Parquet's strings).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Numbers(Vec<f64>),
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    Texts(Vec<String>),
}

/// [`read_table`] of a NumPy (`.npy`, `.npz`) or Parquet file: the columns are read whole, then
/// checked as the CSV's are.
fn read_columns(
    path: &Path,
    form: super::Form,
    features: &[String],
    label: &str,
    classes: bool,
) -> Result<Table> {
    let file = path.display().to_string();
    let bad = |msg: String| Error::Data {
        at: file.clone(),
        msg,
    };
    if path.is_dir() {
        return Err(bad("is a directory, not a data file".into()));
    }
    let names: Vec<&str> = features.iter().map(String::as_str).chain([label]).collect();
    let numbers = |columns: Vec<(String, Vec<f64>)>| {
        columns
            .into_iter()
            .map(|(n, v)| (n, Values::Numbers(v)))
            .collect::<Vec<_>>()
    };
    let mut columns: Vec<(String, Values)> = match form {
        super::Form::Npy => numbers(super::npy::read_npy_columns(path, &names)?),
        super::Form::Npz => numbers(super::npy::read_npz_columns(path, &names)?),
        #[cfg(feature = "parquet")]
        super::Form::Parquet => super::parquet::read_parquet_columns(path, &names)?,
        #[cfg(not(feature = "parquet"))]
        super::Form::Parquet => {
            return Err(bad(
                "this build reads no Parquet: build it with the default `parquet` feature".into(),
            ))
        }
        super::Form::Csv => unreachable!("CSV is read as text"),
    };
    let (label_name, target) = columns.pop().ok_or_else(|| bad("no columns".into()))?;
    if let Some((f, _)) = columns
        .iter()
        .find(|(n, _)| super::same_name(n, &label_name))
    {
        return Err(Error::Usage(format!(
            "`{f}` is both a feature and the label"
        )));
    }
    let n = match &target {
        Values::Numbers(v) => v.len(),
        Values::Texts(t) => t.len(),
    };
    if n == 0 {
        return Err(bad("no rows".into()));
    }
    let d = columns.len();
    let mut x = vec![0.0; n * d];
    for (j, (name, values)) in columns.iter().enumerate() {
        let Values::Numbers(values) = values else {
            return Err(bad(format!(
                "column `{name}` holds text: a feature must be numbers"
            )));
        };
        if values.len() != n {
            return Err(bad(format!(
                "column `{name}` has {} rows but `{label_name}` has {n}",
                values.len()
            )));
        }
        for (i, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                return Err(bad(format!(
                    "row {i} (from 0) of column `{name}` is {v}, not a finite number"
                )));
            }
            x[i * d + j] = v;
        }
    }
    let (labels, class_names, y) = match (classes, target) {
        (true, Values::Texts(texts)) => {
            if let Some((i, why)) = texts
                .iter()
                .enumerate()
                .find_map(|(i, t)| not_a_class(t.trim()).map(|why| (i, why)))
            {
                return Err(bad(format!(
                    "row {i} (from 0) of the label `{label_name}` is {why}"
                )));
            }
            let texts: Vec<String> = texts.iter().map(|t| t.trim().to_string()).collect();
            let (labels, classes) = number_classes(&texts);
            (labels, classes, Vec::new())
        }
        (true, Values::Numbers(values)) => {
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(bad(format!(
                    "row {i} (from 0) of the label `{label_name}` is {}, not a class",
                    values[i]
                )));
            }
            let texts: Vec<String> = values
                .iter()
                .map(|&v| crate::number::exact(v, candle_core::DType::F64))
                .collect();
            let (labels, classes) = number_classes(&texts);
            (labels, classes, Vec::new())
        }
        (false, Values::Texts(_)) => {
            return Err(bad(format!(
                "column `{label_name}` holds text, not numbers to fit"
            ))
            .mend(crate::Remedy::Classify))
        }
        (false, Values::Numbers(values)) => {
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(bad(format!(
                    "row {i} (from 0) of column `{label_name}` is {}, not a finite number",
                    values[i]
                )));
            }
            (vec![0; n], Vec::new(), values)
        }
    };
    Ok(Table {
        source: format!("{file} ({})", crate::number::count(n, "point")),
        features: columns.into_iter().map(|(n, _)| n).collect(),
        x,
        labels,
        classes: class_names,
        y,
    })
}

/// Why a label's `text` names no class: it is empty, or a number that is not finite (`NaN`,
/// `inf`: a missing value, not a class name).
fn not_a_class(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("empty".to_string());
    }
    text.parse::<f64>()
        .is_ok_and(|v| !v.is_finite())
        .then(|| format!("{text}, a missing value, not a class"))
}

/// Each label's class index and the classes in order: sorted numerically when every label is
/// a number (so `2` comes before `10`), else as text.
pub fn number_classes(texts: &[String]) -> (Vec<u32>, Vec<String>) {
    let numbers: Option<Vec<f64>> = texts
        .iter()
        .map(|t| crate::number::parse_finite(t).ok())
        .collect();
    if let Some(numbers) = numbers {
        // Numbers are one class per value (`1` and `1.0` alike), named as they read best.
        // −0 is 0 (total_cmp would keep them apart).
        let numbers: Vec<f64> = numbers.iter().map(|v| v + 0.0).collect();
        let mut values = numbers.clone();
        values.sort_by(f64::total_cmp);
        values.dedup_by(|a, b| a == b);
        let labels = numbers
            .iter()
            .map(|v| values.partition_point(|w| w < v) as u32)
            .collect();
        let classes = values
            .iter()
            .map(|&v| crate::number::exact(v, candle_core::DType::F64))
            .collect();
        return (labels, classes);
    }
    let mut classes: Vec<String> = texts.to_vec();
    classes.sort();
    classes.dedup();
    let index: std::collections::HashMap<&str, u32> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();
    let labels = texts.iter().map(|t| index[t.as_str()]).collect();
    (labels, classes)
}
