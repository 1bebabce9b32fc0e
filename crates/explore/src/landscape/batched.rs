//! The plane of a built-in model (the line, the MLP) evaluated many grid points per call,
//! rather than one model run per point: the parameters of a block of grid points,
//! `θ = c + α·d1 + β·d2`, are formed together and the network runs once over the block.
//!
//! On the CPU a fused kernel does it: each thread takes grid points, forms `θ` in a scratch
//! buffer and runs the network over the data 16 samples at a time, each unit a tile of 16
//! multiply-adds per weight (vectorised for the machine's AVX2 or AVX-512 by `pulp`), in f64,
//! with a branch-free `tanh` exact to a few ulp (`model::tanh64`) (or ReLU, or the sigmoid, as the model says). Memory is a few kilobytes a
//! thread, whatever the data's size. Elsewhere (CUDA) the block is a batched matmul of candle
//! tensors, the block sized to a memory budget.

use candle_core::{DType, Device, Result, Tensor, D};
use rayon::prelude::*;

use model::Activation;

use super::Params;

/// The layers of a built-in model: for each, where its weight `(out, in)` and bias `(out,)` are
/// in a [`Params`], and its sizes; the activation that follows every layer but the last is the
/// model's own, told by its description ([`super::Model::activation`]), never guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layers {
    pub layers: Vec<Layer>,
    pub activation: Activation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The index in [`Params::tensors`] of the weight and of the bias.
    pub weight: usize,
    pub bias: usize,
    pub inputs: usize,
    pub outputs: usize,
}

impl Layers {
    /// The layers named `layer{i}.weight`/`.bias` (the MLP) or `weight`/`bias` (the line) in
    /// `params`, with `activation` between them; `None` for a model these are not.
    pub fn of(params: &Params, activation: Activation) -> Option<Self> {
        let find = |name: &str| params.names.iter().position(|n| n == name);
        let layer = |w: usize, b: usize| -> Option<Layer> {
            let dims = params.tensors[w].dims().to_vec();
            let (outputs, inputs) = match dims[..] {
                [o, i] => (o, i),
                _ => return None,
            };
            (params.tensors[b].dims() == [outputs]).then_some(Layer {
                weight: w,
                bias: b,
                inputs,
                outputs,
            })
        };
        let mut layers = Vec::new();
        if let (Some(w), Some(b)) = (find("weight"), find("bias")) {
            layers.push(layer(w, b)?);
        } else {
            for i in 0.. {
                match (
                    find(&format!("layer{i}.weight")),
                    find(&format!("layer{i}.bias")),
                ) {
                    (Some(w), Some(b)) => layers.push(layer(w, b)?),
                    _ => break,
                }
            }
        }
        let chained = layers.windows(2).all(|w| w[0].outputs == w[1].inputs);
        let all = 2 * layers.len() == params.names.len();
        (chained
            && all
            && !layers.is_empty()
            && layers[0].inputs == 1
            && layers.last()?.outputs == 1)
            .then_some(Self { layers, activation })
    }

    fn width(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.outputs.max(l.inputs))
            .max()
            .unwrap_or(1)
    }
}

