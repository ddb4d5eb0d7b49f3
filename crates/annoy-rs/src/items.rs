//! Vectors added before `build`, by id, as Annoy keeps them (ids that were
//! never added are holes: zero vectors that no tree contains).

use crate::error::{Error, Result};
use crate::search::check_vector;

/// The largest item count Annoy's signed 32-bit ids allow.
pub(crate) const MAX_ITEMS: u64 = i32::MAX as u64;

/// Item vectors in one row-major buffer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Items {
    dim: usize,
    vectors: Vec<f32>,
    present: Vec<bool>,
}

impl Items {
    /// No items, of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        Items {
            dim,
            vectors: Vec::new(),
            present: Vec::new(),
        }
    }

    /// Sets item `id` to `v` (replacing it if present), growing the id range
    /// to `id + 1` as Annoy does.
    pub fn set(&mut self, id: usize, v: &[f32]) -> Result<()> {
        check_vector(v, self.dim, || format!("for item {id}"))?;
        if id as u64 >= MAX_ITEMS {
            return Err(Error::IdTooLarge {
                id: id as u64,
                max: MAX_ITEMS,
            });
        }
        if id >= self.present.len() {
            self.grow(id + 1)?;
        }
        self.vectors[id * self.dim..(id + 1) * self.dim].copy_from_slice(v);
        self.present[id] = true;
        Ok(())
    }

    /// Appends `rows` (a multiple of `dim` values) as the next ids.
    pub fn extend(&mut self, rows: &[f32]) -> Result<()> {
        if self.dim == 0 || !rows.len().is_multiple_of(self.dim) {
            return Err(Error::DimensionMismatch {
                expected: self.dim,
                found: rows.len() % self.dim.max(1),
            });
        }
        let first = self.present.len();
        let count = rows.len() / self.dim;
        if (first + count) as u64 > MAX_ITEMS {
            return Err(Error::IdTooLarge {
                id: (first + count - 1) as u64,
                max: MAX_ITEMS,
            });
        }
        for (row, v) in rows.chunks_exact(self.dim).enumerate() {
            check_vector(v, self.dim, || format!("for item {}", first + row))?;
        }
        self.grow(first + count)?;
        self.vectors[first * self.dim..].copy_from_slice(rows);
        self.present[first..].fill(true);
        Ok(())
    }

    /// Grows the id range to at least `n` with holes.
    pub fn reserve_ids(&mut self, n: usize) -> Result<()> {
        if n > self.present.len() {
            self.grow(n)?;
        }
        Ok(())
    }

    fn grow(&mut self, n: usize) -> Result<()> {
        let floats = n * self.dim;
        let extra = floats - self.vectors.len();
        self.vectors
            .try_reserve(extra)
            .and_then(|()| self.present.try_reserve(n - self.present.len()))
            .map_err(|_| Error::OutOfMemory {
                bytes: (floats * 4) as u64,
            })?;
        self.vectors.resize(floats, 0.0);
        self.present.resize(n, false);
        Ok(())
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The id range: the largest id added plus one (Annoy's `get_n_items`).
    pub fn len(&self) -> usize {
        self.present.len()
    }

    /// Whether `id` was added.
    pub fn is_present(&self, id: usize) -> bool {
        self.present.get(id).copied().unwrap_or(false)
    }

    /// Item `id`'s vector (zeros for a hole).
    pub fn vector(&self, id: usize) -> &[f32] {
        &self.vectors[id * self.dim..(id + 1) * self.dim]
    }
}
