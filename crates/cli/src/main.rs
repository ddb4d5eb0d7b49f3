//! `w2v`: the command line of the workspace. Each subcommand lives in its own
//! module under `commands/`.

mod commands;
mod memory;
mod progress;

use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};

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
    let result = commands::run(cli.command, &ui);
    // A command cut short by a signal fails because its temporaries were
    // removed: the signal, not that failure, is what happened.
    let signal = INTERRUPTED.load(Ordering::SeqCst);
    if signal != 0 {
        return ExitCode::from((128 + signal) as u8);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The signal being handled (0: none), set before any temporary is removed.
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

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
            INTERRUPTED.store(signal, Ordering::SeqCst);
            atomic_file::remove_temporaries();
            std::process::exit(128 + signal);
        }
    });
}
