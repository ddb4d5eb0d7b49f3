//! The reference: eight independent lanes so that the compiler can keep them
//! in one SIMD register with any instruction set, then a pairwise lane sum.

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
