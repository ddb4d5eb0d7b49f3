//! Builds indexes over the golden items with this crate and saves them with
//! the queries' answers, for `fixtures/hnsw/check_ours.py` to load in
//! Python's hnswlib: `cargo run -p hnsw --example write_for_python -- DIR`.

use std::io::Write;

use hnsw::{HnswIndex, Params, Space};

fn f32s(path: &std::path::Path) -> Vec<f32> {
    std::fs::read(path)
        .expect("read the fixture")
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: write_for_python DIR")?,
    );
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hnsw");
    let mut answers = String::from("{");
    for (i, (name, space, dim, m, deleted)) in [
        ("ours_cosine", Space::Cosine, 16, 8, None),
        ("ours_l2", Space::L2, 24, 16, None),
        ("ours_ip", Space::Ip, 16, 6, Some(1003u64)),
    ]
    .into_iter()
    .enumerate()
    {
        let items = f32s(&fixtures.join(format!("items_{dim}.f32")));
        let queries = f32s(&fixtures.join(format!("queries_{dim}.f32")));
        let mut index = HnswIndex::new(
            space,
            dim,
            Params::default()
                .max_elements(350)
                .m(m)
                .ef_construction(100),
        )?;
        let labels: Vec<u64> = (1000..1300).collect();
        index.add_items(&items, Some(&labels))?;
        if let Some(label) = deleted {
            index.mark_deleted(label)?;
        }
        index.save_index(out.join(format!("{name}.bin")))?;
        index.set_ef(50)?;
        let rows: Vec<String> = queries
            .chunks_exact(dim)
            .map(|q| {
                let got = index.knn_query(q, 10).expect("query");
                format!("{:?}", got.iter().map(|n| n.label).collect::<Vec<_>>())
            })
            .collect();
        if i > 0 {
            answers.push(',');
        }
        answers.push_str(&format!(
            "\"{name}\":{{\"space\":\"{space}\",\"dim\":{dim},\"count\":300,\"max_elements\":350,\"labels\":[{}]}}",
            rows.join(",")
        ));
    }
    answers.push('}');
    std::fs::File::create(out.join("ours.json"))?.write_all(answers.as_bytes())?;
    Ok(())
}
