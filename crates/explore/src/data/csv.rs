//! Reading and writing the points as CSV: a header naming `x` and `y` columns (any order, any
//! case, other columns ignored), one point per row.

use std::path::Path;

use super::Dataset;
use crate::{Error, Result};

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
            crate::number::parse_finite(&record[i]).map_err(|e| {
                let msg = format!("`{}` in column {name} is {}", e.text(), e.reason());
                err(format!("{file}:{line}:{}", i + 1), msg)
            })
        };
        x.push(cell(xi, "x")?);
        y.push(cell(yi, "y")?);
    }
    if x.is_empty() {
        return Err(err(file, "no data rows after the header".into()));
    }
    Ok(Dataset { x, y, source: file })
}

/// The data set as CSV text with an `x,y` header, every value in full precision.
pub fn to_csv(data: &Dataset) -> String {
    let mut text = String::from("x,y\n");
    for (x, y) in data.x.iter().zip(&data.y) {
        text.push_str(&format!("{x},{y}\n"));
    }
    text
}
