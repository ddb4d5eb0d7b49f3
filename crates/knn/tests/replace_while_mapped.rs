//! Two reader processes map the same index while a third replaces the file
//! (a save: new file renamed over the old) again and again. The readers
//! keep answering from the map they opened, unchanged and without a
//! SIGBUS; a reload then sees the new file. The processes are this test
//! binary, re-run with a role in the environment.

#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use knn::{AnnoyIndexer, Indexer};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use vecstore::KeyedVectors;

const ROLE_ENV: &str = "KNN_REPLACE_ROLE";
const TEST: &str = "readers_keep_their_map_while_the_file_is_replaced";
const REPLACEMENTS: usize = 40;

fn answers(indexer: &AnnoyIndexer, kv: &KeyedVectors) -> Vec<Vec<(usize, f32)>> {
    (0..50)
        .map(|i| {
            let query = kv.get_normed(&format!("w{}", i * 37)).unwrap();
            indexer.most_similar(query, 10).unwrap()
        })
        .collect()
}

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A reader: maps `dir/index.ann`, says so, answers the same until told to
/// stop, then reloads and checks that it sees version `b`.
fn reader(dir: &Path, name: &str) {
    let kv = KeyedVectors::load(dir.join("vectors.kv")).unwrap();
    let index = dir.join("index.ann");
    let mapped = AnnoyIndexer::load(&index, &kv).unwrap();
    let first = answers(&mapped, &kv);
    let a = AnnoyIndexer::load(dir.join("a.ann"), &kv).unwrap();
    assert_eq!(
        first,
        answers(&a, &kv),
        "{name}: the first map is not version a"
    );
    std::fs::write(dir.join(format!("{name}.ready")), "").unwrap();
    let mut rounds = 0;
    while rounds == 0 || !dir.join("stop").exists() {
        assert_eq!(
            answers(&mapped, &kv),
            first,
            "{name}: the mapped answers changed"
        );
        rounds += 1;
    }
    let reloaded = AnnoyIndexer::load(&index, &kv).unwrap();
    let b = AnnoyIndexer::load(dir.join("b.ann"), &kv).unwrap();
    assert!(
        answers(&reloaded, &kv) == answers(&b, &kv),
        "{name}: the reload does not see version b"
    );
    eprintln!("{name}: {rounds} rounds of queries on the old map");
}

/// The writer: saves b, a, b, ... over `dir/index.ann`, ending with b.
fn writer(dir: &Path) {
    let kv = KeyedVectors::load(dir.join("vectors.kv")).unwrap();
    let versions = ["a.ann", "b.ann"].map(|name| AnnoyIndexer::load(dir.join(name), &kv).unwrap());
    for i in 0..REPLACEMENTS {
        versions[(REPLACEMENTS - i) % 2]
            .save(dir.join("index.ann"))
            .unwrap();
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn spawn(role: &str, dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture"])
        .env(ROLE_ENV, format!("{role}|{}", dir.display()))
        .spawn()
        .unwrap()
}

fn finish(child: Child, role: &str) {
    let status = child.wait_with_output().unwrap().status;
    assert_eq!(
        status.signal(),
        None,
        "{role} was killed by a signal (SIGBUS is 7)"
    );
    assert!(status.success(), "{role} failed: {status}");
}

#[test]
fn readers_keep_their_map_while_the_file_is_replaced() {
    if let Ok(spec) = std::env::var(ROLE_ENV) {
        let (role, dir) = spec.split_once('|').unwrap();
        match role {
            "writer" => writer(Path::new(dir)),
            reader_name => reader(Path::new(dir), reader_name),
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
    let words = (0..4000).map(|i| format!("w{i}")).collect();
    let matrix = Array2::from_shape_fn((4000, 32), |_| rng.random::<f32>() - 0.5);
    let kv = KeyedVectors::from_parts(words, matrix, None).unwrap();
    kv.save(dir.path().join("vectors.kv")).unwrap();
    let path = |name: &str| -> PathBuf { dir.path().join(name) };
    // Two versions whose answers differ (3 trees and 12).
    let a = AnnoyIndexer::builder(&kv, 3).seed(1).build().unwrap();
    let b = AnnoyIndexer::builder(&kv, 12).seed(2).build().unwrap();
    assert_ne!(answers(&a, &kv), answers(&b, &kv));
    a.save(path("a.ann")).unwrap();
    b.save(path("b.ann")).unwrap();
    a.save(path("index.ann")).unwrap();

    let readers = ["reader1", "reader2"].map(|name| (spawn(name, dir.path()), name));
    for (_, name) in &readers {
        wait_for(&path(&format!("{name}.ready")));
    }
    finish(spawn("writer", dir.path()), "writer");
    std::fs::write(path("stop"), "").unwrap();
    for (child, name) in readers {
        finish(child, name);
    }
}
