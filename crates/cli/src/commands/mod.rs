//! The subcommands.

mod convert;
mod info;

use clap::{Subcommand, ValueEnum};
use vecstore::Format;

/// A subcommand of `w2v`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert vectors between word2vec text (.txt/.vec), word2vec binary
    /// (.bin) and the native memory-mappable format (.kv).
    Convert(convert::Args),
    /// Print the vocabulary size, dimension and format of a vector file.
    Info(info::Args),
}

/// Runs one subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Convert(args) => convert::run(args),
        Command::Info(args) => info::run(args),
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
