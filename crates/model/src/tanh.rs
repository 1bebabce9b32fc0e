//! `tanh` for the MLP's hidden layers, vectorised on the CPU: candle's calls the C library's
//! `tanhf` once an element, which was most of an MLP epoch's time. Here every element goes
//! through [`tanh64`], a branch-free `tanh` in f64 that the compiler vectorises for the vector
//! width picked at run time, within a few ulp of f64's `tanh` (so f32's result is the correctly
//! rounded one but for rare ties). Its gradient is `1 − tanh²`, from the output. Elsewhere than
//! the CPU it is candle's.

use candle_core::{CpuStorage, CustomOp1, DType, Layout, Result, Shape, Tensor};
use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

/// `tanh` of every element of `x`, differentiable.
pub fn tanh(x: &Tensor) -> Result<Tensor> {
    if !x.device().is_cpu() || !matches!(x.dtype(), DType::F32 | DType::F64) {
        return x.tanh();
    }
    x.contiguous()?.apply_op1(Tanh)
}

struct Tanh;

/// Elements a task, split across threads.
const PAR: usize = 1 << 14;

impl CustomOp1 for Tanh {
    fn name(&self) -> &'static str {
        "tanh"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let shape = layout.shape().clone();
        let out = match storage {
            CpuStorage::F32(_) => {
                let x = crate::mlp_pass::slice::<f32>(storage, layout)?;
                let mut out = vec![0f32; x.len()];
                out.par_chunks_mut(PAR)
                    .zip(x.par_chunks(PAR))
                    .for_each(|(out, x)| Arch::new().dispatch(Chunk { x, out }));
                CpuStorage::F32(out)
            }
            CpuStorage::F64(_) => {
                let x = crate::mlp_pass::slice::<f64>(storage, layout)?;
                let mut out = vec![0f64; x.len()];
                out.par_chunks_mut(PAR)
                    .zip(x.par_chunks(PAR))
                    .for_each(|(out, x)| Arch::new().dispatch(Chunk { x, out }));
                CpuStorage::F64(out)
            }
            _ => candle_core::bail!("tanh: f32 or f64 only"),
        };
        Ok((out, shape))
    }

    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        // d tanh(x)/dx = 1 − tanh(x)²: grad − grad·t·t, in candle's fastest ops.
        Ok(Some(grad_res.sub(&grad_res.mul(res)?.mul(res)?)?))
    }
}

/// One task's elements, run with the widest vectors the CPU has.
struct Chunk<'a, T> {
    x: &'a [T],
    out: &'a mut [T],
}

/// The float types the op runs on, through f64.
trait Float: Copy {
    fn tanh_of(self) -> Self;
}

impl Float for f32 {
    #[inline(always)]
    fn tanh_of(self) -> Self {
        tanh64(f64::from(self)) as f32
    }
}

impl Float for f64 {
    #[inline(always)]
    fn tanh_of(self) -> Self {
        tanh64(self)
    }
}

impl<T: Float> WithSimd for Chunk<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        for (out, &x) in self.out.iter_mut().zip(self.x) {
            *out = x.tanh_of();
        }
    }
}

/// `tanh(x)` without branches, so that a loop of it vectorises: `−expm1(−2|x|) / (2 +
/// expm1(−2|x|))` with the sign of x, `expm1` by range reduction (`2^k·(1 + p) − 1`) and a
/// Taylor polynomial on `|r| ≤ ln2/2`. Within a few ulp of `f64::tanh`.
#[inline(always)]
pub fn tanh64(x: f64) -> f64 {
    const SHIFTER: f64 = 6755399441055744.0; // 1.5·2^52: adding it rounds to an integer
                                             // ln 2 in two parts (fdlibm's): k·LN2_HI is exact for the k here.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // tanh(20) is 1 to f64's precision; min keeps u in [−40, 0], 2^k normal.
    let a = x.abs().min(20.0);
    let u = -2.0 * a;
    let t = u * std::f64::consts::LOG2_E + SHIFTER;
    let k = t.to_bits() as i64 - SHIFTER.to_bits() as i64;
    let kf = t - SHIFTER;
    let r = u - kf * LN2_HI - kf * LN2_LO;
    // expm1(r) = r + r²/2! + … + r¹³/13!: the next term is below 1e-16 of the sum.
    const C: [f64; 12] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
        1.0 / 362880.0,
        1.0 / 3628800.0,
        1.0 / 39916800.0,
        1.0 / 479001600.0,
        1.0 / 6227020800.0,
    ];
    let mut p = C[11];
    for c in C[..11].iter().rev() {
        p = p * r + c;
    }
    let p = r + r * r * p;
    let two_k = f64::from_bits(((k + 1023) as u64) << 52);
    let em1 = two_k * p + (two_k - 1.0);
    let t = -em1 / (2.0 + em1);
    let t = t.copysign(x);
    if x.is_nan() {
        x
    } else {
        t
    }
}

