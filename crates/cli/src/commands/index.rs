//! `w2v index build|query|eval`: Annoy or HNSW indexes over word vectors,
//! with gensim's `.ann.dict` sidecar so that gensim's `AnnoyIndexer.load`
//! (and Python's `annoy`, or `hnswlib` for `--kind hnsw`) open what we write.

use std::path::PathBuf;
use std::time::Instant;

use annoy_rs::{Kiss64, Metric};
use anyhow::{ensure, Context};
use clap::Subcommand;
use knn::sidecar::Sidecar;
use knn::{AnnoyIndexer, HnswIndexer};
use vecstore::KeyedVectors;

use crate::progress::Ui;

/// The kind of index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Annoy's random-projection forest.
    Annoy,
    /// An HNSW graph in hnswlib's format (`cosine` space).
    Hnsw,
}

impl Kind {
    /// `explicit`, else the kind the sidecar of `path` describes (Annoy
    /// without one).
    fn of(path: &std::path::Path, explicit: Option<Kind>) -> Kind {
        explicit.unwrap_or(if HnswIndexer::has_hnsw_sidecar(path) {
            Kind::Hnsw
        } else {
            Kind::Annoy
        })
    }
}

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
    /// The kind of index: annoy (default) or hnsw (hnswlib's format, cosine space).
    #[arg(long, value_enum, default_value = "annoy")]
    kind: Kind,
    /// Number of trees (annoy).
    #[arg(long, default_value_t = 100)]
    trees: usize,
    /// Links per element (hnsw's M).
    #[arg(long, default_value_t = 16)]
    m: usize,
    /// Beam width while building (hnsw).
    #[arg(long, default_value_t = 200)]
    ef_construction: usize,
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
    /// Beam width of an HNSW search [default: 50]; at least -n.
    #[arg(long, value_parser = super::at_least_one)]
    ef: Option<usize>,
    /// The kind of index [default: from the sidecar; annoy without one].
    #[arg(long, value_enum)]
    kind: Option<Kind>,
    /// hnswlib's space, for an HNSW index without sidecar: cosine (default), l2 or ip.
    #[arg(long)]
    space: Option<String>,
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
    /// ef values to try, for an HNSW index [default: 10 20 50 100 200].
    #[arg(long, num_args = 1.., value_parser = super::at_least_one)]
    ef: Vec<usize>,
    /// The kind of index [default: from the sidecar; annoy without one].
    #[arg(long, value_enum)]
    kind: Option<Kind>,
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
    /// Print `{"rows":[{"search_k":..,"recall":..,"qps":..}]}` (`"ef"` for HNSW).
    #[arg(long)]
    json: bool,
}

/// Runs `w2v index`.
pub fn run(args: Args, ui: &Ui) -> anyhow::Result<()> {
    match args {
        Args::Build(args) if args.kind == Kind::Hnsw => build_hnsw(args, ui),
        Args::Build(args) => build(args, ui),
        Args::Query(args) if Kind::of(&args.index, args.kind) == Kind::Hnsw => query_hnsw(args),
        Args::Query(args) => query(args),
        Args::Eval(args) if Kind::of(&args.index, args.kind) == Kind::Hnsw => eval_hnsw(args, ui),
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
        let vector = parse_vector(args.vector.as_deref().unwrap_or_default())?;
        index.get_nns_by_vector(&vector, args.n, args.search_k)?
    };
    let found = found.iter().map(|n| (u64::from(n.id), n.distance));
    print_neighbours(found, labels, args.json);
    Ok(())
}

fn eval(args: EvalArgs, ui: &Ui) -> anyhow::Result<()> {
    let kv = KeyedVectors::load(&args.vectors)?;
    let queries = sample_queries(&args, &kv)?;
    let indexer = AnnoyIndexer::open(&args.index, Some(kv.dim()), args.metric)?;
    indexer.check_against(&args.index, &kv).with_context(|| {
        format!(
            "cannot use {} with {}",
            args.index.display(),
            args.vectors.display()
        )
    })?;
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
    let rows = rows.iter().map(|r| (r.search_k, r.recall, r.qps));
    print_recall("search_k", rows, args.n, args.json);
    Ok(())
}

