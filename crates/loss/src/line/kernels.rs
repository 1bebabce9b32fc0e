//! Fused CPU kernels for a line under any loss of the residual: the loss of a whole
//! (weight × bias) grid in one pass over the data, and the loss with both gradients in one pass
//! for training.
//!
//! Both do the arithmetic of the plain tensor code, `r = y − w·x − b` and `mean(ℓ(r))`, without
//! materialising any `(K, N)` table: the data is read in chunks that stay in cache, the weights
//! are held in vector registers, and partial sums are added up in `f64`. The vector width is
//! picked at run time (AVX-512, AVX2 + FMA, or scalar), so one build runs on any x86-64. The
//! loss `ℓ` is a [`Residual`], written once over vectors in its own file.

use std::ops::{Add, Mul, Sub};

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

/// Points per chunk: a chunk's `x` and `y` (16 KiB in f32) stay in L1 while every weight block
/// passes over them, and each f32 lane sums at most 2048 / 8 squares before they are added up
/// in f64, which keeps the result within 1e-6 of an exact sum.
pub(crate) const CHUNK: usize = 2048;

/// Weights per register block: 8 broadcast weights and 8 accumulators, plus `x`, `y` and the
/// residual, fit the 16 AVX2 (or 32 AVX-512) vector registers, and 8 independent accumulator
/// chains cover the latency of the fused multiply-adds.
const BLOCK: usize = 8;

/// The float types the kernels run on, with the pulp vector type of each and the vector
/// operations a [`Residual`] is written in.
pub trait Elem:
    Copy
    + Send
    + Sync
    + Default
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + 'static
{
    type V<S: Simd>: Copy;
    fn narrow(v: f64) -> Self;
    fn widen(self) -> f64;
    fn as_simd<S: Simd>(s: &[Self]) -> (&[Self::V<S>], &[Self]);
    fn splat<S: Simd>(simd: S, v: Self) -> Self::V<S>;
    fn vadd<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    fn vsub<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    fn vmul<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    fn vmin<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    fn vmax<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    fn vabs<S: Simd>(simd: S, a: Self::V<S>) -> Self::V<S>;
    /// −1, 0 or 1 by the sign of each lane (0 at ±0, as PyTorch's `sign`).
    fn vsign<S: Simd>(simd: S, a: Self::V<S>) -> Self::V<S>;
    /// `if_true` in the lanes where `a < b`, else `if_false`.
    fn select_lt<S: Simd>(
        simd: S,
        a: Self::V<S>,
        b: Self::V<S>,
        if_true: Self::V<S>,
        if_false: Self::V<S>,
    ) -> Self::V<S>;
    /// `a·b + c`, one fused instruction where the CPU has FMA.
    fn mul_add<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>, c: Self::V<S>) -> Self::V<S>;
    fn sum<S: Simd>(simd: S, a: Self::V<S>) -> f64;
}

