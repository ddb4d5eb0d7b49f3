//! [`Int8Rows`]: unit vectors quantised to one signed byte per component,
//! laid out for fast dot products, with a bound on every score's error.
//!
//! Exact search uses it to scan a quarter of the bytes of the f32 matrix and
//! then re-rank, in f32, only the rows whose score could still be among the
//! best ([`crate::ExactIndexer`]): the answer stays exact.
//!
//! Row `r` is stored as codes `c = round(x / s)` with the row's scale
//! `s = max|x_i| / 127`, so `x = s c + e`; a query `q` likewise as
//! `q = t p + f`. Then `x . q - s t (c . p) = (s c) . f + e . q`, at most
//! `|s c| |f| + |e| |q|` (Cauchy-Schwarz; `|e|` is kept per row, `|f|` is
//! known per query), which [`Int8Rows::error_bound`] returns. `c . p` is an
//! exact integer, computed with AVX-512 VNNI or AVX2 when the CPU has them
//! (chosen at run time) or in portable code; all give the same integers.

use ndarray::ArrayView2;
use rayon::prelude::*;

/// Rows per block: one 512-bit register holds four components of 16 rows.
pub const BLOCK_ROWS: usize = 16;

/// Components per group (four bytes of one row, next to each other).
const GROUP: usize = 4;

/// Four components of each of the 16 rows of a block, row-major inside.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Chunk([i8; BLOCK_ROWS * GROUP]);

/// Slack added to every error bound for the f32 rounding of the scores and
/// of the f32 dot products they are compared with (all at most 1 in
/// magnitude for unit vectors).
const ROUNDING_SLACK: f32 = 1e-5;

/// An `n x dim` matrix quantised to bytes, in blocks of [`BLOCK_ROWS`] rows.
#[derive(Debug, Clone)]
pub struct Int8Rows {
    rows: usize,
    dim: usize,
    /// `ceil(dim / 4)`: chunks per block.
    groups: usize,
    /// Block `b`, group `g` is `chunks[b * groups + g]`; padding is zero.
    chunks: Vec<Chunk>,
    /// Per row (padded to whole blocks): the scale `s`.
    scales: Vec<f32>,
    /// Per row: the sum of the codes (the VNNI kernel needs it).
    sums: Vec<i32>,
    /// Per row: `|s c|`, the norm of the quantised row.
    code_norms: Vec<f32>,
    /// Per row: `|e| = |x - s c|`, the norm of the rounding error.
    error_norms: Vec<f32>,
    /// The largest of `code_norms` and of `error_norms`.
    max_code_norm: f32,
    max_error_norm: f32,
}

/// A query quantised for [`Int8Rows::scores`].
#[derive(Debug, Clone)]
pub struct Int8Query {
    /// Per group, the four codes as bytes of one little-endian `u32`.
    groups: Vec<u32>,
    /// The scale `t`.
    scale: f32,
    /// `|q|`.
    norm: f32,
    /// `|f| = |q - t p|`.
    error_norm: f32,
}

impl Int8Rows {
    /// Quantises `rows` (in parallel). `None` if any value is not finite.
    pub fn new(rows: ArrayView2<'_, f32>) -> Option<Self> {
        let (n, dim) = rows.dim();
        let groups = dim.div_ceil(GROUP);
        let blocks = n.div_ceil(BLOCK_ROWS);
        let mut chunks = vec![Chunk([0; BLOCK_ROWS * GROUP]); blocks * groups];
        let padded = blocks * BLOCK_ROWS;
        let (mut scales, mut sums) = (vec![0.0f32; padded], vec![0i32; padded]);
        let (mut code_norms, mut error_norms) = (vec![0.0f32; padded], vec![0.0f32; padded]);
        let finite = chunks
            .par_chunks_mut(groups.max(1))
            .zip(scales.par_chunks_mut(BLOCK_ROWS))
            .zip(sums.par_chunks_mut(BLOCK_ROWS))
            .zip(code_norms.par_chunks_mut(BLOCK_ROWS))
            .zip(error_norms.par_chunks_mut(BLOCK_ROWS))
            .enumerate()
            .all(
                |(block, ((((chunks, scales), sums), code_norms), error_norms))| {
                    for lane in 0..BLOCK_ROWS.min(n.saturating_sub(block * BLOCK_ROWS)) {
                        let row = rows.row(block * BLOCK_ROWS + lane);
                        let Some(q) = Quantised::new(row.iter().copied()) else {
                            return false;
                        };
                        for (i, &c) in q.codes.iter().enumerate() {
                            chunks[i / GROUP].0[lane * GROUP + i % GROUP] = c;
                        }
                        scales[lane] = q.scale;
                        sums[lane] = q.codes.iter().map(|&c| i32::from(c)).sum();
                        code_norms[lane] = q.code_norm;
                        error_norms[lane] = q.error_norm;
                    }
                    true
                },
            );
        let max = |v: &[f32]| v.iter().copied().fold(0.0f32, f32::max);
        finite.then(|| Int8Rows {
            rows: n,
            dim,
            groups,
            max_code_norm: max(&code_norms),
            max_error_norm: max(&error_norms),
            chunks,
            scales,
            sums,
            code_norms,
            error_norms,
        })
    }

