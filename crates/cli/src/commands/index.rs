//! `w2v index build|query|eval`: Annoy indexes over word vectors, with
//! gensim's `.ann.dict` sidecar so that gensim's `AnnoyIndexer.load` (and
//! Python's `annoy`) open what we write.

use std::path::{Path, PathBuf};
use std::time::Instant;

use annoy_rs::{AnnoyIndex, BuildOptions, Kiss64, Metric, Neighbor};
use anyhow::{bail, ensure, Context};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use knn::sidecar::Sidecar;
use vecstore::KeyedVectors;

use crate::progress::Ui;

/// What to do with an index.
#[derive(Debug, Subcommand)]
pub enum Args {
    /// Build an Annoy index of word vectors, and its gensim sidecar FILE.dict.
    Build(BuildArgs),
    /// Print the nearest neighbours of a word, an item or a vector.
    Query(QueryArgs),
    /// Measure recall@n against exact search, and queries per second, for
    /// several search_k.
    Eval(EvalArgs),
}

/// Arguments of `w2v index build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Vectors in any supported format.
    #[arg(long)]
    vectors: PathBuf,
    /// Number of trees.
    #[arg(long, default_value_t = 100)]
    trees: usize,
    /// Annoy metric: angular (indexes the unit vectors), euclidean,
    /// manhattan, dot, or hamming (indexes the bits of the values above 0.5,
    /// as Annoy's Python module does).
    #[arg(long, default_value = "angular")]
    metric: Metric,
    /// Build threads [default: all].
    #[arg(long)]
    threads: Option<usize>,
    /// Seed of the forest [default: Annoy's].
    #[arg(long)]
    seed: Option<u64>,
    /// The index file to write (Annoy's format); FILE.dict is written beside it.
    #[arg(long)]
    out: PathBuf,
    /// Write the trees straight into --out as they are built (Annoy's
    /// on_disk_build), never holding the forest in memory: for indexes
    /// larger than RAM.
    #[arg(long)]
    on_disk: bool,
}

/// Arguments of `w2v index query`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("query").required(true).args(["word", "item", "vector"])))]
pub struct QueryArgs {
    /// The index file.
    #[arg(long)]
    index: PathBuf,
    /// Neighbours of this word (needs the sidecar FILE.dict).
    #[arg(long)]
    word: Option<String>,
    /// Neighbours of this item id.
    #[arg(long)]
    item: Option<usize>,
    /// Neighbours of this vector: "x1 x2 ..." (or commas).
    #[arg(long, allow_hyphen_values = true)]
    vector: Option<String>,
    /// Number of neighbours.
    #[arg(short, default_value_t = 10)]
    n: usize,
    /// Candidates to gather [default: Annoy's, n * trees].
    #[arg(long)]
    search_k: Option<usize>,
    /// The vector dimension, for an index without sidecar.
    #[arg(long)]
    dim: Option<usize>,
    /// The metric, for an index without sidecar.
    #[arg(long)]
    metric: Option<Metric>,
    /// Print `{"neighbors":[{"id":..,"word":..,"distance":..}]}`.
    #[arg(long)]
    json: bool,
}

/// Arguments of `w2v index eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The index file.
    #[arg(long)]
    index: PathBuf,
    /// The vectors the index was built from.
    #[arg(long)]
    vectors: PathBuf,
    /// Number of random vocabulary words to query.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// search_k values to try [default: Annoy's default, 1000, 10000].
    #[arg(long, num_args = 1..)]
    search_k: Vec<usize>,
    /// Neighbours per query (recall@n).
    #[arg(short, default_value_t = 10)]
    n: usize,
    /// Seed of the query sample.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The metric, for an index without sidecar [default: angular].
    #[arg(long)]
    metric: Option<Metric>,
    /// Print `{"rows":[{"search_k":..,"recall":..,"qps":..}]}`.
    #[arg(long)]
    json: bool,
}

/// Runs `w2v index`.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<()> {
    match args {
        Args::Build(args) => build(args, ui),
        Args::Query(args) => query(args),
        Args::Eval(args) => eval(args, ui),
    }
}

/// The rows to index: unit vectors for angular (as gensim's AnnoyIndexer),
/// the raw vectors otherwise.
fn indexed(kv: &KeyedVectors, metric: Metric) -> ndarray::ArrayView2<'_, f32> {
    if metric == Metric::Angular {
        kv.normed_vectors()
    } else {
        kv.vectors()
    }
}

/// [`indexed`], row-major.
fn rows(kv: &KeyedVectors, metric: Metric) -> Vec<f32> {
    indexed(kv, metric).iter().copied().collect()
}

