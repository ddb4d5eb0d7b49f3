//! Saving and loading: round trips, atomic saves under a live map, pages
//! shared between processes, and forests that do not depend on threads.

use std::path::Path;

use annoy_rs::{AnnoyIndex, BuildOptions, LoadOptions, Metric};

fn items(n: usize, dim: usize, salt: f32) -> Vec<f32> {
    (0..n * dim)
        .map(|i| ((i as f32) * 0.618 + salt).sin() * (1.0 + (i % 7) as f32))
        .collect()
}

fn built(metric: Metric, n: usize, dim: usize, options: BuildOptions) -> AnnoyIndex {
    let mut index = AnnoyIndex::new(dim, metric);
    index.add_items(&items(n, dim, 0.0)).unwrap();
    index.build_with(options, |_, _| {}).unwrap();
    index
}

#[test]
fn save_then_load_gives_the_same_bytes_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    for metric in Metric::ALL {
        let index = built(metric, 500, 12, BuildOptions::new(6).seed(3));
        let path = dir.path().join(format!("{metric}.ann"));
        index.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes, index.forest().unwrap().as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_ne!(
                mode & 0o044,
                0,
                "the index is private to its owner: {mode:o}"
            );
        }
        assert_eq!(
            bytes.len(),
            index.forest().unwrap().n_nodes() * metric.node_size(12)
        );
        let loaded = AnnoyIndex::open(&path, 12, metric).unwrap();
        assert_eq!((loaded.get_n_items(), loaded.get_n_trees()), (500, 6));
        for i in [0, 17, 499] {
            assert_eq!(
                loaded.get_nns_by_item(i, 10, None).unwrap(),
                index.get_nns_by_item(i, 10, None).unwrap(),
                "{metric}"
            );
        }
    }
}

#[test]
fn the_forest_depends_on_the_seed_not_on_the_threads() {
    for metric in Metric::ALL {
        let one = built(metric, 800, 8, BuildOptions::new(5).seed(9).threads(1));
        let two = built(metric, 800, 8, BuildOptions::new(5).seed(9).threads(2));
        let three = built(metric, 800, 8, BuildOptions::new(5).seed(9).threads(3));
        let other = built(metric, 800, 8, BuildOptions::new(5).seed(10).threads(2));
        let bytes = |i: &AnnoyIndex| i.forest().unwrap().as_bytes().to_vec();
        assert_eq!(bytes(&one), bytes(&two), "{metric}");
        assert_eq!(bytes(&one), bytes(&three), "{metric}");
        assert_ne!(bytes(&one), bytes(&other), "{metric}");
    }
}

#[test]
fn set_seed_is_the_default_build_seed() {
    let mut a = AnnoyIndex::new(8, Metric::Angular);
    let mut b = AnnoyIndex::new(8, Metric::Angular);
    a.add_items(&items(300, 8, 1.0)).unwrap();
    b.add_items(&items(300, 8, 1.0)).unwrap();
    a.set_seed(77);
    a.build(3).unwrap();
    b.build_with(BuildOptions::new(3).seed(77), |_, _| {})
        .unwrap();
    assert_eq!(
        a.forest().unwrap().as_bytes(),
        b.forest().unwrap().as_bytes()
    );
}

#[test]
fn progress_reports_every_tree() {
    let mut index = AnnoyIndex::new(4, Metric::Euclidean);
    index.add_items(&items(100, 4, 2.0)).unwrap();
    let calls = std::sync::Mutex::new(Vec::new());
    index
        .build_with(BuildOptions::new(7).threads(2), |done, total| {
            calls.lock().unwrap().push((done, total));
        })
        .unwrap();
    let mut calls = calls.into_inner().unwrap();
    calls.sort_unstable();
    assert_eq!(calls, (1..=7).map(|d| (d, 7)).collect::<Vec<_>>());
}

/// The invariant the memory map relies on (see `storage::open`): a save
/// never changes a file in place, so a live map keeps the old index.
#[test]
fn saving_over_a_mapped_index_leaves_the_map_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.ann");
    let first = built(Metric::Angular, 400, 8, BuildOptions::new(4).seed(1));
    first.save(&path).unwrap();
    let mapped = AnnoyIndex::open(&path, 8, Metric::Angular).unwrap();
    let before = mapped.get_nns_by_item(5, 10, None).unwrap();
    let snapshot = mapped.forest().unwrap().as_bytes().to_vec();

    let mut second = AnnoyIndex::new(8, Metric::Angular);
    second.add_items(&items(50, 8, 3.0)).unwrap();
    second.build(2).unwrap();
    second.save(&path).unwrap();

    assert_eq!(mapped.forest().unwrap().as_bytes(), snapshot.as_slice());
    assert_eq!(mapped.get_nns_by_item(5, 10, None).unwrap(), before);
    assert_eq!(
        AnnoyIndex::open(&path, 8, Metric::Angular)
            .unwrap()
            .get_n_items(),
        50
    );
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "a temporary file was left behind");
}

