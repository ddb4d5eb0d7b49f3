//! Evaluation of word vectors on analogy questions and word-similarity
//! pairs, with gensim's semantics (`evaluate_word_analogies`,
//! `evaluate_word_pairs`).

use std::collections::HashMap;
use std::path::Path;

use ndarray::{Array1, Array2};
use vecstore::KeyedVectors;

use crate::error::{Error, Result};
use crate::exact::ExactIndexer;

/// Correct and incorrect answers of one section of analogy questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The section's name (`capital-common-countries`, ..., or `Total accuracy`).
    pub name: String,
    /// Questions answered correctly.
    pub correct: usize,
    /// Questions answered wrongly.
    pub incorrect: usize,
    /// The questions answered correctly, `[a, b, c, expected]` (upper-cased
    /// when case-insensitive), in file order: gensim's `'correct'` list.
    pub correct_questions: Vec<[String; 4]>,
    /// The questions answered wrongly: gensim's `'incorrect'` list.
    pub incorrect_questions: Vec<[String; 4]>,
}

impl Section {
    /// `correct / (correct + incorrect)`, 0 for an empty section.
    pub fn accuracy(&self) -> f64 {
        let total = self.correct + self.incorrect;
        if total == 0 {
            0.0
        } else {
            self.correct as f64 / total as f64
        }
    }
}

/// The result of [`evaluate_word_analogies`].
#[derive(Debug, Clone, PartialEq)]
pub struct AnalogyReport {
    /// Per section, in file order.
    pub sections: Vec<Section>,
    /// All sections together (gensim's last `'Total accuracy'` entry).
    pub total: Section,
    /// Well-formed questions in the file.
    pub questions: usize,
    /// Questions skipped because a word is outside the first `restrict_vocab` words.
    pub oov: usize,
}

/// Maps each (upper-cased, if `case_insensitive`) word of the first
/// `restrict_vocab` to its index; among case variants the most frequent
/// (lowest index) wins, as in gensim.
fn ok_vocab(
    kv: &KeyedVectors,
    restrict_vocab: usize,
    case_insensitive: bool,
) -> HashMap<String, usize> {
    let keys = &kv.index_to_key()[..restrict_vocab.min(kv.len())];
    keys.iter()
        .enumerate()
        .rev()
        .map(|(i, w)| {
            (
                if case_insensitive {
                    w.to_uppercase()
                } else {
                    w.clone()
                },
                i,
            )
        })
        .collect()
}

/// The longest evaluation file read (gensim's questions-words.txt is
/// 600 KB): a bound on what a mistaken path (`/dev/zero`) can cost.
const MAX_EVAL_FILE_BYTES: u64 = 256 << 20;

