//! The text8 download path against a local HTTP server on 127.0.0.1 (no test
//! touches the internet): caching, truncated bodies and resume, corrupt
//! archives, and no network at all.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use corpus::text8::{fetch, Source};
use corpus::Error;
use test_support::fixture;

/// Unpacked size and SHA-256 of the `text8` entry of `text8_small.zip`
/// (see `fixtures/corpus/README.md`).
const SMALL_SIZE: u64 = 114_375;
const SMALL_SHA256: &str = "60b824e73efb389d8f2c839d079e4abb95776f468cdbf67688d9a36448f9afea";

/// What the server sends for one request.
enum Reply {
    /// 200 with the whole body.
    Full,
    /// 200 announcing the whole body, but closing after this many bytes.
    Truncated(usize),
    /// 206 from the requested offset if the request has a Range, else 200.
    Ranged,
}

/// A one-file HTTP/1.1 server; records the `Range` start of each request.
struct Server {
    url: String,
    ranges: Arc<Mutex<Vec<Option<u64>>>>,
}

impl Server {
    fn start(body: Vec<u8>, reply: impl Fn(usize) -> Reply + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/text8.zip", listener.local_addr().unwrap());
        let ranges = Arc::new(Mutex::new(Vec::new()));
        let seen = ranges.clone();
        std::thread::spawn(move || {
            for (index, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { return };
                let range = read_request(&stream);
                seen.lock().unwrap().push(range);
                respond(stream, &body, reply(index), range);
            }
        });
        Server { url, ranges }
    }

    fn ranges(&self) -> Vec<Option<u64>> {
        self.ranges.lock().unwrap().clone()
    }
}

fn read_request(stream: &TcpStream) -> Option<u64> {
    let mut reader = BufReader::new(stream);
    let mut range = None;
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
            range = value.trim().trim_end_matches('-').parse().ok();
        }
        line.clear();
    }
    range
}

fn respond(mut stream: TcpStream, body: &[u8], reply: Reply, range: Option<u64>) {
    let len = body.len();
    let (head, bytes) = match (reply, range) {
        (Reply::Ranged, Some(start)) => {
            let start = start as usize;
            let head = format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{}/{len}\r\nContent-Length: {}\r\n",
                len - 1,
                len - start
            );
            (head, &body[start..])
        }
        (Reply::Truncated(cut), _) => (
            format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n"),
            &body[..cut],
        ),
        _ => (
            format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n"),
            body,
        ),
    };
    let _ = stream.write_all(format!("{head}Connection: close\r\n\r\n").as_bytes());
    let _ = stream.write_all(bytes);
}

fn small_source(url: &str) -> Source {
    Source {
        url: url.to_string(),
        name: "text8".into(),
        size: SMALL_SIZE,
    }
}

fn small_zip() -> Vec<u8> {
    std::fs::read(fixture("corpus/text8_small.zip")).unwrap()
}

/// A URL nobody listens on.
fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/text8.zip", listener.local_addr().unwrap());
    drop(listener);
    url
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn first_words(n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(fixture("corpus/dev100k.txt")).unwrap();
    text.split_whitespace().take(n).map(str::to_owned).collect()
}