#[test]
fn loading_without_verification_reads_only_the_end_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.ann");
    built(Metric::Euclidean, 300, 8, BuildOptions::new(3))
        .save(&path)
        .unwrap();
    let mut index = AnnoyIndex::new(8, Metric::Euclidean);
    let options = LoadOptions {
        verify: false,
        prefault: false,
    };
    index.load_with(&path, options).unwrap();
    assert_eq!((index.get_n_items(), index.get_n_trees()), (300, 3));
    assert_eq!(index.get_nns_by_item(3, 1, None).unwrap()[0].id, 3);
}

#[cfg(target_os = "linux")]
const CHILD_ENV: &str = "ANNOY_RS_SHARED_PAGES_CHILD";

#[cfg(target_os = "linux")]
/// Loads the index and queries every item, so that every page is touched.
fn load_and_touch(path: &Path) -> AnnoyIndex {
    let index = AnnoyIndex::open(path, 64, Metric::Angular).unwrap();
    for i in 0..index.get_n_items() {
        index.get_nns_by_item(i, 1, Some(1)).unwrap();
    }
    index
}

#[cfg(target_os = "linux")]
#[test]
fn two_processes_share_the_pages_of_an_index() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        let path = Path::new(&path);
        let _index = load_and_touch(path);
        let shared = test_support::smaps_kib(path, "Shared_Clean")
            + test_support::smaps_kib(path, "Shared_Dirty");
        println!("SHARED_KB={shared}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.ann");
    built(Metric::Angular, 4000, 64, BuildOptions::new(2))
        .save(&path)
        .unwrap();
    let _index = load_and_touch(&path);
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "two_processes_share_the_pages_of_an_index",
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
    let items_kb = (4000 * Metric::Angular.node_size(64) / 1024) as u64;
    assert!(
        shared_kb >= items_kb,
        "child shares {shared_kb} kB of {items_kb} kB of item nodes"
    );
}

#[test]
fn an_on_disk_build_writes_the_bytes_of_a_build_and_save() {
    let dir = tempfile::tempdir().unwrap();
    for metric in Metric::ALL {
        for threads in [1, 2] {
            let options = BuildOptions::new(7).seed(5).threads(threads);
            let in_memory = built(metric, 600, 10, options);
            let path = dir.path().join(format!("{metric}-{threads}.ann"));
            let mut on_disk = AnnoyIndex::new(10, metric);
            on_disk.add_items(&items(600, 10, 0.0)).unwrap();
            on_disk.on_disk_build(&path).unwrap();
            on_disk.build_with(options, |_, _| {}).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(bytes, in_memory.forest().unwrap().as_bytes(), "{metric}");
            // The built index is the file, mapped.
            assert_eq!(on_disk.forest().unwrap().as_bytes(), &bytes[..]);
            assert_eq!(on_disk.get_n_trees(), 7);
            for i in [0, 300, 599] {
                assert_eq!(
                    on_disk.get_nns_by_item(i, 10, None).unwrap(),
                    in_memory.get_nns_by_item(i, 10, None).unwrap(),
                    "{metric}"
                );
            }
            // Its roots are known, so it can grow like an in-memory forest.
            let grown = built(metric, 600, 10, BuildOptions::new(9).seed(5));
            on_disk
                .add_trees_with(BuildOptions::new(2).threads(threads), |_, _| {})
                .unwrap();
            assert_eq!(
                on_disk.forest().unwrap().as_bytes(),
                grown.forest().unwrap().as_bytes()
            );
        }
    }
    // Only the finished files: no temporary file is left behind.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2 * Metric::ALL.len(), "{names:?}");
    assert!(names
        .iter()
        .all(|n| n.ends_with(".ann") && !n.starts_with('.')));
}

