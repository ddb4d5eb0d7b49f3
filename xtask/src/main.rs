//! Project automation, run as `cargo xtask <task>` (see `.cargo/config.toml`).

mod bench_annoy;
mod bench_formats;
mod bench_train;
mod bench_vocab;
mod peer;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The project's tasks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run gensim's "similarity queries using Annoy with word2vec" tutorial
    /// end to end (not implemented yet: needs corpus, embed, annoy-rs, knn).
    Tutorial,
    /// Time annoy-rs against Python's annoy (build, query sweep, load), side by side.
    BenchAnnoy(bench_annoy::Args),
    /// Time word2vec text/binary load and save against gensim, side by side.
    BenchFormats(bench_formats::Args),
    /// Time vocabulary counting against gensim's build_vocab, side by side.
    BenchVocab(bench_vocab::Args),
    /// Train word2vec against gensim side by side: speed, memory, quality.
    BenchTrain(bench_train::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().task {
        Task::Tutorial => Err(anyhow::anyhow!(
            "cargo xtask tutorial is not implemented yet.\n\
             When the corpus, embed, annoy-rs and knn crates land it will: fetch text8 (or use\n\
             --corpus), train word2vec with the tutorial's parameters, build a 100-tree Annoy\n\
             index, compare exact and approximate most_similar (time and recall), save/load\n\
             and memory-map the index, sweep num_trees, and write target/tutorial/report.md."
        )),
        Task::BenchAnnoy(args) => bench_annoy::run(args),
        Task::BenchFormats(args) => bench_formats::run(args),
        Task::BenchVocab(args) => bench_vocab::run(args),
        Task::BenchTrain(args) => bench_train::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