    /// Quantises a query of this dimension; `None` if its length differs, a
    /// value is not finite, or it is all zeros.
    pub fn query(&self, query: &[f32]) -> Option<Int8Query> {
        if query.len() != self.dim {
            return None;
        }
        let q = Quantised::new(query.iter().copied())?;
        if q.scale == 0.0 {
            return None;
        }
        let mut groups = vec![0u32; self.groups];
        for (i, &c) in q.codes.iter().enumerate() {
            groups[i / GROUP] |= u32::from(c as u8) << (8 * (i % GROUP));
        }
        Some(Int8Query {
            groups,
            scale: q.scale,
            norm: q.norm,
            error_norm: q.error_norm,
        })
    }

    /// Approximate scores `s t (c . p)` of the rows `first..first +
    /// out.len()` into `out`. `first` must be a multiple of [`BLOCK_ROWS`]
    /// and the range within the rows (panics otherwise: a caller's bug).
    pub fn scores(&self, query: &Int8Query, first: usize, out: &mut [f32]) {
        let len = out.len();
        self.scores_many(&[query], first, len, out);
    }

    /// [`Int8Rows::scores`] of the rows `first..first + len` for several
    /// queries: `out` holds one run of `len` scores per query, in order.
    /// Faster than one call per query: with AVX-512 VNNI each chunk of rows
    /// is loaded once for four queries.
    pub fn scores_many(&self, queries: &[&Int8Query], first: usize, len: usize, out: &mut [f32]) {
        assert!(first.is_multiple_of(BLOCK_ROWS) && first + len <= self.rows);
        assert_eq!(
            out.len(),
            queries.len() * len,
            "one run of scores per query"
        );
        for query in queries {
            assert_eq!(
                query.groups.len(),
                self.groups,
                "query of another dimension"
            );
        }
        if len == 0 {
            return;
        }
        let whole = len / BLOCK_ROWS * BLOCK_ROWS;
        let mut runs: Vec<&mut [f32]> = out.chunks_mut(len).collect();
        if whole > 0 {
            let mut bodies: Vec<&mut [f32]> =
                runs.iter_mut().map(|run| &mut run[..whole]).collect();
            self.score_blocks(queries, first / BLOCK_ROWS, &mut bodies);
        }
        if whole < len {
            let mut last = vec![0.0; queries.len() * BLOCK_ROWS];
            let mut lasts: Vec<&mut [f32]> = last.chunks_mut(BLOCK_ROWS).collect();
            self.score_blocks(queries, (first + whole) / BLOCK_ROWS, &mut lasts);
            for (run, last) in runs.iter_mut().zip(lasts) {
                run[whole..].copy_from_slice(&last[..len - whole]);
            }
        }
    }

