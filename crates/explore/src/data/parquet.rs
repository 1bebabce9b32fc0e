//! Parquet files: the x and y columns by name (`--x`, `--y`; any case), floats or integers,
//! read with the Apache `parquet` crate a row group and a slice at a time. A null is refused
//! with its row.

use std::fs::File;
use std::path::Path;

use parquet::basic::{ConvertedType, LogicalType, Type as Physical};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::{ColumnDescriptor, SchemaDescriptor};

use super::table::Values;
use super::{Collect, Columns, Dataset, Load};
use crate::{Error, Result};

/// One column of a row group, as f64.
struct Column {
    reader: ColumnReader,
    /// Whether an integer column holds unsigned values.
    unsigned: bool,
    /// The definition level of a value that is present; below it, a null.
    defined: i16,
}

/// Reads up to `k` records of `reader` as f64: `Err(i)` if record `i` of them is null.
fn records<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    k: usize,
    defined: i16,
    out: &mut Vec<f64>,
    to_f64: impl Fn(&T::T) -> f64,
) -> parquet::errors::Result<std::result::Result<(), usize>>
where
    T::T: Clone,
{
    let (mut values, mut levels) = (Vec::with_capacity(k), Vec::with_capacity(k));
    out.clear();
    while out.len() < k {
        values.clear();
        levels.clear();
        let (records, _, _) =
            reader.read_records(k - out.len(), Some(&mut levels), None, &mut values)?;
        if records == 0 {
            break;
        }
        if defined > 0 {
            if let Some(i) = levels.iter().position(|&l| l < defined) {
                return Ok(Err(out.len() + i));
            }
        }
        out.extend(values.iter().map(&to_f64));
    }
    Ok(Ok(()))
}

impl Column {
    /// The next `k` values (fewer at the end of the row group): `Err(i)` if the `i`-th is null.
    fn next(
        &mut self,
        k: usize,
        out: &mut Vec<f64>,
    ) -> parquet::errors::Result<std::result::Result<(), usize>> {
        let (defined, unsigned) = (self.defined, self.unsigned);
        match &mut self.reader {
            ColumnReader::DoubleColumnReader(r) => records(r, k, defined, out, |&v| v),
            ColumnReader::FloatColumnReader(r) => records(r, k, defined, out, |&v| f64::from(v)),
            ColumnReader::Int32ColumnReader(r) => records(r, k, defined, out, |&v| {
                if unsigned {
                    f64::from(v as u32)
                } else {
                    f64::from(v)
                }
            }),
            ColumnReader::Int64ColumnReader(r) => records(r, k, defined, out, |&v| {
                if unsigned {
                    v as u64 as f64
                } else {
                    v as f64
                }
            }),
            // Refused when the column was found.
            _ => Ok(Ok(())),
        }
    }
}

/// Whether a column holds plain numbers, and whether they are unsigned; else what it holds.
fn numeric(column: &ColumnDescriptor) -> std::result::Result<bool, String> {
    match column.physical_type() {
        Physical::FLOAT | Physical::DOUBLE | Physical::INT32 | Physical::INT64 => {}
        Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY => return Err("text or bytes".into()),
        Physical::BOOLEAN => return Err("booleans".into()),
        Physical::INT96 => return Err("INT96 timestamps".into()),
    }
    match column.logical_type_ref() {
        None => {}
        Some(LogicalType::Integer(t)) => return Ok(!t.is_signed),
        // `Decimal(..)` → "decimal values": the kind's name, not its parameters.
        Some(other) => {
            let kind = format!("{other:?}");
            let kind = kind.split(['(', ' ', '{']).next().unwrap_or("other");
            return Err(format!("{} values", kind.to_lowercase()));
        }
    }
    match column.converted_type() {
        ConvertedType::NONE
        | ConvertedType::INT_8
        | ConvertedType::INT_16
        | ConvertedType::INT_32
        | ConvertedType::INT_64 => Ok(false),
        ConvertedType::UINT_8
        | ConvertedType::UINT_16
        | ConvertedType::UINT_32
        | ConvertedType::UINT_64 => Ok(true),
        other => Err(format!("{other} values").to_lowercase()),
    }
}

/// The one top-level column of `schema` that `name` names, in any case (a column inside a struct
/// or a list is no column of a table); none is an error that lists those there are, two an
/// error too.
fn find_column(schema: &SchemaDescriptor, name: &str, file: &str) -> Result<usize> {
    let top: Vec<usize> = (0..schema.num_columns())
        .filter(|&i| schema.column(i).path().parts().len() == 1)
        .collect();
    let found: Vec<usize> = top
        .iter()
        .copied()
        .filter(|&i| super::same_name(schema.column(i).name(), name))
        .collect();
    match found[..] {
        [i] => Ok(i),
        [] => Err(super::no_column(
            file.to_string(),
            name,
            "column",
            top.iter()
                .map(|&i| schema.column(i).name().to_string())
                .collect(),
        )),
        _ => Err(Error::Data {
            at: file.to_string(),
            msg: format!("two columns are named `{name}`"),
        }),
    }
}

