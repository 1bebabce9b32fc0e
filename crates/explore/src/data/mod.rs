//! The points a line is fitted to: read from a file ([`read`]: CSV, NumPy or Parquet), given as
//! `--point X,Y` pairs, or generated ([`gen`]). Every problem is reported with the file and,
//! where the form has them, the line and column (or row) it is at.
//!
//! Every reader hands its points, a slice at a time, to one [`Collect`]: it gathers the moments
//! (always, in f64, in constant memory) and, when the run needs them, the values, once, in the
//! run's dtype. So every form gives the same numbers, and `--method moments` reads a file of any
//! size without holding it.

pub mod csv;
pub mod gen;
pub mod npy;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod table;
pub mod write;

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use model::{Accumulator, Moments};

use crate::{Error, Result};

pub use self::csv::{read_csv, to_csv, write_csv, Columns};

/// What a run in a dtype needs of its data. Either way a value beyond the dtype's range is
/// refused, as the run could not hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// The moments only (a sweep or surface by `--method moments`): the points are not kept.
    Moments(DType),
    /// The points too, as `(N,)` tensors of this dtype.
    Points(DType),
}

/// A data set of `(x, y)` points and where it came from: its moments, and its points unless it
/// was read with [`Load::Moments`].
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The file name, or a description of the `--point` flags, for titles and messages.
    pub source: String,
    moments: Moments,
    /// `x` and `y`, `(N,)` on the CPU in the dtype they were read as.
    points: Option<(Tensor, Tensor)>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.moments.n()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sufficient statistics for MSE of a line, accumulated in `f64` from the values as
    /// written (before any rounding to f32).
    pub fn moments(&self) -> Moments {
        self.moments
    }

    fn stored(&self) -> Result<&(Tensor, Tensor)> {
        self.points.as_ref().ok_or_else(|| {
            Error::Usage(format!(
                "{}: the points were not kept (read for the moments only)",
                self.source
            ))
        })
    }

    /// `x` and `y` as `(N,)` tensors of `dtype` on `device`: no copy when they were read in
    /// that dtype and the device is the CPU.
    pub fn tensors(&self, dtype: DType, device: &Device) -> Result<(Tensor, Tensor)> {
        let (x, y) = self.stored()?;
        let to = |t: &Tensor| t.to_dtype(dtype)?.to_device(device);
        Ok((to(x)?, to(y)?))
    }

    /// Calls `f` with the points, as f64, a slice of at most [`model::GROUP`] at a time: in
    /// bounded memory whatever the size of the data.
    pub fn for_each_slice(&self, mut f: impl FnMut(&[f64], &[f64])) -> Result<()> {
        let (x, y) = self.stored()?;
        let slice = |t: &Tensor, start: usize, len: usize| -> Result<Vec<f64>> {
            Ok(t.narrow(0, start, len)?
                .to_dtype(DType::F64)?
                .to_vec1::<f64>()?)
        };
        let n = self.len();
        for start in (0..n).step_by(model::GROUP) {
            let len = model::GROUP.min(n - start);
            f(&slice(x, start, len)?, &slice(y, start, len)?);
        }
        Ok(())
    }

    /// `x` and `y` as f64 vectors.
    pub fn values(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        let (mut xs, mut ys) = (
            Vec::with_capacity(self.len()),
            Vec::with_capacity(self.len()),
        );
        self.for_each_slice(|x, y| {
            xs.extend_from_slice(x);
            ys.extend_from_slice(y);
        })?;
        Ok((xs, ys))
    }

    /// The points to draw as `(x, y)` pairs: every one up to [`PLOT_POINTS`], else that many
    /// spread evenly through the data (a cloud of more is no different to the eye, and the
    /// picture stays quick to draw and small).
    pub fn plot_points(&self) -> Vec<(f64, f64)> {
        let (n, keep) = (self.len(), PLOT_POINTS);
        let mut points = Vec::with_capacity(n.min(keep));
        let mut at = 0;
        // An empty result is the honest answer for points that were not kept.
        let _ = self.for_each_slice(|x, y| {
            for i in 0..x.len() {
                let k = at + i;
                // Point k is drawn when it is the first of its 1/keep share of the data.
                if n <= keep || (k * keep) % n < keep {
                    points.push((x[i], y[i]));
                }
            }
            at += x.len();
        });
        points
    }

    /// The data set of the given points, held in f64, described as `point (-3, 3)` for one
    /// point and as `the points given` for several.
    pub fn from_points(points: &[(f64, f64)]) -> Self {
        // f64 holds every finite f64.
        Self::from_points_as(points, Load::Points(DType::F64)).expect("f64 takes every point")
    }

    /// [`Dataset::from_points`] as `load` asks: in f32, a value beyond its range is refused.
    pub fn from_points_as(points: &[(f64, f64)], load: Load) -> Result<Self> {
        let source = match points {
            [(x, y)] => format!("point ({x}, {y})"),
            _ => "the points given".to_string(),
        };
        let (x, y): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
        let mut collect = Collect::new(source, load, x.len());
        collect.push(&x, &y)?;
        Ok(collect.finish())
    }

    /// The points at `rows` (indices in order), as a data set of their own named `source`, in
    /// the dtype these were read as (an empty set for a set read without its points).
    pub fn rows(&self, rows: &[usize], source: String) -> Result<Self> {
        let (x, y) = self.values()?;
        let dtype = match &self.points {
            Some((x, _)) => x.dtype(),
            None => DType::F64,
        };
        let (x, y): (Vec<f64>, Vec<f64>) = rows.iter().map(|&i| (x[i], y[i])).unzip();
        let mut collect = Collect::new(source, Load::Points(dtype), x.len());
        collect.push(&x, &y)?;
        Ok(collect.finish())
    }

    /// The points that train and those held out for validation: `share` of them at random
    /// (drawn from `seed`, as `--val-split` draws them), or all of them and none.
    pub fn held_out(&self, share: Option<f64>, seed: u64) -> crate::Result<(Self, Option<Self>)> {
        let Some(share) = share else {
            return Ok((self.clone(), None));
        };
        let (train, val) = crate::train::split_both(self.len(), share, seed, None)?;
        let held = self.rows(&val, format!("{} (held out)", self.source))?;
        Ok((self.rows(&train, self.source.clone())?, Some(held)))
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

/// The most points a figure draws of the data; see [`Dataset::plot_points`].
pub const PLOT_POINTS: usize = 20_000;

/// Where every reader puts its points: the moments always, the values too (once, in the
/// dtype of the run) when [`Load::Points`] asks for them.
pub struct Collect {
    source: String,
    load: Load,
    moments: Accumulator,
    store: Store,
}

enum Store {
    None,
    F32(Vec<f32>, Vec<f32>),
    F64(Vec<f64>, Vec<f64>),
}

impl Collect {
    /// A collection for `source`, with room for `expected` points (a guess is fine: more grow
    /// the columns as needed).
    pub fn new(source: String, load: Load, expected: usize) -> Self {
        // A file's own count is a guess too, and may be wrong: room is made for at most this
        // many points at first.
        let expected = expected.min(1 << 24);
        let store = match load {
            Load::Moments(_) => Store::None,
            Load::Points(DType::F64) => {
                Store::F64(Vec::with_capacity(expected), Vec::with_capacity(expected))
            }
            Load::Points(_) => {
                Store::F32(Vec::with_capacity(expected), Vec::with_capacity(expected))
            }
        };
        Self {
            source,
            load,
            moments: Accumulator::new(),
            store,
        }
    }

    /// The number of points so far.
    pub fn n(&self) -> usize {
        self.moments.n()
    }

    /// Makes room for `total` points in all, in one step, where the columns would otherwise
    /// double as they fill (and briefly hold three times the data). A guess, so at most 2²⁴
    /// points more than there are: a file's size can promise rows it does not hold.
    pub fn expect(&mut self, total: usize) {
        let total = total.min(self.n() + (1 << 24));
        fn room<T>(v: &mut Vec<T>, total: usize) {
            if total > v.capacity() {
                v.reserve_exact(total - v.len());
            }
        }
        match &mut self.store {
            Store::None => {}
            Store::F32(x, y) => {
                room(x, total);
                room(y, total);
            }
            Store::F64(x, y) => {
                room(x, total);
                room(y, total);
            }
        }
    }

    /// Adds the points `(x[i], y[i])`, all finite. In f32 a value beyond its range (±3.4e38) is
    /// refused rather than let become infinite.
    pub fn push(&mut self, x: &[f64], y: &[f64]) -> Result<()> {
        let (Load::Moments(dtype) | Load::Points(dtype)) = self.load;
        if dtype != DType::F64 {
            let beyond = |v: &f64| v.abs() > f64::from(f32::MAX);
            let found = [("x", x), ("y", y)]
                .into_iter()
                .find_map(|(name, col)| col.iter().position(beyond).map(|i| (name, i, col[i])));
            if let Some((name, i, v)) = found {
                return Err(Error::Data {
                    at: self.source.clone(),
                    msg: format!(
                        "{name} = {v:e} (point {}) is beyond f32's range (±3.4e38) and would \
                         become infinite",
                        self.moments.n() + i + 1
                    ),
                }
                .mend(crate::Remedy::F64));
            }
        }
        if let Store::F32(xs, ys) = &mut self.store {
            xs.extend(x.iter().map(|&v| v as f32));
            ys.extend(y.iter().map(|&v| v as f32));
        } else if let Store::F64(xs, ys) = &mut self.store {
            xs.extend_from_slice(x);
            ys.extend_from_slice(y);
        }
        self.moments.push(x, y);
        Ok(())
    }

    /// The data set, its columns moved into tensors without a copy.
    pub fn finish(self) -> Dataset {
        fn tensor<T: candle_core::WithDType>(mut v: Vec<T>) -> Tensor {
            v.shrink_to_fit();
            let n = v.len();
            // A vector of n values is always an (n,) tensor.
            Tensor::from_vec(v, n, &Device::Cpu).expect("a vector makes a tensor")
        }
        let points = match self.store {
            Store::None => None,
            Store::F32(x, y) => Some((tensor(x), tensor(y))),
            Store::F64(x, y) => Some((tensor(x), tensor(y))),
        };
        debug_assert!(points.is_some() == matches!(self.load, Load::Points(_)));
        Dataset {
            source: self.source,
            moments: self.moments.finish(),
            points,
        }
    }
}

/// Reads a data file by its [`Form`]: `.npy` and `.npz` ([`npy`]), `.parquet` and `.pq`
/// ([`parquet`]), anything else (and standard input, `-`) as CSV ([`csv`]).
pub fn read(path: &Path, columns: &Columns, load: Load) -> Result<Dataset> {
    if path.is_dir() {
        return Err(Error::Data {
            at: path.display().to_string(),
            msg: "is a directory, not a data file".into(),
        });
    }
    match Form::of(path) {
        Form::Npy => npy::read_npy(path, load),
        Form::Npz => npy::read_npz(path, columns, load),
        #[cfg(feature = "parquet")]
        Form::Parquet => parquet::read_parquet(path, columns, load),
        #[cfg(not(feature = "parquet"))]
        Form::Parquet => Err(Error::Data {
            at: path.display().to_string(),
            msg: "this build reads no Parquet: build it with the default `parquet` feature".into(),
        }),
        Form::Csv => csv::read(path, columns, load),
    }
}

/// The form of a data file, told by its extension (any case); CSV for any other, and for
/// standard input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Csv,
    Npy,
    Npz,
    Parquet,
}

