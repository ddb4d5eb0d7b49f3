//! `w2v eval analogies|pairs`.

use std::path::PathBuf;

use clap::Subcommand;
use vecstore::KeyedVectors;

/// What to evaluate.
#[derive(Debug, Subcommand)]
pub enum Args {
    /// Analogy questions (gensim's evaluate_word_analogies: 3CosAdd, sections).
    Analogies {
        /// Vectors in any supported format.
        #[arg(long)]
        vectors: PathBuf,
        /// The questions file (questions-words.txt format).
        #[arg(long)]
        questions: PathBuf,
        /// Only the first N words take part.
        #[arg(long, default_value_t = 300_000)]
        restrict_vocab: usize,
        /// Match words exactly instead of upper-casing both sides.
        #[arg(long)]
        case_sensitive: bool,
        /// Print `{"accuracy":..,"correct":..,"total":..,"sections":[..]}`.
        #[arg(long)]
        json: bool,
    },
    /// Word-similarity pairs (gensim's evaluate_word_pairs: Pearson, Spearman).
    Pairs {
        /// Vectors in any supported format.
        #[arg(long)]
        vectors: PathBuf,
        /// The pairs file (`word1<TAB>word2<TAB>score`, `#` comments).
        #[arg(long)]
        pairs: PathBuf,
        /// Only the first N words take part.
        #[arg(long, default_value_t = 300_000)]
        restrict_vocab: usize,
        /// Match words exactly instead of upper-casing both sides.
        #[arg(long)]
        case_sensitive: bool,
        /// Print `{"pearson":..,"spearman":..,"oov_ratio":..}`.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `w2v eval`.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args {
        Args::Analogies {
            vectors,
            questions,
            restrict_vocab,
            case_sensitive,
            json,
        } => {
            let kv = KeyedVectors::load(&vectors)?;
            let report =
                knn::evaluate_word_analogies(&kv, &questions, restrict_vocab, !case_sensitive)?;
            let total = &report.total;
            if json {
                let sections: Vec<_> = report
                    .sections
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "name": s.name, "correct": s.correct,
                            "total": s.correct + s.incorrect, "accuracy": s.accuracy(),
                        })
                    })
                    .collect();
                let json = serde_json::json!({
                    "accuracy": total.accuracy(),
                    "correct": total.correct,
                    "total": total.correct + total.incorrect,
                    "questions": report.questions,
                    "oov": report.oov,
                    "sections": sections,
                });
                println!("{json}");
            } else {
                for s in report.sections.iter().chain([total]) {
                    let n = s.correct + s.incorrect;
                    println!(
                        "{}: {:.1}% ({}/{n})",
                        s.name,
                        100.0 * s.accuracy(),
                        s.correct
                    );
                }
                println!(
                    "{} of {} questions skipped for out-of-vocabulary words",
                    report.oov, report.questions
                );
            }
        }
        Args::Pairs {
            vectors,
            pairs,
            restrict_vocab,
            case_sensitive,
            json,
        } => {
            let kv = KeyedVectors::load(&vectors)?;
            let report = knn::evaluate_word_pairs(&kv, &pairs, restrict_vocab, !case_sensitive)?;
            if json {
                let json = serde_json::json!({
                    "pearson": report.pearson, "spearman": report.spearman,
                    "oov_ratio": report.oov_ratio, "pairs": report.pairs,
                });
                println!("{json}");
            } else {
                println!("Pearson {:.4}", report.pearson);
                println!("Spearman {:.4}", report.spearman);
                println!(
                    "{:.1}% of pairs out of vocabulary ({} evaluated)",
                    report.oov_ratio, report.pairs
                );
            }
        }
    }
    Ok(())
}
