//! [`Weights`]: a matrix shared by all training threads, Hogwild style,
//! without undefined behaviour, moved a whole row at a time with vector
//! instructions.
//!
//! Each value is an `AtomicU32` holding f32 bits. Rust code only ever reads
//! and writes them as atomics (`Relaxed`). Threads copy the rows they need
//! into private buffers ([`Weights::gather`]), compute there, and add their
//! deltas back ([`Weights::add`]). As in word2vec.c and gensim, concurrent
//! updates of one row may lose an update; unlike a shared `&mut [f32]`, this
//! is a race the language allows.
//!
//! On x86-64 the row moves are 64-byte AVX-512 loads and stores (where
//! the CPU has AVX-512F) and 16-byte SSE ones in inline assembly
//! (`vmovups`/`movups`, `vaddps`/`addps`); elsewhere
//! they are one relaxed atomic access per float (the [`portable`]
//! functions, which the compiler cannot vectorise). Why the assembly is
//! sound is argued at [`row_ops`] and in `docs/ARCHITECTURE.md`
//! ("Hogwild without undefined behaviour").

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

    #[inline]
    fn row(&self, row: u32) -> &[AtomicU32] {
        let start = row as usize * self.dim;
        &self.values[start..start + self.dim]
    }

    /// Copies row `row` into `out` (its first `dim` values).
    ///
    /// # Panics
    /// If `row` is out of range or `out` is shorter than a row.
    #[inline]
    pub fn gather(&self, row: u32, out: &mut [f32]) {
        row_ops::load(self.row(row), &mut out[..self.dim]);
    }

    /// Adds `delta` (its first `dim` values) to row `row`.
    ///
    /// # Panics
    /// If `row` is out of range or `delta` is shorter than a row.
    #[inline]
    pub fn add(&self, row: u32, delta: &[f32]) {
        row_ops::add(self.row(row), &delta[..self.dim]);
    }

    /// Adds row `row` to `out` (its first `dim` values): `out += row`.
    ///
    /// # Panics
    /// If `row` is out of range or `out` is shorter than a row.
    #[inline]
    pub fn accumulate(&self, row: u32, out: &mut [f32]) {
        row_ops::accumulate(self.row(row), &mut out[..self.dim]);
    }

    /// Adds rows `rows`, in order, to `out` (its first `dim` values): the
    /// same bits as [`Weights::accumulate`] row after row, with the running
    /// sums held in registers.
    ///
    /// # Panics
    /// If a row is out of range or `out` is shorter than a row.
    #[inline]
    pub fn accumulate_rows(&self, rows: &[u32], out: &mut [f32]) {
        row_ops::sum_rows(&self.values, self.dim, rows, &mut out[..self.dim]);
    }

    /// Adds `g * x` (`x`'s first `dim` values, each product rounded, then
    /// the sum) to row `row`.
    ///
    /// # Panics
    /// If `row` is out of range or `x` is shorter than a row.
    #[inline]
    pub fn add_scaled(&self, row: u32, g: f32, x: &[f32]) {
        row_ops::add_scaled(self.row(row), g, &x[..self.dim]);
    }

    /// Asks the CPU to start loading row `row` into its caches: a hint that
    /// reads nothing architecturally and changes no value. Rows out of
    /// range are ignored.
    #[inline]
    pub fn prefetch(&self, row: u32) {
        let start = row as usize * self.dim;
        let Some(row) = self.values.get(start..start + self.dim) else {
            return;
        };
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let bytes = std::mem::size_of_val(row);
            let first = row.as_ptr().cast::<i8>();
            for offset in (0..bytes).step_by(64) {
                // SAFETY: a prefetch never faults and is no memory access in
                // the language's model; the address is inside the row
                // anyway. SSE is part of every x86-64 CPU.
                #[allow(unused_unsafe)]
                unsafe {
                    _mm_prefetch::<_MM_HINT_T0>(first.wrapping_add(offset));
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = row;
    }

    /// A copy of the whole matrix.
    pub fn to_array(&self) -> Array2<f32> {
        self.rows_to_array(0..self.rows())
    }

    /// A copy of rows `rows`.
    ///
    /// # Panics
    /// If the range is out of bounds.
    pub fn rows_to_array(&self, rows: std::ops::Range<usize>) -> Array2<f32> {
        let values = self.values[rows.start * self.dim..rows.end * self.dim]
            .iter()
            .map(|v| f32::from_bits(v.load(Relaxed)))
            .collect();
        Array2::from_shape_vec((rows.len(), self.dim), values).expect("rows * dim values")
    }
}

/// Rows a training batch reads and updates: the shared [`Weights`] while
/// training, or, for inference, views whose updates go nowhere
/// ([`Frozen`]) or only to a private document row. The kernels are generic
/// over it, so training pays nothing for the choice.
pub(crate) trait Rows: Sync {
    /// The row length.
    fn dim(&self) -> usize;
    /// Copies row `row` into `out` (its first `dim` values).
    fn gather(&self, row: u32, out: &mut [f32]);
    /// `out += row`.
    fn accumulate(&self, row: u32, out: &mut [f32]);
    /// `out += row` for each of `rows`, in order.
    fn accumulate_rows(&self, rows: &[u32], out: &mut [f32]) {
        for &row in rows {
            self.accumulate(row, out);
        }
    }
    /// `row += delta`, where the row learns.
    fn add(&self, row: u32, delta: &[f32]);
    /// `row += g * x`, where the row learns.
    fn add_scaled(&self, row: u32, g: f32, x: &[f32]);
    /// A hint to start loading row `row`.
    fn prefetch(&self, row: u32);
    /// Whether `add` and `add_scaled` change anything (false for
    /// [`Frozen`] rows: their deltas need not be computed).
    fn learns(&self) -> bool {
        true
    }
}

impl Rows for Weights {
    #[inline]
    fn dim(&self) -> usize {
        self.dim
    }
    #[inline]
    fn gather(&self, row: u32, out: &mut [f32]) {
        Weights::gather(self, row, out)
    }
    #[inline]
    fn accumulate(&self, row: u32, out: &mut [f32]) {
        Weights::accumulate(self, row, out)
    }
    #[inline]
    fn accumulate_rows(&self, rows: &[u32], out: &mut [f32]) {
        Weights::accumulate_rows(self, rows, out)
    }
    #[inline]
    fn add(&self, row: u32, delta: &[f32]) {
        Weights::add(self, row, delta)
    }
    #[inline]
    fn add_scaled(&self, row: u32, g: f32, x: &[f32]) {
        Weights::add_scaled(self, row, g, x)
    }
    #[inline]
    fn prefetch(&self, row: u32) {
        Weights::prefetch(self, row)
    }
}

/// Read-only rows: updates are dropped (gensim's `learn_hidden=False`,
/// `learn_words=False` while inferring a document vector).
pub(crate) struct Frozen<'a>(pub(crate) &'a Weights);

