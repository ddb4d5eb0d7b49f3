//! The kernels that score whole blocks of quantised rows against quantised
//! queries: a portable reference, and AVX2 and AVX-512 VNNI versions,
//! chosen once at run time when the CPU has them.
//!
//! Every variant is a [`Kernels`] table that can be asked for by name, so
//! that the tests cover all of them; the search uses [`best`]. All compute
//! the same exact integer dot products and scale them alike, so they agree
//! bit for bit.

use std::sync::OnceLock;

use super::{Blocks, Int8Query};

/// A scoring kernel.
#[derive(Debug)]
pub(crate) struct Kernels {
    /// The variant's name: `"portable"`, `"avx2"` or `"avx512-vnni"`
    /// (for the tests' messages and `Debug`).
    #[cfg_attr(not(test), allow(dead_code))]
    pub name: &'static str,
    /// Scores every block of `blocks` for each query into its run of
    /// `outs` (one run per query, all as long as the blocks' rows): row
    /// `r`'s score is `scale_r * scale_q * (c_r . p_q)`.
    pub score_blocks: fn(&Blocks<'_>, &[&Int8Query], &mut [&mut [f32]]),
}

static PORTABLE: Kernels = Kernels {
    name: "portable",
    score_blocks: portable::score_blocks,
};

/// The portable reference.
pub(crate) fn portable() -> &'static Kernels {
    &PORTABLE
}

/// The AVX2 kernel, if this CPU has AVX2.
pub(crate) fn avx2() -> Option<&'static Kernels> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            return Some(&avx2::KERNELS);
        }
    }
    None
}

/// The AVX-512 VNNI kernel, if this CPU has AVX-512F and AVX-512 VNNI.
pub(crate) fn avx512_vnni() -> Option<&'static Kernels> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vnni")
        {
            return Some(&avx512::KERNELS);
        }
    }
    None
}

/// Every variant this CPU can run, the reference first, the fastest last.
#[cfg(test)]
pub(crate) fn available() -> Vec<&'static Kernels> {
    std::iter::once(portable())
        .chain(avx2())
        .chain(avx512_vnni())
        .collect()
}

/// The fastest variant this CPU can run, chosen on the first call.
pub(crate) fn best() -> &'static Kernels {
    static BEST: OnceLock<&'static Kernels> = OnceLock::new();
    BEST.get_or_init(|| avx512_vnni().or(avx2()).unwrap_or(portable()))
}

mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;

#[cfg(target_arch = "x86_64")]
mod avx512;

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use proptest::prelude::*;

    use super::*;
    use crate::int8::{Int8Rows, BLOCK_ROWS};

    /// The scores of every block of `int8` for each of `queries`, by `kernels`.
    fn scores(kernels: &Kernels, int8: &Int8Rows, queries: &[&Int8Query]) -> Vec<f32> {
        let len = int8.rows.div_ceil(BLOCK_ROWS) * BLOCK_ROWS;
        let mut out = vec![f32::NAN; queries.len() * len];
        let mut outs: Vec<&mut [f32]> = out.chunks_mut(len.max(1)).collect();
        (kernels.score_blocks)(&int8.blocks(0, len / BLOCK_ROWS), queries, &mut outs);
        out
    }

    proptest! {
        /// Every variant gives the portable kernel's scores, bit for bit,
        /// for any dimension (whole groups of 4 or not), row count (whole
        /// blocks of 16 or not) and number of queries (whole runs of 4 for
        /// the VNNI kernel or not).
        #[test]
        fn every_variant_gives_the_portable_scores(
            (dim, values) in (1usize..70).prop_flat_map(|dim| {
                (Just(dim), prop::collection::vec(-1.0f32..1.0, dim..dim * 50))
            }),
            query_values in prop::collection::vec(-1.0f32..1.0, 70 * 9),
            queries in 1usize..10,
        ) {
            let rows = values.len() / dim;
            let int8 = Int8Rows::new(
                Array2::from_shape_vec((rows, dim), values[..rows * dim].to_vec()).unwrap().view(),
            )
            .unwrap();
            let quantised: Vec<Int8Query> = query_values
                .chunks(dim)
                .take(queries)
                .filter_map(|q| int8.query(q))
                .collect();
            let refs: Vec<&Int8Query> = quantised.iter().collect();
            let want = scores(portable(), &int8, &refs);
            prop_assert!(want.iter().all(|s| s.is_finite()));
            for kernels in available() {
                prop_assert_eq!(&scores(kernels, &int8, &refs), &want, "{}", kernels.name);
            }
        }
    }

    #[test]
    fn extreme_codes_do_not_saturate() {
        // Every component at +-max: codes +-127, the AVX2 pairs' worst case.
        let rows =
            Array2::from_shape_vec((2, 4), vec![1.0, -1.0, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0]).unwrap();
        let int8 = Int8Rows::new(rows.view()).unwrap();
        let q = int8.query(&[-1.0, 1.0, -1.0, 1.0]).unwrap();
        for kernels in available() {
            let scores = scores(kernels, &int8, &[&q, &q, &q, &q, &q]);
            for run in scores.chunks(BLOCK_ROWS) {
                assert_eq!(run[..2], [-4.0, 0.0], "{}", kernels.name);
            }
        }
    }

    #[test]
    fn the_simd_variants_are_only_offered_when_the_cpu_has_them() {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            assert_eq!(avx2().is_some(), has!("avx2"));
            assert_eq!(
                avx512_vnni().is_some(),
                has!("avx512f") && has!("avx512vnni")
            );
        }
        assert_eq!(best().name, available().last().unwrap().name);
    }
}
