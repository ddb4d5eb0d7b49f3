//! Tables derived from the vocabulary counts, as gensim 4 computes them:
//! downsampling thresholds, the negative-sampling distribution, the Huffman
//! tree of hierarchical softmax, and the sigmoid lookup table.

/// gensim's `sample_int` per word: keep an occurrence of word `w` when
/// `sample_int[w] >= r` for a uniform random `u32` `r`.
///
/// The keep probability is `(sqrt(c / t) + 1) * t / c`, capped at 1, where
/// `t = sample * total` (`total` = occurrences of all kept words); `sample == 0`
/// keeps everything; `sample >= 1` is an absolute threshold `t = sample * (3 + sqrt 5) / 2`
/// (gensim's `prepare_vocab`).
pub fn sample_ints(counts: &[u64], sample: f64) -> Vec<u32> {
    let total: u64 = counts.iter().sum();
    let threshold = if sample == 0.0 {
        total as f64
    } else if sample < 1.0 {
        sample * total as f64
    } else {
        (sample * (3.0 + 5f64.sqrt()) / 2.0).trunc()
    };
    counts
        .iter()
        .map(|&count| {
            let count = count as f64;
            let keep = ((count / threshold).sqrt() + 1.0) * (threshold / count);
            (keep.min(1.0) * u32::MAX as f64) as u32
        })
        .collect()
}

/// The range of [`cum_table`] values, gensim's `domain = 2**31 - 1`.
pub const CUM_TABLE_DOMAIN: u32 = (1 << 31) - 1;

/// gensim's `make_cum_table`: `table[i] = round(sum_{j <= i} c_j^e / sum_j c_j^e * domain)`.
pub fn cum_table(counts: &[u64], exponent: f64) -> Vec<u32> {
    let total: f64 = counts.iter().map(|&c| (c as f64).powf(exponent)).sum();
    let mut cumulative = 0.0;
    counts
        .iter()
        .map(|&c| {
            cumulative += (c as f64).powf(exponent);
            (cumulative / total * CUM_TABLE_DOMAIN as f64).round() as u32
        })
        .collect()
}

/// Draws a word from a [`cum_table`] with a uniform random `r`: the first
/// index whose entry is `>= r % last` (gensim's `bisect_left`).
#[inline]
#[cfg_attr(not(test), allow(dead_code))] // the reference `Sampler` is tested against
pub fn draw(table: &[u32], r: u32) -> u32 {
    let last = *table.last().expect("a cum table is never empty");
    let x = r % last.max(1);
    table.partition_point(|&v| v < x) as u32
}

/// [`draw`] with a guide table: the same word for every `r`, found with
/// one lookup and a search over a few neighbouring entries instead of a
/// binary search over the whole table (whose first steps miss the cache).
#[derive(Debug, Clone)]
pub struct Sampler {
    table: Vec<u32>,
    last: u32,
    /// `guide[j]`: the first index whose entry is `>= j << GUIDE_SHIFT`.
    guide: Vec<u32>,
}

/// Guide buckets cover `2^GUIDE_SHIFT` values of the `2^31` domain each
/// (65,536 buckets, 256 KiB: the tail of the distribution, many rare words
/// per 2^-16 of the mass, would otherwise leave long searches).
const GUIDE_SHIFT: u32 = 15;

impl Sampler {
    /// A sampler over a [`cum_table`] (non-decreasing; at least one entry).
    pub fn new(table: Vec<u32>) -> Sampler {
        let last = table.last().copied().unwrap_or(0).max(1);
        let buckets = (1usize << 31 >> GUIDE_SHIFT) + 1;
        let guide = (0..buckets)
            .map(|j| table.partition_point(|&v| (v as u64) < (j as u64) << GUIDE_SHIFT) as u32)
            .collect();
        Sampler { table, last, guide }
    }

    /// The word [`draw`] would give for `r`.
    #[inline]
    pub fn draw(&self, r: u32) -> u32 {
        let x = r % self.last;
        let j = (x >> GUIDE_SHIFT) as usize;
        // The answer is in guide[j]..=guide[j + 1]: x is at least bucket
        // j's start and below bucket j + 1's.
        let (lo, hi) = (self.guide[j] as usize, self.guide[j + 1] as usize);
        (lo + self.table[lo..hi].partition_point(|&v| v < x)) as u32
    }
}

/// The Huffman tree of hierarchical softmax: for each word, its path from
/// the root (`points`, inner-node rows of the output matrix) and the branch
/// taken at each (`codes`, 0 or 1), as word2vec.c's `CreateBinaryTree` builds
/// it over counts sorted in descending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Huffman {
    codes: Vec<u8>,
    points: Vec<u32>,
    /// `offsets[w]..offsets[w + 1]` is word `w`'s slice of `codes` and `points`.
    offsets: Vec<usize>,
}

