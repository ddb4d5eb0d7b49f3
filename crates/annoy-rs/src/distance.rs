//! Annoy's distances, margins and the conversion of internal distances to
//! the ones it reports, per metric (`annoylib.h`, Annoy 1.17.3).

use f32_kernels::Kernels;

use crate::hamming;
use crate::metric::Metric;

/// Annoy's internal distance between `x` and `y` (smaller is nearer):
/// `2 - 2·cos` for angular, the squared distance for Euclidean, the L1
/// distance for Manhattan, `-x·y` for dot, the differing bits of packed
/// vectors for Hamming (see [`crate::hamming`]).
///
/// `x_sq_norm` and `y_sq_norm` are the squared norms Annoy stores in angular
/// nodes (0 means "not stored": it is recomputed, as Annoy does for files
/// that predate the field); other metrics ignore them.
pub(crate) fn distance(
    metric: Metric,
    k: &Kernels,
    x: &[f32],
    x_sq_norm: f32,
    y: &[f32],
    y_sq_norm: f32,
) -> f32 {
    match metric {
        Metric::Angular => {
            let pp = if x_sq_norm != 0.0 {
                x_sq_norm
            } else {
                (k.dot)(x, x)
            };
            let qq = if y_sq_norm != 0.0 {
                y_sq_norm
            } else {
                (k.dot)(y, y)
            };
            angular(pp, qq, (k.dot)(x, y))
        }
        Metric::Dot => -(k.dot)(x, y),
        Metric::Euclidean => (k.sq_euclidean)(x, y),
        Metric::Manhattan => (k.manhattan)(x, y),
        Metric::Hamming => hamming::distance(x, y),
    }
}

// Angular's internal distance from the squared norms and the dot product
// (it lives with the kernels, whose two-means iterations use it too).
pub(crate) use crate::kernels::angular;

/// The distance Annoy reports for an internal distance `d`: `sqrt(max(d, 0))`
/// for angular and Euclidean, `max(d, 0)` for Manhattan, `-d` (the dot
/// product) for dot, `d` for Hamming.
pub(crate) fn normalized(metric: Metric, d: f32) -> f32 {
    match metric {
        Metric::Angular | Metric::Euclidean => d.max(0.0).sqrt(),
        Metric::Manhattan => d.max(0.0),
        Metric::Dot => -d,
        Metric::Hamming => d,
    }
}

/// Annoy's `pq_initial_value`: the priority the roots enter the queue with.
/// Hamming's priorities count down from Annoy's `u64::MAX`, which is 0 here
/// (see [`child_priority`]).
pub(crate) fn initial_priority(metric: Metric) -> f32 {
    match metric {
        Metric::Hamming => 0.0,
        _ => f32::INFINITY,
    }
}

/// Annoy's `pq_distance`: the queue priority of child `child` (0 or 1) of a
/// split at `margin`, below a node of priority `parent`. For the float
/// metrics `min(parent, ±margin)`; for Hamming, whose margin is 1 if the
/// query has the split's bit and 0 if not, `parent - 1` for the child the
/// query disagrees with (exact while fewer than 2²⁴ splits disagree, far
/// beyond any tree's depth).
pub(crate) fn child_priority(metric: Metric, parent: f32, margin: f32, child: usize) -> f32 {
    match metric {
        Metric::Hamming => parent - f32::from(u8::from((margin > 0.0) != (child == 1))),
        _ if child == 1 => parent.min(margin),
        _ => parent.min(-margin),
    }
}

/// The signed distance of `y` from a split plane with normal `v` and extra
/// float `extra` (`a` for Euclidean and Manhattan, `dot_factor` for dot),
/// exactly as Annoy 1.17.3's `margin(node, y)`: `v·y` for angular,
/// `a + v·y` for Euclidean and Manhattan, and `v·y + dot_factor²` for dot
/// (Annoy's release squares the node's own factor).
pub(crate) fn margin(metric: Metric, k: &Kernels, v: &[f32], extra: f32, y: &[f32]) -> f32 {
    margin_from_dot(metric, (k.dot)(v, y), extra)
}

/// [`margin`] given the dot product `v·y` (a Hamming split tests a bit
/// instead: [`crate::hamming::margin`]; here its margin is the dot).
pub(crate) fn margin_from_dot(metric: Metric, dot: f32, extra: f32) -> f32 {
    match metric {
        Metric::Angular | Metric::Hamming => dot,
        Metric::Dot => dot + extra * extra,
        Metric::Euclidean | Metric::Manhattan => extra + dot,
    }
}

/// Bits of `x` that sort as `x` does, with `-0.0` and `0.0` equal (as C++'s
/// `<` has them): Annoy orders its queues and results by `(float, id)`
/// pairs, and a `u64` of `(these bits, id)` orders the same way.
pub(crate) fn ordered_bits(x: f32) -> u32 {
    let bits = (x + 0.0).to_bits();
    if bits & 0x8000_0000 != 0 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_bits_sort_like_floats_with_signed_zeros_equal() {
        let xs = [
            f32::NEG_INFINITY,
            -3.5,
            -1e-30,
            -0.0,
            0.0,
            1e-30,
            2.0,
            f32::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(ordered_bits(w[0]) <= ordered_bits(w[1]), "{w:?}");
        }
        assert_eq!(ordered_bits(-0.0), ordered_bits(0.0));
    }

    #[test]
    fn angular_distance_is_two_minus_twice_the_cosine() {
        let k = f32_kernels::scalar();
        let (x, y) = ([1.0, 0.0], [1.0, 1.0]);
        let d = distance(Metric::Angular, k, &x, 0.0, &y, 0.0);
        assert!((d - (2.0 - 2.0 * 0.5f32.sqrt())).abs() < 1e-6);
        assert_eq!(distance(Metric::Angular, k, &x, 0.0, &[0.0, 0.0], 0.0), 2.0);
        assert!((normalized(Metric::Angular, d) - d.sqrt()).abs() < 1e-7);
        assert_eq!(
            normalized(Metric::Dot, distance(Metric::Dot, k, &x, 0.0, &y, 0.0)),
            1.0
        );
    }
}
