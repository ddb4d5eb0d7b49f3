//! Progress bars and warnings on stderr, silenced by `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};

/// What the user asked of the terminal output.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// No bars, no warnings.
    pub quiet: bool,
}

impl Ui {
    /// A byte-count bar of `total` bytes (a spinner if unknown), hidden when quiet.
    pub fn bytes_bar(&self, message: &'static str, total: Option<u64>) -> ProgressBar {
        if self.quiet {
            return ProgressBar::hidden();
        }
        let bar = match total {
            Some(total) => ProgressBar::new(total).with_style(
                ProgressStyle::with_template(
                    "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>12} {spinner} {bytes} {bytes_per_sec}")
                    .expect("valid template"),
            ),
        };
        bar.set_message(message);
        bar
    }

    /// A bar over a fraction (0 to 1000), with a message, hidden when quiet.
    pub fn fraction_bar(&self, prefix: &'static str) -> ProgressBar {
        if self.quiet {
            return ProgressBar::hidden();
        }
        ProgressBar::new(1000)
            .with_style(
                ProgressStyle::with_template(
                    "{prefix:>12} [{bar:30}] {percent:>3}% {msg} (eta {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            )
            .with_prefix(prefix)
    }

    /// A bar counting `total` `unit`s (trees, files), hidden when quiet.
    pub fn count_bar(&self, message: &'static str, unit: &str, total: u64) -> ProgressBar {
        if self.quiet {
            return ProgressBar::hidden();
        }
        ProgressBar::new(total)
            .with_style(
                ProgressStyle::with_template(&format!(
                    "{{msg:>12}} [{{bar:30}}] {{pos}}/{{len}} {unit}, eta {{eta}}"
                ))
                .expect("valid template")
                .progress_chars("=> "),
            )
            .with_message(message)
    }

    /// A spinner with a message, hidden when quiet.
    pub fn spinner(&self, message: String) -> ProgressBar {
        if self.quiet {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar.set_message(message);
        bar
    }

    /// Prints a warning to stderr unless quiet.
    pub fn warn(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("warning: {message}");
        }
    }

    /// Prints a note to stderr unless quiet.
    pub fn note(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}
