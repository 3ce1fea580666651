//! Figures of a run: validation F1 per epoch (training curves) and test F1 per fold (bars).

use std::path::Path;

use plotters::prelude::*;

use crate::config::LossKind;
use crate::error::{Result, TrainError};
use crate::results::RunResults;
use crate::trainer::EpochLog;

fn plot_err(path: &Path, e: impl std::fmt::Display) -> TrainError {
    TrainError::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Validation F1 (solid) and training loss (dashed, scale 0–1) against optimiser steps (epochs
/// for logs written before steps were recorded), one colour per fold, one panel per loss.
pub fn training_curves(path: &Path, hist: &[(LossKind, usize, Vec<EpochLog>)]) -> Result<()> {
    let mut losses: Vec<LossKind> = hist.iter().map(|h| h.0).collect();
    losses.dedup();
    let panels = losses.len().max(1);
    let root = BitMapBackend::new(path, (640 * panels as u32, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let areas = root.split_evenly((1, panels));
    let by_step = hist.iter().all(|h| h.2.iter().all(|e| e.steps > 0));
    let x_of = |e: &EpochLog| {
        if by_step {
            e.steps as f64
        } else {
            e.epoch as f64
        }
    };
    let max_x = hist
        .iter()
        .flat_map(|h| h.2.iter().map(x_of))
        .fold(2.0, f64::max);
    for (area, loss) in areas.iter().zip(&losses) {
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!(
                    "{}: validation F1 (solid), train loss (dashed)",
                    loss.title()
                ),
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0f64..max_x, 0f64..1f64)
            .map_err(|e| plot_err(path, e))?;
        chart
            .configure_mesh()
            .x_desc(if by_step { "optimiser step" } else { "epoch" })
            .y_desc("F1 / loss")
            .draw()
            .map_err(|e| plot_err(path, e))?;
        for (loss_kind, fold, epochs) in hist {
            if loss_kind != loss {
                continue;
            }
            let color = PALETTE[(fold - 1) % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    epochs.iter().map(|e| (x_of(e), e.val_f1.unwrap_or(0.0))),
                    color.stroke_width(2),
                ))
                .map_err(|e| plot_err(path, e))?
                .label(format!("fold {fold}"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], color));
            chart
                .draw_series(DashedLineSeries::new(
                    epochs
                        .iter()
                        .map(|e| (x_of(e), e.train_loss.clamp(0.0, 1.0))),
                    4,
                    3,
                    color.stroke_width(1),
                ))
                .map_err(|e| plot_err(path, e))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| plot_err(path, e))?;
    }
    root.present().map_err(|e| plot_err(path, e))
}

/// Test F1 (pooled over the fold) per fold, one bar per loss.
pub fn fold_bars(path: &Path, results: &RunResults) -> Result<()> {
    let folds = results.arms.first().map_or(0, |a| a.folds.len()).max(1);
    let arms = results.arms.len().max(1);
    let root = BitMapBackend::new(path, (720, 400)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{}: test F1 per fold", results.experiment.table),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(0.5f64..folds as f64 + 0.5, 0f64..1f64)
        .map_err(|e| plot_err(path, e))?;
    chart
        .configure_mesh()
        .x_desc("fold")
        .y_desc("F1")
        .disable_x_mesh()
        .draw()
        .map_err(|e| plot_err(path, e))?;
    let width = 0.8 / arms as f64;
    for (a, arm) in results.arms.iter().enumerate() {
        let color = PALETTE[a % PALETTE.len()];
        chart
            .draw_series(arm.folds.iter().map(|f| {
                let x0 = f.fold as f64 - 0.4 + a as f64 * width;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width, f.report.pooled.f1.unwrap_or(0.0))],
                    color.filled(),
                )
            }))
            .map_err(|e| plot_err(path, e))?
            .label(arm.loss.title())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| plot_err(path, e))?;
    root.present().map_err(|e| plot_err(path, e))
}
