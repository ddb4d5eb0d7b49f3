//! `cargo xtask bench-formats`: word2vec text/binary load and save, ours
//! against gensim's on the same synthetic file, alternated (ours, gensim,
//! ours, gensim, ...) so machine noise hits both; prints medians and ratios
//! as a markdown table for `docs/PERFORMANCE.md`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use vecstore::{read, write, Format, ReadOptions, WriteOptions};

use crate::peer::{median, run_json, workspace_root};

/// Arguments of `cargo xtask bench-formats`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of words of the synthetic set.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Vector dimension of the synthetic set.
    #[arg(long, default_value_t = 300)]
    dim: usize,
    /// Alternated rounds per operation.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// A Python interpreter with gensim installed.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Run only the operations whose name contains this ("load", "text", ...).
    #[arg(long)]
    only: Option<String>,
    /// Where to put the files (several GB at 1M x 300).
    #[arg(long, default_value = "target/bench-formats")]
    dir: PathBuf,
}

/// One timed operation, run by us and by gensim.
struct Op {
    name: &'static str,
    format: Format,
    save: bool,
}

const OPS: [Op; 4] = [
    Op {
        name: "load text",
        format: Format::Text,
        save: false,
    },
    Op {
        name: "load binary",
        format: Format::Binary,
        save: false,
    },
    Op {
        name: "save text",
        format: Format::Text,
        save: true,
    },
    Op {
        name: "save binary",
        format: Format::Binary,
        save: true,
    },
];

/// Runs the comparison.
pub fn run(args: Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let script = workspace_root().join("benches/gensim_formats.py");
    let file = |stem: &str, format: Format| -> PathBuf {
        let extension = if format == Format::Binary {
            "bin"
        } else {
            "txt"
        };
        args.dir.join(format!("{stem}.{extension}"))
    };
    eprintln!(
        "generating {} x {} synthetic vectors in {}",
        args.rows,
        args.dim,
        args.dir.display()
    );
    let kv = benches::synthetic_vectors(args.rows, args.dim, 1);
    for format in [Format::Text, Format::Binary] {
        write(
            &kv,
            &file("input", format),
            format,
            &WriteOptions::default(),
        )?;
    }
    let native = args.dir.join("input.kv");
    write(&kv, &native, Format::Native, &WriteOptions::default())?;
    drop(kv);

    println!("| operation ({} x {}) | ours, median s | gensim, median s | gensim / ours | rounds (ours; gensim) |", args.rows, args.dim);
    println!("|---|---|---|---|---|");
    for op in OPS {
        if args
            .only
            .as_deref()
            .is_some_and(|only| !op.name.contains(only))
        {
            continue;
        }
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        // Saves start from the binary file (its untimed load is the quickest).
        let input = file("input", if op.save { Format::Binary } else { op.format });
        for round in 0..args.rounds {
            settle(&[&file("ours_out", op.format), &file("gensim_out", op.format)]);
            ours.push(time_ours(&op, &input, &file("ours_out", op.format))?);
            settle(&[&file("ours_out", op.format), &file("gensim_out", op.format)]);
            theirs.push(time_gensim(
                &op,
                &args.python,
                &script,
                &input,
                &file("gensim_out", op.format),
            )?);
            eprintln!(
                "{} round {}: ours {:.3} s, gensim {:.3} s",
                op.name,
                round + 1,
                ours[round],
                theirs[round]
            );
        }
        let (a, b) = (median(&ours), median(&theirs));
        println!(
            "| {} | {a:.3} | {b:.3} | {:.1}x | {}; {} |",
            op.name,
            b / a,
            samples(&ours),
            samples(&theirs)
        );
    }
    let mut native_times = Vec::new();
    for _ in 0..args.rounds.max(5) {
        let start = Instant::now();
        let (kv, _) = read(&native, Format::Native, &ReadOptions::default())?;
        native_times.push(start.elapsed().as_secs_f64());
        std::hint::black_box(kv);
    }
    println!(
        "| load native (mmap, ours only) | {:.4} | - | - | {} |",
        median(&native_times),
        samples(&native_times)
    );
    Ok(())
}

/// Removes earlier outputs and flushes dirty pages (`sync`), so that every
/// save writes a fresh file and neither side's timing pays for freeing or
/// writing back the other's output.
fn settle(outputs: &[&Path]) {
    for output in outputs {
        let _ = std::fs::remove_file(output);
    }
    let _ = std::process::Command::new("sync").status();
}

fn samples(times: &[f64]) -> String {
    times
        .iter()
        .map(|t| format!("{t:.3}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn time_ours(op: &Op, input: &Path, output: &Path) -> anyhow::Result<f64> {
    if op.save {
        let (kv, _) = read(input, Format::Binary, &ReadOptions::default())?;
        let start = Instant::now();
        write(&kv, output, op.format, &WriteOptions::default())?;
        Ok(start.elapsed().as_secs_f64())
    } else {
        let start = Instant::now();
        let loaded = read(input, op.format, &ReadOptions::default())?;
        let seconds = start.elapsed().as_secs_f64();
        drop(loaded);
        Ok(seconds)
    }
}

fn time_gensim(
    op: &Op,
    python: &Path,
    script: &Path,
    input: &Path,
    output: &Path,
) -> anyhow::Result<f64> {
    let format = if op.format == Format::Binary {
        "binary"
    } else {
        "text"
    };
    let input = input.to_str().context("non-UTF-8 path")?;
    let output = output.to_str().context("non-UTF-8 path")?;
    let json = if op.save {
        run_json(python, script, &["save", "--format", format, input, output])?
    } else {
        run_json(python, script, &["load", "--format", format, input])?
    };
    json["seconds"].as_f64().context("peer printed no seconds")
}
