//! The training kernel: one batch of (input row, output row) pairs, in the
//! style of pWord2Vec (Ji et al., 2016). The input rows (the context words
//! of one centre word) and the output rows (the centre word and its shared
//! negative samples, or its Huffman path) are gathered into private
//! buffers; every input meets every output; the deltas are added back.
//!
//! Per pair, as gensim: `f = x·y`; skipped if `|f| >= 6`; else
//! `g = (label - σ(f)) * alpha`, `dx += g·y`, `dy += g·x`.
//!
//! The arithmetic is in [`crate::kernels`], whose best variant for this
//! CPU each thread's [`Scratch`] holds.

use crate::kernels::{self, Kernels, Pairs, Sequential};
use crate::tables::Sigmoid;
use crate::weights::Rows;
#[cfg(test)]
use crate::weights::Weights;

/// A thread's private buffers, reused across batches, and the kernels.
#[derive(Debug)]
pub struct Scratch {
    x: Vec<f32>,
    y: Vec<f32>,
    dx: Vec<f32>,
    dy: Vec<f32>,
    g: Vec<f32>,
    kernels: &'static Kernels,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            x: Vec::new(),
            y: Vec::new(),
            dx: Vec::new(),
            dy: Vec::new(),
            g: Vec::new(),
            kernels: kernels::best(),
        }
    }
}

/// One batch: rows of the input matrix, rows of the output matrix with
/// their labels (1 for the word to predict, 0 for a negative sample; for
/// hierarchical softmax `1 - code`), and the learning rate.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// Input rows (context words).
    pub inputs: &'a [u32],
    /// Output rows.
    pub targets: &'a [u32],
    /// One label per output row.
    pub labels: &'a [f32],
    /// The learning rate.
    pub alpha: f32,
}

/// Skip-gram: every input row against every output row, all read before
/// any is changed (pWord2Vec's batch), or, with `in_order`, in gensim's
/// order: each input row against the output rows as the previous input
/// rows left them (the output rows are updated in a private copy, and
/// their changes added back). Frozen outputs are always read as they are.
pub(crate) fn skip_gram<I: Rows, O: Rows>(
    input: &I,
    output: &O,
    batch: Batch<'_>,
    in_order: bool,
    sigmoid: &Sigmoid,
    s: &mut Scratch,
) {
    let d = input.dim();
    let (m, t) = (batch.inputs.len(), batch.targets.len());
    if m == 0 || t == 0 {
        return;
    }
    let learns = output.learns();
    let in_order = in_order && learns && m > 1;
    prepare(s, m, t, d, learns && !in_order);
    for (row, x) in batch.inputs.iter().zip(s.x.chunks_exact_mut(d)) {
        input.gather(*row, x);
    }
    for (row, y) in batch.targets.iter().zip(s.y.chunks_exact_mut(d)) {
        output.gather(*row, y);
    }
    if in_order {
        // The rows as gathered, to find what the batch changed.
        s.dy.extend_from_slice(&s.y);
        (s.kernels.sequential)(&mut Sequential {
            x: &s.x,
            y: &mut s.y,
            labels: batch.labels,
            alpha: batch.alpha,
            sigmoid,
            dx: &mut s.dx,
            g: &mut s.g,
            d,
        });
        for (before, after) in s.dy.iter_mut().zip(&s.y) {
            *before = after - *before;
        }
    } else {
        (s.kernels.pairs)(&mut Pairs {
            x: &s.x,
            y: &s.y,
            labels: batch.labels,
            alpha: batch.alpha,
            sigmoid,
            dx: &mut s.dx,
            dy: learns.then_some(&mut s.dy[..]),
            g: &mut s.g,
            d,
        });
    }
    for (row, dx) in batch.inputs.iter().zip(s.dx.chunks_exact(d)) {
        input.add(*row, dx);
    }
    if learns {
        for (row, dy) in batch.targets.iter().zip(s.dy.chunks_exact(d)) {
            output.add(*row, dy);
        }
    }
}

/// CBOW: the sum (or mean) of the input rows against every output row; each
/// input row then receives the input delta (divided by the number of inputs
/// when summing, as gensim does with `cbow_mean=0`).
pub(crate) fn cbow<I: Rows, O: Rows>(
    input: &I,
    output: &O,
    batch: Batch<'_>,
    mean: bool,
    sigmoid: &Sigmoid,
    s: &mut Scratch,
) {
    let d = input.dim();
    let (m, t) = (batch.inputs.len(), batch.targets.len());
    if m == 0 || t == 0 {
        return;
    }
    // The context's sum, gathered once; the output rows' deltas `g·x` go
    // straight into the shared rows (no buffer, no second pass).
    for buffer in [&mut s.x, &mut s.dx] {
        buffer.clear();
        buffer.resize(d, 0.0);
    }
    s.y.resize(t * d, 0.0); // overwritten by the gathers
    let combined = &mut s.x[..d];
    input.accumulate_rows(batch.inputs, combined);
    let scale = 1.0 / m as f32;
    if mean {
        combined.iter_mut().for_each(|c| *c *= scale);
    }
    for (r, y) in batch.targets.iter().zip(s.y.chunks_exact_mut(d)) {
        output.gather(*r, y);
    }
    (s.kernels.pairs)(&mut Pairs {
        x: &s.x[..d],
        y: &s.y,
        labels: batch.labels,
        alpha: batch.alpha,
        sigmoid,
        dx: &mut s.dx[..d],
        dy: None,
        g: &mut s.g,
        d,
    });
    for (&r, &g) in batch.targets.iter().zip(&s.g) {
        if g != 0.0 {
            output.add_scaled(r, g, &s.x[..d]);
        }
    }
    if !mean {
        s.dx[..d].iter_mut().for_each(|v| *v *= scale);
    }
    for &r in batch.inputs {
        input.add(r, &s.dx[..d]);
    }
}

