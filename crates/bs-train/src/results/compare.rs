//! One report comparing every experiment of the main job with the paper's numbers.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::LossKind;
use crate::data::PatchConfig;
use crate::error::Result;
use crate::io::{write_atomic, write_json_atomic};
use crate::results::{collect, ArmResults, RunResults};

/// One arm of one experiment in `comparison.json` (fractions in 0…1; the paper's in percent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// Table of the paper, e.g. `Table 4`.
    pub table: String,
    /// Experiment name.
    pub experiment: String,
    /// Loss of the arm.
    pub loss: LossKind,
    /// Profile it ran at.
    pub profile: String,
    /// Folds that ran (1-based).
    pub folds: Vec<usize>,
    /// Training input (rows, cols) of validation and test.
    pub input_size: (usize, usize),
    /// Patches, when trained on patches.
    pub patches: Option<PatchConfig>,
    /// Epochs per training.
    pub epochs: usize,
    /// Mean over folds of the pooled precision.
    pub precision: Option<f64>,
    /// Mean over folds of the pooled sensitivity.
    pub sensitivity: Option<f64>,
    /// F1 of the mean precision and mean sensitivity (the paper's Mean row).
    pub f1_of_means: Option<f64>,
    /// Mean of the fold F1 values.
    pub f1_mean: Option<f64>,
    /// Sample SD of the fold F1 values (`None` for one fold).
    pub f1_sd: Option<f64>,
    /// The paper's Mean row (P, S, F1 in percent), when it gives one.
    pub paper_percent: Option<[f64; 3]>,
    /// Training seconds, summed over folds.
    pub train_seconds: f64,
}

impl ComparisonRow {
    fn new(r: &RunResults, a: &ArmResults) -> ComparisonRow {
        ComparisonRow {
            table: r.experiment.table.clone(),
            experiment: r.experiment.name.clone(),
            loss: a.loss,
            profile: r.run.profile.name.to_string(),
            folds: a.folds.iter().map(|f| f.fold).collect(),
            input_size: r.run.input_size,
            patches: r.run.profile.patches(r.experiment.training.patches),
            epochs: r.run.epochs,
            precision: a.aggregate.precision.map(|m| m.mean),
            sensitivity: a.aggregate.sensitivity.map(|m| m.mean),
            f1_of_means: a.aggregate.f1_of_means,
            f1_mean: a.aggregate.f1.map(|m| m.mean),
            f1_sd: a.aggregate.f1.and_then(|m| m.sd),
            paper_percent: a.paper_mean_percent,
            train_seconds: a.folds.iter().map(|f| f.train_seconds).sum(),
        }
    }

    /// `128×128 patches` or `whole 640×512`.
    fn sampling(&self) -> String {
        match &self.patches {
            Some(p) => format!("{}×{} patches", p.size[0], p.size[1]),
            None => format!("whole {}×{}", self.input_size.0, self.input_size.1),
        }
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{:.2}", 100.0 * v))
}

fn mean_sd(m: Option<bs_metrics::MeanSd>) -> String {
    match m {
        Some(m) => match m.sd {
            Some(sd) => format!("{:.2} ± {:.2}", 100.0 * m.mean, 100.0 * sd),
            None => format!("{:.2}", 100.0 * m.mean),
        },
        None => "n/a".into(),
    }
}

/// Writes `out/comparison.md` (one row per experiment and loss, our Mean row ± SD over folds
/// next to the paper's, with links to each run's report) and `out/comparison.json` (the same
/// rows as [`ComparisonRow`]s, for scripts). Returns the Markdown file.
pub fn write_comparison(run_dirs: &[PathBuf], out: &Path, preface: &str) -> Result<PathBuf> {
    let mut s = String::from("# bonescan: all experiments of the paper, side by side\n\n");
    s.push_str(preface);
    s.push_str(
        "\n**Different data.** Our numbers come from the synthetic cohort (`bonescan synth`), \
         not from the authors' 200 private bone scans; the paper's Mean rows are quoted only to \
         compare trends (does Otsu NM beat the binary baseline? do negatives raise precision?).\n\n",
    );
    s.push_str("| table | experiment | loss | ours P | ours S | ours F1 (of means) | ours F1 mean ± SD | paper P | paper S | paper F1 | profile | folds | training | epochs | device | train s |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for dir in run_dirs {
        let r = match collect(dir) {
            Ok(r) => r,
            Err(e) => {
                missing.push(format!("{}: {}", dir.display(), bs_dicom::error::chain(&e)));
                continue;
            }
        };
        for a in &r.arms {
            let paper =
                a.paper_mean_percent
                    .map_or(["n/a".into(), "n/a".into(), "n/a".into()], |v| {
                        [
                            format!("{:.2}", v[0]),
                            format!("{:.2}", v[1]),
                            format!("{:.2}", v[2]),
                        ]
                    });
            let row = ComparisonRow::new(&r, a);
            let rel = dir.strip_prefix(out).unwrap_or(dir).join("report.md");
            s.push_str(&format!(
                "| {} | [{}]({}) | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |\n",
                r.experiment.table,
                r.experiment.name,
                rel.display(),
                a.loss.title(),
                pct(row.precision),
                pct(row.sensitivity),
                pct(row.f1_of_means),
                mean_sd(a.aggregate.f1),
                paper[0],
                paper[1],
                paper[2],
                row.profile,
                row.folds
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                row.sampling(),
                row.epochs,
                r.run.device,
                row.train_seconds
            ));
            rows.push(row);
        }
    }
    s.push_str("\nTable 7 (transfer learning): the paper's text gives no numbers for it (it reports a slight F1 gain over Table 4).\n");
    if !missing.is_empty() {
        s.push_str("\n## Missing runs\n\n");
        for m in missing {
            s.push_str(&format!("* {m}\n"));
        }
    }
    write_json_atomic(&out.join("comparison.json"), &rows)?;
    let path = out.join("comparison.md");
    write_atomic(&path, s.as_bytes())?;
    Ok(path)
}
