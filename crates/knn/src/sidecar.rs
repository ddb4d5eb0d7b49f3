//! The `.ann.dict` sidecar of gensim 4's `AnnoyIndexer`: a Python pickle of
//! `{'f': dim, 'num_trees': n, 'labels': [words in id order]}`, to which we
//! add `'metric'` (gensim ignores extra keys).
//!
//! The reader accepts exactly that shape — a dict of ints, strings and a
//! list of labels — in pickle protocols 2 to 5, and refuses every other
//! opcode: it never constructs or calls anything. The writer emits protocol
//! 2, byte for byte what Python's `pickle.dumps(d, protocol=2)` gives.

use std::io::Write;
use std::path::{Path, PathBuf};

/// What can go wrong with a sidecar.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the sidecar failed, or its path was refused.
    #[error(transparent)]
    Output(#[from] atomic_file::Error),
    /// An I/O operation on `path` failed.
    #[error("cannot {op} {}", path.display())]
    Io {
        /// What was being done: "read", "write", ...
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a pickle this reader accepts.
    #[error("{}pickle byte {offset}: {message}", file_prefix(path.as_deref()))]
    Pickle {
        /// The file, when read by [`Sidecar::read`].
        path: Option<PathBuf>,
        /// Offset of the offending opcode or value.
        offset: u64,
        /// What was wrong.
        message: String,
    },
    /// The pickle is well formed but not gensim's sidecar dict.
    #[error("{}not an AnnoyIndexer sidecar: key {key:?} {problem}", file_prefix(path.as_deref()))]
    Shape {
        /// The file, when read by [`Sidecar::read`].
        path: Option<PathBuf>,
        /// The key concerned.
        key: String,
        /// What is wrong with it.
        problem: &'static str,
    },
}

/// This module's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `"<path>: "`, or nothing.
fn file_prefix(path: Option<&Path>) -> String {
    path.map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

/// The largest sidecar read: the labels of 100 million words of 40 bytes.
const MAX_SIDECAR_BYTES: u64 = 4 << 30;

/// The metadata gensim's `AnnoyIndexer` keeps beside an Annoy index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    /// The vector dimension (`'f'`).
    pub f: usize,
    /// The number of trees the index was built with (`'num_trees'`).
    pub num_trees: usize,
    /// The word of each item id (`'labels'`).
    pub labels: Vec<String>,
    /// The Annoy metric name (`'metric'`, ours); gensim's own files have
    /// none and mean `"angular"`.
    pub metric: Option<String>,
}

impl Sidecar {
    /// Where gensim looks for the sidecar of index `index`: `index + ".dict"`.
    pub fn path_for(index: &Path) -> PathBuf {
        let mut name = index.as_os_str().to_owned();
        name.push(".dict");
        PathBuf::from(name)
    }

    /// Reads and parses the sidecar at `path`.
    pub fn read(path: &Path) -> Result<Sidecar> {
        // A sidecar is written beside its index: a device or FIFO here
        // (a link to /dev/zero) is a mistake, not a stream to drain.
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            op: "read",
            path: path.to_path_buf(),
            source,
        })?;
        if !meta.is_file() {
            return Err(Error::Io {
                op: "read",
                path: path.to_path_buf(),
                source: std::io::Error::other("not a regular file"),
            });
        }
        let bytes = crate::bounded::read(path, MAX_SIDECAR_BYTES).map_err(|source| Error::Io {
            op: "read",
            path: path.to_path_buf(),
            source,
        })?;
        if bytes.is_empty() {
            return Err(Error::Pickle {
                path: Some(path.to_path_buf()),
                offset: 0,
                message: "the file is empty, not a pickled sidecar".into(),
            });
        }
        Sidecar::from_pickle(&bytes).map_err(|e| match e {
            Error::Pickle {
                offset, message, ..
            } => Error::Pickle {
                path: Some(path.to_path_buf()),
                offset,
                message,
            },
            Error::Shape { key, problem, .. } => Error::Shape {
                path: Some(path.to_path_buf()),
                key,
                problem,
            },
            other => other,
        })
    }

    /// Saves an index and this sidecar beside it (`path.dict`) as one set
    /// ([`atomic_file::FileSet`]): `write_index` writes the index to the
    /// staged path it is given; both files are written whole, then renamed
    /// into place, the sidecar last.
    pub(crate) fn save_with_index(
        &self,
        path: &Path,
        write_index: impl FnOnce(PathBuf) -> crate::Result<()>,
    ) -> crate::Result<()> {
        let mut files = atomic_file::FileSet::new(path)?;
        write_index(files.stage(path)?)?;
        self.write(&files.stage(&Sidecar::path_for(path))?)?;
        files.commit()?;
        Ok(())
    }

    /// Writes the sidecar to `path` atomically ([`atomic_file::write_file`]).
    pub fn write(&self, path: &Path) -> Result<()> {
        atomic_file::write_file(path, |out| out.write_all(&self.to_pickle()))?;
        Ok(())
    }

    /// The sidecar as a protocol-2 pickle, as Python writes it.
    pub fn to_pickle(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.out.extend_from_slice(&[op::PROTO, 2, op::EMPTY_DICT]);
        w.memoize();
        let n_keys = 3 + usize::from(self.metric.is_some());
        w.out.push(op::MARK);
        w.string("f");
        w.int(self.f as i64);
        w.string("num_trees");
        w.int(self.num_trees as i64);
        w.string("labels");
        w.out.push(op::EMPTY_LIST);
        w.memoize();
        w.strings(&self.labels);
        if let Some(metric) = &self.metric {
            w.string("metric");
            w.string(metric);
        }
        debug_assert!(n_keys > 1, "Python writes SETITEMS for more than one key");
        w.out.extend_from_slice(&[op::SETITEMS, op::STOP]);
        w.out
    }

    /// Parses a pickle of the sidecar dict.
    pub fn from_pickle(bytes: &[u8]) -> Result<Sidecar> {
        let dict = Reader::new(bytes).run()?;
        let mut sidecar = Sidecar {
            f: 0,
            num_trees: 0,
            labels: Vec::new(),
            metric: None,
        };
        let (mut has_f, mut has_trees, mut has_labels) = (false, false, false);
        for (key, value) in dict {
            let shape = |problem| Error::Shape {
                path: None,
                key: key.clone(),
                problem,
            };
            match (key.as_str(), value) {
                ("f", Value::Int(f)) => {
                    sidecar.f = usize::try_from(f).map_err(|_| shape("is negative"))?;
                    has_f = true;
                }
                ("num_trees", Value::Int(n)) => {
                    sidecar.num_trees = usize::try_from(n).map_err(|_| shape("is negative"))?;
                    has_trees = true;
                }
                ("labels", Value::List(items)) => {
                    sidecar.labels = items
                        .into_iter()
                        .map(|item| match item {
                            Value::Str(s) => Ok(s),
                            // A Doc2Vec integer tag (gensim's `dv.index_to_key`
                            // holds them as ints): its key in decimal.
                            Value::Int(n) if n >= 0 => Ok(n.to_string()),
                            _ => Err(shape(
                                "holds something other than strings and non-negative integers",
                            )),
                        })
                        .collect::<Result<_>>()?;
                    has_labels = true;
                }
                ("metric", Value::Str(metric)) => sidecar.metric = Some(metric),
                ("f" | "num_trees", _) => return Err(shape("is not an integer")),
                ("labels", _) => return Err(shape("is not a list")),
                ("metric", _) => return Err(shape("is not a string")),
                _ => {} // another key of an accepted type: ignored, as gensim does
            }
        }
        for (present, key) in [
            (has_f, "f"),
            (has_trees, "num_trees"),
            (has_labels, "labels"),
        ] {
            if !present {
                return Err(Error::Shape {
                    path: None,
                    key: key.into(),
                    problem: "is missing",
                });
            }
        }
        Ok(sidecar)
    }
}

