//! temp
use std::time::Instant;
fn main() {
    let kv = vecstore::KeyedVectors::load("/work/bench-data/vectors_dev.bin").unwrap();
    let trees: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(4);
    let t = Instant::now();
    let ix = knn::AnnoyIndexer::builder(&kv, trees)
        .seed(1)
        .threads(
            std::env::args()
                .nth(2)
                .map(|s| s.parse().unwrap())
                .unwrap_or(1),
        )
        .build()
        .unwrap();
    println!(
        "{} trees 1 thread: {:.3} s",
        ix.num_trees(),
        t.elapsed().as_secs_f64()
    );
}
