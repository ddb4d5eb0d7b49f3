//! End-to-end tests of `w2v convert` and `w2v info` on the gensim fixtures.

mod common;

use std::path::Path;

use common::w2v;
use test_support::fixture;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn convert_chain_reproduces_gensim_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let native = dir.path().join("v.kv");
    let text_out = dir.path().join("v.txt");
    let bin_out = dir.path().join("v.bin");
    let c_out = dir.path().join("v_c.bin");
    let src = fixture("gensim/small.txt");
    for (from, to, extra) in [
        (src.as_path(), native.as_path(), None),
        (native.as_path(), text_out.as_path(), None),
        (text_out.as_path(), bin_out.as_path(), None),
        (bin_out.as_path(), c_out.as_path(), Some("--layout=c")),
    ] {
        let mut args = vec!["convert", from.to_str().unwrap(), to.to_str().unwrap()];
        args.extend(extra);
        let out = w2v(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
    let same = |ours: &Path, theirs: &str| {
        std::fs::read(ours).unwrap() == std::fs::read(fixture(format!("gensim/{theirs}"))).unwrap()
    };
    assert!(same(&text_out, "small.txt"));
    assert!(same(&bin_out, "small.bin"));
    assert!(same(&c_out, "small_c.bin"));
}

#[test]
fn convert_honours_limit_and_explicit_formats() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("first3.data");
    let status = w2v(&[
        "convert",
        fixture("gensim/small.bin").to_str().unwrap(),
        out.to_str().unwrap(),
        "--to",
        "text",
        "--limit",
        "3",
    ]);
    assert!(status.status.success(), "{}", text(&status.stderr));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.starts_with("3 7\n</s> "), "{written}");
    assert_eq!(written.lines().count(), 4);
}

#[test]
fn info_prints_json_for_every_format() {
    for (name, format) in [
        ("small.txt", "text"),
        ("small.bin", "binary"),
        ("small_c.bin", "binary"),
    ] {
        let out = w2v(&[
            "info",
            "--json",
            fixture(format!("gensim/{name}")).to_str().unwrap(),
        ]);
        assert!(out.status.success());
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"vocab_size": 40, "dim": 7, "format": format,
                "header_rows": 40, "duplicates_skipped": 0, "non_finite_values": 0})
        );
    }
}

#[test]
fn info_counts_the_words_other_commands_see() {
    let dir = tempfile::tempdir().unwrap();
    let dup = dir.path().join("dup.txt");
    std::fs::write(&dup, "3 2\na 1 0\nb 0 1\na 1 1\n").unwrap();
    let out = w2v(&["info", "--json", dup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["vocab_size"], 2);
    assert_eq!(json["header_rows"], 3);
    assert_eq!(json["duplicates_skipped"], 1);
    // A file the readers refuse past its header is refused by info too.
    let short = dir.path().join("short.txt");
    std::fs::write(&short, "2 2\na 1 0\nb 0\n").unwrap();
    let out = w2v(&["info", short.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("line 3"),
        "{}",
        text(&out.stderr)
    );
    // An Annoy index is named as one.
    let ann = fixture("annoy/angular.ann");
    let out = w2v(&["info", ann.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Annoy index"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_input_exits_1_with_the_cause_and_usage_errors_exit_2() {
    let out = w2v(&["info", fixture("gensim/README.md").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("README.md") && err.contains("line 1"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = w2v(&[
        "convert",
        fixture("gensim/invalid_utf8.bin").to_str().unwrap(),
        dir.path().join("x.txt").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("UTF-8"));
    assert!(text(&out.stderr).contains("--lossy"));
    assert!(!dir.path().join("x.txt").exists());

    let out = w2v(&[
        "convert",
        "--lossy",
        fixture("gensim/invalid_utf8.bin").to_str().unwrap(),
        dir.path().join("x.txt").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("replaced in 2 words"));

    assert_eq!(w2v(&["convert", "only-one-arg"]).status.code(), Some(2));
    assert_eq!(w2v(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn info_refuses_a_header_claiming_more_rows_than_the_file_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    std::fs::write(&path, "1000000000000 100\nw 1 2\n").unwrap();
    for command in ["info", "convert"] {
        let mut args = vec![command, path.to_str().unwrap()];
        let out_path = dir.path().join("out.kv");
        if command == "convert" {
            args.push(out_path.to_str().unwrap());
        }
        let out = w2v(&args);
        assert_eq!(out.status.code(), Some(1), "{command}");
        let err = text(&out.stderr);
        assert!(
            err.contains("huge.txt") && err.contains("header announces 1000000000000 rows"),
            "{command}: {err}"
        );
        assert!(!out_path.exists());
    }
}