impl Huffman {
    /// Builds the tree for `counts` (sorted in descending order). The `V - 1`
    /// inner nodes are numbered `0..V-1`, the root being `V - 2`.
    pub fn new(counts: &[u64]) -> Huffman {
        let n = counts.len();
        let mut offsets = vec![0];
        if n < 2 {
            offsets.resize(n + 1, 0);
            return Huffman {
                codes: Vec::new(),
                points: Vec::new(),
                offsets,
            };
        }
        let mut count: Vec<u64> = counts.to_vec();
        count.resize(2 * n, u64::MAX / 4);
        let mut parent = vec![0usize; 2 * n];
        let mut binary = vec![0u8; 2 * n];
        // Two queues: leaves from the least frequent up, inner nodes in creation order.
        let (mut leaf, mut inner) = (n as isize - 1, n);
        for a in 0..n - 1 {
            let mut pick = || {
                if leaf >= 0 && count[leaf as usize] < count[inner] {
                    leaf -= 1;
                    (leaf + 1) as usize
                } else {
                    inner += 1;
                    inner - 1
                }
            };
            let (min1, min2) = (pick(), pick());
            count[n + a] = count[min1] + count[min2];
            parent[min1] = n + a;
            parent[min2] = n + a;
            binary[min2] = 1;
        }
        let root = 2 * n - 2;
        let (mut codes, mut points) = (Vec::new(), Vec::new());
        let mut path = Vec::new();
        for word in 0..n {
            // Walk up to the root, then store the path root-first.
            path.clear();
            let mut node = word;
            while node != root {
                path.push((binary[node], parent[node]));
                node = parent[node];
            }
            for &(code, parent) in path.iter().rev() {
                codes.push(code);
                points.push((parent - n) as u32);
            }
            offsets.push(codes.len());
        }
        Huffman {
            codes,
            points,
            offsets,
        }
    }

    /// Word `w`'s branch codes, root first.
    pub fn codes(&self, word: usize) -> &[u8] {
        &self.codes[self.offsets[word]..self.offsets[word + 1]]
    }

    /// Word `w`'s inner nodes, root first.
    pub fn points(&self, word: usize) -> &[u32] {
        &self.points[self.offsets[word]..self.offsets[word + 1]]
    }
}

/// `|x|` beyond which gensim skips an update (the sigmoid is saturated).
pub const MAX_EXP: f32 = 6.0;
const EXP_TABLE_SIZE: usize = 1000;

/// gensim's and word2vec.c's sigmoid table: 1000 values over (-6, 6).
#[derive(Debug, Clone)]
pub struct Sigmoid {
    table: Box<[f32; EXP_TABLE_SIZE]>,
}

impl Default for Sigmoid {
    fn default() -> Self {
        let mut table = Box::new([0.0; EXP_TABLE_SIZE]);
        for (i, entry) in table.iter_mut().enumerate() {
            let x = (i as f64 / EXP_TABLE_SIZE as f64 * 2.0 - 1.0) * MAX_EXP as f64;
            let e = x.exp();
            *entry = (e / (e + 1.0)) as f32;
        }
        Sigmoid { table }
    }
}

