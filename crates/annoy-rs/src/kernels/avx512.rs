//! Annoy's `two_means` iterations with both means held in AVX-512
//! registers: the step by step loop over `f32_kernels`' AVX-512 table
//! (`dot2`, then `blend`), bit for bit, without reloading the means for
//! every pick. Lane `i` of a register is lane `i mod 8` of the first
//! (`i < 8`) or second of the AVX2 kernels' two accumulators, so every sum
//! is the same as theirs.

use std::arch::x86_64::*;

use super::{mean_factors, Means, Pick};

/// [`super::TwoMeans`] for `dim <= 128`: only handed out by
/// [`super::two_means_for`] with `f32_kernels`' AVX-512 table, i.e. once
/// AVX-512F, AVX2 and FMA were detected.
pub(super) fn two_means(means: &mut Means<'_>, picks: &[Pick<'_>], angular: bool) -> bool {
    let dim = means.p.len();
    if means.q.len() != dim || picks.iter().any(|pick| pick.x.len() < dim) {
        return false;
    }
    /// Calls `two_means_in::<N>` for the `N` that holds `dim` floats, up to
    /// the eight registers (128 floats) two means and a pick leave room for.
    macro_rules! by_registers {
        ($($n:literal)*) => {
            match dim.div_ceil(16) {
                // SAFETY: the CPU has AVX-512F, AVX2 and FMA (see above);
                // the lengths were checked above, and
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

/// `acc` summed as `f32_kernels` sums its whole blocks, then the tail's
/// lanes of `tail_terms` added one by one, as its scalar tail adds them.
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

/// The sum of the 16 lanes in `f32_kernels`' order: lane `i` + lane
/// `i + 8`, then `i` + `i + 4`, `i` + `i + 2`, `i` + `i + 1`.
///
/// # Safety
/// The CPU must have AVX-512F.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn reduce(acc: __m512) -> f32 {
    let lo = _mm512_castps512_ps256(acc);
    let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(acc)));
    let v = _mm256_add_ps(lo, hi);
    let quad = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let pair = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
    _mm_cvtss_f32(_mm_add_ss(pair, _mm_shuffle_ps::<0b01>(pair, pair)))
}
