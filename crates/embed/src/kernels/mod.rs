//! The arithmetic of one training batch, in one variant per instruction
//! set, chosen once.
//!
//! The batch is pWord2Vec's (Ji et al., 2016): `m` input rows `X` (context
//! words, or a CBOW context's mean) against `t` output rows `Y` (the word to
//! predict and its negative samples, or its Huffman path), all read before
//! any is changed:
//!
//! - `F = X·Yᵀ` (`m x t` dot products);
//! - `G[a][b] = (label[b] - σ(F[a][b])) * alpha`, or 0 where
//!   `|F[a][b]| >= 6` (gensim skips saturated pairs);
//! - `dX += G·Y` and `dY += Gᵀ·X`.
//!
//! The two products run over blocks of columns held in registers, so each
//! row of `Y` (or `X`) is loaded once per output row and block instead of
//! once per pair with a store after each. Every element of `dX` and `dY`
//! still sums its terms in the same order (over `b`, or over `a`), so the
//! blocking changes no bit.
//!
//! Each variant is a [`Kernels`] table in its own file: [`portable`] (any
//! CPU, separate multiply and add), [`avx2_fma`] and [`avx512`] (the same
//! algorithm compiled for those features, with fused multiply-adds, 8- and
//! 16-lane blocks). [`best`] picks one on its first call and caches it; the
//! tests run every available variant against the portable one.
//!
//! The dot products of `F` are not `f32_kernels`' (the workspace's owner of
//! f32 vector kernels): here they are part of the batch, inlined into each
//! variant's `#[target_feature]` loop, one `W`-lane sum each with the tail
//! as one partial vector. A call through `f32_kernels`' table per pair of
//! output rows made the scores of a 10 x 6 batch of 100 or 300 floats
//! 28–70% slower.

use std::sync::OnceLock;

use crate::tables::Sigmoid;

/// The arguments of one batch ([`Kernels::pairs`]).
pub(crate) struct Pairs<'a> {
    /// `m` input rows of `d` values.
    pub(crate) x: &'a [f32],
    /// `t` output rows of `d` values.
    pub(crate) y: &'a [f32],
    /// One label per output row (1 or 0; `1 - code` for hierarchical softmax).
    pub(crate) labels: &'a [f32],
    /// The learning rate.
    pub(crate) alpha: f32,
    /// The sigmoid table.
    pub(crate) sigmoid: &'a Sigmoid,
    /// Receives `G·Y` (added to what it holds), `m` rows.
    pub(crate) dx: &'a mut [f32],
    /// Receives `Gᵀ·X` (added to what it holds), `t` rows; `None` leaves
    /// it to the caller (CBOW adds `G[0][b]·x` to the shared rows itself).
    pub(crate) dy: Option<&'a mut [f32]>,
    /// Receives `G` (`m x t`, row-major), resized as needed.
    pub(crate) g: &'a mut Vec<f32>,
    /// The row length.
    pub(crate) d: usize,
}

/// The arguments of one batch in gensim's order ([`Kernels::sequential`]):
/// the input rows one after another, each against the output rows as the
/// previous ones left them. The output rows are a private copy, updated in
/// place; their deltas are what the caller finds changed.
pub(crate) struct Sequential<'a> {
    /// `m` input rows of `d` values.
    pub(crate) x: &'a [f32],
    /// `t` output rows of `d` values, updated in place.
    pub(crate) y: &'a mut [f32],
    /// One label per output row.
    pub(crate) labels: &'a [f32],
    /// The learning rate.
    pub(crate) alpha: f32,
    /// The sigmoid table.
    pub(crate) sigmoid: &'a Sigmoid,
    /// Receives each input row's delta (added to what it holds), `m` rows.
    pub(crate) dx: &'a mut [f32],
    /// Scratch for one input row's scores, resized as needed.
    pub(crate) g: &'a mut Vec<f32>,
    /// The row length.
    pub(crate) d: usize,
}

