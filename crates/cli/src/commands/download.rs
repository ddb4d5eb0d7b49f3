//! `w2v download text8`.

use std::path::PathBuf;

use clap::ValueEnum;
use corpus::text8::{self, Progress, Source};

use crate::progress::Ui;

/// Arguments of `w2v download`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus to fetch.
    #[arg(value_enum)]
    corpus: Known,
    /// Fetch from this URL instead (a mirror).
    #[arg(long)]
    url: Option<String>,
    /// Cache directory [default: $W2V_CACHE_DIR, else the platform cache dir's w2v-annoy/].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

/// The corpora `w2v download` knows.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Known {
    /// Matt Mahoney's text8: the first 10^8 bytes of English Wikipedia, cleaned.
    Text8,
}

/// Runs `w2v download`: prints the unpacked corpus's path on stdout.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<()> {
    let cache_dir = match args.cache_dir {
        Some(dir) => dir,
        None => text8::default_cache_dir()?,
    };
    let source = match args.corpus {
        Known::Text8 => Source {
            url: args.url.unwrap_or_else(|| text8::TEXT8_URL.into()),
            ..Source::default()
        },
    };
    let path = fetch_with_progress(&source, &cache_dir, ui)?;
    println!("{}", path.display());
    Ok(())
}

/// [`text8::fetch`] with progress bars.
pub fn fetch_with_progress(
    source: &Source,
    cache_dir: &std::path::Path,
    ui: &Ui,
) -> anyhow::Result<PathBuf> {
    let mut bar: Option<(&'static str, indicatif::ProgressBar)> = None;
    let mut show = |stage: &'static str, done: u64, total: Option<u64>| {
        if bar.as_ref().is_none_or(|(s, _)| *s != stage) {
            if let Some((_, old)) = bar.take() {
                old.finish();
            }
            bar = Some((stage, ui.bytes_bar(stage, total)));
        }
        if let Some((_, bar)) = &bar {
            bar.set_position(done);
        }
    };
    let path = text8::fetch(source, cache_dir, &mut |progress| match progress {
        Progress::Download { done, total } => show("download", done, total),
        Progress::Unpack { done, total } => show("unpack", done, Some(total)),
        Progress::Verify => show("verify", 0, None),
    })?;
    if let Some((_, bar)) = bar {
        bar.finish_and_clear();
    }
    Ok(path)
}
