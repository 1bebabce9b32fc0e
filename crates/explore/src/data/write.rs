//! Writing points in the forms the readers of [`super::read`] take, told by the file's
//! extension: CSV (`.csv`, and a file with no extension, which the readers take as CSV too),
//! TSV (`.tsv`), NumPy (`.npy`, shape `(N, K)`, float64 little-endian, C order: one column a
//! value, `x` then `y` for a line) and Parquet (`.parquet` or `.pq`: a DOUBLE column a value,
//! named as the CSV's header names it). Points are
//! streamed (Parquet a row group at a time), so any number of them takes constant memory, and
//! every value is checked on the way: a point that is not finite, which no reader would take
//! back, stops the write, and [`save`] then leaves no file.

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// A form [`save`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Tsv,
    Npy,
    Parquet,
}

/// The extensions [`Format::of`] takes, for messages.
pub const EXTENSIONS: &str = ".csv, .tsv, .npy and .parquet (or .pq)";

impl Format {
    /// The format that `path`'s extension (any case) names; a path without one is CSV, as the
    /// readers take it (`/dev/stdout`, a pipe). `Err` holds an extension written in no format
    /// here (`.npz`, `.json`, `.txt`, …), or one this build cannot write (Parquet without the
    /// `parquet` feature).
    pub fn of(path: &Path) -> std::result::Result<Self, String> {
        let Some(ext) = path.extension() else {
            return Ok(Format::Csv);
        };
        let ext = ext.to_string_lossy();
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "npy" => Ok(Format::Npy),
            "parquet" | "pq" if cfg!(feature = "parquet") => Ok(Format::Parquet),
            _ => Err(format!(".{ext}")),
        }
    }
}

/// A point that is not a finite number: no reader takes it back.
#[derive(Debug, Clone, PartialEq)]
pub struct NotFinite {
    /// Counted from 1.
    pub point: u64,
    /// Its values, one a column.
    pub values: Vec<f64>,
}

impl std::fmt::Display for NotFinite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let values: Vec<String> = self.values.iter().map(|&v| exact(v)).collect();
        write!(
            f,
            "point {} is ({}), not finite: the settings overflow f64",
            self.point,
            values.join(", ")
        )
    }
}

/// Why a stream of points stopped.
#[derive(Debug)]
pub enum Failure {
    /// The output failed.
    Io(std::io::Error),
    /// A point is not finite; what came before it is written.
    NotFinite(NotFinite),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

#[cfg(feature = "parquet")]
impl From<parquet::errors::ParquetError> for Failure {
    fn from(e: parquet::errors::ParquetError) -> Self {
        match e {
            parquet::errors::ParquetError::External(inner) => match inner.downcast() {
                Ok(io) => Failure::Io(*io),
                Err(other) => Failure::Io(std::io::Error::other(other)),
            },
            other => Failure::Io(std::io::Error::other(other)),
        }
    }
}

/// The columns of a line's points: `x` and `y`.
pub const LINE: [&str; 2] = ["x", "y"];

/// Checks each point as it passes: the first that is not finite ends the stream, kept in
/// `bad`.
struct Checked<'a, I> {
    points: I,
    count: u64,
    bad: &'a mut Option<NotFinite>,
}

impl<const K: usize, I: Iterator<Item = [f64; K]>> Iterator for Checked<'_, I> {
    type Item = [f64; K];

    fn next(&mut self) -> Option<[f64; K]> {
        if self.bad.is_some() {
            return None;
        }
        let point = self.points.next()?;
        self.count += 1;
        if point.iter().all(|v| v.is_finite()) {
            Some(point)
        } else {
            *self.bad = Some(NotFinite {
                point: self.count,
                values: point.to_vec(),
            });
            None
        }
    }
}

/// Writes the `n` points of `points`, one value a column of `names`, to `out` as `format`.
/// `n` is the count a `.npy` header promises; a stream of another length is an error.
pub fn stream<const K: usize>(
    format: Format,
    names: [&str; K],
    n: u64,
    points: impl Iterator<Item = [f64; K]>,
    out: &mut dyn Write,
) -> std::result::Result<(), Failure> {
    let mut bad = None;
    let mut checked = Checked {
        // One more than promised is enough to tell a stream too long.
        points: points.take(usize::try_from(n.saturating_add(1)).unwrap_or(usize::MAX)),
        count: 0,
        bad: &mut bad,
    };
    let written = match format {
        Format::Csv => delimited(names, &mut checked, ',', out),
        Format::Tsv => delimited(names, &mut checked, '\t', out),
        Format::Npy => npy(n, &mut checked, out),
        #[cfg(feature = "parquet")]
        Format::Parquet => parquet(names, &mut checked, out),
        #[cfg(not(feature = "parquet"))]
        Format::Parquet => Err(std::io::Error::other("this build writes no Parquet").into()),
    };
    let count = checked.count;
    if let Some(p) = bad {
        return Err(Failure::NotFinite(p));
    }
    written?;
    if count != n {
        return Err(Failure::Io(std::io::Error::other(format!(
            "{count} points came where {n} were expected"
        ))));
    }
    Ok(())
}

