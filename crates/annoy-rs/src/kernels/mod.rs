//! Distance kernels: a scalar reference written to autovectorise, and AVX2 +
//! FMA and AVX-512 versions chosen once at run time when the CPU has them.
//!
//! Every variant is a [`Kernels`] table that can be asked for by name, so
//! tests and benchmarks cover all of them; the index uses [`best`]. The
//! scalar reference and the SIMD variants differ in the order in which they
//! add (and the SIMD ones fuse multiply-adds), so their results agree to
//! within float rounding (a few ulps of the sum of magnitudes); the AVX2
//! and AVX-512 variants agree bit for bit.

use std::sync::OnceLock;

/// A set of distance functions over slices: each reads as many elements as
/// the shortest slice it is given has.
#[derive(Debug)]
pub struct Kernels {
    /// The variant's name: `"scalar"`, `"avx2+fma"` or `"avx512"`.
    pub name: &'static str,
    /// The dot product `Σ aᵢ·bᵢ`.
    pub dot: fn(&[f32], &[f32]) -> f32,
    /// The squared Euclidean distance `Σ (aᵢ - bᵢ)²`, computed from the
    /// differences (not from dot products, which cancel catastrophically).
    pub sq_euclidean: fn(&[f32], &[f32]) -> f32,
    /// The Manhattan distance `Σ |aᵢ - bᵢ|`.
    pub manhattan: fn(&[f32], &[f32]) -> f32,
    /// Four dot products of `a`, each bit for bit `dot(a, bᵢ)`: one pass
    /// over `a` with four independent sums (for the build's side loop).
    pub dot4: fn(&[f32], [&[f32]; 4]) -> [f32; 4],
    /// Two dot products of `a`, bit for bit `dot(a, b0)` and `dot(a, b1)`.
    pub dot2: fn(&[f32], [&[f32]; 2]) -> [f32; 2],
    /// Annoy's running-mean step: `m ← (m·c + x·s) · t` element by element
    /// (each operation rounded as written), returning the new `m·m` bit for
    /// bit as `dot(m, m)` would.
    pub blend: fn(&mut [f32], &[f32], [f32; 3]) -> f32,
    /// Annoy's `two_means` iterations for angular (`true`) or dot with
    /// both means held in registers, where the variant has them: bit for
    /// bit `dot2` and `blend` step by step. Returns false, having done
    /// nothing, for dimensions it does not cover and for means of unequal
    /// lengths or picks shorter than the means.
    pub(crate) two_means: Option<TwoMeans>,
}

/// [`Kernels::two_means`]: the means, the picks, and whether the metric is
/// angular (else dot).
pub(crate) type TwoMeans = fn(&mut Means<'_>, &[Pick<'_>], bool) -> bool;

/// The state of Annoy's `two_means` iterations for the dot-product metrics
/// (see [`Kernels::two_means`]).
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

static SCALAR: Kernels = Kernels {
    name: "scalar",
    dot: scalar::dot,
    sq_euclidean: scalar::sq_euclidean,
    manhattan: scalar::manhattan,
    dot4: scalar::dot4,
    dot2: scalar::dot2,
    blend: scalar::blend,
    two_means: None,
};

/// The portable reference kernels.
pub fn scalar() -> &'static Kernels {
    &SCALAR
}

/// The AVX2 + FMA kernels, if this CPU has both features.
pub fn avx2_fma() -> Option<&'static Kernels> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Some(&avx2::KERNELS);
        }
    }
    None
}

/// The AVX-512 kernels, if this CPU has AVX-512F (and AVX2 and FMA). They
/// add in the AVX2 kernels' order, so the two agree bit for bit: one
/// 16-lane register does the work of the AVX2 kernels' two 8-lane ones.
pub fn avx512() -> Option<&'static Kernels> {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2_fma().is_some() && std::arch::is_x86_feature_detected!("avx512f") {
            return Some(&avx512::KERNELS);
        }
    }
    None
}

/// Every variant this CPU can run, the reference first, the fastest last.
pub fn available() -> Vec<&'static Kernels> {
    std::iter::once(scalar())
        .chain(avx2_fma())
        .chain(avx512())
        .collect()
}

/// The fastest variant this CPU can run, chosen on the first call.
pub fn best() -> &'static Kernels {
    static BEST: OnceLock<&'static Kernels> = OnceLock::new();
    BEST.get_or_init(|| avx512().or(avx2_fma()).unwrap_or(scalar()))
}

/// Asks the CPU to start loading `data` into its caches: a hint that changes
/// no result, for memory about to be read in an order the hardware cannot
/// guess (tree nodes, candidate items).
#[inline]
pub fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = std::mem::size_of_val(data);
        let start = data.as_ptr().cast::<i8>();
        for offset in (0..bytes).step_by(64) {
            // SAFETY: a prefetch never faults and reads nothing
            // architecturally; the address is inside `data` anyway. SSE is
            // part of every x86_64 CPU.
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset));
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

mod scalar;

#[cfg(target_arch = "x86_64")]
mod avx2;

