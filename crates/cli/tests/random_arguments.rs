//! The argument surface under random use: every command, run on tiny real
//! inputs with random combinations of its options and hostile values
//! (0, -1, 2^64 - 1, 1e30, NaN, empty, words), must end with exit status
//! 0, 1 (an error) or 2 (a usage error): never a panic, an abort, a signal
//! or a hang; and a success always leaves output.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// Values each option is tried with.
const VALUES: [&str; 12] = [
    "0",
    "1",
    "3",
    "-1",
    "0.5",
    "18446744073709551615",
    "4294967296",
    "1e30",
    "NaN",
    "",
    "abc",
    "w1",
];

/// One command: its fixed arguments, the options it takes, and the file it
/// writes (`None`: it prints its result).
struct Template {
    args: Vec<String>,
    options: &'static [&'static str],
    flags: &'static [&'static str],
    output: Option<PathBuf>,
}

/// The tiny inputs, made once per test process.
struct Inputs {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    corpus: PathBuf,
    vectors: PathBuf,
    index: PathBuf,
    pairs: PathBuf,
    questions: PathBuf,
    documents: PathBuf,
    doc2vec: PathBuf,
}

fn inputs() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let text = std::fs::read_to_string(common::fixtures("corpus/dev100k.txt")).unwrap();
        let words: Vec<&str> = text.split_whitespace().take(3000).collect();
        let corpus = path.join("corpus.txt");
        std::fs::write(&corpus, words.join(" ")).unwrap();
        let vectors = path.join("v.txt");
        common::word_vectors(&vectors, 40, 4, 0.0);
        let index = path.join("v.ann");
        common::succeeded(&common::w2v(&[
            "index",
            "build",
            "--vectors",
            s(&vectors),
            "--out",
            s(&index),
            "--trees",
            "3",
            "--quiet",
        ]));
        let pairs = path.join("pairs.tsv");
        std::fs::write(&pairs, "w1\tw2\t3.5\nw3\tw4\t1.0\nw5\tw6\t9\n").unwrap();
        let questions = path.join("questions.txt");
        std::fs::write(&questions, ": family\nw1 w2 w3 w4\nw5 w6 w7 w8\n").unwrap();
        let documents = path.join("documents.txt");
        let lines: Vec<String> = words.chunks(30).map(|c| c.join(" ")).collect();
        std::fs::write(&documents, lines.join("\n")).unwrap();
        let doc2vec = path.join("model.d2v");
        common::succeeded(&common::w2v(&[
            "doc2vec",
            "train",
            "--corpus",
            s(&documents),
            "--out",
            s(&doc2vec),
            "--size",
            "8",
            "--epochs",
            "2",
            "--min-count",
            "1",
            "--quiet",
        ]));
        Inputs {
            _dir: dir,
            dir: path,
            corpus,
            vectors,
            index,
            pairs,
            questions,
            documents,
            doc2vec,
        }
    })
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// The template of command number `which`, writing under `out` (a fresh
/// name per case).
fn template(which: usize, out: &Path) -> Template {
    let i = inputs();
    let (corpus, vectors, index) = (s(&i.corpus), s(&i.vectors), s(&i.index));
    let out_str = s(out);
    match which {
        0 => Template {
            args: strings(&[
                "train", "--corpus", corpus, "--out", out_str, "--epochs", "1",
            ]),
            options: &[
                "--size",
                "--window",
                "--epochs",
                "--min-count",
                "--sample",
                "--alpha",
                "--min-alpha",
                "--negative",
                "--threads",
                "--seed",
            ],
            flags: &["--sg", "--hs", "--cbow"],
            output: Some(out.to_path_buf()),
        },
        1 => Template {
            args: strings(&["vocab", "--corpus", corpus]),
            options: &[
                "--min-count",
                "--max-vocab-size",
                "--max-final-vocab",
                "--threads",
                "--top",
            ],
            flags: &["--json"],
            output: None,
        },
        2 => Template {
            args: strings(&["similar", "--vectors", vectors, "w1"]),
            options: &["-n", "--restrict-vocab", "--search-k", "--negative"],
            flags: &["--json"],
            output: None,
        },
        3 => Template {
            args: strings(&["similar", "--vectors", vectors, "--index", index, "w1"]),
            options: &["-n", "--restrict-vocab", "--search-k"],
            flags: &["--json"],
            output: None,
        },
        4 => Template {
            args: strings(&[
                "index",
                "build",
                "--vectors",
                vectors,
                "--out",
                out_str,
                "--trees",
                "2",
            ]),
            options: &["--trees", "--threads", "--seed", "--metric"],
            flags: &["--on-disk"],
            output: Some(out.to_path_buf()),
        },
        5 => Template {
            args: strings(&["index", "query", "--index", index, "--word", "w1"]),
            options: &[
                "-n",
                "--search-k",
                "--dim",
                "--metric",
                "--item",
                "--vector",
            ],
            flags: &["--json"],
            output: None,
        },
        6 => Template {
            args: strings(&["index", "eval", "--index", index, "--vectors", vectors]),
            options: &["--queries", "--search-k", "-n", "--seed", "--metric"],
            flags: &["--json"],
            output: None,
        },
        7 => Template {
            args: strings(&[
                "eval",
                "pairs",
                "--vectors",
                vectors,
                "--pairs",
                s(&i.pairs),
            ]),
            options: &["--restrict-vocab"],
            flags: &["--json", "--case-sensitive"],
            output: None,
        },
        8 => Template {
            args: strings(&[
                "eval",
                "analogies",
                "--vectors",
                vectors,
                "--questions",
                s(&i.questions),
            ]),
            options: &["--restrict-vocab"],
            flags: &["--json", "--case-sensitive"],
            output: None,
        },
        9 => Template {
            args: strings(&["convert", vectors, out_str]),
            options: &["--limit", "--to", "--from", "--layout"],
            flags: &["--lossy"],
            output: Some(out.to_path_buf()),
        },
        10 => Template {
            args: strings(&[
                "doc2vec",
                "train",
                "--corpus",
                s(&i.documents),
                "--out",
                out_str,
                "--epochs",
                "1",
            ]),
            options: &[
                "--size",
                "--window",
                "--epochs",
                "--min-count",
                "--max-vocab-size",
                "--sample",
                "--alpha",
                "--min-alpha",
                "--negative",
                "--threads",
                "--seed",
            ],
            flags: &["--dbow", "--dbow-words", "--hs", "--dm-concat", "--tagged"],
            output: Some(out.to_path_buf()),
        },
        11 => Template {
            args: strings(&[
                "doc2vec",
                "infer",
                "--model",
                s(&i.doc2vec),
                "--text",
                "the of and w1",
            ]),
            options: &["--epochs", "--alpha", "--min-alpha", "--seed", "--text"],
            flags: &["--json"],
            output: None,
        },
        _ => Template {
            args: strings(&["info", vectors]),
            options: &[],
            flags: &["--json"],
            output: None,
        },
    }
}

