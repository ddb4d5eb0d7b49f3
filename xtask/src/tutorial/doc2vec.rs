//! The tutorial's Doc2Vec step (`--doc2vec`): the same indexer on document
//! vectors, as gensim's `AnnoyIndexer(model, num_trees)` accepts a Doc2Vec
//! model. Train on documents (the bundled Lee corpus of gensim's Doc2Vec
//! tutorial, offline), index the document vectors, query with the vector
//! inferred for an unseen document, time exact against approximate
//! queries, and run gensim's self-similarity check.

use std::path::PathBuf;
use std::time::Instant;

use corpus::Documents;
use embed::{Doc2Vec, Doc2VecParams, Inference, Params};
use knn::{AnnoyIndexer, ExactIndexer, Indexer, Similarity, Term};
use serde::Serialize;
use vecstore::KeyedVectors;

use crate::peer::workspace_root;

/// What the Doc2Vec step measured.
#[derive(Debug, Default, Serialize)]
pub struct Doc2VecReport {
    /// The documents file.
    pub documents: String,
    /// gensim's `str(model)`.
    pub summary: String,
    /// Document vectors.
    pub tags: u64,
    /// Training seconds.
    pub train_seconds: f64,
    /// Raw words per second.
    pub words_per_sec: f64,
    /// Trees of the index.
    pub num_trees: usize,
    /// Seconds to build it.
    pub build_seconds: f64,
    /// The unseen document queried (its first words).
    pub query: String,
    /// Its neighbours through the index: (tag, cosine).
    pub approximate: Vec<(String, f32)>,
    /// Its exact neighbours.
    pub exact: Vec<(String, f32)>,
    /// Queries timed (document vectors).
    pub queries: usize,
    /// Mean exact `most_similar` time, ms.
    pub exact_ms: f64,
    /// Mean approximate time, ms.
    pub approx_ms: f64,
    /// Mean recall@10 of the approximate answers.
    pub recall_at_10: f64,
    /// Training documents whose inferred vector finds their own vector
    /// nearest, of those checked.
    pub self_nearest: usize,
    /// Training documents checked.
    pub checked: usize,
    /// Seconds to infer their vectors (all cores).
    pub infer_seconds: f64,
}

/// Runs the step: `documents` (one per line) or the bundled Lee corpus.
pub fn run(
    documents: Option<&PathBuf>,
    quick: bool,
    seed: u64,
    threads: usize,
    say: &dyn Fn(String),
) -> anyhow::Result<Doc2VecReport> {
    let lee = workspace_root().join("fixtures/doc2vec");
    let (path, training) = match documents {
        Some(path) => (path.clone(), Doc2VecParams::default().training),
        // gensim's Doc2Vec tutorial: Doc2Vec(vector_size=50, min_count=2, epochs=40).
        None => (
            lee.join("lee_background.txt"),
            Params {
                vector_size: 50,
                min_count: 2,
                epochs: 40,
                ..Doc2VecParams::default().training
            },
        ),
    };
    let params = Doc2VecParams {
        training: Params {
            seed,
            workers: threads,
            ..training
        },
        ..Doc2VecParams::default()
    };
    let documents = Documents::lines(&path);
    let (model, trained) = Doc2Vec::new(&documents, params, &mut |_| {})?;
    say(format!(
        "   {model}: {} document vectors, trained in {:.2} s ({:.0} words/s)",
        model.tags().len(),
        trained.seconds,
        trained.words_per_sec
    ));
    let dv = model.dv()?;
    let trees = if quick { 20 } else { 100 };
    let start = Instant::now();
    let indexer = AnnoyIndexer::builder(&dv, trees)
        .seed(seed)
        .threads(threads)
        .build()?;
    let build_seconds = start.elapsed().as_secs_f64();

    // An unseen document: Lee's test set, or the corpus's first document.
    let unseen = match documents_words(&lee.join("lee_test.txt"), 1) {
        Ok(docs) if !docs.is_empty() && path.starts_with(&lee) => docs[0].clone(),
        _ => documents_words(&path, 1)?.concat(),
    };
    let vector = model.infer_vector(&unseen, &Inference::default())?;
    let approximate = dv.most_similar(&[Term::Vector(&vector)], &[], 5, None, Some(&indexer))?;
    let exact = dv.most_similar(&[Term::Vector(&vector)], &[], 5, None, None)?;
    let query = unseen.iter().take(8).cloned().collect::<Vec<_>>().join(" ");
    say(format!("   an unseen document, \"{query} ...\":"));
    for (a, e) in approximate.iter().zip(&exact) {
        say(format!(
            "   {:<10} {:.4}   {:<10} {:.4}",
            a.0, a.1, e.0, e.1
        ));
    }

    // Exact against approximate, every document vector as a query.
    let (exact_ms, approx_ms, recall_at_10) = time_queries(&dv, &indexer)?;
    say(format!(
        "   exact {exact_ms:.4} ms, Annoy ({trees} trees) {approx_ms:.4} ms per query, recall@10 {recall_at_10:.3}"
    ));

    // gensim's check: each training document's inferred vector should
    // find its own vector first.
    let checked_docs = documents_words(&path, if quick { 300 } else { 1000 })?;
    let start = Instant::now();
    let inferred = model.infer_vectors(&checked_docs, &Inference::default())?;
    let infer_seconds = start.elapsed().as_secs_f64();
    let exact_index = ExactIndexer::new(&dv);
    let mut self_nearest = 0;
    for (i, row) in inferred.rows().into_iter().enumerate() {
        let norm = row.dot(&row).sqrt().max(f32::MIN_POSITIVE);
        let unit = row.mapv(|x| x / norm);
        let best = exact_index.most_similar(unit.view(), 1)?;
        self_nearest += usize::from(best.first().map(|b| b.0) == Some(i));
    }
    say(format!(
        "   {self_nearest} of {} training documents find themselves nearest (gensim's tutorial: 292 of 300); inferred in {infer_seconds:.2} s",
        checked_docs.len()
    ));
    Ok(Doc2VecReport {
        documents: path.display().to_string(),
        summary: model.to_string(),
        tags: model.tags().len(),
        train_seconds: trained.seconds,
        words_per_sec: trained.words_per_sec,
        num_trees: trees,
        build_seconds,
        query,
        approximate,
        exact,
        queries: dv.len(),
        exact_ms,
        approx_ms,
        recall_at_10,
        self_nearest,
        checked: checked_docs.len(),
        infer_seconds,
    })
}

