//! NumPy's formats: a `.npy` array of shape `(N, 2)` (column 0 is x, column 1 is y), or a
//! `.npz` archive with a 1-D array for each of x and y, named by `--x` and `--y` (as
//! `np.savez("d.npz", x=x, y=y)` writes; `np.savez_compressed` too).
//!
//! The arrays are streamed in slices, never held whole, and the header is checked against the
//! size of what follows before anything is read, so a damaged file is refused at once. Floats
//! and integers of any width and either byte order are read; a value that is not finite is
//! refused with its index.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::{Collect, Columns, Dataset, Load};
use crate::{Error, Result};

/// The element type of an array: its kind (`f`, `i`, `u`), width in bytes and byte order.
#[derive(Debug, Clone, Copy)]
struct Descr {
    kind: u8,
    size: usize,
    big_endian: bool,
}

impl Descr {
    fn parse(text: &str) -> std::result::Result<Self, String> {
        let unsupported = || {
            format!("dtype `{text}` is not supported (floats of 4 or 8 bytes, or integers, are)")
        };
        let mut chars = text.chars();
        let order = match text.chars().next() {
            Some(c @ ('<' | '>' | '=' | '|')) => {
                chars.next();
                c
            }
            _ => '=',
        };
        let kind = chars
            .next()
            .filter(char::is_ascii)
            .ok_or_else(unsupported)? as u8;
        let size: usize = chars.as_str().parse().map_err(|_| unsupported())?;
        let ok = match kind {
            b'f' => matches!(size, 4 | 8),
            b'i' | b'u' => matches!(size, 1 | 2 | 4 | 8),
            _ => false,
        };
        if !ok {
            return Err(unsupported());
        }
        Ok(Self {
            kind,
            size,
            big_endian: order == '>' || (order == '=' && cfg!(target_endian = "big")),
        })
    }

    /// The value of one element's bytes.
    fn value(&self, b: &[u8]) -> f64 {
        let mut raw = [0u8; 8];
        raw[..self.size].copy_from_slice(b);
        if self.big_endian {
            raw[..self.size].reverse();
        }
        let sign_extend = |bits: u32| (i64::from_le_bytes(raw) << (64 - bits)) >> (64 - bits);
        match (self.kind, self.size) {
            (b'f', 4) => f64::from(f32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]])),
            (b'f', _) => f64::from_le_bytes(raw),
            (b'i', n) => sign_extend(8 * n as u32) as f64,
            (_, _) => u64::from_le_bytes(raw) as f64,
        }
    }
}

/// What a `.npy` header says of its array.
#[derive(Debug)]
struct Header {
    descr: Descr,
    fortran_order: bool,
    shape: Vec<usize>,
    /// Where the data starts, from the beginning of the array's bytes.
    data_start: u64,
}

impl Header {
    fn elements(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
    }

    fn shape_text(&self) -> String {
        match &self.shape[..] {
            [n] => format!("({n},)"),
            dims => format!(
                "({})",
                dims.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The value after `'key':` in a header's dictionary.
fn entry<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let at = dict
        .find(&format!("'{key}'"))
        .or_else(|| dict.find(&format!("\"{key}\"")))?;
    let rest = dict[at + key.len() + 2..].trim_start();
    Some(rest.strip_prefix(':')?.trim_start())
}

/// Reads the magic string, version and header dictionary of a `.npy` array.
fn read_header(r: &mut impl Read) -> std::result::Result<Header, String> {
    let short = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "too short to be a NumPy array".to_string(),
        _ => format!("cannot read: {e}"),
    };
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic).map_err(short)?;
    if &magic[..6] != b"\x93NUMPY" {
        return Err("not a NumPy array (no \\x93NUMPY magic string)".into());
    }
    let len_bytes = match magic[6] {
        1 => 2,
        2 | 3 => 4,
        v => return Err(format!("NumPy format version {v} is not supported")),
    };
    let mut len = [0u8; 4];
    r.read_exact(&mut len[..len_bytes])
        .map_err(|_| "the header is cut short".to_string())?;
    let len = u32::from_le_bytes(len) as usize;
    if len > 1 << 20 {
        return Err("the header is over 1 MiB: not a NumPy array".into());
    }
    let mut dict = vec![0u8; len];
    r.read_exact(&mut dict)
        .map_err(|_| "the header is cut short".to_string())?;
    let dict = String::from_utf8_lossy(&dict);
    let descr = entry(&dict, "descr").ok_or("the header has no dtype (descr)")?;
    let descr = match descr.chars().next() {
        Some(q @ ('\'' | '"')) => descr[1..]
            .split(q)
            .next()
            .ok_or("the header's dtype is not closed")?,
        _ => {
            return Err("a structured array is not supported: save a plain array of numbers".into())
        }
    };
    let descr = Descr::parse(descr)?;
    let fortran_order = entry(&dict, "fortran_order").is_some_and(|v| v.starts_with("True"));
    let shape = entry(&dict, "shape")
        .and_then(|v| v.strip_prefix('('))
        .and_then(|v| v.split(')').next())
        .ok_or("the header has no shape")?;
    let shape = shape
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<usize>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| format!("the header's shape ({shape}) is not a tuple of sizes"))?;
    Ok(Header {
        descr,
        fortran_order,
        shape,
        data_start: (8 + len_bytes + len) as u64,
    })
}

