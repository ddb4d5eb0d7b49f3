//! The process's peak memory, for reports.

/// Peak resident set size in MiB (`VmHWM` of `/proc/self/status`), on Linux.
pub fn peak_rss_mib() -> Option<f64> {
    Some(test_support::peak_rss_kib()? as f64 / 1024.0)
}