/// One instruction-set variant of the training arithmetic.
#[derive(Debug)]
pub(crate) struct Kernels {
    /// `"portable"`, `"avx2+fma"` or `"avx512"`.
    pub(crate) name: &'static str,
    /// Every input row against every output row (see the module's
    /// documentation).
    pub(crate) pairs: fn(&mut Pairs<'_>),
    /// The input rows one after another against output rows updated in
    /// place (see [`Sequential`]).
    pub(crate) sequential: fn(&mut Sequential<'_>),
}

/// The portable variant: plain Rust, vectorised by the compiler for the
/// build's baseline instruction set.
pub(crate) fn portable() -> &'static Kernels {
    &portable::KERNELS
}

/// The AVX2 + FMA variant, if this CPU has both features.
pub(crate) fn avx2_fma() -> Option<&'static Kernels> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Some(&avx2::KERNELS);
        }
    }
    None
}

/// The AVX-512 variant, if this CPU has AVX-512F (and AVX2 and FMA).
pub(crate) fn avx512() -> Option<&'static Kernels> {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2_fma().is_some() && std::arch::is_x86_feature_detected!("avx512f") {
            return Some(&avx512::KERNELS);
        }
    }
    None
}

/// Every variant this CPU can run, the reference first.
#[cfg(test)]
pub(crate) fn available() -> Vec<&'static Kernels> {
    std::iter::once(portable())
        .chain(avx2_fma())
        .chain(avx512())
        .collect()
}

/// The fastest variant this CPU can run, chosen on the first call.
pub(crate) fn best() -> &'static Kernels {
    static BEST: OnceLock<&'static Kernels> = OnceLock::new();
    BEST.get_or_init(|| avx512().or(avx2_fma()).unwrap_or(portable()))
}

mod generic;
mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;

#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(test)]
mod tests {
    use super::*;

    /// The batch in f64, term by term, with the magnitude of the terms.
    #[allow(clippy::type_complexity)]
    fn exact(
        x: &[f32],
        y: &[f32],
        labels: &[f32],
        alpha: f32,
        d: usize,
    ) -> (Vec<(f64, f64)>, Vec<(f64, f64)>) {
        let sigmoid = Sigmoid::default();
        let (m, t) = (x.len() / d, y.len() / d);
        let mut dx = vec![(0.0, 0.0); m * d];
        let mut dy = vec![(0.0, 0.0); t * d];
        for a in 0..m {
            for b in 0..t {
                let (xa, yb) = (&x[a * d..][..d], &y[b * d..][..d]);
                let f: f64 = xa.iter().zip(yb).map(|(p, q)| *p as f64 * *q as f64).sum();
                // Decide saturation and σ as the kernels do, in f32.
                let f32_dot: f32 = xa.iter().zip(yb).map(|(p, q)| p * q).sum();
                if f.abs() >= 6.0 || f32_dot.abs() >= 6.0 {
                    continue;
                }
                let g = ((labels[b] - sigmoid.get(f as f32)) * alpha) as f64;
                for i in 0..d {
                    let (u, v) = (g * yb[i] as f64, g * xa[i] as f64);
                    dx[a * d + i].0 += u;
                    dx[a * d + i].1 += u.abs();
                    dy[b * d + i].0 += v;
                    dy[b * d + i].1 += v.abs();
                }
            }
        }
        (dx, dy)
    }

