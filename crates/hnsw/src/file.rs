//! hnswlib's index file, both ways (`saveIndex`/`loadIndex` of hnswlib 0.8).
//!
//! Little-endian, no magic: a 96-byte header, the level-0 records of every
//! element, then per element a `u32` byte count and its upper-level lists.
//! The reader checks every field before it is used: header sizes against
//! each other, the dimension and the file length; every neighbour count,
//! neighbour id, level and the entry point; any damage is
//! [`Error::Format`] naming the byte.

use std::io::Write;
use std::path::Path;

use hashbrown::HashMap;

use crate::error::{Error, Result};
use crate::index::{HnswIndex, MAX_EF, MAX_ELEMENTS, MAX_LEVEL, MAX_M};
use crate::space::Space;
use crate::storage::{decode, Level0};

/// The header's length.
pub(crate) const HEADER_BYTES: usize = 96;

/// Where to take a loaded index's capacity from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Capacity {
    /// The saved `max_elements` (hnswlib's `load_index(path)`).
    #[default]
    Saved,
    /// This many, if at least the element count (hnswlib's
    /// `load_index(path, max_elements)`; smaller keeps the saved one).
    AtLeast(usize),
}

impl HnswIndex {
    /// Writes the index in hnswlib's format to `out`.
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        let mut header = Vec::with_capacity(HEADER_BYTES);
        let record = self.record_words() * 4;
        let u64s = |h: &mut Vec<u8>, v: usize| h.extend_from_slice(&(v as u64).to_le_bytes());
        u64s(&mut header, 0); // offsetLevel0_
        u64s(&mut header, self.max_elements);
        u64s(&mut header, self.count);
        u64s(&mut header, record);
        u64s(&mut header, record - 8); // label_offset_
        u64s(&mut header, (1 + self.max_m0) * 4); // offsetData_
        let max_level: i32 = match self.enter_point {
            Some(_) => self.max_level as i32,
            None => -1,
        };
        header.extend_from_slice(&max_level.to_le_bytes());
        header.extend_from_slice(&self.enter_point.unwrap_or(u32::MAX).to_le_bytes());
        u64s(&mut header, self.max_m);
        u64s(&mut header, self.max_m0);
        u64s(&mut header, self.m);
        header.extend_from_slice(&self.mult.to_le_bytes());
        u64s(&mut header, self.ef_construction);
        debug_assert_eq!(header.len(), HEADER_BYTES);
        out.write_all(&header)?;
        let words = self.level0.words();
        write_words(out, &words[..self.count * self.record_words()])?;
        let upper = self.upper_words();
        for id in 0..self.count {
            let level = usize::from(self.levels[id]);
            out.write_all(&((level * upper * 4) as u32).to_le_bytes())?;
            let start = self.upper_start[id];
            write_words(out, &self.upper[start..start + level * upper])?;
        }
        Ok(())
    }

    /// Saves the index to `path` in hnswlib's format, atomically (a
    /// temporary file renamed into place): `hnswlib.Index(space, dim)
    /// .load_index(path)` loads it.
    pub fn save_index(&self, path: impl AsRef<Path>) -> Result<()> {
        atomic_file::write_file(path.as_ref(), |out| self.write_to(out))?;
        Ok(())
    }

    /// Loads an index saved by hnswlib or by [`HnswIndex::save_index`],
    /// memory-mapping its level-0 records (vectors and level-0 links) on a
    /// little-endian machine. hnswlib's file does not record the space or
    /// the dimension: they must be given, as to Python's `Index(space, dim)`.
    /// The file must not be modified while the index is in use (saves made
    /// here replace files by renaming, which is safe).
    pub fn load_index(
        path: impl AsRef<Path>,
        space: Space,
        dim: usize,
        capacity: Capacity,
    ) -> Result<Self> {
        let path = path.as_ref();
        let with_path = |e: Error| match e {
            Error::Format {
                offset, message, ..
            } => Error::Format {
                path: Some(path.to_path_buf()),
                offset,
                message,
            },
            other => other,
        };
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            op: "open",
            path: path.to_path_buf(),
            source,
        })?;
        let meta = file.metadata().map_err(|source| Error::Io {
            op: "read",
            path: path.to_path_buf(),
            source,
        })?;
        if !meta.is_file() {
            return Err(Error::Io {
                op: "read",
                path: path.to_path_buf(),
                source: std::io::Error::other("not a regular file"),
            });
        }
        if meta.len() < HEADER_BYTES as u64 {
            // Too short to map usefully (and an empty file cannot be mapped).
            let bytes = std::fs::read(path).map_err(|source| Error::Io {
                op: "read",
                path: path.to_path_buf(),
                source,
            })?;
            return Self::from_bytes(&bytes, space, dim, capacity).map_err(with_path);
        }
        // SAFETY: the map is read-only and every byte is validated below
        // before use; the file must not be truncated or rewritten in place
        // while mapped (documented above; our saves rename a new file over
        // the old one, leaving the mapped inode intact).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|source| Error::Io {
            op: "map",
            path: path.to_path_buf(),
            source,
        })?;
        let parsed = parse(&map, space, dim, capacity).map_err(with_path)?;
        let start = HEADER_BYTES;
        let words = parsed.level0_words;
        Ok(parsed.into_index(Level0::from_map(map, start, words)))
    }

    /// Loads an index from the bytes of an hnswlib file (copied into memory).
    pub fn from_bytes(bytes: &[u8], space: Space, dim: usize, capacity: Capacity) -> Result<Self> {
        let parsed = parse(bytes, space, dim, capacity)?;
        let words = decode(&bytes[HEADER_BYTES..HEADER_BYTES + parsed.level0_words * 4]);
        Ok(parsed.into_index(Level0::Owned(words)))
    }
}