/// `len` elements of type `descr` from `r`, read as f64 a slice at a time.
struct Elements<R> {
    r: R,
    descr: Descr,
    len: usize,
    bytes: Vec<u8>,
}

impl<R: Read> Elements<R> {
    fn new(r: R, descr: Descr, n: usize) -> Self {
        Self {
            r,
            descr,
            len: n,
            bytes: Vec::new(),
        }
    }

    /// The next `k` values, into `out`.
    fn next(&mut self, k: usize, out: &mut Vec<f64>) -> std::io::Result<()> {
        self.bytes.resize(k * self.descr.size, 0);
        self.r.read_exact(&mut self.bytes)?;
        out.clear();
        out.extend(
            self.bytes
                .chunks_exact(self.descr.size)
                .map(|b| self.descr.value(b)),
        );
        Ok(())
    }
}

/// Refuses a value that is not finite, naming it as NumPy would (`x[17]`, from 0).
fn check_finite(file: &str, name: &str, first: usize, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::Data {
            at: file.to_string(),
            msg: format!(
                "{name}[{}] = {} is not a finite number",
                first + i,
                values[i]
            ),
        }),
        None => Ok(()),
    }
}

/// Reads `n` points, a slice of at most [`model::GROUP`] at a time, by `next(k, x, y)` (the
/// next `k` values of each column), into a [`Collect`], refusing a value that is not finite.
fn collect_columns(
    file: &str,
    (x_name, y_name): (&str, &str),
    n: usize,
    mut next: impl FnMut(usize, &mut Vec<f64>, &mut Vec<f64>) -> std::io::Result<()>,
    load: Load,
) -> Result<Dataset> {
    let failed = |e: std::io::Error| Error::Data {
        at: file.to_string(),
        msg: match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "the array data is cut short (the file is shorter than its header says)".into()
            }
            _ => format!("cannot read: {e}"),
        },
    };
    let mut collect = Collect::new(file.to_string(), load, n);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    while collect.n() < n {
        let first = collect.n();
        next((n - first).min(model::GROUP), &mut x, &mut y).map_err(failed)?;
        check_finite(file, x_name, first, &x)?;
        check_finite(file, y_name, first, &y)?;
        collect.push(&x, &y)?;
    }
    Ok(collect.finish())
}

