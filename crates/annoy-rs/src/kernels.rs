//! Distance kernels: a scalar reference written to autovectorise, and AVX2 +
//! FMA versions chosen once at run time when the CPU has them.
//!
//! Every variant is a [`Kernels`] table that can be asked for by name, so
//! tests and benchmarks cover all of them; the index uses [`best`]. The
//! variants differ only in the order in which they add, so their results
//! agree to within float rounding (a few ulps of the sum of magnitudes).

use std::sync::OnceLock;

/// A set of distance functions over equal-length slices. Each function reads
/// `min(a.len(), b.len())` elements.
#[derive(Debug)]
pub struct Kernels {
    /// The variant's name: `"scalar"` or `"avx2+fma"`.
    pub name: &'static str,
    /// The dot product `Σ aᵢ·bᵢ`.
    pub dot: fn(&[f32], &[f32]) -> f32,
    /// The squared Euclidean distance `Σ (aᵢ - bᵢ)²`, computed from the
    /// differences (not from dot products, which cancel catastrophically).
    pub sq_euclidean: fn(&[f32], &[f32]) -> f32,
    /// The Manhattan distance `Σ |aᵢ - bᵢ|`.
    pub manhattan: fn(&[f32], &[f32]) -> f32,
}

static SCALAR: Kernels = Kernels {
    name: "scalar",
    dot: scalar::dot,
    sq_euclidean: scalar::sq_euclidean,
    manhattan: scalar::manhattan,
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

/// Every variant this CPU can run, the reference first.
pub fn available() -> Vec<&'static Kernels> {
    std::iter::once(scalar()).chain(avx2_fma()).collect()
}

/// The fastest variant this CPU can run, chosen on the first call.
pub fn best() -> &'static Kernels {
    static BEST: OnceLock<&'static Kernels> = OnceLock::new();
    BEST.get_or_init(|| avx2_fma().unwrap_or(scalar()))
}

/// The reference: eight independent lanes so that the compiler can keep them
/// in one SIMD register with any instruction set, then a pairwise lane sum.
mod scalar {
    const LANES: usize = 8;

    fn reduce(lanes: [f32; LANES]) -> f32 {
        let quad = [
            lanes[0] + lanes[4],
            lanes[1] + lanes[5],
            lanes[2] + lanes[6],
            lanes[3] + lanes[7],
        ];
        (quad[0] + quad[2]) + (quad[1] + quad[3])
    }

    fn fold(a: &[f32], b: &[f32], term: impl Fn(f32, f32) -> f32) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut lanes = [0.0f32; LANES];
        let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
        let (a_tail, b_tail) = (a_chunks.remainder(), b_chunks.remainder());
        for (x, y) in a_chunks.zip(b_chunks) {
            for lane in 0..LANES {
                lanes[lane] += term(x[lane], y[lane]);
            }
        }
        let mut sum = reduce(lanes);
        for (&x, &y) in a_tail.iter().zip(b_tail) {
            sum += term(x, y);
        }
        sum
    }

    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
        fold(a, b, |x, y| x * y)
    }

    pub(super) fn sq_euclidean(a: &[f32], b: &[f32]) -> f32 {
        fold(a, b, |x, y| (x - y) * (x - y))
    }

    pub(super) fn manhattan(a: &[f32], b: &[f32]) -> f32 {
        fold(a, b, |x, y| (x - y).abs())
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::Kernels;

    /// Only handed out by [`super::avx2_fma`] after it has detected AVX2 and
    /// FMA: the safe wrappers below rely on that.
    pub(super) static KERNELS: Kernels = Kernels {
        name: "avx2+fma",
        dot,
        sq_euclidean,
        manhattan,
    };

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: this function is only reachable through `KERNELS`, which
        // `avx2_fma()` returns only when the CPU has AVX2 and FMA.
        unsafe { fold::<Dot>(a, b) }
    }

    fn sq_euclidean(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: as in `dot`.
        unsafe { fold::<SqEuclidean>(a, b) }
    }

    fn manhattan(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: as in `dot`.
        unsafe { fold::<Manhattan>(a, b) }
    }

    /// One distance's per-element term, in 8 lanes and in scalar form.
    trait Term {
        /// `acc + term(x, y)` lane-wise.
        ///
        /// # Safety
        /// The CPU must have AVX2 and FMA.
        unsafe fn add(acc: __m256, x: __m256, y: __m256) -> __m256;
        fn scalar(x: f32, y: f32) -> f32;
    }

    struct Dot;
    struct SqEuclidean;
    struct Manhattan;

    impl Term for Dot {
        #[inline]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn add(acc: __m256, x: __m256, y: __m256) -> __m256 {
            // SAFETY: the features are enabled on this function (older
            // compilers still call these intrinsics unsafe).
            #[allow(unused_unsafe)]
            unsafe {
                _mm256_fmadd_ps(x, y, acc)
            }
        }
        fn scalar(x: f32, y: f32) -> f32 {
            x * y
        }
    }

    impl Term for SqEuclidean {
        #[inline]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn add(acc: __m256, x: __m256, y: __m256) -> __m256 {
            // SAFETY: as in `Dot::add`.
            #[allow(unused_unsafe)]
            unsafe {
                let d = _mm256_sub_ps(x, y);
                _mm256_fmadd_ps(d, d, acc)
            }
        }
        fn scalar(x: f32, y: f32) -> f32 {
            (x - y) * (x - y)
        }
    }

    impl Term for Manhattan {
        #[inline]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn add(acc: __m256, x: __m256, y: __m256) -> __m256 {
            // SAFETY: as in `Dot::add`.
            #[allow(unused_unsafe)]
            unsafe {
                let d = _mm256_sub_ps(x, y);
                _mm256_add_ps(acc, _mm256_andnot_ps(_mm256_set1_ps(-0.0), d))
            }
        }
        fn scalar(x: f32, y: f32) -> f32 {
            (x - y).abs()
        }
    }

    /// Sum of `T::scalar(aᵢ, bᵢ)`: two 8-lane accumulators over 16-element
    /// blocks, summed in halves (lanes i + i+8, then i + i+4, i + i+2,
    /// i + i+1), then a scalar tail. This is the order of Annoy's AVX-512
    /// kernels (what `pip install annoy` compiles on an AVX-512 machine), so
    /// the two agree bit for bit there.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn fold<T: Term>(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut i = 0;
        // SAFETY: every unaligned load reads 8 floats starting at `i` or
        // `i + 8` with `i + 16 <= n`, inside both slices; the CPU features
        // are the caller's promise.
        let mut sum = unsafe {
            let mut acc0 = _mm256_setzero_ps();
            let mut acc1 = _mm256_setzero_ps();
            while i + 16 <= n {
                acc0 = T::add(acc0, _mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)));
                acc1 = T::add(
                    acc1,
                    _mm256_loadu_ps(pa.add(i + 8)),
                    _mm256_loadu_ps(pb.add(i + 8)),
                );
                i += 16;
            }
            let v = _mm256_add_ps(acc0, acc1);
            let quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
            let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
            _mm_cvtss_f32(_mm_add_ss(pair, _mm_shuffle_ps(pair, pair, 0b01)))
        };
        for j in i..n {
            sum += T::scalar(a[j], b[j]);
        }
        sum
    }
}

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
    fn the_avx2_table_is_only_offered_when_the_cpu_has_it() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            avx2_fma().is_some(),
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        );
        assert_eq!(best().name, available().last().unwrap().name);
    }
}
