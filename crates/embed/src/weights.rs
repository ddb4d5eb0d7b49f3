//! [`Weights`]: a matrix shared by all training threads, Hogwild style,
//! without undefined behaviour.
//!
//! Each value is an `AtomicU32` holding f32 bits, read and written with
//! `Relaxed` ordering (plain moves on x86 and ARM). Threads copy the rows
//! they need into private buffers ([`Weights::gather`]), compute there with
//! vector instructions, and add their deltas back ([`Weights::add`]). As in
//! word2vec.c and gensim, concurrent updates of one row may lose an update;
//! unlike a shared `&mut [f32]`, this is a data race the language allows.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use ndarray::Array2;

/// A `rows x dim` f32 matrix shared between threads.
pub struct Weights {
    values: Box<[AtomicU32]>,
    dim: usize,
}

impl Weights {
    /// A matrix of zeros.
    pub fn zeros(rows: usize, dim: usize) -> Self {
        Weights {
            values: (0..rows * dim).map(|_| AtomicU32::new(0)).collect(),
            dim,
        }
    }

    /// A matrix holding `values` (row-major, `rows * dim` of them).
    pub fn from_values(values: impl IntoIterator<Item = f32>, dim: usize) -> Self {
        Weights {
            values: values
                .into_iter()
                .map(|x| AtomicU32::new(x.to_bits()))
                .collect(),
            dim,
        }
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.values.len() / self.dim.max(1)
    }

    /// The row length.
    pub fn dim(&self) -> usize {
        self.dim
    }

    fn row(&self, row: u32) -> &[AtomicU32] {
        let start = row as usize * self.dim;
        &self.values[start..start + self.dim]
    }

    /// Copies row `row` into `out` (`dim` values).
    #[inline]
    pub fn gather(&self, row: u32, out: &mut [f32]) {
        for (out, value) in out.iter_mut().zip(self.row(row)) {
            *out = f32::from_bits(value.load(Relaxed));
        }
    }

    /// Adds `delta` (`dim` values) to row `row`.
    #[inline]
    pub fn add(&self, row: u32, delta: &[f32]) {
        for (value, delta) in self.row(row).iter().zip(delta) {
            value.store(
                (f32::from_bits(value.load(Relaxed)) + delta).to_bits(),
                Relaxed,
            );
        }
    }

    /// A copy of the whole matrix.
    pub fn to_array(&self) -> Array2<f32> {
        let values = self
            .values
            .iter()
            .map(|v| f32::from_bits(v.load(Relaxed)))
            .collect();
        Array2::from_shape_vec((self.rows(), self.dim), values).expect("rows * dim values")
    }
}

impl std::fmt::Debug for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Weights")
            .field("rows", &self.rows())
            .field("dim", &self.dim)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_and_add_round_trip() {
        let w = Weights::from_values([1.0, 2.0, 3.0, 4.0], 2);
        assert_eq!(w.rows(), 2);
        let mut row = [0.0; 2];
        w.gather(1, &mut row);
        assert_eq!(row, [3.0, 4.0]);
        w.add(1, &[0.5, -4.0]);
        assert_eq!(w.to_array(), ndarray::array![[1.0, 2.0], [3.5, 0.0]]);
    }

    #[test]
    fn concurrent_adds_to_distinct_rows_are_all_kept() {
        let w = Weights::zeros(8, 4);
        std::thread::scope(|s| {
            for t in 0..8u32 {
                let w = &w;
                s.spawn(move || {
                    for _ in 0..1000 {
                        w.add(t, &[1.0; 4]);
                    }
                });
            }
        });
        assert!(w.to_array().iter().all(|&x| x == 1000.0));
    }
}
