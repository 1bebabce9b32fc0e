//! The fast path for logistic regression, fenced off from the lesson: a linear layer `d → 1`
//! under BCE with logits gives its loss, the loss's gradients in the weights and the bias, and
//! the number of points it classifies right, in one pass over the data on the CPU. No `(N, 1)`
//! logit, probability or gradient tensor is built; the backward pass hands candle's autograd
//! the gradients the forward pass summed. Elsewhere it is [`plain`], the same in candle ops;
//! tests hold the two equal.
//!
//! The pass reads the data in blocks of 256 rows, turns each block's features into columns,
//! and works on whole columns, so that the compiler vectorises every loop for the vector width
//! picked at run time (pulp: AVX-512, AVX2 + FMA, or scalar). `e^−|z|` and `log1p` are
//! polynomials within a few units in the last place of f32 or f64, as the dtype is.

use std::ops::{Add, Div, Mul, Neg, Sub};
use std::sync::{Arc, OnceLock};

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Result, Shape, Storage, Tensor};
use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use crate::line::ops::slice;
use crate::{BceWithLogits, Loss, Reduction};

/// Logistic regression's loss at a layer, and how many points the layer classifies right.
#[derive(Debug, Clone)]
pub struct Logistic {
    /// The mean loss, a scalar differentiable in the weight and the bias.
    pub loss: Tensor,
    /// Points whose logit's sign (`z ≥ 0`: class 1) agrees with their label (`y ≥ 0.5`).
    pub right: usize,
}

/// BCE with logits of the layer `z = x·weightᵀ + bias` on the data `x` `(N, d)` and the labels
/// (or probabilities) `y` `(N, 1)` or `(N,)`: `weight` is `(1, d)` and `bias` `(1,)`, as
/// PyTorch's `nn.Linear(d, 1)` holds them. The same value and gradients as
/// `loss.forward(&z, &y, Reduction::Mean)`, one pass over the data on the CPU.
pub fn logistic(
    loss: &BceWithLogits,
    x: &Tensor,
    y: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
) -> Result<Logistic> {
    let (n, d) = x.dims2()?;
    if n == 0 || d == 0 {
        candle_core::bail!("logistic: empty input: there are no points or no features");
    }
    if y.elem_count() != n || y.rank() > 2 || (y.rank() == 2 && y.dim(1)? != 1) {
        candle_core::bail!(
            "logistic: x has shape {:?} but y has {:?}; y must be (N, 1) or (N,)",
            x.dims(),
            y.dims()
        );
    }
    if weight.dims() != [1, d] || bias.elem_count() != 1 {
        candle_core::bail!(
            "logistic: a layer d → 1 on {d} features has weight (1, {d}) and one bias, got {:?} \
             and {:?}",
            weight.dims(),
            bias.dims()
        );
    }
    let dtype = x.dtype();
    if [y.dtype(), weight.dtype(), bias.dtype()] != [dtype; 3] {
        candle_core::bail!("logistic: x, y, the weight and the bias must share one dtype");
    }
    if !x.device().is_cpu() || !matches!(dtype, DType::F32 | DType::F64) {
        return plain(loss, x, y, weight, bias);
    }
    let right = Arc::new(OnceLock::new());
    let value = weight.apply_op2(
        &bias.flatten_all()?,
        Fused {
            pos_weight: loss.pos_weight,
            x: x.contiguous()?,
            y: y.flatten_all()?.contiguous()?,
            grads: OnceLock::new(),
            right: right.clone(),
        },
    )?;
    let right = *right.get().ok_or_else(|| {
        candle_core::Error::Msg("logistic: the fused pass did not count the points".into())
    })?;
    Ok(Logistic { loss: value, right })
}

/// [`logistic`] in plain candle ops: the logits, then the loss, on any device.
pub fn plain(
    loss: &BceWithLogits,
    x: &Tensor,
    y: &Tensor,
    weight: &Tensor,
    bias: &Tensor,
) -> Result<Logistic> {
    let n = x.dim(0)?;
    let z = x
        .matmul(&weight.t()?)?
        .broadcast_add(&bias.flatten_all()?)?;
    let y = y.reshape((n, 1))?;
    let value = loss.forward(&z, &y, Reduction::Mean)?;
    let right = z
        .ge(0.0)?
        .eq(&y.ge(0.5)?)?
        .to_dtype(DType::U32)?
        .sum_all()?
        .to_scalar::<u32>()?;
    Ok(Logistic {
        loss: value,
        right: right as usize,
    })
}