fn build_hnsw(args: BuildArgs, ui: &Ui) -> anyhow::Result<()> {
    let sidecar_path = Sidecar::path_for(&args.out);
    super::check_outputs(&[&args.vectors], &[&args.out, &sidecar_path])?;
    ensure!(
        args.threads.unwrap_or(0) <= 1024,
        "--threads must be at most 1,024"
    );
    let kv = KeyedVectors::load(&args.vectors)?;
    ensure!(
        !kv.is_empty(),
        "{} holds no vectors",
        args.vectors.display()
    );
    let start = Instant::now();
    let bar = ui.count_bar("building", "words", kv.len() as u64);
    let mut builder = HnswIndexer::builder(&kv)
        .m(args.m)
        .ef_construction(args.ef_construction)
        .threads(args.threads.unwrap_or(0));
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    let indexer = builder.build_with(|done, _| bar.set_position(done as u64))?;
    indexer.save(&args.out)?;
    bar.finish_and_clear();
    ui.note(format_args!(
        "indexed {} words x {} dims (HNSW, M {}, ef_construction {}) in {:.2} s: {} and {}",
        kv.len(),
        kv.dim(),
        args.m,
        args.ef_construction,
        start.elapsed().as_secs_f64(),
        args.out.display(),
        sidecar_path.display()
    ));
    Ok(())
}

fn query_hnsw(args: QueryArgs) -> anyhow::Result<()> {
    let sidecar = Sidecar::path_for(&args.index);
    let has_sidecar = sidecar.exists();
    let space: hnsw::Space = args.space.as_deref().unwrap_or("cosine").parse()?;
    if !has_sidecar {
        ensure!(
            args.dim.is_some(),
            "{} has no sidecar {}: give --dim (and --space, default cosine), as hnswlib's load_index needs them",
            args.index.display(),
            sidecar.display()
        );
    }
    let ef = args.ef.unwrap_or(50);
    ensure!(
        ef >= args.n,
        "--ef {ef} is below -n {}: ef must be at least the number of neighbours",
        args.n
    );
    // With a sidecar, or in the cosine space, through knn's indexer (which
    // checks the pair); hnswlib's other spaces are opened as they are.
    let (mut index, labels) = if has_sidecar || space == hnsw::Space::Cosine {
        ensure!(
            space == hnsw::Space::Cosine,
            "{} has a sidecar: its index is in the cosine space",
            args.index.display()
        );
        let indexer = HnswIndexer::open(&args.index, args.dim)?;
        let labels = indexer.labels().map(<[String]>::to_vec);
        let dim = indexer.index().dim();
        // Reopen as a plain index to query by label and vector.
        (
            hnsw::HnswIndex::load_index(
                &args.index,
                hnsw::Space::Cosine,
                dim,
                hnsw::Capacity::Saved,
            )?,
            labels,
        )
    } else {
        let dim = args.dim.unwrap_or_default();
        (
            hnsw::HnswIndex::load_index(&args.index, space, dim, hnsw::Capacity::Saved)?,
            None,
        )
    };
    index.set_ef(ef)?;
    let vector = if let Some(word) = &args.word {
        let labels = labels.as_ref().with_context(|| {
            format!(
                "--word needs the sidecar {}; query by --item or --vector",
                sidecar.display()
            )
        })?;
        let id = labels
            .iter()
            .position(|w| w == word)
            .with_context(|| format!("{word:?} is not in the index"))?;
        index.get_items(&[id as u64])?.remove(0)
    } else if let Some(id) = args.item {
        index.get_items(&[id as u64])?.remove(0)
    } else {
        parse_vector(args.vector.as_deref().unwrap_or_default())?
    };
    let found = index.knn_query(&vector, args.n)?;
    let found = found.iter().map(|n| (n.label, n.distance));
    print_neighbours(found, labels.as_deref(), args.json);
    Ok(())
}