macro_rules! elem {
    ($t:ty, $v:ident, $as_simd:ident, $splat:ident, $add:ident, $mul_add:ident, $sum:ident,
     $sub:ident, $mul:ident, $min:ident, $max:ident, $abs:ident, $gt:ident, $lt:ident, $select:ident) => {
        impl Elem for $t {
            type V<S: Simd> = S::$v;
            fn narrow(v: f64) -> Self {
                v as $t
            }
            fn widen(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn as_simd<S: Simd>(s: &[Self]) -> (&[Self::V<S>], &[Self]) {
                S::$as_simd(s)
            }
            #[inline(always)]
            fn splat<S: Simd>(simd: S, v: Self) -> Self::V<S> {
                simd.$splat(v)
            }
            #[inline(always)]
            fn vadd<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                simd.$add(a, b)
            }
            #[inline(always)]
            fn vsub<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                simd.$sub(a, b)
            }
            #[inline(always)]
            fn vmul<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                simd.$mul(a, b)
            }
            #[inline(always)]
            fn vmin<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                simd.$min(a, b)
            }
            #[inline(always)]
            fn vmax<S: Simd>(simd: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S> {
                simd.$max(a, b)
            }
            #[inline(always)]
            fn vabs<S: Simd>(simd: S, a: Self::V<S>) -> Self::V<S> {
                simd.$abs(a)
            }
            #[inline(always)]
            fn vsign<S: Simd>(simd: S, a: Self::V<S>) -> Self::V<S> {
                let zero = simd.$splat(0.0);
                let one = simd.$splat(1.0);
                let pos = simd.$select(simd.$gt(a, zero), one, zero);
                simd.$select(simd.$lt(a, zero), simd.$splat(-1.0), pos)
            }
            #[inline(always)]
            fn select_lt<S: Simd>(
                simd: S,
                a: Self::V<S>,
                b: Self::V<S>,
                if_true: Self::V<S>,
                if_false: Self::V<S>,
            ) -> Self::V<S> {
                simd.$select(simd.$lt(a, b), if_true, if_false)
            }
            #[inline(always)]
            fn mul_add<S: Simd>(
                simd: S,
                a: Self::V<S>,
                b: Self::V<S>,
                c: Self::V<S>,
            ) -> Self::V<S> {
                simd.$mul_add(a, b, c)
            }
            #[inline(always)]
            fn sum<S: Simd>(simd: S, a: Self::V<S>) -> f64 {
                simd.$sum(a) as f64
            }
        }
    };
}
elem!(
    f32,
    f32s,
    as_simd_f32s,
    splat_f32s,
    add_f32s,
    mul_add_e_f32s,
    reduce_sum_f32s,
    sub_f32s,
    mul_f32s,
    min_f32s,
    max_f32s,
    abs_f32s,
    greater_than_f32s,
    less_than_f32s,
    select_f32s
);
elem!(
    f64,
    f64s,
    as_simd_f64s,
    splat_f64s,
    add_f64s,
    mul_add_e_f64s,
    reduce_sum_f64s,
    sub_f64s,
    mul_f64s,
    min_f64s,
    max_f64s,
    abs_f64s,
    greater_than_f64s,
    less_than_f64s,
    select_f64s
);

/// A loss that is a function `ℓ(r)` of the residual `r = y − ŷ` alone, written over vectors
/// for the fused kernels and over `f64` for the few points at the end of a chunk. Its gradient
/// in the line's weight is `−mean(ℓ'(r)·x)`, in its bias `−mean(ℓ'(r))`.
pub trait Residual: Copy + Send + Sync + 'static {
    /// `acc + ℓ(r)` (one fused multiply-add for the square).
    fn accumulate<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>, acc: T::V<S>) -> T::V<S>;
    /// `ℓ'(r)`, the derivative PyTorch's backward uses (0 at a kink).
    fn derivative<S: Simd, T: Elem>(&self, simd: S, r: T::V<S>) -> T::V<S>;
    /// `ℓ(r)` of one value.
    fn value1(&self, r: f64) -> f64;
    /// `ℓ'(r)` of one value.
    fn derivative1(&self, r: f64) -> f64;
}

/// `Σ ℓ(yb − w·x)` over one chunk for each of `B` weights, given as `−w`.
#[inline(always)]
fn block_sums<S: Simd, T: Elem, L: Residual, const B: usize>(
    simd: S,
    loss: L,
    (xv, xt): (&[T::V<S>], &[T]),
    (yv, yt): (&[T::V<S>], &[T]),
    neg_w: &[T],
) -> [f64; B] {
    let nw: [T::V<S>; B] = std::array::from_fn(|k| T::splat(simd, neg_w[k]));
    let mut acc = [T::splat(simd, T::default()); B];
    for (&x, &y) in xv.iter().zip(yv) {
        for k in 0..B {
            let r = T::mul_add(simd, nw[k], x, y);
            acc[k] = loss.accumulate::<S, T>(simd, r, acc[k]);
        }
    }
    std::array::from_fn(|k| {
        let tail: f64 = xt
            .iter()
            .zip(yt)
            .map(|(&x, &y)| {
                let r = y + neg_w[k] * x;
                loss.value1(r.widen())
            })
            .sum();
        T::sum(simd, acc[k]) + tail
    })
}

