//! A small MLP's forward and backward passes on the CPU in one go, fenced off from the lesson:
//! candle runs a 2-16-16-1 network as a matmul, a bias and an activation a layer, each a pass
//! over an `(N, 16)` tensor it allocates, and their gradients as as many again. Here a block of
//! rows goes through every layer while it sits in L1, forward and then back; the hidden
//! activations of the forward pass wait in the op for the backward pass. Everywhere else
//! (another device or dtype, a layer wider than [`WIDEST`]) [`crate::Mlp`] is candle's ops;
//! tests hold the two equal.
//!
//! A block's values are held as columns (a unit's value for every row of the block), so that
//! each loop runs along rows and the compiler vectorises it for the vector width picked at run
//! time (pulp: AVX-512, AVX2 + FMA, or scalar).

use std::any::Any;
use std::ops::{Add, AddAssign, Mul, MulAssign, Sub};
use std::sync::Mutex;

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Result, Shape, Storage, Tensor};
use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use crate::Activation;

/// The widest layer the fused pass takes. Its time grows as the square of the width, as a
/// matmul's does, and it stayed ahead of candle's ops at every width measured (2-w-w-1 tanh,
/// forward and backward of 10,000 rows, f32, a program on the system allocator: 0.46 ms
/// against 9.6 ms at w = 16, 2.8 ms against 39 ms at w = 64, candle's 60 ms at w = 96); past
/// 256 a block's columns no longer fit the caches they are laid out for.
pub const WIDEST: usize = 256;

/// Rows a block: a block's columns, of every layer, stay in L1 and L2.
const ROWS: usize = 128;

/// Blocks a task, split across threads.
const BLOCKS: usize = 16;

/// The outputs `(N, out)` of the network whose layers are `(weight, bias)` pairs (PyTorch's
/// `nn.Linear` shapes, `(out, in)` and `(out,)`), `activation` between them, on `x` `(N, in)`;
/// differentiable in the layers (and in `x`, where it is tracked). `None` where the fused pass
/// does not apply: off the CPU, in a dtype but f32 and f64, or with a layer wider than
/// [`WIDEST`].
pub fn forward(
    x: &Tensor,
    layers: &[(Tensor, Tensor)],
    activation: Activation,
) -> Result<Option<Tensor>> {
    let dtype = x.dtype();
    if !x.device().is_cpu() || !matches!(dtype, DType::F32 | DType::F64) || x.rank() != 2 {
        return Ok(None);
    }
    let (n, d) = x.dims2()?;
    let mut sizes = vec![d];
    let mut parts = Vec::with_capacity(2 * layers.len());
    for (weight, bias) in layers {
        let (out, input) = weight.dims2()?;
        let fits = input == sizes[sizes.len() - 1] && bias.dims() == [out];
        let typed = weight.dtype() == dtype && bias.dtype() == dtype;
        if !fits || !typed || out > WIDEST || input > WIDEST || !weight.device().is_cpu() {
            return Ok(None);
        }
        sizes.push(out);
        parts.push(weight.flatten_all()?);
        parts.push(bias.clone());
    }
    // Without a hidden layer there is nothing to fuse.
    if n == 0 || layers.len() < 2 {
        return Ok(None);
    }
    // One parameter tensor, so that one op holds them all; its gradient flows back to each
    // layer through the concatenation.
    let params = Tensor::cat(&parts, 0)?;
    let pass = Pass {
        sizes,
        activation,
        x_grad: x.track_op(),
        hidden: Mutex::new(None),
    };
    Ok(Some(x.contiguous()?.apply_op2(&params, pass)?))
}

/// The op: the network's shape and activation, and the hidden layers' values once the forward
/// pass has run.
struct Pass {
    /// The layer sizes, input first.
    sizes: Vec<usize>,
    activation: Activation,
    x_grad: bool,
    hidden: Mutex<Option<Box<dyn Any + Send>>>,
}

impl Pass {
    /// The hidden values a block holds: every hidden unit's column.
    fn block_len(&self) -> usize {
        let sizes = &self.sizes;
        sizes[1..sizes.len() - 1].iter().sum::<usize>() * ROWS
    }

