//! The portable variant: four-lane arrays with separate multiplies and
//! adds, which the compiler maps to the build's baseline vectors.

use super::generic::{self, Simd};
use super::{Kernels, Pairs, Sequential};

/// Runs on every CPU.
pub(super) static KERNELS: Kernels = Kernels {
    name: "portable",
    pairs,
    sequential,
};

fn pairs(p: &mut Pairs<'_>) {
    // SAFETY: `Portable` needs no CPU feature.
    unsafe { generic::pairs::<Portable>(p) }
}

fn sequential(p: &mut Sequential<'_>) {
    // SAFETY: `Portable` needs no CPU feature.
    unsafe { generic::sequential::<Portable>(p) }
}

struct Portable;

impl Simd for Portable {
    type V = [f32; 4];
    const W: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> [f32; 4] {
        [0.0; 4]
    }

    #[inline(always)]
    unsafe fn splat(x: f32) -> [f32; 4] {
        [x; 4]
    }

    #[inline(always)]
    unsafe fn load(p: *const f32) -> [f32; 4] {
        // SAFETY: the caller passes a pointer to 4 readable floats.
        unsafe { p.cast::<[f32; 4]>().read_unaligned() }
    }

    #[inline(always)]
    unsafe fn store(p: *mut f32, v: [f32; 4]) {
        // SAFETY: the caller passes a pointer to 4 writable floats.
        unsafe { p.cast::<[f32; 4]>().write_unaligned(v) }
    }

    #[inline(always)]
    unsafe fn load_part(p: *const f32, n: usize) -> [f32; 4] {
        let mut v = [0.0; 4];
        // SAFETY: the caller passes a pointer to `n < 4` readable floats.
        unsafe { std::ptr::copy_nonoverlapping(p, v.as_mut_ptr(), n) };
        v
    }

    #[inline(always)]
    unsafe fn store_part(p: *mut f32, v: [f32; 4], n: usize) {
        // SAFETY: the caller passes a pointer to `n < 4` writable floats.
        unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), p, n) };
    }

    #[inline(always)]
    unsafe fn madd(a: [f32; 4], b: [f32; 4], c: [f32; 4]) -> [f32; 4] {
        [0, 1, 2, 3].map(|i| a[i] * b[i] + c[i])
    }

    #[inline(always)]
    unsafe fn sum(v: [f32; 4]) -> f32 {
        (v[0] + v[2]) + (v[1] + v[3])
    }
}
