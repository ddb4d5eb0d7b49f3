//! Project automation, run as `cargo xtask <task>` (see `.cargo/config.toml`).

mod bench_annoy;
mod bench_doc2vec;
mod bench_formats;
mod bench_hnsw;
mod bench_knn;
mod bench_train;
mod bench_vocab;
mod peer;
mod tidy;
mod tutorial;

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
    /// end to end and write target/tutorial/report.md, report.json and charts.
    Tutorial(tutorial::Args),
    /// (internal) A child process of the tutorial's memory-mapping step.
    #[command(hide = true)]
    TutorialChild(tutorial::memory::ChildArgs),
    /// Time annoy-rs against Python's annoy (build, query sweep, load), side by side.
    BenchAnnoy(bench_annoy::Args),
    /// Time crates/hnsw against Python's hnswlib (build, ef sweep) and our
    /// Annoy and exact search at equal recall, side by side.
    BenchHnsw(bench_hnsw::Args),
    /// Time word2vec text/binary load and save against gensim, side by side.
    BenchFormats(bench_formats::Args),
    /// Time exact and Annoy most_similar against gensim, side by side.
    BenchKnn(bench_knn::Args),
    /// Time vocabulary counting against gensim's build_vocab, side by side.
    BenchVocab(bench_vocab::Args),
    /// Train word2vec against gensim side by side: speed, memory, quality.
    BenchTrain(bench_train::Args),
    /// Train Doc2Vec and infer document vectors against gensim side by
    /// side: speed, memory, quality.
    BenchDoc2vec(bench_doc2vec::Args),
    /// Check the crate layering against docs/ARCHITECTURE.md, that no
    /// machine-specific path is in the docs or code, and that every crate
    /// uses the workspace lints.
    Tidy,
}

fn main() -> ExitCode {
    let result = match Cli::parse().task {
        Task::Tutorial(args) => tutorial::run(args),
        Task::TutorialChild(args) => tutorial::memory::child(args),
        Task::BenchAnnoy(args) => bench_annoy::run(args),
        Task::BenchFormats(args) => bench_formats::run(args),
        Task::BenchHnsw(args) => bench_hnsw::run(args),
        Task::BenchKnn(args) => bench_knn::run(args),
        Task::BenchVocab(args) => bench_vocab::run(args),
        Task::BenchTrain(args) => bench_train::run(args),
        Task::BenchDoc2vec(args) => bench_doc2vec::run(args),
        Task::Tidy => tidy::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
