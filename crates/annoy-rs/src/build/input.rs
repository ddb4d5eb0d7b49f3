//! The items of a build and what the metric precomputes over them.

use crate::items::Items;
use crate::kernels::{self, Kernels};
use crate::metric::{Layout, Metric};

/// The item vectors, copied for the build into memory the OS is asked to
/// back with huge pages: the side loops touch items all over the array, and
/// with 4 KiB pages nearly every touch would also miss the TLB.
pub(super) enum Vectors<'a> {
    Huge(memmap2::MmapMut, usize),
    Borrowed(&'a [f32]),
}

impl<'a> Vectors<'a> {
    fn new(values: &'a [f32]) -> Self {
        const MIN_BYTES: usize = 4 << 20;
        let bytes = std::mem::size_of_val(values);
        if bytes < MIN_BYTES || !cfg!(target_os = "linux") {
            return Vectors::Borrowed(values);
        }
        let Ok(mut map) = memmap2::MmapOptions::new().len(bytes).map_anon() else {
            return Vectors::Borrowed(values);
        };
        #[cfg(target_os = "linux")]
        {
            // Only a hint: without transparent huge pages this is a no-op.
            let _ = map.advise(memmap2::Advice::HugePage);
        }
        // A map is page-aligned, so the cast cannot fail.
        bytemuck::cast_slice_mut::<u8, f32>(&mut map[..]).copy_from_slice(values);
        Vectors::Huge(map, values.len())
    }

    pub(super) fn as_slice(&self) -> &[f32] {
        match self {
            Vectors::Huge(map, len) => &bytemuck::cast_slice::<u8, f32>(&map[..])[..*len],
            Vectors::Borrowed(values) => values,
        }
    }
}

/// The items and what the metric precomputes over them.
pub(super) struct Input<'a> {
    pub(super) items: &'a Items,
    pub(super) vectors: Vectors<'a>,
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
    pub(super) fn new(items: &'a Items, metric: Metric, ids: Vec<u32>) -> Self {
        let kernels = kernels::best();
        let sq_norms: Vec<f32> = (0..items.len())
            .map(|i| {
                let v = items.vector(i);
                (kernels.dot)(v, v)
            })
            .collect();
        // Annoy's DotProduct::preprocess, over every node below n_items
        // (holes too).
        let dot_factors = if metric == Metric::Dot {
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
        Input {
            items,
            vectors: Vectors::new(items.as_slice()),
            layout: Layout::new(metric, items.dim()),
            kernels,
            sq_norms,
            dot_factors,
            ids,
        }
    }

    pub(super) fn n_items(&self) -> usize {
        self.items.len()
    }

    pub(super) fn cosine(&self) -> bool {
        matches!(self.layout.metric, Metric::Angular | Metric::Dot)
    }
}
