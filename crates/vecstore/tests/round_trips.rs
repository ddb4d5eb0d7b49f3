//! Property tests: writing then reading gives back the same words and
//! bit-identical vectors (binary and native, any f32 bits; text, any finite
//! f32, since the shortest round-trip form is exact).

use ndarray::Array2;
use proptest::collection::{hash_set, vec};
use proptest::prelude::*;
use vecstore::{read, write, Format, KeyedVectors, Layout, ReadOptions, WriteOptions};

/// Words without whitespace (the word2vec formats' separator), any script.
fn word() -> impl Strategy<Value = String> {
    "[^\\s\\x00-\\x20\\u{85}\\u{a0}]{1,12}"
}

/// A set of unique words with `dim`-dimensional vectors from `values`.
fn vectors(values: impl Strategy<Value = f32> + Clone) -> impl Strategy<Value = KeyedVectors> {
    (1usize..9, hash_set(word(), 0..24)).prop_flat_map(move |(dim, words)| {
        let words: Vec<String> = words.into_iter().collect();
        let n = words.len();
        (
            Just(words),
            Just(dim),
            vec(values.clone(), n * dim),
            proptest::option::of(vec(any::<u64>(), n)),
        )
            .prop_map(|(words, dim, values, counts)| {
                let matrix = Array2::from_shape_vec((words.len(), dim), values).unwrap();
                KeyedVectors::from_parts(words, matrix, counts).unwrap()
            })
    })
}

fn any_bits() -> impl Strategy<Value = f32> + Clone {
    any::<u32>().prop_map(f32::from_bits)
}

fn finite() -> impl Strategy<Value = f32> + Clone {
    any_bits().prop_filter("finite", |x| x.is_finite())
}

fn round_trip(kv: &KeyedVectors, format: Format, layout: Layout) -> KeyedVectors {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v");
    let counts = dir.path().join("v.vocab");
    let mut options = WriteOptions::default().layout(layout);
    let mut read_options = ReadOptions::default();
    if kv.counts().is_some() && format != Format::Native {
        options = options.counts_file(&counts);
        read_options = read_options.counts_file(&counts);
    }
    write(kv, &path, format, &options).unwrap();
    read(&path, format, &read_options).unwrap().0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn binary_round_trip_is_bit_identical(kv in vectors(any_bits())) {
        prop_assert_eq!(&round_trip(&kv, Format::Binary, Layout::Gensim), &kv);
        prop_assert_eq!(&round_trip(&kv, Format::Binary, Layout::C), &kv);
    }

    #[test]
    fn native_round_trip_is_bit_identical(kv in vectors(any_bits())) {
        let back = round_trip(&kv, Format::Native, Layout::Gensim);
        prop_assert!(back.is_mapped());
        prop_assert_eq!(&back, &kv);
    }

    #[test]
    fn text_round_trip_is_exact_for_finite_values(kv in vectors(finite())) {
        prop_assert_eq!(&round_trip(&kv, Format::Text, Layout::Gensim), &kv);
    }

    #[test]
    fn c_text_round_trip_is_within_printed_precision(kv in vectors(-1e6f32..1e6)) {
        let back = round_trip(&kv, Format::Text, Layout::C);
        prop_assert_eq!(back.index_to_key(), kv.index_to_key());
        for (a, b) in back.vectors().iter().zip(kv.vectors().iter()) {
            // 6 decimals, then the nearest f32 of that decimal.
            prop_assert!((a - b).abs() <= 5e-7 + b.abs() * f32::EPSILON, "{} vs {}", a, b);
        }
    }

    #[test]
    fn format_is_detected_from_content(kv in vectors(any_bits())) {
        prop_assume!(!kv.is_empty());
        let dir = tempfile::tempdir().unwrap();
        for format in [Format::Binary, Format::Native] {
            let path = dir.path().join(format.name());
            write(&kv, &path, format, &WriteOptions::default()).unwrap();
            // A binary file of all-"textual" bytes is indistinguishable from text; skip it.
            let textual = kv.vectors().iter().all(|x| x.to_le_bytes().iter().all(|b| b"0123456789 .-+eE\t\r\nnaifNAIFty".contains(b)));
            if !textual {
                prop_assert_eq!(Format::detect(&path).unwrap(), format);
            }
        }
    }
}
