//! `w2v doc2vec train|infer`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use corpus::Documents;
use embed::{Doc2Vec, Doc2VecParams, Inference, Params};
use vecstore::WriteOptions;

use crate::progress::Ui;

/// `w2v doc2vec ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Args {
    /// Train Doc2Vec (PV-DM or PV-DBOW) on one document per line and save
    /// the model (and document or word vectors).
    Train(TrainArgs),
    /// Infer the vectors of new documents with a trained model.
    Infer(InferArgs),
}

/// Runs `w2v doc2vec`.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<()> {
    match args {
        Args::Train(args) => train(args, ui),
        Args::Infer(args) => infer(args, ui),
    }
}

/// Arguments of `w2v doc2vec train` (defaults are gensim 4's `Doc2Vec`).
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// One document per line (plain, .gz, or a .zip with one text entry);
    /// a document's tag is its line number, from 0 (gensim's
    /// TaggedLineDocument), unless --tagged.
    #[arg(long)]
    corpus: PathBuf,
    /// Lines are `TAGS<TAB>words`: one or more string tags, a tab, the words.
    #[arg(long)]
    tagged: bool,
    /// PV-DM: context words and document vector predict each word (the default).
    #[arg(long, conflicts_with = "dbow")]
    dm: bool,
    /// PV-DBOW: the document vector alone predicts each word.
    #[arg(long)]
    dbow: bool,
    /// PV-DBOW: also train word vectors skip-gram style.
    #[arg(long, requires = "dbow")]
    dbow_words: bool,
    /// PV-DM: average the context and document vectors (the default).
    #[arg(long, conflicts_with_all = ["dm_sum", "dbow"])]
    dm_mean: bool,
    /// PV-DM: sum the context and document vectors (gensim's cbow_mean=0).
    #[arg(long, conflicts_with = "dbow")]
    dm_sum: bool,
    /// PV-DM with the document vector and the full window of word vectors
    /// concatenated (gensim's dm_concat): a much larger, slower model.
    #[arg(long, conflicts_with_all = ["dbow", "dm_sum", "dm_mean"])]
    dm_concat: bool,
    /// Passes over the corpus.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Prune the vocabulary while counting above this many words.
    #[arg(long)]
    max_vocab_size: Option<usize>,
    #[command(flatten)]
    training: super::train::Training,
    /// Where to save the model (word vectors in native format, plus
    /// .dv/.doc2vec.json/.syn1neg/.syn1/.json beside it).
    #[arg(long)]
    out: PathBuf,
    /// Also write the document vectors (keys = tags) here, in the format the
    /// extension names (.txt/.vec, .bin, .kv).
    #[arg(long)]
    doc_vectors: Option<PathBuf>,
    /// Also write the word vectors here, in the format the extension names.
    #[arg(long)]
    vectors: Option<PathBuf>,
}

fn train(args: TrainArgs, ui: &Ui) -> anyhow::Result<()> {
    let mut outputs = Doc2Vec::files(&args.out);
    outputs.extend(args.doc_vectors.clone());
    outputs.extend(args.vectors.clone());
    let outputs: Vec<&Path> = outputs.iter().map(PathBuf::as_path).collect();
    super::check_outputs(&[&args.corpus], &outputs)?;
    let format_of = |path: &Option<PathBuf>| {
        path.as_deref()
            .map(vecstore::Format::from_extension)
            .transpose()
    };
    let (doc_format, word_format) = (format_of(&args.doc_vectors)?, format_of(&args.vectors)?);
    let params = Doc2VecParams {
        training: Params {
            max_vocab_size: args.max_vocab_size,
            cbow_mean: !args.dm_sum,
            ..args
                .training
                .params(args.epochs, Doc2VecParams::default().training)
        },
        dm: !args.dbow,
        dbow_words: args.dbow_words,
        dm_concat: args.dm_concat,
        ..Doc2VecParams::default()
    };
    let documents = if args.tagged {
        Documents::tagged(&args.corpus)
    } else {
        Documents::lines(&args.corpus)
    };
    let spinner = ui.spinner(format!(
        "building the vocabulary and tags of {}",
        args.corpus.display()
    ));
    let mut model = Doc2Vec::build_vocab(&documents, params)?;
    spinner.finish_and_clear();
    ui.note(format_args!(
        "{model}: {} words, {} document vectors",
        model.word_model().words().len(),
        model.tags().len()
    ));
    let report = super::train::train_with_bar(ui, |progress| {
        model.train(&documents, args.epochs, progress)
    })?;
    super::train::print_summary(&report, false);
    // The model and the vector files appear together, or none does.
    let mut files = atomic_file::FileSet::new(&args.out)?;
    model.save_into(&mut files, &args.out)?;
    let options = WriteOptions::default();
    if let (Some(path), Some(format)) = (&args.doc_vectors, doc_format) {
        vecstore::write(&model.dv()?, &files.stage(path)?, format, &options)?;
    }
    if let (Some(path), Some(format)) = (&args.vectors, word_format) {
        vecstore::write(&model.wv(), &files.stage(path)?, format, &options)?;
    }
    files.commit()?;
    ui.note(format_args!("saved the model to {}", args.out.display()));
    Ok(())
}

