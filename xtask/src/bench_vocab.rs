//! `cargo xtask bench-vocab`: counting a corpus's vocabulary, `w2v vocab`'s
//! library call against gensim's `build_vocab`, alternated on the same file.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use corpus::{Corpus, Vocab, VocabOptions};

use crate::peer::{median, run_json, workspace_root};

/// Arguments of `cargo xtask bench-vocab`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Corpus files (text8 form) to count.
    #[arg(required = true)]
    corpora: Vec<PathBuf>,
    /// Alternated rounds per corpus.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Keep words seen at least this many times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// A Python interpreter with gensim installed.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
}

/// Runs the comparison.
pub fn run(args: Args) -> anyhow::Result<()> {
    let script = workspace_root().join("benches/gensim_vocab.py");
    println!("| corpus | words | ours, median s | gensim, median s | gensim / ours | rounds (ours; gensim) |");
    println!("|---|---|---|---|---|---|");
    for path in &args.corpora {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path_str = path.to_str().context("non-UTF-8 path")?;
        let min_count = args.min_count.to_string();
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut words = 0;
        for round in 0..args.rounds {
            let start = Instant::now();
            let vocab = Vocab::build_with(
                &Corpus::text8(path),
                &VocabOptions {
                    min_count: args.min_count,
                    ..VocabOptions::default()
                },
            )?;
            ours.push(start.elapsed().as_secs_f64());
            words = vocab.stats().raw_words;
            let json = run_json(
                &args.python,
                &script,
                &["--format", "text8", "--min-count", &min_count, path_str],
            )?;
            theirs.push(
                json["seconds"]
                    .as_f64()
                    .context("peer printed no seconds")?,
            );
            anyhow::ensure!(
                json["vocab_size"].as_u64() == Some(vocab.len() as u64),
                "vocabulary sizes differ: ours {}, gensim {}",
                vocab.len(),
                json["vocab_size"]
            );
            eprintln!(
                "{name} round {}: ours {:.3} s, gensim {:.3} s",
                round + 1,
                ours[round],
                theirs[round]
            );
        }
        let (a, b) = (median(&ours), median(&theirs));
        let samples = |t: &[f64]| {
            t.iter()
                .map(|x| format!("{x:.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "| {name} | {words} | {a:.3} | {b:.3} | {:.1}x | {}; {} |",
            b / a,
            samples(&ours),
            samples(&theirs)
        );
    }
    Ok(())
}
