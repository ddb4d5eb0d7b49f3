//! [`DocTags`]: the table of document tags a Doc2Vec model keeps one vector
//! per, laid out as gensim 4.4's `Doc2Vec.dv`.

use hashbrown::{DefaultHashBuilder, HashMap};

use crate::documents::Tag;

/// The document tags of a corpus and the row each one's vector takes, as
/// gensim 4.4 lays out `Doc2Vec.dv` (`_scan_vocab`):
///
/// - integer tags are plain row numbers: the table has rows `0..=max`,
///   whether or not every number was seen (gaps keep their initial vector);
/// - string tags follow, in the order they were first seen, each with the
///   number of documents carrying it and their words.
///
/// ```
/// use corpus::{DocTags, Tag};
/// let mut tags = DocTags::default();
/// tags.add(&[Tag::Key("b".into())], 3);
/// tags.add(&[Tag::Int(1), Tag::Key("a".into()), Tag::Key("b".into())], 2);
/// assert_eq!(tags.keys(), ["0", "1", "b", "a"]);
/// assert_eq!(tags.row(&Tag::Key("a".into())), Some(3));
/// assert_eq!(tags.row(&Tag::Int(0)), Some(0));
/// assert_eq!(tags.doc_counts(), [0, 0, 2, 1]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocTags {
    /// One more than the largest integer tag (0 if none).
    int_rows: u64,
    /// String tags, first seen first.
    keys: Vec<String>,
    index: HashMap<Box<str>, u32, DefaultHashBuilder>,
    /// Per string tag: documents carrying it.
    doc_counts: Vec<u64>,
    /// Per string tag: the raw words of those documents.
    word_counts: Vec<u64>,
}

impl DocTags {
    /// Records one document of `words` raw words carrying `tags`.
    pub fn add(&mut self, tags: &[Tag], words: u64) {
        for tag in tags {
            match tag {
                Tag::Int(n) => self.int_rows = self.int_rows.max(n.saturating_add(1)),
                Tag::Key(key) => self.add_key(key, 1, words),
            }
        }
    }

    fn add_key(&mut self, key: &str, documents: u64, words: u64) {
        let at = match self.index.get(key) {
            Some(&at) => at as usize,
            None => {
                self.index.insert(key.into(), self.keys.len() as u32);
                self.keys.push(key.to_owned());
                self.doc_counts.push(0);
                self.word_counts.push(0);
                self.keys.len() - 1
            }
        };
        self.doc_counts[at] += documents;
        self.word_counts[at] += words;
    }

    /// Adds the tags of `later`, a table of documents that come after this
    /// table's: the result is the table of one pass over both.
    pub fn merge(&mut self, later: DocTags) {
        self.int_rows = self.int_rows.max(later.int_rows);
        for ((key, documents), words) in later
            .keys
            .iter()
            .zip(later.doc_counts)
            .zip(later.word_counts)
        {
            self.add_key(key, documents, words);
        }
    }

    /// The number of rows: integer rows, then one per string tag. Saturates
    /// at `u64::MAX` for an absurd integer tag (refused where rows are
    /// allocated).
    pub fn len(&self) -> u64 {
        self.int_rows.saturating_add(self.keys.len() as u64)
    }

    /// Whether no document had a tag.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows of integer tags (`0..int_rows`).
    pub fn int_rows(&self) -> u64 {
        self.int_rows
    }

    /// The row of `tag`, if the table has it. As gensim's `get_index`, an
    /// integer is a row number and is present when below [`DocTags::len`].
    pub fn row(&self, tag: &Tag) -> Option<u64> {
        match tag {
            Tag::Int(n) => (*n < self.len()).then_some(*n),
            Tag::Key(key) => self.key_row(key),
        }
    }

    /// The row of the string tag `key`.
    pub fn key_row(&self, key: &str) -> Option<u64> {
        self.index.get(key).map(|&i| self.int_rows + i as u64)
    }

    /// The string tags, first seen first (rows `int_rows()..`).
    pub fn string_tags(&self) -> &[String] {
        &self.keys
    }

    /// Every row's key as text, row order: the integers `0..int_rows` in
    /// decimal, then the string tags (gensim's `dv.index_to_key`).
    pub fn keys(&self) -> Vec<String> {
        (0..self.int_rows)
            .map(|n| n.to_string())
            .chain(self.keys.iter().cloned())
            .collect()
    }

    /// Per row, the documents carrying its tag: 0 for integer rows, as
    /// gensim keeps no counts for them.
    pub fn doc_counts(&self) -> Vec<u64> {
        std::iter::repeat_n(0, self.int_rows as usize)
            .chain(self.doc_counts.iter().copied())
            .collect()
    }

    /// Per string tag, the raw words of the documents carrying it.
    pub fn word_counts(&self) -> &[u64] {
        &self.word_counts
    }

    /// A table of `int_rows` integer rows and the given string tags with
    /// their document counts (as [`DocTags::keys`] and
    /// [`DocTags::doc_counts`] gave them), for loading a saved model. Fails
    /// on a repeated string tag, naming it.
    pub fn from_parts(
        int_rows: u64,
        keys: Vec<String>,
        doc_counts: Vec<u64>,
    ) -> Result<DocTags, String> {
        if keys.len() != doc_counts.len() {
            return Err(format!(
                "{} string tags but {} document counts",
                keys.len(),
                doc_counts.len()
            ));
        }
        let mut index = HashMap::default();
        for (i, key) in keys.iter().enumerate() {
            if index.insert(Box::from(key.as_str()), i as u32).is_some() {
                return Err(format!("the tag {key:?} appears twice"));
            }
        }
        Ok(DocTags {
            int_rows,
            word_counts: vec![0; keys.len()],
            keys,
            index,
            doc_counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_rows_come_first_and_cover_gaps() {
        // gensim: tags {1,'x'}, {'y','x'}, {0} -> [0, 1, 'x', 'y'], doc_count [0, 0, 2, 1].
        let mut tags = DocTags::default();
        tags.add(&[Tag::Int(1), Tag::Key("x".into())], 4);
        tags.add(&[Tag::Key("y".into()), Tag::Key("x".into())], 2);
        tags.add(&[Tag::Int(0)], 1);
        assert_eq!(tags.keys(), ["0", "1", "x", "y"]);
        assert_eq!(tags.doc_counts(), [0, 0, 2, 1]);
        assert_eq!(tags.word_counts(), [6, 2]);
        assert_eq!(tags.row(&Tag::Int(3)), Some(3), "an int below len is a row");
        assert_eq!(tags.row(&Tag::Int(4)), None);
        let mut gaps = DocTags::default();
        gaps.add(&[Tag::Int(4)], 0);
        assert_eq!(gaps.len(), 5);
    }

    #[test]
    fn merging_in_order_equals_one_pass() {
        let docs: Vec<Vec<Tag>> = ["a b", "c", "b d", "a"]
            .iter()
            .map(|t| t.split(' ').map(|k| Tag::Key(k.into())).collect())
            .collect();
        let mut whole = DocTags::default();
        docs.iter().for_each(|d| whole.add(d, 1));
        let (mut first, mut second) = (DocTags::default(), DocTags::default());
        docs[..2].iter().for_each(|d| first.add(d, 1));
        docs[2..].iter().for_each(|d| second.add(d, 1));
        first.merge(second);
        assert_eq!(first, whole);
    }
}
