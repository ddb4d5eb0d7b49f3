//! The workspace's f32 vector kernels: dot products, squared Euclidean and
//! Manhattan distances, and the batched forms the index builds need, in a
//! portable reference and in AVX2 + FMA and AVX-512 versions chosen once at
//! run time when the CPU has them.
//!
//! Every variant is a [`Kernels`] table of plain function pointers that can
//! be asked for by name ([`scalar`], [`avx2_fma`], [`avx512`]), so tests
//! and benchmarks cover all of them; code that just wants the fastest asks
//! [`best`] once and keeps the table.
//!
//! # Summation order
//!
//! The SIMD variants add in one fixed order, and it is Spotify Annoy's:
//! over each whole block of 16 elements, element `16k + j` goes into lane
//! `j` of a first 8-lane accumulator and element `16k + 8 + j` into lane
//! `j` of a second, with a fused multiply-add where the term is a product;
//! after the last whole block the 16 lanes are added in halves (lane
//! `i` + lane `i + 8`, then `i` + `i + 4`, `i` + `i + 2`, `i` + `i + 1`),
//! and the remaining `n mod 16` terms are added to that sum one by one, in
//! order. This is what `pip install annoy` compiles on an AVX-512 machine,
//! which is why `annoy-rs` builds forests bit for bit identical to Annoy's.
//! The AVX-512 variant holds the two accumulators in one 16-lane register,
//! so the AVX2 and AVX-512 variants agree bit for bit. There is one order
//! for every user: `hnsw` scores with the same kernels (hnswlib's own
//! kernels add in yet other orders, so its answers are compared with a
//! tolerance there, never bit for bit).
//!
//! The portable reference keeps eight lanes (element `i` in lane `i mod 8`
//! over whole blocks of 8, the lanes added pairwise, then the tail) with
//! separate multiplies and adds, which the compiler vectorises for any
//! instruction set. It agrees with the SIMD variants to within float
//! rounding: each result is within `(n + 2) · ε · Σ|termᵢ|` of the exact
//! sum, where `ε` is `f32::EPSILON`.
//!
//! Every kernel reads as many elements as the shortest slice it is given
//! has, and never panics.
//!
//! ```
//! let k = f32_kernels::best();
//! let (a, b) = ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]);
//! assert_eq!((k.dot)(&a, &b), 32.0);
//! assert_eq!((k.sq_euclidean)(&a, &b), 27.0);
//! assert_eq!((k.manhattan)(&a, &b), 9.0);
//! // Every variant this CPU runs gives the same answers here (small integers
//! // add exactly in any order).
//! for v in f32_kernels::available() {
//!     assert_eq!((v.dot)(&a, &b), 32.0, "{}", v.name);
//! }
//! ```
#![deny(missing_docs)]

use std::sync::OnceLock;

/// A set of kernels over f32 slices, all from one variant: each reads as
/// many elements as the shortest slice it is given has.
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
    /// over `a` with four independent sums.
    pub dot4: fn(&[f32], [&[f32]; 4]) -> [f32; 4],
    /// Two dot products of `a`, bit for bit `dot(a, b0)` and `dot(a, b1)`.
    pub dot2: fn(&[f32], [&[f32]; 2]) -> [f32; 2],
    /// A scaled update and its squared norm in one pass:
    /// `m ← (m·c + x·s) · t` element by element (each operation rounded as
    /// written, never fused), returning the new `m·m` bit for bit as `dot(m,
    /// m)` would (Annoy's running-mean step).
    pub blend: fn(&mut [f32], &[f32], [f32; 3]) -> f32,
}

static SCALAR: Kernels = Kernels {
    name: "scalar",
    dot: scalar::dot,
    sq_euclidean: scalar::sq_euclidean,
    manhattan: scalar::manhattan,
    dot4: scalar::dot4,
    dot2: scalar::dot2,
    blend: scalar::blend,
};

/// The portable reference kernels: they run on every CPU.
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

/// The fastest variant this CPU can run, chosen on the first call; every
/// later call returns the same table.
pub fn best() -> &'static Kernels {
    static BEST: OnceLock<&'static Kernels> = OnceLock::new();
    BEST.get_or_init(|| avx512().or(avx2_fma()).unwrap_or(scalar()))
}

