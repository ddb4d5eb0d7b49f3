//! Vectors added before `build`, by id, as Annoy keeps them (ids that were
//! never added are holes: zero vectors that no tree contains).

use crate::error::{Error, Result};
use crate::search::check_vector;

/// The largest item count Annoy's signed 32-bit ids allow.
pub(crate) const MAX_ITEMS: u64 = i32::MAX as u64;

/// Item vectors in one row-major buffer.
#[derive(Debug, Default)]
pub(crate) struct Items {
    dim: usize,
    vectors: Values,
    present: Vec<bool>,
}

/// The item values: a `Vec` while small, from [`MIN_MAP_BYTES`] an
/// anonymous map that the OS is asked to back with huge pages. A build
/// reads the items in place, and its side loops touch them all over the
/// array: with 4 KiB pages nearly every touch would also miss the TLB.
#[derive(Debug)]
enum Values {
    Small(Vec<f32>),
    /// The first `len` floats of the map are the values; the rest is zeros.
    Mapped {
        map: memmap2::MmapMut,
        len: usize,
    },
}

/// The size from which [`Values`] are mapped (on Linux).
const MIN_MAP_BYTES: usize = 4 << 20;

impl Default for Values {
    fn default() -> Self {
        Values::Small(Vec::new())
    }
}

impl Values {
    fn as_slice(&self) -> &[f32] {
        match self {
            Values::Small(values) => values,
            Values::Mapped { map, len } => &bytemuck::cast_slice::<u8, f32>(&map[..])[..*len],
        }
    }

    fn as_mut_slice(&mut self) -> &mut [f32] {
        match self {
            Values::Small(values) => values,
            Values::Mapped { map, len } => {
                &mut bytemuck::cast_slice_mut::<u8, f32>(&mut map[..])[..*len]
            }
        }
    }

    /// Grows to `len` values, the new ones zero. A map grows to at least
    /// twice its size, so that adding items one by one copies each value
    /// a bounded number of times.
    fn grow(&mut self, len: usize) -> Result<()> {
        let old = self.as_slice().len();
        if len <= old {
            return Ok(());
        }
        let oom = |_| Error::OutOfMemory {
            bytes: (len * 4) as u64,
        };
        if let Values::Mapped { map, len: used } = self {
            if len * 4 <= map.len() {
                // Never written beyond `used`: still the map's zeros.
                *used = len;
                return Ok(());
            }
        }
        let bytes = len.max(2 * old) * 4;
        let map = if bytes >= MIN_MAP_BYTES && cfg!(target_os = "linux") {
            memmap2::MmapOptions::new().len(bytes).map_anon().ok()
        } else {
            None
        };
        match (map, &mut *self) {
            (Some(mut map), _) => {
                #[cfg(target_os = "linux")]
                {
                    // Only a hint: without transparent huge pages this is a no-op.
                    let _ = map.advise(memmap2::Advice::HugePage);
                }
                // A map is page-aligned, so the cast cannot fail.
                bytemuck::cast_slice_mut::<u8, f32>(&mut map[..])[..old]
                    .copy_from_slice(self.as_slice());
                *self = Values::Mapped { map, len };
            }
            (None, Values::Small(values)) => {
                values.try_reserve(len - old).map_err(oom)?;
                values.resize(len, 0.0);
            }
            (None, Values::Mapped { .. }) => {
                let mut values = Vec::new();
                values.try_reserve_exact(len).map_err(oom)?;
                values.extend_from_slice(self.as_slice());
                values.resize(len, 0.0);
                *self = Values::Small(values);
            }
        }
        Ok(())
    }
}

impl Items {
    /// No items, of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        Items {
            dim,
            vectors: Values::default(),
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
        self.vectors.as_mut_slice()[id * self.dim..(id + 1) * self.dim].copy_from_slice(v);
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
        self.vectors.as_mut_slice()[first * self.dim..].copy_from_slice(rows);
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
        self.vectors.grow(n * self.dim)?;
        self.present
            .try_reserve(n - self.present.len())
            .map_err(|_| Error::OutOfMemory { bytes: n as u64 })?;
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
        &self.vectors.as_slice()[id * self.dim..(id + 1) * self.dim]
    }

    /// All the values, row-major: item `id`'s vector is `values[id * dim..][..dim]`.
    pub fn values(&self) -> &[f32] {
        self.vectors.as_slice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items added one by one and in runs keep their values while the
    /// storage grows past [`MIN_MAP_BYTES`] (from a `Vec` to a map, then to
    /// larger maps); holes read as zeros.
    #[test]
    fn values_survive_growth_from_vec_to_maps() {
        let dim = 100;
        let row = |id: usize| -> Vec<f32> { (0..dim).map(|j| (id * dim + j) as f32).collect() };
        let mut items = Items::new(dim);
        // Every third id is a hole, set one by one; then a run of rows.
        let one_by_one = 3 * MIN_MAP_BYTES / (4 * dim);
        for id in (0..one_by_one).filter(|id| id % 3 != 0) {
            items.set(id, &row(id)).unwrap();
        }
        let run: Vec<f32> = (one_by_one..2 * one_by_one).flat_map(row).collect();
        items.extend(&run).unwrap();
        if cfg!(target_os = "linux") {
            assert!(matches!(items.vectors, Values::Mapped { .. }));
        }
        assert_eq!(items.len(), 2 * one_by_one);
        assert_eq!(items.values().len(), 2 * one_by_one * dim);
        for id in 0..items.len() {
            if id < one_by_one && id % 3 == 0 {
                assert!(!items.is_present(id));
                assert!(items.vector(id).iter().all(|&x| x == 0.0), "hole {id}");
            } else {
                assert!(items.is_present(id));
                assert_eq!(items.vector(id), row(id), "item {id}");
            }
        }
    }
}
