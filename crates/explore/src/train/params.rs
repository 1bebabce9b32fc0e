//! The line's parameters on disk: safetensors with PyTorch's names and shapes.

use std::collections::HashMap;

use candle_core::{DType, Tensor};

use model::Activation;

use super::line::{Resume, Standardize};
use crate::optim::{Algorithm, OptimState};

/// A line read back by [`load_line`]: its parameters in the data's units, and where its run
/// ended when the file says so (files of other programs have only the parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub weight: f64,
    pub bias: Option<f64>,
    pub resume: Option<Resume>,
}

/// The line's two parameters, in the order of the model's and the optimizer's.
const PARAMS: [&str; 2] = ["weight", "bias"];
/// The header key that marks a file with a run's end, and the prefix of its other keys.
const RUN: &str = "slope.optimizer";

/// Saves the line's parameters as safetensors in `dtype`: `weight` `(1, 1)` and, when
/// learnable, `bias` `(1,)`, the shapes of PyTorch's `nn.Linear(1, 1)`. With `resume` (a run's
/// [`Fit::end`](super::Fit::end)), also what continuing exactly needs: the optimizer's buffers
/// and the parameters as trained (`optimizer.NAME.K`, `trained.NAME`, in `dtype`) and the step
/// count, epochs, batches, shuffle and units in the header.
pub fn save_line(
    line: (f64, Option<f64>),
    resume: Option<&Resume>,
    dtype: DType,
    path: &std::path::Path,
) -> crate::Result<()> {
    crate::io::write_atomic(path, &line_safetensors(line, resume, dtype)?)
}

/// The file [`save_line`] writes, as bytes (the playground sends them).
pub fn line_safetensors(
    (weight, bias): (f64, Option<f64>),
    resume: Option<&Resume>,
    dtype: DType,
) -> crate::Result<Vec<u8>> {
    let cpu = candle_core::Device::Cpu;
    let scalar = |v: f64, name: &str| -> candle_core::Result<Tensor> {
        let t = Tensor::new(&[v], &cpu)?.to_dtype(dtype)?;
        // The weight as nn.Linear(1, 1)'s `(1, 1)`.
        if name == "weight" {
            t.reshape((1, 1))
        } else {
            Ok(t)
        }
    };
    let mut tensors = HashMap::new();
    tensors.insert("weight".to_string(), scalar(weight, "weight")?);
    if let Some(b) = bias {
        tensors.insert("bias".to_string(), scalar(b, "bias")?);
    }
    let mut header = None;
    if let Some(r) = resume {
        let trained = [Some(r.trained.0), r.trained.1];
        for (name, value) in PARAMS.iter().zip(trained) {
            if let Some(v) = value {
                tensors.insert(format!("trained.{name}"), scalar(v, name)?);
            }
        }
        for (name, buffers) in PARAMS.iter().zip(&r.state.buffers) {
            for (k, values) in buffers.iter().enumerate() {
                let t = Tensor::new(values.as_slice(), &cpu)?.to_dtype(dtype)?;
                tensors.insert(format!("optimizer.{name}.{k}"), t);
            }
        }
        let buffers = r.state.buffers.first().map_or(0, Vec::len);
        let units = r
            .standardize
            .map_or("none".to_string(), |u| format!("{:?},{:?}", u.mean, u.std));
        let batch = r.batch_size.map_or("none".to_string(), |b| b.to_string());
        header = Some(HashMap::from([
            (RUN.to_string(), r.optimizer.name().to_string()),
            ("slope.steps".to_string(), r.state.steps.to_string()),
            ("slope.buffers".to_string(), buffers.to_string()),
            ("slope.epochs".to_string(), r.epochs.to_string()),
            ("slope.batch_size".to_string(), batch),
            ("slope.shuffle".to_string(), r.shuffle.to_string()),
            ("slope.seed".to_string(), r.seed.to_string()),
            ("slope.standardize".to_string(), units),
            ("slope.dtype".to_string(), r.dtype.as_str().to_string()),
            ("slope.points".to_string(), r.points.to_string()),
            ("slope.loss".to_string(), r.loss.clone()),
        ]));
    }
    crate::io::safetensors_bytes(&tensors, header)
}