fn eval_hnsw(args: EvalArgs, ui: &Ui) -> anyhow::Result<()> {
    let kv = KeyedVectors::load(&args.vectors)?;
    let queries = sample_queries(&args, &kv)?;
    let efs: Vec<usize> = if args.ef.is_empty() {
        vec![10, 20, 50, 100, 200]
    } else {
        args.ef.clone()
    };
    if let Some(ef) = efs.iter().find(|&&ef| ef < args.n) {
        anyhow::bail!(
            "--ef {ef} is below -n {}: ef must be at least the number of neighbours",
            args.n
        );
    }
    let mut indexer = HnswIndexer::load(&args.index, &kv).with_context(|| {
        format!(
            "cannot use {} with {}",
            args.index.display(),
            args.vectors.display()
        )
    })?;
    let spinner = ui.spinner(format!(
        "{} queries, exact and through the index",
        queries.len()
    ));
    let rows = indexer.evaluate(&kv, &queries, args.n, &efs)?;
    spinner.finish_and_clear();
    let rows = rows.iter().map(|r| (r.ef, r.recall, r.qps));
    print_recall("ef", rows, args.n, args.json);
    Ok(())
}

/// Parses `--vector`: numbers separated by whitespace or commas.
fn parse_vector(text: &str) -> anyhow::Result<Vec<f32>> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<f32>()
                .with_context(|| format!("{s:?} is not a number"))
        })
        .collect()
}

/// Prints `(id, distance)` neighbours, with their words when `labels`
/// names them: `id<TAB>word<TAB>distance` lines, or one JSON object.
fn print_neighbours(
    found: impl Iterator<Item = (u64, f32)>,
    labels: Option<&[String]>,
    json: bool,
) {
    let word = |id: u64| labels.and_then(|l| usize::try_from(id).ok().and_then(|i| l.get(i)));
    if json {
        let neighbors: Vec<_> = found
            .map(|(id, distance)| match word(id) {
                Some(w) => serde_json::json!({"id": id, "word": w, "distance": distance}),
                None => serde_json::json!({"id": id, "distance": distance}),
            })
            .collect();
        println!("{}", serde_json::json!({ "neighbors": neighbors }));
    } else {
        for (id, distance) in found {
            match word(id) {
                Some(w) => println!("{id}\t{}\t{distance:.6}", super::printable(w)),
                None => println!("{id}\t{distance:.6}"),
            }
        }
    }
}

/// The vocabulary rows `index eval` queries: `--queries` of them (default
/// up to 1,000), drawn with `--seed`.
fn sample_queries(args: &EvalArgs, kv: &KeyedVectors) -> anyhow::Result<Vec<usize>> {
    ensure!(
        args.queries != Some(0) && args.n > 0,
        "--queries and -n must be positive"
    );
    let n_queries = args.queries.unwrap_or(kv.len().min(1000));
    ensure!(
        n_queries <= kv.len(),
        "--queries {n_queries} is more than the {} words of {}",
        kv.len(),
        args.vectors.display()
    );
    let mut rng = Kiss64::new(args.seed);
    Ok((0..n_queries).map(|_| rng.index(kv.len())).collect())
}

/// Prints `(setting, recall, queries/s)` rows of `index eval`, the setting
/// named `setting` (`search_k` or `ef`).
fn print_recall(
    setting: &str,
    rows: impl Iterator<Item = (usize, f64, f64)>,
    n: usize,
    json: bool,
) {
    if json {
        let rows: Vec<_> = rows
            .map(|(value, recall, qps)| serde_json::json!({setting: value, "recall": recall, "qps": qps}))
            .collect();
        println!("{}", serde_json::json!({ "rows": rows }));
    } else {
        println!("{setting}\trecall@{n}\tqueries/s");
        for (value, recall, qps) in rows {
            println!("{value}\t{recall:.4}\t{qps:.0}");
        }
    }
}