/// Concatenation (PV-DM with `dm_concat`): the input rows side by side form
/// one vector of `inputs * dim` values, predicted against every output row
/// (as wide); each output row receives `g·x` and each input row its slice
/// of the input delta, as gensim's `train_document_dm_concat`.
pub(crate) fn concat<I: Rows, O: Rows>(
    input: &I,
    output: &O,
    batch: Batch<'_>,
    sigmoid: &Sigmoid,
    s: &mut Scratch,
) {
    let d = input.dim();
    let (m, t) = (batch.inputs.len(), batch.targets.len());
    let width = m * d;
    if m == 0 || t == 0 {
        return;
    }
    assert_eq!(
        output.dim(),
        width,
        "output rows as wide as the inputs side by side"
    );
    s.x.resize(width, 0.0);
    for (row, x) in batch.inputs.iter().zip(s.x.chunks_exact_mut(d)) {
        input.gather(*row, x);
    }
    s.dx.clear();
    s.dx.resize(width, 0.0);
    s.y.resize(t * width, 0.0);
    for (row, y) in batch.targets.iter().zip(s.y.chunks_exact_mut(width)) {
        output.gather(*row, y);
    }
    (s.kernels.pairs)(&mut Pairs {
        x: &s.x,
        y: &s.y,
        labels: batch.labels,
        alpha: batch.alpha,
        sigmoid,
        dx: &mut s.dx,
        dy: None,
        g: &mut s.g,
        d: width,
    });
    if output.learns() {
        for (&r, &g) in batch.targets.iter().zip(&s.g) {
            if g != 0.0 {
                output.add_scaled(r, g, &s.x);
            }
        }
    }
    for (row, dx) in batch.inputs.iter().zip(s.dx.chunks_exact(d)) {
        input.add(*row, dx);
    }
}

