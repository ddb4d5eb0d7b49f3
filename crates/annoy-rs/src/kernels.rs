//! Distance kernels: a scalar reference written to autovectorise, and AVX2 +
//! FMA and AVX-512 versions chosen once at run time when the CPU has them.
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
    /// nothing, for dimensions it does not cover.
    pub(crate) two_means: Option<TwoMeans>,
}

/// [`Kernels::two_means`]: the means, the picks, and whether the metric is
/// angular (else dot).
pub(crate) type TwoMeans = fn(&mut Means<'_>, &[Pick<'_>], bool) -> bool;

/// The state of Annoy's `two_means` iterations for the dot-product metrics
/// (see [`Kernels::two_means`]).
pub(crate) struct Means<'a> {
    /// The two means, of equal length.
    pub(crate) p: &'a mut [f32],
    pub(crate) q: &'a mut [f32],
    /// `p·p` and `q·q` for angular, 0 for dot.
    pub(crate) sq_norms: [f32; 2],
    /// How many items each mean has absorbed.
    pub(crate) counts: [u32; 2],
}

/// One item `two_means` draws: its vector (at least as long as the means),
/// squared norm, and the norm it is divided by when a mean absorbs it.
pub(crate) struct Pick<'a> {
    pub(crate) x: &'a [f32],
    pub(crate) sq_norm: f32,
    pub(crate) norm: f32,
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

    pub(super) fn dot4(a: &[f32], bs: [&[f32]; 4]) -> [f32; 4] {
        bs.map(|b| dot(a, b))
    }

    pub(super) fn dot2(a: &[f32], [b0, b1]: [&[f32]; 2]) -> [f32; 2] {
        [dot(a, b0), dot(a, b1)]
    }

    pub(super) fn blend(m: &mut [f32], x: &[f32], [c, s, t]: [f32; 3]) -> f32 {
        for (m, &x) in m.iter_mut().zip(x) {
            *m = (*m * c + x * s) * t;
        }
        dot(m, m)
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
        dot4,
        dot2,
        blend,
        two_means: None,
    };

    fn dot2(a: &[f32], [b0, b1]: [&[f32]; 2]) -> [f32; 2] {
        // SAFETY: as in `dot`.
        unsafe { dot2_fma(a, b0, b1) }
    }

    fn blend(m: &mut [f32], x: &[f32], factors: [f32; 3]) -> f32 {
        // SAFETY: as in `dot`.
        unsafe { blend_fma(m, x, factors) }
    }

    /// `[dot(a, b0), dot(a, b1)]` in one pass, each summed as [`fold`] sums.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn dot2_fma(a: &[f32], b0: &[f32], b1: &[f32]) -> [f32; 2] {
        let n = a.len().min(b0.len()).min(b1.len());
        let (pa, p0, p1) = (a.as_ptr(), b0.as_ptr(), b1.as_ptr());
        let mut i = 0;
        // SAFETY: every load reads 8 floats at `i` or `i + 8` with
        // `i + 16 <= n`, inside the three slices.
        let mut sums = unsafe {
            let [mut l0, mut h0, mut l1, mut h1] = [_mm256_setzero_ps(); 4];
            while i + 16 <= n {
                let (a0, a1) = (_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pa.add(i + 8)));
                l0 = Dot::add(l0, a0, _mm256_loadu_ps(p0.add(i)));
                h0 = Dot::add(h0, a1, _mm256_loadu_ps(p0.add(i + 8)));
                l1 = Dot::add(l1, a0, _mm256_loadu_ps(p1.add(i)));
                h1 = Dot::add(h1, a1, _mm256_loadu_ps(p1.add(i + 8)));
                i += 16;
            }
            [reduce(l0, h0), reduce(l1, h1)]
        };
        for j in i..n {
            sums[0] += a[j] * b0[j];
            sums[1] += a[j] * b1[j];
        }
        sums
    }

    /// The scalar `blend`'s arithmetic, 16 elements at a time, with the new
    /// `m·m` summed in [`fold`]'s order.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn blend_fma(m: &mut [f32], x: &[f32], [c, s, t]: [f32; 3]) -> f32 {
        let n = m.len().min(x.len());
        let (pm, px) = (m.as_mut_ptr(), x.as_ptr());
        let mut i = 0;
        // SAFETY: every load and store covers 8 floats at `i` or `i + 8`
        // with `i + 16 <= n`, inside both slices; `m` is borrowed mutably.
        let mut sum = unsafe {
            let (vc, vs, vt) = (_mm256_set1_ps(c), _mm256_set1_ps(s), _mm256_set1_ps(t));
            let [mut lo, mut hi] = [_mm256_setzero_ps(); 2];
            while i + 16 <= n {
                for (offset, acc) in [(0, &mut lo), (8, &mut hi)] {
                    let old = _mm256_loadu_ps(pm.add(i + offset));
                    let xs = _mm256_mul_ps(_mm256_loadu_ps(px.add(i + offset)), vs);
                    let new = _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(old, vc), xs), vt);
                    _mm256_storeu_ps(pm.add(i + offset), new);
                    *acc = Dot::add(*acc, new, new);
                }
                i += 16;
            }
            reduce(lo, hi)
        };
        for j in i..n {
            m[j] = (m[j] * c + x[j] * s) * t;
            sum += m[j] * m[j];
        }
        sum
    }

    fn dot4(a: &[f32], bs: [&[f32]; 4]) -> [f32; 4] {
        // SAFETY: as in `dot`.
        unsafe { dot4_fma(a, bs) }
    }

    /// `[dot(a, b0), .., dot(a, b3)]` in one pass, each summed exactly as
    /// [`fold`] sums one.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn dot4_fma(a: &[f32], bs: [&[f32]; 4]) -> [f32; 4] {
        let n = bs.iter().fold(a.len(), |n, b| n.min(b.len()));
        let pa = a.as_ptr();
        let pb = bs.map(<[f32]>::as_ptr);
        let mut i = 0;
        // SAFETY: every load reads 8 floats at `i` or `i + 8` with
        // `i + 16 <= n`, inside `a` and every `bᵢ`.
        let mut sums = unsafe {
            let mut lo = [_mm256_setzero_ps(); 4];
            let mut hi = [_mm256_setzero_ps(); 4];
            while i + 16 <= n {
                let (a0, a1) = (_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pa.add(i + 8)));
                for j in 0..4 {
                    lo[j] = Dot::add(lo[j], a0, _mm256_loadu_ps(pb[j].add(i)));
                    hi[j] = Dot::add(hi[j], a1, _mm256_loadu_ps(pb[j].add(i + 8)));
                }
                i += 16;
            }
            [
                reduce(lo[0], hi[0]),
                reduce(lo[1], hi[1]),
                reduce(lo[2], hi[2]),
                reduce(lo[3], hi[3]),
            ]
        };
        for j in i..n {
            for (sum, b) in sums.iter_mut().zip(bs) {
                *sum += a[j] * b[j];
            }
        }
        sums
    }

    /// The sum of the 16 lanes of `lo` and `hi`, in halves: lanes
    /// i + i+8, then i + i+4, i + i+2, i + i+1.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn reduce(lo: __m256, hi: __m256) -> f32 {
        // SAFETY: register operations only, with the features enabled here.
        #[allow(unused_unsafe)]
        unsafe {
            let v = _mm256_add_ps(lo, hi);
            let quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
            let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
            _mm_cvtss_f32(_mm_add_ss(pair, _mm_shuffle_ps(pair, pair, 0b01)))
        }
    }

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
    pub(super) trait Term {
        /// `acc + term(x, y)` lane-wise.
        ///
        /// # Safety
        /// The CPU must have AVX2 and FMA.
        unsafe fn add(acc: __m256, x: __m256, y: __m256) -> __m256;
        fn scalar(x: f32, y: f32) -> f32;
    }

    pub(super) struct Dot;
    pub(super) struct SqEuclidean;
    pub(super) struct Manhattan;

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
            reduce(acc0, acc1)
        };
        for j in i..n {
            sum += T::scalar(a[j], b[j]);
        }
        sum
    }
}

