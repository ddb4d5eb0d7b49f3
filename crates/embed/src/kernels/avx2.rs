//! The AVX2 + FMA variant: 8-lane `ymm` vectors, fused multiply-adds.

use std::arch::x86_64::*;

use super::generic::{self, Simd};
use super::{Kernels, Pairs, Sequential};

/// Only handed out by [`super::avx2_fma`] after it has detected AVX2 and
/// FMA: the safe wrapper below relies on that.
pub(super) static KERNELS: Kernels = Kernels {
    name: "avx2+fma",
    pairs,
    sequential,
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

fn sequential(p: &mut Sequential<'_>) {
    // SAFETY: only reachable through `KERNELS`, which `avx2_fma()` hands out
    // only after detecting AVX2 and FMA.
    unsafe { sequential_avx2(p) }
}

/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
unsafe fn sequential_avx2(p: &mut Sequential<'_>) {
    // SAFETY: the CPU has the features (this function's contract).
    unsafe { generic::sequential::<Avx2>(p) }
}

struct Avx2;

/// Lanes `0..n` set (all bits), the others clear (`n <= 8`).
#[inline(always)]
unsafe fn mask(n: usize) -> __m256i {
    const ONES: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];
    // SAFETY: `8 - n` is in 0..=8, so the 8 lanes read are inside `ONES`; AVX.
    unsafe { _mm256_loadu_si256(ONES.as_ptr().add(8 - n).cast()) }
}

impl Simd for Avx2 {
    type V = __m256;
    const W: usize = 8;

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
    unsafe fn load_part(p: *const f32, n: usize) -> __m256 {
        // SAFETY: `n < 8` readable floats at `p`, and the mask enables
        // exactly those lanes (masked-off lanes are not read); AVX.
        unsafe { _mm256_maskload_ps(p, mask(n)) }
    }

    #[inline(always)]
    unsafe fn store_part(p: *mut f32, v: __m256, n: usize) {
        // SAFETY: `n < 8` writable floats at `p`, and the mask enables
        // exactly those lanes (masked-off lanes are not written); AVX.
        unsafe { _mm256_maskstore_ps(p, mask(n), v) }
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
