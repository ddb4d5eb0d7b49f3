//! The reference: eight independent lanes that the compiler can keep in one
//! SIMD register with any instruction set, then a pairwise lane sum.

const LANES: usize = 8;

#[inline(always)]
fn fold(a: &[f32], b: &[f32], term: impl Fn(f32, f32) -> f32) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0.0f32; LANES];
    let (ac, bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (at, bt) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for l in 0..LANES {
            lanes[l] += term(x[l], y[l]);
        }
    }
    let quad = [
        lanes[0] + lanes[4],
        lanes[1] + lanes[5],
        lanes[2] + lanes[6],
        lanes[3] + lanes[7],
    ];
    let mut sum = (quad[0] + quad[2]) + (quad[1] + quad[3]);
    for (&x, &y) in at.iter().zip(bt) {
        sum += term(x, y);
    }
    sum
}

pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    fold(a, b, |x, y| x * y)
}

pub(super) fn sq_l2(a: &[f32], b: &[f32]) -> f32 {
    fold(a, b, |x, y| (x - y) * (x - y))
}