/// The loss at `(weight, bias)`; the data rides in the op, the gradients the forward pass summed
/// wait in `grads` for the backward pass, and the count of points classified right in `right`.
struct Fused {
    pos_weight: Option<f64>,
    x: Tensor,
    y: Tensor,
    grads: OnceLock<Vec<f64>>,
    right: Arc<OnceLock<usize>>,
}

impl Fused {
    fn run<T: Logit + candle_core::WithDType>(
        &self,
        (w, lw): (&CpuStorage, &Layout),
        (b, lb): (&CpuStorage, &Layout),
    ) -> Result<f64> {
        let w: Vec<T> = slice::<T>(w, lw)?.to_vec();
        let b = slice::<T>(b, lb)?[0];
        let (xs, xl) = self.x.storage_and_layout();
        let (ys, yl) = self.y.storage_and_layout();
        let (Storage::Cpu(xs), Storage::Cpu(ys)) = (&*xs, &*ys) else {
            candle_core::bail!("logistic: the data must be on the CPU for the fused pass");
        };
        let (x, y) = (slice::<T>(xs, xl)?, slice::<T>(ys, yl)?);
        let p = T::narrow(self.pos_weight.unwrap_or(1.0));
        let sums = sums(x, y, &w, b, p);
        let n = y.len() as f64;
        let _ = self.grads.set(sums.grad.iter().map(|g| g / n).collect());
        let _ = self.right.set(sums.right);
        Ok(sums.loss / n)
    }
}

impl CustomOp2 for Fused {
    fn name(&self) -> &'static str {
        "logistic"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let storage = match (s1, s2) {
            (CpuStorage::F32(_), CpuStorage::F32(_)) => {
                CpuStorage::F32(vec![self.run::<f32>((s1, l1), (s2, l2))? as f32])
            }
            (CpuStorage::F64(_), CpuStorage::F64(_)) => {
                CpuStorage::F64(vec![self.run::<f64>((s1, l1), (s2, l2))?])
            }
            _ => candle_core::bail!("logistic: the weight and the bias must be f32 or f64"),
        };
        Ok((storage, Shape::from(())))
    }

    fn bwd(
        &self,
        weight: &Tensor,
        bias: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let Some(grads) = self.grads.get() else {
            candle_core::bail!("logistic: backward before forward");
        };
        let d = grads.len() - 1;
        let device = weight.device();
        let gw = Tensor::from_vec(grads[..d].to_vec(), weight.shape(), device)?
            .to_dtype(weight.dtype())?
            .broadcast_mul(grad_res)?;
        let gb = Tensor::from_vec(vec![grads[d]], bias.shape(), device)?
            .to_dtype(bias.dtype())?
            .broadcast_mul(grad_res)?;
        Ok((Some(gw), Some(gb)))
    }
}

/// Rows a block: a block's columns, logits and gradients stay in L1.
const ROWS: usize = 256;

/// Independent partial sums in a reduction, so that it vectorises (16 f32 fill an AVX-512
/// register) and the additions do not wait on each other.
const LANES: usize = 16;

/// Rows a task, split across threads.
const PAR_ROWS: usize = 1 << 15;

/// The sums over the data: the loss, its gradient (the weights', then the bias's) and the
/// points classified right. A NaN logit's loss `(1 − y)·z − …` is NaN, and so is the sum.
struct Sums {
    loss: f64,
    grad: Vec<f64>,
    right: usize,
}

impl Sums {
    fn zero(d: usize) -> Self {
        Sums {
            loss: 0.0,
            grad: vec![0.0; d + 1],
            right: 0,
        }
    }

    fn add(mut self, other: Sums) -> Sums {
        self.loss += other.loss;
        for (a, b) in self.grad.iter_mut().zip(other.grad) {
            *a += b;
        }
        self.right += other.right;
        self
    }
}