    /// Scores whole blocks from `block` on, for each query into its `outs`
    /// run (all of the same length, a multiple of 16).
    fn score_blocks(&self, queries: &[&Int8Query], block: usize, outs: &mut [&mut [f32]]) {
        let blocks = outs.first().map_or(0, |out| out.len() / BLOCK_ROWS);
        let rows = block * BLOCK_ROWS..(block + blocks) * BLOCK_ROWS;
        let args = Blocks {
            chunks: &self.chunks[block * self.groups..(block + blocks) * self.groups],
            groups: self.groups,
            scales: &self.scales[rows.clone()],
            sums: &self.sums[rows],
        };
        #[cfg(target_arch = "x86_64")]
        {
            if simd::has_vnni() {
                let mut queries4 = queries.chunks_exact(4);
                let mut outs4 = outs.chunks_exact_mut(4);
                for (queries, outs) in (&mut queries4).zip(&mut outs4) {
                    // SAFETY: the CPU has AVX-512F and AVX-512 VNNI (checked).
                    unsafe { simd::score_blocks_vnni::<4>(&args, queries, outs) };
                }
                for (query, out) in queries4.remainder().iter().zip(outs4.into_remainder()) {
                    // SAFETY: as above.
                    unsafe {
                        simd::score_blocks_vnni::<1>(&args, &[query], std::slice::from_mut(out))
                    };
                }
                return;
            }
            if simd::has_avx2() {
                for (query, out) in queries.iter().zip(outs) {
                    // SAFETY: the CPU has AVX2 (checked).
                    unsafe { simd::score_blocks_avx2(&args, query, out) };
                }
                return;
            }
        }
        for (query, out) in queries.iter().zip(outs) {
            score_blocks_portable(&args, query, out);
        }
    }

    /// [`Int8Rows::error_bound`] for the worst row: no approximate score
    /// differs from its f32 dot product by more.
    pub fn max_error_bound(&self, query: &Int8Query) -> f32 {
        self.max_code_norm * query.error_norm + self.max_error_norm * query.norm + ROUNDING_SLACK
    }

    /// The most the approximate score of `row` can differ from the f32 dot
    /// product of the row and the query that was quantised.
    #[inline]
    pub fn error_bound(&self, query: &Int8Query, row: usize) -> f32 {
        self.code_norms[row] * query.error_norm
            + self.error_norms[row] * query.norm
            + ROUNDING_SLACK
    }
}

/// Codes and scale of one vector, and the norms the error bound needs.
struct Quantised {
    codes: Vec<i8>,
    scale: f32,
    /// `|x|`, `|s c|` and `|x - s c|`, computed in f64 and rounded up.
    norm: f32,
    code_norm: f32,
    error_norm: f32,
}

impl Quantised {
    /// `round(x / s)` with `s = max|x| / 127`; `None` if a value is not finite.
    fn new(values: impl Iterator<Item = f32> + Clone) -> Option<Self> {
        let mut max = 0.0f32;
        for x in values.clone() {
            if !x.is_finite() {
                return None;
            }
            max = max.max(x.abs());
        }
        let scale = max / 127.0;
        let codes: Vec<i8> = values
            .clone()
            .map(|x| {
                if scale == 0.0 {
                    0
                } else {
                    (x / scale).round().clamp(-127.0, 127.0) as i8
                }
            })
            .collect();
        let (mut norm, mut code_norm, mut error_norm) = (0.0f64, 0.0f64, 0.0f64);
        for (x, &c) in values.zip(&codes) {
            let (x, q) = (f64::from(x), f64::from(scale) * f64::from(c));
            norm += x * x;
            code_norm += q * q;
            error_norm += (x - q) * (x - q);
        }
        let up = |v: f64| (v.sqrt() * (1.0 + 1e-6)) as f32;
        Some(Quantised {
            codes,
            scale,
            norm: up(norm),
            code_norm: up(code_norm),
            error_norm: up(error_norm),
        })
    }
}

/// What the scoring kernels read: whole blocks and their per-row data.
struct Blocks<'a> {
    chunks: &'a [Chunk],
    groups: usize,
    scales: &'a [f32],
    sums: &'a [i32],
}

