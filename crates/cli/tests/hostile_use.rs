//! Careless and hostile use of `w2v`: every case replays one that once lost
//! data, hung, aborted or blamed the wrong thing. Each must now exit 1 with
//! a message naming the real problem, and leave every input as it was.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{failed_with, fixtures, succeeded, w2v, word_vectors};

/// A small corpus copied into `dir`.
fn corpus(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(fixtures("corpus/dev100k.txt")).unwrap();
    let path = dir.join("c.txt");
    fs::write(&path, &text[..60_000]).unwrap();
    path
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn an_output_never_replaces_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let before = fs::read(&c).unwrap();
    let m = dir.path().join("m.kv");
    for args in [
        vec!["train", "--corpus", s(&c), "--out", s(&c)],
        vec![
            "train",
            "--corpus",
            s(&c),
            "--out",
            s(&m),
            "--vectors",
            s(&c),
        ],
    ] {
        failed_with(&w2v(&args), &["would overwrite the input"]);
        assert_eq!(fs::read(&c).unwrap(), before);
    }
    assert!(!m.exists(), "a model was saved after a refused output");
    let v = dir.path().join("v.bin");
    word_vectors(&v, 30, 4, 0.0);
    let v_bytes = fs::read(&v).unwrap();
    let link = dir.path().join("link.bin");
    std::os::unix::fs::symlink(&v, &link).unwrap();
    for args in [
        vec![
            "index",
            "build",
            "--vectors",
            s(&v),
            "--out",
            s(&v),
            "--trees",
            "2",
        ],
        vec!["convert", s(&v), s(&link)],
        vec![
            "convert",
            s(&v),
            s(&dir.path().join("o.txt")),
            "--counts-out",
            s(&v),
        ],
    ] {
        failed_with(&w2v(&args), &["would overwrite the input"]);
        assert_eq!(fs::read(&v).unwrap(), v_bytes);
    }
}

#[test]
fn special_files_are_refused_as_outputs_and_links_are_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v.txt");
    word_vectors(&v, 30, 4, 0.0);
    failed_with(
        &w2v(&["convert", s(&v), "/dev/null"]),
        &["/dev/null", "is a device"],
    );
    failed_with(
        &w2v(&[
            "index",
            "build",
            "--vectors",
            s(&v),
            "--out",
            "/dev/null",
            "--trees",
            "2",
        ]),
        &["/dev/null", "is a device"],
    );
    assert!(!Path::new("/dev/null.dict").exists());
    failed_with(
        &w2v(&["convert", s(&v), s(dir.path())]),
        &["is a directory"],
    );
    // A symlinked output is written through: the link stays, its target changes.
    let target = dir.path().join("real.bin");
    let link = dir.path().join("link.bin");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    succeeded(&w2v(&["convert", s(&v), s(&link), "--quiet"]));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(vecstore::KeyedVectors::load(&target).unwrap().len(), 30);
}

#[test]
fn missing_output_directories_fail_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let v = dir.path().join("v.txt");
    word_vectors(&v, 30, 4, 0.0);
    let nodir = dir.path().join("nodir");
    failed_with(
        &w2v(&["train", "--corpus", s(&c), "--out", s(&nodir.join("m.kv"))]),
        &["nodir", "does not exist"],
    );
    let m = dir.path().join("m.kv");
    failed_with(
        &w2v(&[
            "train",
            "--corpus",
            s(&c),
            "--out",
            s(&m),
            "--vectors",
            s(&nodir.join("v.bin")),
        ]),
        &["nodir"],
    );
    assert!(!m.exists(), "the model was saved before the vectors failed");
    let out = dir.path().join("out.bin");
    failed_with(
        &w2v(&[
            "convert",
            s(&v),
            s(&out),
            "--counts-out",
            s(&nodir.join("c.txt")),
        ]),
        &["nodir"],
    );
    assert!(
        !out.exists(),
        "the main output was written before the counts failed"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

#[test]
fn endless_and_streamed_inputs_are_bounded_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v.txt");
    word_vectors(&v, 30, 4, 0.0);
    failed_with(
        &w2v(&["eval", "pairs", "--vectors", s(&v), "--pairs", "/dev/zero"]),
        &["/dev/zero", "more than"],
    );
    failed_with(
        &w2v(&[
            "eval",
            "analogies",
            "--vectors",
            s(&v),
            "--questions",
            "/dev/zero",
        ]),
        &["/dev/zero", "more than"],
    );
    failed_with(
        &w2v(&["vocab", "--corpus", "/dev/zero"]),
        &["not a regular file"],
    );
    failed_with(&w2v(&["info", "/dev/zero"]), &["not a regular file"]);
    let index = dir.path().join("v.ann");
    succeeded(&w2v(&[
        "index",
        "build",
        "--vectors",
        s(&v),
        "--out",
        s(&index),
        "--trees",
        "2",
        "--quiet",
    ]));
    let dict = dir.path().join("v.ann.dict");
    fs::remove_file(&dict).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &dict).unwrap();
    failed_with(
        &w2v(&["index", "query", "--index", s(&index), "--item", "0"]),
        &["v.ann.dict", "not a regular file"],
    );
    // A FIFO: refused at once, never opened (opening would wait for a writer).
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|status| status.success()) {
        failed_with(&w2v(&["info", s(&fifo)]), &["not a regular file"]);
        failed_with(
            &w2v(&["similar", "--vectors", s(&fifo), "w1"]),
            &["not a regular file"],
        );
        failed_with(
            &w2v(&["vocab", "--corpus", s(&fifo)]),
            &["not a regular file"],
        );
    }
}

