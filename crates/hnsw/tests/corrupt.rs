//! Damaged files: every load returns Ok or an error naming a byte, never a
//! panic or an out-of-bounds read; a loaded index then answers queries.

mod common;

use common::fixture;
use hnsw::{Capacity, Error, HnswIndex, Space};
use proptest::prelude::*;

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// Loads `bytes` both ways (copied, and mapped from a file) and, when they
/// load, uses them.
fn exercise(bytes: &[u8], space: Space, dim: usize) -> Result<(), Error> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.bin");
    std::fs::write(&path, bytes).unwrap();
    let mapped = HnswIndex::load_index(&path, space, dim, Capacity::Saved);
    let copied = HnswIndex::from_bytes(bytes, space, dim, Capacity::Saved);
    assert_eq!(mapped.is_ok(), copied.is_ok());
    let mut index = copied?;
    if index.get_current_count() > 0 {
        index.set_ef(20).unwrap();
        for q in 0..3 {
            let query: Vec<f32> = (0..dim).map(|i| ((i + q) as f32).sin()).collect();
            let _ = index.knn_query(&query, 5);
        }
        let mut out = Vec::new();
        index.write_to(&mut out).unwrap();
        assert_eq!(
            out.len(),
            bytes.len(),
            "a loaded file re-saves to its length"
        );
        // Growing a damaged-but-valid graph must not panic either.
        let _ = index.resize_index(index.get_current_count() + 3);
        let _ = index.add_items(
            &vec![0.25; dim * 3],
            Some(&[u64::MAX - 2, u64::MAX - 1, u64::MAX]),
        );
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Flip(usize, u8),
    Word(usize, u32),
    HeaderU64(usize, u64),
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let one = prop_oneof![
        (0usize..50_000).prop_map(Damage::Truncate),
        (0usize..50_000, 1u8..=255).prop_map(|(at, x)| Damage::Flip(at, x)),
        (
            0usize..12_500,
            prop_oneof![Just(0u32), Just(1), Just(300), Just(u32::MAX), any::<u32>()]
        )
            .prop_map(|(at, v)| Damage::Word(at * 4, v)),
        (
            0usize..12,
            prop_oneof![
                Just(0u64),
                Just(1),
                Just(u64::MAX),
                any::<u64>(),
                0u64..1000
            ]
        )
            .prop_map(|(field, v)| Damage::HeaderU64(field * 8, v)),
    ];
    proptest::collection::vec(one, 1..4)
}

fn apply(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for d in damages {
        match *d {
            Damage::Truncate(n) => bytes.truncate(n % (bytes.len() + 1)),
            Damage::Flip(at, x) if !bytes.is_empty() => {
                let at = at % bytes.len();
                bytes[at] ^= x;
            }
            Damage::Word(at, v) if bytes.len() >= 4 => {
                let at = (at % (bytes.len() - 3)) & !3;
                bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            Damage::HeaderU64(at, v) if bytes.len() >= at + 8 => {
                bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn damaged_files_never_panic(damages in damage(), which in 0usize..3) {
        let (name, space, dim) = [
            ("cosine_m8.bin", Space::Cosine, 16),
            ("l2_m16.bin", Space::L2, 24),
            ("ip_m6_deleted.bin", Space::Ip, 16),
        ][which];
        let bytes = apply(golden(name), &damages);
        if let Err(e) = exercise(&bytes, space, dim) {
            prop_assert!(matches!(e, Error::Format { .. }), "{e}");
        }
    }
}

fn format_offset(result: Result<HnswIndex, Error>) -> u64 {
    match result {
        Err(Error::Format { offset, .. }) => offset,
        Err(other) => panic!("not a format error: {other}"),
        Ok(_) => panic!("loaded a damaged file"),
    }
}

#[test]
fn errors_name_the_damaged_byte() {
    let bytes = golden("cosine_m8.bin");
    let load = |b: &[u8]| HnswIndex::from_bytes(b, Space::Cosine, 16, Capacity::Saved);
    // maxM0 = 16 and dim 16: records of 4 + 64 + 64 + 8 = 140 bytes.
    let record = 140;
    // A truncated file: the upper-level block of some element runs out.
    let cut = &bytes[..bytes.len() - 3];
    assert!(format_offset(load(cut)) as usize >= 96 + 300 * record);
    // A level-0 link out of range: element 7's first link.
    let mut b = bytes.clone();
    let at = 96 + 7 * record + 4;
    b[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
    assert_eq!(format_offset(load(&b)), at as u64);
    // A neighbour count above maxM0.
    let mut b = bytes.clone();
    let at = 96 + 9 * record;
    b[at..at + 2].copy_from_slice(&17u16.to_le_bytes());
    assert_eq!(format_offset(load(&b)), at as u64);
    // The entry point out of range.
    let mut b = bytes.clone();
    b[52..56].copy_from_slice(&300u32.to_le_bytes());
    assert_eq!(format_offset(load(&b)), 52);
    // More elements than the file holds.
    let mut b = bytes.clone();
    b[16..24].copy_from_slice(&400u64.to_le_bytes());
    assert_eq!(format_offset(load(&b)), 16);
    // A trailing byte.
    let mut b = bytes.clone();
    b.push(0);
    assert_eq!(format_offset(load(&b)), bytes.len() as u64);
    // Shorter than the header, and empty.
    assert_eq!(format_offset(load(&bytes[..50])), 50);
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    let err = HnswIndex::load_index(&empty, Space::L2, 4, Capacity::Saved).unwrap_err();
    assert!(
        err.to_string().contains("empty.bin") && err.to_string().contains("byte 0"),
        "{err}"
    );
}

#[test]
fn an_upper_link_to_a_lower_element_is_refused() {
    // In the cosine file, find an element with a level-1 list and point its
    // first link at an element that is only on level 0.
    let bytes = golden("cosine_m8.bin");
    let index = HnswIndex::from_bytes(&bytes, Space::Cosine, 16, Capacity::Saved).unwrap();
    let levels: Vec<usize> = index.element_levels().collect();
    let low = levels.iter().position(|&l| l == 0).unwrap() as u32;
    let mut pos = 96 + 300 * 140;
    let mut target = None;
    for &level in &levels {
        if level >= 1 && target.is_none() {
            let count = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap());
            if count > 0 {
                target = Some(pos + 8);
            }
        }
        pos += 4 + level * (4 * 8 + 4);
    }
    let at = target.expect("an element with level-1 links");
    let mut b = bytes.clone();
    b[at..at + 4].copy_from_slice(&low.to_le_bytes());
    let offset = format_offset(HnswIndex::from_bytes(
        &b,
        Space::Cosine,
        16,
        Capacity::Saved,
    ));
    assert_eq!(offset, at as u64);
}