impl Sigmoid {
    /// σ(x) for `-6 < x < 6` (callers skip saturated values, as gensim does).
    #[inline]
    pub fn get(&self, x: f32) -> f32 {
        let index = ((x + MAX_EXP) * (EXP_TABLE_SIZE as f32 / MAX_EXP / 2.0)) as usize;
        self.table[index.min(EXP_TABLE_SIZE - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_ints_follow_gensim_formula() {
        // total = 1000, sample = 1e-2 -> threshold 10.
        let ints = sample_ints(&[900, 90, 10], 1e-2);
        // count 900: (sqrt(90) + 1) * 10 / 900 = 0.11652...
        let keep_900 = ((900f64 / 10.0).sqrt() + 1.0) * 10.0 / 900.0;
        assert_eq!(ints[0], (keep_900 * u32::MAX as f64) as u32);
        // count 90: (3 + 1) / 9 = 0.444...
        assert_eq!(ints[1], (4.0 / 9.0 * u32::MAX as f64) as u32);
        // count 10: (1 + 1) * 1 = 2 -> capped at 1.
        assert_eq!(ints[2], u32::MAX);
        // sample 0 keeps everything.
        assert!(sample_ints(&[900, 90, 10], 0.0)
            .iter()
            .all(|&i| i == u32::MAX));
    }

    #[test]
    fn cum_table_matches_hand_computed_values() {
        // counts 16, 1 with exponent 0.5: weights 4, 1 -> 0.8, 1.0 of the domain.
        let table = cum_table(&[16, 1], 0.5);
        assert_eq!(
            table,
            [
                (0.8 * CUM_TABLE_DOMAIN as f64).round() as u32,
                CUM_TABLE_DOMAIN
            ]
        );
        assert_eq!(draw(&table, 0), 0);
        assert_eq!(draw(&table, table[0]), 0, "bisect_left: equal goes left");
        assert_eq!(draw(&table, table[0] + 1), 1);
        assert_eq!(draw(&table, CUM_TABLE_DOMAIN - 1), 1);
    }

    #[test]
    fn the_guided_sampler_draws_what_the_binary_search_draws() {
        let counts: Vec<u64> = (1..3000u64).rev().map(|c| c * c / 7 + 5).collect();
        let table = cum_table(&counts, 0.75);
        let sampler = Sampler::new(table.clone());
        let mut x: u32 = 7;
        for _ in 0..200_000 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            assert_eq!(sampler.draw(x), draw(&table, x), "{x}");
        }
        for &edge in &table {
            for r in [edge.wrapping_sub(1), edge, edge.wrapping_add(1), u32::MAX] {
                assert_eq!(sampler.draw(r), draw(&table, r), "{r}");
            }
        }
        let one = Sampler::new(vec![CUM_TABLE_DOMAIN]);
        assert_eq!(one.draw(12345), 0);
    }

    #[test]
    fn draws_follow_the_unigram_power_distribution() {
        let counts = [1000, 100, 10];
        let table = cum_table(&counts, 0.75);
        let mut hits = [0u32; 3];
        let mut x: u32 = 12345;
        for _ in 0..300_000 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            hits[draw(&table, x) as usize] += 1;
        }
        let weights: Vec<f64> = counts.iter().map(|&c| (c as f64).powf(0.75)).collect();
        let total: f64 = weights.iter().sum();
        for (hit, weight) in hits.iter().zip(&weights) {
            let expected = weight / total;
            let got = *hit as f64 / 300_000.0;
            assert!((got - expected).abs() < 0.01, "{got} vs {expected}");
        }
    }

    #[test]
    fn huffman_tree_of_a_hand_worked_example() {
        // Counts 4, 2, 1, 1: merge (1,1)->2 [node 0], then (2,2)->4 [node 1], then (4,4)->8 [root 2].
        let tree = Huffman::new(&[4, 2, 1, 1]);
        // word 0 (count 4) is the second pick of the last merge: code 1 at the root.
        assert_eq!((tree.codes(0), tree.points(0)), (&[1][..], &[2][..]));
        // word 1 (count 2) ties with inner node 0 (count 2): the inner node is
        // picked first, so word 1 is the second pick of merge 1 (code 1 there).
        assert_eq!((tree.codes(1), tree.points(1)), (&[0, 1][..], &[2, 1][..]));
        assert_eq!(tree.points(2), &[2, 1, 0]);
        assert_eq!(tree.points(3), &[2, 1, 0]);
        // Sibling leaves differ in their last code.
        assert_ne!(tree.codes(2).last(), tree.codes(3).last());
        // Kraft equality: a full binary tree.
        let kraft: f64 = (0..4)
            .map(|w| 0.5f64.powi(tree.codes(w).len() as i32))
            .sum();
        assert!((kraft - 1.0).abs() < 1e-12);
    }

    #[test]
    fn huffman_code_lengths_are_optimal() {
        let counts: Vec<u64> = (1..=50).rev().map(|c| c * c).collect();
        let tree = Huffman::new(&counts);
        let kraft: f64 = (0..counts.len())
            .map(|w| 0.5f64.powi(tree.codes(w).len() as i32))
            .sum();
        assert!((kraft - 1.0).abs() < 1e-9);
        // More frequent words never get longer codes.
        for w in 1..counts.len() {
            assert!(tree.codes(w - 1).len() <= tree.codes(w).len());
        }
        assert!(Huffman::new(&[7]).codes(0).is_empty());
    }

    #[test]
    fn sigmoid_table_is_close_to_the_exact_sigmoid() {
        let sigmoid = Sigmoid::default();
        for i in -599..600 {
            let x = i as f32 / 100.0;
            let exact = 1.0 / (1.0 + (-x).exp());
            assert!((sigmoid.get(x) - exact).abs() < 0.01, "{x}");
        }
    }
}