fn write_words(out: &mut impl Write, words: &[u32]) -> std::io::Result<()> {
    if cfg!(target_endian = "little") {
        out.write_all(bytemuck::cast_slice(words))
    } else {
        for w in words {
            out.write_all(&w.to_le_bytes())?;
        }
        Ok(())
    }
}

/// A validated file, all but its level-0 block.
struct Parsed {
    index: HnswIndex,
    level0_words: usize,
}

impl Parsed {
    fn into_index(self, level0: Level0) -> HnswIndex {
        let mut index = self.index;
        index.level0 = level0;
        index
    }
}

fn fail<T>(offset: usize, message: impl Into<String>) -> Result<T> {
    Err(Error::Format {
        path: None,
        offset: offset as u64,
        message: message.into(),
    })
}

/// Little-endian reads that report the offset of what is missing.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn get<const N: usize>(&self, at: usize) -> Result<[u8; N]> {
        match at.checked_add(N).and_then(|end| self.0.get(at..end)) {
            Some(b) => Ok(b.try_into().expect("N bytes")),
            None => fail(
                at,
                format!(
                    "the file ends at byte {} inside a {N}-byte field",
                    self.0.len()
                ),
            ),
        }
    }
    fn u32(&self, at: usize) -> Result<u32> {
        self.get::<4>(at).map(u32::from_le_bytes)
    }
    fn u64(&self, at: usize) -> Result<u64> {
        self.get::<8>(at).map(u64::from_le_bytes)
    }
    /// A u64 header field that must lie in `lo..=hi`.
    fn field(&self, at: usize, name: &str, lo: u64, hi: u64) -> Result<usize> {
        let v = self.u64(at)?;
        if v < lo || v > hi {
            return fail(at, format!("{name} is {v}, expected {lo} to {hi}"));
        }
        Ok(v as usize)
    }
}