    fn fwd<T: Unit>(&self, x: &[T], params: &[T]) -> Result<Vec<T>> {
        let sizes = &self.sizes;
        let (d, out) = (sizes[0], sizes[sizes.len() - 1]);
        let n = x.len() / d;
        let block_len = self.block_len();
        let mut hidden = vec![T::ZERO; n.div_ceil(ROWS) * block_len];
        let mut z = vec![T::ZERO; n * out];
        let net = Net::new(sizes, params, self.activation, block_len);
        let task = |((x, z), hidden): ((&[T], &mut [T]), &mut [T])| {
            Arch::new().dispatch(Forward {
                net: &net,
                x,
                z,
                hidden,
            })
        };
        let (xs, zs, hs) = (BLOCKS * ROWS * d, BLOCKS * ROWS * out, BLOCKS * block_len);
        x.par_chunks(xs)
            .zip(z.par_chunks_mut(zs))
            .zip(hidden.par_chunks_mut(hs))
            .for_each(task);
        *self.lock()? = Some(Box::new(hidden));
        Ok(z)
    }

    /// The gradients in the parameters (in f64) and, if asked, in `x`, from the outputs'.
    fn bwd<T: Unit>(&self, x: &[T], params: &[T], grad_z: &[T]) -> Result<(Vec<f64>, Vec<T>)> {
        let sizes = &self.sizes;
        let (d, out) = (sizes[0], sizes[sizes.len() - 1]);
        let block_len = self.block_len();
        let guard = self.lock()?;
        let Some(hidden) = guard.as_ref().and_then(|h| h.downcast_ref::<Vec<T>>()) else {
            candle_core::bail!("mlp pass: backward before forward");
        };
        let net = Net::new(sizes, params, self.activation, block_len);
        let x_grad = self.x_grad;
        let task = |((x, grad_z), hidden): ((&[T], &[T]), &[T])| {
            Arch::new().dispatch(Backward {
                net: &net,
                x,
                grad_z,
                hidden,
                x_grad,
            })
        };
        let (xs, zs, hs) = (BLOCKS * ROWS * d, BLOCKS * ROWS * out, BLOCKS * block_len);
        let parts: Vec<(Vec<f64>, Vec<T>)> = x
            .par_chunks(xs)
            .zip(grad_z.par_chunks(zs))
            .zip(hidden.par_chunks(hs))
            .map(task)
            .collect();
        // Each task's sums, added in order: the same result on every run.
        let mut total = vec![0.0; params.len()];
        let mut grad_x = Vec::with_capacity(if x_grad { x.len() } else { 0 });
        for (grads, part_x) in parts {
            for (t, g) in total.iter_mut().zip(grads) {
                *t += g;
            }
            grad_x.extend(part_x);
        }
        Ok((total, grad_x))
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Option<Box<dyn Any + Send>>>> {
        self.hidden
            .lock()
            .map_err(|_| candle_core::Error::Msg("mlp pass: the lock is poisoned".into()))
    }
}

impl CustomOp2 for Pass {
    fn name(&self) -> &'static str {
        "mlp"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ps: &CpuStorage,
        pl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let sizes = &self.sizes;
        let n = xl.shape().dims()[0];
        let storage = match (xs, ps) {
            (CpuStorage::F32(_), CpuStorage::F32(_)) => {
                CpuStorage::F32(self.fwd(slice::<f32>(xs, xl)?, slice::<f32>(ps, pl)?)?)
            }
            (CpuStorage::F64(_), CpuStorage::F64(_)) => {
                CpuStorage::F64(self.fwd(slice::<f64>(xs, xl)?, slice::<f64>(ps, pl)?)?)
            }
            _ => candle_core::bail!("mlp pass: the data and the layers must be f32 or f64"),
        };
        Ok((storage, Shape::from((n, sizes[sizes.len() - 1]))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        params: &Tensor,
        _z: &Tensor,
        grad_z: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let grad_z = grad_z.contiguous()?;
        let (xs, xl) = x.storage_and_layout();
        let (ps, pl) = params.storage_and_layout();
        let (gs, gl) = grad_z.storage_and_layout();
        let (Storage::Cpu(xs), Storage::Cpu(ps), Storage::Cpu(gs)) = (&*xs, &*ps, &*gs) else {
            candle_core::bail!("mlp pass: the data must be on the CPU");
        };
        let device = x.device();
        let (grads, grad_x) = match x.dtype() {
            DType::F32 => {
                let (x, params, grad_z) = (slice(xs, xl)?, slice(ps, pl)?, slice(gs, gl)?);
                let (grads, grad_x) = self.bwd::<f32>(x, params, grad_z)?;
                (grads, self.x_grad.then(|| Tensor::new(grad_x, device)))
            }
            DType::F64 => {
                let (x, params, grad_z) = (slice(xs, xl)?, slice(ps, pl)?, slice(gs, gl)?);
                let (grads, grad_x) = self.bwd::<f64>(x, params, grad_z)?;
                (grads, self.x_grad.then(|| Tensor::new(grad_x, device)))
            }
            _ => candle_core::bail!("mlp pass: f32 or f64 only"),
        };
        let grad_params = Tensor::new(grads, device)?.to_dtype(params.dtype())?;
        let grad_x = grad_x
            .transpose()?
            .map(|g| g.reshape(x.shape()))
            .transpose()?;
        Ok((grad_x, Some(grad_params)))
    }
}

/// The values of a contiguous CPU tensor's storage, as a slice of `T`.
pub(crate) fn slice<'a, T: candle_core::WithDType>(
    storage: &'a CpuStorage,
    layout: &Layout,
) -> Result<&'a [T]> {
    let data = storage.as_slice::<T>()?;
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("the fused ops need contiguous tensors"),
    }
}

