//! `w2v train --corpus PATH --out MODEL`.

use std::path::PathBuf;

use embed::{Architecture, Params, Word2Vec};
use vecstore::WriteOptions;

use super::CorpusFormat;
use crate::progress::Ui;

/// Arguments of `w2v train` (defaults are gensim 4's).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus file (plain, .gz, or a .zip with one text entry).
    #[arg(long)]
    corpus: PathBuf,
    /// How the corpus delimits sentences.
    #[arg(long, value_enum, default_value_t)]
    format: CorpusFormat,
    /// Passes over the corpus.
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Train skip-gram.
    #[arg(long, conflicts_with = "cbow")]
    sg: bool,
    /// Train CBOW (the default, as in gensim).
    #[arg(long)]
    cbow: bool,
    #[command(flatten)]
    training: Training,
    /// Where to save the model (the vectors in native format, plus .syn1neg/.syn1/.json beside it).
    #[arg(long)]
    out: PathBuf,
    /// Also write the vectors here, in the format the extension names (.txt/.vec, .bin, .kv);
    /// `-` writes them to standard output as word2vec text.
    #[arg(long)]
    vectors: Option<PathBuf>,
}

/// Runs `w2v train`.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<()> {
    let mut outputs = Word2Vec::files(&args.out);
    outputs.extend(args.vectors.clone());
    let outputs: Vec<&std::path::Path> = outputs.iter().map(PathBuf::as_path).collect();
    super::check_outputs(&[&args.corpus], &outputs)?;
    let vectors_format = args
        .vectors
        .as_deref()
        .map(super::output_format)
        .transpose()?;
    let params = Params {
        architecture: if args.sg {
            Architecture::SkipGram
        } else {
            Architecture::Cbow
        },
        ..args.training.params(args.epochs, Params::default())
    };
    let corpus = args.format.open(&args.corpus);
    let spinner = ui.spinner(format!(
        "building the vocabulary of {}",
        args.corpus.display()
    ));
    let mut model = Word2Vec::build_vocab(&corpus, params)?;
    spinner.finish_and_clear();
    ui.note(format_args!("{model}"));
    let report = train_with_bar(ui, |progress| model.train(&corpus, args.epochs, progress))?;
    // Standard output carries the vectors when they go there.
    let to_stdout = args.vectors.as_deref().is_some_and(super::is_stdout);
    print_summary(&report, to_stdout);
    // The model and the vectors file appear together, or neither does;
    // vectors for standard output follow a saved model.
    let mut files = atomic_file::FileSet::new(&args.out)?;
    model.save_into(&mut files, &args.out)?;
    let options = WriteOptions::default();
    let to_file = args
        .vectors
        .as_deref()
        .filter(|path| !super::is_stdout(path));
    if let (Some(path), Some(format)) = (to_file, vectors_format) {
        vecstore::write(&model.wv(), &files.stage(path)?, format, &options)?;
    }
    files.commit()?;
    ui.note(format_args!("saved the model to {}", args.out.display()));
    if let (Some(path), Some(format)) = (&args.vectors, vectors_format) {
        if super::is_stdout(path) {
            super::write_vectors(&model.wv(), path, format, &options)?;
        }
        ui.note(format_args!(
            "wrote the vectors to {} ({})",
            path.display(),
            format.name()
        ));
    }
    Ok(())
}

/// Runs `train` (a model's training call) under a progress bar.
pub fn train_with_bar<E>(
    ui: &Ui,
    train: impl FnOnce(&mut dyn FnMut(&embed::Progress)) -> Result<embed::TrainReport, E>,
) -> Result<embed::TrainReport, E> {
    let bar = ui.fraction_bar("training");
    let report = train(&mut |p| {
        bar.set_position((p.fraction * 1000.0) as u64);
        bar.set_message(format!(
            "epoch {}/{}  {:.0} words/s  alpha {:.5}",
            p.epoch + 1,
            p.epochs,
            p.words_per_sec,
            p.alpha
        ));
    });
    bar.finish_and_clear();
    report
}

/// Prints what training did and the peak memory, to standard error when
/// standard output carries vectors.
pub fn print_summary(report: &embed::TrainReport, to_stderr: bool) {
    let mut summary = format!(
        "trained {} epochs on {} raw words ({} effective) in {:.3} s, {:.0} words/s",
        report.epochs,
        report.raw_words,
        report.effective_words,
        report.seconds,
        report.words_per_sec
    );
    if let Some(peak) = crate::memory::peak_rss_mib() {
        summary += &format!("\npeak memory: {peak:.1} MiB");
    }
    if to_stderr {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
}

/// The training options `w2v train` and `w2v doc2vec train` share, with
/// gensim's defaults.
#[derive(Debug, clap::Args)]
pub struct Training {
    /// Vector dimension.
    #[arg(long, default_value_t = 100)]
    size: usize,
    /// Maximum distance between the predicted word and a context word.
    #[arg(long, default_value_t = 5)]
    window: usize,
    /// Ignore words rarer than this.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Downsampling threshold for frequent words (0 disables).
    #[arg(long, default_value_t = 1e-3)]
    sample: f64,
    /// Initial learning rate.
    #[arg(long, default_value_t = 0.025)]
    alpha: f32,
    /// Final learning rate.
    #[arg(long, default_value_t = 0.0001)]
    min_alpha: f32,
    /// Use hierarchical softmax.
    #[arg(long)]
    hs: bool,
    /// Negative samples per example (0: none; then --hs is required).
    #[arg(long, default_value_t = 5)]
    negative: usize,
    /// Training threads [default: one per core].
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl Training {
    /// `base` with these options and `epochs` passes.
    pub fn params(&self, epochs: usize, base: Params) -> Params {
        Params {
            vector_size: self.size,
            window: self.window,
            epochs,
            min_count: self.min_count,
            sample: self.sample,
            alpha: self.alpha,
            min_alpha: self.min_alpha,
            hs: self.hs,
            negative: self.negative,
            workers: self.threads,
            seed: self.seed,
            ..base
        }
    }
}
