//! Golden files from Python's `annoy` 1.17.3 (`fixtures/annoy`, made by
//! `make_fixtures.py`; see its README):
//!
//! - indexes built and saved by annoy load here and answer annoy's queries
//!   with annoy's ids (at least 99% of result lists identical, recall of
//!   annoy's lists at least 0.999) and annoy's distances;
//! - indexes built and saved here (`rust_*.ann`) load in annoy, whose
//!   answers on them (`rust_*.annoy.json`) are ours;
//! - one tree grown from annoy's seed is annoy's tree (byte for byte for
//!   Hamming; for the float metrics up to the rounding of split normals);
//! - the random generator is annoy's `Kiss64Random`, draw for draw.

use std::collections::HashSet;

use annoy_rs::{AnnoyIndex, BuildOptions, Kiss64, Metric};
use serde_json::Value;
use test_support::fixture;

fn floats(name: &str) -> Vec<f32> {
    std::fs::read(fixture(format!("annoy/{name}")))
        .unwrap()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn json(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(format!("annoy/{name}"))).unwrap()).unwrap()
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

/// Runs every query of an answer file against `index` and compares.
fn compare(index: &AnnoyIndex, answers: &Value, what: &str) {
    let dim = index.f();
    let queries = floats(answers["queries"].as_str().unwrap());
    assert_eq!(
        answers["n_items"].as_u64().unwrap() as usize,
        index.get_n_items(),
        "{what}"
    );
    assert_eq!(
        answers["n_trees"].as_u64().unwrap() as usize,
        index.get_n_trees(),
        "{what}"
    );
    let (mut identical, mut total, mut found, mut wanted) = (0, 0, 0, 0);
    for case in answers["cases"].as_array().unwrap() {
        let (n, q) = (
            case["n"].as_u64().unwrap() as usize,
            case["query"].as_u64().unwrap() as usize,
        );
        let search_k = case["search_k"].as_i64().unwrap();
        let search_k = (search_k >= 0).then_some(search_k as usize);
        let ours = match case["kind"].as_str().unwrap() {
            "vector" => index.get_nns_by_vector(&queries[q * dim..(q + 1) * dim], n, search_k),
            _ => index.get_nns_by_item(q, n, search_k),
        }
        .unwrap();
        let theirs = ids(&case["ids"]);
        let our_ids: Vec<u32> = ours.iter().map(|n| n.id).collect();
        total += 1;
        identical += usize::from(our_ids == theirs);
        let ours_set: HashSet<u32> = our_ids.iter().copied().collect();
        found += theirs.iter().filter(|id| ours_set.contains(id)).count();
        wanted += theirs.len();
        for (neighbor, (id, d)) in ours
            .iter()
            .zip(theirs.iter().zip(case["distances"].as_array().unwrap()))
        {
            if neighbor.id == *id {
                let d = d.as_f64().unwrap() as f32;
                assert!(
                    (neighbor.distance - d).abs() <= 1e-4 * d.abs().max(1.0),
                    "{what}: distance to {id}: ours {}, annoy {d}",
                    neighbor.distance
                );
            }
        }
    }
    let recall = found as f64 / wanted.max(1) as f64;
    eprintln!("{what}: {identical}/{total} lists identical, recall {recall:.5}");
    assert!(
        identical * 100 >= total * 99,
        "{what}: only {identical} of {total} lists identical"
    );
    assert!(recall >= 0.999, "{what}: recall {recall}");
    for pair in answers["distances"].as_array().unwrap() {
        let (i, j) = (
            pair["i"].as_u64().unwrap() as usize,
            pair["j"].as_u64().unwrap() as usize,
        );
        let (ours, theirs) = (
            index.get_distance(i, j).unwrap(),
            pair["d"].as_f64().unwrap() as f32,
        );
        assert!(
            (ours - theirs).abs() <= 1e-4 * theirs.abs().max(1.0),
            "{what}: d({i},{j})"
        );
    }
    for (id, vector) in answers["item_vectors"].as_object().unwrap() {
        let want: Vec<f32> = vector
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(
            index.get_item_vector(id.parse().unwrap()).unwrap(),
            want,
            "{what}: item {id}"
        );
    }
}

fn metric_of(answers: &Value) -> Metric {
    answers["metric"].as_str().unwrap().parse().unwrap()
}