#[test]
fn impossible_sizes_are_errors_not_aborts() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let m = dir.path().join("m.kv");
    for size in ["100000000", "18446744073709551615"] {
        failed_with(
            &w2v(&["train", "--corpus", s(&c), "--size", size, "--out", s(&m)]),
            &["vector_size", "at most"],
        );
    }
    // Within the formats' limit, but ~10k words x 2^20 dims x 3 matrices
    // need ~130 GB: refused before anything is allocated.
    let whole = fixtures("corpus/dev100k.txt");
    failed_with(
        &w2v(&[
            "train",
            "--corpus",
            s(&whole),
            "--size",
            "1048576",
            "--min-count",
            "1",
            "--hs",
            "--out",
            s(&m),
        ]),
        &["more than this machine can allocate"],
    );
    failed_with(
        &w2v(&[
            "train",
            "--corpus",
            s(&c),
            "--threads",
            "100000",
            "--out",
            s(&m),
        ]),
        &["workers", "at most"],
    );
    failed_with(
        &w2v(&["vocab", "--corpus", s(&c), "--threads", "100000"]),
        &["100000 threads", "limit of 1024"],
    );
    let v = dir.path().join("v.txt");
    word_vectors(&v, 30, 4, 0.0);
    let index = dir.path().join("v.ann");
    succeeded(&w2v(&[
        "index",
        "build",
        "--vectors",
        s(&v),
        "--out",
        s(&index),
        "--trees",
        "2",
        "--quiet",
    ]));
    failed_with(
        &w2v(&[
            "index",
            "eval",
            "--index",
            s(&index),
            "--vectors",
            s(&v),
            "--queries",
            "1000000000",
        ]),
        &["--queries", "30 words"],
    );
    // Endless requests are refused at once, not run for hours.
    for trees in ["18446744073709551615", "1000000000"] {
        failed_with(
            &w2v(&[
                "index",
                "build",
                "--vectors",
                s(&v),
                "--out",
                s(&index),
                "--trees",
                trees,
            ]),
            &["nodes", "use fewer trees"],
        );
    }
    failed_with(
        &w2v(&[
            "train",
            "--corpus",
            s(&c),
            "--epochs",
            "18446744073709551615",
            "--out",
            s(&m),
        ]),
        &["epochs", "between 1 and"],
    );
}

#[test]
fn what_convert_writes_convert_reads() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("long.txt");
    let long = "x".repeat(70_000);
    fs::write(&text, format!("2 2\n{long} 0.5 0.25\nshort 1 2\n")).unwrap();
    let bin = dir.path().join("long.bin");
    failed_with(
        &w2v(&["convert", s(&text), s(&bin)]),
        &["longer than 65,536 bytes"],
    );
    assert!(!bin.exists());
}

