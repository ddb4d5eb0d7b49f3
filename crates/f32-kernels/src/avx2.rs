//! AVX2 + FMA kernels: two 8-lane accumulators over 16-element blocks,
//! in the order of Annoy's AVX-512 kernels (the crate's summation order).

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
/// The CPU must have AVX2 and FMA.
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