/// The opcodes used (names as in Python's `pickletools`).
mod op {
    pub const PROTO: u8 = 0x80;
    pub const FRAME: u8 = 0x95;
    pub const STOP: u8 = b'.';
    pub const MARK: u8 = b'(';
    pub const EMPTY_DICT: u8 = b'}';
    pub const EMPTY_LIST: u8 = b']';
    pub const SETITEM: u8 = b's';
    pub const SETITEMS: u8 = b'u';
    pub const APPEND: u8 = b'a';
    pub const APPENDS: u8 = b'e';
    pub const BININT: u8 = b'J';
    pub const BININT1: u8 = b'K';
    pub const BININT2: u8 = b'M';
    pub const LONG1: u8 = 0x8a;
    pub const BINUNICODE: u8 = b'X';
    pub const SHORT_BINUNICODE: u8 = 0x8c;
    pub const BINUNICODE8: u8 = 0x8d;
    pub const MEMOIZE: u8 = 0x94;
    pub const BINPUT: u8 = b'q';
    pub const LONG_BINPUT: u8 = b'r';
    pub const BINGET: u8 = b'h';
    pub const LONG_BINGET: u8 = b'j';
}

/// Python's pickler batches appends and set-items by this many.
const BATCH: usize = 1000;

/// A protocol-2 writer that memoizes every string and container, as the
/// C pickler does for objects seen once.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    memo: u32,
}