#[test]
fn zero_means_no_limit_as_in_gensim() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let vocab = |extra: &[&str]| {
        let mut args = vec!["vocab", "--corpus", s(&c), "--min-count", "1", "--json"];
        args.extend(extra);
        let out = w2v(&args);
        succeeded(&out);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["vocab_size"].clone()
    };
    assert_eq!(vocab(&["--max-vocab-size", "0"]), vocab(&[]));
    let v = dir.path().join("v.txt");
    word_vectors(&v, 30, 4, 0.0);
    let similar = |extra: &[&str]| {
        let mut args = vec!["similar", "--vectors", s(&v), "w1", "--json"];
        args.extend(extra);
        let out = w2v(&args);
        succeeded(&out);
        out.stdout
    };
    let unrestricted = similar(&[]);
    assert!(unrestricted.len() > 40);
    assert_eq!(similar(&["--restrict-vocab", "0"]), unrestricted);
}

#[test]
fn errors_blame_the_real_problem() {
    let dir = tempfile::tempdir().unwrap();
    let nosuch = dir.path().join("nosuch.ann");
    failed_with(
        &w2v(&["index", "query", "--index", s(&nosuch), "--word", "w1"]),
        &["nosuch.ann", "No such file"],
    );
    let v = dir.path().join("v.txt");
    word_vectors(&v, 30, 4, 0.0);
    let other = dir.path().join("other.txt");
    word_vectors(&other, 30, 6, 0.0);
    let index = dir.path().join("v.ann");
    succeeded(&w2v(&[
        "index",
        "build",
        "--vectors",
        s(&v),
        "--out",
        s(&index),
        "--trees",
        "2",
        "--quiet",
    ]));
    let msg = failed_with(
        &w2v(&[
            "index",
            "eval",
            "--index",
            s(&index),
            "--vectors",
            s(&other),
        ]),
        &["6 dimensions", "v.ann.dict says 4"],
    );
    assert!(!msg.contains("--dim"), "{msg}");
    fs::write(dir.path().join("v.ann.dict"), b"").unwrap();
    failed_with(
        &w2v(&["index", "query", "--index", s(&index), "--item", "0"]),
        &["empty"],
    );
    let pairs = dir.path().join("pairs.txt");
    fs::write(&pairs, "w1 w2 1.5\nw3 w4 2.5\n").unwrap();
    failed_with(
        &w2v(&["eval", "pairs", "--vectors", s(&v), "--pairs", s(&pairs)]),
        &["pairs.txt, line 1", "needs tabs"],
    );
    fs::write(&pairs, "w1\tw2\thigh\n").unwrap();
    failed_with(
        &w2v(&["eval", "pairs", "--vectors", s(&v), "--pairs", s(&pairs)]),
        &["\"high\" is not a number"],
    );
    let gz = dir.path().join("v.txt.gz");
    fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap();
    failed_with(&w2v(&["info", s(&gz)]), &["gzip"]);
    let nan = dir.path().join("nan.txt");
    fs::write(&nan, "2 2\nbad NaN 1\ngood 1 0\n").unwrap();
    failed_with(&w2v(&["similar", "--vectors", s(&nan), "bad"]), &["NaN"]);
}

/// Two vector sets of the same words and size but other vectors (the
/// words in another order in the second).
fn two_vector_sets(dir: &Path) -> (PathBuf, PathBuf) {
    let a = dir.join("a.txt");
    word_vectors(&a, 300, 8, 0.0);
    let b = dir.join("b.txt");
    let mut kv = vecstore::KeyedVectors::new(8);
    for i in (0..300).rev() {
        let v: Vec<f32> = (0..8).map(|j| ((i * 8 + j) as f32 * 0.37).cos()).collect();
        kv.push(format!("w{i}"), &v).unwrap();
    }
    kv.save(&b).unwrap();
    (a, b)
}

#[test]
fn an_index_is_used_only_with_the_vectors_it_was_built_from() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_vector_sets(dir.path());
    let index = dir.path().join("a.ann");
    succeeded(&w2v(&[
        "index",
        "build",
        "--vectors",
        s(&a),
        "--out",
        s(&index),
        "--trees",
        "3",
        "--quiet",
    ]));
    // Other labels, then the same labels with other vectors: both the
    // commands that take an index and vectors refuse them.
    let c = dir.path().join("c.txt");
    word_vectors(&c, 300, 8, 1.0);
    for (vectors, cause) in [(&b, "label 0"), (&c, "holds another vector")] {
        let eval = [
            "index",
            "eval",
            "--index",
            s(&index),
            "--vectors",
            s(vectors),
            "--queries",
            "10",
        ];
        let similar = [
            "similar",
            "--vectors",
            s(vectors),
            "w1",
            "--index",
            s(&index),
        ];
        for command in [&eval[..], &similar[..]] {
            failed_with(&w2v(command), &[cause, "other vectors"]);
        }
    }
    succeeded(&w2v(&[
        "similar",
        "--vectors",
        s(&a),
        "w1",
        "--index",
        s(&index),
    ]));
}

