//! Annoy's own kernel: its `two_means` iterations with the means held in
//! registers, where an instruction set has room for them (AVX-512). The
//! plain f32 kernels (dot products, distances, `blend`) are
//! `f32_kernels`', which add in Annoy's order; the portable `two_means` is
//! the step by step loop in `build/tree.rs`, which this must match bit for
//! bit. Also the small pieces of Annoy's arithmetic the two share.

use f32_kernels::Kernels;

/// The register version of `two_means` that computes what the step by step
/// loop over `k` computes, bit for bit, if there is one for this CPU: only
/// `f32_kernels`' AVX-512 table has one.
pub(crate) fn two_means_for(k: &Kernels) -> Option<TwoMeans> {
    #[cfg(target_arch = "x86_64")]
    if f32_kernels::avx512().is_some_and(|wide| std::ptr::eq(wide, k)) {
        return Some(avx512::two_means);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = k;
    None
}

/// Annoy's `two_means` iterations for angular (`true`) or dot with both
/// means held in registers: bit for bit the step by step loop over `dot2`
/// and `blend` of the table [`two_means_for`] was given. Returns false,
/// having done nothing, for dimensions it does not cover and for means of
/// unequal lengths or picks shorter than the means.
pub(crate) type TwoMeans = fn(&mut Means<'_>, &[Pick<'_>], bool) -> bool;

/// The state of Annoy's `two_means` iterations for the dot-product metrics
/// (see [`TwoMeans`]).
/// Each starts as one item.
pub(crate) struct Means<'a> {
    /// The first mean.
    pub(crate) p: &'a mut [f32],
    /// The second mean, as long as the first.
    pub(crate) q: &'a mut [f32],
    /// `p·p` and `q·q` for angular, 0 for dot.
    pub(crate) sq_norms: [f32; 2],
}

/// One item `two_means` draws.
pub(crate) struct Pick<'a> {
    /// Its vector, at least as long as the means.
    pub(crate) x: &'a [f32],
    /// `x·x`.
    pub(crate) sq_norm: f32,
    /// What `x` is divided by when a mean absorbs it.
    pub(crate) norm: f32,
}

/// The [`Kernels::blend`] factors that move a mean holding `count` items
/// towards `x / norm` with weight `1 / (count + 1)`: divisions turned into
/// multiplications by reciprocals, as Annoy's `-ffast-math` build computes
/// them (and several times faster).
pub(crate) fn mean_factors(count: u32, norm: f32) -> [f32; 3] {
    [count as f32, 1.0 / norm, 1.0 / (count + 1) as f32]
}

/// Angular's internal distance from the squared norms and the dot product:
/// `2 - 2·cos`, or 2 when either norm is zero (Annoy's `angular` distance).
pub(crate) fn angular(pp: f32, qq: f32, pq: f32) -> f32 {
    let ppqq = pp * qq;
    if ppqq > 0.0 {
        // Annoy computes `2.0 - 2.0 * pq / sqrt(ppqq)` with double
        // constants, so in double, then rounds to float.
        (2.0 - 2.0 * f64::from(pq) / f64::from(ppqq.sqrt())) as f32
    } else {
        2.0
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(test)]
mod tests {
    use super::*;

    /// The register `two_means` reads `dim` floats of every vector with
    /// unchecked (masked) loads: whatever its checks refuse must leave the
    /// means untouched, and what they accept must run.
    #[test]
    fn two_means_in_registers_refuses_what_it_cannot_read() {
        let Some(two_means) = two_means_for(f32_kernels::best()) else {
            eprintln!("skipped: this CPU lacks AVX-512");
            return;
        };
        let run = |dim: usize, pick_len: usize, q_len: usize| {
            let (mut p, mut q) = (vec![1.0f32; dim], vec![-1.0f32; q_len]);
            let x = vec![0.5f32; pick_len];
            let sq_norm = 0.25 * pick_len as f32;
            let picks = [Pick {
                x: &x,
                sq_norm,
                norm: sq_norm.sqrt(),
            }];
            let mut means = Means {
                p: &mut p,
                q: &mut q,
                sq_norms: [dim as f32, q_len as f32],
            };
            let ran = two_means(&mut means, &picks, true);
            (ran, p, q)
        };
        // A pick shorter than the means, means of different lengths, more
        // dimensions than registers, none at all.
        for (dim, pick_len, q_len) in [(100, 99, 100), (100, 100, 99), (129, 129, 129), (0, 0, 0)] {
            let (ran, p, q) = run(dim, pick_len, q_len);
            assert!(!ran, "dim {dim}, pick {pick_len}, q {q_len}");
            assert!(p.iter().all(|&v| v == 1.0) && q.iter().all(|&v| v == -1.0));
        }
        // A pick at least as long as the means is read up to their length.
        for pick_len in [100, 101] {
            let (ran, p, q) = run(100, pick_len, 100);
            let s = 1.0 / (0.25 * pick_len as f32).sqrt();
            let moved = (1.0 * 1.0 + 0.5 * s) * (1.0 / 2.0);
            assert!(ran && p.iter().all(|&v| v == moved), "{p:?}");
            assert!(q.iter().all(|&v| v == -1.0));
        }
    }

    #[test]
    fn only_the_avx512_table_has_a_register_version() {
        for k in f32_kernels::available() {
            assert_eq!(two_means_for(k).is_some(), k.name == "avx512", "{}", k.name);
        }
    }
}