/// Reads the columns named by `columns` of a Parquet file.
pub fn read_parquet(path: &Path, columns: &Columns, load: Load) -> Result<Dataset> {
    let file = path.display().to_string();
    let bad = |msg: String| Error::Data {
        at: file.clone(),
        msg,
    };
    let handle = File::open(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let reader =
        SerializedFileReader::new(handle).map_err(|e| bad(format!("not a Parquet file ({e})")))?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let find = |name: &str| -> Result<(usize, bool)> {
        let i = find_column(schema, name, &file)?;
        let unsigned = numeric(&schema.column(i)).map_err(|what| {
            bad(format!(
                "column `{name}` holds {what}, not numbers (floats or integers)"
            ))
        })?;
        Ok((i, unsigned))
    };
    let (xi, x_unsigned) = find(&columns.x)?;
    let (yi, y_unsigned) = find(&columns.y)?;
    let rows = meta.file_metadata().num_rows().max(0) as usize;
    let mut collect = Collect::new(file.clone(), load, rows);
    let failed = |e: parquet::errors::ParquetError| bad(format!("cannot read: {e}"));
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g).map_err(failed)?;
        let column = |i: usize, unsigned: bool| -> Result<Column> {
            Ok(Column {
                reader: group.get_column_reader(i).map_err(failed)?,
                unsigned,
                defined: schema.column(i).max_def_level(),
            })
        };
        let (mut xs, mut ys) = (column(xi, x_unsigned)?, column(yi, y_unsigned)?);
        loop {
            let first = collect.n();
            let null = |name: &str, i: usize| {
                bad(format!(
                    "row {} (from 0) of column `{name}` is null; drop or fill the missing values \
                     first",
                    first + i
                ))
            };
            xs.next(model::GROUP, &mut x)
                .map_err(failed)?
                .map_err(|i| null(&columns.x, i))?;
            ys.next(model::GROUP, &mut y)
                .map_err(failed)?
                .map_err(|i| null(&columns.y, i))?;
            if x.len() != y.len() {
                return Err(bad(format!(
                    "columns `{}` and `{}` differ in length",
                    columns.x, columns.y
                )));
            }
            if x.is_empty() {
                break;
            }
            for (name, values) in [(&columns.x, &x), (&columns.y, &y)] {
                if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                    return Err(bad(format!(
                        "row {} (from 0) of column `{name}` is {}, not a finite number",
                        first + i,
                        values[i]
                    )));
                }
            }
            collect.push(&x, &y)?;
        }
    }
    if collect.n() == 0 {
        return Err(bad("no rows".into()));
    }
    Ok(collect.finish())
}

/// Reads whole columns of a Parquet file for a labelled table: each of `names` picks one, of
/// numbers or of UTF-8 text; the result is its name as the file calls it and its values.
pub fn read_parquet_columns(path: &Path, names: &[&str]) -> Result<Vec<(String, Values)>> {
    let file = path.display().to_string();
    let bad = |msg: String| Error::Data {
        at: file.clone(),
        msg,
    };
    let handle = File::open(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let reader =
        SerializedFileReader::new(handle).map_err(|e| bad(format!("not a Parquet file ({e})")))?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let failed = |e: parquet::errors::ParquetError| bad(format!("cannot read: {e}"));
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let i = find_column(schema, name, &file)?;
        let descriptor = schema.column(i);
        let text = descriptor.physical_type() == Physical::BYTE_ARRAY
            && (matches!(descriptor.logical_type_ref(), Some(LogicalType::String))
                || descriptor.converted_type() == ConvertedType::UTF8);
        let unsigned = match text {
            true => false,
            false => numeric(&descriptor).map_err(|what| {
                bad(format!(
                    "column `{name}` holds {what}, not numbers (floats or integers) or text"
                ))
            })?,
        };
        let defined = descriptor.max_def_level();
        let null = |row: usize| {
            bad(format!(
                "row {row} (from 0) of column `{name}` is null; drop or fill the missing values \
                 first"
            ))
        };
        let (mut numbers, mut texts) = (Vec::new(), Vec::new());
        for g in 0..reader.num_row_groups() {
            let group = reader.get_row_group(g).map_err(failed)?;
            let column_reader = group.get_column_reader(i).map_err(failed)?;
            match (text, column_reader) {
                (true, ColumnReader::ByteArrayColumnReader(mut r)) => loop {
                    let (mut values, mut levels) = (Vec::new(), Vec::new());
                    let (records, _, _) = r
                        .read_records(model::GROUP, Some(&mut levels), None, &mut values)
                        .map_err(failed)?;
                    if records == 0 {
                        break;
                    }
                    if let Some(k) = levels.iter().position(|&l| defined > 0 && l < defined) {
                        return Err(null(texts.len() + k));
                    }
                    for v in &values {
                        let t = std::str::from_utf8(v.data()).map_err(|_| {
                            bad(format!("column `{name}` holds text that is not UTF-8"))
                        })?;
                        texts.push(t.to_string());
                    }
                },
                (_, column_reader) => {
                    let mut column = Column {
                        reader: column_reader,
                        unsigned,
                        defined,
                    };
                    let mut chunk = Vec::new();
                    loop {
                        column
                            .next(model::GROUP, &mut chunk)
                            .map_err(failed)?
                            .map_err(|k| null(numbers.len() + k))?;
                        if chunk.is_empty() {
                            break;
                        }
                        numbers.extend_from_slice(&chunk);
                    }
                }
            }
        }
        let values = match text {
            true => Values::Texts(texts),
            false => Values::Numbers(numbers),
        };
        out.push((descriptor.name().to_string(), values));
    }
    Ok(out)
}