/// The network over one task's rows: its layers' weights and biases, sliced out of the one
/// parameter vector.
struct Net<'a, T> {
    sizes: &'a [usize],
    /// The hidden values a block holds.
    block_len: usize,
    /// Each layer's weight `(out, in)` row-major, and its bias.
    layers: Vec<(&'a [T], &'a [T])>,
    activation: Activation,
}

impl<'a, T: Unit> Net<'a, T> {
    fn new(sizes: &'a [usize], params: &'a [T], activation: Activation, block_len: usize) -> Self {
        let mut rest = params;
        let layers = sizes
            .windows(2)
            .map(|w| {
                let (weight, after) = rest.split_at(w[0] * w[1]);
                let (bias, after) = after.split_at(w[1]);
                rest = after;
                (weight, bias)
            })
            .collect();
        Net {
            sizes,
            block_len,
            layers,
            activation,
        }
    }

    /// The outputs of the rows `x` into `z` (row-major), every block's hidden columns into
    /// `hidden`.
    #[inline(always)]
    fn forward(&self, x: &[T], z: &mut [T], hidden: &mut [T]) {
        let (d, out) = (self.sizes[0], self.sizes[self.sizes.len() - 1]);
        let mut input = vec![T::ZERO; d * ROWS];
        let mut last = vec![T::ZERO; out * ROWS];
        for ((x, z), hidden) in x
            .chunks(ROWS * d)
            .zip(z.chunks_mut(ROWS * out))
            .zip(hidden.chunks_mut(self.block_len))
        {
            columns(x, d, &mut input);
            // Layer l's output goes at `next` in the block's hidden columns, its input (the
            // layer below's output) just before.
            let mut next = 0;
            for (l, &(weight, bias)) in self.layers.iter().enumerate() {
                let (fan_in, width) = (self.sizes[l], self.sizes[l + 1]);
                let (done, rest) = hidden.split_at_mut(next);
                let input: &[T] = match l {
                    0 => &input,
                    _ => &done[next - fan_in * ROWS..],
                };
                if l + 1 == self.layers.len() {
                    layer(weight, bias, input, &mut last);
                } else {
                    let output = &mut rest[..width * ROWS];
                    layer(weight, bias, input, output);
                    activate(self.activation, output);
                    next += width * ROWS;
                }
            }
            rows(&last, out, z);
        }
    }

