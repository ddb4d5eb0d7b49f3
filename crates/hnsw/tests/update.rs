//! hnswlib's add-or-update semantics: updating labels already present,
//! replacing deleted elements, and refusals that change nothing.

mod common;

use common::{brute_force, clustered};
use hnsw::{Capacity, Error, HnswIndex, Params, Space};

const DIM: usize = 16;

fn build(n: usize, capacity: usize) -> (HnswIndex, Vec<f32>) {
    let rows = clustered(n, DIM, 5);
    let mut index = HnswIndex::new(
        Space::L2,
        DIM,
        Params::default()
            .max_elements(capacity)
            .m(8)
            .ef_construction(100),
    )
    .unwrap();
    index.add_items(&rows, None).unwrap();
    index.set_ef(64).unwrap();
    (index, rows)
}

fn l2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn bytes(index: &HnswIndex) -> Vec<u8> {
    let mut out = Vec::new();
    index.write_to(&mut out).unwrap();
    out
}

fn ids(range: std::ops::Range<u64>) -> Vec<u64> {
    range.collect()
}

/// Recall@10 of `index` against brute force over `rows` (label = row).
fn recall(index: &HnswIndex, rows: &[f32], queries: &[f32]) -> f64 {
    let mut hits = 0;
    let mut total = 0;
    for q in queries.chunks_exact(DIM) {
        let truth = brute_force(rows, DIM, q, 10, l2);
        let got = index.knn_query(q, 10).unwrap();
        hits += got.iter().filter(|n| truth.contains(&n.label)).count();
        total += truth.len();
    }
    hits as f64 / total as f64
}

#[test]
fn updating_labels_moves_their_vectors_and_keeps_recall() {
    let (mut index, mut rows) = build(1500, 1500);
    // Move every third element to a fresh vector (hnswlib's updates test).
    let fresh = clustered(500, DIM, 77);
    let moved: Vec<u64> = (0..1500).step_by(3).collect();
    let mut data = Vec::new();
    for (j, &label) in moved.iter().enumerate() {
        let v = &fresh[j * DIM..(j + 1) * DIM];
        rows[label as usize * DIM..(label as usize + 1) * DIM].copy_from_slice(v);
        data.extend_from_slice(v);
    }
    index.add_or_update_items(&data, &moved, false).unwrap();
    assert_eq!(index.get_current_count(), 1500);
    assert_eq!(index.get_items(&[3]).unwrap()[0], &fresh[DIM..2 * DIM]);
    let hit = index.knn_query(&fresh[DIM..2 * DIM], 1).unwrap();
    assert_eq!(hit[0].label, 3);
    let r = recall(&index, &rows, &clustered(100, DIM, 99));
    assert!(r >= 0.95, "recall after updates {r}");
    // A saved and reloaded index answers the same.
    let loaded = HnswIndex::from_bytes(&bytes(&index), Space::L2, DIM, Capacity::Saved).unwrap();
    let q = &fresh[..DIM];
    assert_eq!(
        loaded.knn_query(q, 5).unwrap(),
        index.knn_query(q, 5).unwrap()
    );
}

#[test]
fn new_and_known_labels_mix_and_the_last_row_of_a_label_wins() {
    let (mut index, rows) = build(200, 300);
    let mut data = rows[..DIM].to_vec(); // label 500, new
    data.extend_from_slice(&rows[DIM..2 * DIM]); // label 7, update
    data.extend_from_slice(&rows[2 * DIM..3 * DIM]); // label 500 again
    index
        .add_or_update_items(&data, &[500, 7, 500], false)
        .unwrap();
    assert_eq!(index.get_current_count(), 201);
    assert_eq!(index.get_items(&[500]).unwrap()[0], &rows[2 * DIM..3 * DIM]);
    assert_eq!(index.get_items(&[7]).unwrap()[0], &rows[DIM..2 * DIM]);
}