/// Reads a `.npy` array of shape `(N, 2)`: column 0 is x, column 1 is y.
pub fn read_npy(path: &Path, load: Load) -> Result<Dataset> {
    let file = path.display().to_string();
    let bad = |msg: String| Error::Data {
        at: file.clone(),
        msg,
    };
    let open = || File::open(path).map_err(|e| bad(format!("cannot read: {e}")));
    let mut reader = BufReader::new(open()?);
    let header = read_header(&mut reader).map_err(bad)?;
    let n = match header.shape[..] {
        [n, 2] if n > 0 => n,
        _ => {
            return Err(bad(format!(
                "an array of shape {} is not data points: a .npy must be (N, 2), column 0 x \
                 and column 1 y (np.save(\"d.npy\", np.column_stack([x, y])))",
                header.shape_text()
            )))
        }
    };
    let size = header.descr.size;
    let need = (header.elements().unwrap_or(usize::MAX) as u64).saturating_mul(size as u64);
    let have = std::fs::metadata(path)
        .map_or(0, |m| m.len())
        .saturating_sub(header.data_start);
    if have < need {
        return Err(bad(format!(
            "the array data is cut short: shape {} needs {need} bytes, the file has {have}",
            header.shape_text()
        )));
    }
    if header.fortran_order {
        // Column-major: all of x, then all of y; read the two columns side by side.
        let column = |k: u64| -> Result<Elements<BufReader<File>>> {
            let mut f = open()?;
            f.seek(SeekFrom::Start(header.data_start + k * (n * size) as u64))
                .map_err(|e| bad(format!("cannot read: {e}")))?;
            Ok(Elements::new(BufReader::new(f), header.descr, n))
        };
        let (mut xs, mut ys) = (column(0)?, column(1)?);
        return collect_columns(
            &file,
            ("x", "y"),
            n,
            |k, x, y| {
                xs.next(k, x)?;
                ys.next(k, y)
            },
            load,
        );
    }
    // Row-major: x and y interleaved.
    let mut rows = Elements::new(reader, header.descr, 2 * n);
    let mut both = Vec::new();
    collect_columns(
        &file,
        ("x", "y"),
        n,
        |k, x, y| {
            rows.next(2 * k, &mut both)?;
            x.clear();
            y.clear();
            for pair in both.chunks_exact(2) {
                x.push(pair[0]);
                y.push(pair[1]);
            }
            Ok(())
        },
        load,
    )
}

/// Reads the arrays named by `columns` (`x` and `y` by default) from a `.npz` archive: each
/// 1-D, `(N,)` or `(N, 1)`, of the same length.
pub fn read_npz(path: &Path, columns: &Columns, load: Load) -> Result<Dataset> {
    let file = path.display().to_string();
    let bad = |msg: String| Error::Data {
        at: file.clone(),
        msg,
    };
    let open = || -> Result<Archive> {
        let f = File::open(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        zip::ZipArchive::new(BufReader::new(f))
            .map_err(|e| bad(format!("not a .npz archive ({e})")))
    };
    // (the array's name, its entry's name): `np.savez` stores array `x` as `x.npy`.
    let names: Vec<(String, String)> = open()?
        .file_names()
        .filter_map(|n| n.ok())
        .map(|n| {
            (
                n.strip_suffix(".npy").unwrap_or(&n).to_string(),
                n.to_string(),
            )
        })
        .collect();
    // Each column is read from its own handle on the archive, so both stream side by side.
    let column = |name: &str| -> Result<(String, String, Archive)> {
        let (array, entry) = find_array(&names, name, &file)?;
        Ok((array.clone(), entry.clone(), open()?))
    };
    let (x_name, x_entry, mut x_archive) = column(&columns.x)?;
    let (y_name, y_entry, mut y_archive) = column(&columns.y)?;
    let mut xs = npz_array(&mut x_archive, &x_name, &x_entry).map_err(bad)?;
    let mut ys = npz_array(&mut y_archive, &y_name, &y_entry).map_err(bad)?;
    if xs.len != ys.len {
        return Err(bad(format!(
            "array `{x_name}` has {} values but `{y_name}` has {}",
            xs.len, ys.len
        )));
    }
    let n = xs.len;
    collect_columns(
        &file,
        (&x_name, &y_name),
        n,
        |k, x, y| {
            xs.next(k, x)?;
            ys.next(k, y)
        },
        load,
    )
}

type Archive = zip::ZipArchive<BufReader<File>>;

/// The one `(array, entry)` of an archive's `entries` that `name` names, in any case; none is
/// an error that lists the arrays there are, two an error too.
fn find_array<'a>(
    entries: &'a [(String, String)],
    name: &str,
    file: &str,
) -> Result<&'a (String, String)> {
    let found: Vec<&(String, String)> = entries
        .iter()
        .filter(|(n, _)| super::same_name(n, name))
        .collect();
    match found[..] {
        [one] => Ok(one),
        [] => Err(super::no_column(
            file.to_string(),
            name,
            "array",
            entries.iter().map(|(n, _)| n.clone()).collect(),
        )),
        _ => Err(Error::Data {
            at: file.to_string(),
            msg: format!("the archive names `{name}` twice"),
        }),
    }
}