/// Asks the CPU to start loading the cache lines of `data`: a hint that
/// changes no result and never faults, for memory about to be read in an
/// order the hardware cannot guess (graph neighbours, tree nodes, candidate
/// items). A no-op off x86-64.
#[inline(always)]
pub fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = std::mem::size_of_val(data);
        let start = data.as_ptr().cast::<i8>();
        let mut offset = 0;
        while offset < bytes {
            // SAFETY: a prefetch never faults and reads nothing
            // architecturally; the address is inside `data` anyway. SSE is
            // part of every x86_64 CPU.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
            offset += 64;
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
    fn exact(a: &[f32], b: &[f32], term: Exact) -> (f64, f64) {
        let terms = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| term(f64::from(x), f64::from(y)));
        terms.fold((0.0, 0.0), |(s, m), t| (s + t, m + t.abs()))
    }

    /// The bound of the crate's documentation on `|got - want|`.
    fn tolerance(magnitude: f64, n: usize) -> f64 {
        (n as f64 + 2.0) * f64::from(f32::EPSILON) * magnitude + 1e-30
    }

    fn check(name: &str, got: f32, (want, magnitude): (f64, f64), n: usize) {
        let tolerance = tolerance(magnitude, n);
        assert!(
            (f64::from(got) - want).abs() <= tolerance,
            "{name}: got {got}, exact {want}, tolerance {tolerance}"
        );
    }

    /// The documented SIMD order, written out with scalar operations:
    /// `add(acc, x, y)` is one lane's step (a fused multiply-add where the
    /// term is a product), `term` the tail's unfused term.
    fn blocked_order(
        a: &[f32],
        b: &[f32],
        add: fn(f32, f32, f32) -> f32,
        term: fn(f32, f32) -> f32,
    ) -> f32 {
        let n = a.len().min(b.len());
        let whole = n / 16 * 16;
        let mut lanes = [0.0f32; 16];
        for i in 0..whole {
            lanes[i % 16] = add(lanes[i % 16], a[i], b[i]);
        }
        let mut width = 8;
        while width > 0 {
            for i in 0..width {
                lanes[i] += lanes[i + width];
            }
            width /= 2;
        }
        let mut sum = lanes[0];
        for i in whole..n {
            sum += term(a[i], b[i]);
        }
        sum
    }

    fn pairs() -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
        (0usize..1100).prop_flat_map(|n| (vec(-100.0f32..100.0, n), vec(-100.0f32..100.0, n)))
    }

    /// Which kernel of a table.
    type Pick = fn(&Kernels) -> fn(&[f32], &[f32]) -> f32;
    /// A term in exact arithmetic.
    type Exact = fn(f64, f64) -> f64;

    /// The three pairwise kernels with their exact terms.
    const PAIRWISE: [(&str, Pick, Exact); 3] = [
        ("dot", |k| k.dot, |x, y| x * y),
        ("sq_euclidean", |k| k.sq_euclidean, |x, y| (x - y) * (x - y)),
        ("manhattan", |k| k.manhattan, |x, y| (x - y).abs()),
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Every variant against the portable one (within twice the
        /// documented bound, as both may err in opposite directions) and
        /// against the exact sums.
        #[test]
        fn every_variant_matches_the_portable_one_and_the_exact_sums((a, b) in pairs()) {
            let n = a.len();
            for (what, kernel, term) in PAIRWISE {
                let (want, magnitude) = exact(&a, &b, term);
                let reference = kernel(scalar())(&a, &b);
                for k in available() {
                    let got = kernel(k)(&a, &b);
                    let name = format!("{} {what}", k.name);
                    check(&name, got, (want, magnitude), n);
                    prop_assert!(
                        (f64::from(got) - f64::from(reference)).abs() <= 2.0 * tolerance(magnitude, n),
                        "{name}: {got} vs portable {reference}"
                    );
                }
            }
        }

        /// The SIMD variants add exactly in the documented order.
        #[test]
        fn the_simd_variants_add_in_the_documented_order((a, b) in pairs()) {
            let dot = blocked_order(&a, &b, |acc, x, y| x.mul_add(y, acc), |x, y| x * y);
            let sq = blocked_order(&a, &b, |acc, x, y| (x - y).mul_add(x - y, acc), |x, y| (x - y) * (x - y));
            let l1 = blocked_order(&a, &b, |acc, x, y| acc + (x - y).abs(), |x, y| (x - y).abs());
            for k in available().into_iter().skip(1) {
                prop_assert_eq!((k.dot)(&a, &b).to_bits(), dot.to_bits(), "{} dot", k.name);
                prop_assert_eq!((k.sq_euclidean)(&a, &b).to_bits(), sq.to_bits(), "{} sq", k.name);
                prop_assert_eq!((k.manhattan)(&a, &b).to_bits(), l1.to_bits(), "{} l1", k.name);
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
    fn every_short_length_and_uneven_slices() {
        for n in 0..80 {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n + 3).map(|i| (i as f32 * 0.11).cos()).collect();
            for k in available() {
                // The longer slice is read only as far as the shorter one.
                for (what, kernel, term) in PAIRWISE {
                    let name = format!("{} {what} n={n}", k.name);
                    check(&name, kernel(k)(&a, &b), exact(&a, &b[..n], term), n);
                    check(&name, kernel(k)(&b, &a), exact(&a, &b[..n], term), n);
                }
                let bs = [&b[..], &a[..], &b[1..], &b[2..]];
                let four = (k.dot4)(&a, bs);
                for (got, b) in four.iter().zip(bs) {
                    assert_eq!(got.to_bits(), (k.dot)(&a, b).to_bits(), "{} n={n}", k.name);
                }
                let two = (k.dot2)(&b, [&a, &b[3..]]);
                assert_eq!(
                    two.map(f32::to_bits),
                    [(k.dot)(&a, &b), (k.dot)(&b, &b[3..])].map(f32::to_bits),
                    "{} n={n}",
                    k.name
                );
                // `blend` changes `m` only as far as `x` reaches.
                let mut m = b.clone();
                (k.blend)(&mut m, &a, [1.0, 2.0, 0.5]);
                assert_eq!(m[n..], b[n..], "{} n={n}", k.name);
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
            for (what, kernel, _) in PAIRWISE {
                assert_eq!(
                    kernel(wide)(&a, &b).to_bits(),
                    kernel(narrow)(&a, &b).to_bits(),
                    "{what} n={n}"
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
        assert!(std::ptr::eq(best(), best()));
    }

    #[test]
    fn prefetch_accepts_any_slice() {
        prefetch::<f32>(&[]);
        prefetch(&[1u8; 1000]);
        prefetch(&[0.5f32; 3]);
    }
}
