//! `w2v similar --vectors PATH WORD...`.

use std::path::PathBuf;

use anyhow::Context;
use knn::{AnnoyIndexer, HnswIndexer, Indexer, Similarity, Term};
use vecstore::KeyedVectors;

/// Arguments of `w2v similar`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Vectors in any supported format.
    #[arg(long)]
    vectors: PathBuf,
    /// Positive words (their mean direction is the query).
    #[arg(required = true)]
    words: Vec<String>,
    /// Negative words (subtracted, as in king - man + woman).
    #[arg(long, num_args = 1..)]
    negative: Vec<String>,
    /// How many neighbours.
    #[arg(short = 'n', long, default_value_t = 10, value_parser = super::at_least_one)]
    topn: usize,
    /// Answer through this index instead of exact search: Annoy (made by
    /// `w2v index build` or gensim's AnnoyIndexer) or HNSW (`--kind hnsw`),
    /// told apart by its sidecar.
    #[arg(long, value_name = "FILE.ann")]
    index: Option<PathBuf>,
    /// Beam width of an HNSW index's search [default: 50].
    #[arg(long, requires = "index", value_parser = super::at_least_one)]
    ef: Option<usize>,
    /// Candidates gathered per query with --index [default: n * trees].
    #[arg(long, requires = "index", value_parser = super::at_least_one)]
    search_k: Option<usize>,
    /// Search only the first N words.
    #[arg(long, value_name = "N")]
    restrict_vocab: Option<usize>,
    /// Print `{"neighbors":[{"word":..,"similarity":..}]}`.
    #[arg(long)]
    json: bool,
}

/// Runs `w2v similar`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let kv = KeyedVectors::load(&args.vectors)?;
    let indexer: Option<Box<dyn Indexer>> = match &args.index {
        Some(path) => {
            let context = || {
                format!(
                    "cannot use {} with {}",
                    path.display(),
                    args.vectors.display()
                )
            };
            if HnswIndexer::has_hnsw_sidecar(path) {
                let mut indexer = HnswIndexer::load(path, &kv).with_context(context)?;
                if let Some(ef) = args.ef {
                    indexer.set_ef(ef)?;
                }
                Some(Box::new(indexer))
            } else {
                let mut indexer = AnnoyIndexer::load(path, &kv).with_context(context)?;
                indexer.set_search_k(args.search_k);
                Some(Box::new(indexer))
            }
        }
        None => None,
    };
    let positive: Vec<Term<'_>> = args.words.iter().map(|w| Term::Word(w)).collect();
    let negative: Vec<Term<'_>> = args.negative.iter().map(|w| Term::Word(w)).collect();
    let indexer_ref = indexer.as_deref();
    let neighbors = kv.most_similar(
        &positive,
        &negative,
        args.topn,
        args.restrict_vocab,
        indexer_ref,
    )?;
    if args.json {
        let list: Vec<_> = neighbors
            .iter()
            .map(|(word, similarity)| serde_json::json!({"word": word, "similarity": similarity}))
            .collect();
        println!("{}", serde_json::json!({ "neighbors": list }));
    } else {
        for (word, similarity) in neighbors {
            println!("{}\t{similarity:.6}", super::printable(&word));
        }
    }
    Ok(())
}
