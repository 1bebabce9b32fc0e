//! The line's parameters on disk: safetensors with PyTorch's names and shapes.

use candle_core::{DType, Tensor};

/// Saves the line's parameters as safetensors in `dtype`: `weight` `(1, 1)` and, when
/// learnable, `bias` `(1,)`, the shapes of PyTorch's `nn.Linear(1, 1)`.
pub fn save_line(
    (weight, bias): (f64, Option<f64>),
    dtype: DType,
    path: &std::path::Path,
) -> crate::Result<()> {
    let cpu = candle_core::Device::Cpu;
    let mut tensors = std::collections::HashMap::new();
    let w = Tensor::new(&[[weight]], &cpu)?.to_dtype(dtype)?;
    tensors.insert("weight".to_string(), w);
    if let Some(b) = bias {
        tensors.insert(
            "bias".to_string(),
            Tensor::new(&[b], &cpu)?.to_dtype(dtype)?,
        );
    }
    crate::io::write_atomic_with(path, |tmp| candle_core::safetensors::save(&tensors, tmp))
}

/// Reads parameters saved by [`save_line`]: the weight, and the bias if the file has one.
pub fn load_line(path: &std::path::Path) -> crate::Result<(f64, Option<f64>)> {
    let at = path.display().to_string();
    let bad = |msg: String| crate::Error::Data {
        at: at.clone(),
        msg,
    };
    // A line's parameters are a few hundred bytes: refuse a folder, a device or a stream
    // (`/dev/zero`), or anything large, before reading it.
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(bad("is a directory, not a .safetensors file".into()))
        }
        Ok(meta) if !meta.is_file() => {
            return Err(bad("is not a regular file, not a .safetensors file".into()))
        }
        Ok(meta) if meta.len() > 1 << 20 => {
            return Err(bad(format!(
                "is {} bytes, too large for a line's parameters (at most 1 MiB)",
                meta.len()
            )))
        }
        _ => {}
    }
    let tensors = candle_core::safetensors::load(path, &candle_core::Device::Cpu).map_err(|e| {
        bad(format!(
            "cannot read parameters: {}",
            first_line(&e.to_string())
        ))
    })?;
    let value = |name: &str| -> crate::Result<Option<f64>> {
        let Some(t) = tensors.get(name) else {
            return Ok(None);
        };
        if t.elem_count() != 1 {
            return Err(bad(format!(
                "`{name}` has shape {:?}; a line has one value",
                t.dims()
            )));
        }
        let v = model::scalar(t)?;
        if !v.is_finite() {
            return Err(bad(format!("`{name}` is {v}, not a finite number")));
        }
        Ok(Some(v))
    };
    let weight = value("weight")?.ok_or_else(|| bad("no `weight` tensor in the file".into()))?;
    Ok((weight, value("bias")?))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
