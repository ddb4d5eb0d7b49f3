//! The AVX-512 variant: 16-lane `zmm` vectors, fused multiply-adds.

use std::arch::x86_64::*;

use super::generic::{self, Simd};
use super::{Kernels, Pairs, Sequential};

/// Only handed out by [`super::avx512`] after it has detected AVX-512F,
/// AVX2 and FMA: the safe wrapper below relies on that.
pub(super) static KERNELS: Kernels = Kernels {
    name: "avx512",
    pairs,
    sequential,
};

fn pairs(p: &mut Pairs<'_>) {
    // SAFETY: this function is only reachable through `KERNELS`, which
    // `avx512()` hands out only after detecting AVX-512F, AVX2 and FMA.
    unsafe { pairs_avx512(p) }
}

/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn pairs_avx512(p: &mut Pairs<'_>) {
    // SAFETY: the CPU has AVX-512F (this function's contract).
    unsafe { generic::pairs::<Avx512>(p) }
}

fn sequential(p: &mut Sequential<'_>) {
    // SAFETY: only reachable through `KERNELS`, which `avx512()` hands out
    // only after detecting AVX-512F, AVX2 and FMA.
    unsafe { sequential_avx512(p) }
}

/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn sequential_avx512(p: &mut Sequential<'_>) {
    // SAFETY: the CPU has the features (this function's contract).
    unsafe { generic::sequential::<Avx512>(p) }
}

struct Avx512;

impl Simd for Avx512 {
    type V = __m512;
    const W: usize = 16;

    #[inline(always)]
    unsafe fn zero() -> __m512 {
        // SAFETY: AVX-512F (the trait's contract).
        unsafe { _mm512_setzero_ps() }
    }

    #[inline(always)]
    unsafe fn splat(x: f32) -> __m512 {
        // SAFETY: AVX-512F (the trait's contract).
        unsafe { _mm512_set1_ps(x) }
    }

    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        // SAFETY: 16 readable floats at `p` and AVX-512F (the trait's contract).
        unsafe { _mm512_loadu_ps(p) }
    }

    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        // SAFETY: 16 writable floats at `p` and AVX-512F (the trait's contract).
        unsafe { _mm512_storeu_ps(p, v) }
    }

    #[inline(always)]
    unsafe fn load_part(p: *const f32, n: usize) -> __m512 {
        // SAFETY: `n < 16` readable floats at `p`, and the mask enables
        // exactly those lanes (masked-off lanes are not read); AVX-512F.
        unsafe { _mm512_maskz_loadu_ps((1u16 << n) - 1, p) }
    }

    #[inline(always)]
    unsafe fn store_part(p: *mut f32, v: __m512, n: usize) {
        // SAFETY: `n < 16` writable floats at `p`, and the mask enables
        // exactly those lanes (masked-off lanes are not written); AVX-512F.
        unsafe { _mm512_mask_storeu_ps(p, (1u16 << n) - 1, v) }
    }

    #[inline(always)]
    unsafe fn madd(a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: AVX-512F (the trait's contract).
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }

    #[inline(always)]
    unsafe fn sum(v: __m512) -> f32 {
        // SAFETY: AVX-512F (the trait's contract).
        unsafe { _mm512_reduce_add_ps(v) }
    }
}
