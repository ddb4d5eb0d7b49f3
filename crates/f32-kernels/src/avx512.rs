//! The AVX2 kernels' arithmetic with one 16-lane register where they use two
//! 8-lane ones: lane `i` of the register is lane `i mod 8` of their first
//! (`i < 8`) or second accumulator, so every sum is the same, bit for bit.

use std::arch::x86_64::*;

use super::avx2::{self, Dot, Manhattan, SqEuclidean, Term};
use super::Kernels;

/// Only handed out by [`super::avx512`] after it has detected AVX-512F,
/// AVX2 and FMA: the safe wrappers below rely on that.
pub(super) static KERNELS: Kernels = Kernels {
    name: "avx512",
    dot,
    sq_euclidean,
    manhattan,
    dot4,
    dot2,
    blend,
};

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: this function is only reachable through `KERNELS`, which
    // `avx512()` returns only when the CPU has AVX-512F, AVX2 and FMA.
    unsafe { fold::<Dot>(a, b) }
}

fn sq_euclidean(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: as in `dot`.
    unsafe { fold::<SqEuclidean>(a, b) }
}

fn manhattan(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: as in `dot`.
    unsafe { fold::<Manhattan>(a, b) }
}

fn dot4(a: &[f32], bs: [&[f32]; 4]) -> [f32; 4] {
    // SAFETY: as in `dot`.
    unsafe { dots_512(a, bs) }
}

fn dot2(a: &[f32], bs: [&[f32]; 2]) -> [f32; 2] {
    // SAFETY: as in `dot`.
    unsafe { dots_512(a, bs) }
}

fn blend(m: &mut [f32], x: &[f32], factors: [f32; 3]) -> f32 {
    // SAFETY: as in `dot`.
    unsafe { blend_512(m, x, factors) }
}

/// A term of [`Term`] in 16 lanes.
trait Wide: Term {
    /// `acc + term(x, y)` lane-wise.
    ///
    /// # Safety
    /// The CPU must have AVX-512F.
    unsafe fn add16(acc: __m512, x: __m512, y: __m512) -> __m512;
}

impl Wide for Dot {
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn add16(acc: __m512, x: __m512, y: __m512) -> __m512 {
        _mm512_fmadd_ps(x, y, acc)
    }
}

impl Wide for SqEuclidean {
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn add16(acc: __m512, x: __m512, y: __m512) -> __m512 {
        let d = _mm512_sub_ps(x, y);
        _mm512_fmadd_ps(d, d, acc)
    }
}

impl Wide for Manhattan {
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn add16(acc: __m512, x: __m512, y: __m512) -> __m512 {
        _mm512_add_ps(acc, _mm512_abs_ps(_mm512_sub_ps(x, y)))
    }
}

/// The sum of the 16 lanes as the AVX2 kernels sum their two registers.
///
/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA.
#[inline]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn reduce(acc: __m512) -> f32 {
    let lo = _mm512_castps512_ps256(acc);
    let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(acc)));
    // SAFETY: the caller promises AVX2 and FMA.
    unsafe { avx2::reduce(lo, hi) }
}

/// Sum of `T::scalar(aᵢ, bᵢ)` in the order of the AVX2 `fold`.
///
/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn fold<T: Wide>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut i = 0;
    // SAFETY: every unaligned load reads 16 floats starting at `i` with
    // `i + 16 <= n`, inside both slices; the CPU features are the
    // caller's promise.
    let mut sum = unsafe {
        let mut acc = _mm512_setzero_ps();
        while i + 16 <= n {
            acc = T::add16(acc, _mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i)));
            i += 16;
        }
        reduce(acc)
    };
    for j in i..n {
        sum += T::scalar(a[j], b[j]);
    }
    sum
}

/// `[dot(a, b0), .., dot(a, b(K-1))]` in one pass over `a`.
///
/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn dots_512<const K: usize>(a: &[f32], bs: [&[f32]; K]) -> [f32; K] {
    let n = bs.iter().fold(a.len(), |n, b| n.min(b.len()));
    let pa = a.as_ptr();
    let pb = bs.map(<[f32]>::as_ptr);
    let mut i = 0;
    // SAFETY: every load reads 16 floats at `i` with `i + 16 <= n`,
    // inside `a` and every `bᵢ`.
    let mut sums = unsafe {
        let mut acc = [_mm512_setzero_ps(); K];
        while i + 16 <= n {
            let x = _mm512_loadu_ps(pa.add(i));
            for j in 0..K {
                acc[j] = _mm512_fmadd_ps(x, _mm512_loadu_ps(pb[j].add(i)), acc[j]);
            }
            i += 16;
        }
        acc.map(|acc| reduce(acc))
    };
    for j in i..n {
        for (sum, b) in sums.iter_mut().zip(bs) {
            *sum += a[j] * b[j];
        }
    }
    sums
}

/// The AVX2 `blend`, 16 elements at a time.
///
/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn blend_512(m: &mut [f32], x: &[f32], [c, s, t]: [f32; 3]) -> f32 {
    let n = m.len().min(x.len());
    let (pm, px) = (m.as_mut_ptr(), x.as_ptr());
    let mut i = 0;
    // SAFETY: every load and store covers 16 floats at `i` with
    // `i + 16 <= n`, inside both slices; `m` is borrowed mutably.
    let mut sum = unsafe {
        let (vc, vs, vt) = (_mm512_set1_ps(c), _mm512_set1_ps(s), _mm512_set1_ps(t));
        let mut acc = _mm512_setzero_ps();
        while i + 16 <= n {
            let old = _mm512_loadu_ps(pm.add(i));
            let xs = _mm512_mul_ps(_mm512_loadu_ps(px.add(i)), vs);
            let new = _mm512_mul_ps(_mm512_add_ps(_mm512_mul_ps(old, vc), xs), vt);
            _mm512_storeu_ps(pm.add(i), new);
            acc = _mm512_fmadd_ps(new, new, acc);
            i += 16;
        }
        reduce(acc)
    };
    for j in i..n {
        m[j] = (m[j] * c + x[j] * s) * t;
        sum += m[j] * m[j];
    }
    sum
}
