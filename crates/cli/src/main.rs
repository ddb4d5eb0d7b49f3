//! `w2v`: the command line of the workspace. Each subcommand lives in its own
//! module under `commands/`.

mod commands;
mod memory;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// Word vectors and fast similarity queries: convert, inspect, and (as the
/// project grows) train, index and query.
#[derive(Debug, Parser)]
#[command(name = "w2v", version, about)]
struct Cli {
    /// Draw no progress bars and print no warnings (results and errors still print).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = progress::Ui { quiet: cli.quiet };
    match commands::run(cli.command, &ui) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