/// Arguments of `w2v doc2vec infer`.
#[derive(Debug, clap::Args)]
pub struct InferArgs {
    /// A model saved by `w2v doc2vec train`.
    #[arg(long)]
    model: PathBuf,
    /// One document: its words, separated by spaces.
    #[arg(long, conflicts_with = "file", required_unless_present = "file")]
    text: Option<String>,
    /// Documents, one per line, already tokenised (words separated by spaces).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Passes over each document [default: the model's epochs].
    #[arg(long)]
    epochs: Option<usize>,
    /// Learning rate of the first pass [default: the model's alpha].
    #[arg(long)]
    alpha: Option<f32>,
    /// Learning rate of the last pass [default: the model's min_alpha].
    #[arg(long)]
    min_alpha: Option<f32>,
    /// Seed, mixed with each document's words [default: the model's seed].
    #[arg(long)]
    seed: Option<u64>,
    /// Print `{"vectors":[[..],..]}` instead of one line of values per document.
    #[arg(long)]
    json: bool,
}

/// Documents inferred per batch of `--file`: the file is streamed, so its
/// size is not bounded by memory.
const BATCH: usize = 4096;

fn infer(args: InferArgs, ui: &Ui) -> anyhow::Result<()> {
    let model = Doc2Vec::load(&args.model)
        .with_context(|| format!("cannot load the model {}", args.model.display()))?;
    let options = Inference {
        epochs: args.epochs,
        alpha: args.alpha,
        min_alpha: args.min_alpha,
        seed: args.seed,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let start = std::time::Instant::now();
    let mut documents = 0;
    let mut first = true;
    let mut emit = |vectors: ndarray::Array2<f32>, out: &mut dyn Write| -> anyhow::Result<()> {
        for row in vectors.rows() {
            if args.json {
                let separator = if first { "" } else { "," };
                write!(out, "{separator}{}", serde_json::to_string(&row.to_vec())?)?;
            } else {
                let values: Vec<String> = row.iter().map(f32::to_string).collect();
                writeln!(out, "{}", values.join(" "))?;
            }
            first = false;
            documents += 1;
        }
        Ok(())
    };
    if args.json {
        write!(out, "{{\"vectors\":[")?;
    }
    if let Some(text) = &args.text {
        let words: Vec<&str> = text.split_ascii_whitespace().collect();
        emit(model.infer_vectors(&[words], &options)?, &mut out)?;
    } else if let Some(file) = &args.file {
        let bar = ui.spinner(format!("inferring the documents of {}", file.display()));
        let mut reader = Documents::lines(file).reader()?;
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            batch.clear();
            for document in reader.by_ref().take(BATCH) {
                batch.push(document?.words);
            }
            if batch.is_empty() {
                break;
            }
            emit(model.infer_vectors(&batch, &options)?, &mut out)?;
            bar.inc(batch.len() as u64);
        }
        bar.finish_and_clear();
    }
    if args.json {
        writeln!(out, "]}}")?;
    }
    out.flush().context("cannot write to standard output")?;
    let seconds = start.elapsed().as_secs_f64();
    ui.note(format_args!(
        "inferred {documents} documents in {seconds:.3} s, {:.0} documents/s",
        documents as f64 / seconds
    ));
    Ok(())
}
