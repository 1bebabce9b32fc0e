//! A point (or a direction) in a model's parameter space: a copy of every variable of a
//! `VarMap`, in name order, with the vector arithmetic the landscapes need.

use candle_core::{DType, Result, Tensor};
use candle_nn::VarMap;

/// A point (or a direction) in parameter space: one tensor per variable, in name order.
#[derive(Debug, Clone)]
pub struct Params {
    pub names: Vec<String>,
    pub tensors: Vec<Tensor>,
}

/// The variables of `varmap` sorted by name, so that every walk over them has one order.
pub(crate) fn sorted_vars(varmap: &VarMap) -> Vec<(String, candle_core::Var)> {
    let data = varmap
        .data()
        .lock()
        .expect("the VarMap lock is never poisoned");
    let mut vars: Vec<_> = data.iter().map(|(n, v)| (n.clone(), v.clone())).collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

impl Params {
    /// A copy of the current parameters of `varmap`.
    pub fn of(varmap: &VarMap) -> Result<Self> {
        let (names, tensors) = sorted_vars(varmap)
            .into_iter()
            .map(|(n, v)| Ok((n, v.as_tensor().copy()?)))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        Ok(Self { names, tensors })
    }

    /// Writes these values into the variables of `varmap`, in place.
    pub fn set_into(&self, varmap: &VarMap) -> Result<()> {
        let vars = sorted_vars(varmap);
        if vars.len() != self.names.len() || vars.iter().zip(&self.names).any(|(v, n)| &v.0 != n) {
            candle_core::bail!("landscape: these parameters do not belong to this VarMap");
        }
        for ((_, var), t) in vars.iter().zip(&self.tensors) {
            var.set(t)?;
        }
        Ok(())
    }

    fn zip_with(
        &self,
        other: &Params,
        f: impl Fn(&Tensor, &Tensor) -> Result<Tensor>,
    ) -> Result<Params> {
        if self.names != other.names {
            candle_core::bail!("landscape: parameter sets of different models");
        }
        let tensors = self
            .tensors
            .iter()
            .zip(&other.tensors)
            .map(|(a, b)| f(a, b))
            .collect::<Result<_>>()?;
        Ok(Params {
            names: self.names.clone(),
            tensors,
        })
    }

    /// `self + a·d`.
    pub fn add_scaled(&self, d: &Params, a: f64) -> Result<Params> {
        self.zip_with(d, |x, d| x + d.affine(a, 0.0)?)
    }

    /// `self − other`.
    pub fn sub(&self, other: &Params) -> Result<Params> {
        self.zip_with(other, |a, b| a - b)
    }

    /// The dot product over every parameter, in f64.
    pub fn dot(&self, other: &Params) -> Result<f64> {
        let mut sum = 0.0;
        for (a, b) in self.tensors.iter().zip(&other.tensors) {
            let (a, b) = (a.to_dtype(DType::F64)?, b.to_dtype(DType::F64)?);
            sum += (a * b)?.sum_all()?.to_scalar::<f64>()?;
        }
        Ok(sum)
    }

    /// Every value in one `f64` vector, in name order.
    pub fn flatten(&self) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        for t in &self.tensors {
            out.extend(t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?);
        }
        Ok(out)
    }

    /// Parameters shaped like `self` holding the values of `flat` (in name order).
    pub fn unflatten(&self, flat: &[f64]) -> Result<Params> {
        let mut at = 0;
        let mut tensors = Vec::with_capacity(self.tensors.len());
        for t in &self.tensors {
            let n = t.elem_count();
            let part = flat
                .get(at..at + n)
                .ok_or_else(|| candle_core::Error::Msg("landscape: too few values".into()))?;
            tensors.push(
                Tensor::new(part, t.device())?
                    .to_dtype(t.dtype())?
                    .reshape(t.shape())?,
            );
            at += n;
        }
        Ok(Params {
            names: self.names.clone(),
            tensors,
        })
    }
}

