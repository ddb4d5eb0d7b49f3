//! Growing one tree as Annoy's `_make_tree` does.

use f32_kernels::Kernels;

use super::input::Input;
use crate::distance;
use crate::hamming;
use crate::kernels::{self, Means, Pick};
use crate::kiss::Kiss64;
use crate::metric::Metric;

/// `two_means` iterations (Annoy's `iteration_steps`).
const TWO_MEANS_STEPS: usize = 200;

/// Split attempts before settling for an imbalanced split.
const SPLIT_ATTEMPTS: usize = 3;

/// One tree's nodes, numbered from 0 in allocation (post-)order. Node
/// references are item ids below `n_items`, else `n_items + local number`.
pub(super) struct Tree {
    pub(super) words: Vec<u32>,
    pub(super) root: u32,
    /// Word positions that hold node references (split children).
    pub(super) child_slots: Vec<usize>,
}

/// A centroid of `two_means`, or a split plane.
#[derive(Clone)]
struct Point {
    v: Vec<f32>,
    /// `dot_factor` (dot) or `a` (Euclidean, Manhattan).
    extra: f32,
    /// Angular's cached `v·v` (`init_node`).
    sq_norm: f32,
}

impl Point {
    fn zeros(dim: usize) -> Self {
        Point {
            v: vec![0.0; dim],
            extra: 0.0,
            sq_norm: 0.0,
        }
    }
}

/// Bytes of item vectors a subtree may copy into a contiguous buffer: below
/// this its items are gathered once, and every level below reads them from
/// the core's cache instead of from all over memory.
const LOCAL_BYTES: usize = 1 << 20;

/// How many items ahead the side loop prefetches vectors (`two_means`
/// prefetches all its picks before its first step).
const PREFETCH_AHEAD: usize = 8;

/// The ids of the tree being built (each subtree owns a range) and where
/// their vectors are read from.
struct Pool<'a> {
    input: &'a Input<'a>,
    /// The values holding every item's vector, and where item `i`'s starts:
    /// `i * stride + offset` (`input.values()`, resolved once).
    vectors: &'a [f32],
    stride: usize,
    offset: usize,
    indices: Vec<u32>,
    /// For a subtree in `local` mode: each entry's row in `local`.
    slots: Vec<u32>,
    local: Vec<f32>,
    /// The squared norms of the rows of `local`.
    local_sq_norms: Vec<f32>,
    local_on: bool,
}

impl Pool<'_> {
    /// Item `id`'s vector in the shared array.
    fn item(&self, id: u32) -> &[f32] {
        let dim = self.input.layout.words;
        let at = id as usize * self.stride + self.offset;
        &self.vectors[at..at + dim]
    }

    /// The vector of entry `idx` of `indices`.
    fn vector(&self, idx: usize) -> &[f32] {
        if self.local_on {
            let dim = self.input.layout.words;
            let at = self.slots[idx] as usize * dim;
            &self.local[at..at + dim]
        } else {
            self.item(self.indices[idx])
        }
    }

    /// The squared norm of the vector of entry `idx` (see `Input::sq_norms`).
    fn sq_norm(&self, idx: usize) -> f32 {
        if self.local_on {
            self.local_sq_norms[self.slots[idx] as usize]
        } else {
            self.input.sq_norms[self.indices[idx] as usize]
        }
    }

    /// Prefetches the vector of entry `idx`, if it exists and lives in the
    /// shared item array.
    fn prefetch(&self, idx: usize) {
        if !self.local_on && idx < self.indices.len() {
            f32_kernels::prefetch(self.item(self.indices[idx]));
        }
    }

    /// [`Pool::prefetch`], and the squared norm the entry has there.
    fn prefetch_with_norm(&self, idx: usize) {
        self.prefetch(idx);
        if !self.local_on && idx < self.indices.len() {
            let id = self.indices[idx] as usize;
            f32_kernels::prefetch(&self.input.sq_norms[id..=id]);
        }
    }

    /// Copies the vectors of `indices[lo..hi]` into `local` and reads from
    /// there until [`Pool::leave_local`].
    fn enter_local(&mut self, lo: usize, hi: usize) {
        let dim = self.input.layout.words;
        self.local.clear();
        self.local_sq_norms.clear();
        for (row, idx) in (lo..hi).enumerate() {
            self.slots[idx] = row as u32;
            let id = self.indices[idx] as usize;
            let at = id * self.stride + self.offset;
            self.local.extend_from_slice(&self.vectors[at..at + dim]);
            self.local_sq_norms.push(self.input.sq_norms[id]);
        }
        debug_assert_eq!(self.local.len(), (hi - lo) * dim);
        self.local_on = true;
    }

    fn leave_local(&mut self) {
        self.local_on = false;
    }
}