/// Writes the `n` points of `points` (columns `names`) to the file `path` as `format`,
/// atomically: on any error, a point that is not finite included, no file is left (nor a
/// temporary one).
pub fn save<const K: usize>(
    path: &Path,
    format: Format,
    names: [&str; K],
    n: u64,
    points: impl Iterator<Item = [f64; K]>,
) -> Result<()> {
    let mut bad = None;
    let written = crate::io::write_atomic_stream(path, |out| {
        stream(format, names, n, points, out).map_err(|f| match f {
            Failure::Io(e) => e,
            Failure::NotFinite(p) => {
                let message = p.to_string();
                bad = Some(p);
                std::io::Error::other(message)
            }
        })
    });
    match bad {
        Some(p) => Err(Error::Data {
            at: path.display().to_string(),
            msg: format!("{p}; nothing written"),
        }),
        None => written,
    }
}

/// The shortest text that reads back as the same f64.
fn exact(v: f64) -> String {
    crate::number::exact(v, candle_core::DType::F64)
}

/// A header line of the names, then a line per point.
fn delimited<const K: usize>(
    names: [&str; K],
    points: &mut dyn Iterator<Item = [f64; K]>,
    sep: char,
    out: &mut dyn Write,
) -> std::result::Result<(), Failure> {
    let sep = sep.to_string();
    writeln!(out, "{}", names.join(&sep))?;
    for point in points {
        let values: Vec<String> = point.iter().map(|&v| exact(v)).collect();
        writeln!(out, "{}", values.join(&sep))?;
    }
    Ok(())
}

/// The header of a `.npy` (version 1.0) array of `n` rows of `k` float64: the magic string,
/// the version, the header's length and its dictionary, padded with spaces to a multiple of 64
/// bytes in all and ended by a newline, as NumPy writes it.
pub fn npy_header(n: u64, k: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({n}, {k}), }}");
    // magic (6) + version (2) + length (2) + dictionary + padding + newline.
    let unpadded = 10 + dict.len() + 1;
    let text = format!("{dict}{}\n", " ".repeat((64 - unpadded % 64) % 64));
    let mut header = b"\x93NUMPY\x01\x00".to_vec();
    // At most a few dozen bytes: a u16 holds it.
    header.extend_from_slice(&(text.len() as u16).to_le_bytes());
    header.extend_from_slice(text.as_bytes());
    header
}

fn npy<const K: usize>(
    n: u64,
    points: &mut dyn Iterator<Item = [f64; K]>,
    out: &mut dyn Write,
) -> std::result::Result<(), Failure> {
    out.write_all(&npy_header(n, K))?;
    let mut row = vec![0u8; 8 * K];
    for point in points {
        for (bytes, v) in row.chunks_exact_mut(8).zip(point) {
            bytes.copy_from_slice(&v.to_le_bytes());
        }
        out.write_all(&row)?;
    }
    Ok(())
}

/// Rows of a Parquet row group: the columns of one are held while it is written (16 MiB).
#[cfg(feature = "parquet")]
pub const ROW_GROUP: usize = 1 << 20;

/// Parquet with the low-level writer: a row group of [`ROW_GROUP`] rows at a time, each column
/// written whole (plain encoding, uncompressed: random doubles neither compress nor repeat),
/// and its bytes passed on to `out` before the next, so that memory stays flat.
#[cfg(feature = "parquet")]
fn parquet<const K: usize>(
    names: [&str; K],
    points: &mut dyn Iterator<Item = [f64; K]>,
    out: &mut dyn Write,
) -> std::result::Result<(), Failure> {
    use parquet::data_type::DoubleType;
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;

    let fields: String = names
        .iter()
        .map(|name| format!("required double {name}; "))
        .collect();
    let schema = Arc::new(parquet::schema::parser::parse_message_type(&format!(
        "message points {{ {fields}}}"
    ))?);
    let props = Arc::new(
        WriterProperties::builder()
            .set_dictionary_enabled(false)
            .set_created_by(format!("slope explore gen {}", env!("CARGO_PKG_VERSION")))
            .build(),
    );
    // The writer fills a buffer (it wants a `Send` sink), emptied into `out` after each group.
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, props)?;
    let mut drain = |writer: &mut SerializedFileWriter<Vec<u8>>| -> std::io::Result<()> {
        writer.flush()?;
        out.write_all(writer.inner_mut())?;
        writer.inner_mut().clear();
        Ok(())
    };
    let mut columns: [Vec<f64>; K] = std::array::from_fn(|_| Vec::with_capacity(ROW_GROUP));
    loop {
        columns.iter_mut().for_each(Vec::clear);
        for point in (&mut *points).take(ROW_GROUP) {
            for (column, v) in columns.iter_mut().zip(point) {
                column.push(v);
            }
        }
        let rows = columns[0].len();
        if rows == 0 {
            break;
        }
        let mut group = writer.next_row_group()?;
        for values in &columns {
            let mut column = group
                .next_column()?
                .ok_or_else(|| std::io::Error::other("the Parquet schema has too few columns"))?;
            column
                .typed::<DoubleType>()
                .write_batch(values, None, None)?;
            column.close()?;
        }
        group.close()?;
        drain(&mut writer)?;
        if rows < ROW_GROUP {
            break;
        }
    }
    writer.finish()?;
    drain(&mut writer)?;
    Ok(())
}