/// The loss `mean((net(x) − y)²)` at `center + α·d1 + β·d2` for every `(α, β)` of
/// `alphas × betas`, α-major, for the network of `layers` on `x`, `y` `(N,)`; `progress` is
/// told how many of how many points are done.
#[allow(clippy::too_many_arguments)]
pub fn plane(
    layers: &Layers,
    center: &Params,
    (d1, d2): (&Params, &Params),
    alphas: &[f64],
    betas: &[f64],
    x: &Tensor,
    y: &Tensor,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<f64>> {
    let points: Vec<(f64, f64)> = alphas
        .iter()
        .flat_map(|&a| betas.iter().map(move |&b| (a, b)))
        .collect();
    match x.device() {
        Device::Cpu => plane_cpu(layers, center, (d1, d2), &points, x, y, progress),
        _ => plane_tensors(layers, center, (d1, d2), &points, x, y, progress),
    }
}

/// Grid points per progress report on the CPU: enough that the threads stay busy.
const PART: usize = 512;

fn plane_cpu(
    layers: &Layers,
    center: &Params,
    (d1, d2): (&Params, &Params),
    points: &[(f64, f64)],
    x: &Tensor,
    y: &Tensor,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<f64>> {
    let (c, d1, d2) = (center.flatten()?, d1.flatten()?, d2.flatten()?);
    let x = x.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let y = y.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    // Where each tensor starts in the flat parameters.
    let mut offsets = Vec::with_capacity(center.tensors.len());
    let mut at = 0;
    for t in &center.tensors {
        offsets.push(at);
        at += t.elem_count();
    }
    let net = Net {
        layers: layers
            .layers
            .iter()
            .map(|l| (offsets[l.weight], offsets[l.bias], l.inputs, l.outputs))
            .collect(),
        width: layers.width(),
        activation: layers.activation,
    };
    let arch = pulp::Arch::new();
    let mut out = Vec::with_capacity(points.len());
    for part in points.chunks(PART) {
        let losses: Vec<f64> = part
            .par_iter()
            .map_init(
                || Scratch::new(c.len(), net.width),
                |scratch, &(a, b)| {
                    for (((t, c), d1), d2) in scratch.theta.iter_mut().zip(&c).zip(&d1).zip(&d2) {
                        *t = c + a * d1 + b * d2;
                    }
                    arch.dispatch(Loss {
                        net: &net,
                        scratch,
                        x: &x,
                        y: &y,
                    })
                },
            )
            .collect();
        out.extend(losses);
        progress(out.len(), points.len());
    }
    Ok(out)
}

/// Samples per pass through the network: a tile of activations per unit, 16 wide, so that each
/// weight is loaded once for 16 multiply-adds in two (AVX-512) or four (AVX2) vector chains.
/// (Measured on the MLP 1-16-16-1: 8 wide 198k points/s, 16 wide 218k, 32 wide 115k, where
/// the tiles of a layer no longer stay in registers and L1.)
const TILE: usize = 16;

type Tile = [f64; TILE];

/// The network as offsets into a flat θ: `(weight, bias, inputs, outputs)` per layer.
struct Net {
    layers: Vec<(usize, usize, usize, usize)>,
    width: usize,
    activation: Activation,
}

/// One thread's buffers: θ, and two layers of activations, a tile per unit.
struct Scratch {
    theta: Vec<f64>,
    h: Vec<Tile>,
    z: Vec<Tile>,
}

impl Scratch {
    fn new(parameters: usize, width: usize) -> Self {
        Self {
            theta: vec![0.0; parameters],
            h: vec![[0.0; TILE]; width],
            z: vec![[0.0; TILE]; width],
        }
    }
}

/// [`Net::loss`] as a `pulp` operation: inlined into the function `pulp` compiles for the
/// machine's vector instructions (a closure would be called, and stay SSE2).
struct Loss<'a> {
    net: &'a Net,
    scratch: &'a mut Scratch,
    x: &'a [f64],
    y: &'a [f64],
}

impl pulp::WithSimd for Loss<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> f64 {
        self.net.loss(self.scratch, self.x, self.y)
    }
}

impl Net {
    /// `mean((net(x) − y)²)` with the parameters in `s.theta`.
    #[inline(always)]
    fn loss(&self, s: &mut Scratch, x: &[f64], y: &[f64]) -> f64 {
        let last = self.layers.len() - 1;
        let mut sum = 0.0;
        for (xs, ys) in x.chunks(TILE).zip(y.chunks(TILE)) {
            s.h[0] = [0.0; TILE];
            s.h[0][..xs.len()].copy_from_slice(xs);
            for (l, &(w, b, inputs, outputs)) in self.layers.iter().enumerate() {
                for o in 0..outputs {
                    let mut acc: Tile = [s.theta[b + o]; TILE];
                    let row = &s.theta[w + o * inputs..w + (o + 1) * inputs];
                    for (&weight, h) in row.iter().zip(&s.h) {
                        for (a, h) in acc.iter_mut().zip(h) {
                            *a += weight * h;
                        }
                    }
                    if l < last {
                        match self.activation {
                            Activation::Tanh => acc.iter_mut().for_each(|v| *v = model::tanh64(*v)),
                            Activation::Relu => acc.iter_mut().for_each(|v| *v = v.max(0.0)),
                            Activation::Sigmoid => {
                                acc.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp()))
                            }
                        }
                    }
                    s.z[o] = acc;
                }
                std::mem::swap(&mut s.h, &mut s.z);
            }
            sum += s.h[0]
                .iter()
                .zip(ys)
                .map(|(p, y)| (p - y) * (p - y))
                .sum::<f64>();
        }
        sum / x.len() as f64
    }
}

/// The bytes of activations a block of grid points may take on a device.
const BUDGET: usize = 256 << 20;