/// Grows trees one at a time, reusing its buffers.
pub(super) struct Builder<'a> {
    input: &'a Input<'a>,
    rng: Kiss64,
    pool: Pool<'a>,
    /// Subtrees of at most this many items use the local buffer.
    local_items: usize,
    sides: Vec<bool>,
    spill: Vec<(u32, u32)>,
    draws: Vec<usize>,
    words: Vec<u32>,
    child_slots: Vec<usize>,
    /// Sizes of the last tree, to size the next one's buffers.
    last_words: usize,
    last_slots: usize,
    p: Point,
    q: Point,
}

impl<'a> Builder<'a> {
    pub(super) fn new(input: &'a Input<'a>) -> Self {
        let dim = input.layout.words;
        let n = input.ids.len();
        let local_items = LOCAL_BYTES / (4 * dim.max(1));
        Builder {
            input,
            rng: Kiss64::default(),
            pool: Pool {
                input,
                vectors: input.values().0,
                stride: input.values().1,
                offset: input.values().2,
                indices: Vec::with_capacity(n),
                slots: vec![0; n],
                local: Vec::with_capacity(local_items.min(n) * dim),
                local_sq_norms: Vec::with_capacity(local_items.min(n)),
                local_on: false,
            },
            local_items,
            sides: Vec::with_capacity(n),
            spill: Vec::with_capacity(n),
            draws: Vec::with_capacity(TWO_MEANS_STEPS),
            words: Vec::new(),
            child_slots: Vec::new(),
            last_words: 0,
            last_slots: 0,
            p: Point::zeros(dim),
            q: Point::zeros(dim),
        }
    }

    /// Builds one tree from `Kiss64(seed)`.
    pub(super) fn grow(&mut self, seed: u64) -> Tree {
        self.rng = Kiss64::new(seed);
        self.pool.indices.clear();
        self.pool.indices.extend_from_slice(&self.input.ids);
        self.pool.local_on = false;
        // Trees of one set are about the same size: start at the last one's.
        self.words = Vec::with_capacity(self.last_words + self.last_words / 8);
        self.child_slots = Vec::with_capacity(self.last_slots + self.last_slots / 8);
        let root = self.make_tree(0, self.pool.indices.len(), true);
        (self.last_words, self.last_slots) = (self.words.len(), self.child_slots.len());
        Tree {
            words: std::mem::take(&mut self.words),
            root,
            child_slots: std::mem::take(&mut self.child_slots),
        }
    }

    /// A new zeroed node; returns its local number.
    fn alloc(&mut self) -> usize {
        let w = self.input.layout.node_words;
        let local = self.words.len() / w;
        self.words.resize(self.words.len() + w, 0);
        local
    }

    fn reference(&self, local: usize) -> u32 {
        (self.input.n_items() + local) as u32
    }

