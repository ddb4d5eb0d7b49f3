//! The tutorial's steps, in order.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use corpus::Corpus;
use embed::{Params, Word2Vec};
use knn::{AnnoyIndexer, ExactIndexer, Indexer, Similarity, Term};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;
use vecstore::{Format, KeyedVectors, ReadOptions, WriteOptions};

use super::plot::{self, SweepPoint};
use super::{memory, Args, Report};
use crate::peer::workspace_root;

/// Step 2's figures.
#[derive(Debug, Default, Serialize)]
pub struct Training {
    /// gensim's `str(model)`.
    pub summary: String,
    /// The parameters.
    pub params: Option<Params>,
    /// Threads used.
    pub threads: usize,
    /// Training seconds (vocabulary excluded).
    pub seconds: f64,
    /// Raw words per second.
    pub words_per_sec: f64,
    /// Words trained on after downsampling.
    pub effective_words: u64,
}

/// Step 3: neighbours of one word, both ways.
#[derive(Debug, Default, Serialize)]
pub struct Neighbours {
    /// The query word.
    pub word: String,
    /// Through the Annoy index: (word, cosine similarity).
    pub approximate: Vec<(String, f32)>,
    /// Exact.
    pub exact: Vec<(String, f32)>,
    /// Words in one list and not the other.
    pub differing: Vec<String>,
}

/// Step 4's figures.
#[derive(Debug, Default, Serialize)]
pub struct Timing {
    /// Random vocabulary vectors queried.
    pub queries: usize,
    /// Trees of the index.
    pub num_trees: usize,
    /// Seconds to build it.
    pub build_seconds: f64,
    /// Mean exact `most_similar` time, ms.
    pub exact_ms: f64,
    /// Mean approximate time, ms.
    pub approx_ms: f64,
    /// exact / approximate.
    pub speedup: f64,
    /// Mean recall@10 of the approximate answers.
    pub recall_at_10: f64,
}

/// Step 5's checks.
#[derive(Debug, Default, Serialize)]
pub struct Persistence {
    /// The reloaded index gave the same neighbours.
    pub index_reload_identical: bool,
    /// The reloaded model gave the same vectors.
    pub model_reload_identical: bool,
    /// Index file size, bytes.
    pub index_bytes: u64,
}

/// Step 9's checks.
#[derive(Debug, Default, Serialize)]
pub struct Export {
    /// The first lines of the text file.
    pub text_head: Vec<String>,
    /// Both imports equal the original vectors.
    pub round_trip_identical: bool,
    /// The word queried after import.
    pub word: String,
    /// Its approximate neighbours from the imported vectors' index.
    pub approximate: Vec<(String, f32)>,
    /// Its exact neighbours.
    pub exact: Vec<(String, f32)>,
}

/// The exact top `k` neighbours of the vocabulary rows `ids` (each
/// including itself), through batched matrix products.
pub(super) fn exact_neighbours(
    kv: &KeyedVectors,
    ids: &[usize],
    k: usize,
) -> Vec<Vec<(usize, f32)>> {
    let normed = kv.normed_vectors();
    let queries =
        ndarray::Array2::from_shape_fn((ids.len(), kv.dim()), |(i, j)| normed[[ids[i], j]]);
    ExactIndexer::new(kv).search_batch(queries.view(), k, None, &[])
}

/// The share of `truth`'s ids that `found` also holds.
fn overlap(truth: &[(usize, f32)], found: &[(usize, f32)]) -> f64 {
    let hits = truth
        .iter()
        .filter(|t| found.iter().any(|f| f.0 == t.0))
        .count();
    hits as f64 / truth.len().max(1) as f64
}

/// The run's state.
pub struct Tutorial {
    args: Args,
    /// What has been measured so far.
    pub report: Report,
}

impl Tutorial {
    /// A tutorial about to run with `args`.
    pub fn new(args: Args) -> Self {
        Tutorial {
            args,
            report: Report::default(),
        }
    }