/// The sums over `x` `(N, d)` and `y` `(N,)` of the layer `(w, b)`, positive examples weighted
/// `p`.
fn sums<T: Logit>(x: &[T], y: &[T], w: &[T], b: T, p: T) -> Sums {
    let d = w.len();
    let arch = Arch::new();
    let task = |(x, y): (&[T], &[T])| {
        arch.dispatch(Task {
            x,
            y,
            w,
            b,
            p,
            sums: Sums::zero(d),
        })
    };
    if y.len() <= PAR_ROWS {
        return task((x, y));
    }
    // Each task's sums, then added in order: the same result on every run.
    let parts: Vec<Sums> = x
        .par_chunks(PAR_ROWS * d.max(1))
        .zip(y.par_chunks(PAR_ROWS))
        .map(task)
        .collect();
    parts.into_iter().fold(Sums::zero(d), Sums::add)
}

/// One task's rows, run with the widest vectors the CPU has.
struct Task<'a, T> {
    x: &'a [T],
    y: &'a [T],
    w: &'a [T],
    b: T,
    p: T,
    sums: Sums,
}

impl<T: Logit> WithSimd for Task<'_, T> {
    type Output = Sums;

    // The few features of most data sets each get their own loops, which turn a block's rows
    // into columns with vector shuffles; more features are gathered one column at a time.
    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) -> Sums {
        match self.w.len() {
            1 => self.fixed::<1>(),
            2 => self.fixed::<2>(),
            3 => self.fixed::<3>(),
            4 => self.fixed::<4>(),
            _ => self.any(),
        }
    }
}

impl<T: Logit> Task<'_, T> {
    #[inline(always)]
    fn fixed<const D: usize>(mut self) -> Sums {
        let mut columns = [[T::ZERO; ROWS]; D];
        for (x, y) in self.x.chunks(ROWS * D).zip(self.y.chunks(ROWS)) {
            if y.len() < ROWS {
                columns = [[T::ZERO; ROWS]; D];
            }
            for (i, row) in x.chunks_exact(D).enumerate().take(ROWS) {
                for j in 0..D {
                    columns[j][i] = row[j];
                }
            }
            block(&columns, y, self.w, (self.b, self.p), &mut self.sums);
        }
        self.sums
    }

    #[inline(always)]
    fn any(mut self) -> Sums {
        let d = self.w.len();
        let mut columns = vec![[T::ZERO; ROWS]; d];
        for (x, y) in self.x.chunks(ROWS * d).zip(self.y.chunks(ROWS)) {
            for (j, column) in columns.iter_mut().enumerate() {
                if y.len() < ROWS {
                    *column = [T::ZERO; ROWS];
                }
                for (c, row) in column.iter_mut().zip(x.chunks_exact(d)) {
                    *c = row[j];
                }
            }
            block(&columns, y, self.w, (self.b, self.p), &mut self.sums);
        }
        self.sums
    }
}

/// Adds one block's sums: `y.len() ≤ ROWS` rows, their features in `columns` (zero past the
/// last row).
#[inline(always)]
fn block<T: Logit>(columns: &[[T; ROWS]], y: &[T], w: &[T], (b, p): (T, T), sums: &mut Sums) {
    let d = w.len();
    let mut z = [b; ROWS];
    for (column, &wj) in columns.iter().zip(w) {
        for (z, &c) in z.iter_mut().zip(column) {
            *z = *z + wj * c;
        }
    }
    let (mut loss, mut grad) = ([T::ZERO; ROWS], [T::ZERO; ROWS]);
    let mut right = 0u32;
    let (one, two, half) = (T::narrow(1.0), T::narrow(2.0), T::narrow(0.5));
    for (((&z, &y), l), g) in z.iter().zip(y).zip(&mut loss).zip(&mut grad) {
        // log σ(z) = min(z, 0) − log1p(e^−|z|), σ(z) = (z ≥ 0 ? 1 : e^−|z|) / (1 + e^−|z|):
        // finite for every finite z. PyTorch weighs each point 1 + (p − 1)·y and the gradient's
        // target p·y (p = 1 without pos_weight).
        // One division gives both log1p(e)'s s = e / (2 + e) and σ's 1 / (1 + e).
        let e = T::exp_neg_abs(z);
        let q = one / ((two + e) * (one + e));
        let log_sigmoid = z.min0() - T::atanh2(e * (one + e) * q);
        let sigmoid = T::select_ge0(z, one, e) * (two + e) * q;
        let weight = (p - one).mul_add(y, one);
        *l = (one - y).mul_add(z, -(weight * log_sigmoid));
        *g = weight.mul_add(sigmoid, -(p * y));
        right += u32::from(z.ge0() == (y >= half));
    }
    sums.loss += lanes(&loss, &[T::narrow(1.0); ROWS]);
    for (column, total) in columns.iter().zip(&mut sums.grad) {
        *total += lanes(&grad, column);
    }
    sums.grad[d] += lanes(&grad, &[T::narrow(1.0); ROWS]);
    sums.right += right as usize;
}