#[test]
fn downloads_unpacks_verifies_and_then_uses_the_cache() {
    let server = Server::start(small_zip(), |_| Reply::Full);
    let cache = tempfile::tempdir().unwrap();
    let mut events = Vec::new();
    let path = fetch(&small_source(&server.url), cache.path(), &mut |p| {
        events.push(p)
    })
    .unwrap();
    assert_eq!(path, cache.path().join("text8"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>(),
        first_words(20_000)
    );
    let recorded = std::fs::read_to_string(cache.path().join("text8.sha256")).unwrap();
    assert_eq!(recorded.trim(), SMALL_SHA256);
    assert!(events
        .iter()
        .any(|e| matches!(e, corpus::text8::Progress::Download { .. })));
    assert_eq!(
        names_in(cache.path()),
        ["text8", "text8.sha256", "text8.zip"]
    );

    // Second run: no network needed, the cache is checked and used.
    let again = fetch(&small_source(&dead_url()), cache.path(), &mut |_| {}).unwrap();
    assert_eq!(again, path);
    assert_eq!(server.ranges().len(), 1);
}

#[test]
fn a_truncated_download_leaves_no_final_file_and_resumes_with_range() {
    let zip = small_zip();
    let half = zip.len() / 2;
    let server = Server::start(zip, move |i| {
        if i == 0 {
            Reply::Truncated(half)
        } else {
            Reply::Ranged
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let source = small_source(&server.url);

    let err = fetch(&source, cache.path(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err}");
    assert!(err.to_string().contains("run again to resume"), "{err}");
    assert_eq!(names_in(cache.path()), ["text8.zip.part"]);

    let path = fetch(&source, cache.path(), &mut |_| {}).unwrap();
    assert_eq!(server.ranges(), [None, Some(half as u64)]);
    assert_eq!(std::fs::metadata(path).unwrap().len(), SMALL_SIZE);
}

#[test]
fn a_server_that_ignores_range_restarts_the_download_cleanly() {
    let zip = small_zip();
    let half = zip.len() / 2;
    let server = Server::start(zip, move |i| {
        if i == 0 {
            Reply::Truncated(half)
        } else {
            Reply::Full
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let source = small_source(&server.url);
    assert!(fetch(&source, cache.path(), &mut |_| {}).is_err());
    let path = fetch(&source, cache.path(), &mut |_| {}).unwrap();
    assert_eq!(corpus::text8::sha256_of(&path).unwrap(), SMALL_SHA256);
}

/// The archive with the entry's CRC-32 changed in the central directory.
fn zip_with_wrong_crc() -> Vec<u8> {
    let mut zip = small_zip();
    let central = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    zip[central + 16] ^= 0xff;
    zip
}

#[test]
fn a_wrong_checksum_is_refused_and_the_archive_discarded() {
    let server = Server::start(zip_with_wrong_crc(), |_| Reply::Full);
    let cache = tempfile::tempdir().unwrap();
    let err = fetch(&small_source(&server.url), cache.path(), &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, Error::Corrupt { what: "CRC-32", .. }),
        "{err}"
    );
    assert!(
        names_in(cache.path()).is_empty(),
        "left: {:?}",
        names_in(cache.path())
    );
}

#[test]
fn a_wrong_size_is_refused() {
    let server = Server::start(small_zip(), |_| Reply::Full);
    let cache = tempfile::tempdir().unwrap();
    let source = Source {
        size: 100_000_000,
        ..small_source(&server.url)
    };
    let err = fetch(&source, cache.path(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::Corrupt { what: "size", .. }), "{err}");
    assert!(!cache.path().join("text8").exists());
}

#[test]
fn a_damaged_cache_is_rebuilt_from_the_archive() {
    let server = Server::start(small_zip(), |_| Reply::Full);
    let cache = tempfile::tempdir().unwrap();
    let path = fetch(&small_source(&server.url), cache.path(), &mut |_| {}).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let again = fetch(&small_source(&dead_url()), cache.path(), &mut |_| {}).unwrap();
    assert_eq!(corpus::text8::sha256_of(&again).unwrap(), SMALL_SHA256);
}

#[test]
fn a_zip_put_in_the_cache_by_hand_is_used_without_network() {
    let cache = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("corpus/text8_small.zip"),
        cache.path().join("text8.zip"),
    )
    .unwrap();
    let path = fetch(&small_source(&dead_url()), cache.path(), &mut |_| {}).unwrap();
    assert_eq!(corpus::text8::sha256_of(&path).unwrap(), SMALL_SHA256);
}

#[test]
fn no_network_says_how_to_supply_the_corpus() {
    let cache = tempfile::tempdir().unwrap();
    let err = fetch(&small_source(&dead_url()), cache.path(), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot download") && err.contains("--corpus") && err.contains("text8.zip"),
        "{err}"
    );
    assert!(names_in(cache.path()).is_empty());
}
