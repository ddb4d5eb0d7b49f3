//! Two processes that load the same native file share its pages: the child
//! (this test binary, re-run) maps the file the parent has mapped and
//! touched, and its `/proc/self/smaps` shows the mapping as shared.

#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;

use ndarray::Array2;
use vecstore::KeyedVectors;

const CHILD_ENV: &str = "VECSTORE_SHARED_PAGES_CHILD";

/// Loads the file and reads every value so every page is resident.
fn load_and_touch(path: &Path) -> (KeyedVectors, f32) {
    let kv = KeyedVectors::load(path).unwrap();
    assert!(kv.is_mapped());
    let sum = kv.vectors().sum();
    (kv, sum)
}

#[test]
fn two_processes_share_the_pages_of_a_native_file() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        let path = Path::new(&path);
        let (_kv, _) = load_and_touch(path);
        // Freshly written pages may still be dirty in the page cache: count both.
        let shared = test_support::smaps_kib(path, "Shared_Clean")
            + test_support::smaps_kib(path, "Shared_Dirty");
        println!("SHARED_KB={shared}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.kv");
    let (rows, dim) = (2000, 256); // 2 MB of vectors
    let words = (0..rows).map(|i| format!("w{i}")).collect();
    let matrix = Array2::from_shape_fn((rows, dim), |(i, j)| (i * dim + j) as f32);
    KeyedVectors::from_parts(words, matrix, None)
        .unwrap()
        .save(&path)
        .unwrap();

    let (_kv, _) = load_and_touch(&path);
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "two_processes_share_the_pages_of_a_native_file",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD_ENV, &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed: {stdout}");
    let shared_kb: u64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("SHARED_KB="))
        .unwrap_or_else(|| panic!("child printed no figure: {stdout}"))
        .parse()
        .unwrap();
    let matrix_kb = (rows * dim * 4 / 1024) as u64;
    assert!(
        shared_kb >= matrix_kb,
        "child shares {shared_kb} kB of a {matrix_kb} kB matrix"
    );
}