/// `Σ a·b` over a block, in `LANES` partial sums, added up in f64.
#[inline(always)]
fn lanes<T: Logit>(a: &[T; ROWS], b: &[T]) -> f64 {
    let mut acc = [T::ZERO; LANES];
    for (a, b) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for k in 0..LANES {
            acc[k] = acc[k] + a[k] * b[k];
        }
    }
    acc.iter().map(|v| v.widen()).sum()
}

/// The float types of the fused pass, with `e^−|z|` and `log1p` written so that they vectorise.
trait Logit:
    Copy
    + Send
    + Sync
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + 'static
{
    const ZERO: Self;
    fn narrow(v: f64) -> Self;
    fn widen(self) -> f64;
    fn ge0(self) -> bool;
    fn min0(self) -> Self;
    /// `a` where `self ≥ 0`, else `b`.
    fn select_ge0(self, a: Self, b: Self) -> Self;
    /// `e^−|z|`, in (0, 1].
    fn exp_neg_abs(z: Self) -> Self;
    /// `2·atanh(s)` for `s` in [0, 1/3]: `log1p(u)` at `s = u / (2 + u)`, `u` in [0, 1].
    fn atanh2(s: Self) -> Self;
    /// `self·a + b`, one instruction where the CPU has FMA.
    fn mul_add(self, a: Self, b: Self) -> Self;
}

/// `[1 / (first + step·k) for k in 0..N]` in the float type `t`, worked out at compile time:
/// the series' coefficients.
macro_rules! reciprocals {
    ($t:ty, $n:expr, $first:expr, $step:expr) => {{
        let mut out = [0.0 as $t; $n];
        let mut k = 0;
        while k < $n {
            out[k] = 1.0 / ($first + $step * k) as $t;
            k += 1;
        }
        out
    }};
}

/// `[1 / k! for k in 0..N]` in the float type `t`, worked out at compile time: the Taylor
/// series of the exponential.
macro_rules! inverse_factorials {
    ($t:ty, $n:expr) => {{
        let mut out = [1.0 as $t; $n];
        let mut factorial = 1.0f64;
        let mut k = 1;
        while k < $n {
            factorial *= k as f64;
            out[k] = (1.0 / factorial) as $t;
            k += 1;
        }
        out
    }};
}