    /// Annoy's `_make_tree` over `indices[lo..hi]`; returns a reference.
    fn make_tree(&mut self, lo: usize, hi: usize, is_root: bool) -> u32 {
        let layout = self.input.layout;
        let (len, n_items) = (hi - lo, self.input.n_items());
        let n_descendants = (if is_root { n_items } else { len }) as u32;
        if len == 1 && !is_root {
            return self.pool.indices[lo];
        }
        if len <= layout.k && (!is_root || n_items <= layout.k || len == 1) {
            let local = self.alloc();
            let at = local * layout.node_words;
            self.words[at] = n_descendants;
            let ids = at + layout.children;
            self.words[ids..ids + len].copy_from_slice(&self.pool.indices[lo..hi]);
            return self.reference(local);
        }
        let went_local = !self.pool.local_on && len <= self.local_items;
        if went_local {
            self.pool.enter_local(lo, hi);
        }

        let mut plane = Point::zeros(layout.words);
        let mut counts = (0, 0);
        for _ in 0..SPLIT_ATTEMPTS {
            self.create_split(lo, hi, &mut plane);
            counts = self.assign_sides(lo, hi, &plane);
            if f64::from(imbalance(counts)) < 0.95 {
                break;
            }
        }
        while f64::from(imbalance(counts)) > 0.99 {
            // No good hyperplane: zero the normal (Annoy keeps `a` and
            // `dot_factor`) and split at random.
            plane.v.fill(0.0);
            let mut ones = 0;
            for side in &mut self.sides[..len] {
                *side = self.rng.flip();
                ones += usize::from(*side);
            }
            counts = (len - ones, ones);
        }
        let mid = self.partition(lo, hi);
        let ranges = [(lo, mid), (mid, hi)];
        // The smaller side first (side 0 on a tie), as Annoy.
        let flip = usize::from(counts.0 > counts.1);
        let mut children = [0u32; 2];
        for side in 0..2 {
            let (a, b) = ranges[side ^ flip];
            children[side ^ flip] = self.make_tree(a, b, false);
        }
        if went_local {
            self.pool.leave_local();
        }

        let local = self.alloc();
        let at = local * layout.node_words;
        self.words[at] = n_descendants;
        for (j, &child) in children.iter().enumerate() {
            self.words[at + layout.children + j] = child;
            self.child_slots.push(at + layout.children + j);
        }
        if let Some(extra) = layout.extra {
            self.words[at + extra] = plane.extra.to_bits();
        }
        let v = at + layout.v;
        for (word, &x) in self.words[v..v + layout.words].iter_mut().zip(&plane.v) {
            *word = x.to_bits();
        }
        self.reference(local)
    }

    /// Annoy's `create_split`: a plane between the two means (for Hamming,
    /// a bit: [`Builder::split_bit`]).
    fn create_split(&mut self, lo: usize, hi: usize, plane: &mut Point) {
        let metric = self.input.layout.metric;
        let k = self.input.kernels;
        if metric == Metric::Hamming {
            return self.split_bit(lo, hi, plane);
        }
        self.two_means(lo, hi);
        let (p, q) = (&self.p, &self.q);
        for ((n, &a), &b) in plane.v.iter_mut().zip(&p.v).zip(&q.v) {
            *n = a - b;
        }
        match metric {
            Metric::Angular => normalize(k, &mut plane.v),
            Metric::Dot => {
                plane.extra = p.extra - q.extra;
                normalize_with_factor(k, plane);
            }
            Metric::Euclidean | Metric::Manhattan => {
                normalize(k, &mut plane.v);
                let mut a = 0.0f32;
                for ((&n, &x), &y) in plane.v.iter().zip(&p.v).zip(&q.v) {
                    a += -n * (x + y) / 2.0;
                }
                plane.extra = a;
            }
            Metric::Hamming => {}
        }
    }

    /// Hamming's `create_split`: up to 20 random bits, then every bit in
    /// order, until one is set in some but not all of `indices[lo..hi]`
    /// (the last one tried if none is).
    fn split_bit(&mut self, lo: usize, hi: usize, plane: &mut Point) {
        const RANDOM_TRIES: usize = 20;
        let bits = 32 * self.input.layout.words as u64;
        let pool = &self.pool;
        let splits = |plane: &Point| {
            let set = (lo..hi)
                .filter(|&idx| hamming::margin(&plane.v, pool.vector(idx)) == Some(true))
                .count();
            set > 0 && set < hi - lo
        };
        for _ in 0..RANDOM_TRIES {
            hamming::set_split_bit(&mut plane.v, self.rng.index(bits as usize) as u64);
            if splits(plane) {
                return;
            }
        }
        for bit in 0..bits {
            hamming::set_split_bit(&mut plane.v, bit);
            if splits(plane) {
                return;
            }
        }
    }

