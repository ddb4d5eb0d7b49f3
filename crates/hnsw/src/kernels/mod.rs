//! Distance kernels: a scalar reference written to autovectorise, and AVX2 +
//! FMA and AVX-512 versions chosen once at run time when the CPU has them
//! (the shape of `annoy-rs`'s kernels).
//!
//! Every variant is a [`Kernels`] table that can be asked for by name, so
//! tests and benchmarks cover all of them; the index uses [`best`]. The
//! variants add in different orders (and the SIMD ones fuse multiply-adds),
//! so they agree to within float rounding.

use std::sync::OnceLock;

/// A set of distance functions over slices: each reads as many elements as
/// the shorter slice has.
#[derive(Debug)]
pub struct Kernels {
    /// The variant's name: `"scalar"`, `"avx2+fma"` or `"avx512"`.
    pub name: &'static str,
    /// The dot product `Σ aᵢ·bᵢ`.
    pub dot: fn(&[f32], &[f32]) -> f32,
    /// The squared Euclidean distance `Σ (aᵢ - bᵢ)²`, from the differences.
    pub sq_l2: fn(&[f32], &[f32]) -> f32,
}

static SCALAR: Kernels = Kernels {
    name: "scalar",
    dot: scalar::dot,
    sq_l2: scalar::sq_l2,
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

/// The AVX-512 kernels, if this CPU has AVX-512F (and AVX2 and FMA).
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

/// Asks the CPU to start loading the cache lines of `data`: a hint that
/// changes no result (hnswlib's `_mm_prefetch`; the searches prefetch every
/// unvisited neighbour's vector before scoring them).
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

    /// The exact value in f64 and the sum of the terms' magnitudes, which
    /// bounds the rounding error of any summation order.
    fn exact(a: &[f32], b: &[f32], term: fn(f64, f64) -> f64) -> (f64, f64) {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| term(f64::from(x), f64::from(y)))
            .fold((0.0, 0.0), |(s, m), t| (s + t, m + t.abs()))
    }

    fn check(name: &str, got: f32, (want, magnitude): (f64, f64), n: usize) {
        let tolerance = (n as f64 + 2.0) * f64::from(f32::EPSILON) * magnitude + 1e-30;
        assert!(
            (f64::from(got) - want).abs() <= tolerance,
            "{name}: got {got}, exact {want}, tolerance {tolerance}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn every_variant_matches_the_exact_sums(
            (a, b) in (0usize..1100).prop_flat_map(|n| (vec(-100.0f32..100.0, n), vec(-100.0f32..100.0, n)))
        ) {
            for k in available() {
                let n = a.len();
                check(k.name, (k.dot)(&a, &b), exact(&a, &b, |x, y| x * y), n);
                check(k.name, (k.sq_l2)(&a, &b), exact(&a, &b, |x, y| (x - y) * (x - y)), n);
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
                check(k.name, (k.dot)(&a, &b), exact(&a, &b[..n], |x, y| x * y), n);
                check(
                    k.name,
                    (k.sq_l2)(&b, &a),
                    exact(&a, &b[..n], |x, y| (x - y) * (x - y)),
                    n,
                );
            }
        }
    }

    #[test]
    fn the_simd_tables_are_only_offered_when_the_cpu_has_them() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            avx2_fma().is_some(),
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        );
        assert_eq!(best().name, available().last().unwrap().name);
    }

    #[test]
    fn prefetch_accepts_any_slice() {
        prefetch::<f32>(&[]);
        prefetch(&[1u8; 1000]);
    }
}
