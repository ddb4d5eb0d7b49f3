//! The `.ann.dict` sidecar against Python's pickles (`fixtures/annoy`, made
//! by `make_fixtures.py sidecars`): gensim 4.4's own `AnnoyIndexer.save`
//! output and `pickle.dump` of one dict with protocols 2, 4 and 5 read back
//! as that dict; our writer gives Python's protocol-2 bytes exactly.

use knn::sidecar::Sidecar;
use serde_json::Value;
use test_support::fixture;

fn expected(key: &str) -> Sidecar {
    let json: Value =
        serde_json::from_slice(&std::fs::read(fixture("annoy/sidecar_expected.json")).unwrap())
            .unwrap();
    let d = &json[key];
    Sidecar {
        f: d["f"].as_u64().unwrap() as usize,
        num_trees: d["num_trees"].as_u64().unwrap() as usize,
        labels: d["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect(),
        metric: d["metric"].as_str().map(str::to_string),
    }
}

#[test]
fn pythons_pickles_of_every_protocol_read_as_the_dict() {
    let want = expected("dict");
    for protocol in [2, 4, 5] {
        let got = Sidecar::read(&fixture(format!("annoy/sidecar_p{protocol}.dict"))).unwrap();
        assert_eq!(got, want, "protocol {protocol}");
    }
}

#[test]
fn gensims_own_sidecar_reads() {
    let path = Sidecar::path_for(&fixture("annoy/gensim_indexer.ann"));
    assert_eq!(Sidecar::read(&path).unwrap(), expected("gensim_indexer"));
}

#[test]
fn our_pickle_is_pythons_protocol_2_pickle() {
    let ours = expected("dict").to_pickle();
    let pythons = std::fs::read(fixture("annoy/sidecar_p2.dict")).unwrap();
    assert!(
        ours == pythons,
        "the pickles differ ({} vs {} bytes)",
        ours.len(),
        pythons.len()
    );
}

#[test]
fn writes_are_atomic_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.ann.dict");
    std::fs::write(&path, b"old").unwrap();
    let sidecar = expected("gensim_indexer");
    sidecar.write(&path).unwrap();
    assert_eq!(Sidecar::read(&path).unwrap(), sidecar);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