/// The run's end that [`save_line`] wrote in `header` and `tensors`; `None` for a file without
/// one.
fn read_resume(
    header: &HashMap<String, String>,
    tensors: &HashMap<String, Tensor>,
    learn_bias: bool,
) -> Result<Option<Resume>, String> {
    let Some(name) = header.get(RUN) else {
        return Ok(None);
    };
    let optimizer = Algorithm::ALL
        .iter()
        .copied()
        .find(|k| k.name() == name)
        .ok_or_else(|| format!("`{RUN}` is `{name}`, not an optimizer"))?;
    let field = |key: &str| -> Result<&str, String> {
        header
            .get(&format!("slope.{key}"))
            .map(String::as_str)
            .ok_or_else(|| format!("the header has no `slope.{key}`"))
    };
    fn parse<T: std::str::FromStr>(key: &str, text: &str) -> Result<T, String> {
        text.parse()
            .map_err(|_| format!("`slope.{key}` is `{text}`, not a number"))
    }
    // Counts no run reaches (10¹⁵ updates) are a damaged or crafted file, not a run's end.
    let counted = |key: &str| -> Result<u64, String> {
        let n: u64 = parse(key, field(key)?)?;
        match n {
            n if n <= 1_000_000_000_000_000 => Ok(n),
            n => Err(format!("`slope.{key}` is {n}, more than any run takes")),
        }
    };
    let value = |name: &str| -> Result<f64, String> {
        let t = tensors
            .get(name)
            .ok_or_else(|| format!("no `{name}` tensor in the file"))?;
        let values = flat(t)?;
        match values.as_slice() {
            [v] if v.is_finite() => Ok(*v),
            _ => Err(format!("`{name}` is not one finite number")),
        }
    };
    let params = if learn_bias { 2 } else { 1 };
    let count: usize = parse("buffers", field("buffers")?)?;
    let mut buffers = Vec::with_capacity(params);
    for name in &PARAMS[..params] {
        let mut own = Vec::with_capacity(count);
        for k in 0..count.min(4) {
            let key = format!("optimizer.{name}.{k}");
            let t = tensors
                .get(&key)
                .ok_or_else(|| format!("no `{key}` tensor in the file"))?;
            let values = flat(t)?;
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return Err(format!("`{key}` holds {v}, not a finite number"));
            }
            own.push(values);
        }
        buffers.push(own);
    }
    let standardize = match field("standardize")? {
        "none" => None,
        text => {
            let (mean, std) = text
                .split_once(',')
                .ok_or_else(|| format!("`slope.standardize` is `{text}`"))?;
            Some(Standardize {
                mean: parse("standardize", mean)?,
                std: parse("standardize", std)?,
            })
        }
    };
    Ok(Some(Resume {
        optimizer,
        state: OptimState {
            steps: counted("steps")?,
            buffers,
        },
        epochs: counted("epochs")? as usize,
        trained: (
            value("trained.weight")?,
            learn_bias.then(|| value("trained.bias")).transpose()?,
        ),
        batch_size: match field("batch_size")? {
            "none" => None,
            text => Some(parse("batch_size", text)?),
        },
        shuffle: parse("shuffle", field("shuffle")?)?,
        seed: parse("seed", field("seed")?)?,
        standardize,
        points: counted("points")? as usize,
        // Files from before losses were chosen were all trained under MSE.
        loss: header
            .get("slope.loss")
            .cloned()
            .unwrap_or_else(|| "MSE".to_string()),
        dtype: match field("dtype")? {
            "f32" => DType::F32,
            "f64" => DType::F64,
            other => return Err(format!("`slope.dtype` is `{other}`, not f32 or f64")),
        },
    }))
}

/// A tensor's values as f64, whatever its float dtype.
fn flat(t: &Tensor) -> Result<Vec<f64>, String> {
    t.flatten_all()
        .and_then(|t| t.to_dtype(DType::F64))
        .and_then(|t| t.to_vec1())
        .map_err(|e| first_line(&e.to_string()).to_string())
}

/// Reads parameters saved by [`save_line`]: the weight, the bias if the file has one, and the
/// run's end if it was saved.
pub fn load_line(path: &std::path::Path) -> crate::Result<Saved> {
    let at = path.display().to_string();
    let bad = |msg: String| crate::Error::Data {
        at: at.clone(),
        msg,
    };
    // A line's parameters are a few hundred bytes.
    let (tensors, header) = read_file(path, 1 << 20, "a line's parameters")?;
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
    let bias = value("bias")?;
    let resume = read_resume(&header, &tensors, bias.is_some())
        .map_err(|why| bad(format!("the saved run cannot be continued: {why}")))?;
    Ok(Saved {
        weight,
        bias,
        resume,
    })
}