/// The elements of the 1-D array `name` of an archive, checked against the size of its entry.
fn npz_array<'a>(
    archive: &'a mut Archive,
    name: &str,
    entry: &str,
) -> std::result::Result<Elements<BufReader<zip::read::ZipFile<'a, BufReader<File>>>>, String> {
    let entry = archive
        .by_name(entry)
        .map_err(|e| format!("cannot read array `{name}`: {e}"))?;
    let declared = entry.size();
    let mut entry = BufReader::new(entry);
    let header = read_header(&mut entry).map_err(|e| format!("array `{name}`: {e}"))?;
    let n = match header.shape[..] {
        [n] | [n, 1] if n > 0 => n,
        _ => {
            return Err(format!(
                "array `{name}` has shape {}: x and y must be 1-D arrays of the same length",
                header.shape_text()
            ))
        }
    };
    let need = (n as u64).saturating_mul(header.descr.size as u64);
    if declared.saturating_sub(header.data_start) < need {
        return Err(format!("array `{name}` is cut short"));
    }
    Ok(Elements::new(entry, header.descr, n))
}

/// Reads whole columns of a `.npy` table for a labelled table: an array `(N, K)` whose columns
/// are `x1` … `x(K−1)` and `label` (also called `y`), as `explore gen` writes them. Each of
/// `names` picks one; the result is its name as the file calls it and its values.
pub fn read_npy_columns(path: &Path, names: &[&str]) -> Result<Vec<(String, Vec<f64>)>> {
    let file = path.display().to_string();
    let bad = |msg: String| Error::Data {
        at: file.clone(),
        msg,
    };
    let mut reader =
        BufReader::new(File::open(path).map_err(|e| bad(format!("cannot read: {e}")))?);
    let header = read_header(&mut reader).map_err(bad)?;
    let (n, k) = match header.shape[..] {
        [n, k] if n > 0 && k >= 2 => (n, k),
        _ => {
            return Err(bad(format!(
                "an array of shape {} is not a table: a labelled .npy is (N, K), columns x1 … \
                 x(K−1) then the label, as explore gen writes it",
                header.shape_text()
            )))
        }
    };
    let columns: Vec<String> = (1..k)
        .map(|j| format!("x{j}"))
        .chain(["label".to_string()])
        .collect();
    let at: Vec<usize> = names
        .iter()
        .map(
            |name| match columns.iter().position(|c| super::same_name(c, name)) {
                Some(j) => Ok(j),
                None if super::same_name(name, "y") => Ok(k - 1),
                None => Err(super::no_column(
                    file.clone(),
                    name,
                    "column",
                    columns.clone(),
                )),
            },
        )
        .collect::<Result<_>>()?;
    let mut values = Vec::new();
    Elements::new(reader, header.descr, n * k)
        .next(n * k, &mut values)
        .map_err(|e| bad(format!("the array data is cut short or unreadable ({e})")))?;
    // Row-major: row i's column j at i·K + j; column-major at j·N + i.
    let value = |i: usize, j: usize| match header.fortran_order {
        true => values[j * n + i],
        false => values[i * k + j],
    };
    Ok(at
        .iter()
        .map(|&j| (columns[j].clone(), (0..n).map(|i| value(i, j)).collect()))
        .collect())
}

/// Reads whole arrays of a `.npz` archive for a labelled table, each 1-D of the same length:
/// each of `names` picks one; the result is its name as the archive calls it and its values.
pub fn read_npz_columns(path: &Path, names: &[&str]) -> Result<Vec<(String, Vec<f64>)>> {
    let file = path.display().to_string();
    let bad = |msg: String| Error::Data {
        at: file.clone(),
        msg,
    };
    let f = File::open(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(f))
        .map_err(|e| bad(format!("not a .npz archive ({e})")))?;
    let entries: Vec<(String, String)> = archive
        .file_names()
        .filter_map(|n| n.ok())
        .map(|n| {
            (
                n.strip_suffix(".npy").unwrap_or(&n).to_string(),
                n.to_string(),
            )
        })
        .collect();
    let mut out: Vec<(String, Vec<f64>)> = Vec::with_capacity(names.len());
    for name in names {
        let (array, entry) = find_array(&entries, name, &file)?;
        let mut values = Vec::new();
        let mut elements = npz_array(&mut archive, array, entry).map_err(&bad)?;
        let len = elements.len;
        elements
            .next(len, &mut values)
            .map_err(|e| bad(format!("array `{array}` is cut short or unreadable ({e})")))?;
        if let Some((first, v)) = out.first() {
            if v.len() != values.len() {
                return Err(bad(format!(
                    "array `{first}` has {} values but `{array}` has {}",
                    v.len(),
                    values.len()
                )));
            }
        }
        out.push((array.to_string(), values));
    }
    Ok(out)
}
