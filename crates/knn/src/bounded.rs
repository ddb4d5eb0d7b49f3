//! Reading a whole small file with a bound on its size.

use std::io::Read;
use std::path::Path;

/// The bytes of `path`, opened once (a FIFO or `/dev/stdin` is read as a
/// stream), failing if there are more than `max`: a mistaken path such as
/// `/dev/zero` costs at most `max` bytes, never all memory.
pub(crate) fn read(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "more than {} MiB: not the file expected here",
            max >> 20
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn an_endless_input_stops_at_the_bound() {
        let err = super::read("/dev/zero".as_ref(), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("more than 1 MiB"), "{err}");
    }

    #[test]
    fn a_file_within_the_bound_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(super::read(&path, 3).unwrap(), b"abc");
        assert!(super::read(&path, 2).is_err());
    }
}