/// `e^x` for `x ≤ 0` and `log1p(u)` for `u` in [0, 1], for one float type: `e^x = 2^k·e^r`
/// with `k = round(x / ln 2)` and `|r| ≤ ln 2 / 2` (Cody and Waite's two-part ln 2), `e^r` by
/// its Taylor series; `2^k` built in the exponent's bits; `log1p(u) = 2·atanh(s)` with
/// `s = u / (2 + u)` in [0, 1/3], by its series in `s²`.
macro_rules! logit {
    ($t:ty, $mantissa:expr, $bias:expr, $lowest:expr, $ln2:expr, $exp_terms:expr, $log_terms:expr) => {
        impl Logit for $t {
            const ZERO: Self = 0.0;

            #[inline(always)]
            fn narrow(v: f64) -> Self {
                v as $t
            }

            #[inline(always)]
            fn widen(self) -> f64 {
                self as f64
            }

            #[inline(always)]
            fn ge0(self) -> bool {
                self >= 0.0
            }

            #[inline(always)]
            fn min0(self) -> Self {
                if self < 0.0 {
                    self
                } else {
                    0.0
                }
            }

            #[inline(always)]
            fn select_ge0(self, a: Self, b: Self) -> Self {
                if self >= 0.0 {
                    a
                } else {
                    b
                }
            }

            #[inline(always)]
            fn exp_neg_abs(z: Self) -> Self {
                // Below e^−87 (f32) or e^−708 (f64), and for a NaN, this gives e^−87 or e^−708:
                // next to 1 in σ and log1p it is nothing, and 2^k stays a normal number.
                let x = -z.abs();
                let x = if x > $lowest { x } else { $lowest };
                // Adding and taking away 1.5·2^mantissa rounds to the nearest integer.
                const SHIFT: $t = 1.5 * (1u64 << $mantissa) as $t;
                let shifted = x * std::f64::consts::LOG2_E as $t + SHIFT;
                let k = shifted - SHIFT;
                const LN2_HI: $t = $ln2.0;
                const LN2_LO: $t = $ln2.1;
                let r = (-k).mul_add(LN2_LO, (-k).mul_add(LN2_HI, x));
                // e^r = Σ rⁿ/n!, by Horner's rule: a fused multiply-add a term.
                const TAYLOR: [$t; $exp_terms + 1] = inverse_factorials!($t, $exp_terms + 1);
                let mut sum: $t = TAYLOR[$exp_terms];
                for c in TAYLOR[..$exp_terms].iter().rev() {
                    sum = sum.mul_add(r, *c);
                }
                // 2^k: k + bias in the exponent field.
                const BIASED: $t = (1u64 << $mantissa) as $t + $bias as $t;
                let scale = <$t>::from_bits(((k + BIASED).to_bits()) << $mantissa);
                sum * scale
            }

            #[inline(always)]
            fn atanh2(s: Self) -> Self {
                let s2 = s * s;
                // 2·atanh(s) = 2·(s + s³/3 + s⁵/5 + …).
                const ODD: [$t; $log_terms] = reciprocals!($t, $log_terms, 1, 2);
                let mut sum: $t = 0.0;
                for c in ODD.iter().rev() {
                    sum = sum.mul_add(s2, *c);
                }
                2.0 * s * sum
            }

            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                <$t>::mul_add(self, a, b)
            }
        }
    };
}

// ln 2 in two parts: k·LN2_HI is exact for every k here.
logit!(f32, 23, 127, -87.0, (0.693_145_75, 1.428_606_8e-6), 7, 7);
logit!(
    f64,
    52,
    1023,
    -708.0,
    (
        f64::from_bits(0x3fe6_2e42_fee0_0000),
        f64::from_bits(0x3dea_39ef_3579_3c76)
    ),
    13,
    17
);

#[cfg(test)]
mod tests {
    use super::Logit;

    #[test]
    fn exp_and_log1p_are_within_a_few_units_in_the_last_place() {
        for k in 0..=20_000 {
            let x = -(k as f64) * 0.0354;
            let e = <f64 as Logit>::exp_neg_abs(x);
            assert!((e - x.exp()).abs() <= 4e-16 * x.exp(), "{x}: {e}");
            let e32 = <f32 as Logit>::exp_neg_abs(x as f32) as f64;
            let want = (x as f32 as f64).exp();
            assert!(
                (e32 - want).abs() <= 3e-7 * want || want < 1e-37,
                "{x}: {e32}"
            );
        }
        for k in 0..=10_000 {
            let u = k as f64 / 10_000.0;
            let l = <f64 as Logit>::atanh2(u / (2.0 + u));
            assert!(
                (l - u.ln_1p()).abs() <= 6e-16 * u.ln_1p().max(1e-300),
                "{u}: {l}"
            );
            let l32 = <f32 as Logit>::atanh2(u as f32 / (2.0 + u as f32)) as f64;
            let want = (u as f32 as f64).ln_1p();
            assert!((l32 - want).abs() <= 3e-7 * want.max(1e-38), "{u}: {l32}");
        }
        // Tiny arguments keep their relative precision: log1p(u) ≈ u.
        let u = 1e-30;
        assert_eq!(<f64 as Logit>::atanh2(u / (2.0 + u)), u);
    }
}
