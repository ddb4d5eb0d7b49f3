//! Annoy's Hamming metric: bits packed in 64-bit words, kept in the nodes'
//! vector words. Float vectors become bits as Annoy's Python wrapper makes
//! them (`x > 0.5`, element `i` is bit `i mod 64` of word `i / 64`); the
//! distance is the number of differing bits; a split tests one bit, which
//! `annoylib.h` numbers from the top of its 64-bit word.
//!
//! A node's vector words are `u32` halves of little-endian `u64`s carried
//! as `f32` bit patterns (the nodes are read as floats for the other
//! metrics); nothing here does arithmetic on them, only moves their bits.

/// The 4-byte node words that hold `dim` bits: two per 64-bit word.
pub(crate) fn words(dim: usize) -> usize {
    2 * dim.div_ceil(64)
}

/// Packs `v` into `out` (at least `words(v.len())` words, zeroed first).
pub(crate) fn pack(v: &[f32], out: &mut [f32]) {
    let mut packed = vec![0u32; out.len()];
    for (i, &x) in v.iter().enumerate() {
        if x > 0.5 {
            // Bit i % 64 of 64-bit word i / 64 is bit i % 32 of its
            // (little-endian) 32-bit half i / 32.
            packed[i / 32] |= 1 << (i % 32);
        }
    }
    for (out, bits) in out.iter_mut().zip(packed) {
        *out = f32::from_bits(bits);
    }
}

/// The `dim` elements (0 or 1) of packed `words`: Annoy's `get_item_vector`.
pub(crate) fn unpack(words: &[f32], dim: usize) -> Vec<f32> {
    (0..dim)
        .map(|i| ((words[i / 32].to_bits() >> (i % 32)) & 1) as f32)
        .collect()
}

/// The number of bits in which `x` and `y` differ.
pub(crate) fn distance(x: &[f32], y: &[f32]) -> f32 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a.to_bits() ^ b.to_bits()).count_ones())
        .sum::<u32>() as f32
}

/// The bit a split node tests: its `v[0]`, a `u64`.
fn split_bit(v: &[f32]) -> u64 {
    u64::from(v[0].to_bits()) | u64::from(v[1].to_bits()) << 32
}

/// Makes `v` (a split's vector words) test bit `bit`; the other words are 0.
pub(crate) fn set_split_bit(v: &mut [f32], bit: u64) {
    v.fill(0.0);
    v[0] = f32::from_bits(bit as u32);
    v[1] = f32::from_bits((bit >> 32) as u32);
}

/// Whether the bit the split `v` tests lies within vectors as long as `v`.
pub(crate) fn split_fits(v: &[f32]) -> bool {
    margin(v, v).is_some()
}

/// Whether `y` has the bit the split `v` tests (Annoy's Hamming `margin`:
/// bit `63 - b % 64` of 64-bit word `b / 64`), or `None` if that bit lies
/// beyond `y`'s words (only in a damaged file).
pub(crate) fn margin(v: &[f32], y: &[f32]) -> Option<bool> {
    let bit = split_bit(v);
    let (word, offset) = (bit / 64, 63 - bit % 64);
    let half = usize::try_from(2 * word + offset / 32).ok()?;
    Some((y.get(half)?.to_bits() >> (offset % 32)) & 1 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_is_annoys_and_round_trips() {
        let v: Vec<f32> = (0..100)
            .map(|i| if i % 3 == 0 { 1.0 } else { 0.0 })
            .collect();
        let mut words_out = vec![1.0; words(100)];
        assert_eq!(words_out.len(), 4);
        pack(&v, &mut words_out);
        // Annoy's `_pack`: bit j of 64-bit word i is element 64 i + j.
        let mut annoy = [0u64; 2];
        for (i, &x) in v.iter().enumerate() {
            annoy[i / 64] |= u64::from(x > 0.5) << (i % 64);
        }
        let ours: Vec<u32> = words_out.iter().map(|w| w.to_bits()).collect();
        let theirs: Vec<u32> = annoy
            .iter()
            .flat_map(|w| [*w as u32, (*w >> 32) as u32])
            .collect();
        assert_eq!(ours, theirs);
        assert_eq!(unpack(&words_out, 100), v);
        // Only values above 0.5 are set.
        let mut one = vec![0.0; 2];
        pack(&[0.5, 0.51, -3.0], &mut one);
        assert_eq!(unpack(&one, 3), [0.0, 1.0, 0.0]);
    }

    #[test]
    fn distance_counts_differing_bits() {
        let (mut x, mut y) = (vec![0.0; 4], vec![0.0; 4]);
        pack(&[1.0, 0.0, 1.0, 1.0], &mut x);
        pack(&[0.0, 0.0, 1.0, 0.0], &mut y);
        assert_eq!(distance(&x, &y), 2.0);
        assert_eq!(distance(&x, &x), 0.0);
    }

    #[test]
    fn a_split_tests_annoys_bit_and_refuses_bits_beyond_the_vector() {
        // Element 64 w + j is bit j of word w; Annoy's split bit b tests
        // bit 63 - b % 64 of word b / 64, that is element 64 (b / 64) + 63 - b % 64.
        let dim = 100;
        for element in 0..dim {
            let mut v = vec![0.0; dim];
            v[element] = 1.0;
            let mut y = vec![0.0; words(dim)];
            pack(&v, &mut y);
            let mut split = vec![0.0; words(dim)];
            for bit in 0..128u64 {
                set_split_bit(&mut split, bit);
                let tested = 64 * (bit / 64) + 63 - bit % 64;
                assert_eq!(margin(&split, &y), Some(tested == element as u64));
            }
            set_split_bit(&mut split, 128);
            assert_eq!(margin(&split, &y), None);
            set_split_bit(&mut split, u64::MAX);
            assert_eq!(margin(&split, &y), None);
        }
    }
}
