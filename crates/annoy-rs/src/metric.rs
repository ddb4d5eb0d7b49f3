//! Annoy's metrics and the byte layout of their nodes.
//!
//! An Annoy file is an array of equal-size nodes. Each node starts with a
//! small header (`n_descendants`, two child ids, and per metric a float)
//! followed by `f` floats. The headers below mirror the C++ structs of
//! `annoylib.h` in Annoy 1.17.3 (the release on PyPI) and are pinned by
//! compile-time asserts, so the offsets the rest of the crate uses cannot
//! drift from Annoy's.

use std::fmt;
use std::mem::{offset_of, size_of};
use std::str::FromStr;

use crate::error::Error;
use crate::hamming;

/// A distance, as Annoy names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// `sqrt(2 - 2·cos(a, b))`, the Euclidean distance of the unit vectors.
    Angular,
    /// `sqrt(Σ (aᵢ - bᵢ)²)`.
    Euclidean,
    /// `Σ |aᵢ - bᵢ|`.
    Manhattan,
    /// The dot product `a·b` (larger is nearer), searched through Bachrach
    /// et al.'s reduction to angular distance.
    Dot,
    /// The number of positions where `a > 0.5` and `b > 0.5` differ: the
    /// vectors are kept as bits (Annoy's Python wrapper's conversion), and
    /// `get_item_vector` returns them as 0s and 1s.
    Hamming,
}

impl Metric {
    /// Every metric, in Annoy's order.
    pub const ALL: [Metric; 5] = [
        Metric::Angular,
        Metric::Euclidean,
        Metric::Manhattan,
        Metric::Dot,
        Metric::Hamming,
    ];

    /// Annoy's name: `"angular"`, `"euclidean"`, `"manhattan"`, `"dot"` or
    /// `"hamming"`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Angular => "angular",
            Metric::Euclidean => "euclidean",
            Metric::Manhattan => "manhattan",
            Metric::Dot => "dot",
            Metric::Hamming => "hamming",
        }
    }

    /// The size in bytes of one node of an index of dimension `dim`.
    pub fn node_size(self, dim: usize) -> usize {
        Layout::new(self, dim).node_words * 4
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = Error;

    /// Parses Annoy's names (case-sensitive, as Annoy).
    fn from_str(s: &str) -> Result<Self, Error> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| Error::UnknownMetric(s.to_string()))
    }
}

/// `Angular::Node` without `v`: `children[0]` doubles as the item's squared
/// norm (a union in C++).
#[repr(C)]
struct AngularHeader {
    n_descendants: i32,
    children: [i32; 2],
}

/// `DotProduct::Node` of Annoy 1.17.3 without `v`. (Annoy's master branch
/// later added `norm` and `built` fields; no release carries them yet.)
#[repr(C)]
struct DotHeader {
    n_descendants: i32,
    children: [i32; 2],
    dot_factor: f32,
}

/// `Minkowski::Node` (Euclidean, Manhattan) without `v`: `a` is the offset
/// of the split hyperplane.
#[repr(C)]
struct MinkowskiHeader {
    n_descendants: i32,
    a: f32,
    children: [i32; 2],
}

/// `Hamming::Node` without `v`: `v` holds `u64` words, so it starts at the
/// next multiple of 8 bytes.
#[repr(C)]
struct HammingHeader {
    n_descendants: i32,
    children: [i32; 2],
    v: [u64; 0],
}

const _: () = {
    assert!(size_of::<HammingHeader>() == 16);
    assert!(offset_of!(HammingHeader, children) == 4);
    assert!(offset_of!(HammingHeader, v) == 16);
    assert!(size_of::<AngularHeader>() == 12);
    assert!(offset_of!(AngularHeader, n_descendants) == 0);
    assert!(offset_of!(AngularHeader, children) == 4);
    assert!(size_of::<DotHeader>() == 16);
    assert!(offset_of!(DotHeader, n_descendants) == 0);
    assert!(offset_of!(DotHeader, children) == 4);
    assert!(offset_of!(DotHeader, dot_factor) == 12);
    assert!(size_of::<MinkowskiHeader>() == 16);
    assert!(offset_of!(MinkowskiHeader, n_descendants) == 0);
    assert!(offset_of!(MinkowskiHeader, a) == 4);
    assert!(offset_of!(MinkowskiHeader, children) == 8);
};

/// Where the fields of a node are, in 4-byte words from the node's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The metric.
    pub metric: Metric,
    /// The vector dimension `f` (bits for Hamming).
    pub dim: usize,
    /// The 4-byte words of a node's vector: `f`, or for Hamming two per
    /// 64-bit word of bits.
    pub words: usize,
    /// Words per node (Annoy's `_s / 4`).
    pub node_words: usize,
    /// Word of `children[0]`; a leaf's id list starts here.
    pub children: usize,
    /// Word of `v[0]`.
    pub v: usize,
    /// Word of the metric's extra float: `a` (Euclidean, Manhattan) or
    /// `dot_factor` (dot). Angular has none.
    pub extra: Option<usize>,
    /// The most item ids a leaf node holds (Annoy's `K`).
    pub k: usize,
}

impl Layout {
    /// The layout of `metric` at dimension `dim`.
    pub fn new(metric: Metric, dim: usize) -> Self {
        const W: usize = 4;
        let (header, children, extra) = match metric {
            Metric::Angular => (
                size_of::<AngularHeader>(),
                offset_of!(AngularHeader, children),
                None,
            ),
            Metric::Dot => (
                size_of::<DotHeader>(),
                offset_of!(DotHeader, children),
                Some(offset_of!(DotHeader, dot_factor) / W),
            ),
            Metric::Euclidean | Metric::Manhattan => (
                size_of::<MinkowskiHeader>(),
                offset_of!(MinkowskiHeader, children),
                Some(offset_of!(MinkowskiHeader, a) / W),
            ),
            Metric::Hamming => (
                offset_of!(HammingHeader, v),
                offset_of!(HammingHeader, children),
                None,
            ),
        };
        let words = match metric {
            Metric::Hamming => hamming::words(dim),
            _ => dim,
        };
        let node_words = header / W + words;
        Layout {
            metric,
            dim,
            words,
            node_words,
            children: children / W,
            v: header / W,
            extra,
            k: node_words - children / W,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_leaf_capacity_match_annoy() {
        // Node sizes of Annoy 1.17.3 at f = 100: 12 + 4f and 16 + 4f bytes;
        // K = (size - offsetof(children)) / 4.
        let at = |m| Layout::new(m, 100);
        assert_eq!(
            (at(Metric::Angular).node_words * 4, at(Metric::Angular).k),
            (412, 102)
        );
        assert_eq!(
            (at(Metric::Dot).node_words * 4, at(Metric::Dot).k),
            (416, 103)
        );
        for m in [Metric::Euclidean, Metric::Manhattan] {
            assert_eq!((at(m).node_words * 4, at(m).k), (416, 102));
        }
        // Hamming: 16 + 8 f' bytes with f' = ceil(f / 64) words; K = 2 f' + 3.
        assert_eq!(
            (at(Metric::Hamming).node_words * 4, at(Metric::Hamming).k),
            (32, 7)
        );
        let wide = Layout::new(Metric::Hamming, 129);
        assert_eq!((wide.words, wide.node_words * 4, wide.k), (6, 40, 9));
    }

    #[test]
    fn names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(m.name().parse::<Metric>().unwrap(), m);
        }
        assert!(matches!(
            "cosine".parse::<Metric>(),
            Err(Error::UnknownMetric(_))
        ));
    }
}
