//! The tutorial's charts, as SVG and PNG (plotters): step 7's build time
//! and accuracy against `num_trees`, step 8's recall against time per
//! query. Laying out text needs a TrueType font: DejaVu Sans is looked up in
//! the usual system places; without it no chart is drawn (the CSV and the
//! report still have the data).

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use serde::Serialize;

use super::compare::Comparison;

/// One point of step 7's sweep: what the charts draw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SweepPoint {
    /// Trees.
    pub num_trees: usize,
    /// Seconds spent growing the first `num_trees` trees (the sweep grows
    /// each forest from the previous one; see `sweep` in `steps.rs`).
    pub build_seconds: f64,
    /// Share of the exact top 100 of one query found by the index's top 100.
    pub overlap_top100: f64,
    /// Mean recall@10 over the sampled queries.
    pub recall_at_10: f64,
}

/// Font files tried for PNG text, in order.
const FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Registers a system font for PNG text; `false` if none was found.
fn register_font() -> bool {
    for path in FONTS {
        if let Ok(bytes) = std::fs::read(path) {
            // The font must live as long as the process: leak it once.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                return true;
            }
        }
    }
    false
}

/// Writes `build_time.{svg,png}` and `accuracy.{svg,png}`; returns the
/// files written (none if no font was found).
pub fn charts(points: &[SweepPoint], dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    const SIZE: (u32, u32) = (900, 540);
    if !register_font() {
        return Ok(Vec::new());
    }
    let path = |name: &str| dir.join(name);
    build_time(
        SVGBackend::new(&path("build_time.svg"), SIZE).into_drawing_area(),
        points,
    )?;
    accuracy(
        SVGBackend::new(&path("accuracy.svg"), SIZE).into_drawing_area(),
        points,
    )?;
    build_time(
        BitMapBackend::new(&path("build_time.png"), SIZE).into_drawing_area(),
        points,
    )?;
    accuracy(
        BitMapBackend::new(&path("accuracy.png"), SIZE).into_drawing_area(),
        points,
    )?;
    Ok([
        "build_time.svg",
        "accuracy.svg",
        "build_time.png",
        "accuracy.png",
    ]
    .map(path)
    .to_vec())
}

fn build_time<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    points: &[SweepPoint],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
    let max_trees = points.iter().map(|p| p.num_trees).max().unwrap_or(1) as f64;
    let max_time = points
        .iter()
        .map(|p| p.build_seconds)
        .fold(0.0, f64::max)
        .max(1e-3)
        * 1.1;
    let mut chart = ChartBuilder::on(&area)
        .caption("Annoy index build time vs num_trees", ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..max_trees * 1.05, 0.0..max_time)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("num_trees")
        .y_desc("build time (s)")
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|p| (p.num_trees as f64, p.build_seconds)),
            &BLUE,
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .draw_series(
            points
                .iter()
                .map(|p| Circle::new((p.num_trees as f64, p.build_seconds), 3, BLUE.filled())),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    area.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// A line of the accuracy chart: label, colour, value of a point.
type Series = (&'static str, RGBColor, fn(&SweepPoint) -> f64);

fn accuracy<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    points: &[SweepPoint],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
    let max_trees = points.iter().map(|p| p.num_trees).max().unwrap_or(1) as f64;
    let mut chart = ChartBuilder::on(&area)
        .caption("Annoy accuracy vs num_trees", ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..max_trees * 1.05, 0.0..100.0)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    chart
        .configure_mesh()
        .x_desc("num_trees")
        .y_desc("%")
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let series: [Series; 2] = [
        ("top-100 overlap with exact, one query", RED, |p| {
            p.overlap_top100 * 100.0
        }),
        ("mean recall@10", BLUE, |p| p.recall_at_10 * 100.0),
    ];
    for (label, color, value) in series {
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.num_trees as f64, value(p))),
                color,
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    area.present().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// Writes step 8's `compare.{svg,png}`: recall@10 against milliseconds per
/// query (log scale) for each method; returns the files written (none if no
/// font was found).
pub fn comparison(c: &Comparison, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    const SIZE: (u32, u32) = (900, 540);
    if !register_font() {
        return Ok(Vec::new());
    }
    let svg = dir.join("compare.svg");
    let png = dir.join("compare.png");
    recall_vs_time(SVGBackend::new(&svg, SIZE).into_drawing_area(), c)?;
    recall_vs_time(BitMapBackend::new(&png, SIZE).into_drawing_area(), c)?;
    Ok(vec![svg, png])
}

fn recall_vs_time<DB: DrawingBackend>(
    area: DrawingArea<DB, plotters::coord::Shift>,
    c: &Comparison,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("{e}");
    area.fill(&WHITE).map_err(err)?;
    let methods = [(&c.exact, BLACK), (&c.annoy, BLUE), (&c.hnsw, RED)];
    let all = || methods.iter().flat_map(|(m, _)| &m.points);
    let positive = |x: f64| x.is_finite() && x > 0.0;
    let lo = all()
        .map(|p| p.ms_per_query)
        .filter(|&x| positive(x))
        .fold(f64::INFINITY, f64::min);
    let hi = all()
        .map(|p| p.ms_per_query)
        .filter(|&x| positive(x))
        .fold(0.0, f64::max);
    let (lo, hi) = if lo <= hi {
        (lo / 1.5, hi * 1.5)
    } else {
        (1e-3, 1.0)
    };
    let min_recall = all().map(|p| p.recall_at_10).fold(1.0, f64::min);
    let bottom = ((min_recall * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let mut chart = ChartBuilder::on(&area)
        .caption(
            "recall@10 vs time per query (one thread)",
            ("sans-serif", 24),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((lo..hi).log_scale(), bottom..1.01)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("ms per query (log scale)")
        .y_desc("recall@10")
        .draw()
        .map_err(err)?;
    for (method, color) in methods {
        let points: Vec<(f64, f64)> = method
            .points
            .iter()
            .filter(|p| positive(p.ms_per_query))
            .map(|p| (p.ms_per_query, p.recall_at_10))
            .collect();
        chart
            .draw_series(LineSeries::new(points.iter().copied(), color))
            .map_err(err)?
            .label(method.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(err)?;
    area.present().map_err(err)?;
    Ok(())
}