/// The tensors and the header of the safetensors file at `path`, refusing a folder, a device or
/// a stream (`/dev/zero`), or a file over `most` bytes (too large for `what`), before reading
/// it.
fn read_file(
    path: &std::path::Path,
    most: u64,
    what: &str,
) -> crate::Result<(HashMap<String, Tensor>, HashMap<String, String>)> {
    let bad = |msg: String| crate::Error::Data {
        at: path.display().to_string(),
        msg,
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(bad("is a directory, not a .safetensors file".into()))
        }
        Ok(meta) if !meta.is_file() => {
            return Err(bad("is not a regular file, not a .safetensors file".into()))
        }
        Ok(meta) if meta.len() > most => {
            return Err(bad(format!(
                "is {} bytes, too large for {what} (at most {} MiB)",
                meta.len(),
                most >> 20
            )))
        }
        _ => {}
    }
    let unreadable = |e: &dyn std::fmt::Display| {
        bad(format!(
            "cannot read parameters: {}",
            first_line(&e.to_string())
        ))
    };
    let bytes = std::fs::read(path).map_err(|e| unreadable(&e))?;
    let tensors = candle_core::safetensors::load_buffer(&bytes, &candle_core::Device::Cpu)
        .map_err(|e| unreadable(&e))?;
    let (_, metadata) =
        safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| unreadable(&e))?;
    Ok((tensors, metadata.metadata().clone().unwrap_or_default()))
}

/// A linear layer's parameters as plain data: `weight` `(outputs, inputs)` row-major, as
/// PyTorch's `nn.Linear(inputs, outputs)` holds it, and a bias an output.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Layer {
    pub weight: Vec<f64>,
    pub inputs: usize,
    pub bias: Vec<f64>,
}

impl Layer {
    /// `outputs × inputs` weights all `weight`, every bias `bias`.
    pub fn every(outputs: usize, inputs: usize, weight: f64, bias: f64) -> Self {
        Self {
            weight: vec![weight; outputs * inputs],
            inputs,
            bias: vec![bias; outputs],
        }
    }

    pub fn outputs(&self) -> usize {
        self.bias.len()
    }

    /// The layer's values, from its tensors.
    pub fn of(weight: &Tensor, bias: &Tensor) -> candle_core::Result<Self> {
        let values = |t: &Tensor| t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>();
        Ok(Self {
            weight: values(weight)?,
            inputs: weight.dim(1)?,
            bias: values(bias)?,
        })
    }

    /// The weight `(outputs, inputs)` and the bias `(outputs,)` as tensors.
    pub fn tensors(
        &self,
        dtype: DType,
        device: &candle_core::Device,
    ) -> candle_core::Result<(Tensor, Tensor)> {
        let shape = (self.outputs(), self.inputs);
        Ok((
            Tensor::from_vec(self.weight.clone(), shape, device)?.to_dtype(dtype)?,
            Tensor::from_vec(self.bias.clone(), self.outputs(), device)?.to_dtype(dtype)?,
        ))
    }
}

/// A network's layers as [`load_layers`] reads them, with its activation when the file names
/// one.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub layers: Vec<Layer>,
    pub activation: Option<Activation>,
    /// The features it was trained on, in its inputs' order, when the file names them.
    pub features: Option<Vec<String>>,
}

impl Network {
    /// The network with its inputs in the order of `features`: a file that names the features
    /// it was trained on gives each weight to its feature (in any order, any case); other
    /// features are refused by name. A file that names none is taken in order.
    pub fn for_features(mut self, features: &[String], at: &str) -> crate::Result<Self> {
        let Some(saved) = self.features.clone() else {
            return Ok(self);
        };
        let order: Option<Vec<usize>> = features
            .iter()
            .map(|f| saved.iter().position(|s| crate::data::same_name(s, f)))
            .collect();
        match order {
            Some(order) if order.len() == saved.len() => {
                if let Some(first) = self.layers.first_mut() {
                    let inputs = first.inputs;
                    first.weight = first
                        .weight
                        .chunks(inputs)
                        .flat_map(|row| order.iter().map(move |&j| row[j]))
                        .collect();
                }
                self.features = Some(features.to_vec());
                Ok(self)
            }
            _ => Err(crate::Error::Data {
                at: at.to_string(),
                msg: format!(
                    "it was trained on the features {}, and the data's are {}",
                    saved.join(", "),
                    features.join(", ")
                ),
            }),
        }
    }
}

/// The header key that names an MLP's activation.
const ACTIVATION: &str = "slope.activation";
/// The header key that names the features, in the inputs' order (a JSON list).
const FEATURES: &str = "slope.features";