    /// A deterministic spread of values in (-scale, scale).
    fn values(n: usize, seed: u64, scale: f32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
            })
            .collect()
    }

    #[test]
    fn every_variant_runs_inputs_in_order_as_the_portable_one() {
        let sigmoid = Sigmoid::default();
        let mut g = Vec::new();
        for d in [1, 3, 7, 16, 17, 33, 64, 100, 129] {
            for (m, t) in [(1, 1), (3, 6), (10, 7), (2, 40)] {
                let scale = 1.5 / (d as f32).sqrt();
                let x = values(m * d, d as u64 * 7 + m as u64, scale);
                let y0 = values(t * d, d as u64 * 13 + t as u64, scale);
                let labels: Vec<f32> = (0..t).map(|b| (b % 3 == 0) as u8 as f32).collect();
                let run = |kernels: &Kernels, g: &mut Vec<f32>| {
                    let (mut y, mut dx) = (y0.clone(), vec![0.0; m * d]);
                    (kernels.sequential)(&mut Sequential {
                        x: &x,
                        y: &mut y,
                        labels: &labels,
                        alpha: 0.05,
                        sigmoid: &sigmoid,
                        dx: &mut dx,
                        g,
                        d,
                    });
                    (y, dx)
                };
                let (want_y, want_dx) = run(portable(), &mut g);
                assert_ne!(want_y, y0, "d {d} m {m} t {t}: nothing learned");
                for kernels in available() {
                    let (y, dx) = run(kernels, &mut g);
                    for (got, want) in y.iter().zip(&want_y).chain(dx.iter().zip(&want_dx)) {
                        assert!(
                            (got - want).abs() <= 1e-5 * (1.0 + want.abs()),
                            "{} d {d} m {m} t {t}: {got} vs {want}",
                            kernels.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_variant_agrees_with_exact_arithmetic() {
        let sigmoid = Sigmoid::default();
        let mut g = Vec::new();
        for kernels in available() {
            for d in [1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 129, 300] {
                for (m, t) in [(1, 1), (1, 6), (3, 1), (6, 6), (10, 7), (2, 40)] {
                    let scale = 1.5 / (d as f32).sqrt();
                    let x = values(m * d, d as u64 * 7 + m as u64, scale);
                    let y = values(t * d, d as u64 * 13 + t as u64, scale);
                    let labels: Vec<f32> = (0..t).map(|b| (b % 3 == 0) as u8 as f32).collect();
                    let mut dx = values(m * d, 99, 0.01);
                    let mut dy = values(t * d, 98, 0.01);
                    let (dx0, dy0) = (dx.clone(), dy.clone());
                    (kernels.pairs)(&mut Pairs {
                        x: &x,
                        y: &y,
                        labels: &labels,
                        alpha: 0.05,
                        sigmoid: &sigmoid,
                        dx: &mut dx,
                        dy: Some(&mut dy),
                        g: &mut g,
                        d,
                    });
                    let (ex, ey) = exact(&x, &y, &labels, 0.05, d);
                    for (got, start, (want, magnitude), what) in dx
                        .iter()
                        .zip(&dx0)
                        .zip(&ex)
                        .map(|((a, b), c)| (a, b, c, "dx"))
                        .chain(
                            dy.iter()
                                .zip(&dy0)
                                .zip(&ey)
                                .map(|((a, b), c)| (a, b, c, "dy")),
                        )
                    {
                        let change = (*got - *start) as f64;
                        let tolerance = 1e-5 * magnitude + 1e-6 * (*start as f64).abs() + 1e-9;
                        assert!(
                            (change - want).abs() <= tolerance,
                            "{} {what} d {d} m {m} t {t}: {change} vs {want}",
                            kernels.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn saturated_pairs_change_nothing_in_any_variant() {
        let sigmoid = Sigmoid::default();
        for kernels in available() {
            let (x, y) = ([10.0, 0.0], [1.0, 0.0]);
            let (mut dx, mut dy) = ([0.0; 2], [0.0; 2]);
            (kernels.pairs)(&mut Pairs {
                x: &x,
                y: &y,
                labels: &[0.0],
                alpha: 0.5,
                sigmoid: &sigmoid,
                dx: &mut dx,
                dy: Some(&mut dy),
                g: &mut Vec::new(),
                d: 2,
            });
            assert_eq!((dx, dy), ([0.0; 2], [0.0; 2]), "{}", kernels.name);
        }
    }

    #[test]
    fn the_best_variant_is_chosen_once_and_is_available() {
        let best = best();
        assert!(std::ptr::eq(best, super::best()));
        assert!(available().iter().any(|k| std::ptr::eq(*k, best)));
    }
}
