//! `remove_temporaries` removes every temporary of the process, so it has a
//! test binary (a process) of its own: no other test's writes are in flight.

use std::io::Write;

#[test]
fn unfinished_writes_lose_their_temporaries_and_targets_stay() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("kept.txt");
    std::fs::write(&target, b"old").unwrap();
    let mut file = atomic_file::AtomicFile::create(&target).unwrap();
    file.write_all(b"new").unwrap();
    let set_path = dir.path().join("set.bin");
    let mut set = atomic_file::FileSet::new(&set_path).unwrap();
    std::fs::write(set.stage(&set_path).unwrap(), b"x").unwrap();
    let finished = dir.path().join("done.txt");
    atomic_file::write_file(&finished, |out| out.write_all(b"done")).unwrap();
    let names = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names().len(), 4, "{:?}", names());
    assert_eq!(atomic_file::remove_temporaries(), 2);
    assert_eq!(names(), ["done.txt", "kept.txt"]);
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert!(file.commit().is_err(), "a write whose temporary is gone");
    assert!(set.commit().is_err());
    assert_eq!(names(), ["done.txt", "kept.txt"]);
    assert_eq!(atomic_file::remove_temporaries(), 0);
}
