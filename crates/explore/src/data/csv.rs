//! Reading and writing the points as CSV: a header naming the x and y columns (`x` and `y` unless
//! told otherwise; any order, any case, other columns ignored), one point per row, separated by
//! commas, tabs or semicolons, from a file or from standard input (`-`).

use std::io::{BufRead, Read};
use std::path::Path;

use super::Dataset;
use crate::{Error, Result};

/// The longest line a data file may have: a real row is a few dozen bytes, and a file without
/// line breaks (`/dev/zero`, a binary file) must fail quickly rather than fill the memory.
pub const MAX_LINE: usize = 1 << 20;

/// How to read a CSV: which columns are x and y, and what separates the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The names of the x and y columns, matched without regard to case.
    pub x: String,
    pub y: String,
    /// The field separator; `None`: a tab for `.tsv` files, else whichever of comma, tab and
    /// semicolon the header line has most of (a comma on a tie).
    pub delimiter: Option<u8>,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            x: "x".into(),
            y: "y".into(),
            delimiter: None,
        }
    }
}

/// The separator the first line of `head` uses most: comma, tab or semicolon (comma on a tie).
fn sniff(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let count = |c: u8| line.iter().filter(|&&b| b == c).count();
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|&c| (count(c), c == b','))
        .unwrap_or(b',')
}

/// Reads a CSV file (or standard input, for the path `-`) whose header names the columns of
/// `columns` (any order, other columns ignored), one point per row, finite numbers only. The
/// input is read as a stream, one record at a time, with lines of at most [`MAX_LINE`] bytes.
pub fn read_csv(path: &Path, columns: &Columns) -> Result<Dataset> {
    let stdin = path == Path::new("-");
    let file = if stdin {
        "stdin".to_string()
    } else {
        path.display().to_string()
    };
    let err = |at: String, msg: String| Error::Data { at, msg };
    let source: Box<dyn Read> = if stdin {
        Box::new(std::io::stdin().lock())
    } else {
        if path.is_dir() {
            return Err(err(file, "is a directory, not a CSV file".into()));
        }
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| err(file.clone(), format!("cannot read: {e}")))?,
        )
    };
    let mut buffered = std::io::BufReader::with_capacity(1 << 16, LineCap::new(source));
    let delimiter = match columns.delimiter {
        Some(d) => d,
        None if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv")) =>
        {
            b'\t'
        }
        None => {
            let head = buffered.fill_buf().map_err(|e| {
                match e.get_ref().and_then(|e| e.downcast_ref::<LineTooLong>()) {
                    Some(long) => err(format!("{file}:{}", long.line), long.to_string()),
                    None => err(file.clone(), format!("cannot read: {e}")),
                }
            })?;
            sniff(head)
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(buffered);
    // Every problem the csv reader meets, as `file:line: what`.
    let read_error = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        match e.kind() {
            csv::ErrorKind::Utf8 { .. } => err(format!("{file}:{line}"), "not UTF-8 text".into()),
            csv::ErrorKind::Io(io) => {
                match io.get_ref().and_then(|e| e.downcast_ref::<LineTooLong>()) {
                    Some(long) => err(format!("{file}:{}", long.line), long.to_string()),
                    None => err(file.clone(), format!("cannot read: {io}")),
                }
            }
            _ => err(format!("{file}:{line}"), e.to_string()),
        }
    };
    let mut header = csv::StringRecord::new();
    let has_header = reader.read_record(&mut header).map_err(read_error)?;
    if !has_header || header.iter().all(str::is_empty) {
        return Err(err(
            file,
            "the file is empty; expected a header line naming columns x and y".into(),
        ));
    }
    let column = |name: &str| -> Result<usize> {
        let found: Vec<usize> = (0..header.len())
            .filter(|&i| header[i].eq_ignore_ascii_case(name))
            .collect();
        match found[..] {
            [i] => Ok(i),
            [] => Err(err(
                format!("{file}:1"),
                format!(
                    "the header has no `{name}` column (it has: {}); pick the columns with \
                     --x NAME --y NAME",
                    header.iter().collect::<Vec<_>>().join(", ")
                ),
            )),
            _ => Err(err(
                format!("{file}:1"),
                format!("the header names `{name}` twice"),
            )),
        }
    };
    let (xi, yi) = (column(&columns.x)?, column(&columns.y)?);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    // One record, reused for every row.
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(read_error)? {
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
        x.push(cell(xi, &columns.x)?);
        y.push(cell(yi, &columns.y)?);
    }
    if x.is_empty() {
        return Err(err(file, "no data rows after the header".into()));
    }
    Ok(Dataset { x, y, source: file })
}

/// Writes points as CSV with an `x,y` header, every value in full precision.
pub fn write_csv(
    points: impl Iterator<Item = (f64, f64)>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let exact = |v: f64| crate::report::exact(v, candle_core::DType::F64);
    writeln!(out, "x,y")?;
    for (x, y) in points {
        writeln!(out, "{},{}", exact(x), exact(y))?;
    }
    Ok(())
}

/// The data set as CSV text (see [`write_csv`]).
pub fn to_csv(data: &Dataset) -> String {
    let mut text = Vec::new();
    let points = data.x.iter().copied().zip(data.y.iter().copied());
    // Writing to memory cannot fail.
    let _ = write_csv(points, &mut text);
    String::from_utf8(text).unwrap_or_default()
}

/// A line longer than [`MAX_LINE`].
#[derive(Debug)]
struct LineTooLong {
    line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line longer than {} MiB", MAX_LINE >> 20)
    }
}

impl std::error::Error for LineTooLong {}

/// A reader that fails once a line grows past [`MAX_LINE`] bytes.
struct LineCap<R> {
    inner: R,
    /// The line being read, from 1, and its length so far.
    line: u64,
    len: usize,
}

impl<R> LineCap<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            line: 1,
            len: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut rest = &buf[..n];
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            if self.len + at > MAX_LINE {
                break;
            }
            self.line += 1;
            self.len = 0;
            rest = &rest[at + 1..];
        }
        self.len += rest.len();
        if self.len > MAX_LINE {
            let long = LineTooLong { line: self.line };
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, long));
        }
        Ok(n)
    }
}
