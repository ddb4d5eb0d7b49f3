//! A test helper for crash safety: a test re-runs its own binary as a
//! child that saves in a loop, kills it with SIGKILL after a random delay,
//! and checks what is left on disk; many times over.
//!
//! ```no_run
//! const CHILD: &str = "MY_CRATE_CRASH_CHILD";
//!
//! // A #[test] in real use.
//! fn a_killed_save_never_leaves_a_partial_file() {
//!     if let Some(path) = crash_test::child_arg(CHILD) {
//!         // The child: save two versions in turn until killed.
//!         for i in 0.. {
//!             std::fs::write(&path, if i % 2 == 0 { "one" } else { "two" }).unwrap();
//!         }
//!     }
//!     let path = std::env::temp_dir().join("out");
//!     std::fs::write(&path, "one").unwrap();
//!     crash_test::Kills::new("a_killed_save_never_leaves_a_partial_file", CHILD)
//!         .rounds(100)
//!         .run(&path.display().to_string(), |_round| {
//!             // `std::fs::write` is not atomic: this check would fail.
//!             let text = std::fs::read_to_string(&path).unwrap();
//!             assert!(text == "one" || text == "two");
//!         });
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::ops::Range;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::{Rng, SeedableRng};

/// The argument the parent passed, if this process is a child started by
/// [`Kills::run`] (its environment variable `env` is set): the caller then
/// runs its save loop and never returns.
pub fn child_arg(env: &str) -> Option<String> {
    std::env::var(env).ok()
}

/// Children to start and kill: the test to re-run, how often, and when.
#[derive(Debug, Clone)]
pub struct Kills {
    test: String,
    env: String,
    rounds: usize,
    delay_ms: Range<u64>,
    seed: u64,
}

impl Kills {
    /// Kills of children that re-run test `test` (its full name within the
    /// test binary, as `--exact` wants it) with `env` set; 100 rounds,
    /// each child killed 5 to 80 ms after it starts.
    pub fn new(test: &str, env: &str) -> Self {
        Kills {
            test: test.to_owned(),
            env: env.to_owned(),
            rounds: 100,
            delay_ms: 5..80,
            seed: 7,
        }
    }

    /// How many children to start and kill.
    pub fn rounds(mut self, rounds: usize) -> Self {
        self.rounds = rounds;
        self
    }

    /// The range of the delay, in milliseconds, between starting a child and
    /// killing it (drawn uniformly, from a seeded generator).
    pub fn delay_ms(mut self, delay: Range<u64>) -> Self {
        self.delay_ms = delay;
        self
    }

    /// The seed of the delays.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Starts and kills the children one at a time, each given `arg`
    /// through the environment, and calls `check(round)` after each is dead.
    pub fn run(&self, arg: &str, mut check: impl FnMut(usize)) {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let exe = std::env::current_exe().expect("the test binary's path");
        for round in 0..self.rounds {
            let mut child = Command::new(&exe)
                .args([self.test.as_str(), "--exact", "--nocapture"])
                .env(&self.env, arg)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("starting a child");
            std::thread::sleep(Duration::from_millis(
                rng.random_range(self.delay_ms.clone()),
            ));
            // SIGKILL on Unix: no destructor, no cleanup runs.
            child.kill().expect("killing the child");
            child.wait().expect("reaping the child");
            check(round);
        }
    }
}

/// The entries of `dir` whose names are neither in `finals` nor temporary
/// files (`*.tmp`, the suffix every save of this workspace gives them):
/// what a killed save must never leave.
pub fn strays(dir: &Path, finals: &[&str]) -> Vec<String> {
    let mut strays: Vec<String> = std::fs::read_dir(dir)
        .expect("listing the directory")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !finals.contains(&name.as_str()))
        .filter(|name| !(name.starts_with('.') && name.ends_with(".tmp")))
        .collect();
    strays.sort();
    strays
}
