//! A save killed at any moment (SIGKILL) leaves either the previous file
//! or the new one, complete, under the final name; never a partial file.
//! The child is this test binary, re-run, saving two different sets of
//! vectors in turn until it is killed (`crash_test` does the killing).

#![cfg(unix)]

use std::path::Path;

use ndarray::Array2;
use vecstore::{read, write, Format, KeyedVectors, ReadOptions, WriteOptions};

const CHILD_ENV: &str = "VECSTORE_CRASH_CHILD";

/// Two distinguishable sets of vectors (about 1.6 MB each in binary).
fn versions() -> [KeyedVectors; 2] {
    [0.0f32, 1.0].map(|offset| {
        let words = (0..4000).map(|i| format!("word{i}")).collect();
        let matrix =
            Array2::from_shape_fn((4000, 100), |(i, j)| offset + (i * 100 + j) as f32 * 1e-3);
        KeyedVectors::from_parts(words, matrix, None).unwrap()
    })
}

fn format_named(name: &str) -> Format {
    Format::from_name(name).unwrap()
}

#[test]
fn a_killed_save_never_leaves_a_partial_file() {
    if let Some(spec) = crash_test::child_arg(CHILD_ENV) {
        let (format, path) = spec.split_once(':').unwrap();
        let versions = versions();
        for i in 0.. {
            write(
                &versions[i % 2],
                Path::new(path),
                format_named(format),
                &WriteOptions::default(),
            )
            .unwrap();
        }
        return;
    }
    let versions = versions();
    for (seed, format) in [Format::Native, Format::Binary, Format::Text]
        .into_iter()
        .enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors");
        write(&versions[0], &path, format, &WriteOptions::default()).unwrap();
        let mut seen = [0usize; 2];
        crash_test::Kills::new("a_killed_save_never_leaves_a_partial_file", CHILD_ENV)
            .rounds(35)
            .seed(seed as u64)
            .run(&format!("{}:{}", format.name(), path.display()), |_| {
                let (loaded, _) =
                    read(&path, format, &ReadOptions::default()).unwrap_or_else(|e| {
                        panic!("{format:?}: the file under the final name is damaged: {e}")
                    });
                let which = versions.iter().position(|v| *v == loaded);
                let which =
                    which.unwrap_or_else(|| panic!("{format:?}: the file is neither version"));
                seen[which] += 1;
            });
        // Killed saves may leave temporary files; they never get in a later save's way.
        write(&versions[1], &path, format, &WriteOptions::default()).unwrap();
        assert_eq!(
            read(&path, format, &ReadOptions::default()).unwrap().0,
            versions[1]
        );
        assert_eq!(
            crash_test::strays(dir.path(), &["vectors"]),
            Vec::<String>::new()
        );
        assert!(seen[0] + seen[1] == 35, "{format:?}: {seen:?}");
    }
}
