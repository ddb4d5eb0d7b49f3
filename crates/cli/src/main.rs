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
    clean_up_on_signals();
    let ui = progress::Ui { quiet: cli.quiet };
    match commands::run(cli.command, &ui) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// On SIGINT or SIGTERM, removes the temporary files of the writes in
/// flight (an on-disk index build, a model being saved) and exits as the
/// signal would have, with status 128 + its number. Outputs are never
/// half-written either way: they appear only when complete.
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // no handler: the default action, as before
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            atomic_file::remove_temporaries();
            std::process::exit(128 + signal);
        }
    });
}
