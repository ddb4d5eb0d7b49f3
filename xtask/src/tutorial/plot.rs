//! Step 7's charts: build time and accuracy against `num_trees`, as SVG
//! and PNG (plotters). Laying out text needs a TrueType font: DejaVu Sans is
//! looked up in the usual system places; without it no chart is drawn (the
//! CSV still is).

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use serde::Serialize;

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
