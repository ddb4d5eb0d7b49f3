//! `w2v vocab --corpus PATH`.

use std::path::PathBuf;
use std::time::Instant;

use corpus::{Vocab, VocabOptions};

use super::CorpusFormat;
use crate::progress::Ui;

/// Arguments of `w2v vocab`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus file (plain, .gz, or a .zip with one text entry).
    #[arg(long)]
    corpus: PathBuf,
    /// How the corpus delimits sentences.
    #[arg(long, value_enum, default_value_t)]
    format: CorpusFormat,
    /// Keep words seen at least this many times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Prune rare words while counting, as gensim's max_vocab_size.
    #[arg(long, value_name = "N")]
    max_vocab_size: Option<usize>,
    /// Raise min-count so that at most about N words are kept.
    #[arg(long, value_name = "N")]
    max_final_vocab: Option<usize>,
    /// Parallel readers [default: one per core].
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// How many of the most frequent words to print.
    #[arg(long, default_value_t = 10, value_parser = super::at_least_one)]
    top: usize,
    /// Print `{"vocab_size":..,"total_words":..,"retained_words":..,"top":[{"word":..,"count":..}]}`.
    #[arg(long)]
    json: bool,
}

/// Runs `w2v vocab`.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<()> {
    let corpus = args.format.open(&args.corpus);
    let options = VocabOptions {
        min_count: args.min_count,
        max_vocab_size: args.max_vocab_size,
        max_final_vocab: args.max_final_vocab,
        threads: args.threads,
    };
    let spinner = ui.spinner(format!("counting {}", args.corpus.display()));
    let start = Instant::now();
    let vocab = Vocab::build_with(&corpus, &options)?;
    let seconds = start.elapsed().as_secs_f64();
    spinner.finish_and_clear();
    let stats = vocab.stats();
    if stats.replaced_words > 0 {
        ui.warn(format_args!(
            "invalid UTF-8 replaced in {} words",
            stats.replaced_words
        ));
    }
    if stats.truncated_words > 0 {
        ui.warn(format_args!(
            "{} words cut at {} bytes",
            stats.truncated_words,
            corpus::MAX_WORD_BYTES
        ));
    }
    let top = vocab.words().iter().zip(vocab.counts()).take(args.top);
    if args.json {
        let top: Vec<_> = top
            .map(|(word, count)| serde_json::json!({"word": word, "count": count}))
            .collect();
        let json = serde_json::json!({
            "vocab_size": vocab.len(),
            "total_words": stats.raw_words,
            "retained_words": stats.retained_words,
            "unique_words": stats.unique_words,
            "sentences": stats.sentences,
            "effective_min_count": stats.effective_min_count,
            "top": top,
        });
        println!("{json}");
    } else {
        let percent = |part: f64, whole: f64| {
            if whole > 0.0 {
                100.0 * part / whole
            } else {
                0.0
            }
        };
        println!(
            "{} words in {} sentences, {} distinct; min_count={} keeps {} distinct words ({:.2}%) and {} words ({:.2}%)",
            stats.raw_words,
            stats.sentences,
            stats.unique_words,
            stats.effective_min_count,
            vocab.len(),
            percent(vocab.len() as f64, stats.unique_words as f64),
            stats.retained_words,
            percent(stats.retained_words as f64, stats.raw_words as f64),
        );
        for (word, count) in top {
            println!("{count:>12} {}", super::printable(word));
        }
        ui.note(format_args!("counted in {seconds:.3} s"));
    }
    Ok(())
}