#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(test)]
mod tests {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// The exact value of a kernel in f64, and the sum of the magnitudes of
    /// its terms, which bounds the rounding error of any summation order.
    fn exact(a: &[f32], b: &[f32], term: fn(f64, f64) -> f64) -> (f64, f64) {
        let terms = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| term(f64::from(x), f64::from(y)));
        terms.fold((0.0, 0.0), |(s, m), t| (s + t, m + t.abs()))
    }

    fn check(name: &str, got: f32, (want, magnitude): (f64, f64), n: usize) {
        let tolerance = (n as f64 + 2.0) * f64::from(f32::EPSILON) * magnitude + 1e-30;
        assert!(
            (f64::from(got) - want).abs() <= tolerance,
            "{name}: got {got}, exact {want}, tolerance {tolerance}"
        );
    }

    fn pairs() -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
        (0usize..1100).prop_flat_map(|n| (vec(-100.0f32..100.0, n), vec(-100.0f32..100.0, n)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn every_variant_matches_the_exact_sums((a, b) in pairs()) {
            for k in available() {
                let n = a.len();
                check(k.name, (k.dot)(&a, &b), exact(&a, &b, |x, y| x * y), n);
                check(k.name, (k.sq_euclidean)(&a, &b), exact(&a, &b, |x, y| (x - y) * (x - y)), n);
                check(k.name, (k.manhattan)(&a, &b), exact(&a, &b, |x, y| (x - y).abs()), n);
            }
        }
    }

    #[test]
    fn dot4_is_four_dots_bit_for_bit() {
        for n in [0, 1, 15, 16, 17, 100, 301] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let bs: Vec<Vec<f32>> = (0..4)
                .map(|k| (0..n).map(|i| ((i + k) as f32 * 0.11).cos()).collect())
                .collect();
            for k in available() {
                let four = (k.dot4)(&a, [&bs[0], &bs[1], &bs[2], &bs[3]]);
                for (got, b) in four.iter().zip(&bs) {
                    assert_eq!(got.to_bits(), (k.dot)(&a, b).to_bits(), "{} n={n}", k.name);
                }
            }
        }
    }

    #[test]
    fn dot2_and_blend_are_the_plain_operations_bit_for_bit() {
        for n in [0, 3, 16, 31, 100, 300] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.21).cos()).collect();
            let c: Vec<f32> = (0..n).map(|i| (i as f32 * 0.05).sin() * 3.0).collect();
            let factors = [3.0, 1.0 / 1.7, 1.0 / 4.0];
            for k in available() {
                let two = (k.dot2)(&a, [&b, &c]);
                assert_eq!(
                    two.map(f32::to_bits),
                    [(k.dot)(&a, &b), (k.dot)(&a, &c)].map(f32::to_bits)
                );
                let mut m = a.clone();
                let sq = (k.blend)(&mut m, &b, factors);
                let want: Vec<f32> = a
                    .iter()
                    .zip(&b)
                    .map(|(&m, &x)| (m * factors[0] + x * factors[1]) * factors[2])
                    .collect();
                assert_eq!(m, want, "{} n={n}", k.name);
                assert_eq!(
                    sq.to_bits(),
                    (k.dot)(&want, &want).to_bits(),
                    "{} n={n}",
                    k.name
                );
            }
        }
    }

    #[test]
    fn variants_agree_on_every_short_length() {
        for n in 0..70 {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            for k in available() {
                check(k.name, (k.dot)(&a, &b), exact(&a, &b, |x, y| x * y), n);
                check(
                    k.name,
                    (k.manhattan)(&a, &b),
                    exact(&a, &b, |x, y| (x - y).abs()),
                    n,
                );
            }
        }
    }

    #[test]
    fn avx512_agrees_with_avx2_bit_for_bit() {
        let (Some(wide), Some(narrow)) = (avx512(), avx2_fma()) else {
            eprintln!("skipped: this CPU lacks AVX-512F");
            return;
        };
        for n in 0..300 {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin() * 1e3).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos() / 7.0).collect();
            let c: Vec<f32> = (0..n).map(|i| (i as f32 * 0.05).sin() - 0.3).collect();
            let d: Vec<f32> = (0..n).map(|i| 1.0 / (1.0 + i as f32)).collect();
            for f in [
                |k: &Kernels| k.dot,
                |k: &Kernels| k.sq_euclidean,
                |k: &Kernels| k.manhattan,
            ] {
                assert_eq!(
                    f(wide)(&a, &b).to_bits(),
                    f(narrow)(&a, &b).to_bits(),
                    "n={n}"
                );
            }
            let bs = [&b[..], &c[..], &d[..], &a[..]];
            assert_eq!(
                (wide.dot4)(&a, bs).map(f32::to_bits),
                (narrow.dot4)(&a, bs).map(f32::to_bits),
                "n={n}"
            );
            assert_eq!(
                (wide.dot2)(&c, [&a, &d]).map(f32::to_bits),
                (narrow.dot2)(&c, [&a, &d]).map(f32::to_bits),
                "n={n}"
            );
            let (mut m1, mut m2) = (c.clone(), c.clone());
            let factors = [5.0, 1.0 / 3.0, 1.0 / 6.0];
            let s1 = (wide.blend)(&mut m1, &b, factors);
            let s2 = (narrow.blend)(&mut m2, &b, factors);
            assert_eq!((s1.to_bits(), m1), (s2.to_bits(), m2), "n={n}");
        }
    }

    /// The register `two_means` reads `dim` floats of every vector with
    /// unchecked (masked) loads: whatever its checks refuse must leave the
    /// means untouched, and what they accept must run.
    #[test]
    fn two_means_in_registers_refuses_what_it_cannot_read() {
        let Some(k) = avx512() else {
            eprintln!("skipped: this CPU lacks AVX-512");
            return;
        };
        let two_means = k.two_means.expect("the AVX-512 table has it");
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
    fn the_simd_tables_are_only_offered_when_the_cpu_has_them() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            avx512().is_some(),
            avx2_fma().is_some() && std::arch::is_x86_feature_detected!("avx512f")
        );
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            avx2_fma().is_some(),
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        );
        assert_eq!(best().name, available().last().unwrap().name);
    }
}
