//! The items of a build and what the metric precomputes over them.

use f32_kernels::Kernels;

use crate::error::{Error, Result};
use crate::forest::{Forest, Storage};
use crate::hamming;
use crate::items::Items;
use crate::metric::{Layout, Metric};

/// The item vectors: read in place from the items added (which large
/// builds keep in huge pages) or, for a forest that grows, from its item
/// nodes; for Hamming, packed into bits in memory the OS is asked to back
/// with huge pages (the side loops touch items all over the array, and
/// with 4 KiB pages nearly every touch would also miss the TLB).
enum Vectors<'a> {
    Huge(memmap2::MmapMut, usize),
    Plain(Vec<f32>),
    InPlace(&'a [f32]),
}

impl Vectors<'_> {
    /// `n` rows of `dim` values, row `i` written by `row(i, out)`.
    fn gather(n: usize, dim: usize, row: impl Fn(usize, &mut [f32])) -> Result<Self> {
        const MIN_BYTES: usize = 4 << 20;
        let len = n * dim;
        let bytes = len * 4;
        let huge = if bytes >= MIN_BYTES && cfg!(target_os = "linux") {
            memmap2::MmapOptions::new().len(bytes).map_anon().ok()
        } else {
            None
        };
        let fill = |values: &mut [f32]| {
            if dim > 0 {
                for (i, out) in values.chunks_exact_mut(dim).enumerate() {
                    row(i, out);
                }
            }
        };
        let vectors = match huge {
            Some(mut map) => {
                #[cfg(target_os = "linux")]
                {
                    // Only a hint: without transparent huge pages this is a no-op.
                    let _ = map.advise(memmap2::Advice::HugePage);
                }
                // A map is page-aligned, so the cast cannot fail.
                fill(&mut bytemuck::cast_slice_mut::<u8, f32>(&mut map[..])[..len]);
                Vectors::Huge(map, len)
            }
            None => {
                let mut plain = Vec::new();
                plain
                    .try_reserve_exact(len)
                    .map_err(|_| Error::OutOfMemory {
                        bytes: bytes as u64,
                    })?;
                plain.resize(len, 0.0);
                fill(&mut plain);
                Vectors::Plain(plain)
            }
        };
        Ok(vectors)
    }

    fn as_slice(&self) -> &[f32] {
        match self {
            Vectors::Huge(map, len) => &bytemuck::cast_slice::<u8, f32>(&map[..])[..*len],
            Vectors::Plain(values) => values,
            Vectors::InPlace(values) => values,
        }
    }
}

/// The items and what the metric precomputes over them. Item `i`'s vector
/// is the `dim` values at `i * stride + offset` of the vectors.
pub(super) struct Input<'a> {
    vectors: Vectors<'a>,
    stride: usize,
    offset: usize,
    present: Vec<bool>,
    pub(super) layout: Layout,
    pub(super) kernels: &'static Kernels,
    /// `v·v` per item (Annoy's stored angular norm; also the norm that
    /// `two_means` divides by).
    pub(super) sq_norms: Vec<f32>,
    /// Dot only: the extra coordinate `sqrt(max_norm² - ‖v‖²)` per item.
    pub(super) dot_factors: Vec<f32>,
    /// The ids that were added.
    pub(super) ids: Vec<u32>,
}

impl<'a> Input<'a> {
    /// The items added to an index (read in place; for Hamming, packed
    /// into bits).
    pub(super) fn from_items(items: &'a Items, metric: Metric) -> Result<Self> {
        let present = (0..items.len()).map(|id| items.is_present(id)).collect();
        let layout = Layout::new(metric, items.dim());
        let vectors = match metric {
            Metric::Hamming => Vectors::gather(items.len(), layout.words, |id, out| {
                hamming::pack(items.vector(id), out)
            })?,
            _ => Vectors::InPlace(items.values()),
        };
        Ok(Self::new(vectors, layout.words, 0, present, layout))
    }

    /// The items whose nodes [`super::Layout::new`] laid out at the start
    /// of `words`, read in place from them.
    pub(super) fn from_nodes(words: &'a [u32], layout: Layout, n_items: usize) -> Self {
        let nw = layout.node_words;
        let present = (0..n_items).map(|id| words[id * nw] == 1).collect();
        let values = Vectors::InPlace(bytemuck::cast_slice(&words[..n_items * nw]));
        Self::new(values, nw, layout.v, present, layout)
    }

    /// The items of a forest this crate built, read in place from its item
    /// nodes (those with a descendant count of 1; the others are ids never
    /// added, whose nodes hold zeros, as the build wrote them).
    pub(super) fn from_forest(forest: &'a Forest<Storage>) -> Result<Self> {
        let layout = forest.layout();
        let mut present = Vec::with_capacity(forest.n_items());
        for id in 0..forest.n_items() {
            present.push(forest.item(id)?.n_descendants() == 1);
        }
        let values = Vectors::InPlace(bytemuck::cast_slice(forest.nodes()?.words));
        Ok(Self::new(
            values,
            layout.node_words,
            layout.v,
            present,
            layout,
        ))
    }

    fn new(
        vectors: Vectors<'a>,
        stride: usize,
        offset: usize,
        present: Vec<bool>,
        layout: Layout,
    ) -> Self {
        let kernels = f32_kernels::best();
        let values = vectors.as_slice();
        let sq_norms: Vec<f32> = (0..present.len())
            .map(|i| match layout.metric {
                // Bits, not floats: nothing reads these.
                Metric::Hamming => 0.0,
                _ => {
                    let v = &values[i * stride + offset..][..layout.words];
                    (kernels.dot)(v, v)
                }
            })
            .collect();
        // Annoy's DotProduct::preprocess, over every node below n_items
        // (holes too).
        let dot_factors = if layout.metric == Metric::Dot {
            let norms: Vec<f32> = sq_norms
                .iter()
                .map(|&d| if d < 0.0 { 0.0 } else { d.sqrt() })
                .collect();
            let max_norm = norms.iter().fold(0.0f32, |m, &x| if x > m { x } else { m });
            norms
                .iter()
                .map(|&norm| {
                    let diff = max_norm * max_norm - norm * norm;
                    if diff < 0.0 {
                        0.0
                    } else {
                        diff.sqrt()
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let ids = (0..present.len() as u32)
            .filter(|&i| present[i as usize])
            .collect();
        Input {
            vectors,
            stride,
            offset,
            present,
            layout,
            kernels,
            sq_norms,
            dot_factors,
            ids,
        }
    }

    /// The id range (holes included).
    pub(super) fn n_items(&self) -> usize {
        self.present.len()
    }

    /// Whether item `id` was added.
    pub(super) fn is_present(&self, id: usize) -> bool {
        self.present[id]
    }

    /// The values holding the item vectors, with the `stride` and `offset`
    /// that find item `i`'s: `values[i * stride + offset..][..dim]`.
    pub(super) fn values(&self) -> (&[f32], usize, usize) {
        (self.vectors.as_slice(), self.stride, self.offset)
    }

    /// Item `id`'s vector (zeros for a hole).
    pub(super) fn vector(&self, id: usize) -> &[f32] {
        &self.vectors.as_slice()[id * self.stride + self.offset..][..self.layout.words]
    }

    pub(super) fn cosine(&self) -> bool {
        matches!(self.layout.metric, Metric::Angular | Metric::Dot)
    }
}