/// One chunk of the sweep: adds `Σ ℓ(yb − w·x)` for every weight to `out[k · stride]`.
struct SweepChunk<'a, T, L> {
    loss: L,
    x: &'a [T],
    yb: &'a [T],
    neg_w: &'a [T],
    out: &'a mut [f64],
    stride: usize,
}

impl<T: Elem, L: Residual> WithSimd for SweepChunk<'_, T, L> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let (x, y) = (T::as_simd::<S>(self.x), T::as_simd::<S>(self.yb));
        let blocks = self.neg_w.chunks_exact(BLOCK);
        let rest = blocks.remainder();
        for (i, w) in blocks.enumerate() {
            for (k, s) in block_sums::<S, T, L, BLOCK>(simd, self.loss, x, y, w)
                .into_iter()
                .enumerate()
            {
                self.out[(i * BLOCK + k) * self.stride] += s;
            }
        }
        let first = self.neg_w.len() - rest.len();
        for (k, w) in rest.iter().enumerate() {
            let [s] = block_sums::<S, T, L, 1>(simd, self.loss, x, y, std::slice::from_ref(w));
            self.out[(first + k) * self.stride] += s;
        }
    }
}

/// `mean(ℓ(y − w·x − b))` for every `(w, b)` of `weights × biases`, weight-major.
pub(crate) fn sweep<T: Elem, L: Residual>(
    loss: L,
    x: &[T],
    y: &[T],
    weights: &[f64],
    biases: &[f64],
) -> Vec<f64> {
    let (nw, nb) = (weights.len(), biases.len());
    let neg_w: Vec<T> = weights.iter().map(|&w| T::narrow(-w)).collect();
    let b: Vec<T> = biases.iter().map(|&b| T::narrow(b)).collect();
    let arch = Arch::new();
    // Sums over one chunk of points for the weights `neg_w[range]`, into `out` (weight-major).
    let chunk = |xc: &[T], yc: &[T], neg_w: &[T], out: &mut [f64]| {
        let mut yb = vec![T::default(); xc.len()];
        for (j, &bj) in b.iter().enumerate() {
            // y − b once per chunk and bias, so each (w, b) costs two fused multiply-adds.
            for (d, &yv) in yb.iter_mut().zip(yc) {
                *d = yv - bj;
            }
            arch.dispatch(SweepChunk {
                loss,
                x: xc,
                yb: &yb,
                neg_w,
                out: &mut out[j..],
                stride: nb,
            });
        }
    };
    let chunks = x.len().div_ceil(CHUNK);
    let threads = rayon::current_num_threads();
    let mut total = if chunks >= 4 * threads || nw < 2 * BLOCK * threads {
        // Many points: threads take chunks of data, each with its own sums for every weight.
        x.par_chunks(CHUNK)
            .zip(y.par_chunks(CHUNK))
            .fold(
                || vec![0.0; nw * nb],
                |mut acc, (xc, yc)| {
                    chunk(xc, yc, &neg_w, &mut acc);
                    acc
                },
            )
            .reduce(
                || vec![0.0; nw * nb],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                    a
                },
            )
    } else {
        // Few points, many weights: threads take blocks of weights, each over all the data.
        let mut out = vec![0.0; nw * nb];
        out.par_chunks_mut(BLOCK * nb)
            .enumerate()
            .for_each(|(i, o)| {
                let w = &neg_w[i * BLOCK..i * BLOCK + o.len() / nb];
                for (xc, yc) in x.chunks(CHUNK).zip(y.chunks(CHUNK)) {
                    chunk(xc, yc, w, o);
                }
            });
        out
    };
    let n = x.len() as f64;
    total.iter_mut().for_each(|s| *s /= n);
    total
}

