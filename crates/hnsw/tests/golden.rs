//! hnswlib's own files (fixtures/hnsw, made by make_fixtures.py with
//! hnswlib 0.8): they load, answer every query with hnswlib's ids, and
//! re-save byte for byte.

mod common;

use common::{case, f32s, fixture};
use hnsw::{Capacity, Error, HnswIndex, Space};

const CASES: [&str; 3] = ["cosine_m8", "l2_m16", "ip_m6_deleted"];

fn load(name: &str) -> (HnswIndex, serde_json::Value) {
    let c = case(name);
    let space: Space = c["space"].as_str().unwrap().parse().unwrap();
    let dim = c["dim"].as_u64().unwrap() as usize;
    let index = HnswIndex::load_index(fixture(&format!("{name}.bin")), space, dim, Capacity::Saved)
        .unwrap();
    (index, c)
}

#[test]
fn hnswlibs_files_load_with_their_parameters() {
    for name in CASES {
        let (index, c) = load(name);
        assert_eq!(
            index.get_current_count() as u64,
            c["element_count"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            index.get_max_elements() as u64,
            c["max_elements"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(index.m() as u64, c["M"].as_u64().unwrap(), "{name}");
        assert_eq!(
            index.ef_construction() as u64,
            c["ef_construction"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            index.num_deleted(),
            c["deleted"].as_array().unwrap().len(),
            "{name}"
        );
        assert_eq!(
            index.index_file_size() as u64,
            c["file_size"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(index.ef(), 10, "hnswlib's default ef after a load");
        assert!(
            index.is_mapped() || cfg!(target_endian = "big"),
            "{name} is mapped"
        );
    }
    // The cosine case has an element on level 2 or higher.
    let (index, _) = load("cosine_m8");
    assert!(index.max_level().unwrap() >= 2, "{:?}", index.max_level());
}

#[test]
fn queries_give_hnswlibs_ids_and_distances() {
    for name in CASES {
        let (mut index, c) = load(name);
        let dim = index.dim();
        let queries = f32s(c["queries"].as_str().unwrap());
        let k = c["k"].as_u64().unwrap() as usize;
        for (ef, answers) in c["answers"].as_object().unwrap() {
            index.set_ef(ef.parse().unwrap()).unwrap();
            for (qi, q) in queries.chunks_exact(dim).enumerate() {
                let got = index.knn_query(q, k).unwrap();
                let labels: Vec<u64> = got.iter().map(|n| n.label).collect();
                let want: Vec<u64> = answers["labels"][qi]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap())
                    .collect();
                assert_eq!(labels, want, "{name} ef {ef} query {qi}");
                for (n, d) in got.iter().zip(answers["distances"][qi].as_array().unwrap()) {
                    let d = d.as_f64().unwrap() as f32;
                    assert!(
                        (n.distance - d).abs() <= 1e-4 * (1.0 + d.abs()),
                        "{name}: {} vs {d}",
                        n.distance
                    );
                }
            }
        }
    }
}

#[test]
fn stored_vectors_are_hnswlibs() {
    for name in CASES {
        let (index, c) = load(name);
        for (label, want) in c["get_items"].as_object().unwrap() {
            let got = index.get_items(&[label.parse().unwrap()]).unwrap();
            for (a, b) in got[0].iter().zip(want.as_array().unwrap()) {
                assert_eq!(*a, b.as_f64().unwrap() as f32, "{name} label {label}");
            }
        }
    }
}

#[test]
fn deleted_elements_are_walked_but_never_returned() {
    let (mut index, c) = load("ip_m6_deleted");
    let deleted: Vec<u64> = c["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let items = f32s("items_16.f32");
    index.set_ef(200).unwrap();
    for &label in &deleted {
        let row = (label - 1000) as usize;
        let got = index
            .knn_query(&items[row * 16..(row + 1) * 16], 50)
            .unwrap();
        assert!(got.iter().all(|n| !deleted.contains(&n.label)));
        assert!(matches!(index.get_items(&[label]), Err(Error::LabelNotFound(l)) if l == label));
    }
    index.unmark_deleted(deleted[0]).unwrap();
    assert_eq!(index.get_items(&[deleted[0]]).unwrap().len(), 1);
    assert!(matches!(
        index.unmark_deleted(deleted[0]),
        Err(Error::NotDeleted(_))
    ));
    index.mark_deleted(deleted[0]).unwrap();
    assert!(matches!(
        index.mark_deleted(deleted[0]),
        Err(Error::AlreadyDeleted(_))
    ));
    assert!(matches!(
        index.mark_deleted(5),
        Err(Error::LabelNotFound(5))
    ));
}

#[test]
fn a_resave_is_byte_for_byte_hnswlibs_file() {
    for name in CASES.iter().copied().chain(["empty_l2"]) {
        let c = case(name);
        let space: Space = c["space"].as_str().unwrap().parse().unwrap();
        let dim = c["dim"].as_u64().unwrap() as usize;
        let original = std::fs::read(fixture(&format!("{name}.bin"))).unwrap();
        let index = HnswIndex::from_bytes(&original, space, dim, Capacity::Saved).unwrap();
        let mut out = Vec::new();
        index.write_to(&mut out).unwrap();
        assert!(out == original, "{name}: the re-save differs");
        // Through a file and a map too.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("again.bin");
        index.save_index(&path).unwrap();
        let mapped = HnswIndex::load_index(&path, space, dim, Capacity::Saved).unwrap();
        let mut again = Vec::new();
        mapped.write_to(&mut again).unwrap();
        assert!(again == original, "{name}: the mapped re-save differs");
    }
}

#[test]
fn the_empty_index_loads_and_refuses_queries() {
    let (index, _) = load("empty_l2");
    assert_eq!(index.get_current_count(), 0);
    assert_eq!(index.max_level(), None);
    assert!(matches!(index.knn_query(&[0.0; 16], 1), Err(Error::Empty)));
}

#[test]
fn a_wrong_dimension_names_the_files_dimension() {
    let err =
        HnswIndex::load_index(fixture("l2_m16.bin"), Space::L2, 16, Capacity::Saved).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Format { offset: 24, .. }), "{text}");
    assert!(
        text.contains("24 dimensions") && text.contains("l2_m16.bin"),
        "{text}"
    );
}

#[test]
fn capacity_at_load_follows_hnswlib() {
    let path = fixture("cosine_m8.bin");
    let keep = HnswIndex::load_index(&path, Space::Cosine, 16, Capacity::AtLeast(10)).unwrap();
    assert_eq!(
        keep.get_max_elements(),
        400,
        "smaller than the count keeps the saved capacity"
    );
    let grown = HnswIndex::load_index(&path, Space::Cosine, 16, Capacity::AtLeast(1000)).unwrap();
    assert_eq!(grown.get_max_elements(), 1000);
}

#[test]
fn a_loaded_index_grows_and_finds_what_was_added() {
    let (mut index, _) = load("cosine_m8");
    let items = f32s("items_16.f32");
    // Elements 300.. of items_16 are not in the index (it holds 0..300 + 5 as labels 5..305).
    let extra: Vec<f32> = items.iter().map(|x| -x).take(16 * 50).collect();
    let labels: Vec<u64> = (10_000..10_050).collect();
    index.add_items(&extra, Some(&labels)).unwrap();
    assert!(!index.is_mapped(), "adding copies the map");
    index.set_ef(100).unwrap();
    for (i, row) in extra.chunks_exact(16).enumerate() {
        assert_eq!(index.knn_query(row, 1).unwrap()[0].label, 10_000 + i as u64);
    }
    assert!(matches!(
        index.add_items(&extra[..16], Some(&[7])),
        Err(Error::LabelExists(7))
    ));
    assert!(matches!(
        index.add_items(&vec![0.5; 16 * 60], None),
        Err(Error::Capacity { .. })
    ));
}
