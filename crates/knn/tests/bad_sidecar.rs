//! A `.dict` sidecar is a Python pickle, and unpickling runs code: the
//! reader accepts only the opcodes of a dict of ints, strings and a list of
//! strings, and refuses everything else (globals, calls, object builds,
//! persistent ids, extensions) before the index is opened. Nothing in the
//! file is ever executed.

use knn::sidecar::{self, Sidecar};
use knn::{AnnoyIndexer, Error};
use vecstore::KeyedVectors;

fn saved_index() -> (tempfile::TempDir, std::path::PathBuf, KeyedVectors) {
    let mut kv = KeyedVectors::new(3);
    for (i, word) in ["cat", "dog", "cow", "owl"].iter().enumerate() {
        let x = i as f32;
        kv.push(*word, &[x.sin(), x.cos(), 1.0]).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.ann");
    AnnoyIndexer::new(&kv, 2).unwrap().save(&path).unwrap();
    (dir, path, kv)
}

#[test]
fn pickles_that_would_run_code_are_refused_and_never_run() {
    let (dir, path, kv) = saved_index();
    let marker = dir.path().join("pwned");
    let command = format!("touch {}", marker.display());
    // GLOBAL os.system, the command, TUPLE1, REDUCE: `os.system(command)`.
    let mut evil = b"\x80\x02cos\nsystem\nX".to_vec();
    evil.extend_from_slice(&(command.len() as u32).to_le_bytes());
    evil.extend_from_slice(command.as_bytes());
    evil.extend_from_slice(b"\x85R.");
    std::fs::write(Sidecar::path_for(&path), &evil).unwrap();
    let error = AnnoyIndexer::load(&path, &kv).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Sidecar(sidecar::Error::Pickle { offset: 2, .. })
        ),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("index.ann.dict: pickle byte 2"),
        "{message}"
    );
    assert!(message.contains("refused"), "{message}");
    assert!(!marker.exists(), "the pickle was executed");
}

#[test]
fn every_opcode_outside_the_subset_is_refused() {
    let (_dir, path, kv) = saved_index();
    // Opcodes of pickle protocols 0 to 5 that a sidecar dict never uses.
    let foreign = [
        (b'c', "GLOBAL"),
        (0x93, "STACK_GLOBAL"),
        (b'R', "REDUCE"),
        (b'i', "INST"),
        (b'o', "OBJ"),
        (0x81, "NEWOBJ"),
        (0x92, "NEWOBJ_EX"),
        (b'b', "BUILD"),
        (b'P', "PERSID"),
        (b'Q', "BINPERSID"),
        (0x82, "EXT1"),
        (0x83, "EXT2"),
        (0x84, "EXT4"),
        (b'F', "FLOAT"),
        (b'G', "BINFLOAT"),
        (b't', "TUPLE"),
        (0x85, "TUPLE1"),
        (b'V', "UNICODE"),
        (b'S', "STRING"),
        (b'B', "BINBYTES"),
        (0x8f, "EMPTY_SET"),
        (0x96, "BYTEARRAY8"),
        (0x97, "NEXT_BUFFER"),
        (0x98, "READONLY_BUFFER"),
        (0x88, "NEWTRUE"),
        (b'N', "NONE"),
    ];
    for (opcode, name) in foreign {
        // Right after the protocol header, and inside the dict.
        for pickle in [
            vec![0x80, 2, opcode, b'.'],
            vec![0x80, 2, b'}', b'(', opcode, b'u', b'.'],
        ] {
            std::fs::write(Sidecar::path_for(&path), &pickle).unwrap();
            let error = AnnoyIndexer::load(&path, &kv).unwrap_err();
            assert!(
                matches!(&error, Error::Sidecar(sidecar::Error::Pickle { .. })),
                "{name}: {error}"
            );
        }
    }
}
