//! End-to-end tests of `w2v vocab` and `w2v download` (against a local
//! server on 127.0.0.1; nothing touches the internet).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use common::w2v;
use test_support::fixture;

#[test]
fn vocab_json_matches_gensim_figures() {
    let corpus = fixture("corpus/dev100k.txt");
    let out = w2v(&[
        "vocab",
        "--corpus",
        corpus.to_str().unwrap(),
        "--json",
        "--top",
        "3",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Figures from gensim 4.4 (fixtures/corpus/vocab_text8_min5.tsv).
    assert_eq!(json["vocab_size"], 2691);
    assert_eq!(json["total_words"], 100000);
    assert_eq!(json["retained_words"], 85404);
    assert_eq!(
        json["top"],
        serde_json::json!([{"word":"the","count":5548},{"word":"a","count":3258},{"word":"of","count":3029}])
    );
}

#[test]
fn vocab_of_a_missing_corpus_fails_with_its_path() {
    let out = w2v(&["vocab", "--corpus", "/nonexistent/corpus.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: cannot open /nonexistent/corpus.txt"),
        "{err}"
    );
}

#[test]
fn download_from_a_mirror_checks_the_real_text8_size() {
    let zip = std::fs::read(fixture("corpus/text8_small.zip")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/text8.zip", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                zip.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&zip).unwrap();
        }
    });
    let cache = tempfile::tempdir().unwrap();
    // The real text8 must be 100,000,000 bytes: the small fixture is refused as corrupt.
    let out = w2v(&[
        "download",
        "text8",
        "--quiet",
        "--url",
        &url,
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("size mismatch: expected 100000000, found 114375"),
        "{err}"
    );
    assert!(!cache.path().join("text8").exists());
}

#[test]
fn download_without_network_explains_what_to_do() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/text8.zip", listener.local_addr().unwrap());
    drop(listener);
    let cache = tempfile::tempdir().unwrap();
    let out = w2v(&[
        "download",
        "text8",
        "--url",
        &url,
        "--cache-dir",
        cache.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--corpus PATH") && err.contains("text8.zip"),
        "{err}"
    );
}
