//! `w2v index build|query|eval`: Annoy indexes over word vectors, with
//! gensim's `.ann.dict` sidecar so that gensim's `AnnoyIndexer.load` (and
//! Python's `annoy`) open what we write.

use std::path::PathBuf;
use std::time::Instant;

use annoy_rs::{Kiss64, Metric, Neighbor};
use anyhow::{ensure, Context};
use clap::Subcommand;
use knn::sidecar::Sidecar;
use knn::AnnoyIndexer;
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
    #[arg(short, default_value_t = 10, value_parser = super::at_least_one)]
    n: usize,
    /// Candidates to gather [default: Annoy's, n * trees].
    #[arg(long, value_parser = super::at_least_one)]
    search_k: Option<usize>,
    /// The vector dimension, for an index without sidecar.
    #[arg(long)]
    dim: Option<usize>,
    /// The metric, for an index without sidecar: angular (default),
    /// euclidean, manhattan, dot or hamming.
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
    /// Number of random vocabulary words to query [default: 1000, or
    /// every word of a smaller vocabulary].
    #[arg(long, value_parser = super::at_least_one)]
    queries: Option<usize>,
    /// search_k values to try [default: Annoy's default, 1000, 10000].
    #[arg(long, num_args = 1.., value_parser = super::at_least_one)]
    search_k: Vec<usize>,
    /// Neighbours per query (recall@n).
    #[arg(short, default_value_t = 10, value_parser = super::at_least_one)]
    n: usize,
    /// Seed of the query sample.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The metric, for an index without sidecar: angular (default),
    /// euclidean, manhattan, dot or hamming.
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

fn build(args: BuildArgs, ui: &Ui) -> anyhow::Result<()> {
    let sidecar_path = Sidecar::path_for(&args.out);
    super::check_outputs(&[&args.vectors], &[&args.out, &sidecar_path])?;
    ensure!(args.trees > 0, "--trees must be at least 1");
    let kv = KeyedVectors::load(&args.vectors)?;
    ensure!(
        !kv.is_empty(),
        "{} holds no vectors",
        args.vectors.display()
    );
    let (words, dim) = (kv.len(), kv.dim());
    let start = Instant::now();
    let bar = ui.count_bar("building", "trees", args.trees as u64);
    // The builder takes the vectors and drops them once the forest holds
    // its items: one copy of the vectors while building.
    let mut builder = AnnoyIndexer::builder_owned(kv, args.trees)
        .metric(args.metric)
        .threads(args.threads.unwrap_or(0));
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    let progress = |done: usize, _| bar.set_position(done as u64);
    let indexer = if args.on_disk {
        builder.build_into(&args.out, progress)?
    } else {
        let indexer = builder.build_with(progress)?;
        indexer.save(&args.out)?;
        indexer
    };
    bar.finish_and_clear();
    drop(indexer);
    ui.note(format_args!(
        "indexed {} words x {} dims with {} trees ({}) in {:.2} s: {} and {}",
        words,
        dim,
        args.trees,
        args.metric,
        start.elapsed().as_secs_f64(),
        args.out.display(),
        sidecar_path.display()
    ));
    Ok(())
}

fn query(args: QueryArgs) -> anyhow::Result<()> {
    let sidecar = Sidecar::path_for(&args.index);
    if args.dim.is_none() && args.index.is_file() && !sidecar.exists() {
        anyhow::bail!(
            "{} has no sidecar {}: give --dim (and --metric, default angular), as Annoy's load needs them",
            args.index.display(),
            sidecar.display()
        );
    }
    let indexer = AnnoyIndexer::open(&args.index, args.dim, args.metric)?;
    let index = indexer.index();
    let labels = indexer.labels();
    let found = if let Some(word) = &args.word {
        let labels = labels.with_context(|| {
            format!(
                "--word needs the sidecar {}; query by --item or --vector",
                Sidecar::path_for(&args.index).display()
            )
        })?;
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
    let word = |n: &Neighbor| labels.and_then(|l| l.get(n.id as usize));
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
                Some(w) => println!("{}\t{}\t{:.6}", n.id, super::printable(w), n.distance),
                None => println!("{}\t{:.6}", n.id, n.distance),
            }
        }
    }
    Ok(())
}

fn eval(args: EvalArgs, ui: &Ui) -> anyhow::Result<()> {
    ensure!(
        args.queries != Some(0) && args.n > 0,
        "--queries and -n must be positive"
    );
    let kv = KeyedVectors::load(&args.vectors)?;
    let n_queries = args.queries.unwrap_or(kv.len().min(1000));
    ensure!(
        n_queries <= kv.len(),
        "--queries {n_queries} is more than the {} words of {}",
        kv.len(),
        args.vectors.display()
    );
    let indexer = AnnoyIndexer::open(&args.index, Some(kv.dim()), args.metric)?;
    indexer.check_against(&args.index, &kv).with_context(|| {
        format!(
            "cannot use {} with {}",
            args.index.display(),
            args.vectors.display()
        )
    })?;
    let mut rng = Kiss64::new(args.seed);
    let queries: Vec<usize> = (0..n_queries).map(|_| rng.index(kv.len())).collect();
    let search_ks: Vec<Option<usize>> = if args.search_k.is_empty() {
        vec![None, Some(1_000), Some(10_000)]
    } else {
        args.search_k.iter().copied().map(Some).collect()
    };
    let spinner = ui.spinner(format!(
        "{} queries, exact and through the index",
        queries.len()
    ));
    let rows = indexer.evaluate(&kv, &queries, args.n, &search_ks)?;
    spinner.finish_and_clear();
    if args.json {
        let rows: Vec<_> = rows
            .iter()
            .map(|r| serde_json::json!({"search_k": r.search_k, "recall": r.recall, "qps": r.qps}))
            .collect();
        println!("{}", serde_json::json!({ "rows": rows }));
    } else {
        println!("search_k\trecall@{}\tqueries/s", args.n);
        for r in rows {
            println!("{}\t{:.4}\t{:.0}", r.search_k, r.recall, r.qps);
        }
    }
    Ok(())
}
