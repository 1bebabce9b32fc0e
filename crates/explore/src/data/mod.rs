//! The points a line is fitted to: read from a file ([`csv`]), given as `--point X,Y` pairs, or
//! generated ([`gen`]). Every problem is reported with the file, line and column it is at.

pub mod csv;
pub mod gen;

use candle_core::{DType, Device, Tensor};
use model::Moments;

use crate::{Error, Result};

pub use self::csv::{read_csv, to_csv, write_csv, Columns};

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

    /// Refuses data that `dtype` cannot hold, rather than letting it become infinite: in f32, a
    /// value beyond ±3.4e38.
    pub fn check_dtype(&self, dtype: DType) -> Result<()> {
        if dtype != DType::F32 {
            return Ok(());
        }
        let beyond = |v: &f64| v.abs() > f64::from(f32::MAX);
        let found = [("x", &self.x), ("y", &self.y)]
            .into_iter()
            .find_map(|(name, col)| col.iter().position(beyond).map(|i| (name, i, col[i])));
        match found {
            Some((name, i, v)) => Err(Error::Data {
                at: self.source.clone(),
                msg: format!(
                    "{name} = {v:e} (point {}) is beyond f32's range (±3.4e38) and would become \
                     infinite: use --dtype f64",
                    i + 1
                ),
            }),
            None => Ok(()),
        }
    }

    /// The sufficient statistics for MSE of a line, in `f64`.
    pub fn moments(&self) -> Moments {
        Moments::from_points(&self.x, &self.y)
    }

    /// The data set of the given points, described as `point (-3, 3)` for one point and as
    /// `--point` for several.
    pub fn from_points(points: &[(f64, f64)]) -> Self {
        let source = match points {
            [(x, y)] => format!("point ({x}, {y})"),
            _ => "--point".to_string(),
        };
        let (x, y) = points.iter().copied().unzip();
        Self { x, y, source }
    }

    /// The points as `(x, y)` pairs.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.x.iter().copied().zip(self.y.iter().copied()).collect()
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
        crate::number::parse_finite(s)
            .map_err(|e| bad(format!("{name} {e}; expected X,Y (e.g. --point -3,3)")))
    };
    Ok((number(xs, "X")?, number(ys, "Y")?))
}