/// `tanh(x)` in f32 without branches, as [`tanh64`] computes it in f64: `−expm1(−2|x|) / (2 +
/// expm1(−2|x|))` with the sign of x, `expm1` by range reduction and a Taylor polynomial of
/// f32's precision. Within 3 ulp of the correctly rounded `tanh`: for the fused MLP pass,
/// where an f64 `tanh` would take twice the time.
#[inline(always)]
pub fn tanh32(x: f32) -> f32 {
    const SHIFTER: f32 = 12582912.0; // 1.5·2^23: adding it rounds to an integer
                                     // ln 2 in two parts: k·LN2_HI is exact for the k here.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // tanh(10) is 1 to f32's precision (tanh(9) is not); min keeps u in [−20, 0].
    let a = x.abs().min(10.0);
    let u = -2.0 * a;
    let t = u.mul_add(std::f32::consts::LOG2_E, SHIFTER);
    let k = t.to_bits() as i32 - SHIFTER.to_bits() as i32;
    let kf = t - SHIFTER;
    let r = (-kf).mul_add(LN2_LO, (-kf).mul_add(LN2_HI, u));
    // expm1(r) = r + r²/2! + … + r⁸/8!: the next term is below f32's precision of the sum.
    const C: [f32; 7] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
    ];
    let mut p = C[6];
    for c in C[..6].iter().rev() {
        p = p.mul_add(r, *c);
    }
    let p = (r * r).mul_add(p, r);
    let two_k = f32::from_bits(((k + 127) as u32) << 23);
    let em1 = two_k.mul_add(p, two_k - 1.0);
    let t = (-em1 / (2.0 + em1)).copysign(x);
    if x.is_nan() {
        x
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_free_tanh_is_within_a_few_ulp() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f64 * 1e-4 * (1.0 + 1e-3 * (i % 7) as f64);
            let (want, got) = (x.tanh(), tanh64(x));
            if want != 0.0 {
                worst = worst.max(((got - want) / want).abs());
            }
        }
        assert!(worst < 8.0 * f64::EPSILON, "worst relative error {worst:e}");
        for x in [
            0.0,
            -0.0,
            1e-300,
            -1e-20,
            19.9,
            20.0,
            700.0,
            -1e308,
            f64::INFINITY,
        ] {
            assert_eq!(tanh64(x), x.tanh(), "{x}");
        }
        assert!(tanh64(f64::NAN).is_nan());
    }

    #[test]
    fn the_f32_tanh_is_within_3_ulp() {
        let mut worst = 0.0f64;
        for k in -1_200_000..=1_200_000 {
            let x = k as f32 * 1e-5;
            let want = f64::from(x).tanh();
            let ulp = f64::from((want as f32).abs().next_up() - (want as f32).abs());
            worst = worst.max((f64::from(tanh32(x)) - want).abs() / ulp);
        }
        assert!(worst < 3.0, "worst error {worst} ulp");
        for x in [
            0.0f32,
            -0.0,
            1e-30,
            -1e-20,
            10.0,
            100.0,
            -3e38,
            f32::INFINITY,
        ] {
            assert_eq!(tanh32(x), (f64::from(x).tanh()) as f32, "{x}");
        }
        assert!(tanh32(f32::NAN).is_nan());
    }

    #[test]
    fn f32_gets_the_correctly_rounded_tanh() {
        let mut wrong = 0;
        for k in -200_000..=200_000 {
            let x = k as f32 * 1e-4;
            if tanh64(f64::from(x)) as f32 != (f64::from(x).tanh()) as f32 {
                wrong += 1;
            }
        }
        assert!(wrong <= 2, "{wrong} of 400001 differ");
    }
}
