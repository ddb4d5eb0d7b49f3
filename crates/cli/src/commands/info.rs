//! `w2v info FILE`.

use std::path::PathBuf;

use vecstore::{Format, ReadOptions};

/// Arguments of `w2v info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A vector file in any supported format (detected from its content).
    file: PathBuf,
    /// Print `{"vocab_size":..,"dim":..,"format":..,"header_rows":..,
    /// "duplicates_skipped":..,"non_finite_values":..}`.
    #[arg(long)]
    json: bool,
}

/// Runs `w2v info`: reads the whole file as every other command does, so
/// that it accepts exactly the files they accept and counts the words they
/// would see (duplicates dropped, gensim keeping the first).
pub fn run(args: Args) -> anyhow::Result<()> {
    let format = Format::detect(&args.file)?;
    let (kv, report) = vecstore::read(&args.file, format, &ReadOptions::default())?;
    if args.json {
        let json = serde_json::json!({
            "vocab_size": kv.len(),
            "dim": kv.dim(),
            "format": format.name(),
            "header_rows": report.header_rows,
            "duplicates_skipped": report.duplicates_skipped,
            "non_finite_values": report.non_finite_values,
        });
        println!("{json}");
    } else {
        println!(
            "file:       {}",
            super::printable(&args.file.to_string_lossy())
        );
        println!("format:     {}", format.name());
        println!("vocab_size: {}", kv.len());
        println!("dim:        {}", kv.dim());
        if report.duplicates_skipped > 0 {
            println!(
                "duplicates: {} (the header announces {} rows; the first of each word is kept)",
                report.duplicates_skipped, report.header_rows
            );
        }
        if report.non_finite_values > 0 {
            println!(
                "non-finite: {} NaN or infinite values",
                report.non_finite_values
            );
        }
    }
    Ok(())
}
