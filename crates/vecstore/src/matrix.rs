//! The storage behind a [`KeyedVectors`](crate::KeyedVectors) matrix: owned
//! in memory, or borrowed from shared bytes (a read-only memory map of a
//! native file, in real use).

use std::sync::Arc;

#[cfg(target_os = "linux")]
use memmap2::Advice;
use memmap2::MmapMut;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// Bytes a matrix can borrow: a memory map, or any buffer (tests use `Vec<u8>`).
pub(crate) type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A row-major `rows x dim` f32 matrix, owned or mapped.
#[derive(Debug, Clone)]
pub(crate) enum Matrix {
    /// An ordinary in-memory matrix, in standard (row-major) layout.
    Owned(Array2<f32>),
    /// Rows stored in a mapped file; see [`MappedMatrix`].
    Mapped(MappedMatrix),
}

/// A matrix that lives in shared bytes, usually a memory-mapped file.
///
/// Invariant, checked by [`MappedMatrix::new`]: `bytes[offset..offset + rows * dim * 4]`
/// is in bounds and 4-byte aligned, so it can be viewed as `[f32]` (this is only
/// constructed on little-endian targets, where the file's byte order is native).
#[derive(Clone)]
pub(crate) struct MappedMatrix {
    bytes: SharedBytes,
    offset: usize,
    rows: usize,
    dim: usize,
}

impl MappedMatrix {
    /// Wraps `rows x dim` f32 values at `offset` in `map`, or `None` if they are
    /// out of bounds, misaligned, or the target is not little-endian.
    pub(crate) fn new(bytes: SharedBytes, offset: usize, rows: usize, dim: usize) -> Option<Self> {
        let len = rows.checked_mul(dim)?.checked_mul(4)?;
        let region = (*bytes).as_ref().get(offset..offset.checked_add(len)?)?;
        if cfg!(target_endian = "big") || bytemuck::try_cast_slice::<u8, f32>(region).is_err() {
            return None;
        }
        Some(MappedMatrix {
            bytes,
            offset,
            rows,
            dim,
        })
    }

    fn as_slice(&self) -> &[f32] {
        let len = self.rows * self.dim * 4;
        // Bounds and alignment were checked in `new`, so neither can fail.
        bytemuck::cast_slice(&(*self.bytes).as_ref()[self.offset..self.offset + len])
    }
}

impl std::fmt::Debug for MappedMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedMatrix")
            .field("offset", &self.offset)
            .field("rows", &self.rows)
            .field("dim", &self.dim)
            .finish()
    }
}

/// A zero-filled `rows x dim` f32 buffer for a reader to fill, in an
/// anonymous memory map that asks the OS for transparent huge pages: filling
/// a large matrix then costs hundreds of page faults instead of hundreds of
/// thousands. [`Scratch::freeze`] turns it into a read-only [`Matrix`].
pub(crate) struct Scratch {
    map: MmapMut,
    rows: usize,
    dim: usize,
}

impl Scratch {
    /// A zeroed buffer; fails only if the OS refuses the memory.
    pub(crate) fn new(rows: usize, dim: usize) -> std::io::Result<Self> {
        let len = rows
            .checked_mul(dim)
            .and_then(|n| n.checked_mul(4))
            .ok_or_else(|| std::io::Error::other("matrix size overflows"))?;
        // A zero-length anonymous map is an error on Linux; one spare page is free.
        let map = MmapMut::map_anon(len.max(1))?;
        #[cfg(target_os = "linux")]
        if len >= 4 << 20 {
            // Only a hint: without transparent huge pages this is a no-op.
            let _ = map.advise(Advice::HugePage);
        }
        Ok(Scratch { map, rows, dim })
    }

    /// The buffer as a mutable matrix view.
    pub(crate) fn view_mut(&mut self) -> ArrayViewMut2<'_, f32> {
        let len = self.rows * self.dim * 4;
        // A map is page-aligned, so the cast cannot fail.
        let values: &mut [f32] = bytemuck::cast_slice_mut(&mut self.map[..len]);
        ArrayViewMut2::from_shape((self.rows, self.dim), values).expect("rows * dim values")
    }

    /// The filled buffer as a read-only matrix.
    pub(crate) fn freeze(self) -> std::io::Result<Matrix> {
        let (rows, dim) = (self.rows, self.dim);
        let map: SharedBytes = Arc::new(self.map.make_read_only()?);
        Ok(match MappedMatrix::new(map.clone(), 0, rows, dim) {
            Some(mapped) => Matrix::Mapped(mapped),
            // Big-endian targets: `MappedMatrix` only takes little-endian
            // bytes, but these are native; copy them.
            None => {
                let values: &[f32] = bytemuck::cast_slice(&(*map).as_ref()[..rows * dim * 4]);
                Matrix::Owned(
                    Array2::from_shape_vec((rows, dim), values.to_vec()).expect("rows * dim"),
                )
            }
        })
    }
}

impl Matrix {
    /// A read-only view of the whole matrix.
    pub(crate) fn view(&self) -> ArrayView2<'_, f32> {
        match self {
            Matrix::Owned(array) => array.view(),
            Matrix::Mapped(mapped) => {
                ArrayView2::from_shape((mapped.rows, mapped.dim), mapped.as_slice())
                    .expect("mapped matrix length is rows * dim by construction")
            }
        }
    }

    /// The matrix as an owned array, copying a mapped one out of its file first.
    pub(crate) fn make_owned(&mut self) -> &mut Array2<f32> {
        if let Matrix::Mapped(mapped) = self {
            *self = Matrix::Owned(
                Array2::from_shape_vec((mapped.rows, mapped.dim), mapped.as_slice().to_vec())
                    .expect("mapped matrix length is rows * dim by construction"),
            );
        }
        match self {
            Matrix::Owned(array) => array,
            Matrix::Mapped(_) => unreachable!("converted to owned just above"),
        }
    }

    /// Whether the matrix is borrowed from shared bytes (a memory map).
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self, Matrix::Mapped(_))
    }
}
