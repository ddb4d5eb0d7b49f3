//! The AVX2 kernel: `vpmaddubsw`, one query at a time.

use std::arch::x86_64::*;

use super::Kernels;
use crate::int8::{Blocks, Int8Query, BLOCK_ROWS};

/// Only handed out by [`super::avx2`] after it has detected AVX2: the safe
/// wrapper below relies on that.
pub(super) static KERNELS: Kernels = Kernels {
    name: "avx2",
    score_blocks,
};

/// [`Kernels::score_blocks`], one query at a time.
fn score_blocks(args: &Blocks<'_>, queries: &[&Int8Query], outs: &mut [&mut [f32]]) {
    for (query, out) in queries.iter().zip(outs) {
        // SAFETY: `KERNELS` is only handed out when the CPU has AVX2.
        unsafe { score_blocks_avx2(args, query, out) };
    }
}

/// [`super::portable`]'s scores with `vpmaddubsw`, which multiplies
/// unsigned by signed bytes into saturating 16-bit pairs: the query's
/// magnitudes are the unsigned side and its signs are moved onto the
/// row codes (`vpsignb`), so a pair is at most 2 * 127 * 127 and never
/// saturates.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
unsafe fn score_blocks_avx2(args: &Blocks<'_>, query: &Int8Query, out: &mut [f32]) {
    let ones = _mm256_set1_epi16(1);
    let queries: Vec<(__m256i, __m256i)> = query
        .groups
        .iter()
        .map(|&q| {
            let q = _mm256_set1_epi32(q as i32);
            (_mm256_abs_epi8(q), q)
        })
        .collect();
    let query_scale = _mm256_set1_ps(query.scale);
    for (block, out) in out.chunks_exact_mut(BLOCK_ROWS).enumerate() {
        let chunks = &args.chunks[block * args.groups..(block + 1) * args.groups];
        let (mut lo, mut hi) = (_mm256_setzero_si256(), _mm256_setzero_si256());
        for (chunk, &(magnitude, signs)) in chunks.iter().zip(&queries) {
            // SAFETY: a `Chunk` is 64 bytes, aligned to 64: two aligned halves.
            let (rows_lo, rows_hi) = unsafe {
                let ptr = chunk.0.as_ptr().cast::<__m256i>();
                (_mm256_load_si256(ptr), _mm256_load_si256(ptr.add(1)))
            };
            let pairs_lo = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(rows_lo, signs));
            let pairs_hi = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(rows_hi, signs));
            lo = _mm256_add_epi32(lo, _mm256_madd_epi16(pairs_lo, ones));
            hi = _mm256_add_epi32(hi, _mm256_madd_epi16(pairs_hi, ones));
        }
        let row0 = block * BLOCK_ROWS;
        // SAFETY: `scales` and `out` hold 16 values per block: two halves of 8.
        unsafe {
            for (half, dots) in [(0, lo), (8, hi)] {
                let scales = _mm256_loadu_ps(args.scales[row0 + half..row0 + half + 8].as_ptr());
                let scores =
                    _mm256_mul_ps(_mm256_cvtepi32_ps(dots), _mm256_mul_ps(scales, query_scale));
                _mm256_storeu_ps(out[half..half + 8].as_mut_ptr(), scores);
            }
        }
    }
}
