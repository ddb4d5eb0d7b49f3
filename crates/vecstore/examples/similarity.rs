//! Loads a vector file in any supported format and prints the cosine
//! similarity of word pairs, plus what the load cost.
//!
//! ```sh
//! cargo run --release -p vecstore --example similarity -- vectors.bin king queen man woman
//! ```

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: similarity VECTORS [WORD WORD]...");
        std::process::exit(2);
    };
    let start = Instant::now();
    let kv = vecstore::KeyedVectors::load(&path)?;
    println!(
        "{path}: {} words x {} dims, loaded in {:.3} s{}",
        kv.len(),
        kv.dim(),
        start.elapsed().as_secs_f64(),
        if kv.is_mapped() {
            " (memory-mapped)"
        } else {
            ""
        }
    );
    let words: Vec<String> = args.collect();
    for pair in words.chunks_exact(2) {
        println!(
            "similarity({}, {}) = {:.4}",
            pair[0],
            pair[1],
            kv.similarity(&pair[0], &pair[1])?
        );
    }
    Ok(())
}
