//! The batch arithmetic written once over a small vector interface
//! ([`Simd`]); each variant's file implements the interface with its
//! instruction set's intrinsics and compiles the body inside its
//! `#[target_feature]` function (`#[inline(always)]` puts the body there,
//! so the intrinsics inline into code that has the features).

use super::{Pairs, Sequential};
use crate::tables::MAX_EXP;

/// The vector operations the body needs.
///
/// # Safety
/// Implementations may require CPU features: the methods are only called
/// from a function compiled with (and reached after detecting) them.
pub(super) trait Simd {
    /// A vector of [`Simd::W`] floats.
    type V: Copy;
    /// Lanes per vector.
    const W: usize;
    /// All lanes 0.
    unsafe fn zero() -> Self::V;
    /// All lanes `x`.
    unsafe fn splat(x: f32) -> Self::V;
    /// `W` floats from `p` (any alignment).
    unsafe fn load(p: *const f32) -> Self::V;
    /// `W` floats to `p` (any alignment).
    unsafe fn store(p: *mut f32, v: Self::V);
    /// The first `n < W` floats from `p`, the other lanes 0 (reads only
    /// those `n`).
    unsafe fn load_part(p: *const f32, n: usize) -> Self::V;
    /// The first `n < W` lanes of `v` to `p` (writes only those `n`).
    unsafe fn store_part(p: *mut f32, v: Self::V, n: usize);
    /// `a * b + c` lane by lane.
    unsafe fn madd(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// The sum of the lanes.
    unsafe fn sum(v: Self::V) -> f32;
}

/// Columns held in registers while the products sum over the other
/// matrix's rows: `BLOCKS` vectors.
const BLOCKS: usize = 4;

/// The whole batch: scores `G`, then `dX += G·Y` and `dY += Gᵀ·X`.
///
/// # Safety
/// `S`'s methods must be callable (the CPU has its features).
#[inline(always)]
pub(super) unsafe fn pairs<S: Simd>(p: &mut Pairs<'_>) {
    let d = p.d;
    if d == 0 {
        return;
    }
    let (m, t) = (p.x.len() / d, p.y.len() / d);
    if m == 0 || t == 0 {
        return;
    }
    assert!(p.dx.len() >= m * d && p.labels.len() >= t);
    assert!(p.dy.as_ref().is_none_or(|dy| dy.len() >= t * d));
    let g = &mut *p.g;
    g.clear();
    g.resize(m * t, 0.0);
    let (labels, alpha, sigmoid) = (p.labels, p.alpha, p.sigmoid);
    let score = |f: f32, label: f32| {
        if f <= -MAX_EXP || f >= MAX_EXP {
            0.0
        } else {
            (label - sigmoid.get(f)) * alpha
        }
    };
    let y = p.y;
    for (xa, ga) in p.x.chunks_exact(d).zip(g.chunks_exact_mut(t)) {
        let mut b = 0;
        while b + 2 <= t {
            // SAFETY: the CPU has `S`'s features (the caller's contract).
            let f = unsafe { dot2::<S>(xa, &y[b * d..][..d], &y[(b + 1) * d..][..d]) };
            ga[b] = score(f[0], labels[b]);
            ga[b + 1] = score(f[1], labels[b + 1]);
            b += 2;
        }
        if b < t {
            let row = &y[b * d..][..d];
            // SAFETY: as above.
            let f = unsafe { dot2::<S>(xa, row, row) };
            ga[b] = score(f[0], labels[b]);
        }
    }
    let g = &*g;
    // SAFETY: as above; `dx` has `m` rows and `dy` `t` (asserted).
    unsafe {
        accumulate::<S>(&mut p.dx[..m * d], d, |a, b| g[a * t + b], p.y, t);
        if let Some(dy) = p.dy.as_deref_mut() {
            accumulate::<S>(&mut dy[..t * d], d, |b, a| g[a * t + b], p.x, m);
        }
    }
}

/// The batch in gensim's order ([`Sequential`]): for each input row `a` in
/// turn, its scores against the output rows as they stand, `dx[a] += g·Y`,
/// then `Y += gᵀ·x[a]` in place, so the next input row sees the updated
/// outputs.
///
/// # Safety
/// `S`'s methods must be callable (the CPU has its features).
#[inline(always)]
pub(super) unsafe fn sequential<S: Simd>(p: &mut Sequential<'_>) {
    let d = p.d;
    if d == 0 {
        return;
    }
    let (m, t) = (p.x.len() / d, p.y.len() / d);
    if m == 0 || t == 0 {
        return;
    }
    assert!(p.dx.len() >= m * d && p.labels.len() >= t && p.y.len() >= t * d);
    let (labels, alpha, sigmoid) = (p.labels, p.alpha, p.sigmoid);
    let score = |f: f32, label: f32| {
        if f <= -MAX_EXP || f >= MAX_EXP {
            0.0
        } else {
            (label - sigmoid.get(f)) * alpha
        }
    };
    let g = &mut *p.g;
    g.clear();
    g.resize(t, 0.0);
    for (xa, dxa) in p.x.chunks_exact(d).zip(p.dx.chunks_exact_mut(d)) {
        let mut b = 0;
        while b + 2 <= t {
            // SAFETY: the CPU has `S`'s features (the caller's contract).
            let f = unsafe { dot2::<S>(xa, &p.y[b * d..][..d], &p.y[(b + 1) * d..][..d]) };
            g[b] = score(f[0], labels[b]);
            g[b + 1] = score(f[1], labels[b + 1]);
            b += 2;
        }
        if b < t {
            let row = &p.y[b * d..][..d];
            // SAFETY: as above.
            let f = unsafe { dot2::<S>(xa, row, row) };
            g[b] = score(f[0], labels[b]);
        }
        // SAFETY: as above; `dxa` and `xa` are rows of `d`, `y` has `t`.
        unsafe { update_in_place::<S>(dxa, xa, p.y, g, d) };
    }
}

/// For each output row `b` with `g[b] != 0`, in order: `dx += g[b]·y[b]`,
/// then `y[b] += g[b]·x` (each row of `y` read once, `dx` summed in
/// registers over blocks of columns).
#[inline(always)]
unsafe fn update_in_place<S: Simd>(dx: &mut [f32], x: &[f32], y: &mut [f32], g: &[f32], d: usize) {
    assert!(dx.len() == d && x.len() == d && y.len() >= g.len() * d);
    let (pd, px, py) = (dx.as_mut_ptr(), x.as_ptr(), y.as_mut_ptr());
    let mut c = 0;
    // SAFETY: every access is `W` floats at a column `c + j * W` with
    // `c + BLOCKS * W <= d` (or `c + W <= d`), or the `n = d - c` floats of
    // the tail, inside `dx`, `x` and row `b < g.len()` of `y` (asserted);
    // the CPU has `S`'s features.
    unsafe {
        while c + BLOCKS * S::W <= d {
            let mut acc = [S::zero(); BLOCKS];
            let mut xv = [S::zero(); BLOCKS];
            for j in 0..BLOCKS {
                acc[j] = S::load(pd.add(c + j * S::W));
                xv[j] = S::load(px.add(c + j * S::W));
            }
            for (b, &gb) in g.iter().enumerate() {
                if gb == 0.0 {
                    continue;
                }
                let gv = S::splat(gb);
                let row = py.add(b * d + c);
                for j in 0..BLOCKS {
                    let yv = S::load(row.add(j * S::W));
                    acc[j] = S::madd(gv, yv, acc[j]);
                    S::store(row.add(j * S::W), S::madd(gv, xv[j], yv));
                }
            }
            for (j, acc) in acc.iter().enumerate() {
                S::store(pd.add(c + j * S::W), *acc);
            }
            c += BLOCKS * S::W;
        }
        while c < d {
            let n = (d - c).min(S::W);
            let (load, store) = (
                |p: *const f32| {
                    if n == S::W {
                        S::load(p)
                    } else {
                        S::load_part(p, n)
                    }
                },
                |p: *mut f32, v| {
                    if n == S::W {
                        S::store(p, v)
                    } else {
                        S::store_part(p, v, n)
                    }
                },
            );
            let mut acc = load(pd.add(c));
            let xv = load(px.add(c));
            for (b, &gb) in g.iter().enumerate() {
                if gb == 0.0 {
                    continue;
                }
                let gv = S::splat(gb);
                let row = py.add(b * d + c);
                let yv = load(row);
                acc = S::madd(gv, yv, acc);
                store(row, S::madd(gv, xv, yv));
            }
            store(pd.add(c), acc);
            c += n;
        }
    }
}

/// Two dot products of `x` (lane sums over blocks of `W`, the tail as one
/// partial block, then the lanes added): each is bit for bit what it would
/// be with any partner.
#[inline(always)]
unsafe fn dot2<S: Simd>(x: &[f32], y0: &[f32], y1: &[f32]) -> [f32; 2] {
    let d = x.len();
    assert!(y0.len() == d && y1.len() == d);
    let (px, p0, p1) = (x.as_ptr(), y0.as_ptr(), y1.as_ptr());
    let mut i = 0;
    // SAFETY: every load reads `W` floats at `i` with `i + W <= d`, or the
    // `d - i` floats of the tail, inside the three slices of length `d`;
    // the CPU has `S`'s features.
    // The tail (`d - i < W` floats) is one partial vector.
    unsafe {
        let (mut a0, mut a1) = (S::zero(), S::zero());
        while i + S::W <= d {
            let xv = S::load(px.add(i));
            a0 = S::madd(xv, S::load(p0.add(i)), a0);
            a1 = S::madd(xv, S::load(p1.add(i)), a1);
            i += S::W;
        }
        if i < d {
            let n = d - i;
            let xv = S::load_part(px.add(i), n);
            a0 = S::madd(xv, S::load_part(p0.add(i), n), a0);
            a1 = S::madd(xv, S::load_part(p1.add(i), n), a1);
        }
        [S::sum(a0), S::sum(a1)]
    }
}

/// `out[r] += Σ_k coef(r, k) · src[k]` for every row `r` of `out`, every
/// element summing over `k` in order (zero coefficients skipped).
#[inline(always)]
unsafe fn accumulate<S: Simd>(
    out: &mut [f32],
    d: usize,
    coef: impl Fn(usize, usize) -> f32,
    src: &[f32],
    sources: usize,
) {
    assert!(src.len() >= sources * d);
    let ps = src.as_ptr();
    for (r, row) in out.chunks_exact_mut(d).enumerate() {
        let po = row.as_mut_ptr();
        let mut c = 0;
        // SAFETY: every access is `W` floats at a column `c + j * W` with
        // `c + BLOCKS * W <= d` (or `c + W <= d` below), or the `n = d - c`
        // floats of the tail, inside `row` and inside source row
        // `k < sources` (asserted); the CPU has `S`'s features.
        unsafe {
            while c + BLOCKS * S::W <= d {
                let mut acc = [S::zero(); BLOCKS];
                for (j, acc) in acc.iter_mut().enumerate() {
                    *acc = S::load(po.add(c + j * S::W));
                }
                for k in 0..sources {
                    let g = coef(r, k);
                    if g == 0.0 {
                        continue;
                    }
                    let gv = S::splat(g);
                    let s = ps.add(k * d + c);
                    for (j, acc) in acc.iter_mut().enumerate() {
                        *acc = S::madd(gv, S::load(s.add(j * S::W)), *acc);
                    }
                }
                for (j, acc) in acc.iter().enumerate() {
                    S::store(po.add(c + j * S::W), *acc);
                }
                c += BLOCKS * S::W;
            }
            while c + S::W <= d {
                let mut acc = S::load(po.add(c));
                for k in 0..sources {
                    let g = coef(r, k);
                    if g == 0.0 {
                        continue;
                    }
                    acc = S::madd(S::splat(g), S::load(ps.add(k * d + c)), acc);
                }
                S::store(po.add(c), acc);
                c += S::W;
            }
            if c < d {
                let n = d - c;
                let mut acc = S::load_part(po.add(c), n);
                for k in 0..sources {
                    let g = coef(r, k);
                    if g == 0.0 {
                        continue;
                    }
                    acc = S::madd(S::splat(g), S::load_part(ps.add(k * d + c), n), acc);
                }
                S::store_part(po.add(c), acc, n);
            }
        }
    }
}