fn read_lines(path: &Path) -> Result<Vec<String>> {
    let bytes = crate::bounded::read(path, MAX_EVAL_FILE_BYTES).map_err(|e| Error::Io {
        op: "read",
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok(String::from_utf8_lossy(&bytes)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// Scores analogy questions (`a b c expected` per line, sections opened by
/// `: name` lines) like gensim's `evaluate_word_analogies`: 3CosAdd over the
/// unit vectors of the first `restrict_vocab` words, `b + c - a`, the three
/// question words excluded; the prediction is the best remaining word.
/// Questions with a word outside those `restrict_vocab` words are skipped
/// and counted in [`AnalogyReport::oov`]; malformed lines are skipped.
pub fn evaluate_word_analogies(
    kv: &KeyedVectors,
    path: &Path,
    restrict_vocab: usize,
    case_insensitive: bool,
) -> Result<AnalogyReport> {
    let vocab = ok_vocab(kv, restrict_vocab, case_insensitive);
    let mut sections: Vec<Section> = Vec::new();
    // (section, a, b, c, expected) as indices into the vocabulary.
    let mut questions: Vec<(usize, [usize; 4], [String; 4])> = Vec::new();
    let (mut total_questions, mut oov) = (0, 0);
    for (number, line) in read_lines(path)?.iter().enumerate() {
        if let Some(name) = line.strip_prefix(": ") {
            sections.push(Section {
                name: name.trim().to_string(),
                correct: 0,
                incorrect: 0,
                correct_questions: Vec::new(),
                incorrect_questions: Vec::new(),
            });
            continue;
        }
        let words: Vec<String> = line
            .split_whitespace()
            .map(|w| {
                if case_insensitive {
                    w.to_uppercase()
                } else {
                    w.to_string()
                }
            })
            .collect();
        let Ok(words) = <[String; 4]>::try_from(words) else {
            continue;
        };
        if sections.is_empty() {
            return Err(Error::Format {
                path: path.to_path_buf(),
                line: number as u64 + 1,
                message: "question before the first \": section\" line".into(),
            });
        }
        total_questions += 1;
        match words
            .iter()
            .map(|w| vocab.get(w).copied())
            .collect::<Option<Vec<usize>>>()
        {
            Some(ids) => {
                questions.push((sections.len() - 1, [ids[0], ids[1], ids[2], ids[3]], words))
            }
            None => oov += 1,
        }
    }

    let indexer = ExactIndexer::new(kv);
    let normed = kv.normed_vectors();
    let dim = kv.dim();
    let mut queries = Array2::<f32>::zeros((questions.len(), dim));
    for ((_, [a, b, c, _], _), mut query) in questions.iter().zip(queries.rows_mut()) {
        let mean: Array1<f32> = (&normed.row(*b) + &normed.row(*c) - normed.row(*a)) / 3.0;
        let norm = mean.dot(&mean).sqrt();
        query.assign(&if norm > 0.0 { mean / norm } else { mean });
    }
    let excluded: Vec<Vec<usize>> = questions
        .iter()
        .map(|(_, [a, b, c, _], _)| vec![*a, *b, *c])
        .collect();
    let answers = indexer.search_batch(queries.view(), 5, Some(restrict_vocab), &excluded);

    for ((section, _, words), answer) in questions.iter().zip(answers) {
        let ignore = &words[..3];
        let predicted = answer
            .iter()
            .map(|&(id, _)| {
                let word = &kv.index_to_key()[id];
                if case_insensitive {
                    word.to_uppercase()
                } else {
                    word.clone()
                }
            })
            .find(|w| vocab.contains_key(w) && !ignore.contains(w));
        let section = &mut sections[*section];
        if predicted.as_deref() == Some(words[3].as_str()) {
            section.correct += 1;
            section.correct_questions.push(words.clone());
        } else {
            section.incorrect += 1;
            section.incorrect_questions.push(words.clone());
        }
    }
    let total = Section {
        name: "Total accuracy".into(),
        correct: sections.iter().map(|s| s.correct).sum(),
        incorrect: sections.iter().map(|s| s.incorrect).sum(),
        correct_questions: sections
            .iter()
            .flat_map(|s| s.correct_questions.iter().cloned())
            .collect(),
        incorrect_questions: sections
            .iter()
            .flat_map(|s| s.incorrect_questions.iter().cloned())
            .collect(),
    };
    if total.correct + total.incorrect == 0 {
        return Err(Error::NothingToEvaluate {
            path: path.to_path_buf(),
        });
    }
    Ok(AnalogyReport {
        sections,
        total,
        questions: total_questions,
        oov,
    })
}

/// The result of [`evaluate_word_pairs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairsReport {
    /// Pearson correlation between the human scores and the cosine similarities.
    pub pearson: f64,
    /// Spearman rank correlation (average ranks for ties, as scipy).
    pub spearman: f64,
    /// Percentage of pairs skipped for a word outside the vocabulary.
    pub oov_ratio: f64,
    /// Pairs evaluated.
    pub pairs: usize,
}

impl PairsReport {
    /// The two-sided p-value of [`PairsReport::pearson`] (scipy's
    /// `pearsonr(...).pvalue`, which gensim returns).
    pub fn pearson_pvalue(&self) -> f64 {
        pearson_pvalue(self.pearson, self.pairs)
    }

    /// The two-sided p-value of [`PairsReport::spearman`] (scipy's
    /// `spearmanr(...).pvalue`).
    pub fn spearman_pvalue(&self) -> f64 {
        spearman_pvalue(self.spearman, self.pairs)
    }
}

/// The two-sided p-value of a Pearson correlation `r` over `n` pairs, as
/// scipy's `pearsonr`: under independence `(r + 1) / 2` follows
/// Beta(n/2 - 1, n/2 - 1). NaN for a NaN `r` or fewer than 3 pairs.
pub fn pearson_pvalue(r: f64, n: usize) -> f64 {
    if r.is_nan() || n < 3 {
        return f64::NAN;
    }
    let a = n as f64 / 2.0 - 1.0;
    (2.0 * beta_inc(a, a, (1.0 - r.abs().min(1.0)) / 2.0)).min(1.0)
}

/// The two-sided p-value of a Spearman correlation `rho` over `n` pairs, as
/// scipy's `spearmanr`: Student's t with `n - 2` degrees of freedom.
/// NaN for a NaN `rho` or fewer than 3 pairs.
pub fn spearman_pvalue(rho: f64, n: usize) -> f64 {
    if rho.is_nan() || n < 3 {
        return f64::NAN;
    }
    let dof = (n - 2) as f64;
    let t2 = rho * rho * dof / ((1.0 + rho) * (1.0 - rho)).max(0.0);
    if !t2.is_finite() {
        return 0.0;
    }
    // 2 * sf(|t|) = I_{dof / (dof + t²)}(dof / 2, 1 / 2).
    beta_inc(dof / 2.0, 0.5, dof / (dof + t2)).min(1.0)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularised incomplete beta function `I_x(a, b)` (continued
/// fraction, modified Lentz).
fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=1000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / nonzero(1.0 + aa * d);
        c = nonzero(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / nonzero(1.0 + aa * d);
        c = nonzero(1.0 + aa / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Correlates human similarity scores (`word1<TAB>word2<TAB>score` per
/// line, `#` comments) with cosine similarities, like gensim's
/// `evaluate_word_pairs`. Pairs with a word outside the first
/// `restrict_vocab` words are skipped and reported in `oov_ratio`.
pub fn evaluate_word_pairs(
    kv: &KeyedVectors,
    path: &Path,
    restrict_vocab: usize,
    case_insensitive: bool,
) -> Result<PairsReport> {
    let vocab = ok_vocab(kv, restrict_vocab, case_insensitive);
    let normed = kv.normed_vectors();
    let (mut gold, mut model, mut oov) = (Vec::new(), Vec::new(), 0usize);
    // The first line skipped as malformed, to say why when nothing is left.
    let mut malformed: Option<(u64, String)> = None;
    for (number, line) in read_lines(path)?.iter().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut skip = |why: String| {
            malformed.get_or_insert((number as u64 + 1, why));
        };
        let fields: Vec<&str> = line.split('\t').collect();
        let [a, b, score] = fields[..] else {
            skip(if line.split_whitespace().count() == 3 {
                "the fields are separated by spaces; the pairs format (gensim's) needs tabs: word1<TAB>word2<TAB>score".into()
            } else {
                format!(
                    "{} tab-separated fields, the pairs format needs 3: word1<TAB>word2<TAB>score",
                    fields.len()
                )
            });
            continue;
        };
        let Ok(score) = score.trim().parse::<f64>() else {
            skip(format!("the score {:?} is not a number", score.trim()));
            continue;
        };
        let key = |w: &str| {
            if case_insensitive {
                w.to_uppercase()
            } else {
                w.to_string()
            }
        };
        match (vocab.get(&key(a)), vocab.get(&key(b))) {
            (Some(&a), Some(&b)) => {
                gold.push(score);
                model.push(normed.row(a).dot(&normed.row(b)) as f64);
            }
            _ => oov += 1,
        }
    }
    if gold.is_empty() {
        return Err(match malformed {
            Some((line, message)) if oov == 0 => Error::Format {
                path: path.to_path_buf(),
                line,
                message,
            },
            _ => Error::NothingToEvaluate {
                path: path.to_path_buf(),
            },
        });
    }
    Ok(PairsReport {
        pearson: pearson(&gold, &model),
        spearman: pearson(&ranks(&gold), &ranks(&model)),
        oov_ratio: oov as f64 / (gold.len() + oov) as f64 * 100.0,
        pairs: gold.len(),
    })
}

/// Pearson's correlation coefficient.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// 1-based ranks, ties sharing their average rank (scipy's `rankdata`).
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analogy_sections_list_their_questions_like_gensim() {
        let mut kv = KeyedVectors::new(2);
        for (word, v) in [
            ("a", [1.0, 0.0]),
            ("b", [0.0, 1.0]),
            ("c", [1.0, 0.1]),
            ("d", [0.1, 1.0]),
        ] {
            kv.push(word, &v).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.txt");
        // b + c - a points at d (right); then at a, not the excluded c (wrong).
        std::fs::write(&path, ": one\na b c d\n: two\nd c b c\n").unwrap();
        let report = evaluate_word_analogies(&kv, &path, 10, true).unwrap();
        let q = |w: [&str; 4]| w.map(str::to_owned);
        assert_eq!(
            report.sections[0].correct_questions,
            [q(["A", "B", "C", "D"])]
        );
        assert!(report.sections[0].incorrect_questions.is_empty());
        assert_eq!(
            report.sections[1].incorrect_questions,
            [q(["D", "C", "B", "C"])]
        );
        assert_eq!(
            report.total.correct_questions,
            report.sections[0].correct_questions
        );
        assert_eq!(
            report.total.incorrect_questions,
            report.sections[1].incorrect_questions
        );
    }

    #[test]
    fn pvalues_agree_with_scipy() {
        // scipy 1.17: pearsonr / spearmanr of x = 0..50, y = x + 20 sin x,
        // and of [1..5] against [2, 1, 4, 3, 5].
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
        assert!(close(
            pearson_pvalue(0.685_151_338_297_973_5, 50),
            4.052_415_271_523_066e-8
        ));
        assert!(close(
            spearman_pvalue(0.693_061_224_489_796, 50),
            2.436_227_939_607_916_7e-8
        ));
        assert!(close(pearson_pvalue(0.8, 5), 0.104_088_038_661_827_82));
        assert!(close(spearman_pvalue(0.8, 5), 0.104_088_038_661_827_88));
        assert_eq!(spearman_pvalue(1.0, 10), 0.0);
        assert!(close(pearson_pvalue(0.0, 10), 1.0));
        assert!(pearson_pvalue(0.5, 2).is_nan());
    }

    #[test]
    fn ranks_average_ties_like_scipy() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 30.0]), vec![1.5, 3.0, 1.5, 4.0]);
    }

    #[test]
    fn pearson_of_hand_computed_values() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        // x = 1,2,3,4; y = 1,3,2,4: r = 0.8.
        assert!((pearson(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0]) - 0.8).abs() < 1e-12);
    }
}
