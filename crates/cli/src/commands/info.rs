//! `w2v info FILE`.

use std::path::PathBuf;

/// Arguments of `w2v info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A vector file in any supported format (detected from its content).
    file: PathBuf,
    /// Print `{"vocab_size":..,"dim":..,"format":..}`.
    #[arg(long)]
    json: bool,
}

/// Runs `w2v info`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let summary = vecstore::inspect(&args.file)?;
    if args.json {
        let json = serde_json::json!({
            "vocab_size": summary.rows,
            "dim": summary.dim,
            "format": summary.format.name(),
        });
        println!("{json}");
    } else {
        println!("file:       {}", args.file.display());
        println!("format:     {}", summary.format.name());
        println!("vocab_size: {}", summary.rows);
        println!("dim:        {}", summary.dim);
    }
    Ok(())
}