/// Saves `layers` as safetensors in `dtype`, with PyTorch's names and shapes: one layer as
/// `nn.Linear`'s `weight` and `bias`; several as `nn.Sequential(Linear, activation, Linear,
/// …)`'s `0.weight`, `0.bias`, `2.weight`, …; the `features` it takes and the activation in the
/// header.
pub fn save_layers(
    layers: &[Layer],
    about: (Activation, &[String]),
    dtype: DType,
    path: &std::path::Path,
) -> crate::Result<()> {
    crate::io::write_atomic(path, &layers_safetensors(layers, about, dtype)?)
}

/// The file [`save_layers`] writes, as bytes (the playground sends them).
pub fn layers_safetensors(
    layers: &[Layer],
    (activation, features): (Activation, &[String]),
    dtype: DType,
) -> crate::Result<Vec<u8>> {
    let cpu = candle_core::Device::Cpu;
    let mut tensors = HashMap::new();
    for (i, layer) in layers.iter().enumerate() {
        let prefix = match layers.len() {
            1 => String::new(),
            _ => format!("{}.", 2 * i),
        };
        let (weight, bias) = layer.tensors(dtype, &cpu)?;
        tensors.insert(format!("{prefix}weight"), weight);
        tensors.insert(format!("{prefix}bias"), bias);
    }
    let mut header = HashMap::from([(
        FEATURES.to_string(),
        serde_json::to_string(features).map_err(|e| candle_core::Error::Msg(e.to_string()))?,
    )]);
    if layers.len() > 1 {
        header.insert(ACTIVATION.to_string(), activation.name().to_string());
    }
    crate::io::safetensors_bytes(&tensors, Some(header))
}

/// Reads the layers [`save_layers`] wrote (or PyTorch saved with those names): each weight
/// `(outputs, inputs)` with a bias an output, each layer's inputs the last one's outputs, every
/// value finite.
pub fn load_layers(path: &std::path::Path) -> crate::Result<Network> {
    let bad = |msg: String| crate::Error::Data {
        at: path.display().to_string(),
        msg,
    };
    let (tensors, header) = read_file(path, 1 << 30, "a network's parameters")?;
    let names: Vec<String> = match tensors.contains_key("weight") {
        true => vec![String::new()],
        false => (0..)
            .map(|i| format!("{}.", 2 * i))
            .take_while(|p| tensors.contains_key(&format!("{p}weight")))
            .collect(),
    };
    if names.is_empty() {
        return Err(bad(
            "no `weight` (a linear layer) or `0.weight` (a network's first layer) tensor in \
             the file"
                .into(),
        ));
    }
    let mut layers: Vec<Layer> = Vec::with_capacity(names.len());
    for prefix in &names {
        let (w, b) = (format!("{prefix}weight"), format!("{prefix}bias"));
        let weight = &tensors[&w];
        let Some(bias) = tensors.get(&b) else {
            return Err(bad(format!("no `{b}` tensor beside `{w}`")));
        };
        let (outputs, inputs) = match weight.dims() {
            &[o, i] => (o, i),
            dims => {
                return Err(bad(format!(
                    "`{w}` has shape {dims:?}; a layer's is (out, in)"
                )))
            }
        };
        if bias.dims() != [outputs] {
            return Err(bad(format!(
                "`{b}` has shape {:?}; `{w}` ({outputs}, {inputs}) takes a bias of ({outputs},)",
                bias.dims()
            )));
        }
        if let Some(below) = layers.last() {
            if below.outputs() != inputs {
                return Err(bad(format!(
                    "`{w}` takes {inputs} inputs, and the layer below gives {}",
                    below.outputs()
                )));
            }
        }
        let layer = Layer::of(weight, bias)?;
        if layer
            .weight
            .iter()
            .chain(&layer.bias)
            .any(|v| !v.is_finite())
        {
            return Err(bad(format!(
                "`{w}` or `{b}` holds a value that is not finite"
            )));
        }
        layers.push(layer);
    }
    let activation = match header.get(ACTIVATION) {
        None => None,
        Some(name) => Some(
            Activation::ALL
                .into_iter()
                .find(|a| a.name() == name)
                .ok_or_else(|| bad(format!("`{ACTIVATION}` is `{name}`, not an activation")))?,
        ),
    };
    let features = match header.get(FEATURES) {
        None => None,
        Some(text) => {
            let names: Vec<String> = serde_json::from_str(text)
                .map_err(|_| bad(format!("`{FEATURES}` is `{text}`, not a list of names")))?;
            if names.len() != layers[0].inputs {
                return Err(bad(format!(
                    "`{FEATURES}` names {} features for a first layer of {} inputs",
                    names.len(),
                    layers[0].inputs
                )));
            }
            Some(names)
        }
    };
    Ok(Network {
        layers,
        activation,
        features,
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