/// The words of the first `n` lines of `path`.
fn documents_words(path: &std::path::Path, n: usize) -> anyhow::Result<Vec<Vec<String>>> {
    Documents::lines(path)
        .reader()?
        .take(n)
        .map(|d| Ok(d?.words))
        .collect()
}

/// Mean ms per exact and per approximate `most_similar` (topn 10) over
/// every document vector, and the approximate answers' recall@10.
fn time_queries(dv: &KeyedVectors, indexer: &AnnoyIndexer) -> anyhow::Result<(f64, f64, f64)> {
    let vectors: Vec<Vec<f32>> = dv
        .vectors()
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();
    let time = |index: Option<&dyn Indexer>| -> anyhow::Result<(f64, Vec<Vec<String>>)> {
        let start = Instant::now();
        let answers = vectors
            .iter()
            .map(|v| {
                let found = dv.most_similar(&[Term::Vector(v)], &[], 10, None, index)?;
                Ok(found.into_iter().map(|(tag, _)| tag).collect())
            })
            .collect::<anyhow::Result<Vec<Vec<String>>>>()?;
        let ms = start.elapsed().as_secs_f64() * 1000.0 / vectors.len().max(1) as f64;
        Ok((ms, answers))
    };
    let (exact_ms, truth) = time(None)?;
    let (approx_ms, found) = time(Some(indexer))?;
    let hits: usize = truth
        .iter()
        .zip(&found)
        .map(|(t, f)| t.iter().filter(|tag| f.contains(tag)).count())
        .sum();
    let recall = hits as f64 / truth.iter().map(Vec::len).sum::<usize>().max(1) as f64;
    Ok((exact_ms, approx_ms, recall))
}

/// The report's Doc2Vec section (Markdown).
pub fn markdown(r: &Doc2VecReport) -> String {
    let mut md = format!(
        "## Doc2Vec: the same indexer on document vectors\n\n{} on {} ({} document vectors): trained in {:.2} s, {:.0} words/s.\n\n",
        r.summary, r.documents, r.tags, r.train_seconds, r.words_per_sec
    );
    md += &format!(
        "Neighbours of the vector inferred for an unseen document (\"{} ...\"):\n\n| Annoy, {} trees | cosine | exact | cosine |\n|---|---|---|---|\n",
        r.query, r.num_trees
    );
    for (a, e) in r.approximate.iter().zip(&r.exact) {
        md += &format!("| {} | {:.4} | {} | {:.4} |\n", a.0, a.1, e.0, e.1);
    }
    md += &format!(
        "\n{} queries (every document vector, topn 10): exact {:.4} ms, Annoy {:.4} ms per query, recall@10 {:.3}; index built in {:.2} s.\n\n",
        r.queries, r.exact_ms, r.approx_ms, r.recall_at_10, r.build_seconds
    );
    md += &format!(
        "gensim's Doc2Vec tutorial check: {} of {} training documents find their own vector nearest to their inferred vector (gensim: 292 of 300 on Lee), inferred in {:.2} s.\n\n",
        r.self_nearest, r.checked, r.infer_seconds
    );
    md
}