#[test]
fn a_failed_on_disk_build_leaves_no_file_and_the_index_unbuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.ann");
    let mut index = AnnoyIndex::new(4, Metric::Euclidean);
    index.add_items(&items(50, 4, 2.0)).unwrap();
    index.on_disk_build(&path).unwrap();
    // Zero trees is refused before any file is made.
    assert!(index.build(0).is_err());
    assert!(!index.is_built());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A directory that does not exist: an error naming the file.
    let mut index = AnnoyIndex::new(4, Metric::Euclidean);
    index.add_items(&items(50, 4, 2.0)).unwrap();
    let missing = dir.path().join("no-such-dir").join("x.ann");
    index.on_disk_build(&missing).unwrap();
    let message = index.build(3).unwrap_err().to_string();
    assert!(message.contains("x.ann"), "{message}");
    assert!(!index.is_built());
    // The items are kept: pointed at a directory that exists, it builds.
    assert_eq!(index.get_n_items(), 50);
    index.on_disk_build(&path).unwrap();
    index.build(3).unwrap();
    assert!(path.exists());
    // Once built, the index takes no on-disk target.
    assert!(index.on_disk_build(dir.path().join("y.ann")).is_err());
}

/// An index of 300 items at ids 0, 2, 4, ..., every seventh left out:
/// holes in the ids.
fn with_holes(metric: Metric) -> AnnoyIndex {
    let mut index = AnnoyIndex::new(6, metric);
    for (row, v) in items(300, 6, 1.0).chunks(6).enumerate() {
        if row % 7 != 3 {
            index.add_item(2 * row, v).unwrap();
        }
    }
    index
}

#[test]
fn on_disk_and_grown_forests_with_holes_in_the_ids_equal_builds_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    for metric in Metric::ALL {
        let (mut in_memory, mut on_disk) = (with_holes(metric), with_holes(metric));
        let path = dir.path().join(format!("{metric}.ann"));
        on_disk.on_disk_build(&path).unwrap();
        let options = BuildOptions::new(4).seed(8).threads(2);
        in_memory.build_with(options, |_, _| {}).unwrap();
        on_disk.build_with(options, |_, _| {}).unwrap();
        assert_eq!(on_disk.get_n_items(), 599);
        let bytes = |i: &AnnoyIndex| i.forest().unwrap().as_bytes().to_vec();
        assert_eq!(bytes(&on_disk), bytes(&in_memory), "{metric}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes(&in_memory));
        // Growing reads the items back from the item nodes, holes included.
        for index in [&mut in_memory, &mut on_disk] {
            index
                .add_trees_with(BuildOptions::new(3), |_, _| {})
                .unwrap();
        }
        let mut all = with_holes(metric);
        all.build_with(BuildOptions::new(7).seed(8), |_, _| {})
            .unwrap();
        assert_eq!(bytes(&in_memory), bytes(&all), "{metric}");
        assert_eq!(bytes(&on_disk), bytes(&all), "{metric}");
    }
}

/// Unbuilding keeps every item (holes too) and takes more: the next build
/// is byte for byte the build of all the items at once, whether the index
/// was built here or loaded from its file.
#[test]
fn an_unbuilt_index_takes_items_again_and_builds_the_forest_of_all_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let more = items(20, 6, 2.0);
    let options = BuildOptions::new(4).seed(8);
    let bytes = |i: &AnnoyIndex| i.forest().unwrap().as_bytes().to_vec();
    for metric in Metric::ALL {
        let mut all = with_holes(metric);
        all.add_items(&more).unwrap();
        all.build_with(options, |_, _| {}).unwrap();
        let mut built = with_holes(metric);
        built.build_with(options, |_, _| {}).unwrap();
        let path = dir.path().join(format!("{metric}.ann"));
        built.save(&path).unwrap();
        let loaded = AnnoyIndex::open(&path, 6, metric).unwrap();
        for mut index in [built, loaded] {
            let vectors: Vec<Vec<f32>> = (0..599)
                .map(|id| index.get_item_vector(id).unwrap())
                .collect();
            index.unbuild().unwrap();
            assert!(!index.is_built());
            assert_eq!(index.get_n_items(), 599, "{metric}");
            for (id, v) in vectors.iter().enumerate() {
                assert_eq!(
                    &index.get_item_vector(id).unwrap(),
                    v,
                    "{metric}: item {id}"
                );
            }
            assert!(index.get_nns_by_item(0, 1, None).is_err());
            index.add_items(&more).unwrap();
            index.build_with(options, |_, _| {}).unwrap();
            assert_eq!(bytes(&index), bytes(&all), "{metric}");
        }
    }
}
