//! The AVX2 kernels' arithmetic with one 16-lane register where they use two
//! 8-lane ones: lane `i` of the register is lane `i mod 8` of their first
//! (`i < 8`) or second accumulator, so every sum is the same, bit for bit.

use std::arch::x86_64::*;

use super::avx2::{self, Dot, Manhattan, SqEuclidean, Term};
use super::{mean_factors, Kernels, Means, Pick};

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
    unsafe { dots_512(a, bs) }
}

fn dot2(a: &[f32], bs: [&[f32]; 2]) -> [f32; 2] {
    // SAFETY: as in `dot`.
    unsafe { dots_512(a, bs) }
}

fn blend(m: &mut [f32], x: &[f32], factors: [f32; 3]) -> f32 {
    // SAFETY: as in `dot`.
    unsafe { blend_512(m, x, factors) }
}

fn two_means(means: &mut Means<'_>, picks: &[Pick<'_>], angular: bool) -> bool {
    let dim = means.p.len();
    if means.q.len() != dim || picks.iter().any(|pick| pick.x.len() < dim) {
        return false;
    }
    /// Calls `two_means_in::<N>` for the `N` that holds `dim` floats, up to
    /// the eight registers (128 floats) two means and a pick leave room for.
    macro_rules! by_registers {
        ($($n:literal)*) => {
            match dim.div_ceil(16) {
                // SAFETY: as in `dot`; the lengths were checked above, and
                // `N = dim.div_ceil(16)` is the one `Shape::of` asks for.
                $($n => unsafe { two_means_in::<$n>(means, picks, angular) },)*
                _ => return false,
            }
        };
    }
    by_registers!(1 2 3 4 5 6 7 8);
    true
}

/// A vector of `dim` floats in `N` registers; lanes past `dim` are 0.
struct Regs<const N: usize> {
    regs: [__m512; N],
}

/// Where a vector of `dim` floats ends in `N = dim.div_ceil(16)` registers.
#[derive(Clone, Copy)]
struct Shape {
    /// Registers filled with 16 floats.
    full: usize,
    /// Floats in the register after them (0 if none).
    tail: usize,
}

impl Shape {
    /// The shape of `dim` floats in `N` registers: `N` must be
    /// `dim.div_ceil(16)`, as every caller's loads and stores assume.
    fn of<const N: usize>(dim: usize) -> Self {
        assert_eq!(N, dim.div_ceil(16), "{dim} floats in {N} registers");
        Shape {
            full: dim / 16,
            tail: dim % 16,
        }
    }

    /// Which lanes of register `register` hold floats of the vector.
    fn mask(self, register: usize) -> __mmask16 {
        match register.cmp(&self.full) {
            std::cmp::Ordering::Less => 0xffff,
            std::cmp::Ordering::Equal => ((1u32 << self.tail) - 1) as __mmask16,
            std::cmp::Ordering::Greater => 0,
        }
    }
}

/// Loads `v[..dim]` into `N` registers.
///
/// # Safety
/// The CPU must have AVX-512F; `shape` must be `Shape::of::<N>(dim)` with
/// `dim <= v.len()`.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load<const N: usize>(v: &[f32], shape: Shape) -> Regs<N> {
    let mut regs = [_mm512_setzero_ps(); N];
    for (r, reg) in regs.iter_mut().enumerate() {
        // SAFETY: register `r < N` starts at `16 r < dim <= v.len()`, and
        // its mask covers only floats below `dim` (masked-out lanes are
        // neither read nor faulted on).
        *reg = unsafe { _mm512_maskz_loadu_ps(shape.mask(r), v.as_ptr().add(16 * r)) };
    }
    Regs { regs }
}

/// Stores the first `dim` floats of `w` into `v`.
///
/// # Safety
/// As [`load`].
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store<const N: usize>(w: &Regs<N>, v: &mut [f32], shape: Shape) {
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
unsafe fn dot_in<const N: usize>(a: &Regs<N>, b: &Regs<N>, shape: Shape) -> f32 {
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
    m: &mut Regs<N>,
    x: &Regs<N>,
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

/// Annoy's `two_means` iterations (`mean_steps` in `build/tree.rs` is the
/// reference) with the means in `N` registers each.
///
/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA; the means must be `dim` long
/// with `N = dim.div_ceil(16)`, and every pick at least as long.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn two_means_in<const N: usize>(means: &mut Means<'_>, picks: &[Pick<'_>], angular: bool) {
    let dim = means.p.len();
    let shape = Shape::of::<N>(dim);
    // SAFETY (loads and stores): the lengths are the caller's promise.
    let (mut p, mut q) = unsafe { (load::<N>(means.p, shape), load::<N>(means.q, shape)) };
    let [mut p_sq, mut q_sq] = means.sq_norms;
    // Each mean starts as one item.
    let (mut ic, mut jc) = (1, 1);
    let distance = |sq_norm: f32, x_sq_norm: f32, dot: f32| {
        if angular {
            super::angular(sq_norm, x_sq_norm, dot)
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
        // SAFETY: the caller's features.
        let new_sq = unsafe { blend_in(mean, &x, mean_factors(*count, pick.norm), shape) };
        *sq = if angular { new_sq } else { 0.0 };
        *count += 1;
    }
    // SAFETY: as the loads.
    unsafe {
        store(&p, means.p, shape);
        store(&q, means.q, shape);
    }
    means.sq_norms = [p_sq, q_sq];
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

/// `[dot(a, b0), .., dot(a, b(K-1))]` in one pass over `a`.
///
/// # Safety
/// The CPU must have AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn dots_512<const K: usize>(a: &[f32], bs: [&[f32]; K]) -> [f32; K] {
    let n = bs.iter().fold(a.len(), |n, b| n.min(b.len()));
    let pa = a.as_ptr();
    let pb = bs.map(<[f32]>::as_ptr);
    let mut i = 0;
    // SAFETY: every load reads 16 floats at `i` with `i + 16 <= n`,
    // inside `a` and every `bᵢ`.
    let mut sums = unsafe {
        let mut acc = [_mm512_setzero_ps(); K];
        while i + 16 <= n {
            let x = _mm512_loadu_ps(pa.add(i));
            for j in 0..K {
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