    /// The gradients in the parameters (summed over these rows, in f64) and, if `x_grad`, in
    /// `x`, from the outputs' gradients `grad_z` (row-major).
    #[inline(always)]
    fn backward(&self, x: &[T], grad_z: &[T], hidden: &[T], x_grad: bool) -> (Vec<f64>, Vec<T>) {
        let (d, out) = (self.sizes[0], self.sizes[self.sizes.len() - 1]);
        let widest = self.sizes.iter().copied().max().unwrap_or(1);
        let (mut input, mut grad, mut below) = (
            vec![T::ZERO; d * ROWS],
            vec![T::ZERO; widest * ROWS],
            vec![T::ZERO; widest * ROWS],
        );
        let mut grad_x = vec![T::ZERO; if x_grad { x.len() } else { 0 }];
        // Each parameter's sum in LANES partial sums, row i into lane i mod LANES: the loops
        // vectorise and no addition waits on the one before.
        let total: usize = self.layers.iter().map(|(w, b)| w.len() + b.len()).sum();
        let mut sums = vec![T::ZERO; total * LANES];
        let ones = [T::ONE; ROWS];
        for (b, ((x, grad_z), hidden)) in x
            .chunks(ROWS * d)
            .zip(grad_z.chunks(ROWS * out))
            .zip(hidden.chunks(self.block_len))
            .enumerate()
        {
            columns(x, d, &mut input);
            // Rows past the data's end have a zero gradient: they add nothing.
            columns(grad_z, out, &mut grad[..out * ROWS]);
            // Layer l's input is the hidden columns just before `to`, its parameters' sums at
            // `at`.
            let (mut to, mut at) = (hidden.len(), total);
            for (l, &(weight, bias)) in self.layers.iter().enumerate().rev() {
                let (fan_in, width) = (self.sizes[l], self.sizes[l + 1]);
                let input: &[T] = match l {
                    0 => &input,
                    _ => &hidden[to - fan_in * ROWS..to],
                };
                at -= weight.len() + bias.len();
                let (weight_sums, bias_sums) = sums[at * LANES..]
                    [..(weight.len() + bias.len()) * LANES]
                    .split_at_mut(weight.len() * LANES);
                let grad_out = &grad[..width * ROWS];
                outer(grad_out, input, weight_sums);
                outer(grad_out, &ones, bias_sums);
                if l > 0 {
                    // The gradient in the layer's input, through the activation below it.
                    let into = &mut below[..fan_in * ROWS];
                    transposed(weight, grad_out, into);
                    derive(self.activation, input, into);
                    std::mem::swap(&mut grad, &mut below);
                    to -= fan_in * ROWS;
                } else if x_grad {
                    let below = &mut below[..d * ROWS];
                    transposed(weight, grad_out, below);
                    rows(below, d, &mut grad_x[b * ROWS * d..][..x.len()]);
                }
            }
        }
        let sums = sums
            .chunks_exact(LANES)
            .map(|lanes| lanes.iter().map(|v| v.widen()).sum())
            .collect();
        (sums, grad_x)
    }
}

/// One task's forward pass, run with the widest vectors the CPU has.
struct Forward<'a, T> {
    net: &'a Net<'a, T>,
    x: &'a [T],
    z: &'a mut [T],
    hidden: &'a mut [T],
}

impl<T: Unit> WithSimd for Forward<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        self.net.forward(self.x, self.z, self.hidden);
    }
}

/// One task's backward pass, run with the widest vectors the CPU has.
struct Backward<'a, T> {
    net: &'a Net<'a, T>,
    x: &'a [T],
    grad_z: &'a [T],
    hidden: &'a [T],
    x_grad: bool,
}

impl<T: Unit> WithSimd for Backward<'_, T> {
    type Output = (Vec<f64>, Vec<T>);

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) -> Self::Output {
        self.net
            .backward(self.x, self.grad_z, self.hidden, self.x_grad)
    }
}

/// Independent partial sums a parameter: 16 f32 fill an AVX-512 register.
const LANES: usize = 16;

/// The rows `x` (`k` values a row, at most [`ROWS`] rows) as `k` columns of [`ROWS`], zero past
/// the last row.
#[inline(always)]
fn columns<T: Unit>(x: &[T], k: usize, out: &mut [T]) {
    if x.len() < k * ROWS {
        out.fill(T::ZERO);
    }
    for (j, column) in out.chunks_exact_mut(ROWS).enumerate().take(k) {
        for (c, row) in column.iter_mut().zip(x.chunks_exact(k)) {
            *c = row[j];
        }
    }
}

/// The columns `c` (`k` of [`ROWS`]) back as rows into `out`, as many as it holds.
#[inline(always)]
fn rows<T: Unit>(c: &[T], k: usize, out: &mut [T]) {
    for (i, row) in out.chunks_exact_mut(k).enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = c[j * ROWS + i];
        }
    }
}

/// `output = input·weightᵀ + bias` on a block: `weight` `(out, in)`, columns in and out.
#[inline(always)]
fn layer<T: Unit>(weight: &[T], bias: &[T], input: &[T], output: &mut [T]) {
    let fan_in = weight.len() / bias.len();
    for (column, (w, &b)) in output
        .chunks_exact_mut(ROWS)
        .zip(weight.chunks_exact(fan_in).zip(bias))
    {
        let mut acc = [b; ROWS];
        for (&w, input) in w.iter().zip(input.chunks_exact(ROWS)) {
            for (a, &v) in acc.iter_mut().zip(input) {
                *a = v.mul_add(w, *a);
            }
        }
        column.copy_from_slice(&acc);
    }
}