/// Whether a column (or array) is the one `--x`/`--y` names: the same name in any case, in any
/// script (`Ä` is `ä`, `STRASSE` is `straße`), by Unicode's case mappings.
pub fn same_name(a: &str, b: &str) -> bool {
    let fold = |s: &str| -> String {
        s.chars()
            .flat_map(char::to_uppercase)
            .flat_map(char::to_lowercase)
            .collect()
    };
    a == b || fold(a) == fold(b)
}

impl Form {
    /// `.npy`, `.npz`, `.parquet` or `.pq`, else CSV.
    pub fn of(path: &Path) -> Self {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("npy") => Form::Npy,
            Some("npz") => Form::Npz,
            Some("parquet" | "pq") => Form::Parquet,
            _ => Form::Csv,
        }
    }
}

/// The one column of a header `names` that `name` names, in any case; none is an error that
/// lists those there are, two an error too. `at` is where the header is, `FILE:LINE`.
pub(crate) fn find_column(names: &[String], name: &str, at: &str) -> Result<usize> {
    let found: Vec<usize> = (0..names.len())
        .filter(|&i| same_name(&names[i], name))
        .collect();
    match found[..] {
        [i] => Ok(i),
        [] => Err(no_column(at.to_string(), name, "column", names.to_vec())),
        _ => Err(Error::Data {
            at: at.to_string(),
            msg: format!("the header names `{name}` twice"),
        }),
    }
}

/// The error of a column (or an array) the data does not have, `has` those it has, mended by
/// naming the columns.
pub(crate) fn no_column(at: String, name: &str, what: &'static str, has: Vec<String>) -> Error {
    Error::NoColumn {
        at,
        name: name.to_string(),
        what,
        has,
    }
    .mend(crate::Remedy::NameColumns)
}