    /// Annoy's `two_means` over `indices[lo..hi]`, leaving the means in
    /// `self.p` and `self.q`.
    fn two_means(&mut self, lo: usize, hi: usize) {
        let input = self.input;
        let (metric, k) = (input.layout.metric, input.kernels);
        let count = hi - lo;
        let i = self.rng.index(count);
        let mut j = self.rng.index(count - 1);
        j += usize::from(j >= i);
        for (point, at) in [(&mut self.p, i), (&mut self.q, j)] {
            let id = self.pool.indices[lo + at] as usize;
            point.v.copy_from_slice(self.pool.vector(lo + at));
            point.extra = input.dot_factors.get(id).copied().unwrap_or(0.0);
            match metric {
                Metric::Angular => normalize(k, &mut point.v),
                Metric::Dot => normalize_with_factor(k, point),
                Metric::Euclidean | Metric::Manhattan | Metric::Hamming => {}
            }
            point.sq_norm = init_sq_norm(metric, k, &point.v);
        }
        // The steps draw nothing else, so drawing their picks first keeps
        // Annoy's sequence and lets their vectors be prefetched.
        self.draws.clear();
        for _ in 0..TWO_MEANS_STEPS {
            self.draws.push(lo + self.rng.index(count));
        }
        for &idx in &self.draws {
            self.pool.prefetch_with_norm(idx);
        }
        let pool = &self.pool;
        let picks: Vec<Pick<'_>> = self
            .draws
            .iter()
            .map(|&idx| {
                let sq_norm = pool.sq_norm(idx);
                Pick {
                    x: pool.vector(idx),
                    sq_norm,
                    norm: if input.cosine() { sq_norm.sqrt() } else { 1.0 },
                }
            })
            .collect();
        mean_steps(k, metric, [&mut self.p, &mut self.q], &picks);
    }

    /// Puts each of `indices[lo..hi]` on side 1 if its margin is positive,
    /// 0 if negative, at random if zero; returns the side counts.
    fn assign_sides(&mut self, lo: usize, hi: usize, plane: &Point) -> (usize, usize) {
        let (metric, k) = (self.input.layout.metric, self.input.kernels);
        self.sides.clear();
        if metric == Metric::Hamming {
            // A bit, set or not: no margin is ever zero.
            let pool = &self.pool;
            self.sides.extend(
                (lo..hi).map(|idx| hamming::margin(&plane.v, pool.vector(idx)) == Some(true)),
            );
            let ones = self.sides.iter().filter(|&&side| side).count();
            return (hi - lo - ones, ones);
        }
        let mut ones = 0;
        let mut idx = lo;
        while idx < hi {
            // Four margins at a time (bit for bit the one-at-a-time ones),
            // then the sides in order, as the zero-margin coin flips must be.
            let group = (hi - idx).min(4);
            for ahead in idx + PREFETCH_AHEAD..(idx + PREFETCH_AHEAD + group).min(hi) {
                self.pool.prefetch(ahead);
            }
            let pool = &self.pool;
            let dots = (k.dot4)(
                &plane.v,
                [0, 1, 2, 3].map(|j| pool.vector(idx + j.min(group - 1))),
            );
            for &dot in &dots[..group] {
                let m = distance::margin_from_dot(metric, dot, plane.extra);
                let side = if m != 0.0 { m > 0.0 } else { self.rng.flip() };
                ones += usize::from(side);
                self.sides.push(side);
            }
            idx += group;
        }
        (hi - lo - ones, ones)
    }

    /// Stable partition of `indices[lo..hi]` (and their slots) by side:
    /// side 0 first. Returns where side 1 starts.
    fn partition(&mut self, lo: usize, hi: usize) -> usize {
        let len = hi - lo;
        // Branch-free: every entry is written to both places and only the
        // cursor of its side advances (the sides are a coin toss to the
        // branch predictor).
        self.spill.clear();
        self.spill.resize(len, (0, 0));
        let pool = &mut self.pool;
        let (mut write, mut spilled) = (lo, 0);
        for (idx, &side) in (lo..hi).zip(&self.sides[..len]) {
            let entry = (pool.indices[idx], pool.slots[idx]);
            (pool.indices[write], pool.slots[write]) = entry;
            self.spill[spilled] = entry;
            write += usize::from(!side);
            spilled += usize::from(side);
        }
        for (offset, &(id, slot)) in self.spill[..spilled].iter().enumerate() {
            pool.indices[write + offset] = id;
            pool.slots[write + offset] = slot;
        }
        write
    }
}

