//! `cargo xtask tutorial`: gensim's "similarity queries using Annoy with
//! word2vec" tutorial, every step, with our crates, printing what it printed
//! and writing a report (`report.md`, `report.json`) and charts.

mod compare;
mod doc2vec;
pub mod memory;
mod plot;
mod steps;

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

/// Arguments of `cargo xtask tutorial`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A corpus to use instead of text8 (text8 form, or one sentence per line with --lines).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// The corpus has one sentence per line.
    #[arg(long, requires = "corpus")]
    pub lines: bool,
    /// Where the report, charts and files go.
    #[arg(long, default_value = "target/tutorial")]
    pub out: PathBuf,
    /// Threads for training and index builds (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Seed of training, forests and query sampling.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A minute-long demo: the bundled corpus, fewer sweep points and queries.
    #[arg(long)]
    pub quick: bool,
    /// No progress bars or step output (the report is still written).
    #[arg(long)]
    pub quiet: bool,
    /// Add a Doc2Vec step: train document vectors (the bundled Lee corpus
    /// of gensim's Doc2Vec tutorial, or --documents), index them, and query
    /// with an inferred vector.
    #[arg(long)]
    pub doc2vec: bool,
    /// One document per line, for the Doc2Vec step.
    #[arg(long, requires = "doc2vec")]
    pub documents: Option<PathBuf>,
}

/// Everything the tutorial measured; written as `report.json`.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// The machine: CPU model, cores, memory.
    pub machine: Machine,
    /// Which corpus was used, and why.
    pub corpus: CorpusInfo,
    /// Training parameters and results.
    pub training: steps::Training,
    /// The "science" neighbours, approximate and exact.
    pub science: steps::Neighbours,
    /// Exact against approximate query time and recall.
    pub timing: steps::Timing,
    /// Saving and loading the index and the model.
    pub persistence: steps::Persistence,
    /// Memory of processes building or mapping an index.
    pub memory: Vec<memory::ProcessMemory>,
    /// The num_trees sweep.
    pub sweep: Vec<plot::SweepPoint>,
    /// Exact vs Annoy vs HNSW: recall@10 against time per query, build
    /// time and index size of each.
    pub comparison: compare::Comparison,
    /// Export to and import from the word2vec formats.
    pub export: steps::Export,
    /// The Doc2Vec step, when run.
    pub doc2vec: Option<doc2vec::Doc2VecReport>,
    /// Seconds per step.
    pub step_seconds: Vec<(String, f64)>,
    /// Peak resident memory during each step, MiB (the peak is reset at
    /// each step's start; NaN where /proc does not tell).
    pub step_peak_mib: Vec<(String, f64)>,
    /// Wall-clock seconds of the whole run.
    pub total_seconds: f64,
    /// Peak resident memory of the tutorial process, MiB.
    pub peak_rss_mib: f64,
}

/// The machine the run happened on.
#[derive(Debug, Default, Serialize)]
pub struct Machine {
    /// `model name` from /proc/cpuinfo.
    pub cpu: String,
    /// Logical CPUs.
    pub cores: usize,
    /// Total memory, MiB.
    pub memory_mib: f64,
}

/// The corpus used.
#[derive(Debug, Default, Serialize)]
pub struct CorpusInfo {
    /// Its path.
    pub path: String,
    /// How it was chosen.
    pub source: String,
    /// Words in one pass.
    pub words: u64,
}

/// Runs the tutorial.
pub fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    std::fs::create_dir_all(&args.out)?;
    let mut tutorial = steps::Tutorial::new(args);
    tutorial.report.machine = machine();
    tutorial.run_all()?;
    tutorial.report.total_seconds = start.elapsed().as_secs_f64();
    // The peak is reset at each step: the run's peak is the largest step's.
    tutorial.report.peak_rss_mib = tutorial
        .report
        .step_peak_mib
        .iter()
        .map(|&(_, peak)| peak)
        .fold(memory::own_peak_rss_mib().unwrap_or(f64::NAN), f64::max);
    tutorial.say(format!(
        "\nTotal: {:.1} s, peak memory {:.0} MiB (gensim's tutorial: 11 min 41 s and 807 MB on its machine, with text8)",
        tutorial.report.total_seconds, tutorial.report.peak_rss_mib
    ));
    tutorial.write_report()?;
    Ok(())
}

fn machine() -> Machine {
    let cpu = test_support::cpu_model().unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_mib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Machine {
        cpu,
        cores,
        memory_mib,
    }
}