impl Writer {
    fn memoize(&mut self) {
        if self.memo < 256 {
            self.out.extend_from_slice(&[op::BINPUT, self.memo as u8]);
        } else {
            self.out.push(op::LONG_BINPUT);
            self.out.extend_from_slice(&self.memo.to_le_bytes());
        }
        self.memo += 1;
    }

    fn string(&mut self, s: &str) {
        self.out.push(op::BINUNICODE);
        self.out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.out.extend_from_slice(s.as_bytes());
        self.memoize();
    }

    fn int(&mut self, x: i64) {
        if (0..256).contains(&x) {
            self.out.extend_from_slice(&[op::BININT1, x as u8]);
        } else if (0..65536).contains(&x) {
            self.out.push(op::BININT2);
            self.out.extend_from_slice(&(x as u16).to_le_bytes());
        } else if let Ok(x) = i32::try_from(x) {
            self.out.push(op::BININT);
            self.out.extend_from_slice(&x.to_le_bytes());
        } else {
            // LONG1: the shortest little-endian two's complement.
            let bytes = x.to_le_bytes();
            let mut len = 8;
            while len > 1 && {
                let (top, next) = (bytes[len - 1], bytes[len - 2]);
                (top == 0 && next < 0x80) || (top == 0xff && next >= 0x80)
            } {
                len -= 1;
            }
            self.out.extend_from_slice(&[op::LONG1, len as u8]);
            self.out.extend_from_slice(&bytes[..len]);
        }
    }

    /// A list's items after its `EMPTY_LIST`: `APPEND` for one, batches of
    /// `MARK ... APPENDS` otherwise, nothing for none.
    fn strings(&mut self, items: &[String]) {
        if let [only] = items {
            self.string(only);
            self.out.push(op::APPEND);
            return;
        }
        for batch in items.chunks(BATCH) {
            self.out.push(op::MARK);
            for item in batch {
                self.string(item);
            }
            self.out.push(op::APPENDS);
        }
    }
}

/// A value the reader builds.
#[derive(Debug, Clone)]
enum Value {
    Int(i64),
    Str(String),
    List(Vec<Value>),
    Dict(Vec<(String, Value)>),
}

/// A stack slot: a value, or a `MARK`.
#[derive(Debug)]
enum Slot {
    Mark,
    Value(Value),
}