/// Annoy's `_split_imbalance`, with its float/double conversions.
fn imbalance((left, right): (usize, usize)) -> f32 {
    let (ls, rs) = (f64::from(left as f32), f64::from(right as f32));
    let f = (ls / (ls + rs + 1e-9)) as f32;
    f.max(1.0 - f)
}

/// `Base::normalize`: divide by the Euclidean norm if it is positive
/// (by multiplying with its reciprocal, as Annoy's build does).
fn normalize(k: &Kernels, v: &mut [f32]) {
    let norm = (k.dot)(v, v).sqrt();
    if norm > 0.0 {
        let inv = 1.0 / norm;
        for x in v {
            *x *= inv;
        }
    }
}

/// `DotProduct::normalize`: the norm includes the extra coordinate.
fn normalize_with_factor(k: &Kernels, point: &mut Point) {
    let norm =
        (f64::from((k.dot)(&point.v, &point.v)) + f64::from(point.extra).powi(2)).sqrt() as f32;
    if norm > 0.0 {
        let inv = 1.0 / norm;
        for x in &mut point.v {
            *x *= inv;
        }
        point.extra *= inv;
    }
}

/// `init_node`: angular caches `v·v`; the other metrics store nothing.
fn init_sq_norm(metric: Metric, k: &Kernels, v: &[f32]) -> f32 {
    match metric {
        Metric::Angular => (k.dot)(v, v),
        _ => 0.0,
    }
}