    /// Prints unless quiet.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.args.quiet {
            println!("{}", line.as_ref());
        }
    }

    /// A progress bar of `len` steps on stderr; hidden when quiet or when
    /// stderr is not a terminal.
    fn bar(&self, len: u64) -> indicatif::ProgressBar {
        if self.args.quiet {
            return indicatif::ProgressBar::hidden();
        }
        indicatif::ProgressBar::new(len).with_style(
            indicatif::ProgressStyle::with_template(
                "   [{bar:30}] {percent:>3}% {msg} (eta {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        )
    }

    fn threads(&self) -> usize {
        match self.args.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// Runs steps 1 to 9 (and 10 with `--doc2vec`), timing each.
    pub fn run_all(&mut self) -> anyhow::Result<()> {
        let corpus = self.step("1. corpus", |t| t.corpus())?;
        let model = self.step("2. training", |t| t.train(&corpus))?;
        let kv = model.wv();
        let trees = if self.args.quick { 20 } else { 100 };
        let indexer = self.step("3. index and neighbours", |t| t.neighbours(&kv, trees))?;
        self.step("4. exact vs approximate", |t| t.timing(&kv, &indexer))?;
        let (model_path, index_path) =
            self.step("5. save and load", |t| t.persistence(&model, &kv, indexer))?;
        // The rest needs only the vectors: free the training weights.
        drop(model);
        self.step("6. memory-mapping", |t| {
            t.memory(&model_path, &index_path, trees)
        })?;
        // Each step from here holds only what it uses: the sweep its forest
        // and its exact answers, steps 8 and 9 the vectors read back from the
        // saved model.
        self.step("7. num_trees sweep", |t| t.sweep(kv))?;
        self.step("8. exact vs Annoy vs HNSW", |t| {
            t.compare(&model_path, &index_path, trees)
        })?;
        self.step("9. word2vec formats", |t| t.export(&model_path))?;
        if self.args.doc2vec {
            let report = self.step("10. Doc2Vec", |t| {
                let say = |line: String| t.say(line);
                super::doc2vec::run(
                    t.args.documents.as_ref(),
                    t.args.quick,
                    t.args.seed,
                    t.threads(),
                    &say,
                )
            })?;
            self.report.doc2vec = Some(report);
        }
        Ok(())
    }

    fn step<T>(
        &mut self,
        name: &str,
        run: impl FnOnce(&mut Self) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.say(format!("\n== {name}"));
        let start = Instant::now();
        memory::reset_own_peak();
        let result = run(self).with_context(|| format!("step {name}"))?;
        let seconds = start.elapsed().as_secs_f64();
        let peak = memory::own_peak_rss_mib().unwrap_or(f64::NAN);
        self.say(format!("   ({seconds:.2} s, peak {peak:.0} MiB)"));
        self.report.step_seconds.push((name.to_string(), seconds));
        self.report.step_peak_mib.push((name.to_string(), peak));
        Ok(result)
    }

    /// Step 1: `--corpus`, else text8 (cache or download), else the bundled corpus.
    fn corpus(&mut self) -> anyhow::Result<Corpus> {
        let bundled = workspace_root().join("fixtures/corpus/dev100k.txt");
        let (path, source) = if let Some(path) = &self.args.corpus {
            (path.clone(), "given with --corpus".to_string())
        } else if self.args.quick {
            (
                bundled,
                "bundled fixtures/corpus/dev100k.txt (--quick)".to_string(),
            )
        } else {
            let cache = corpus::text8::default_cache_dir()?;
            self.say(format!(
                "   text8 from the cache or by download ({})",
                cache.display()
            ));
            let bar = self.bar(0);
            let fetched =
                corpus::text8::fetch(&corpus::text8::Source::default(), &cache, &mut |p| {
                    if let corpus::text8::Progress::Download { done, total } = p {
                        bar.set_length(total.unwrap_or(0));
                        bar.set_position(done);
                        bar.set_message("downloading text8.zip");
                    }
                });
            bar.finish_and_clear();
            match fetched {
                Ok(path) => (path, "text8 (cache or download)".to_string()),
                Err(e) => {
                    self.say(format!("   no text8: {e}"));
                    self.say("   falling back to the bundled corpus fixtures/corpus/dev100k.txt (100,000 words)");
                    (
                        bundled,
                        format!("bundled fixtures/corpus/dev100k.txt (text8 unavailable: {e})"),
                    )
                }
            }
        };
        let corpus = if self.args.lines {
            Corpus::lines(&path)
        } else {
            Corpus::text8(&path)
        };
        self.say(format!("   corpus: {} ({source})", path.display()));
        self.report.corpus = super::CorpusInfo {
            path: path.display().to_string(),
            source,
            words: 0,
        };
        Ok(corpus)
    }

    /// Step 2: the tutorial's parameters.
    fn train(&mut self, corpus: &Corpus) -> anyhow::Result<Word2Vec> {
        let params = Params {
            workers: self.threads(),
            seed: self.args.seed,
            ..Params::tutorial()
        };
        let mut model = Word2Vec::build_vocab(corpus, params.clone())?;
        self.say(format!("   {model}"));
        let bar = self.bar(1000);
        let report = model.train(corpus, params.epochs, &mut |p| {
            bar.set_position((p.fraction * 1000.0) as u64);
            bar.set_message(format!(
                "epoch {}/{}, {:.0} words/s, alpha {:.5}",
                p.epoch + 1,
                p.epochs,
                p.words_per_sec,
                p.alpha
            ));
        })?;
        bar.finish_and_clear();
        self.say(format!(
            "   trained on {} words ({} effective) in {:.2} s: {:.0} words/s with {} threads",
            report.raw_words,
            report.effective_words,
            report.seconds,
            report.words_per_sec,
            self.threads()
        ));
        self.report.corpus.words = report.raw_words / params.epochs as u64;
        self.report.training = Training {
            summary: model.to_string(),
            params: Some(params),
            threads: self.threads(),
            seconds: report.seconds,
            words_per_sec: report.words_per_sec,
            effective_words: report.effective_words,
        };
        Ok(model)
    }

    /// The tutorial's query word, or the most frequent word if it is missing.
    fn query_word<'a>(&self, kv: &'a KeyedVectors, wanted: &'a str) -> &'a str {
        if kv.contains(wanted) {
            wanted
        } else {
            let fallback = kv
                .index_to_key()
                .get(100.min(kv.len() - 1))
                .map_or(wanted, String::as_str);
            self.say(format!(
                "   {wanted:?} is not in the vocabulary; using {fallback:?}"
            ));
            fallback
        }
    }

    /// Step 3: an index, and the 11 neighbours of "science" both ways.
    fn neighbours(&mut self, kv: &KeyedVectors, trees: usize) -> anyhow::Result<AnnoyIndexer> {
        let start = Instant::now();
        let indexer = AnnoyIndexer::builder(kv, trees)
            .seed(self.args.seed)
            .threads(self.threads())
            .build()?;
        self.report.timing.build_seconds = start.elapsed().as_secs_f64();
        self.report.timing.num_trees = trees;
        self.say(format!(
            "   built {trees} trees in {:.2} s",
            self.report.timing.build_seconds
        ));
        let word = self.query_word(kv, "science").to_string();
        let vector = kv.get_vector(&word)?.to_vec();
        // As the tutorial: most_similar([vector], topn=11), which keeps the word itself.
        let approximate =
            kv.most_similar(&[Term::Vector(&vector)], &[], 11, None, Some(&indexer))?;
        let exact = kv.most_similar(&[Term::Vector(&vector)], &[], 11, None, None)?;
        self.say(format!(
            "   {:<28} {:<28}",
            "Approximate Neighbors", "Exact Neighbors"
        ));
        for (a, e) in approximate.iter().zip(&exact) {
            self.say(format!("   {:<20} {:.4}  {:<20} {:.4}", a.0, a.1, e.0, e.1));
        }
        let differing: Vec<String> = approximate
            .iter()
            .map(|(w, _)| w)
            .filter(|w| !exact.iter().any(|(e, _)| e == *w))
            .chain(
                exact
                    .iter()
                    .map(|(w, _)| w)
                    .filter(|w| !approximate.iter().any(|(a, _)| a == *w)),
            )
            .cloned()
            .collect();
        self.say(format!("   words in only one list: {differing:?}"));
        self.say("   (similarities are true cosines, 1 - d^2/2; the tutorial printed 1 - d/2)");
        self.report.science = Neighbours {
            word,
            approximate,
            exact,
            differing,
        };
        Ok(indexer)
    }

    fn sample(&self, kv: &KeyedVectors, n: usize) -> Vec<usize> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.args.seed);
        (0..n).map(|_| rng.random_range(0..kv.len())).collect()
    }

    /// Step 4: mean time of exact and approximate `most_similar` (topn 5)
    /// over random vocabulary vectors, after a warm-up, and recall@10.
    fn timing(&mut self, kv: &KeyedVectors, indexer: &AnnoyIndexer) -> anyhow::Result<()> {
        let n = if self.args.quick { 1000 } else { 10_000 };
        let ids = self.sample(kv, n);
        let vectors: Vec<Vec<f32>> = ids.iter().map(|&i| kv.vectors().row(i).to_vec()).collect();
        let time = |index: Option<&dyn Indexer>| -> anyhow::Result<f64> {
            for v in vectors.iter().take(100) {
                kv.most_similar(&[Term::Vector(v)], &[], 5, None, index)?;
            }
            let start = Instant::now();
            for v in &vectors {
                kv.most_similar(&[Term::Vector(v)], &[], 5, None, index)?;
            }
            Ok(start.elapsed().as_secs_f64() * 1000.0 / vectors.len() as f64)
        };
        let exact_ms = time(None)?;
        let approx_ms = time(Some(indexer))?;
        let normed = kv.normed_vectors();
        let truth = exact_neighbours(kv, &ids, 10);
        let mut recall = 0.0;
        for (&id, truth) in ids.iter().zip(&truth) {
            recall += overlap(truth, &indexer.most_similar(normed.row(id), 10)?);
        }
        let recall = recall / ids.len() as f64;
        self.say(format!(
            "   Gensim (numpy vector math): {exact_ms:.4} ms per query (ours: exact brute force)"
        ));
        self.say(format!("   Annoy: {approx_ms:.4} ms per query"));
        self.say(format!(
            "   Annoy is {:.2} times faster on average, recall@10 {:.3} over {n} queries",
            exact_ms / approx_ms,
            recall
        ));
        let timing = &mut self.report.timing;
        timing.queries = n;
        timing.exact_ms = exact_ms;
        timing.approx_ms = approx_ms;
        timing.speedup = exact_ms / approx_ms;
        timing.recall_at_10 = recall;
        Ok(())
    }

    /// Step 5: save and reload the index and the model.
    fn persistence(
        &mut self,
        model: &Word2Vec,
        kv: &KeyedVectors,
        indexer: AnnoyIndexer,
    ) -> anyhow::Result<(PathBuf, PathBuf)> {
        let index_path = self.args.out.join("index.ann");
        indexer.save(&index_path)?;
        let word = self.report.science.word.clone();
        let vector = kv.get_vector(&word)?.to_vec();
        let before = kv.most_similar(&[Term::Vector(&vector)], &[], 11, None, Some(&indexer))?;
        // The rest of the tutorial uses the saved index.
        drop(indexer);
        let reloaded = AnnoyIndexer::load(&index_path, kv)?;
        let after = kv.most_similar(&[Term::Vector(&vector)], &[], 11, None, Some(&reloaded))?;
        let index_reload_identical = before == after;
        // Its verified pages count as resident until it is unmapped.
        drop(reloaded);
        let model_path = self.args.out.join("model.kv");
        model.save(&model_path)?;
        let model_reload_identical = Word2Vec::load(&model_path)?.wv() == *kv;
        let index_bytes = std::fs::metadata(&index_path)?.len();
        self.say(format!(
            "   saved {} ({} bytes) and {}.dict; reloaded neighbours identical: {index_reload_identical}",
            index_path.display(),
            index_bytes,
            index_path.display()
        ));
        self.say(format!(
            "   saved the model to {}; reloaded vectors identical: {model_reload_identical}",
            model_path.display()
        ));
        anyhow::ensure!(
            index_reload_identical && model_reload_identical,
            "a reload changed the results"
        );
        self.report.persistence = Persistence {
            index_reload_identical,
            model_reload_identical,
            index_bytes,
        };
        Ok((model_path, index_path))
    }

    /// Step 6: two processes building their own index, then two mapping the saved one.
    fn memory(&mut self, model: &Path, index: &Path, trees: usize) -> anyhow::Result<()> {
        for mode in ["build", "map"] {
            let figures = memory::measure_pair(mode, model, index, trees)?;
            for f in &figures {
                self.say(format!(
                    "   process that {:<5} the index: RSS {:7.1} MiB, PSS {:7.1} MiB",
                    mode, f.rss_mib, f.pss_mib
                ));
            }
            self.report.memory.extend(figures);
        }
        self.say("   mapping processes share the model's and the index's pages: their PSS is below their RSS");
        Ok(())
    }

    /// Step 7: build time and accuracy against num_trees. Takes the vectors
    /// to free them once the exact answers and the first forest are made:
    /// from then on the forest is all the sweep reads.
    fn sweep(&mut self, kv: KeyedVectors) -> anyhow::Result<()> {
        let trees: Vec<usize> = if self.args.quick {
            vec![1, 5, 10, 20, 40]
        } else {
            (1..300).step_by(10).collect()
        };
        let ids = self.sample(&kv, if self.args.quick { 100 } else { 1000 });
        let normed = kv.normed_vectors();
        let queries = normed.select(ndarray::Axis(0), &ids);
        let probe = kv.get_normed(&self.report.science.word)?.to_owned();
        let truth100 = ExactIndexer::new(&kv).most_similar(probe.view(), 100)?;
        let truth10 = exact_neighbours(&kv, &ids, 10);
        // The forests are grown one from the next: tree t is seeded by
        // seed + t, so the first n trees of a larger forest are exactly the
        // n-tree forest, and growing n trees costs the same whether they
        // are built at once or in steps. Each tree is built once, and the
        // build time of n trees is the time spent growing them.
        let start = Instant::now();
        let mut indexer = AnnoyIndexer::builder(&kv, trees[0])
            .seed(self.args.seed)
            .threads(self.threads())
            .build()?;
        let mut build_seconds = start.elapsed().as_secs_f64();
        drop(kv);
        let mut points = Vec::new();
        for &num_trees in &trees {
            if num_trees > indexer.num_trees() {
                let start = Instant::now();
                indexer.add_trees_with(
                    num_trees - indexer.num_trees(),
                    self.threads(),
                    |_, _| {},
                )?;
                build_seconds += start.elapsed().as_secs_f64();
            }
            let found = indexer.most_similar(probe.view(), 100)?;
            let overlap_top100 = overlap(&truth100, &found);
            let mut recall = 0.0;
            for (query, truth) in queries.rows().into_iter().zip(&truth10) {
                recall += overlap(truth, &indexer.most_similar(query, 10)?);
            }
            let recall_at_10 = recall / ids.len() as f64;
            self.say(format!(
                "   num_trees {num_trees:>3}: build {build_seconds:7.3} s, top-100 overlap {:5.1}%, recall@10 {:5.1}%",
                overlap_top100 * 100.0,
                recall_at_10 * 100.0
            ));
            points.push(SweepPoint {
                num_trees,
                build_seconds,
                overlap_top100,
                recall_at_10,
            });
        }
        let csv = self.args.out.join("sweep.csv");
        let mut text = String::from("num_trees,build_seconds,overlap_top100,recall_at_10\n");
        for p in &points {
            text.push_str(&format!(
                "{},{},{},{}\n",
                p.num_trees, p.build_seconds, p.overlap_top100, p.recall_at_10
            ));
        }
        std::fs::write(&csv, text)?;
        let charts = plot::charts(&points, &self.args.out)?;
        if charts.is_empty() {
            self.say(
                "   no TrueType font found (DejaVu Sans): charts skipped, the CSV has the data",
            );
        }
        self.say(format!(
            "   wrote {} and {}",
            csv.display(),
            charts
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        self.report.sweep = points;
        Ok(())
    }

    /// Step 8: exact search, Annoy (the forest saved in step 5, at several
    /// `search_k`) and HNSW (built here, at several `ef`) on the vectors of
    /// the saved model: recall@10 against time per query, and a chart.
    fn compare(&mut self, model: &Path, annoy: &Path, trees: usize) -> anyhow::Result<()> {
        let kv = KeyedVectors::load(model)?;
        let ids = self.sample(&kv, if self.args.quick { 300 } else { 1000 });
        let settings = super::compare::Settings::new(self.args.quick);
        let say = |line: String| self.say(line);
        let comparison = super::compare::run(
            &kv,
            &ids,
            annoy,
            self.report.timing.build_seconds,
            trees,
            &self.args.out.join("index.hnsw"),
            &settings,
            self.args.seed,
            self.threads(),
            &say,
        )?;
        drop(kv);
        let charts = plot::comparison(&comparison, &self.args.out)?;
        if !charts.is_empty() {
            self.say(format!(
                "   wrote {}",
                charts
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        self.report.comparison = comparison;
        Ok(())
    }

    /// Step 9: export the vectors of the saved model, show, import,
    /// compare, index the imported vectors.
    fn export(&mut self, model: &Path) -> anyhow::Result<()> {
        let kv = KeyedVectors::load(model)?;
        let text = self.args.out.join("vectors.txt");
        let binary = self.args.out.join("vectors.bin");
        vecstore::write(&kv, &text, Format::Text, &WriteOptions::default())?;
        vecstore::write(&kv, &binary, Format::Binary, &WriteOptions::default())?;
        let mut head = Vec::new();
        for line in std::io::BufReader::new(std::fs::File::open(&text)?)
            .lines()
            .take(3)
        {
            let line = line?;
            head.push(match line.char_indices().nth(87) {
                Some((end, _)) if line.len() > 90 => format!("{}...", &line[..end]),
                _ => line,
            });
        }
        self.say(format!("   {} begins:", text.display()));
        for line in &head {
            self.say(format!("   {line}"));
        }
        // One import at a time, each compared with the vectors and dropped.
        let same =
            |a: &KeyedVectors| a.index_to_key() == kv.index_to_key() && a.vectors() == kv.vectors();
        let text_identical = same(&vecstore::read(&text, Format::Text, &ReadOptions::default())?.0);
        let (from_binary, _) = vecstore::read(&binary, Format::Binary, &ReadOptions::default())?;
        let round_trip_identical = text_identical && same(&from_binary);
        drop(kv);
        self.say(format!(
            "   imported both back: identical to the originals: {round_trip_identical}"
        ));
        anyhow::ensure!(
            round_trip_identical,
            "an import differs from the exported vectors"
        );
        let trees = if self.args.quick { 10 } else { 100 };
        let indexer = AnnoyIndexer::builder(&from_binary, trees)
            .seed(self.args.seed)
            .threads(self.threads())
            .build()?;
        let path = self.args.out.join("imported.ann");
        indexer.save(&path)?;
        // The queries go to the saved index: free the built one first.
        drop(indexer);
        let indexer = AnnoyIndexer::load(&path, &from_binary)?;
        let word = self.query_word(&from_binary, "cat").to_string();
        let approximate =
            from_binary.most_similar(&[Term::Word(&word)], &[], 10, None, Some(&indexer))?;
        let exact = from_binary.most_similar(&[Term::Word(&word)], &[], 10, None, None)?;
        self.say(format!(
            "   neighbours of {word:?} from the imported vectors (approximate | exact):"
        ));
        for (a, e) in approximate.iter().zip(&exact) {
            self.say(format!("   {:<20} {:.4}  {:<20} {:.4}", a.0, a.1, e.0, e.1));
        }
        self.report.export = Export {
            text_head: head,
            round_trip_identical,
            word,
            approximate,
            exact,
        };
        Ok(())
    }

    /// Writes `report.json` and `report.md`.
    pub fn write_report(&self) -> anyhow::Result<()> {
        let r = &self.report;
        let json = self.args.out.join("report.json");
        std::fs::write(&json, serde_json::to_string_pretty(r)?)?;
        let mut md =
            String::from("# Tutorial report: similarity queries using Annoy with word2vec\n\n");
        md += &format!(
            "Machine: {} ({} cores, {:.0} MiB). Corpus: {} ({}, {} words).\n\n",
            r.machine.cpu,
            r.machine.cores,
            r.machine.memory_mib,
            r.corpus.path,
            r.corpus.source,
            r.corpus.words
        );
        md += &format!(
            "## Training\n\n{} trained in {:.2} s, {:.0} words/s, {} threads.\n\n",
            r.training.summary, r.training.seconds, r.training.words_per_sec, r.training.threads
        );
        md += &format!("## Neighbours of {:?} ({} trees)\n\n| approximate | cosine | exact | cosine |\n|---|---|---|---|\n", r.science.word, r.timing.num_trees);
        for (a, e) in r.science.approximate.iter().zip(&r.science.exact) {
            md += &format!("| {} | {:.4} | {} | {:.4} |\n", a.0, a.1, e.0, e.1);
        }
        md += &format!("\nIn one list only: {:?}. Similarities are true cosines (`1 - d^2/2`); gensim's tutorial printed `1 - d/2`.\n\n", r.science.differing);
        let t = &r.timing;
        md += &format!("## Exact vs approximate ({} queries, topn 5)\n\n| | ms per query |\n|---|---|\n| exact | {:.4} |\n| Annoy, {} trees | {:.4} |\n\nSpeed-up {:.2}x, recall@10 {:.3}. Index built in {:.2} s.\n\n", t.queries, t.exact_ms, t.num_trees, t.approx_ms, t.speedup, t.recall_at_10, t.build_seconds);
        md += &format!("## Persistence\n\nIndex ({} bytes) reloaded identical: {}; model reloaded identical: {}.\n\n", r.persistence.index_bytes, r.persistence.index_reload_identical, r.persistence.model_reload_identical);
        md += "## Memory of serving processes\n\n| mode | RSS MiB | PSS MiB |\n|---|---|---|\n";
        for m in &r.memory {
            md += &format!("| {} | {:.1} | {:.1} |\n", m.mode, m.rss_mib, m.pss_mib);
        }
        md += "\n## num_trees sweep\n\nEach forest is grown from the previous one (tree t is seeded by seed + t, so the first n trees of a larger forest are the n-tree forest, byte for byte); build s is the time spent growing its n trees.\n\n![build time](build_time.svg) ![accuracy](accuracy.svg)\n\n| num_trees | build s | top-100 overlap | recall@10 |\n|---|---|---|---|\n";
        for p in &r.sweep {
            md += &format!(
                "| {} | {:.3} | {:.3} | {:.3} |\n",
                p.num_trees, p.build_seconds, p.overlap_top100, p.recall_at_10
            );
        }
        md += "\n";
        md += &super::compare::markdown(&r.comparison);
        md += &format!(
            "## word2vec formats\n\nText and binary exports re-imported identical: {}.\n\n",
            r.export.round_trip_identical
        );
        if let Some(doc2vec) = &r.doc2vec {
            md += &super::doc2vec::markdown(doc2vec);
        }
        md += "## Steps\n\n| step | seconds | peak MiB |\n|---|---|---|\n";
        for ((name, s), (_, peak)) in r.step_seconds.iter().zip(&r.step_peak_mib) {
            md += &format!("| {name} | {s:.2} | {peak:.0} |\n");
        }
        md += &format!(
            "\nTotal {:.1} s, peak memory {:.0} MiB.\n",
            r.total_seconds, r.peak_rss_mib
        );
        std::fs::write(self.args.out.join("report.md"), md)?;
        self.say(format!("   wrote {} and report.md", json.display()));
        Ok(())
    }
}