#[test]
fn indexes_saved_by_annoy_answer_as_annoy() {
    for case in [
        "angular",
        "euclidean",
        "manhattan",
        "dot",
        "hamming",
        "angular_1tree",
        "euclidean_1tree",
        "hamming_1tree",
        "angular_tiny",
        "euclidean_holes",
    ] {
        let answers = json(&format!("{case}.json"));
        let dim = answers["f"].as_u64().unwrap() as usize;
        let index = AnnoyIndex::open(
            fixture(format!("annoy/{case}.ann")),
            dim,
            metric_of(&answers),
        )
        .unwrap();
        compare(&index, &answers, case);
    }
}

/// Files Annoy reads that today's Annoy would not write: annoy's own
/// `test/test.tree` (2014) and indexes saved by releases 1.8.3 and 1.11.5,
/// which place a split before its children. Answers are today's annoy's.
#[test]
fn indexes_from_older_annoy_releases_answer_as_annoy() {
    let test_tree = AnnoyIndex::open(fixture("annoy/test.tree"), 10, Metric::Angular).unwrap();
    let ids: Vec<u32> = test_tree
        .get_nns_by_item(0, 10, None)
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, [0, 85, 42, 11, 54, 38, 53, 66, 19, 31]);
    compare(&test_tree, &json("test_tree.json"), "test.tree");
    for release in ["1_8_3", "1_11_5"] {
        for metric in ["angular", "euclidean"] {
            let case = format!("old_{release}_{metric}");
            let answers = json(&format!("{case}.json"));
            let dim = answers["f"].as_u64().unwrap() as usize;
            let index = AnnoyIndex::open(
                fixture(format!("annoy/{case}.ann")),
                dim,
                metric_of(&answers),
            )
            .unwrap();
            compare(&index, &answers, &case);
        }
    }
}

/// The `rust_*` fixtures: what this crate builds from the items of each
/// metric's data set.
const RUST_CASES: [(&str, Metric); 5] = [
    ("rust_angular", Metric::Angular),
    ("rust_euclidean", Metric::Euclidean),
    ("rust_manhattan", Metric::Manhattan),
    ("rust_dot", Metric::Dot),
    ("rust_hamming", Metric::Hamming),
];
const RUST_SEED: u64 = 11;
const RUST_TREES: usize = 10;

/// The items file and dimension of a metric's data set: 100 bits for
/// Hamming, 16 Gaussian floats for the others.
fn data_set(metric: Metric) -> (&'static str, usize) {
    match metric {
        Metric::Hamming => ("bits.f32", 100),
        _ => ("items.f32", 16),
    }
}

fn build_from_items(metric: Metric, options: BuildOptions) -> AnnoyIndex {
    let (items, dim) = data_set(metric);
    let mut index = AnnoyIndex::new(dim, metric);
    index.add_items(&floats(items)).unwrap();
    index.build_with(options, |_, _| {}).unwrap();
    index
}

#[test]
fn indexes_saved_here_answer_in_annoy_as_here() {
    for (case, metric) in RUST_CASES {
        let dim = data_set(metric).1;
        let index = AnnoyIndex::open(fixture(format!("annoy/{case}.ann")), dim, metric).unwrap();
        compare(&index, &json(&format!("{case}.annoy.json")), case);
    }
}

/// An index built and saved by annoy unbuilds into annoy's items: built
/// again here, it is byte for byte what this crate builds from the data
/// set itself (so every vector, dot's included, survives annoy's file).
#[test]
fn indexes_saved_by_annoy_unbuild_into_their_items() {
    for (case, metric) in RUST_CASES {
        let dim = data_set(metric).1;
        let mut index =
            AnnoyIndex::open(fixture(format!("annoy/{}.ann", metric.name())), dim, metric).unwrap();
        index.unbuild().unwrap();
        assert!(!index.is_built());
        index
            .build_with(BuildOptions::new(RUST_TREES).seed(RUST_SEED), |_, _| {})
            .unwrap();
        let ours = std::fs::read(fixture(format!("annoy/{case}.ann"))).unwrap();
        assert!(index.forest().unwrap().as_bytes() == ours, "{case}");
    }
}

/// Writes the `rust_*` fixtures (then run `make_fixtures.py check-rust`).
#[test]
#[ignore = "writes fixtures: run on purpose, see fixtures/annoy/README.md"]
fn write_rust_fixtures() {
    for (case, metric) in RUST_CASES {
        let index = build_from_items(metric, BuildOptions::new(RUST_TREES).seed(RUST_SEED));
        index.save(fixture(format!("annoy/{case}.ann"))).unwrap();
        let (items, dim) = data_set(metric);
        let meta = serde_json::json!({
            "metric": metric.name(), "f": dim, "items": items, "n_items": index.get_n_items(),
            "n_trees": RUST_TREES, "seed": RUST_SEED,
        });
        std::fs::write(fixture(format!("annoy/{case}.meta.json")), meta.to_string()).unwrap();
    }
}