/// Sizes the buffers for `m` inputs and `t` outputs and zeroes the
/// deltas (the rows are overwritten by their gathers); the outputs' deltas
/// only if `output_deltas` (frozen outputs need none).
fn prepare(s: &mut Scratch, m: usize, t: usize, d: usize, output_deltas: bool) {
    s.x.resize(m * d, 0.0);
    s.y.resize(t * d, 0.0);
    s.dx.clear();
    s.dx.resize(m * d, 0.0);
    s.dy.clear();
    if output_deltas {
        s.dy.resize(t * d, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same pair update written naively in f64.
    fn reference(
        x: &[Vec<f32>],
        y: &[Vec<f32>],
        labels: &[f32],
        alpha: f32,
    ) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let sigmoid = Sigmoid::default();
        let mut dx = vec![vec![0.0; x[0].len()]; x.len()];
        let mut dy = vec![vec![0.0; x[0].len()]; y.len()];
        for (a, xa) in x.iter().enumerate() {
            for (b, yb) in y.iter().enumerate() {
                let f: f64 = xa.iter().zip(yb).map(|(p, q)| *p as f64 * *q as f64).sum();
                if f.abs() >= 6.0 {
                    continue;
                }
                let g = ((labels[b] - sigmoid.get(f as f32)) * alpha) as f64;
                for i in 0..xa.len() {
                    dx[a][i] += g * yb[i] as f64;
                    dy[b][i] += g * xa[i] as f64;
                }
            }
        }
        (dx, dy)
    }

    #[test]
    fn skip_gram_batch_matches_a_naive_reference() {
        let d = 13;
        let value = |i: usize| ((i * 7919) % 101) as f32 / 50.0 - 1.0;
        let input = Weights::from_values((0..4 * d).map(value), d);
        let output = Weights::from_values((0..3 * d).map(|i| value(i + 5) * 0.5), d);
        let before_in = input.to_array();
        let before_out = output.to_array();
        let batch = Batch {
            inputs: &[0, 2, 3],
            targets: &[1, 2],
            labels: &[1.0, 0.0],
            alpha: 0.1,
        };
        skip_gram(
            &input,
            &output,
            batch,
            false,
            &Sigmoid::default(),
            &mut Scratch::default(),
        );
        let rows = |a: &ndarray::Array2<f32>, r: &[u32]| {
            r.iter()
                .map(|&i| a.row(i as usize).to_vec())
                .collect::<Vec<_>>()
        };
        let (dx, dy) = reference(
            &rows(&before_in, &[0, 2, 3]),
            &rows(&before_out, &[1, 2]),
            &[1.0, 0.0],
            0.1,
        );
        let after_in = input.to_array();
        for (k, &r) in [0usize, 2, 3].iter().enumerate() {
            for i in 0..d {
                let want = before_in[[r, i]] as f64 + dx[k][i];
                assert!((after_in[[r, i]] as f64 - want).abs() < 1e-5);
            }
        }
        assert_eq!(after_in.row(1), before_in.row(1), "untouched row changed");
        let after_out = output.to_array();
        for (k, &r) in [1usize, 2].iter().enumerate() {
            for i in 0..d {
                let want = before_out[[r, i]] as f64 + dy[k][i];
                assert!((after_out[[r, i]] as f64 - want).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn skip_gram_in_order_matches_gensims_sequential_update() {
        // gensim (word2vec.c): for each context row in turn, for each output
        // row in turn: f = x·y, g = (label - σ(f)) * alpha, dx += g·y, then
        // y += g·x; x += dx after the path. Written naively in f64.
        let d = 19;
        let value = |i: usize| ((i * 7919) % 101) as f32 / 50.0 - 1.0;
        let input = Weights::from_values((0..5 * d).map(value), d);
        let output = Weights::from_values((0..4 * d).map(|i| value(i + 3) * 0.5), d);
        let mut x: Vec<Vec<f64>> = (0..5)
            .map(|r| input.to_array().row(r).iter().map(|&v| v as f64).collect())
            .collect();
        let mut y: Vec<Vec<f64>> = (0..4)
            .map(|r| output.to_array().row(r).iter().map(|&v| v as f64).collect())
            .collect();
        let (inputs, targets, labels, alpha) =
            ([0usize, 2, 4], [3usize, 1, 0], [1.0f32, 0.0, 1.0], 0.3);
        let sigmoid = Sigmoid::default();
        for &a in &inputs {
            let mut dx = vec![0.0; d];
            for (&b, &label) in targets.iter().zip(&labels) {
                let f: f64 = x[a].iter().zip(&y[b]).map(|(p, q)| p * q).sum();
                if f.abs() >= 6.0 {
                    continue;
                }
                let g = ((label - sigmoid.get(f as f32)) * alpha) as f64;
                for i in 0..d {
                    dx[i] += g * y[b][i];
                    y[b][i] += g * x[a][i];
                }
            }
            for i in 0..d {
                x[a][i] += dx[i];
            }
        }
        let batch = Batch {
            inputs: &[0, 2, 4],
            targets: &[3, 1, 0],
            labels: &labels,
            alpha,
        };
        skip_gram(
            &input,
            &output,
            batch,
            true,
            &sigmoid,
            &mut Scratch::default(),
        );
        let (after_in, after_out) = (input.to_array(), output.to_array());
        for r in 0..5 {
            for i in 0..d {
                assert!(
                    (after_in[[r, i]] as f64 - x[r][i]).abs() < 1e-5,
                    "input {r}"
                );
            }
        }
        for r in 0..4 {
            for i in 0..d {
                assert!(
                    (after_out[[r, i]] as f64 - y[r][i]).abs() < 1e-5,
                    "output {r}"
                );
            }
        }
    }

    #[test]
    fn saturated_pairs_are_skipped() {
        let input = Weights::from_values([10.0, 0.0], 2);
        let output = Weights::from_values([1.0, 0.0], 2);
        let batch = Batch {
            inputs: &[0],
            targets: &[0],
            labels: &[0.0],
            alpha: 0.5,
        };
        skip_gram(
            &input,
            &output,
            batch,
            false,
            &Sigmoid::default(),
            &mut Scratch::default(),
        );
        assert_eq!(input.to_array(), ndarray::array![[10.0, 0.0]]);
        assert_eq!(output.to_array(), ndarray::array![[1.0, 0.0]]);
    }

    #[test]
    fn cbow_mean_moves_every_context_row_by_the_same_delta() {
        let input = Weights::from_values([1.0, 0.0, 0.0, 1.0], 2);
        let output = Weights::from_values([0.5, 0.5], 2);
        let batch = Batch {
            inputs: &[0, 1],
            targets: &[0],
            labels: &[1.0],
            alpha: 1.0,
        };
        cbow(
            &input,
            &output,
            batch,
            true,
            &Sigmoid::default(),
            &mut Scratch::default(),
        );
        // mean = (0.5, 0.5); f = 0.5; g = 1 - σ(0.5) ≈ 0.3775; dx = g * (0.5, 0.5).
        let g = 1.0 - Sigmoid::default().get(0.5);
        let after = input.to_array();
        assert!((after[[0, 0]] - (1.0 + g * 0.5)).abs() < 1e-6);
        assert!((after[[1, 1]] - (1.0 + g * 0.5)).abs() < 1e-6);
        let out = output.to_array();
        assert!((out[[0, 0]] - (0.5 + g * 0.5)).abs() < 1e-6);
    }
}
