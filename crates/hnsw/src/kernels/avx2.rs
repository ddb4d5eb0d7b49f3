//! AVX2 + FMA kernels: two 8-lane accumulators over 16-element blocks, an
//! 8-element step, then a scalar tail.

use std::arch::x86_64::*;

use super::Kernels;

/// Only handed out by [`super::avx2_fma`] after it has detected AVX2 and
/// FMA: the safe wrappers below rely on that.
pub(super) static KERNELS: Kernels = Kernels {
    name: "avx2+fma",
    dot,
    sq_l2,
};

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: `KERNELS` is only reachable once AVX2 and FMA are detected.
    unsafe { fold::<false>(a, b) }
}

fn sq_l2(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: as in `dot`.
    unsafe { fold::<true>(a, b) }
}

/// The horizontal sum of `lo + hi`.
#[target_feature(enable = "avx2,fma")]
fn reduce(lo: __m256, hi: __m256) -> f32 {
    let v = _mm256_add_ps(lo, hi);
    let q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let d = _mm_add_ps(q, _mm_movehl_ps(q, q));
    let s = _mm_add_ss(d, _mm_shuffle_ps::<0b01>(d, d));
    _mm_cvtss_f32(s)
}

/// `Σ aᵢbᵢ`, or `Σ (aᵢ - bᵢ)²` when `L2`.
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
unsafe fn fold<const L2: bool>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let step = |acc: __m256, x: __m256, y: __m256| {
        if L2 {
            let d = _mm256_sub_ps(x, y);
            _mm256_fmadd_ps(d, d, acc)
        } else {
            _mm256_fmadd_ps(x, y, acc)
        }
    };
    let mut i = 0;
    let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    // SAFETY: every load reads 8 floats at `i` or `i + 8` with
    // `i + 16 <= n` (or `i + 8 <= n`), inside both slices.
    unsafe {
        while i + 16 <= n {
            lo = step(lo, _mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)));
            hi = step(
                hi,
                _mm256_loadu_ps(pa.add(i + 8)),
                _mm256_loadu_ps(pb.add(i + 8)),
            );
            i += 16;
        }
        if i + 8 <= n {
            lo = step(lo, _mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)));
            i += 8;
        }
    }
    let mut sum = reduce(lo, hi);
    for j in i..n {
        let (x, y) = (a[j], b[j]);
        sum += if L2 { (x - y) * (x - y) } else { x * y };
    }
    sum
}