fn build(args: BuildArgs, ui: &Ui) -> anyhow::Result<()> {
    let kv = KeyedVectors::load(&args.vectors)
        .with_context(|| format!("cannot read {}", args.vectors.display()))?;
    ensure!(
        !kv.is_empty(),
        "{} holds no vectors",
        args.vectors.display()
    );
    let start = Instant::now();
    let mut index = AnnoyIndex::new(kv.dim(), args.metric);
    // Straight from the matrix when it is contiguous: no extra copy.
    match indexed(&kv, args.metric).as_slice() {
        Some(matrix) => index.add_items(matrix)?,
        None => index.add_items(&rows(&kv, args.metric))?,
    }
    let bar = trees_bar(ui, args.trees);
    let mut options = BuildOptions::new(args.trees);
    options.threads = args.threads;
    options.seed = args.seed;
    if args.on_disk {
        index.on_disk_build(&args.out)?;
    }
    index.build_with(options, |done, _| bar.set_position(done as u64))?;
    bar.finish_and_clear();
    if !args.on_disk {
        index.save(&args.out)?;
    }
    // Built and written, in either mode.
    let built = start.elapsed();
    let sidecar = Sidecar {
        f: kv.dim(),
        num_trees: args.trees,
        labels: kv.index_to_key().to_vec(),
        metric: Some(args.metric.name().to_string()),
    };
    let sidecar_path = Sidecar::path_for(&args.out);
    sidecar.write(&sidecar_path)?;
    ui.note(format_args!(
        "indexed {} words x {} dims with {} trees ({}) in {:.2} s: {} and {}",
        kv.len(),
        kv.dim(),
        args.trees,
        args.metric,
        built.as_secs_f64(),
        args.out.display(),
        sidecar_path.display()
    ));
    Ok(())
}

fn trees_bar(ui: &Ui, trees: usize) -> ProgressBar {
    if ui.quiet {
        return ProgressBar::hidden();
    }
    ProgressBar::new(trees as u64)
        .with_style(
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} trees, eta {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        )
        .with_message("building")
}

/// An opened index and what its sidecar says.
struct Opened {
    index: AnnoyIndex,
    labels: Option<Vec<String>>,
}

/// Opens `path` with its sidecar if there is one; without it `dim` and
/// `metric` must be given, as Annoy's own `load` needs them.
fn open(path: &Path, dim: Option<usize>, metric: Option<Metric>) -> anyhow::Result<Opened> {
    let sidecar_path = Sidecar::path_for(path);
    let (dim, metric, labels) = if sidecar_path.exists() {
        let sidecar = Sidecar::read(&sidecar_path)?;
        let recorded: Metric = sidecar.metric.as_deref().unwrap_or("angular").parse()?;
        if let Some(dim) = dim {
            ensure!(
                dim == sidecar.f,
                "--dim {dim}, but {} says {}",
                sidecar_path.display(),
                sidecar.f
            );
        }
        if let Some(metric) = metric {
            ensure!(
                metric == recorded,
                "--metric {metric}, but {} says {recorded}",
                sidecar_path.display()
            );
        }
        (sidecar.f, recorded, Some(sidecar.labels))
    } else {
        let (Some(dim), Some(metric)) = (dim, metric) else {
            bail!(
                "{} has no sidecar {}: give --dim and --metric, as Annoy's load needs them",
                path.display(),
                sidecar_path.display()
            );
        };
        (dim, metric, None)
    };
    let index = AnnoyIndex::open(path, dim, metric)?;
    if let Some(labels) = &labels {
        ensure!(
            labels.len() == index.get_n_items(),
            "{} names {} words, the index holds {} items",
            sidecar_path.display(),
            labels.len(),
            index.get_n_items()
        );
    }
    Ok(Opened { index, labels })
}

fn query(args: QueryArgs) -> anyhow::Result<()> {
    let Opened { index, labels } = open(&args.index, args.dim, args.metric)?;
    let found = if let Some(word) = &args.word {
        let labels = labels
            .as_ref()
            .context("--word needs the sidecar's labels; query by --item or --vector")?;
        let id = labels
            .iter()
            .position(|w| w == word)
            .with_context(|| format!("{word:?} is not in the index"))?;
        index.get_nns_by_item(id, args.n, args.search_k)?
    } else if let Some(id) = args.item {
        index.get_nns_by_item(id, args.n, args.search_k)?
    } else {
        let text = args.vector.as_deref().unwrap_or_default();
        let vector = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<f32>()
                    .with_context(|| format!("{s:?} is not a number"))
            })
            .collect::<anyhow::Result<Vec<f32>>>()?;
        index.get_nns_by_vector(&vector, args.n, args.search_k)?
    };
    let word = |n: &Neighbor| labels.as_ref().and_then(|l| l.get(n.id as usize));
    if args.json {
        let neighbors: Vec<_> = found
            .iter()
            .map(|n| match word(n) {
                Some(w) => serde_json::json!({"id": n.id, "word": w, "distance": n.distance}),
                None => serde_json::json!({"id": n.id, "distance": n.distance}),
            })
            .collect();
        println!("{}", serde_json::json!({ "neighbors": neighbors }));
    } else {
        for n in &found {
            match word(n) {
                Some(w) => println!("{}\t{w}\t{:.6}", n.id, n.distance),
                None => println!("{}\t{:.6}", n.id, n.distance),
            }
        }
    }
    Ok(())
}

