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
        if predicted.as_deref() == Some(words[3].as_str()) {
            sections[*section].correct += 1;
        } else {
            sections[*section].incorrect += 1;
        }
    }
    let total = Section {
        name: "Total accuracy".into(),
        correct: sections.iter().map(|s| s.correct).sum(),
        incorrect: sections.iter().map(|s| s.incorrect).sum(),
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