impl Rows for Frozen<'_> {
    #[inline]
    fn dim(&self) -> usize {
        self.0.dim
    }
    #[inline]
    fn gather(&self, row: u32, out: &mut [f32]) {
        self.0.gather(row, out)
    }
    #[inline]
    fn accumulate(&self, row: u32, out: &mut [f32]) {
        self.0.accumulate(row, out)
    }
    #[inline]
    fn accumulate_rows(&self, rows: &[u32], out: &mut [f32]) {
        self.0.accumulate_rows(rows, out)
    }
    #[inline]
    fn add(&self, _: u32, _: &[f32]) {}
    #[inline]
    fn add_scaled(&self, _: u32, _: f32, _: &[f32]) {}
    fn learns(&self) -> bool {
        false
    }
    #[inline]
    fn prefetch(&self, row: u32) {
        self.0.prefetch(row)
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

/// Row moves one relaxed atomic access per float: the reference, and the
/// implementation on targets without the assembly.
pub(crate) mod portable {
    use super::*;

    /// `out[i] = shared[i]` for every `i` of the shorter slice.
    #[inline]
    pub(crate) fn load(shared: &[AtomicU32], out: &mut [f32]) {
        for (out, value) in out.iter_mut().zip(shared) {
            *out = f32::from_bits(value.load(Relaxed));
        }
    }

    /// `shared[i] += delta[i]` (f32 addition) for every `i` of the shorter slice.
    #[inline]
    pub(crate) fn add(shared: &[AtomicU32], delta: &[f32]) {
        for (value, delta) in shared.iter().zip(delta) {
            value.store(
                (f32::from_bits(value.load(Relaxed)) + delta).to_bits(),
                Relaxed,
            );
        }
    }

    /// `out[i] += shared[i]` for every `i` of the shorter slice.
    #[inline]
    pub(crate) fn accumulate(shared: &[AtomicU32], out: &mut [f32]) {
        for (out, value) in out.iter_mut().zip(shared) {
            *out += f32::from_bits(value.load(Relaxed));
        }
    }

    /// `shared[i] += g * x[i]` (product rounded, then the sum) for every
    /// `i` of the shorter slice.
    #[inline]
    pub(crate) fn add_scaled(shared: &[AtomicU32], g: f32, x: &[f32]) {
        for (value, x) in shared.iter().zip(x) {
            let product = g * x;
            value.store(
                (f32::from_bits(value.load(Relaxed)) + product).to_bits(),
                Relaxed,
            );
        }
    }
}

/// Row moves with 16-byte SSE instructions in inline assembly (x86-64).
///
/// # Why this is sound
///
/// The Rust memory model has no vector atomics, and a plain `&mut [f32]`
/// shared between threads is a data race (undefined behaviour). An `asm!`
/// block is opaque to the compiler: it may do anything that some Rust code
/// could do with the pointers it is given, and the compiler must assume it
/// did. What these blocks do is exactly what [`portable`] does, one
/// `Relaxed` atomic load or store per float, in an unspecified order:
///
/// - the memory is `[AtomicU32]`, so every element is 4-byte aligned and
///   every other access to it (in Rust) is atomic; nothing here creates a
///   `&`/`&mut f32` to shared memory;
/// - on x86-64 an aligned 4-byte load or store is single-copy atomic
///   (Intel SDM vol. 3A, "Guaranteed atomic operations"). A 16-byte
///   `movups` may be carried out as several accesses, but the hardware
///   splits them only at 8-byte or cache-line boundaries, which are
///   element boundaries: no float is ever torn, so each element is read or
///   written as a relaxed atomic would be;
/// - `addps` adds each pair of floats with IEEE single-precision rounding,
///   bit for bit what the portable `f32 + f32` does, so both paths give the
///   same weights;
/// - a read-add-write of a row is not atomic as a whole: another thread's
///   update between the load and the store can be lost. That is Hogwild's
///   documented race (word2vec.c and gensim have it too), a lost update and
///   never undefined behaviour, as with the portable load-then-store;
/// - the pointers and counts come from slices whose lengths are checked,
///   so the blocks read and write only inside them; they use no stack and
///   leave the direction flag alone.
///
/// The unit tests check both paths against each other, bit for bit, for
/// every row length up to 70 (so every tail), that neighbouring values are
/// never touched, and that repeated adds to one row are all kept.
pub(crate) mod row_ops {
    use super::*;

    /// `out[i] = shared[i]` (lengths must be equal).
    #[inline]
    pub(crate) fn load(shared: &[AtomicU32], out: &mut [f32]) {
        assert_eq!(shared.len(), out.len(), "row lengths differ");
        #[cfg(target_arch = "x86_64")]
        let (shared, out) = {
            let done = wide::load(shared, out);
            (&shared[done..], &mut out[done..])
        };
        #[cfg(target_arch = "x86_64")]
        {
            let blocks = shared.len() / 4;
            if blocks > 0 {
                // SAFETY: `shared` and `out` hold `4 * blocks` or more
                // elements (lengths checked above), so every 16-byte access
                // is inside them; `out` is exclusively ours; the reads of
                // `shared` are per-element relaxed atomic loads (see the
                // module's argument). No stack, flags clobbered (default).
                unsafe {
                    std::arch::asm!(
                        "2:",
                        "movups {v}, xmmword ptr [{src}]",
                        "movups xmmword ptr [{dst}], {v}",
                        "add {src}, 16",
                        "add {dst}, 16",
                        "dec {n}",
                        "jnz 2b",
                        src = inout(reg) shared.as_ptr() => _,
                        dst = inout(reg) out.as_mut_ptr() => _,
                        n = inout(reg) blocks => _,
                        v = out(xmm_reg) _,
                        options(nostack),
                    );
                }
            }
            let done = blocks * 4;
            portable::load(&shared[done..], &mut out[done..]);
        }
        #[cfg(not(target_arch = "x86_64"))]
        portable::load(shared, out);
    }

    /// `shared[i] += delta[i]` (lengths must be equal).
    #[inline]
    pub(crate) fn add(shared: &[AtomicU32], delta: &[f32]) {
        assert_eq!(shared.len(), delta.len(), "row lengths differ");
        #[cfg(target_arch = "x86_64")]
        let (shared, delta) = {
            let done = wide::add(shared, delta);
            (&shared[done..], &delta[done..])
        };
        #[cfg(target_arch = "x86_64")]
        {
            let blocks = shared.len() / 4;
            if blocks > 0 {
                // SAFETY: as in `load`: both slices hold `4 * blocks` or
                // more elements; `delta` is only read; each element of
                // `shared` is read, added to (IEEE single, as `f32 + f32`)
                // and written back with per-element atomic accesses.
                unsafe {
                    std::arch::asm!(
                        "2:",
                        "movups {v}, xmmword ptr [{row}]",
                        "movups {d}, xmmword ptr [{delta}]",
                        "addps {v}, {d}",
                        "movups xmmword ptr [{row}], {v}",
                        "add {row}, 16",
                        "add {delta}, 16",
                        "dec {n}",
                        "jnz 2b",
                        row = inout(reg) shared.as_ptr() => _,
                        delta = inout(reg) delta.as_ptr() => _,
                        n = inout(reg) blocks => _,
                        v = out(xmm_reg) _,
                        d = out(xmm_reg) _,
                        options(nostack),
                    );
                }
            }
            let done = blocks * 4;
            portable::add(&shared[done..], &delta[done..]);
        }
        #[cfg(not(target_arch = "x86_64"))]
        portable::add(shared, delta);
    }

    /// `out += values[r * dim..][..dim]` for each `r` of `rows`, in order
    /// (`out` is `dim` long; every row must be in range): per element the
    /// same additions, in the same order, as [`accumulate`] row after row,
    /// so the same bits. On x86-64 each 16-float block sums every row in
    /// four registers and stores once.
    #[inline]
    pub(crate) fn sum_rows(values: &[AtomicU32], dim: usize, rows: &[u32], out: &mut [f32]) {
        assert_eq!(out.len(), dim, "row lengths differ");
        let row = |r: u32| &values[r as usize * dim..][..dim];
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_loadu_ps, _mm_storeu_ps};
            if wide::sum_rows(values, dim, rows, out) {
                return;
            }
            let blocks = dim / 16;
            for block in 0..blocks {
                let at = block * 16;
                // SAFETY: `out` holds `dim >= at + 16` floats and is ours;
                // SSE is part of every x86-64 CPU.
                let (mut a0, mut a1, mut a2, mut a3) = unsafe {
                    let o = out.as_ptr().add(at);
                    (
                        _mm_loadu_ps(o),
                        _mm_loadu_ps(o.add(4)),
                        _mm_loadu_ps(o.add(8)),
                        _mm_loadu_ps(o.add(12)),
                    )
                };
                for &r in rows {
                    let src = row(r)[at..at + 16].as_ptr();
                    // SAFETY: `src` points at 16 elements inside one row
                    // (the slice above is bounds-checked); they are only
                    // read, with per-element relaxed atomic loads (the
                    // module's argument); `addps` rounds as `f32 + f32`.
                    unsafe {
                        std::arch::asm!(
                            "movups {t}, xmmword ptr [{src}]",
                            "addps {a0}, {t}",
                            "movups {t}, xmmword ptr [{src} + 16]",
                            "addps {a1}, {t}",
                            "movups {t}, xmmword ptr [{src} + 32]",
                            "addps {a2}, {t}",
                            "movups {t}, xmmword ptr [{src} + 48]",
                            "addps {a3}, {t}",
                            src = in(reg) src,
                            a0 = inout(xmm_reg) a0,
                            a1 = inout(xmm_reg) a1,
                            a2 = inout(xmm_reg) a2,
                            a3 = inout(xmm_reg) a3,
                            t = out(xmm_reg) _,
                            options(nostack, readonly, preserves_flags),
                        );
                    }
                }
                // SAFETY: as the loads above.
                unsafe {
                    let o = out.as_mut_ptr().add(at);
                    _mm_storeu_ps(o, a0);
                    _mm_storeu_ps(o.add(4), a1);
                    _mm_storeu_ps(o.add(8), a2);
                    _mm_storeu_ps(o.add(12), a3);
                }
            }
            let done = blocks * 16;
            if done < dim {
                for &r in rows {
                    accumulate(&row(r)[done..], &mut out[done..]);
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        for &r in rows {
            portable::accumulate(row(r), out);
        }
    }

    /// `out[i] += shared[i]` (lengths must be equal).
    #[inline]
    pub(crate) fn accumulate(shared: &[AtomicU32], out: &mut [f32]) {
        assert_eq!(shared.len(), out.len(), "row lengths differ");
        #[cfg(target_arch = "x86_64")]
        {
            let blocks = shared.len() / 4;
            if blocks > 0 {
                // SAFETY: as in `load`: both slices hold `4 * blocks` or
                // more elements; `out` is exclusively ours; `shared` is only
                // read, with per-element atomic loads; `addps` rounds each
                // sum as `f32 + f32` does.
                unsafe {
                    std::arch::asm!(
                        "2:",
                        "movups {v}, xmmword ptr [{src}]",
                        "movups {o}, xmmword ptr [{dst}]",
                        "addps {o}, {v}",
                        "movups xmmword ptr [{dst}], {o}",
                        "add {src}, 16",
                        "add {dst}, 16",
                        "dec {n}",
                        "jnz 2b",
                        src = inout(reg) shared.as_ptr() => _,
                        dst = inout(reg) out.as_mut_ptr() => _,
                        n = inout(reg) blocks => _,
                        v = out(xmm_reg) _,
                        o = out(xmm_reg) _,
                        options(nostack),
                    );
                }
            }
            let done = blocks * 4;
            portable::accumulate(&shared[done..], &mut out[done..]);
        }
        #[cfg(not(target_arch = "x86_64"))]
        portable::accumulate(shared, out);
    }

    /// `shared[i] += g * x[i]` (lengths must be equal).
    #[inline]
    pub(crate) fn add_scaled(shared: &[AtomicU32], g: f32, x: &[f32]) {
        assert_eq!(shared.len(), x.len(), "row lengths differ");
        #[cfg(target_arch = "x86_64")]
        let (shared, x) = {
            let done = wide::add_scaled(shared, g, x);
            (&shared[done..], &x[done..])
        };
        #[cfg(target_arch = "x86_64")]
        {
            let blocks = shared.len() / 4;
            if blocks > 0 {
                // SAFETY: as in `add`: both slices hold `4 * blocks` or more
                // elements; `x` is only read; each element of `shared` is
                // read, added to (`mulps` then `addps`: the product rounded,
                // then the sum, as the portable `g * x` and `+` do) and
                // written back with per-element atomic accesses.
                unsafe {
                    std::arch::asm!(
                        "shufps {g}, {g}, 0",
                        "2:",
                        "movups {d}, xmmword ptr [{x}]",
                        "mulps {d}, {g}",
                        "movups {v}, xmmword ptr [{row}]",
                        "addps {v}, {d}",
                        "movups xmmword ptr [{row}], {v}",
                        "add {row}, 16",
                        "add {x}, 16",
                        "dec {n}",
                        "jnz 2b",
                        row = inout(reg) shared.as_ptr() => _,
                        x = inout(reg) x.as_ptr() => _,
                        n = inout(reg) blocks => _,
                        g = inout(xmm_reg) g => _,
                        v = out(xmm_reg) _,
                        d = out(xmm_reg) _,
                        options(nostack),
                    );
                }
            }
            let done = blocks * 4;
            portable::add_scaled(&shared[done..], g, &x[done..]);
        }
        #[cfg(not(target_arch = "x86_64"))]
        portable::add_scaled(shared, g, x);
    }
}

/// Row moves with 64-byte AVX-512 loads and stores in inline assembly,
/// used by [`row_ops`] for the leading blocks of 16 floats when the CPU
/// has AVX-512F (checked once). The argument of [`row_ops`] holds
/// unchanged: every element is a 4-byte-aligned `AtomicU32` accessed only
/// by these blocks as Rust code would with one relaxed atomic access per
/// element (x86-64 splits a wide vector access only at element or
/// cache-line boundaries, never inside an aligned 4-byte element);
/// `vaddps` and `vmulps` round each element as `f32` arithmetic does, so
/// the bits are those of the portable path (the unit tests compare them).
#[cfg(target_arch = "x86_64")]
mod wide {
    use std::sync::atomic::AtomicU32;

    /// Whether this CPU has AVX-512F (std caches the answer: a load and a
    /// bit test).
    #[inline]
    fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
    }

    /// `out[i] = shared[i]` for the leading whole blocks of 16; returns
    /// how many floats were done (0 without AVX-512F).
    #[inline]
    pub(super) fn load(shared: &[AtomicU32], out: &mut [f32]) -> usize {
        let blocks = shared.len().min(out.len()) / 16;
        if blocks == 0 || !available() {
            return 0;
        }
        // SAFETY: the CPU has AVX-512F (checked); both slices hold
        // `16 * blocks` elements or more.
        unsafe { load_blocks(shared.as_ptr(), out.as_mut_ptr(), blocks) };
        blocks * 16
    }

    /// # Safety
    /// AVX-512F; `blocks * 16` elements at both pointers; `dst` ours.
    #[target_feature(enable = "avx512f")]
    unsafe fn load_blocks(src: *const AtomicU32, dst: *mut f32, blocks: usize) {
        // SAFETY: the caller's contract; `src` is only read, element by
        // element as relaxed atomic loads (the module's argument).
        unsafe {
            std::arch::asm!(
                "2:",
                "vmovups {v}, zmmword ptr [{src}]",
                "vmovups zmmword ptr [{dst}], {v}",
                "add {src}, 64",
                "add {dst}, 64",
                "dec {n}",
                "jnz 2b",
                src = inout(reg) src => _,
                dst = inout(reg) dst => _,
                n = inout(reg) blocks => _,
                v = out(zmm_reg) _,
                options(nostack),
            );
        }
    }

    /// `shared[i] += delta[i]` for the leading whole blocks of 16; returns
    /// how many floats were done.
    #[inline]
    pub(super) fn add(shared: &[AtomicU32], delta: &[f32]) -> usize {
        let blocks = shared.len().min(delta.len()) / 16;
        if blocks == 0 || !available() {
            return 0;
        }
        // SAFETY: as in `load`.
        unsafe { add_blocks(shared.as_ptr(), delta.as_ptr(), blocks) };
        blocks * 16
    }

    /// # Safety
    /// AVX-512F; `blocks * 16` elements at both pointers.
    #[target_feature(enable = "avx512f")]
    unsafe fn add_blocks(row: *const AtomicU32, delta: *const f32, blocks: usize) {
        // SAFETY: the caller's contract; each element of the row is read,
        // added to and written back with per-element atomic accesses.
        unsafe {
            std::arch::asm!(
                "2:",
                "vmovups {v}, zmmword ptr [{row}]",
                "vaddps {v}, {v}, zmmword ptr [{delta}]",
                "vmovups zmmword ptr [{row}], {v}",
                "add {row}, 64",
                "add {delta}, 64",
                "dec {n}",
                "jnz 2b",
                row = inout(reg) row => _,
                delta = inout(reg) delta => _,
                n = inout(reg) blocks => _,
                v = out(zmm_reg) _,
                options(nostack),
            );
        }
    }

    /// `shared[i] += g * x[i]` (the product rounded, then the sum) for the
    /// leading whole blocks of 16; returns how many floats were done.
    #[inline]
    pub(super) fn add_scaled(shared: &[AtomicU32], g: f32, x: &[f32]) -> usize {
        let blocks = shared.len().min(x.len()) / 16;
        if blocks == 0 || !available() {
            return 0;
        }
        // SAFETY: as in `load`.
        unsafe { add_scaled_blocks(shared.as_ptr(), g, x.as_ptr(), blocks) };
        blocks * 16
    }

    /// # Safety
    /// AVX-512F; `blocks * 16` elements at both pointers.
    #[target_feature(enable = "avx512f")]
    unsafe fn add_scaled_blocks(row: *const AtomicU32, g: f32, x: *const f32, blocks: usize) {
        use std::arch::x86_64::_mm512_set1_ps;
        let g = _mm512_set1_ps(g);
        // SAFETY: the caller's contract; `vmulps` then `vaddps` round as
        // `g * x` and `+` do; per-element atomic accesses to the row.
        unsafe {
            std::arch::asm!(
                "2:",
                "vmulps {d}, {g}, zmmword ptr [{x}]",
                "vaddps {d}, {d}, zmmword ptr [{row}]",
                "vmovups zmmword ptr [{row}], {d}",
                "add {row}, 64",
                "add {x}, 64",
                "dec {n}",
                "jnz 2b",
                row = inout(reg) row => _,
                x = inout(reg) x => _,
                n = inout(reg) blocks => _,
                g = in(zmm_reg) g,
                d = out(zmm_reg) _,
                options(nostack),
            );
        }
    }

    /// `out += values[r * dim..][..dim]` for each `r` of `rows` in order,
    /// the whole of `out` (`dim` long): blocks of 16 in registers, the
    /// tail with masked loads. Returns false (nothing done) without
    /// AVX-512F.
    #[inline]
    pub(super) fn sum_rows(
        values: &[AtomicU32],
        dim: usize,
        rows: &[u32],
        out: &mut [f32],
    ) -> bool {
        if !available() {
            return false;
        }
        assert_eq!(out.len(), dim);
        for &r in rows {
            assert!((r as usize + 1) * dim <= values.len(), "row out of range");
        }
        // SAFETY: AVX-512F (checked); every row lies inside `values`
        // (asserted) and `out` holds `dim` floats.
        unsafe { sum_rows_avx512(values.as_ptr(), dim, rows, out.as_mut_ptr()) };
        true
    }

    /// # Safety
    /// AVX-512F; every `r * dim .. (r + 1) * dim` inside `values`; `dim`
    /// floats at `out`, ours.
    #[target_feature(enable = "avx512f")]
    unsafe fn sum_rows_avx512(values: *const AtomicU32, dim: usize, rows: &[u32], out: *mut f32) {
        use std::arch::x86_64::{_mm512_mask_loadu_ps, _mm512_mask_storeu_ps, _mm512_setzero_ps};
        let mut at = 0;
        while at < dim {
            let n = (dim - at).min(16);
            let mask: u16 = if n == 16 { u16::MAX } else { (1u16 << n) - 1 };
            // SAFETY: the caller's contract; the mask limits the access to
            // the `n` floats left in `out` and in each row.
            unsafe {
                let mut acc = _mm512_mask_loadu_ps(_mm512_setzero_ps(), mask, out.add(at));
                for &r in rows {
                    let src = values.add(r as usize * dim + at);
                    std::arch::asm!(
                        "vmovups {t} {{{k}}}{{z}}, zmmword ptr [{src}]",
                        "vaddps {acc}, {acc}, {t}",
                        src = in(reg) src,
                        k = in(kreg) mask,
                        acc = inout(zmm_reg) acc,
                        t = out(zmm_reg) _,
                        options(nostack, readonly, preserves_flags),
                    );
                }
                _mm512_mask_storeu_ps(out.add(at), mask, acc);
            }
            at += n;
        }
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

    /// A float with every bit pattern class: signs, exponents, payloads.
    fn value(i: usize) -> f32 {
        let bits = (i as u32).wrapping_mul(0x9E37_79B9) ^ 0x5555_0000;
        let x = f32::from_bits(bits & 0xBF7F_FFFF); // finite, |x| < 2^64
        if x.is_finite() {
            x
        } else {
            i as f32
        }
    }

    /// The vector path and the per-float reference agree bit for bit on
    /// every row length and offset, and touch nothing outside the row: a
    /// lost, torn or misplaced float on the single-thread path fails here.
    #[test]
    fn vector_row_moves_equal_the_atomic_reference_bit_for_bit() {
        for len in 0..=70 {
            for offset in 0..4 {
                let total = len + offset + 5;
                let fast = Weights::from_values((0..total).map(value), 1);
                let slow = Weights::from_values((0..total).map(value), 1);
                let range = offset..offset + len;
                let delta: Vec<f32> = (0..len).map(|i| value(i * 31 + 7) * 1e-3).collect();
                row_ops::add(&fast.values[range.clone()], &delta);
                portable::add(&slow.values[range.clone()], &delta);
                let bits =
                    |w: &Weights| w.values.iter().map(|v| v.load(Relaxed)).collect::<Vec<_>>();
                assert_eq!(bits(&fast), bits(&slow), "add, len {len} offset {offset}");
                row_ops::add_scaled(&fast.values[range.clone()], -0.37, &delta);
                portable::add_scaled(&slow.values[range.clone()], -0.37, &delta);
                assert_eq!(
                    bits(&fast),
                    bits(&slow),
                    "add_scaled, len {len} offset {offset}"
                );
                let (mut a, mut b) = (vec![-1.0f32; len], vec![-1.0f32; len]);
                row_ops::load(&fast.values[range.clone()], &mut a);
                portable::load(&slow.values[range.clone()], &mut b);
                let to_bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(to_bits(&a), to_bits(&b), "load, len {len} offset {offset}");
                let mut a: Vec<f32> = (0..len).map(|i| value(i + 3)).collect();
                let mut b = a.clone();
                row_ops::accumulate(&fast.values[range.clone()], &mut a);
                portable::accumulate(&slow.values[range], &mut b);
                assert_eq!(
                    to_bits(&a),
                    to_bits(&b),
                    "accumulate, len {len} offset {offset}"
                );
            }
        }
    }

    #[test]
    fn summed_rows_equal_row_after_row_accumulation_bit_for_bit() {
        for dim in 1..70 {
            let rows = 9;
            let w = Weights::from_values((0..rows * dim).map(value), dim);
            for picks in [
                &[][..],
                &[3],
                &[0, 8, 3, 3, 5],
                &[8, 7, 6, 5, 4, 3, 2, 1, 0],
            ] {
                let start: Vec<f32> = (0..dim).map(|i| value(i + 1000)).collect();
                let mut want = start.clone();
                for &r in picks {
                    portable::accumulate(w.row(r), &mut want);
                }
                let mut got = start.clone();
                w.accumulate_rows(picks, &mut got);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "dim {dim}, rows {picks:?}");
            }
        }
    }

    #[test]
    fn prefetch_changes_nothing_and_ignores_rows_out_of_range() {
        let w = Weights::from_values((0..60).map(|i| i as f32), 20);
        let before = w.to_array();
        for row in [0, 1, 2, 3, u32::MAX] {
            w.prefetch(row);
        }
        assert_eq!(w.to_array(), before);
    }

    #[test]
    fn repeated_adds_to_one_row_are_all_kept() {
        let w = Weights::zeros(3, 37);
        for _ in 0..1000 {
            w.add(1, &[0.5; 37]);
            w.add(1, &[-0.25; 37]);
        }
        let a = w.to_array();
        assert!(a.row(1).iter().all(|&x| x == 250.0), "{:?}", a.row(1));
        assert!(a.row(0).iter().chain(a.row(2)).all(|&x| x == 0.0));
        let mut out = vec![0.0; 40];
        w.gather(1, &mut out);
        assert!(out[..37].iter().all(|&x| x == 250.0));
        assert!(out[37..].iter().all(|&x| x == 0.0), "wrote past the row");
    }

    #[test]
    fn concurrent_adds_to_distinct_rows_are_all_kept() {
        let w = Weights::zeros(8, 100);
        std::thread::scope(|s| {
            for t in 0..8u32 {
                let w = &w;
                s.spawn(move || {
                    for _ in 0..1000 {
                        w.add(t, &[1.0; 100]);
                    }
                });
            }
        });
        assert!(w.to_array().iter().all(|&x| x == 1000.0));
    }

    #[test]
    fn concurrent_readers_never_see_a_torn_float() {
        // Writers flip whole rows between two bit patterns; readers check
        // that every float they load is one of the two.
        let (a, b) = (1.5f32, -3.25f32);
        let w = Weights::from_values(std::iter::repeat_n(a, 4 * 64), 64);
        std::thread::scope(|s| {
            let w = &w;
            s.spawn(move || {
                let flip = [b - a; 64];
                let back = [a - b; 64];
                for _ in 0..20_000 {
                    w.add(2, &flip);
                    w.add(2, &back);
                }
            });
            s.spawn(move || {
                let mut row = [0.0f32; 64];
                for _ in 0..20_000 {
                    w.gather(2, &mut row);
                    assert!(row.iter().all(|&x| x == a || x == b), "{row:?}");
                }
            });
        });
    }
}