/// The integer dot products of one block's 16 rows with the query.
fn dot_block_portable(chunks: &[Chunk], query: &[u32]) -> [i32; BLOCK_ROWS] {
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

/// The plain scoring kernel, and the reference of the tests.
fn score_blocks_portable(args: &Blocks<'_>, query: &Int8Query, out: &mut [f32]) {
    for (block, out) in out.chunks_exact_mut(BLOCK_ROWS).enumerate() {
        let chunks = &args.chunks[block * args.groups..(block + 1) * args.groups];
        let dots = dot_block_portable(chunks, &query.groups);
        for (lane, score) in out.iter_mut().enumerate() {
            let scale = args.scales[block * BLOCK_ROWS + lane] * query.scale;
            *score = dots[lane] as f32 * scale;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;
    use std::sync::OnceLock;

    use super::{Blocks, Int8Query, BLOCK_ROWS};

    /// Whether the CPU has AVX-512F and AVX-512 VNNI (checked once).
    pub(super) fn has_vnni() -> bool {
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| {
            is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vnni")
        })
    }

    /// Whether the CPU has AVX2 (checked once).
    pub(super) fn has_avx2() -> bool {
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| is_x86_feature_detected!("avx2"))
    }

    /// [`super::score_blocks_portable`] for `Q` queries at once with
    /// `vpdpbusd`, which multiplies unsigned by signed bytes: the queries
    /// are offset by 128 to make them unsigned, and `128 * sum(c)` is taken
    /// off again. Each chunk of rows is loaded once for the `Q` queries.
    ///
    /// # Safety
    /// The CPU must have AVX-512F and AVX-512 VNNI.
    #[target_feature(enable = "avx512f,avx512vnni")]
    pub(super) unsafe fn score_blocks_vnni<const Q: usize>(
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
                    acc[q][0] =
                        _mm512_dpbusd_epi32(acc[q][0], _mm512_set1_epi32(codes[q][g]), rows0);
                    acc[q][1] =
                        _mm512_dpbusd_epi32(acc[q][1], _mm512_set1_epi32(codes[q][g + 1]), rows1);
                }
                g += 2;
            }
            if let [last] = pairs.remainder() {
                // SAFETY: as above.
                let rows = unsafe { _mm512_load_si512(last.0.as_ptr().cast()) };
                for q in 0..Q {
                    acc[q][0] =
                        _mm512_dpbusd_epi32(acc[q][0], _mm512_set1_epi32(codes[q][g]), rows);
                }
            }
            let rows = block * BLOCK_ROWS..(block + 1) * BLOCK_ROWS;
            // SAFETY: `sums`, `scales` and each out run hold 16 values per block.
            unsafe {
                let offsets = _mm512_slli_epi32::<7>(_mm512_loadu_si512(
                    args.sums[rows.clone()].as_ptr().cast(),
                ));
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

    /// [`super::score_blocks_portable`] with `vpmaddubsw`, which multiplies
    /// unsigned by signed bytes into saturating 16-bit pairs: the query's
    /// magnitudes are the unsigned side and its signs are moved onto the
    /// row codes (`vpsignb`), so a pair is at most 2 * 127 * 127 and never
    /// saturates.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn score_blocks_avx2(args: &Blocks<'_>, query: &Int8Query, out: &mut [f32]) {
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
                    let scales =
                        _mm256_loadu_ps(args.scales[row0 + half..row0 + half + 8].as_ptr());
                    let scores =
                        _mm256_mul_ps(_mm256_cvtepi32_ps(dots), _mm256_mul_ps(scales, query_scale));
                    _mm256_storeu_ps(out[half..half + 8].as_mut_ptr(), scores);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use proptest::prelude::*;

    fn matrix(values: &[f32], dim: usize) -> Array2<f32> {
        Array2::from_shape_vec((values.len() / dim, dim), values.to_vec()).unwrap()
    }

    /// The scores of every kernel this CPU can run, the portable one first
    /// (the four-query VNNI kernel given the query four times).
    fn all_kernels(int8: &Int8Rows, query: &Int8Query) -> Vec<Vec<f32>> {
        let len = int8.rows.div_ceil(BLOCK_ROWS) * BLOCK_ROWS;
        let args = Blocks {
            chunks: &int8.chunks,
            groups: int8.groups,
            scales: &int8.scales,
            sums: &int8.sums,
        };
        let mut results = Vec::new();
        let mut out = vec![0.0; len];
        score_blocks_portable(&args, query, &mut out);
        results.push(out.clone());
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vnni") {
                // SAFETY: the CPU has the features (checked above).
                unsafe { simd::score_blocks_vnni::<1>(&args, &[query], &mut [&mut out[..]]) };
                results.push(out.clone());
                let mut four = vec![0.0; 4 * len];
                let mut outs: Vec<&mut [f32]> = four.chunks_mut(len).collect();
                // SAFETY: as above.
                unsafe { simd::score_blocks_vnni::<4>(&args, &[query; 4], &mut outs) };
                results.extend(four.chunks(len).map(<[f32]>::to_vec));
            }
            if is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2 (checked above).
                unsafe { simd::score_blocks_avx2(&args, query, &mut out) };
                results.push(out.clone());
            }
        }
        results
    }

    proptest! {
        /// Every approximate score is within its bound of the f32 dot
        /// product; every kernel this CPU has gives the portable kernel's
        /// scores; scoring several queries at once gives each query's own
        /// scores (any dimension, row count, range and number of queries).
        #[test]
        fn scores_are_within_their_bound(
            (dim, values) in (1usize..40).prop_flat_map(|dim| {
                (Just(dim), prop::collection::vec(-1.0f32..1.0, dim..dim * 40))
            }),
            query_values in prop::collection::vec(-1.0f32..1.0, 40 * 6),
            queries in 1usize..7,
            first_block in 0usize..3,
        ) {
            let values = &values[..values.len() / dim * dim];
            let rows = matrix(values, dim);
            let int8 = Int8Rows::new(rows.view()).unwrap();
            let first = (first_block * BLOCK_ROWS).min(rows.nrows() / BLOCK_ROWS * BLOCK_ROWS);
            let len = rows.nrows() - first;
            let pairs: Vec<(&[f32], Int8Query)> = query_values
                .chunks(dim)
                .take(queries)
                .filter_map(|q| Some((q, int8.query(q)?)))
                .collect();
            let refs: Vec<&Int8Query> = pairs.iter().map(|(_, q)| q).collect();
            let mut many = vec![0.0; refs.len() * len];
            int8.scores_many(&refs, first, len, &mut many);
            for ((query, q), many) in pairs.iter().zip(many.chunks(len.max(1))) {
                let mut out = vec![0.0; len];
                int8.scores(q, first, &mut out);
                prop_assert_eq!(&out[..], &many[..len]);
                for (i, &approx) in out.iter().enumerate() {
                    let r = first + i;
                    let exact: f32 = rows.row(r).iter().zip(query.iter()).map(|(a, b)| a * b).sum();
                    let bound = int8.error_bound(q, r);
                    prop_assert!((approx - exact).abs() <= bound,
                        "row {r}: approx {approx}, exact {exact}, bound {bound}");
                    prop_assert!(bound <= int8.max_error_bound(q));
                }
                let kernels = all_kernels(&int8, q);
                prop_assert_eq!(&kernels[0][first..rows.nrows()], &out[..]);
                for fast in &kernels[1..] {
                    prop_assert_eq!(fast, &kernels[0]);
                }
            }
        }
    }

    #[test]
    fn non_finite_values_and_zero_queries_are_refused() {
        assert!(Int8Rows::new(matrix(&[1.0, f32::NAN], 2).view()).is_none());
        let int8 = Int8Rows::new(matrix(&[1.0, 0.0, 0.0, 0.0], 2).view()).unwrap();
        assert!(int8.query(&[0.0, 0.0]).is_none());
        assert!(int8.query(&[1.0]).is_none());
        assert!(int8.query(&[f32::INFINITY, 0.0]).is_none());
        assert_eq!((int8.rows, int8.dim), (2, 2));
    }

    #[test]
    fn extreme_codes_do_not_saturate() {
        // Every component at +-max: codes +-127, the AVX2 pairs' worst case.
        let rows = matrix(&[1.0, -1.0, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0], 4);
        let int8 = Int8Rows::new(rows.view()).unwrap();
        let q = int8.query(&[-1.0, 1.0, -1.0, 1.0]).unwrap();
        let mut out = [0.0; 2];
        int8.scores(&q, 0, &mut out);
        assert_eq!(out, [-4.0, 0.0]);
        for scores in all_kernels(&int8, &q) {
            assert_eq!(scores[..2], [-4.0, 0.0]);
        }
    }
}