#[test]
fn racing_builds_of_one_output_leave_one_whole_set() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_vector_sets(dir.path());
    let out = dir.path().join("race.ann");
    let build = |vectors: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_w2v"))
            .args([
                "index",
                "build",
                "--vectors",
                s(vectors),
                "--out",
                s(&out),
                "--trees",
                "2",
                "--quiet",
            ])
            .spawn()
            .unwrap()
    };
    let usable_with = |vectors: &Path| {
        w2v(&[
            "index",
            "eval",
            "--index",
            s(&out),
            "--vectors",
            s(vectors),
            "--queries",
            "5",
            "--quiet",
        ])
        .status
        .success()
    };
    for _ in 0..12 {
        let (mut first, mut second) = (build(&a), build(&b));
        assert!(first.wait().unwrap().success());
        assert!(second.wait().unwrap().success());
        assert!(
            usable_with(&a) != usable_with(&b),
            "the index and its sidecar come from different builds"
        );
    }
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 4, "temporary files left: {names:?}");
}

#[test]
fn an_interrupted_build_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v.kv");
    word_vectors(&v, 5000, 32, 0.0);
    let out = dir.path().join("big.ann");
    for (signal, status) in [("-INT", 130), ("-TERM", 143)] {
        let mut build = std::process::Command::new(env!("CARGO_BIN_EXE_w2v"))
            .args(["index", "build", "--vectors", s(&v), "--out", s(&out)])
            .args(["--trees", "100000", "--on-disk", "--quiet"])
            .spawn()
            .unwrap();
        let names = || -> Vec<String> {
            fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        };
        // Interrupt once the build writes its temporary file.
        let start = std::time::Instant::now();
        while !names().iter().any(|n| n.ends_with(".tmp")) {
            assert!(start.elapsed().as_secs() < 120, "no temporary file seen");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let killed = std::process::Command::new("kill")
            .args([signal, &build.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        assert_eq!(build.wait().unwrap().code(), Some(status), "{signal}");
        assert_eq!(names(), ["v.kv"], "after {signal}");
    }
}

#[test]
fn a_nan_similarity_prints_as_nan() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("nan.txt");
    fs::write(&v, "3 2\na 1 0\nb nan 1\nc 0 1\n").unwrap();
    let out = w2v(&["similar", "--vectors", s(&v), "a"]);
    succeeded(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, ["c\t0.000000", "b\tNaN"], "{stdout}");
}

#[test]
fn a_dash_writes_vectors_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fixtures("eval/vectors.bin");
    let file = dir.path().join("v.txt");
    succeeded(&w2v(&["convert", s(&bin), s(&file), "--quiet"]));
    let out = w2v(&["convert", s(&bin), "-", "--quiet"]);
    succeeded(&out);
    assert_eq!(out.stdout, fs::read(&file).unwrap());
    let out = w2v(&["convert", s(&bin), "-", "--to", "binary", "--quiet"]);
    succeeded(&out);
    assert_eq!(out.stdout, fs::read(&bin).unwrap());
    failed_with(
        &w2v(&["convert", s(&bin), "-", "--to", "native"]),
        &["native format", "files only"],
    );
    // Training: the vectors alone on standard output, the model saved.
    let model = dir.path().join("m.kv");
    let c = corpus(dir.path());
    let out = w2v(&[
        "train",
        "--corpus",
        s(&c),
        "--size",
        "4",
        "--epochs",
        "1",
        "--min-count",
        "1",
        "--out",
        s(&model),
        "--vectors",
        "-",
        "--quiet",
    ]);
    succeeded(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let header: Vec<usize> = text
        .lines()
        .next()
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(header[1], 4);
    assert_eq!(text.lines().count(), header[0] + 1);
    assert!(text
        .lines()
        .skip(1)
        .all(|line| line.split(' ').count() == 5));
    assert_eq!(
        vecstore::KeyedVectors::load(&model).unwrap().len(),
        header[0]
    );
}