fn eval(args: EvalArgs, ui: &Ui) -> anyhow::Result<()> {
    let kv = KeyedVectors::load(&args.vectors)
        .with_context(|| format!("cannot read {}", args.vectors.display()))?;
    // Without a sidecar the metric cannot be read from the file: angular
    // unless told otherwise.
    let metric = match args.metric {
        None if !Sidecar::path_for(&args.index).exists() => Some(Metric::Angular),
        given => given,
    };
    let Opened { index, .. } = open(&args.index, Some(kv.dim()), metric)?;
    let metric = index.metric();
    ensure!(
        index.get_n_items() == kv.len(),
        "the index holds {} items, {} holds {} words",
        index.get_n_items(),
        args.vectors.display(),
        kv.len()
    );
    ensure!(
        args.queries > 0 && args.n > 0,
        "--queries and -n must be positive"
    );
    let data = rows(&kv, metric);
    let mut rng = Kiss64::new(args.seed);
    let queries: Vec<usize> = (0..args.queries).map(|_| rng.index(kv.len())).collect();
    let spinner = ui.spinner(format!("exact search for {} queries", queries.len()));
    let exact = exact_neighbours(&data, kv.dim(), metric, &queries, args.n);
    spinner.finish_and_clear();

    let search_ks: Vec<Option<usize>> = if args.search_k.is_empty() {
        vec![None, Some(1_000), Some(10_000)]
    } else {
        args.search_k.iter().copied().map(Some).collect()
    };
    let mut rows_out = Vec::new();
    for search_k in search_ks {
        let start = Instant::now();
        let mut hits = 0usize;
        for (&q, truth) in queries.iter().zip(&exact) {
            let found = index.get_nns_by_item(q, args.n, search_k)?;
            hits += found
                .iter()
                .filter(|n| truth.contains(&(n.id as usize)))
                .count();
        }
        let seconds = start.elapsed().as_secs_f64();
        let effective = search_k.unwrap_or(args.n * index.get_n_trees());
        let recall = hits as f64 / (queries.len() * args.n.min(kv.len())) as f64;
        rows_out.push((effective, recall, queries.len() as f64 / seconds));
    }
    if args.json {
        let rows: Vec<_> = rows_out
            .iter()
            .map(|&(k, r, q)| serde_json::json!({"search_k": k, "recall": r, "qps": q}))
            .collect();
        println!("{}", serde_json::json!({ "rows": rows }));
    } else {
        println!("search_k\trecall@{}\tqueries/s", args.n);
        for (k, r, q) in rows_out {
            println!("{k}\t{r:.4}\t{q:.0}");
        }
    }
    Ok(())
}

/// Brute force: the `n` nearest rows to each query row by `metric`
/// (all threads). Small on purpose; knn's exact indexer will replace it.
fn exact_neighbours(
    data: &[f32],
    dim: usize,
    metric: Metric,
    queries: &[usize],
    n: usize,
) -> Vec<Vec<usize>> {
    let k = annoy_rs::kernels::best();
    let score = |x: &[f32], y: &[f32]| match metric {
        Metric::Angular | Metric::Dot => -(k.dot)(x, y),
        Metric::Euclidean => (k.sq_euclidean)(x, y),
        Metric::Manhattan => (k.manhattan)(x, y),
        // The bits Annoy keeps: where one value is above 0.5 and not the other.
        Metric::Hamming => x
            .iter()
            .zip(y)
            .filter(|(a, b)| (**a > 0.5) != (**b > 0.5))
            .count() as f32,
    };
    let one = |q: usize| {
        let x = &data[q * dim..(q + 1) * dim];
        let mut scored: Vec<(f32, usize)> = data
            .chunks_exact(dim)
            .enumerate()
            .map(|(i, y)| (score(x, y), i))
            .collect();
        let n = n.min(scored.len());
        scored.select_nth_unstable_by(n - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        scored.truncate(n);
        scored.into_iter().map(|(_, i)| i).collect::<Vec<usize>>()
    };
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let chunk = queries.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = queries
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|&q| one(q)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("exact search thread panicked"))
            .collect()
    })
}