/// Words of a node: descendant count, then the rest.
fn words(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// One tree grown from annoy's seed has annoy's structure: every node has
/// the same descendant count, the same children or leaf ids, and a split
/// normal equal to within float rounding (annoy's `-ffast-math` build
/// rounds a few operations differently).
#[test]
fn one_tree_from_annoys_seed_is_annoys_tree() {
    for (case, metric) in [
        ("angular_1tree", Metric::Angular),
        ("euclidean_1tree", Metric::Euclidean),
    ] {
        let ours = build_from_items(metric, BuildOptions::new(1).seed(7).threads(1));
        let ours = ours.forest().unwrap().as_bytes();
        let theirs = std::fs::read(fixture(format!("annoy/{case}.ann"))).unwrap();
        assert_eq!(ours.len(), theirs.len(), "{case}: node count");
        let node = metric.node_size(16);
        let header = node / 4 - 16; // words before v
        let (mut identical, mut max_diff) = (0, 0f32);
        for (i, (a, b)) in ours.chunks(node).zip(theirs.chunks(node)).enumerate() {
            let (a, b) = (words(a), words(b));
            identical += usize::from(a == b);
            let leaf_or_item = a[0] as usize <= 16 + 2;
            if leaf_or_item {
                assert_eq!(a, b, "{case}: node {i}");
                continue;
            }
            // A split: same count and children; `a` (Euclidean) and the
            // normal within rounding.
            let children = if metric == Metric::Angular {
                1..3
            } else {
                2..4
            };
            assert_eq!(
                (a[0], &a[children.clone()]),
                (b[0], &b[children]),
                "{case}: node {i}"
            );
            for (&x, &y) in a[header..].iter().zip(&b[header..]) {
                max_diff = max_diff.max((f32::from_bits(x) - f32::from_bits(y)).abs());
            }
        }
        eprintln!(
            "{case}: {identical} of {} nodes identical, normals within {max_diff:e}",
            theirs.len() / node
        );
        assert!(max_diff < 1e-5, "{case}: normals differ by {max_diff}");
    }
}

/// Hamming has no float rounding: one tree grown from annoy's seed is
/// annoy's tree byte for byte (the random bits tried, the fallback to every
/// bit in order, the sides, the node order), except the bytes annoy leaves
/// uninitialised in split nodes: the padding after the children and the
/// vector words after the split bit (we write zeros there).
#[test]
fn one_hamming_tree_from_annoys_seed_is_annoys_tree_byte_for_byte() {
    let index = build_from_items(Metric::Hamming, BuildOptions::new(1).seed(7).threads(1));
    let ours = words(index.forest().unwrap().as_bytes());
    let theirs = words(&std::fs::read(fixture("annoy/hamming_1tree.ann")).unwrap());
    assert_eq!(ours.len(), theirs.len(), "node count");
    let (node, k, n_items) = (Metric::Hamming.node_size(100) / 4, 7, 300);
    let mut splits = 0;
    for (i, (a, b)) in ours.chunks(node).zip(theirs.chunks(node)).enumerate() {
        if i >= n_items && a[0] as usize > k {
            // Descendants, children, the split bit (a u64): words 0-2, 4-5.
            splits += 1;
            assert_eq!((&a[..3], &a[4..6]), (&b[..3], &b[4..6]), "split node {i}");
            assert!(a[3] == 0 && a[6..].iter().all(|&w| w == 0), "node {i}");
        } else {
            assert_eq!(a, b, "node {i}");
        }
    }
    assert!(splits > 50, "{splits} splits");
}

#[test]
fn kiss64_draws_are_annoys() {
    for case in json("kiss64.json").as_array().unwrap() {
        let seed: u64 = case["seed"].as_str().unwrap().parse().unwrap();
        let mut rng = Kiss64::new(seed);
        for want in case["kiss"].as_array().unwrap() {
            assert_eq!(
                rng.next_u64(),
                want.as_str().unwrap().parse::<u64>().unwrap(),
                "seed {seed}"
            );
        }
        for want in case["flip"].as_array().unwrap() {
            assert_eq!(u64::from(rng.flip()), want.as_u64().unwrap(), "seed {seed}");
        }
        for want in case["index_1000"].as_array().unwrap() {
            assert_eq!(
                rng.index(1000) as u64,
                want.as_u64().unwrap(),
                "seed {seed}"
            );
        }
    }
}