/// `(Σℓ(r), Σℓ'(r), Σx·ℓ'(r))` over one chunk, `r = y − w·x − b`.
struct StatsChunk<'a, T, L> {
    loss: L,
    x: &'a [T],
    y: &'a [T],
    w: T,
    b: T,
}

impl<T: Elem, L: Residual> WithSimd for StatsChunk<'_, T, L> {
    type Output = [f64; 3];

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> [f64; 3] {
        let (xv, xt) = T::as_simd::<S>(self.x);
        let (yv, yt) = T::as_simd::<S>(self.y);
        let neg_w = T::splat(simd, T::default() - self.w);
        let neg_b = T::splat(simd, T::default() - self.b);
        let zero = T::splat(simd, T::default());
        // Two sets of accumulators, so consecutive vectors do not wait on each other.
        let (mut s2, mut s1, mut sx) = ([zero; 2], [zero; 2], [zero; 2]);
        let pairs = xv.chunks_exact(2).zip(yv.chunks_exact(2));
        let (x_rest, y_rest) = (
            xv.chunks_exact(2).remainder(),
            yv.chunks_exact(2).remainder(),
        );
        let loss = self.loss;
        for (x, y) in pairs {
            for u in 0..2 {
                let r = T::mul_add(simd, neg_w, x[u], T::vadd(simd, y[u], neg_b));
                let g = loss.derivative::<S, T>(simd, r);
                s2[u] = loss.accumulate::<S, T>(simd, r, s2[u]);
                s1[u] = T::vadd(simd, s1[u], g);
                sx[u] = T::mul_add(simd, x[u], g, sx[u]);
            }
        }
        for (&x, &y) in x_rest.iter().zip(y_rest) {
            let r = T::mul_add(simd, neg_w, x, T::vadd(simd, y, neg_b));
            let g = loss.derivative::<S, T>(simd, r);
            s2[0] = loss.accumulate::<S, T>(simd, r, s2[0]);
            s1[0] = T::vadd(simd, s1[0], g);
            sx[0] = T::mul_add(simd, x, g, sx[0]);
        }
        let mut out = [0.0; 3];
        for (o, s) in out.iter_mut().zip([s2, s1, sx]) {
            *o = T::sum(simd, s[0]) + T::sum(simd, s[1]);
        }
        for (&x, &y) in xt.iter().zip(yt) {
            let r = (y - self.w * x - self.b).widen();
            let g = loss.derivative1(r);
            out[0] += loss.value1(r);
            out[1] += g;
            out[2] += x.widen() * g;
        }
        out
    }
}

/// Points per parallel task in [`stats`]; below this, one thread does it all.
const PAR_POINTS: usize = 1 << 16;

/// `(Σℓ(r), Σℓ'(r), Σx·ℓ'(r))` with `r = y − w·x − b`: the loss and both gradients in one pass.
pub(crate) fn stats<T: Elem, L: Residual>(loss: L, x: &[T], y: &[T], w: f64, b: f64) -> [f64; 3] {
    let (w, b) = (T::narrow(w), T::narrow(b));
    let arch = Arch::new();
    let serial = |x: &[T], y: &[T]| {
        x.chunks(CHUNK)
            .zip(y.chunks(CHUNK))
            .fold([0.0; 3], |acc, (x, y)| {
                let s = arch.dispatch(StatsChunk { loss, x, y, w, b });
                [acc[0] + s[0], acc[1] + s[1], acc[2] + s[2]]
            })
    };
    if x.len() <= PAR_POINTS {
        return serial(x, y);
    }
    x.par_chunks(PAR_POINTS)
        .zip(y.par_chunks(PAR_POINTS))
        .map(|(x, y)| serial(x, y))
        .reduce(|| [0.0; 3], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
}