#[test]
fn updating_a_deleted_label_undeletes_it_unless_replacement_is_allowed() {
    let (mut index, rows) = build(100, 100);
    index.mark_deleted(4).unwrap();
    index
        .add_or_update_items(&rows[..DIM], &[4], false)
        .unwrap();
    assert!(index.contains(4));
    assert_eq!(index.num_deleted(), 0);

    index.mark_deleted(4).unwrap();
    index.set_allow_replace_deleted(true);
    let before = bytes(&index);
    assert!(matches!(
        index.add_or_update_items(&rows[..DIM], &[4], false),
        Err(Error::UpdateDeleted(4))
    ));
    assert_eq!(bytes(&index), before);
}

#[test]
fn replacing_deleted_elements_reuses_their_slots() {
    let (mut index, rows) = build(300, 300);
    let fresh = clustered(10, DIM, 123);
    let new_ids = ids(1000..1010);
    assert!(matches!(
        index.add_or_update_items(&fresh, &new_ids, true),
        Err(Error::ReplaceDisabled)
    ));
    index.set_allow_replace_deleted(true);
    // Full: without deletions nothing can be replaced.
    assert!(matches!(
        index.add_or_update_items(&fresh, &new_ids, true),
        Err(Error::Capacity { .. })
    ));
    for label in (50..60).rev() {
        index.mark_deleted(label).unwrap();
    }
    index.add_or_update_items(&fresh, &new_ids, true).unwrap();
    assert_eq!(index.get_current_count(), 300);
    assert_eq!(index.num_deleted(), 0);
    // The slots of 50..60 now hold 1000..1010, lowest id first.
    let list = index.get_ids_list();
    assert_eq!(&list[50..60], &new_ids[..]);
    for label in 50..60 {
        assert!(!index.contains(label));
        assert!(matches!(
            index.get_items(&[label]),
            Err(Error::LabelNotFound(_))
        ));
    }
    for (j, &label) in new_ids.iter().enumerate() {
        let v = &fresh[j * DIM..(j + 1) * DIM];
        assert_eq!(index.get_items(&[label]).unwrap()[0], v);
        assert_eq!(index.knn_query(v, 1).unwrap()[0].label, label);
    }
    // Searching still reaches the untouched elements.
    let hit = index.knn_query(&rows[200 * DIM..201 * DIM], 1).unwrap();
    assert_eq!(hit[0].label, 200);
    // A replaced label may come back as a new element.
    index.resize_index(301).unwrap();
    index
        .add_or_update_items(&rows[50 * DIM..51 * DIM], &[50], true)
        .unwrap();
    assert_eq!(index.get_current_count(), 301);
    assert!(index.contains(50));
}

#[test]
fn refused_calls_change_nothing() {
    let (mut index, rows) = build(50, 51);
    let before = bytes(&index);
    let two = &rows[..2 * DIM];
    assert!(matches!(
        index.add_or_update_items(two, &[100, 101], false),
        Err(Error::Capacity { .. })
    ));
    assert!(matches!(
        index.add_or_update_items(two, &[100], false),
        Err(Error::IdCount { .. })
    ));
    assert!(matches!(
        index.add_or_update_items(&two[1..], &[100, 101], false),
        Err(Error::Dimension { .. })
    ));
    let mut bad = two.to_vec();
    bad[DIM + 3] = f32::NAN;
    assert!(matches!(
        index.add_or_update_items(&bad, &[1, 2], false),
        Err(Error::NonFinite { row: 1 })
    ));
    assert_eq!(bytes(&index), before);
}

#[test]
fn updating_the_only_element_and_an_empty_call() {
    let mut index = HnswIndex::new(Space::Cosine, 2, Params::default().max_elements(1)).unwrap();
    index.add_or_update_items(&[], &[], false).unwrap();
    index.add_or_update_items(&[1.0, 0.0], &[9], false).unwrap();
    index.add_or_update_items(&[0.0, 2.0], &[9], false).unwrap();
    assert_eq!(index.get_items(&[9]).unwrap()[0], [0.0, 1.0]);
    let hit = index.knn_query(&[0.0, 1.0], 1).unwrap();
    assert_eq!(hit[0].label, 9);
    assert!(hit[0].distance.abs() < 1e-6);
}
