//! `w2v convert IN OUT`.

use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;
use vecstore::{Format, Layout, ReadOptions, Utf8Policy, WriteOptions};

use super::FormatArg;
use crate::progress::Ui;

/// Arguments of `w2v convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to read.
    input: PathBuf,
    /// The file to write (replaced atomically); `-` is standard output
    /// (word2vec text, or binary with --to binary).
    output: PathBuf,
    /// Format of INPUT [default: from its extension, else from its content].
    #[arg(long, value_enum)]
    from: Option<FormatArg>,
    /// Format of OUTPUT [default: from its extension].
    #[arg(long, value_enum)]
    to: Option<FormatArg>,
    /// Read only the first N words.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Replace invalid UTF-8 in words instead of failing.
    #[arg(long)]
    lossy: bool,
    /// Byte layout of word2vec output: gensim 4's or the original C tool's.
    #[arg(long, value_enum, default_value_t = LayoutArg::Gensim)]
    layout: LayoutArg,
    /// Read per-word counts from this file (`word count` per line, gensim's fvocab).
    #[arg(long, value_name = "FILE")]
    counts_in: Option<PathBuf>,
    /// Write per-word counts to this file (`word count` per line).
    #[arg(long, value_name = "FILE")]
    counts_out: Option<PathBuf>,
}

/// The `--layout` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum LayoutArg {
    /// gensim 4: no newline after binary vectors, shortest round-trip text.
    Gensim,
    /// word2vec.c: a newline after each binary vector, "%lf " text.
    C,
}

/// Runs `w2v convert`.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<()> {
    let mut inputs = vec![args.input.as_path()];
    inputs.extend(args.counts_in.as_deref());
    let mut outputs = vec![args.output.as_path()];
    outputs.extend(args.counts_out.as_deref());
    super::check_outputs(&inputs, &outputs)?;
    let from = match args.from {
        Some(format) => format.into(),
        None => Format::from_extension(&args.input).or_else(|_| Format::detect(&args.input))?,
    };
    let to = match args.to {
        Some(format) => format.into(),
        None => super::output_format(&args.output).context("use --to to name the output format")?,
    };
    let read_options = ReadOptions {
        limit: args.limit,
        counts_file: args.counts_in,
        utf8: if args.lossy {
            Utf8Policy::Lossy
        } else {
            Utf8Policy::Strict
        },
    };
    let (kv, report) = vecstore::read(&args.input, from, &read_options).map_err(|e| {
        let hint = match e {
            vecstore::Error::InvalidUtf8 { .. } => " (--lossy replaces invalid bytes)",
            _ => "",
        };
        anyhow::anyhow!("{e}{hint}")
    })?;
    if report.duplicates_skipped > 0 {
        let skipped = report.duplicates_skipped;
        ui.warn(format_args!(
            "{skipped} duplicate words ignored (first occurrence kept)"
        ));
    }
    if report.non_finite_values > 0 {
        ui.warn(format_args!(
            "{} NaN or infinite values",
            report.non_finite_values
        ));
    }
    if report.words_with_replacements > 0 {
        let replaced = report.words_with_replacements;
        ui.warn(format_args!("invalid UTF-8 replaced in {replaced} words"));
    }
    let write_options = WriteOptions {
        layout: match args.layout {
            LayoutArg::Gensim => Layout::Gensim,
            LayoutArg::C => Layout::C,
        },
        counts_file: args.counts_out,
    };
    super::write_vectors(&kv, &args.output, to, &write_options)?;
    ui.note(format_args!(
        "wrote {} words x {} dims to {} ({})",
        kv.len(),
        kv.dim(),
        args.output.display(),
        to.name()
    ));
    Ok(())
}