const COMMANDS: usize = 13;

/// Runs `w2v` with `args`, killing it after a minute; returns (status code
/// or None if killed by a signal, stdout, stderr).
fn run(args: &[String]) -> (Option<i32>, Vec<u8>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_w2v"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "w2v {args:?} still running after 60 s; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    // The first lines say what went wrong; a backtrace adds nothing here.
    let stderr: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .take(3)
        .map(str::to_owned)
        .collect();
    (out.status.code(), out.stdout, stderr.join("\n"))
}

/// 160 cases, or `PROPTEST_CASES` for a longer hunt.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(160)
}

fn case_number() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_options_end_in_a_result_or_an_error(
        which in 0..COMMANDS,
        picks in proptest::collection::vec((0usize..16, 0..VALUES.len()), 0..4),
        flag_bits in 0u8..32,
    ) {
        let out = inputs().dir.join(format!("out{}.bin", case_number()));
        let out = out.with_extension(["txt", "kv", "ann", "bin"][which % 4]);
        let template = template(which, &out);
        let mut args = template.args.clone();
        for (option, value) in picks {
            if template.options.is_empty() {
                break;
            }
            args.push(template.options[option % template.options.len()].to_string());
            args.push(VALUES[value].to_string());
        }
        for (bit, flag) in template.flags.iter().enumerate() {
            if flag_bits & (1 << bit) != 0 {
                args.push(flag.to_string());
            }
        }
        args.push("--quiet".into());
        let (code, stdout, stderr) = run(&args);
        if std::env::var_os("W2V_ARGS_LOG").is_some() {
            eprintln!("{code:?} {args:?}");
        }
        prop_assert!(
            matches!(code, Some(0..=2)),
            "w2v {:?} ended with {:?}: {}", args, code, stderr
        );
        prop_assert!(!stderr.contains("panicked"), "w2v {:?} panicked: {}", args, stderr);
        if code == Some(0) {
            let wrote = match &template.output {
                Some(path) => std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false),
                None => !stdout.is_empty(),
            };
            prop_assert!(wrote, "w2v {:?} succeeded with no output; stderr: {}", args, stderr);
        }
    }
}
