//! Property tests over random small sets, every metric: results are valid,
//! unique, sorted, with distances equal to a brute-force recomputation, and
//! with `search_k >= n_items * n_trees` they are the exact nearest items.

use annoy_rs::{AnnoyIndex, BuildOptions, Metric};
use proptest::collection::vec;
use proptest::prelude::*;

/// Annoy's reported distance, computed the slow way in f64.
fn brute(metric: Metric, x: &[f32], y: &[f32]) -> f64 {
    let pairs = x.iter().zip(y).map(|(&a, &b)| (f64::from(a), f64::from(b)));
    match metric {
        Metric::Angular => {
            let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
            for (a, b) in pairs {
                xy += a * b;
                xx += a * a;
                yy += b * b;
            }
            if xx * yy > 0.0 {
                (2.0 - 2.0 * xy / (xx * yy).sqrt()).max(0.0).sqrt()
            } else {
                2f64.sqrt()
            }
        }
        Metric::Euclidean => pairs.map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt(),
        Metric::Manhattan => pairs.map(|(a, b)| (a - b).abs()).sum(),
        Metric::Dot => pairs.map(|(a, b)| a * b).sum(),
        Metric::Hamming => pairs.filter(|(a, b)| (*a > 0.5) != (*b > 0.5)).count() as f64,
    }
}

/// Smaller is nearer, for every metric.
fn rank_key(metric: Metric, d: f64) -> f64 {
    if metric == Metric::Dot {
        -d
    } else {
        d
    }
}

#[derive(Debug, Clone)]
struct Case {
    metric: Metric,
    dim: usize,
    items: Vec<f32>,
    query: Vec<f32>,
    n_trees: usize,
    n: usize,
    seed: u64,
}

/// A random set: up to 8 dimensions, or for Hamming up to 199 bits (so
/// that vectors span several 64-bit words).
fn case() -> impl Strategy<Value = Case> {
    prop::sample::select(Metric::ALL.to_vec())
        .prop_flat_map(|metric| {
            let dims = if metric == Metric::Hamming {
                1usize..200
            } else {
                1usize..9
            };
            (
                Just(metric),
                dims,
                1usize..120,
                1usize..6,
                1usize..15,
                any::<u64>(),
            )
        })
        .prop_flat_map(|(metric, dim, n_items, n_trees, n, seed)| {
            (vec(-10.0f32..10.0, n_items * dim), vec(-10.0f32..10.0, dim)).prop_map(
                move |(items, query)| Case {
                    metric,
                    dim,
                    items,
                    query,
                    n_trees,
                    n,
                    seed,
                },
            )
        })
}

fn index(case: &Case) -> AnnoyIndex {
    let mut index = AnnoyIndex::new(case.dim, case.metric);
    index.add_items(&case.items).unwrap();
    index
        .build_with(BuildOptions::new(case.n_trees).seed(case.seed), |_, _| {})
        .unwrap();
    index
}

