//! Shared helpers for the benchmarks and the peer comparisons in `xtask`.
#![forbid(unsafe_code)]

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use vecstore::KeyedVectors;

/// A synthetic vocabulary of `rows` words (`w0`, `w1`, ...) with
/// `dim`-dimensional vectors uniform in [-1, 1), the magnitude of trained
/// word2vec vectors, from a fixed seed.
pub fn synthetic_vectors(rows: usize, dim: usize, seed: u64) -> KeyedVectors {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let values: Vec<f32> = (0..rows * dim)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let matrix = Array2::from_shape_vec((rows, dim), values).expect("rows * dim values");
    let words = (0..rows).map(|i| format!("w{i}")).collect();
    KeyedVectors::from_parts(words, matrix, None).expect("synthetic words are unique")
}
