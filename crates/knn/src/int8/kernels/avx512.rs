//! The AVX-512 VNNI kernel: `vpdpbusd`, four queries per pass over the rows.

use std::arch::x86_64::*;

use super::Kernels;
use crate::int8::{Blocks, Int8Query, BLOCK_ROWS};

/// Only handed out by [`super::avx512_vnni`] after it has detected
/// AVX-512F and AVX-512 VNNI: the safe wrapper below relies on that.
pub(super) static KERNELS: Kernels = Kernels {
    name: "avx512-vnni",
    score_blocks,
};

/// [`Kernels::score_blocks`]: the queries four at a time, then the rest
/// one by one.
fn score_blocks(args: &Blocks<'_>, queries: &[&Int8Query], outs: &mut [&mut [f32]]) {
    let mut queries4 = queries.chunks_exact(4);
    let mut outs4 = outs.chunks_exact_mut(4);
    for (queries, outs) in (&mut queries4).zip(&mut outs4) {
        // SAFETY: `KERNELS` is only handed out when the CPU has AVX-512F
        // and AVX-512 VNNI.
        unsafe { score_blocks_vnni::<4>(args, queries, outs) };
    }
    for (query, out) in queries4.remainder().iter().zip(outs4.into_remainder()) {
        // SAFETY: as above.
        unsafe { score_blocks_vnni::<1>(args, &[query], std::slice::from_mut(out)) };
    }
}

/// [`super::portable`]'s scores for `Q` queries at once with
/// `vpdpbusd`, which multiplies unsigned by signed bytes: the queries
/// are offset by 128 to make them unsigned, and `128 * sum(c)` is taken
/// off again. Each chunk of rows is loaded once for the `Q` queries.
///
/// # Safety
/// The CPU must have AVX-512F and AVX-512 VNNI.
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn score_blocks_vnni<const Q: usize>(
    args: &Blocks<'_>,
    queries: &[&Int8Query],
    outs: &mut [&mut [f32]],
) {
    let queries: [&Int8Query; Q] = std::array::from_fn(|q| queries[q]);
    // The offset queries, broadcast from memory at each use.
    let codes: [Vec<i32>; Q] =
        queries.map(|q| q.groups.iter().map(|&c| (c ^ 0x8080_8080) as i32).collect());
    let query_scales = queries.map(|q| _mm512_set1_ps(q.scale));
    let zero = _mm512_setzero_si512();
    for (block, chunks) in args.chunks.chunks_exact(args.groups).enumerate() {
        // Two accumulators per query break the dependency chains.
        let mut acc = [[zero; 2]; Q];
        let mut pairs = chunks.chunks_exact(2);
        let mut g = 0;
        for pair in &mut pairs {
            // SAFETY: a `Chunk` is 64 bytes, aligned to 64.
            let (rows0, rows1) = unsafe {
                (
                    _mm512_load_si512(pair[0].0.as_ptr().cast()),
                    _mm512_load_si512(pair[1].0.as_ptr().cast()),
                )
            };
            for q in 0..Q {
                acc[q][0] = _mm512_dpbusd_epi32(acc[q][0], _mm512_set1_epi32(codes[q][g]), rows0);
                acc[q][1] =
                    _mm512_dpbusd_epi32(acc[q][1], _mm512_set1_epi32(codes[q][g + 1]), rows1);
            }
            g += 2;
        }
        if let [last] = pairs.remainder() {
            // SAFETY: as above.
            let rows = unsafe { _mm512_load_si512(last.0.as_ptr().cast()) };
            for q in 0..Q {
                acc[q][0] = _mm512_dpbusd_epi32(acc[q][0], _mm512_set1_epi32(codes[q][g]), rows);
            }
        }
        let rows = block * BLOCK_ROWS..(block + 1) * BLOCK_ROWS;
        // SAFETY: `sums`, `scales` and each out run hold 16 values per block.
        unsafe {
            let offsets =
                _mm512_slli_epi32::<7>(_mm512_loadu_si512(args.sums[rows.clone()].as_ptr().cast()));
            let scales = _mm512_loadu_ps(args.scales[rows.clone()].as_ptr());
            for q in 0..Q {
                let dots = _mm512_sub_epi32(_mm512_add_epi32(acc[q][0], acc[q][1]), offsets);
                let scores = _mm512_mul_ps(
                    _mm512_cvtepi32_ps(dots),
                    _mm512_mul_ps(scales, query_scales[q]),
                );
                _mm512_storeu_ps(outs[q][rows.clone()].as_mut_ptr(), scores);
            }
        }
    }
}
