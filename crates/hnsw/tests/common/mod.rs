//! Shared test helpers: the golden fixtures and seeded data.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/hnsw")
        .join(name)
}

pub fn f32s(name: &str) -> Vec<f32> {
    std::fs::read(fixture(name))
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

pub fn case(name: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(fixture(&format!("{name}.json"))).unwrap()).unwrap()
}

/// Seeded clustered vectors, row-major.
pub fn clustered(n: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Uniform in [-1, 1).
        (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    };
    let centres: Vec<f32> = (0..20 * dim).map(|_| next() * 3.0).collect();
    let mut out = Vec::with_capacity(n * dim);
    for i in 0..n {
        let c = (i * 7919) % 20;
        for d in 0..dim {
            out.push(centres[c * dim + d] + next());
        }
    }
    out
}

/// Exact k nearest labels (row index) of `q` by `dist`.
pub fn brute_force(
    rows: &[f32],
    dim: usize,
    q: &[f32],
    k: usize,
    dist: impl Fn(&[f32], &[f32]) -> f32,
) -> Vec<u64> {
    let mut all: Vec<(f32, u64)> = rows
        .chunks_exact(dim)
        .enumerate()
        .map(|(i, r)| (dist(q, r), i as u64))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(k).map(|(_, i)| i).collect()
}