/// A memo entry: strings and ints are copied; containers cannot be fetched
/// again (the sidecar never shares them).
#[derive(Debug, Clone)]
enum Memo {
    Scalar(Value),
    Container,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    stack: Vec<Slot>,
    memo: Vec<Option<Memo>>,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            stack: Vec::new(),
            memo: Vec::new(),
        }
    }

    fn fail<T>(&self, at: usize, message: impl Into<String>) -> Result<T> {
        Err(Error::Pickle {
            path: None,
            offset: at as u64,
            message: message.into(),
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        match end {
            Some(end) => {
                let slice = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(slice)
            }
            None => self.fail(
                self.pos,
                format!("{n} bytes announced, the pickle ends first"),
            ),
        }
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    fn push(&mut self, value: Value) {
        self.stack.push(Slot::Value(value));
    }

    fn pop_value(&mut self, at: usize) -> Result<Value> {
        match self.stack.pop() {
            Some(Slot::Value(v)) => Ok(v),
            _ => self.fail(at, "a value was expected on the stack"),
        }
    }

    /// Pops everything above the topmost mark, and the mark.
    fn pop_to_mark(&mut self, at: usize) -> Result<Vec<Value>> {
        let Some(mark) = self.stack.iter().rposition(|s| matches!(s, Slot::Mark)) else {
            return self.fail(at, "no MARK on the stack");
        };
        let values = self
            .stack
            .drain(mark + 1..)
            .map(|slot| match slot {
                Slot::Value(v) => v,
                Slot::Mark => unreachable!("the topmost mark is below"),
            })
            .collect();
        self.stack.pop();
        Ok(values)
    }

    fn top_mut(&mut self, at: usize) -> Result<&mut Value> {
        match self.stack.last_mut() {
            Some(Slot::Value(v)) => Ok(v),
            _ => Err(Error::Pickle {
                path: None,
                offset: at as u64,
                message: "a container was expected on the stack".into(),
            }),
        }
    }

    fn string(&mut self, at: usize, len: u64) -> Result<()> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let bytes = self.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                self.push(Value::Str(s.to_owned()));
                Ok(())
            }
            Err(_) => self.fail(at, "a string is not valid UTF-8"),
        }
    }

    fn put(&mut self, at: usize, index: usize) -> Result<()> {
        let entry = match self.stack.last() {
            Some(Slot::Value(v @ (Value::Int(_) | Value::Str(_)))) => Memo::Scalar(v.clone()),
            Some(Slot::Value(_)) => Memo::Container,
            _ => return self.fail(at, "nothing to memoize"),
        };
        if index > self.bytes.len() {
            return self.fail(at, format!("memo index {index} is implausibly large"));
        }
        if self.memo.len() <= index {
            self.memo.resize(index + 1, None);
        }
        self.memo[index] = Some(entry);
        Ok(())
    }

    fn get(&mut self, at: usize, index: usize) -> Result<()> {
        match self.memo.get(index).cloned().flatten() {
            Some(Memo::Scalar(v)) => {
                self.push(v);
                Ok(())
            }
            Some(Memo::Container) => self.fail(at, "a shared container is not a sidecar"),
            None => self.fail(at, format!("memo {index} was never stored")),
        }
    }

    /// Runs the pickle; returns the dict it builds.
    fn run(mut self) -> Result<Vec<(String, Value)>> {
        let at = self.pos;
        if self.u8()? != op::PROTO {
            return self.fail(at, "not a pickle of protocol 2 or later (no PROTO opcode)");
        }
        let protocol = self.u8()?;
        if !(2..=5).contains(&protocol) {
            return self.fail(at, format!("pickle protocol {protocol} (2 to 5 are read)"));
        }
        loop {
            let at = self.pos;
            let code = self.u8()?;
            match code {
                op::FRAME => {
                    self.u64()?;
                }
                op::STOP => break,
                op::MARK => self.stack.push(Slot::Mark),
                op::EMPTY_DICT => self.push(Value::Dict(Vec::new())),
                op::EMPTY_LIST => self.push(Value::List(Vec::new())),
                op::BININT => {
                    let x = self.u32()? as i32;
                    self.push(Value::Int(i64::from(x)));
                }
                op::BININT1 => {
                    let x = self.u8()?;
                    self.push(Value::Int(i64::from(x)));
                }
                op::BININT2 => {
                    let b = self.take(2)?;
                    let x = u16::from_le_bytes([b[0], b[1]]);
                    self.push(Value::Int(i64::from(x)));
                }
                op::LONG1 => {
                    let n = usize::from(self.u8()?);
                    if n > 8 {
                        return self.fail(at, "an integer wider than 64 bits");
                    }
                    let b = self.take(n)?;
                    let mut wide = [if b.last().is_some_and(|&t| t >= 0x80) {
                        0xff
                    } else {
                        0
                    }; 8];
                    wide[..n].copy_from_slice(b);
                    self.push(Value::Int(i64::from_le_bytes(wide)));
                }
                op::BINUNICODE => {
                    let n = self.u32()?;
                    self.string(at, u64::from(n))?;
                }
                op::SHORT_BINUNICODE => {
                    let n = self.u8()?;
                    self.string(at, u64::from(n))?;
                }
                op::BINUNICODE8 => {
                    let n = self.u64()?;
                    self.string(at, n)?;
                }
                op::MEMOIZE => {
                    let index = self.memo.len();
                    self.put(at, index)?;
                }
                op::BINPUT => {
                    let index = usize::from(self.u8()?);
                    self.put(at, index)?;
                }
                op::LONG_BINPUT => {
                    let index = self.u32()? as usize;
                    self.put(at, index)?;
                }
                op::BINGET => {
                    let index = usize::from(self.u8()?);
                    self.get(at, index)?;
                }
                op::LONG_BINGET => {
                    let index = self.u32()? as usize;
                    self.get(at, index)?;
                }
                op::APPEND => {
                    let item = self.pop_value(at)?;
                    self.append(at, vec![item])?;
                }
                op::APPENDS => {
                    let items = self.pop_to_mark(at)?;
                    self.append(at, items)?;
                }
                op::SETITEM => {
                    let value = self.pop_value(at)?;
                    let key = self.pop_value(at)?;
                    self.set_items(at, vec![key, value])?;
                }
                op::SETITEMS => {
                    let items = self.pop_to_mark(at)?;
                    self.set_items(at, items)?;
                }
                other => {
                    return self.fail(
                        at,
                        format!("opcode 0x{other:02x} is not part of a sidecar dict; refused"),
                    )
                }
            }
        }
        if self.pos != self.bytes.len() {
            return self.fail(self.pos, "bytes after STOP");
        }
        match self.stack.pop() {
            Some(Slot::Value(Value::Dict(dict))) if self.stack.is_empty() => Ok(dict),
            _ => self.fail(self.pos, "the pickle is not one dict"),
        }
    }

    fn append(&mut self, at: usize, items: Vec<Value>) -> Result<()> {
        if items
            .iter()
            .any(|v| matches!(v, Value::List(_) | Value::Dict(_)))
        {
            return self.fail(at, "a list inside a list is not a sidecar");
        }
        match self.top_mut(at)? {
            Value::List(list) => {
                list.extend(items);
                Ok(())
            }
            _ => self.fail(at, "APPEND to something other than a list"),
        }
    }

    fn set_items(&mut self, at: usize, items: Vec<Value>) -> Result<()> {
        if !items.len().is_multiple_of(2) {
            return self.fail(at, "an odd number of keys and values");
        }
        let mut pairs = Vec::with_capacity(items.len() / 2);
        let mut items = items.into_iter();
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            let Value::Str(key) = key else {
                return self.fail(at, "a dict key that is not a string");
            };
            if matches!(value, Value::Dict(_)) {
                return self.fail(at, "a dict inside the dict is not a sidecar");
            }
            pairs.push((key, value));
        }
        match self.top_mut(at)? {
            Value::Dict(dict) => {
                dict.extend(pairs);
                Ok(())
            }
            _ => self.fail(at, "SETITEM on something other than a dict"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sidecar(labels: &[&str]) -> Sidecar {
        Sidecar {
            f: 100,
            num_trees: 70_000,
            labels: labels.iter().map(|s| s.to_string()).collect(),
            metric: Some("angular".into()),
        }
    }

    #[test]
    fn written_pickles_read_back() {
        for labels in [&[][..], &["one"][..], &["a", "é", "🦀", ""][..]] {
            let s = sidecar(labels);
            assert_eq!(Sidecar::from_pickle(&s.to_pickle()).unwrap(), s);
        }
        let many: Vec<String> = (0..2500).map(|i| format!("w{i}")).collect();
        let s = Sidecar {
            labels: many,
            metric: None,
            ..sidecar(&[])
        };
        assert_eq!(Sidecar::from_pickle(&s.to_pickle()).unwrap(), s);
    }

    #[test]
    fn integers_take_pythons_shortest_form_and_read_back() {
        let cases = [
            (0i64, op::BININT1),
            (255, op::BININT1),
            (256, op::BININT2),
            (65535, op::BININT2),
            (65536, op::BININT),
            (-1, op::BININT),
            (i64::from(i32::MAX), op::BININT),
            (1 << 40, op::LONG1),
            (-(1 << 40), op::LONG1),
        ];
        for (x, opcode) in cases {
            let mut w = Writer::default();
            w.out
                .extend_from_slice(&[op::PROTO, 2, op::EMPTY_DICT, op::MARK]);
            w.string("f");
            let at = w.out.len();
            w.int(x);
            assert_eq!(w.out[at], opcode, "{x}");
            w.string("num_trees");
            w.int(3);
            w.string("labels");
            w.out
                .extend_from_slice(&[op::EMPTY_LIST, op::SETITEMS, op::STOP]);
            match Sidecar::from_pickle(&w.out) {
                Ok(s) => assert_eq!(s.f as i64, x),
                Err(Error::Shape { key, .. }) => assert!(x < 0 && key == "f"),
                Err(e) => panic!("{x}: {e}"),
            }
        }
    }

    #[test]
    fn foreign_opcodes_and_truncation_are_refused() {
        // GLOBAL + REDUCE: what a malicious pickle would use to run code.
        let evil = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03.";
        assert!(matches!(
            Sidecar::from_pickle(evil),
            Err(Error::Pickle { offset: 2, .. })
        ));
        let good = sidecar(&["x", "y"]).to_pickle();
        for cut in 0..good.len() {
            assert!(Sidecar::from_pickle(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert!(Sidecar::from_pickle(b"\x80\x01}.").is_err());
        // A huge announced length fails before allocating.
        assert!(Sidecar::from_pickle(b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f").is_err());
    }

    #[test]
    fn missing_or_mistyped_keys_are_named() {
        let no_labels = b"\x80\x02}q\x00(X\x01\x00\x00\x00fK\x10X\t\x00\x00\x00num_treesK\x01u.";
        assert!(
            matches!(Sidecar::from_pickle(no_labels), Err(Error::Shape { key, .. }) if key == "labels")
        );
        let f_string = b"\x80\x02}q\x00X\x01\x00\x00\x00fX\x01\x00\x00\x00xs.";
        assert!(
            matches!(Sidecar::from_pickle(f_string), Err(Error::Shape { key, .. }) if key == "f")
        );
    }

    #[test]
    fn integer_labels_read_as_decimal_keys() {
        // pickle.dumps({'f': 4, 'num_trees': 1, 'labels': [0, 1, 300, 'x']},
        // protocol=4): gensim's AnnoyIndexer over a Doc2Vec with int tags.
        let doc2vec = b"\x80\x04\x95\x31\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x28\x8c\x01\x66\x94\x4b\x04\x8c\x09\x6e\x75\x6d\x5f\x74\x72\x65\x65\x73\x94\x4b\x01\x8c\x06\x6c\x61\x62\x65\x6c\x73\x94\x5d\x94\x28\x4b\x00\x4b\x01\x4d\x2c\x01\x8c\x01\x78\x94\x65\x75\x2e";
        let read = Sidecar::from_pickle(doc2vec).unwrap();
        assert_eq!(read.labels, ["0", "1", "300", "x"]);
        assert_eq!((read.f, read.num_trees), (4, 1));
        // A negative label is no row.
        let negative = b"\x80\x02}q\x00(X\x01\x00\x00\x00fK\x04X\t\x00\x00\x00num_treesK\x01X\x06\x00\x00\x00labels]q\x01J\xff\xff\xff\xffau.";
        assert!(
            matches!(Sidecar::from_pickle(negative), Err(Error::Shape { key, .. }) if key == "labels")
        );
    }

    #[test]
    fn the_sidecar_sits_beside_the_index() {
        assert_eq!(
            Sidecar::path_for(Path::new("dir/vectors.ann")),
            Path::new("dir/vectors.ann.dict")
        );
    }
}
