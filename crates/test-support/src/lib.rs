//! Helpers shared by the workspace's tests, benches and reports, each
//! written once:
//!
//! - [`fixture`]: a path under the repository's `fixtures/` directory;
//! - [`peak_rss_kib`]: this process's peak resident memory (`VmHWM`);
//! - [`smaps_kib`]: a field of `/proc/self/smaps` summed over the maps of
//!   one file (how much of a memory-mapped file is resident, shared...);
//! - [`cpu_model`]: the CPU's model name, for reports.
//!
//! The `/proc` readers answer `None` (or 0) where `/proc` is missing.
//!
//! ```
//! let corpus = test_support::fixture("corpus");
//! assert!(corpus.is_dir());
//! if cfg!(target_os = "linux") {
//!     assert!(test_support::peak_rss_kib().unwrap() > 0);
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// `path` under the repository's `fixtures/` directory (found from this
/// crate's own directory, so it works from any crate's tests).
pub fn fixture(path: impl AsRef<Path>) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

/// This process's peak resident set size in KiB (`VmHWM` of
/// `/proc/self/status`); `None` where there is no such file (not Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_field_kib(&status, "VmHWM")
}

/// The value in KiB of `field` in a `/proc/*/status` text.
fn status_field_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The sum of `field` (in KiB, e.g. `"Rss"`, `"Shared_Clean"`) over the
/// entries of `/proc/self/smaps` that map the file `path`; 0 if none do
/// or there is no such file (not Linux).
pub fn smaps_kib(path: &Path, field: &str) -> u64 {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
    smaps_field_kib(&smaps, path, field)
}

/// [`smaps_kib`] over a smaps text.
fn smaps_field_kib(smaps: &str, path: &Path, field: &str) -> u64 {
    let name = path.to_string_lossy();
    let (mut in_file, mut total) = (false, 0);
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && !first.ends_with(':') {
            // A map's header: `start-end perms offset dev inode [path]`.
            in_file = line.ends_with(name.as_ref());
        } else if in_file && first.strip_suffix(':') == Some(field) {
            total += line
                .split_whitespace()
                .nth(1)
                .and_then(|kib| kib.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    total
}

/// The CPU's model name (`model name` of `/proc/cpuinfo`), `None` where
/// it is not known.
pub fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpu_model_of(&info)
}

/// [`cpu_model`] over a cpuinfo text.
fn cpu_model_of(info: &str) -> Option<String> {
    info.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_found_from_any_crate() {
        assert!(fixture("corpus").is_dir());
        assert!(fixture("annoy").join("README.md").is_file());
    }

    #[test]
    fn status_fields_are_read_in_kib() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM"), Some(1234));
        assert_eq!(status_field_kib(status, "VmSwap"), None);
        assert_eq!(status_field_kib("VmHWM:\tlots kB\n", "VmHWM"), None);
    }

    #[test]
    fn smaps_fields_are_summed_over_the_maps_of_one_file() {
        let smaps = "\
7f00-7f10 r--s 00000000 08:01 42 /data/a.kv
Rss:                 100 kB
Shared_Clean:         60 kB
7f10-7f20 r--s 00001000 08:01 42 /data/a.kv
Rss:                  20 kB
7f20-7f30 r--p 00000000 08:01 43 /data/other.kv
Rss:                 999 kB
7f30-7f40 rw-p 00000000 00:00 0
Rss:                   5 kB
";
        let a = Path::new("/data/a.kv");
        assert_eq!(smaps_field_kib(smaps, a, "Rss"), 120);
        assert_eq!(smaps_field_kib(smaps, a, "Shared_Clean"), 60);
        assert_eq!(smaps_field_kib(smaps, Path::new("/data/b.kv"), "Rss"), 0);
    }

    #[test]
    fn the_cpu_model_is_the_first_model_name() {
        let info = "processor\t: 0\nmodel name\t: Some CPU @ 2.0GHz\n\nprocessor\t: 1\nmodel name\t: Other\n";
        assert_eq!(cpu_model_of(info).as_deref(), Some("Some CPU @ 2.0GHz"));
        assert_eq!(cpu_model_of("processor\t: 0\n"), None);
    }

    #[test]
    fn this_process_is_measured_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kib().unwrap() > 0);
            assert!(cpu_model().is_some_and(|m| !m.is_empty()));
        }
    }
}