/// The AVX2 kernels' arithmetic with one 16-lane register where they use two
/// 8-lane ones: lane `i` of the register is lane `i mod 8` of their first
/// (`i < 8`) or second accumulator, so every sum is the same, bit for bit.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::avx2::{self, Dot, Manhattan, SqEuclidean, Term};
    use super::{Kernels, Means, Pick};

    /// Only handed out by [`super::avx512`] after it has detected AVX-512F,
    /// AVX2 and FMA: the safe wrappers below rely on that.
    pub(super) static KERNELS: Kernels = Kernels {
        name: "avx512",
        dot,
        sq_euclidean,
        manhattan,
        dot4,
        dot2,
        blend,
        two_means: Some(two_means),
    };

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: this function is only reachable through `KERNELS`, which
        // `avx512()` returns only when the CPU has AVX-512F, AVX2 and FMA.
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

    fn dot4(a: &[f32], bs: [&[f32]; 4]) -> [f32; 4] {
        // SAFETY: as in `dot`.
        unsafe { dot4_512(a, bs) }
    }

    fn dot2(a: &[f32], [b0, b1]: [&[f32]; 2]) -> [f32; 2] {
        // SAFETY: as in `dot`.
        let [x, y, _, _] = unsafe { dot4_512(a, [b0, b1, b0, b1]) };
        [x, y]
    }

    fn blend(m: &mut [f32], x: &[f32], factors: [f32; 3]) -> f32 {
        // SAFETY: as in `dot`.
        unsafe { blend_512(m, x, factors) }
    }

    /// The widest means held in registers: 8 registers of 16 floats each.
    const MAX_REGISTERS: usize = 8;

    fn two_means(means: &mut Means<'_>, picks: &[Pick<'_>], angular: bool) -> bool {
        let dim = means.p.len();
        if means.q.len() != dim || picks.iter().any(|pick| pick.x.len() < dim) {
            return false;
        }
        // SAFETY (every arm): as in `dot`; the lengths were checked above.
        match dim.div_ceil(16) {
            1 => unsafe { two_means_in::<1>(means, picks, angular) },
            2 => unsafe { two_means_in::<2>(means, picks, angular) },
            3 => unsafe { two_means_in::<3>(means, picks, angular) },
            4 => unsafe { two_means_in::<4>(means, picks, angular) },
            5 => unsafe { two_means_in::<5>(means, picks, angular) },
            6 => unsafe { two_means_in::<6>(means, picks, angular) },
            7 => unsafe { two_means_in::<7>(means, picks, angular) },
            MAX_REGISTERS => unsafe { two_means_in::<MAX_REGISTERS>(means, picks, angular) },
            _ => return false,
        }
        true
    }

    /// A vector of `dim` floats in `N` registers; lanes past `dim` are 0.
    struct Wide16<const N: usize> {
        regs: [__m512; N],
    }

    /// Where a vector of `dim` floats ends in its registers.
    #[derive(Clone, Copy)]
    struct Shape {
        /// Registers filled with 16 floats.
        full: usize,
        /// Floats in the register after them (0 if none).
        tail: usize,
    }

    impl Shape {
        fn mask(self, register: usize) -> __mmask16 {
            if register < self.full {
                0xffff
            } else {
                ((1u32 << self.tail) - 1) as __mmask16
            }
        }
    }

    /// Loads `v[..dim]` into `N` registers.
    ///
    /// # Safety
    /// The CPU must have AVX-512F; `v` must hold at least `16 * (N - 1) + 1`
    /// floats and `shape` describe at most `v.len()` of them.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load<const N: usize>(v: &[f32], shape: Shape) -> Wide16<N> {
        let mut regs = [_mm512_setzero_ps(); N];
        for (r, reg) in regs.iter_mut().enumerate() {
            // SAFETY: register `r` starts at `16 r < v.len()`; the mask
            // covers only floats inside `v` (masked-out lanes are neither
            // read nor faulted on).
            *reg = unsafe { _mm512_maskz_loadu_ps(shape.mask(r), v.as_ptr().add(16 * r)) };
        }
        Wide16 { regs }
    }

    /// Stores the first `dim` floats of `w` into `v`.
    ///
    /// # Safety
    /// As [`load`].
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store<const N: usize>(w: &Wide16<N>, v: &mut [f32], shape: Shape) {
        for (r, reg) in w.regs.iter().enumerate() {
            // SAFETY: as in `load`; `v` is borrowed mutably.
            unsafe { _mm512_mask_storeu_ps(v.as_mut_ptr().add(16 * r), shape.mask(r), *reg) };
        }
    }

    /// `acc` summed as `fold` sums, then the tail's lanes of `tail_terms`
    /// added one by one, as `fold`'s scalar tail adds its terms.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA.
    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn finish(acc: __m512, tail_terms: __m512, tail: usize) -> f32 {
        // SAFETY: the caller's features.
        let mut sum = unsafe { reduce(acc) };
        let mut lanes = [0.0f32; 16];
        // SAFETY: `lanes` holds 16 floats.
        unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), tail_terms) };
        for &term in &lanes[..tail] {
            sum += term;
        }
        sum
    }

    /// `dot(a, b)` over registers, bit for bit.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA.
    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn dot_in<const N: usize>(a: &Wide16<N>, b: &Wide16<N>, shape: Shape) -> f32 {
        let mut acc = _mm512_setzero_ps();
        for r in 0..shape.full {
            acc = _mm512_fmadd_ps(a.regs[r], b.regs[r], acc);
        }
        let tail_terms = if shape.tail > 0 {
            _mm512_mul_ps(a.regs[shape.full], b.regs[shape.full])
        } else {
            _mm512_setzero_ps()
        };
        // SAFETY: the caller's features.
        unsafe { finish(acc, tail_terms, shape.tail) }
    }

    /// `blend(m, x, [c, s, t])` over registers, bit for bit, returning `m·m`.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA.
    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn blend_in<const N: usize>(
        m: &mut Wide16<N>,
        x: &Wide16<N>,
        [c, s, t]: [f32; 3],
        shape: Shape,
    ) -> f32 {
        let (vc, vs, vt) = (_mm512_set1_ps(c), _mm512_set1_ps(s), _mm512_set1_ps(t));
        for (reg, &x) in m.regs.iter_mut().zip(&x.regs) {
            let xs = _mm512_mul_ps(x, vs);
            *reg = _mm512_mul_ps(_mm512_add_ps(_mm512_mul_ps(*reg, vc), xs), vt);
        }
        // SAFETY: the caller's features.
        unsafe { dot_in(m, m, shape) }
    }

    /// Annoy's `two_means` iterations (`two_means` in `build/tree.rs` is
    /// the reference) with the means in `N` registers each.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA; the means must be
    /// `16 (N - 1) < dim <= 16 N` long and every pick at least as long.
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn two_means_in<const N: usize>(
        means: &mut Means<'_>,
        picks: &[Pick<'_>],
        angular: bool,
    ) {
        let dim = means.p.len();
        let shape = Shape {
            full: dim / 16,
            tail: dim % 16,
        };
        // SAFETY (loads and stores): the lengths are the caller's promise.
        let (mut p, mut q) = unsafe { (load::<N>(means.p, shape), load::<N>(means.q, shape)) };
        let [mut p_sq, mut q_sq] = means.sq_norms;
        let [mut ic, mut jc] = means.counts;
        let distance = |sq_norm: f32, x_sq_norm: f32, dot: f32| {
            if angular {
                crate::distance::angular(sq_norm, x_sq_norm, dot)
            } else {
                -dot
            }
        };
        for pick in picks {
            // SAFETY: the caller's features and lengths.
            let x = unsafe { load::<N>(pick.x, shape) };
            let (xp, xq) = unsafe { (dot_in(&x, &p, shape), dot_in(&x, &q, shape)) };
            let di = ic as f32 * distance(p_sq, pick.sq_norm, xp);
            let dj = jc as f32 * distance(q_sq, pick.sq_norm, xq);
            // Annoy's `!(norm > 0)`: skips zero and NaN norms alike.
            if pick.norm.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                continue;
            }
            let (mean, sq, count) = if di < dj {
                (&mut p, &mut p_sq, &mut ic)
            } else if dj < di {
                (&mut q, &mut q_sq, &mut jc)
            } else {
                continue;
            };
            let factors = [*count as f32, 1.0 / pick.norm, 1.0 / (*count + 1) as f32];
            // SAFETY: the caller's features.
            let new_sq = unsafe { blend_in(mean, &x, factors, shape) };
            *sq = if angular { new_sq } else { 0.0 };
            *count += 1;
        }
        // SAFETY: as the loads.
        unsafe {
            store(&p, means.p, shape);
            store(&q, means.q, shape);
        }
        means.sq_norms = [p_sq, q_sq];
        means.counts = [ic, jc];
    }

    /// A term of [`Term`] in 16 lanes.
    trait Wide: Term {
        /// `acc + term(x, y)` lane-wise.
        ///
        /// # Safety
        /// The CPU must have AVX-512F.
        unsafe fn add16(acc: __m512, x: __m512, y: __m512) -> __m512;
    }

    impl Wide for Dot {
        #[inline]
        #[target_feature(enable = "avx512f")]
        unsafe fn add16(acc: __m512, x: __m512, y: __m512) -> __m512 {
            _mm512_fmadd_ps(x, y, acc)
        }
    }

    impl Wide for SqEuclidean {
        #[inline]
        #[target_feature(enable = "avx512f")]
        unsafe fn add16(acc: __m512, x: __m512, y: __m512) -> __m512 {
            let d = _mm512_sub_ps(x, y);
            _mm512_fmadd_ps(d, d, acc)
        }
    }

    impl Wide for Manhattan {
        #[inline]
        #[target_feature(enable = "avx512f")]
        unsafe fn add16(acc: __m512, x: __m512, y: __m512) -> __m512 {
            _mm512_add_ps(acc, _mm512_abs_ps(_mm512_sub_ps(x, y)))
        }
    }

    /// The sum of the 16 lanes as the AVX2 kernels sum their two registers.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA.
    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn reduce(acc: __m512) -> f32 {
        let lo = _mm512_castps512_ps256(acc);
        let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(acc)));
        // SAFETY: the caller promises AVX2 and FMA.
        unsafe { avx2::reduce(lo, hi) }
    }

    /// Sum of `T::scalar(aᵢ, bᵢ)` in the order of the AVX2 `fold`.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA.
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn fold<T: Wide>(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut i = 0;
        // SAFETY: every unaligned load reads 16 floats starting at `i` with
        // `i + 16 <= n`, inside both slices; the CPU features are the
        // caller's promise.
        let mut sum = unsafe {
            let mut acc = _mm512_setzero_ps();
            while i + 16 <= n {
                acc = T::add16(acc, _mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i)));
                i += 16;
            }
            reduce(acc)
        };
        for j in i..n {
            sum += T::scalar(a[j], b[j]);
        }
        sum
    }

    /// `[dot(a, b0), .., dot(a, b3)]` in one pass over `a`.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA.
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn dot4_512(a: &[f32], bs: [&[f32]; 4]) -> [f32; 4] {
        let n = bs.iter().fold(a.len(), |n, b| n.min(b.len()));
        let pa = a.as_ptr();
        let pb = bs.map(<[f32]>::as_ptr);
        let mut i = 0;
        // SAFETY: every load reads 16 floats at `i` with `i + 16 <= n`,
        // inside `a` and every `bᵢ`.
        let mut sums = unsafe {
            let mut acc = [_mm512_setzero_ps(); 4];
            while i + 16 <= n {
                let x = _mm512_loadu_ps(pa.add(i));
                for j in 0..4 {
                    acc[j] = _mm512_fmadd_ps(x, _mm512_loadu_ps(pb[j].add(i)), acc[j]);
                }
                i += 16;
            }
            acc.map(|acc| reduce(acc))
        };
        for j in i..n {
            for (sum, b) in sums.iter_mut().zip(bs) {
                *sum += a[j] * b[j];
            }
        }
        sums
    }

    /// The AVX2 `blend`, 16 elements at a time.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, AVX2 and FMA.
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn blend_512(m: &mut [f32], x: &[f32], [c, s, t]: [f32; 3]) -> f32 {
        let n = m.len().min(x.len());
        let (pm, px) = (m.as_mut_ptr(), x.as_ptr());
        let mut i = 0;
        // SAFETY: every load and store covers 16 floats at `i` with
        // `i + 16 <= n`, inside both slices; `m` is borrowed mutably.
        let mut sum = unsafe {
            let (vc, vs, vt) = (_mm512_set1_ps(c), _mm512_set1_ps(s), _mm512_set1_ps(t));
            let mut acc = _mm512_setzero_ps();
            while i + 16 <= n {
                let old = _mm512_loadu_ps(pm.add(i));
                let xs = _mm512_mul_ps(_mm512_loadu_ps(px.add(i)), vs);
                let new = _mm512_mul_ps(_mm512_add_ps(_mm512_mul_ps(old, vc), xs), vt);
                _mm512_storeu_ps(pm.add(i), new);
                acc = _mm512_fmadd_ps(new, new, acc);
                i += 16;
            }
            reduce(acc)
        };
        for j in i..n {
            m[j] = (m[j] * c + x[j] * s) * t;
            sum += m[j] * m[j];
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
                counts: [1, 1],
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
