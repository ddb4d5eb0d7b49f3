//! `w2v`: the command line of the workspace. Each subcommand lives in its own
//! module under `commands/`.

mod commands;

use std::process::ExitCode;

use clap::Parser;

/// Word vectors and fast similarity queries: convert, inspect, and (as the
/// project grows) train, index and query.
#[derive(Debug, Parser)]
#[command(name = "w2v", version, about)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
