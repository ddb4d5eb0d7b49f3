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
//! exact integer, computed by the [`kernels`]: AVX-512 VNNI or AVX2 when
//! the CPU has them (chosen once) or portable code; all give the same
//! integers.

use ndarray::ArrayView2;
use rayon::prelude::*;

#[allow(unsafe_code)]
mod kernels;

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
        (kernels::best().score_blocks)(&self.blocks(block, blocks), queries, outs);
    }

    /// The `blocks` blocks from `block` on, as the kernels read them.
    fn blocks(&self, block: usize, blocks: usize) -> Blocks<'_> {
        let rows = block * BLOCK_ROWS..(block + blocks) * BLOCK_ROWS;
        Blocks {
            chunks: &self.chunks[block * self.groups..(block + blocks) * self.groups],
            groups: self.groups,
            scales: &self.scales[rows.clone()],
            sums: &self.sums[rows],
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use proptest::prelude::*;

    fn matrix(values: &[f32], dim: usize) -> Array2<f32> {
        Array2::from_shape_vec((values.len() / dim, dim), values.to_vec()).unwrap()
    }

    proptest! {
        /// Every approximate score is within its bound of the f32 dot
        /// product, and scoring several queries at once gives each query's
        /// own scores (any dimension, row count, range and number of
        /// queries). The kernels' agreement is tested in [`kernels`].
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
}
