//! The AVX2 + FMA variant: 8-lane `ymm` vectors, fused multiply-adds.

use std::arch::x86_64::*;

use super::generic::{self, Simd};
use super::{Kernels, Pairs};

/// Only handed out by [`super::avx2_fma`] after it has detected AVX2 and
/// FMA: the safe wrapper below relies on that.
pub(super) static KERNELS: Kernels = Kernels {
    name: "avx2+fma",
    pairs,
};

fn pairs(p: &mut Pairs<'_>) {
    // SAFETY: this function is only reachable through `KERNELS`, which
    // `avx2_fma()` hands out only after detecting AVX2 and FMA.
    unsafe { pairs_avx2(p) }
}

/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
unsafe fn pairs_avx2(p: &mut Pairs<'_>) {
    // SAFETY: the CPU has AVX2 and FMA (this function's contract).
    unsafe { generic::pairs::<Avx2>(p) }
}

struct Avx2;

impl Simd for Avx2 {
    type V = __m256;
    const W: usize = 8;
    const FUSED: bool = true;

    #[inline(always)]
    unsafe fn zero() -> __m256 {
        // SAFETY: AVX (the trait's contract).
        unsafe { _mm256_setzero_ps() }
    }

    #[inline(always)]
    unsafe fn splat(x: f32) -> __m256 {
        // SAFETY: AVX (the trait's contract).
        unsafe { _mm256_set1_ps(x) }
    }

    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        // SAFETY: 8 readable floats at `p` and AVX (the trait's contract).
        unsafe { _mm256_loadu_ps(p) }
    }

    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        // SAFETY: 8 writable floats at `p` and AVX (the trait's contract).
        unsafe { _mm256_storeu_ps(p, v) }
    }

    #[inline(always)]
    unsafe fn madd(a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: FMA (the trait's contract).
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    unsafe fn sum(v: __m256) -> f32 {
        // SAFETY: AVX (the trait's contract).
        unsafe {
            let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps::<1>(s, s));
            _mm_cvtss_f32(s)
        }
    }
}