/// The same on any device with candle tensors: for a block of `B` grid points each layer is a
/// `(B, N, in) × (B, in, out)` batched matmul.
fn plane_tensors(
    layers: &Layers,
    center: &Params,
    (d1, d2): (&Params, &Params),
    points: &[(f64, f64)],
    x: &Tensor,
    y: &Tensor,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<f64>> {
    let n = x.elem_count();
    let dtype = x.dtype();
    let per_point = n * layers.width() * dtype.size_in_bytes() * 3;
    let block = (BUDGET / per_point.max(1)).clamp(1, 4096);
    let x = x.reshape((1, n, 1))?;
    let y = y.reshape((1, n, 1))?;
    let mut out = Vec::with_capacity(points.len());
    for part in points.chunks(block) {
        let b = part.len();
        let coefficient = |f: fn(&(f64, f64)) -> f64| -> Result<Tensor> {
            let v: Vec<f64> = part.iter().map(f).collect();
            Tensor::new(v.as_slice(), x.device())?.to_dtype(dtype)
        };
        let (alpha, beta) = (coefficient(|p| p.0)?, coefficient(|p| p.1)?);
        // θ for each point of the block: c + α·d1 + β·d2, with a leading block axis.
        let theta = |i: usize| -> Result<Tensor> {
            let shape: Vec<usize> = std::iter::once(b)
                .chain(center.tensors[i].dims().iter().copied())
                .collect();
            let ones = vec![1; center.tensors[i].rank()];
            let column = |t: &Tensor| -> Result<Tensor> {
                t.reshape(
                    std::iter::once(b)
                        .chain(ones.iter().copied())
                        .collect::<Vec<_>>(),
                )
            };
            let c = center.tensors[i]
                .unsqueeze(0)?
                .broadcast_as(shape.as_slice())?;
            let a = column(&alpha)?.broadcast_mul(&d1.tensors[i].unsqueeze(0)?)?;
            let bb = column(&beta)?.broadcast_mul(&d2.tensors[i].unsqueeze(0)?)?;
            (c + a)? + bb
        };
        let mut h = x.broadcast_as((b, n, 1))?.contiguous()?;
        let last = layers.layers.len() - 1;
        for (l, layer) in layers.layers.iter().enumerate() {
            let w = theta(layer.weight)?; // (B, out, in)
            let bias = theta(layer.bias)?.unsqueeze(1)?; // (B, 1, out)
            h = h
                .matmul(&w.transpose(1, 2)?.contiguous()?)?
                .broadcast_add(&bias)?;
            if l < last {
                h = layers.activation.apply(&h)?;
            }
        }
        let losses = h
            .broadcast_sub(&y)?
            .sqr()?
            .to_dtype(DType::F64)?
            .sum(D::Minus2)?
            .squeeze(D::Minus1)?
            .affine(1.0 / n as f64, 0.0)?;
        out.extend(losses.to_vec1::<f64>()?);
        progress(out.len(), points.len());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Also the edge of `tensors`' plane, on the CPU: the two ways agree.
    #[test]
    fn the_tensor_path_agrees_with_the_kernel() {
        let device = Device::Cpu;
        let net = super::super::Model::new(
            super::super::ModelKind::Mlp,
            &[5, 3],
            Activation::Tanh,
            7,
            DType::F64,
            &device,
        )
        .unwrap();
        let center = Params::of(net.varmap()).unwrap();
        let layers = Layers::of(&center, Activation::Tanh).unwrap();
        let d1 =
            super::super::random_direction(&center, 1, super::super::Normalization::Filter, true)
                .unwrap();
        let d2 =
            super::super::random_direction(&center, 2, super::super::Normalization::Filter, true)
                .unwrap();
        let xs: Vec<f64> = (0..300).map(|i| (i as f64 / 50.0) - 3.0).collect();
        let ys: Vec<f64> = xs.iter().map(|x| x.sin()).collect();
        let x = Tensor::new(xs.as_slice(), &device).unwrap();
        let y = Tensor::new(ys.as_slice(), &device).unwrap();
        let points: Vec<(f64, f64)> = (0..7)
            .flat_map(|i| (0..5).map(move |j| (i as f64 * 0.3 - 1.0, j as f64 * 0.4 - 0.8)))
            .collect();
        let kernel = plane_cpu(&layers, &center, (&d1, &d2), &points, &x, &y, &|_, _| {}).unwrap();
        let tensors =
            plane_tensors(&layers, &center, (&d1, &d2), &points, &x, &y, &|_, _| {}).unwrap();
        for (k, t) in kernel.iter().zip(&tensors) {
            assert!((k - t).abs() <= 1e-12 * t.abs(), "{k} vs {t}");
        }
    }
}
