//! The points a line is fitted to: read from a CSV file with `x` and `y` columns, or given as
//! `--point X,Y` flags. Every problem is reported with the file, line and column it is at.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use model::Moments;

use crate::{Error, Result};

/// A data set of `(x, y)` points and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    /// The file name, or a description of the `--point` flags, for titles and messages.
    pub source: String,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// `x` and `y` as `(N,)` tensors of `dtype` on `device`.
    pub fn tensors(&self, dtype: DType, device: &Device) -> Result<(Tensor, Tensor)> {
        let to_tensor = |v: &[f64]| Tensor::new(v, device)?.to_dtype(dtype);
        Ok((to_tensor(&self.x)?, to_tensor(&self.y)?))
    }

    /// The sufficient statistics for MSE of a line, in `f64`.
    pub fn moments(&self) -> Moments {
        Moments::from_points(&self.x, &self.y)
    }

    /// "data/linear.csv (100 points)".
    pub fn describe(&self) -> String {
        let n = self.len();
        format!(
            "{} ({n} point{})",
            self.source,
            if n == 1 { "" } else { "s" }
        )
    }
}

/// Reads a CSV file whose header names an `x` and a `y` column (any order, other columns
/// ignored), one point per row, finite numbers only.
pub fn read_csv(path: &Path) -> Result<Dataset> {
    let file = path.display().to_string();
    let err = |at: String, msg: String| Error::Data { at, msg };
    if path.is_dir() {
        return Err(err(file, "is a directory, not a CSV file".into()));
    }
    let bytes = std::fs::read(path).map_err(|e| err(file.clone(), format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        err(format!("{file}:{line}"), "not UTF-8 text".into())
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(err(
            file,
            "the file is empty; expected a header line naming columns x and y".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(err(format!("{file}:1"), e.to_string())),
        None => return Err(err(file, "the file has no header line".into())),
    };
    let column = |name: &str| -> Result<usize> {
        let found: Vec<usize> = (0..header.len())
            .filter(|&i| header[i].eq_ignore_ascii_case(name))
            .collect();
        match found[..] {
            [i] => Ok(i),
            [] => Err(err(
                format!("{file}:1"),
                format!(
                    "the header has no `{name}` column (it has: {}); name the columns x and y",
                    header.iter().collect::<Vec<_>>().join(", ")
                ),
            )),
            _ => Err(err(
                format!("{file}:1"),
                format!("the header names `{name}` twice"),
            )),
        }
    };
    let (xi, yi) = (column("x")?, column("y")?);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for record in records {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            err(format!("{file}:{line}"), e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        if record.len() != header.len() {
            return Err(err(
                format!("{file}:{line}"),
                format!(
                    "{} fields, but the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
        }
        let cell = |i: usize, name: &str| -> Result<f64> {
            let at = format!("{file}:{line}:{}", i + 1);
            let v: f64 = record[i].parse().map_err(|_| {
                err(
                    at.clone(),
                    format!("`{}` in column {name} is not a number", &record[i]),
                )
            })?;
            if !v.is_finite() {
                return Err(err(
                    at,
                    format!("`{}` in column {name} is not a finite number", &record[i]),
                ));
            }
            Ok(v)
        };
        x.push(cell(xi, "x")?);
        y.push(cell(yi, "y")?);
    }
    if x.is_empty() {
        return Err(err(file, "no data rows after the header".into()));
    }
    Ok(Dataset { x, y, source: file })
}

/// Parses the `X,Y` of a `--point` flag.
pub fn parse_point(text: &str) -> Result<(f64, f64)> {
    let bad = |msg: String| Error::Data {
        at: format!("--point {text}"),
        msg,
    };
    let Some((xs, ys)) = text.split_once(',') else {
        return Err(bad("expected X,Y (e.g. --point -3,3)".into()));
    };
    let number = |s: &str, name: &str| -> Result<f64> {
        let v: f64 = s.trim().parse().map_err(|_| {
            bad(format!(
                "{name} `{}` is not a number; expected X,Y (e.g. --point -3,3)",
                s.trim()
            ))
        })?;
        if !v.is_finite() {
            return Err(bad(format!("{name} `{}` is not a finite number", s.trim())));
        }
        Ok(v)
    };
    Ok((number(xs, "X")?, number(ys, "Y")?))
}

/// The data set given by `--point` flags.
pub fn from_points(points: &[String]) -> Result<Dataset> {
    let parsed = points
        .iter()
        .map(|p| parse_point(p))
        .collect::<Result<Vec<_>>>()?;
    let source = match &parsed[..] {
        [] => {
            return Err(Error::Data {
                at: "--point".into(),
                msg: "no points given".into(),
            })
        }
        [(x, y)] => format!("point ({x}, {y})"),
        _ => "--point".to_string(),
    };
    let (x, y) = parsed.into_iter().unzip();
    Ok(Dataset { x, y, source })
}

/// The data set as CSV text with an `x,y` header, every value in full precision.
pub fn to_csv(data: &Dataset) -> String {
    let mut text = String::from("x,y\n");
    for (x, y) in data.x.iter().zip(&data.y) {
        text.push_str(&format!("{x},{y}\n"));
    }
    text
}