/// `below = grad·weight` on a block: the gradient in a layer's input from its output's.
#[inline(always)]
fn transposed<T: Unit>(weight: &[T], grad: &[T], below: &mut [T]) {
    let fan_in = below.len() / ROWS;
    for (k, column) in below.chunks_exact_mut(ROWS).enumerate() {
        let mut acc = [T::ZERO; ROWS];
        for (j, grad) in grad.chunks_exact(ROWS).enumerate() {
            let w = weight[j * fan_in + k];
            for (a, &g) in acc.iter_mut().zip(grad) {
                *a = g.mul_add(w, *a);
            }
        }
        column.copy_from_slice(&acc);
    }
}

/// `sums[j·k + i] += Σ_rows grad[j]·input[i]`, in [`LANES`] partial sums each, for the
/// columns `grad` (`k` of them) and `input`.
#[inline(always)]
fn outer<T: Unit>(grad: &[T], input: &[T], sums: &mut [T]) {
    let fan_in = input.len() / ROWS;
    for (grad, sums) in grad
        .chunks_exact(ROWS)
        .zip(sums.chunks_exact_mut(fan_in * LANES))
    {
        for (input, sum) in input.chunks_exact(ROWS).zip(sums.chunks_exact_mut(LANES)) {
            // Two sets of partial sums, so that each fused multiply-add waits on the one two
            // before it rather than the last.
            let (mut even, mut odd) = ([T::ZERO; LANES], [T::ZERO; LANES]);
            for (g, v) in grad
                .chunks_exact(2 * LANES)
                .zip(input.chunks_exact(2 * LANES))
            {
                for k in 0..LANES {
                    even[k] = g[k].mul_add(v[k], even[k]);
                    odd[k] = g[LANES + k].mul_add(v[LANES + k], odd[k]);
                }
            }
            for (s, (e, o)) in sum.iter_mut().zip(even.iter().zip(&odd)) {
                *s += *e + *o;
            }
        }
    }
}

/// The activation of every value of a block's layer, in place.
#[inline(always)]
fn activate<T: Unit>(activation: Activation, values: &mut [T]) {
    match activation {
        Activation::Tanh => values.iter_mut().for_each(|v| *v = v.tanh_of()),
        Activation::Relu => values.iter_mut().for_each(|v| *v = v.max0()),
        // σ(v) = (1 + tanh(v/2)) / 2.
        Activation::Sigmoid => values
            .iter_mut()
            .for_each(|v| *v = (*v * T::HALF).tanh_of().mul_add(T::HALF, T::HALF)),
    }
}

/// `grad · f′` where `a = f(v)` is the activation's output: the gradient in `v`.
#[inline(always)]
fn derive<T: Unit>(activation: Activation, a: &[T], grad: &mut [T]) {
    let pairs = grad.iter_mut().zip(a);
    match activation {
        Activation::Tanh => pairs.for_each(|(g, &a)| *g *= T::ONE - a * a),
        // PyTorch's: zero where the output is zero.
        Activation::Relu => pairs.for_each(|(g, &a)| *g = if a > T::ZERO { *g } else { T::ZERO }),
        Activation::Sigmoid => pairs.for_each(|(g, &a)| *g *= a * (T::ONE - a)),
    }
}

/// The float types of the pass.
pub(crate) trait Unit:
    Copy
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + AddAssign
    + MulAssign
    + candle_core::WithDType
{
    const ZERO: Self;
    const ONE: Self;
    const HALF: Self;
    fn widen(self) -> f64;
    /// `tanh`: [`crate::tanh32`] or [`crate::tanh64`].
    fn tanh_of(self) -> Self;
    fn max0(self) -> Self;
    /// `self·a + b`, one instruction where the CPU has FMA.
    fn mul_add(self, a: Self, b: Self) -> Self;
}

macro_rules! unit {
    ($t:ty, $tanh:path) => {
        impl Unit for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const HALF: Self = 0.5;

            #[inline(always)]
            fn widen(self) -> f64 {
                self as f64
            }

            #[inline(always)]
            fn tanh_of(self) -> Self {
                $tanh(self)
            }

            #[inline(always)]
            fn max0(self) -> Self {
                self.max(0.0)
            }

            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                <$t>::mul_add(self, a, b)
            }
        }
    };
}

unit!(f32, crate::tanh32);
unit!(f64, crate::tanh64);
