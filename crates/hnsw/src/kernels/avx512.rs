//! AVX-512 kernels: two 16-lane accumulators over 32-element blocks, then
//! one masked load for the tail (no scalar loop).

use std::arch::x86_64::*;

use super::Kernels;

/// Only handed out by [`super::avx512`] after it has detected AVX-512F:
/// the safe wrappers below rely on that.
pub(super) static KERNELS: Kernels = Kernels {
    name: "avx512",
    dot,
    sq_l2,
};

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: `KERNELS` is only reachable once AVX-512F is detected.
    unsafe { fold::<false>(a, b) }
}

fn sq_l2(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: as in `dot`.
    unsafe { fold::<true>(a, b) }
}

/// `Σ aᵢbᵢ`, or `Σ (aᵢ - bᵢ)²` when `L2`.
///
/// # Safety
/// The CPU must have AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn fold<const L2: bool>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let step = |acc: __m512, x: __m512, y: __m512| {
        if L2 {
            let d = _mm512_sub_ps(x, y);
            _mm512_fmadd_ps(d, d, acc)
        } else {
            _mm512_fmadd_ps(x, y, acc)
        }
    };
    let mut i = 0;
    let (mut lo, mut hi) = (_mm512_setzero_ps(), _mm512_setzero_ps());
    // SAFETY: the full loads read 16 floats at `i` or `i + 16` with
    // `i + 32 <= n` (or `i + 16 <= n`), inside both slices; the masked
    // loads touch only the `n - i < 16` lanes below `n` (masked-off lanes
    // are never read and cannot fault).
    unsafe {
        while i + 32 <= n {
            lo = step(lo, _mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i)));
            hi = step(
                hi,
                _mm512_loadu_ps(pa.add(i + 16)),
                _mm512_loadu_ps(pb.add(i + 16)),
            );
            i += 32;
        }
        if i + 16 <= n {
            lo = step(lo, _mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i)));
            i += 16;
        }
        if i < n {
            let mask: __mmask16 = (1u16 << (n - i)) - 1;
            let x = _mm512_maskz_loadu_ps(mask, pa.add(i));
            let y = _mm512_maskz_loadu_ps(mask, pb.add(i));
            hi = step(hi, x, y);
        }
    }
    _mm512_reduce_add_ps(_mm512_add_ps(lo, hi))
}