/// Validates the whole file and builds everything but the level-0 storage.
fn parse(bytes: &[u8], space: Space, dim: usize, capacity: Capacity) -> Result<Parsed> {
    crate::index::check_range("dim", dim, 1, crate::index::MAX_DIM, "1 to 65,536")?;
    let b = Bytes(bytes);
    if bytes.len() < HEADER_BYTES {
        return fail(
            bytes.len(),
            format!(
                "the file is {} bytes, shorter than hnswlib's {HEADER_BYTES}-byte header",
                bytes.len()
            ),
        );
    }
    let offset_level0 = b.u64(0)?;
    if offset_level0 != 0 {
        return fail(
            0,
            format!("offsetLevel0 is {offset_level0}, hnswlib writes 0"),
        );
    }
    let max_elements = b.field(8, "max_elements", 0, MAX_ELEMENTS as u64)?;
    let count = b.field(16, "cur_element_count", 0, max_elements as u64)?;
    let max_m = b.field(56, "maxM", 1, MAX_M as u64)?;
    let max_m0 = b.field(64, "maxM0", 1, 2 * MAX_M as u64)?;
    let m = b.field(72, "M", 1, MAX_M as u64)?;
    if m > max_m || max_m > max_m0 {
        return fail(
            56,
            format!("M {m}, maxM {max_m} and maxM0 {max_m0} are not in increasing order"),
        );
    }
    let offset_data = b.field(40, "offsetData", 0, u64::MAX)?;
    if offset_data != 4 * max_m0 + 4 {
        return fail(
            40,
            format!(
                "offsetData is {offset_data}, maxM0 {max_m0} gives {}",
                4 * max_m0 + 4
            ),
        );
    }
    let record = b.field(24, "size_data_per_element", 0, u64::MAX)?;
    let want_record = offset_data + 4 * dim + 8;
    if record != want_record {
        let hint = if record > offset_data + 8 && (record - offset_data - 8) % 4 == 0 {
            format!(
                " (the file's vectors have {} dimensions)",
                (record - offset_data - 8) / 4
            )
        } else {
            String::new()
        };
        return fail(
            24,
            format!("size_data_per_element is {record}, {dim} dimensions give {want_record}{hint}"),
        );
    }
    let label_offset = b.field(32, "label_offset", 0, u64::MAX)?;
    if label_offset != record - 8 {
        return fail(
            32,
            format!("label_offset is {label_offset}, expected {}", record - 8),
        );
    }
    let max_level_raw = b.get::<4>(48).map(i32::from_le_bytes)?;
    let enter_point_raw = b.u32(52)?;
    let mult = f64::from_le_bytes(b.get::<8>(80)?);
    if !mult.is_finite() || mult < 0.0 {
        return fail(
            80,
            format!("mult is {mult}, expected a finite non-negative number"),
        );
    }
    let ef_construction = b.field(88, "ef_construction", 1, MAX_EF as u64)?;

    // Level 0.
    let level0_bytes = count
        .checked_mul(record)
        .filter(|&n| n <= bytes.len() - HEADER_BYTES)
        .map_or_else(
            || {
                fail(
                    16,
                    format!(
                        "{count} elements of {record} bytes do not fit in the file's {} bytes",
                        bytes.len()
                    ),
                )
            },
            Ok,
        )?;
    let record_words = record / 4;
    let word = |id: usize, w: usize| -> (usize, u32) {
        let at = HEADER_BYTES + (id * record_words + w) * 4;
        (
            at,
            u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")),
        )
    };
    let mut label_lookup = HashMap::with_capacity(count);
    let mut num_deleted = 0;
    for id in 0..count {
        let (at, head) = word(id, 0);
        let n = (head & 0xffff) as usize;
        if n > max_m0 {
            return fail(
                at,
                format!("element {id} has {n} level-0 links, maxM0 is {max_m0}"),
            );
        }
        for j in 0..n {
            let (at, link) = word(id, 1 + j);
            if link as usize >= count {
                return fail(
                    at,
                    format!("element {id} links to {link}, the index has {count} elements"),
                );
            }
        }
        if head & (1 << 16) != 0 {
            num_deleted += 1;
        }
        let (_, lo) = word(id, record_words - 2);
        let (_, hi) = word(id, record_words - 1);
        // hnswlib keeps the last element of a repeated label.
        label_lookup.insert(u64::from(lo) | (u64::from(hi) << 32), id as u32);
    }

    // Upper levels.
    let per_level = 4 * max_m + 4;
    let mut pos = HEADER_BYTES + level0_bytes;
    let mut levels = Vec::with_capacity(count);
    let mut upper_start = Vec::with_capacity(count);
    let mut upper: Vec<u32> = Vec::new();
    let mut link_checks: Vec<(usize, usize, u32)> = Vec::new();
    for id in 0..count {
        let size_at = pos;
        let size = b.u32(pos)? as usize;
        pos += 4;
        if !size.is_multiple_of(per_level) {
            return fail(
                size_at,
                format!("element {id}'s link block is {size} bytes, not a multiple of {per_level}"),
            );
        }
        let level = size / per_level;
        if level > MAX_LEVEL {
            return fail(
                size_at,
                format!("element {id} has level {level}, above {MAX_LEVEL}"),
            );
        }
        if size > bytes.len() - pos {
            return fail(
                size_at,
                format!("element {id}'s {size}-byte link block runs past the end of the file"),
            );
        }
        levels.push(level as u8);
        upper_start.push(upper.len());
        for l in 1..=level {
            let at = pos + (l - 1) * per_level;
            let n = (b.u32(at)? & 0xffff) as usize;
            if n > max_m {
                return fail(
                    at,
                    format!("element {id} has {n} links on level {l}, maxM is {max_m}"),
                );
            }
            upper.push(b.u32(at)?);
            for j in 0..max_m {
                let link = b.u32(at + 4 + 4 * j)?;
                if j < n {
                    if link as usize >= count {
                        return fail(
                            at + 4 + 4 * j,
                            format!("element {id} links to {link} on level {l}, the index has {count} elements"),
                        );
                    }
                    link_checks.push((at + 4 + 4 * j, l, link));
                }
                // Unused slots are kept as they are, so that a re-save is
                // byte for byte the file loaded.
                upper.push(link);
            }
        }
        pos += size;
    }
    if pos != bytes.len() {
        return fail(
            pos,
            format!(
                "the index ends at byte {pos} but the file has {} bytes",
                bytes.len()
            ),
        );
    }
    for (at, l, link) in link_checks {
        if usize::from(levels[link as usize]) < l {
            return fail(
                at,
                format!(
                    "a level-{l} link points to element {link}, which is only on level {}",
                    levels[link as usize]
                ),
            );
        }
    }
    let (enter_point, max_level) = if count == 0 {
        (None, 0)
    } else {
        if enter_point_raw as usize >= count {
            return fail(
                52,
                format!("the entry point is {enter_point_raw}, the index has {count} elements"),
            );
        }
        let top = levels[enter_point_raw as usize];
        if max_level_raw != i32::from(top) {
            return fail(
                48,
                format!("maxlevel is {max_level_raw}, the entry point {enter_point_raw} is on level {top}"),
            );
        }
        if let Some(id) = levels.iter().position(|&l| l > top) {
            return fail(
                48,
                format!(
                    "element {id} is on level {}, above maxlevel {top}",
                    levels[id]
                ),
            );
        }
        (Some(enter_point_raw), usize::from(top))
    };
    let max_elements = match capacity {
        Capacity::AtLeast(n) if n >= count => n.min(MAX_ELEMENTS),
        _ => max_elements,
    };
    let mut index = HnswIndex::new(
        space,
        dim,
        crate::index::Params {
            max_elements,
            m: m.max(2),
            ef_construction,
            random_seed: 100,
        },
    )?;
    index.m = m;
    index.max_m = max_m;
    index.max_m0 = max_m0;
    index.mult = mult;
    index.ef_construction = ef_construction;
    index.count = count;
    index.levels = levels;
    index.upper_start = upper_start;
    index.upper = upper;
    index.enter_point = enter_point;
    index.max_level = max_level;
    index.label_lookup = label_lookup;
    index.num_deleted = num_deleted;
    Ok(Parsed {
        index,
        level0_words: level0_bytes / 4,
    })
}