/// The header's key for the model the parameters belong to.
const MODEL: &str = "slope.model";

impl Params {
    /// Saves the parameters as safetensors, each tensor under its name, and the model they
    /// belong to (`model`, as "mlp 1-16-16-1 relu" describes it, activation included) as
    /// `slope.model` in the header: what [`Params::load_like`] reads back, and what candle's
    /// `VarMap::load` and the `safetensors` package of PyTorch read.
    pub fn save(&self, path: &std::path::Path, model: &str) -> crate::Result<()> {
        crate::io::write_atomic(path, &self.safetensors(model)?)
    }

    /// The file [`Params::save`] writes, as bytes (the playground sends them).
    pub fn safetensors(&self, model: &str) -> crate::Result<Vec<u8>> {
        let tensors: std::collections::HashMap<String, Tensor> = self
            .names
            .iter()
            .cloned()
            .zip(self.tensors.iter().cloned())
            .collect();
        let about = [(MODEL.to_string(), model.to_string())].into();
        crate::io::safetensors_bytes(&tensors, Some(about))
    }

    /// Reads parameters saved by [`Params::save`] for a model shaped like `self` and described
    /// as `model`: every one of its names with its shape, finite, converted to its dtype and
    /// device. A file that names another model (another activation, say, which no shape
    /// shows) is refused; a file that names none is read by its names and shapes alone.
    pub fn load_like(&self, path: &std::path::Path, model: &str) -> crate::Result<Params> {
        let at = path.display().to_string();
        let bad = |msg: String| crate::Error::Data {
            at: at.clone(),
            msg,
        };
        let values: usize = self.tensors.iter().map(Tensor::elem_count).sum();
        // Refuse a folder, a device or a stream (`/dev/zero`), or a file far larger than the
        // model's parameters, before reading it.
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(bad("is a directory, not a .safetensors file".into()))
            }
            Ok(meta) if !meta.is_file() => {
                return Err(bad("is not a regular file, not a .safetensors file".into()))
            }
            Ok(meta) if meta.len() > (values as u64 * 8 + (1 << 20)) => {
                return Err(bad(format!(
                    "is {} bytes, far more than this model's {values} parameters",
                    meta.len()
                )))
            }
            _ => {}
        }
        let unreadable = |e: &dyn std::fmt::Display| {
            let e = e.to_string();
            bad(format!(
                "cannot read parameters: {}",
                e.lines().next().unwrap_or("")
            ))
        };
        let bytes = std::fs::read(path).map_err(|e| unreadable(&e))?;
        let file = candle_core::safetensors::load_buffer(&bytes, &candle_core::Device::Cpu)
            .map_err(|e| unreadable(&e))?;
        let (_, header) =
            safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| unreadable(&e))?;
        let saved = header.metadata().as_ref().and_then(|m| m.get(MODEL));
        if let Some(saved) = saved.filter(|saved| *saved != model) {
            return Err(
                bad(format!("the parameters are of {saved}, not of {model}"))
                    .mend(crate::Remedy::SavedModel),
            );
        }
        let mut tensors = Vec::with_capacity(self.tensors.len());
        for (name, like) in self.names.iter().zip(&self.tensors) {
            let t = file.get(name).ok_or_else(|| {
                let mut has: Vec<&String> = file.keys().collect();
                has.sort();
                bad(format!(
                    "no `{name}` in the file (it has: {})",
                    has.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .mend(crate::Remedy::SavedModel)
            })?;
            if t.dims() != like.dims() {
                return Err(bad(format!(
                    "`{name}` has shape {:?}, this model's has {:?}",
                    t.dims(),
                    like.dims()
                ))
                .mend(crate::Remedy::SavedModel));
            }
            let values = t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return Err(bad(format!("`{name}` holds {v}, not a finite number")));
            }
            tensors.push(t.to_dtype(like.dtype())?.to_device(like.device())?);
        }
        Ok(Params {
            names: self.names.clone(),
            tensors,
        })
    }
}
