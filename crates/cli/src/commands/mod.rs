//! The subcommands.

mod convert;
mod doc2vec;
mod download;
mod eval;
mod index;
mod info;
mod similar;
mod train;
mod vocab;

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use vecstore::Format;

use crate::progress::Ui;

/// A subcommand of `w2v`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert vectors between word2vec text (.txt/.vec), word2vec binary
    /// (.bin) and the native memory-mappable format (.kv).
    Convert(convert::Args),
    /// Print the vocabulary size, dimension and format of a vector file.
    Info(info::Args),
    /// Download a corpus into the cache and print its path.
    Download(download::Args),
    /// Count a corpus's vocabulary as gensim's build_vocab does.
    Vocab(vocab::Args),
    /// Train word2vec on a corpus and save the model (and vectors).
    Train(train::Args),
    /// Train Doc2Vec document vectors, or infer vectors of new documents.
    #[command(subcommand)]
    Doc2vec(doc2vec::Args),
    /// Evaluate vectors on analogy questions or word-similarity pairs.
    #[command(subcommand)]
    Eval(eval::Args),
    /// Build, query and evaluate Annoy indexes of word vectors.
    #[command(subcommand)]
    Index(index::Args),
    /// The words most similar to some words (exact, or through an Annoy index).
    Similar(similar::Args),
}

/// Runs one subcommand.
pub fn run(command: Command, ui: &Ui) -> anyhow::Result<()> {
    match command {
        Command::Convert(args) => convert::run(args, ui),
        Command::Info(args) => info::run(args),
        Command::Download(args) => download::run(args, ui),
        Command::Vocab(args) => vocab::run(args, ui),
        Command::Train(args) => train::run(args, ui),
        Command::Doc2vec(args) => doc2vec::run(args, ui),
        Command::Eval(args) => eval::run(args),
        Command::Index(args) => index::run(args, ui),
        Command::Similar(args) => similar::run(args),
    }
}

/// Refuses, before any work starts, outputs that cannot be written (a
/// missing or read-only directory, a directory, a device or FIFO) and
/// outputs that would replace an input or another output.
pub fn check_outputs(
    inputs: &[&std::path::Path],
    outputs: &[&std::path::Path],
) -> anyhow::Result<()> {
    let files: Vec<&Path> = outputs.iter().copied().filter(|p| !is_stdout(p)).collect();
    for output in &files {
        atomic_file::check_output(output)?;
    }
    atomic_file::check_distinct(inputs, &files)?;
    Ok(())
}

/// Parses a count that must be at least 1 (how many neighbours, queries,
/// words to print): 0 would ask for an empty answer.
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// Whether an output path is `-`, standard output.
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

/// The vector format of an output: the one its extension names, word2vec
/// text for `-`.
pub fn output_format(path: &Path) -> anyhow::Result<Format> {
    if is_stdout(path) {
        return Ok(Format::Text);
    }
    Ok(Format::from_extension(path)?)
}

/// Writes vectors to `path` (atomically), or to standard output for `-`
/// (word2vec formats only; a counts file in `options` is written as usual).
pub fn write_vectors(
    kv: &vecstore::KeyedVectors,
    path: &Path,
    format: Format,
    options: &vecstore::WriteOptions,
) -> anyhow::Result<()> {
    if !is_stdout(path) {
        return Ok(vecstore::write(kv, path, format, options)?);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = vecstore::write_to(kv, &mut out, format, options).and_then(|()| {
        out.flush().map_err(|source| vecstore::Error::Io {
            op: "write",
            path: "-".into(),
            source,
        })
    });
    match written {
        // The reader stopped early (`| head`): as for any Unix filter, fine.
        Err(vecstore::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        Err(vecstore::Error::Io { source, .. }) => {
            Err(source).context("cannot write to standard output")
        }
        other => Ok(other?),
    }
}

/// `text` with control characters (escape codes, tabs, newlines) shown
/// as escapes, so that a word from a file never drives the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.escape_debug().to_string().into()
    } else {
        text.into()
    }
}

/// A vector file format, as named on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// word2vec C text.
    Text,
    /// word2vec C binary.
    Binary,
    /// The native memory-mappable format.
    Native,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Text => Format::Text,
            FormatArg::Binary => Format::Binary,
            FormatArg::Native => Format::Native,
        }
    }
}

/// How a corpus file delimits sentences, as named on the command line.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum CorpusFormat {
    /// One long run of words (text8), cut into 10,000-word sentences.
    #[default]
    Text8,
    /// One sentence per line.
    Lines,
}

impl CorpusFormat {
    /// The corpus at `path` in this format.
    pub fn open(self, path: &std::path::Path) -> corpus::Corpus {
        match self {
            CorpusFormat::Text8 => corpus::Corpus::text8(path),
            CorpusFormat::Lines => corpus::Corpus::lines(path),
        }
    }
}
