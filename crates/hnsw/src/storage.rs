//! The level-0 block: one fixed-size record per element, in hnswlib's
//! layout, held in memory or memory-mapped from a saved file.
//!
//! A record is `1 + maxM0 + dim + 2` little-endian 32-bit words: the
//! neighbour count (low 16 bits) and flags (bit 16 = deleted), `maxM0`
//! neighbour ids, the vector, and the 64-bit label as two words (low
//! first). The words hold the values the file's bytes decode to, so on a
//! little-endian machine a map of the file is used as is.

use memmap2::Mmap;

/// The records, owned or mapped.
#[derive(Debug)]
pub(crate) enum Level0 {
    /// Built or copied here.
    Owned(Vec<u32>),
    /// Part of a map of a saved file, validated at load.
    Mapped {
        /// The whole file.
        map: Mmap,
        /// The block's first byte in the map (4-aligned, checked at load).
        start: usize,
        /// The block's length in words.
        words: usize,
    },
}

impl Level0 {
    /// The records' words.
    #[inline]
    pub(crate) fn words(&self) -> &[u32] {
        match self {
            Level0::Owned(words) => words,
            // The range and its alignment were checked when the map was
            // made (`mapped`), and a map never moves.
            Level0::Mapped { map, start, words } => {
                bytemuck::cast_slice(&map[*start..*start + *words * 4])
            }
        }
    }

    /// The records, copied out of the map first if they are mapped (copy on
    /// write: a map is read-only).
    pub(crate) fn make_mut(&mut self) -> &mut Vec<u32> {
        if let Level0::Mapped { .. } = self {
            *self = Level0::Owned(self.words().to_vec());
        }
        match self {
            Level0::Owned(words) => words,
            Level0::Mapped { .. } => unreachable!("replaced just above"),
        }
    }

    /// Whether the records live in a map of the file.
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self, Level0::Mapped { .. })
    }

    /// `map[start..start + 4 * words]` used in place when this machine is
    /// little-endian and the range is 4-aligned, else decoded into memory.
    pub(crate) fn from_map(map: Mmap, start: usize, words: usize) -> Level0 {
        let bytes = &map[start..start + words * 4];
        if cfg!(target_endian = "little") && bytemuck::try_cast_slice::<u8, u32>(bytes).is_ok() {
            Level0::Mapped { map, start, words }
        } else {
            Level0::Owned(decode(bytes))
        }
    }
}

/// Little-endian bytes to words (the copying path).
pub(crate) fn decode(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_reads_little_endian_words() {
        assert_eq!(decode(&[1, 0, 0, 0, 0, 1, 0, 0xff]), [1, 0xff00_0100]);
    }

    #[test]
    fn make_mut_copies_a_map_and_keeps_its_words() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &[9, 9, 9, 9, 7, 0, 0, 0, 8, 0, 0, 0]).unwrap();
        // SAFETY: a private temporary file nobody else writes.
        let map = unsafe { Mmap::map(&file) }.unwrap();
        let mut level0 = Level0::from_map(map, 4, 2);
        assert_eq!(level0.words(), [7, 8]);
        level0.make_mut().push(5);
        assert!(!level0.is_mapped());
        assert_eq!(level0.words(), [7, 8, 5]);
    }

    #[test]
    fn an_unaligned_start_is_decoded_not_cast() {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, &[0, 7, 0, 0, 0, 8, 0, 0, 0]).unwrap();
        // SAFETY: as above.
        let map = unsafe { Mmap::map(&file) }.unwrap();
        let level0 = Level0::from_map(map, 1, 2);
        assert!(!level0.is_mapped());
        assert_eq!(level0.words(), [7, 8]);
    }
}
