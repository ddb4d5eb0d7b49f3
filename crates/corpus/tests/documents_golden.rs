//! Documents read as gensim's `TaggedLineDocument` reads them
//! (`fixtures/doc2vec/documents.expected.json`, made by
//! `fixtures/doc2vec/make_doc2vec_fixtures.py`).

use corpus::{Document, Documents, Tag};
use test_support::fixture;

/// gensim's documents: `[[tags], [words]]` pairs.
fn expected() -> Vec<Document> {
    let text = std::fs::read_to_string(fixture("doc2vec/documents.expected.json")).unwrap();
    let pairs: Vec<(Vec<u64>, Vec<String>)> = serde_json::from_str(&text).unwrap();
    pairs
        .into_iter()
        .map(|(tags, words)| Document {
            tags: tags.into_iter().map(Tag::Int).collect(),
            words,
        })
        .collect()
}

#[test]
fn tagged_line_documents_are_gensims_plain_gzipped_and_split() {
    let want = expected();
    assert_eq!(want.len(), 308);
    for name in ["documents.txt", "documents.txt.gz"] {
        let documents = Documents::lines(fixture(format!("doc2vec/{name}")));
        let whole: Vec<Document> = documents.reader().unwrap().map(Result::unwrap).collect();
        assert_eq!(whole, want, "{name}");
        for n in [2, 3, 7, 64] {
            let split: Vec<Document> = documents
                .chunks(n)
                .unwrap()
                .into_iter()
                .flat_map(|reader| reader.map(Result::unwrap))
                .collect();
            assert_eq!(split, want, "{name} in {n} chunks");
        }
    }
}