/// How far an f32 result may be from the f64 one. Angular distances near 0
/// lose precision in the square root; dot products cancel, so their error
/// scales with `Σ|xᵢyᵢ|`, at most `100 · dim` here.
fn tolerance(d: f64, metric: Metric, dim: usize) -> f64 {
    match metric {
        Metric::Angular => 2e-3 * d.abs().max(1.0),
        Metric::Dot => 1e-4 * d.abs().max(1.0) + 1e-4 * dim as f64,
        Metric::Euclidean | Metric::Manhattan => 1e-4 * d.abs().max(1.0),
        Metric::Hamming => 0.0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn results_are_valid_unique_sorted_and_exact_distances(case in case(), search_k in 0usize..400) {
        let index = index(&case);
        let n_items = case.items.len() / case.dim;
        let found = index.get_nns_by_vector(&case.query, case.n, Some(search_k)).unwrap();
        prop_assert!(found.len() <= case.n.min(n_items));
        let mut seen = std::collections::HashSet::new();
        for neighbor in &found {
            prop_assert!((neighbor.id as usize) < n_items);
            prop_assert!(seen.insert(neighbor.id), "duplicate {}", neighbor.id);
            let item = &case.items[neighbor.id as usize * case.dim..][..case.dim];
            let want = brute(case.metric, &case.query, item);
            prop_assert!(
                (f64::from(neighbor.distance) - want).abs() <= tolerance(want, case.metric, case.dim),
                "distance to {}: {} vs {}", neighbor.id, neighbor.distance, want
            );
        }
        for pair in found.windows(2) {
            let (a, b) = (f64::from(pair[0].distance), f64::from(pair[1].distance));
            prop_assert!(rank_key(case.metric, a) <= rank_key(case.metric, b) + 1e-6);
        }
    }

    #[test]
    fn a_large_enough_search_is_exact(case in case()) {
        let index = index(&case);
        let n_items = case.items.len() / case.dim;
        let found = index.get_nns_by_vector(&case.query, case.n, Some(n_items * case.n_trees)).unwrap();
        let mut exact: Vec<f64> = case
            .items
            .chunks_exact(case.dim)
            .map(|item| rank_key(case.metric, brute(case.metric, &case.query, item)))
            .collect();
        exact.sort_by(f64::total_cmp);
        prop_assert_eq!(found.len(), case.n.min(n_items));
        for (neighbor, want) in found.iter().zip(&exact) {
            let got = rank_key(case.metric, f64::from(neighbor.distance));
            prop_assert!((got - want).abs() <= tolerance(*want, case.metric, case.dim), "{} vs {}", got, want);
        }
    }

    #[test]
    fn an_item_finds_itself_first(case in case()) {
        prop_assume!(case.metric != Metric::Dot); // the dot product ranks by size, not closeness
        let index = index(&case);
        let n_items = case.items.len() / case.dim;
        let id = case.seed as usize % n_items;
        let found = index.get_nns_by_item(id, 1, Some(n_items * case.n_trees)).unwrap();
        let first = found[0];
        let item = &case.items[id * case.dim..][..case.dim];
        prop_assume!(item.iter().any(|&x| x != 0.0));
        let theirs = &case.items[first.id as usize * case.dim..][..case.dim];
        // Itself, or an item at distance 0 from it (a duplicate, or any
        // positive multiple of it for angular).
        prop_assert!(first.id as usize == id || brute(case.metric, item, theirs) <= tolerance(0.0, case.metric, case.dim));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Growing a forest by more trees gives, byte for byte, the forest built
    /// with all of them at once (same seed), for every metric, on any
    /// thread count.
    #[test]
    fn adding_trees_equals_building_them_all(
        metric in prop::sample::select(Metric::ALL.to_vec()),
        dim in 1usize..9,
        items in vec(-1.0f32..1.0, 8 * 150),
        first in 1usize..5,
        more in prop::collection::vec(1usize..4, 1..3),
        seed in any::<u64>(),
        threads in 1usize..3,
    ) {
        let rows = &items[..items.len() / dim * dim];
        let total: usize = first + more.iter().sum::<usize>();
        let mut whole = AnnoyIndex::new(dim, metric);
        whole.add_items(rows).unwrap();
        whole.build_with(BuildOptions::new(total).seed(seed).threads(threads), |_, _| {}).unwrap();
        let mut grown = AnnoyIndex::new(dim, metric);
        grown.add_items(rows).unwrap();
        grown.build_with(BuildOptions::new(first).seed(seed).threads(threads), |_, _| {}).unwrap();
        for &m in &more {
            grown.add_trees_with(BuildOptions::new(m).threads(threads), |_, _| {}).unwrap();
        }
        prop_assert_eq!(grown.get_n_trees(), total);
        prop_assert!(grown.forest().unwrap().as_bytes() == whole.forest().unwrap().as_bytes());
    }
}

#[test]
fn adding_trees_needs_a_forest_built_here() {
    let rows: Vec<f32> = (0..200).map(|i| (i as f32 * 0.37).sin()).collect();
    let mut index = AnnoyIndex::new(4, Metric::Angular);
    index.add_items(&rows).unwrap();
    let err = index
        .add_trees_with(BuildOptions::new(1), |_, _| {})
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot add trees: the index is not built (call build or load first)"
    );
    index.build(2).unwrap();
    let err = index
        .add_trees_with(BuildOptions::new(0), |_, _| {})
        .unwrap_err();
    assert_eq!(err.to_string(), "cannot build a forest of 0 trees");
    assert_eq!(index.get_n_trees(), 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("i.ann");
    index.save(&path).unwrap();
    let mut loaded = AnnoyIndex::open(&path, 4, Metric::Angular).unwrap();
    let err = loaded
        .add_trees_with(BuildOptions::new(1), |_, _| {})
        .unwrap_err();
    assert!(err.to_string().contains("loaded from a file"), "{err}");
    assert_eq!(loaded.get_n_trees(), 2);
}
