//! The portable kernel, and the reference of the tests.

use crate::int8::{Blocks, Chunk, Int8Query, BLOCK_ROWS, GROUP};

/// The integer dot products of one block's 16 rows with the query.
fn dot_block(chunks: &[Chunk], query: &[u32]) -> [i32; BLOCK_ROWS] {
    let mut dots = [0; BLOCK_ROWS];
    for (chunk, &q) in chunks.iter().zip(query) {
        let q = q.to_le_bytes().map(|b| i32::from(b as i8));
        for (lane, dot) in dots.iter_mut().enumerate() {
            let codes = &chunk.0[lane * GROUP..(lane + 1) * GROUP];
            *dot += codes
                .iter()
                .zip(q)
                .map(|(&c, q)| i32::from(c) * q)
                .sum::<i32>();
        }
    }
    dots
}

/// [`super::Kernels::score_blocks`], one query at a time.
pub(super) fn score_blocks(args: &Blocks<'_>, queries: &[&Int8Query], outs: &mut [&mut [f32]]) {
    for (query, out) in queries.iter().zip(outs) {
        for (block, out) in out.chunks_exact_mut(BLOCK_ROWS).enumerate() {
            let chunks = &args.chunks[block * args.groups..(block + 1) * args.groups];
            let dots = dot_block(chunks, &query.groups);
            for (lane, score) in out.iter_mut().enumerate() {
                let scale = args.scales[block * BLOCK_ROWS + lane] * query.scale;
                *score = dots[lane] as f32 * scale;
            }
        }
    }
}