/// Annoy's `two_means` iterations: each pick moves the mean it is nearer
/// to (weighing each mean's distance by the items it holds) towards itself.
/// Angular and dot take the kernels' register version where there is one;
/// it computes the same values bit for bit.
fn mean_steps(k: &Kernels, metric: Metric, [p, q]: [&mut Point; 2], picks: &[Pick<'_>]) {
    if let (Some(in_registers), Metric::Angular | Metric::Dot) = (kernels::two_means_for(k), metric)
    {
        let mut means = Means {
            p: &mut p.v,
            q: &mut q.v,
            sq_norms: [p.sq_norm, q.sq_norm],
        };
        if in_registers(&mut means, picks, metric == Metric::Angular) {
            [p.sq_norm, q.sq_norm] = means.sq_norms;
            return;
        }
    }
    let (mut ic, mut jc) = (1u32, 1u32);
    for pick in picks {
        let x = pick.x;
        let (dp, dq) = match metric {
            // Both dot products in one pass, each exactly `dot`.
            Metric::Angular | Metric::Dot => {
                let [xp, xq] = (k.dot2)(x, [&p.v, &q.v]);
                match metric {
                    Metric::Angular => (
                        distance::angular(p.sq_norm, pick.sq_norm, xp),
                        distance::angular(q.sq_norm, pick.sq_norm, xq),
                    ),
                    _ => (-xp, -xq),
                }
            }
            _ => (
                distance::distance(metric, k, &p.v, 0.0, x, 0.0),
                distance::distance(metric, k, &q.v, 0.0, x, 0.0),
            ),
        };
        let (di, dj) = (ic as f32 * dp, jc as f32 * dq);
        // Annoy's `!(norm > 0)`: skips zero and NaN norms alike.
        if pick.norm.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        if di < dj {
            update_mean(k, metric, p, x, pick.norm, ic);
            ic += 1;
        } else if dj < di {
            update_mean(k, metric, q, x, pick.norm, jc);
            jc += 1;
        }
    }
}

/// Moves a mean holding `c` items towards `x / norm` with weight
/// `1 / (c + 1)`, as Annoy's `two_means` (only `v`: Annoy 1.17.3 leaves the
/// dot factor alone), with [`kernels::mean_factors`].
///
/// Then `init_node`: angular caches the new `v·v` (computed in the same
/// pass); the other metrics store nothing.
fn update_mean(k: &Kernels, metric: Metric, mean: &mut Point, x: &[f32], norm: f32, c: u32) {
    let sq_norm = (k.blend)(&mut mean.v, x, kernels::mean_factors(c, norm));
    mean.sq_norm = if metric == Metric::Angular {
        sq_norm
    } else {
        0.0
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mean_steps` with the register kernels computes what the step by
    /// step loop over the AVX2 kernels computes, bit for bit, at every
    /// dimension (with and without a partial last register, and past the
    /// registers' reach), for both dot-product metrics, with picks that are
    /// skipped (a zero vector, a NaN) and with means that tie at every step.
    #[test]
    fn two_means_in_registers_is_the_step_by_step_loop_bit_for_bit() {
        let (Some(wide), Some(narrow)) = (f32_kernels::avx512(), f32_kernels::avx2_fma()) else {
            eprintln!("skipped: this CPU lacks AVX-512F");
            return;
        };
        let in_registers = kernels::two_means_for(wide).expect("the AVX-512 table has one");
        assert!(kernels::two_means_for(narrow).is_none());
        let mut rng = Kiss64::new(42);
        let mut value = move || (rng.index(2001) as f32 - 1000.0) / 1000.0;
        for dim in (1..=140).chain([300]) {
            let items: Vec<Vec<f32>> = (0..60)
                .map(|i| {
                    let mut v: Vec<f32> = (0..dim).map(|_| value()).collect();
                    match i % 20 {
                        7 => v.fill(0.0),
                        13 => v[dim / 2] = f32::NAN,
                        _ => {}
                    }
                    v
                })
                .collect();
            let picks: Vec<Pick<'_>> = (0..TWO_MEANS_STEPS)
                .map(|step| {
                    let x = &items[(step * 7 + dim) % items.len()];
                    let sq_norm = (narrow.dot)(x, x);
                    Pick {
                        x,
                        sq_norm,
                        norm: sq_norm.sqrt(),
                    }
                })
                .collect();
            assert!(picks.iter().any(|pick| pick.norm == 0.0));
            assert!(picks.iter().any(|pick| pick.norm.is_nan()));
            for metric in [Metric::Angular, Metric::Dot] {
                let start = |i: usize| Point {
                    sq_norm: init_sq_norm(metric, narrow, &items[i]),
                    v: items[i].clone(),
                    extra: 0.0,
                };
                let bits = |m: &Point| {
                    let v: Vec<u32> = m.v.iter().map(|x| x.to_bits()).collect();
                    (v, m.sq_norm.to_bits())
                };
                let run = |k: &Kernels, (i, j): (usize, usize)| {
                    let (mut p, mut q) = (start(i), start(j));
                    mean_steps(k, metric, [&mut p, &mut q], &picks);
                    [bits(&p), bits(&q)]
                };
                // Distinct means move; equal means tie at every step and stay.
                for (starts, moves) in [((1, 2), true), ((1, 1), false)] {
                    let (ours, reference) = (run(wide, starts), run(narrow, starts));
                    assert_eq!(ours, reference, "dim {dim}, {metric:?}, {starts:?}");
                    let unmoved = [bits(&start(starts.0)), bits(&start(starts.1))];
                    for (mean, unmoved) in reference.iter().zip(&unmoved) {
                        assert_eq!(mean.0 != unmoved.0, moves, "dim {dim}, {metric:?}");
                    }
                }
                // The register version itself ran wherever it can.
                let (mut p, mut q) = (items[1].clone(), items[2].clone());
                let mut means = Means {
                    p: &mut p,
                    q: &mut q,
                    sq_norms: [1.0, 1.0],
                };
                let ran = in_registers(&mut means, &picks, metric == Metric::Angular);
                assert_eq!(ran, dim <= 128, "dim {dim}");
            }
        }
    }

    #[test]
    fn imbalance_is_the_larger_share() {
        assert!((imbalance((1, 3)) - 0.75).abs() < 1e-6);
        assert!((imbalance((3, 1)) - 0.75).abs() < 1e-6);
        assert!(imbalance((0, 0)) <= 1.0);
        assert!(imbalance((0, 5)) > 0.99);
    }
}
