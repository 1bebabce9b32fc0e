//! Standardized units for several features: a model trains on `x' = (x − mean)/std`, each
//! column over its own spread, and its parameters are read back in the data's units. A linear
//! layer on `x'` with weights `w'` and bias `b'` is the layer on `x` with `w = w'/std` and
//! `b = b' − Σ w'·mean/std`: the same for a plane, a classifier and an MLP's first layer.

use candle_core::{DType, Tensor};

use super::params::Layer;

/// Each feature's mean and (population) standard deviation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Units {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl Units {
    /// The units of the columns of `x` `(N, d)`, named `features`; a column that is the same on
    /// every point has no spread to divide by, and is refused by name.
    pub fn of(x: &Tensor, features: &[String]) -> crate::Result<Self> {
        let x = x.to_dtype(DType::F64)?;
        let mean: Vec<f64> = x.mean(0)?.to_vec1()?;
        let std: Vec<f64> = x
            .broadcast_sub(&x.mean_keepdim(0)?)?
            .sqr()?
            .mean(0)?
            .sqrt()?
            .to_vec1()?;
        let flat: Vec<&str> = std
            .iter()
            .zip(features)
            .filter(|(s, _)| !(**s > 0.0 && s.is_finite()))
            .map(|(_, f)| f.as_str())
            .collect();
        if !flat.is_empty() {
            let (one, it) = match flat.len() {
                1 => ("is", "it"),
                _ => ("are", "them"),
            };
            return Err(crate::Error::Data {
                at: flat.join(", "),
                msg: format!(
                    "{one} the same on every point, so the features cannot be standardized: \
                     leave {it} out"
                ),
            });
        }
        Ok(Self { mean, std })
    }

    /// `x` `(N, d)` in these units, in its own dtype.
    pub fn apply(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let d = self.mean.len();
        let row = |v: Vec<f64>| Tensor::from_vec(v, (1, d), x.device())?.to_dtype(x.dtype());
        let scale = row(self.std.iter().map(|s| 1.0 / s).collect())?;
        let shift = row(self
            .mean
            .iter()
            .zip(&self.std)
            .map(|(m, s)| -m / s)
            .collect())?;
        x.broadcast_mul(&scale)?.broadcast_add(&shift)
    }

    /// The layer on the data that `layer` (on standardized features) is.
    pub fn to_data(&self, layer: &Layer) -> Layer {
        self.map(layer, |w, mean, std| (w / std, -w * mean / std))
    }

    /// The layer on standardized features that `layer` (on the data) is.
    pub fn to_standard(&self, layer: &Layer) -> Layer {
        self.map(layer, |w, mean, std| (w * std, w * mean))
    }

    /// Each weight `w` becomes `f(w).0`, and each output's bias gains `Σ f(w).1`.
    fn map(&self, layer: &Layer, f: impl Fn(f64, f64, f64) -> (f64, f64)) -> Layer {
        let mut out = layer.clone();
        for (row, bias) in out.weight.chunks_mut(layer.inputs).zip(&mut out.bias) {
            for ((w, &mean), &std) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                let (scaled, shift) = f(*w, mean, std);
                *w = scaled;
                *bias += shift;
            }
        }
        out
    }
}
