//! Merging fold results into `results.json`, the paper-layout tables, figures and `report.md`.

mod compare;
mod paper;
mod plots;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use bs_metrics::{FoldAggregate, PixelScores, ResultsTable};

use crate::config::{ExperimentConfig, LossKind};
use crate::error::{Result, TrainError};
use crate::experiment::{result_path, FoldResult, RunInfo};
use crate::io::{read_json, write_atomic, write_json_atomic};
use crate::trainer::EpochLog;

pub use compare::{write_comparison, ComparisonRow};
pub use paper::paper_mean;

/// The results of one arm (loss) over all folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmResults {
    /// Loss of the arm.
    pub loss: LossKind,
    /// Per-fold results, fold 1 first.
    pub folds: Vec<FoldResult>,
    /// Mean ± SD over the folds of the pooled per-fold scores.
    pub aggregate: FoldAggregate,
    /// The paper's Mean row for this table and loss (percent), if quoted.
    pub paper_mean_percent: Option<[f64; 3]>,
}

/// `results.json` of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// The experiment.
    pub experiment: ExperimentConfig,
    /// Profile, device, data.
    pub run: RunInfo,
    /// One entry per loss.
    pub arms: Vec<ArmResults>,
}

impl RunResults {
    /// The table in the paper's layout.
    pub fn table(&self) -> Result<ResultsTable> {
        let title = format!(
            "{} (reproduction, {} profile): {}",
            self.experiment.table, self.run.profile.name, self.experiment.description
        );
        let scores = |a: &ArmResults| {
            a.folds
                .iter()
                .map(|f| f.report.pooled)
                .collect::<Vec<PixelScores>>()
        };
        let groups = self
            .arms
            .iter()
            .map(|a| bs_metrics::ColumnGroup {
                name: if self.arms.len() > 1 {
                    a.loss.title().to_string()
                } else {
                    String::new()
                },
                folds: scores(a),
            })
            .collect();
        Ok(ResultsTable::new(title, groups)?)
    }
}

/// Reads the fold results of a run directory (every fold its profile runs must be present).
pub fn collect(run_dir: &Path) -> Result<RunResults> {
    let config = ExperimentConfig::from_path(&run_dir.join("experiment.toml")).map_err(|e| {
        TrainError::RunDir {
            path: run_dir.to_path_buf(),
            message: format!("not a run directory of `bonescan cv` ({e})"),
        }
    })?;
    let run: RunInfo = read_json(&run_dir.join("run.json"))?;
    let mut arms = Vec::new();
    for &loss in &config.losses {
        let mut folds = Vec::new();
        let mut missing = Vec::new();
        for k in run.profile.fold_indices(config.training.folds) {
            let p = result_path(run_dir, loss, k);
            if p.exists() {
                folds.push(read_json::<FoldResult>(&p)?);
            } else {
                missing.push(k + 1);
            }
        }
        if !missing.is_empty() {
            return Err(TrainError::RunDir {
                path: run_dir.to_path_buf(),
                message: format!(
                    "{}: folds {missing:?} have no result.json yet (run `bonescan cv --fold K` for them)",
                    loss.slug()
                ),
            });
        }
        let pooled: Vec<PixelScores> = folds.iter().map(|f| f.report.pooled).collect();
        arms.push(ArmResults {
            loss,
            aggregate: FoldAggregate::from_folds(&pooled)?,
            folds,
            paper_mean_percent: paper_mean(&config.table, loss),
        });
    }
    Ok(RunResults {
        experiment: config,
        run,
        arms,
    })
}

/// Training histories of a run: (loss, fold 1-based, epochs).
pub fn histories(run_dir: &Path, results: &RunResults) -> Vec<(LossKind, usize, Vec<EpochLog>)> {
    let mut out = Vec::new();
    for arm in &results.arms {
        for f in &arm.folds {
            let dir = run_dir
                .join(arm.loss.slug())
                .join(format!("fold_{}", f.fold));
            if let Ok(state) = read_json::<crate::trainer::TrainerState>(&dir.join("state.json")) {
                out.push((arm.loss, f.fold, state.history));
            }
        }
    }
    out
}

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{:.2}", 100.0 * v))
}

/// Merges the folds of `run_dir`: writes `results.json`, `table.md`, `table.csv`,
/// `figures/curves.png`, `figures/folds.png` and `report.md`.
pub fn aggregate(run_dir: &Path) -> Result<RunResults> {
    let results = collect(run_dir)?;
    let table = results.table()?;
    write_json_atomic(&run_dir.join("results.json"), &results)?;
    write_atomic(&run_dir.join("table.md"), table.to_markdown().as_bytes())?;
    write_atomic(&run_dir.join("table.csv"), table.to_csv().as_bytes())?;
    let fig = run_dir.join("figures");
    crate::io::create_dir(&fig)?;
    let mut figures: Vec<PathBuf> = Vec::new();
    let hist = histories(run_dir, &results);
    let mut figure_notes = Vec::new();
    for (name, r) in [
        (
            "curves.png",
            plots::training_curves(&fig.join("curves.png"), &hist),
        ),
        (
            "folds.png",
            plots::fold_bars(&fig.join("folds.png"), &results),
        ),
    ] {
        match r {
            Ok(()) => figures.push(PathBuf::from("figures").join(name)),
            Err(e) => figure_notes.push(format!(
                "figure {name} not drawn: {}",
                bs_dicom::error::chain(&e)
            )),
        }
    }
    let mut overlays: Vec<String> = std::fs::read_dir(&fig)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("overlay_") && n.ends_with(".png"))
                .collect()
        })
        .unwrap_or_default();
    overlays.sort();
    let report = report_markdown(
        &results,
        &table.to_markdown(),
        &figures,
        &overlays,
        &figure_notes,
    );
    write_atomic(&run_dir.join("report.md"), report.as_bytes())?;
    Ok(results)
}

fn report_markdown(
    r: &RunResults,
    table: &str,
    figures: &[PathBuf],
    overlays: &[String],
    notes: &[String],
) -> String {
    let e = &r.experiment;
    let mut s = format!("# {} — {}\n\n{}\n\n", e.table, e.name, e.description);
    s.push_str(&format!(
        "* **Data:** `{}` ({}) — synthetic unless you prepared your own scans; **not** the paper's data\n",
        r.run.data.display(),
        r.run.groups.iter().map(|(g, n)| format!("{g}: {n}")).collect::<Vec<_>>().join(", ")
    ));
    s.push_str(&format!(
        "* **Profile:** `{}` — training input {}×{} (prepared 640×512 pooled ÷{}×÷{}), width ×{}, {} epochs{}\n",
        r.run.profile.name,
        r.run.input_size.0,
        r.run.input_size.1,
        r.run.profile.pool_rows,
        r.run.profile.pool_cols,
        r.run.profile.width_multiplier,
        r.run.epochs,
        r.run.pretrain_epochs.map_or(String::new(), |p| format!(", {p} pre-training epochs"))
    ));
    let p = &r.run.profile;
    let folds: Vec<String> = r
        .arms
        .first()
        .map(|a| a.folds.iter().map(|f| f.fold.to_string()).collect())
        .unwrap_or_default();
    s.push_str(&format!(
        "* **Folds run:** {} of {}{}\n",
        folds.join(", "),
        e.training.folds,
        if folds.len() < e.training.folds {
            " (the profile runs the first folds only; the splits are those of all folds)"
        } else {
            ""
        }
    ));
    s.push_str(&format!(
        "* **Samples:** {}; augmentation: {}\n",
        match p.patches(e.training.patches) {
            Some(q) => format!(
                "{}×{} patches of the full-resolution image, {} per epoch ({} forced to contain metastasis), batch {}; validation and test through {}×{} windows of the whole images",
                q.size[0],
                q.size[1],
                q.per_epoch,
                match q.m_fraction_last {
                    Some(last) => format!("{:.0} % → {:.0} % over the epochs", 100.0 * q.m_fraction, 100.0 * last),
                    None => format!("{:.0} %", 100.0 * q.m_fraction),
                },
                q.batch.unwrap_or(e.training.batch_size),
                q.size[0],
                q.size[1]
            ),
            None => "whole images".to_string(),
        },
        match p.augmentation(e.training.augmentation) {
            Some(a) if !a.is_off() => format!(
                "mirror {}, gain ±{:.0} %, zoom ±{:.0} %, shift ≤ {} px, count thinning to ≥ {:.0} %",
                if a.mirror { "on" } else { "off" },
                100.0 * a.gain,
                100.0 * a.zoom,
                a.shift,
                100.0 * a.thinning
            ),
            _ => "none".to_string(),
        }
    ));
    s.push_str(&format!("* **Device:** {}\n", r.run.device));
    s.push_str(&format!(
        "* **Training:** groups {:?}, NM source {:?}, Adam lr {}{}, batch {}, {} folds (8:1:1), seed {}, tested weights: {}\n",
        e.groups,
        e.nm_source,
        e.training.learning_rate * r.run.profile.learning_rate_scale,
        match r.run.profile.lr_decay(e.training.lr_decay) {
            crate::config::LrDecay::Poly => " with poly decay",
            crate::config::LrDecay::None => "",
        },
        e.training.batch_size,
        e.training.folds,
        e.training.seed,
        r.run
            .profile
            .model_selection(e.training.model_selection)
            .describe()
    ));
    s.push_str(&format!(
        "* **Network and loss:** encoder 1 {}, batch-norm momentum {}, sigmoid head prior {}, three-class NM/M loss {:?}, heads' losses {}\n",
        r.run.encoder_weights.as_ref().map_or_else(
            || format!("random initialisation ({:?})", p.encoder_init),
            |w| format!("ImageNet weights {} (sha256 {})", w.path.display(), w.sha256)
        ),
        p.batch_norm_momentum,
        p.head_prior.map_or("none".to_string(), |q| format!("P(M) = {q}")),
        p.class_reduction(e.training.loss_class_reduction),
        match p.head_combination(e.training.head_combination) {
            bs_losses::HeadCombination::Concatenated => "on both heads concatenated (Keras)",
            _ => "summed over the heads",
        }
    ));
    s.push_str("* Metrics are pixel metrics of the M class on the prepared 640×512 test images, pooled per fold; Mean-row F1 = F1 of mean P and mean S (as in the paper).\n\n");
    s.push_str("## Results\n\n");
    s.push_str(table);
    s.push_str("\n## Compared with the paper (Mean row, percent; different data!)\n\n");
    s.push_str("| loss | ours P | ours S | ours F1 | paper P | paper S | paper F1 |\n|---|---|---|---|---|---|---|\n");
    for a in &r.arms {
        let p = a.aggregate.precision.map(|m| m.mean);
        let se = a.aggregate.sensitivity.map(|m| m.mean);
        let f = a.aggregate.f1_of_means;
        let paper =
            a.paper_mean_percent
                .map_or(["n/a".to_string(), "n/a".into(), "n/a".into()], |v| {
                    [
                        format!("{:.2}", v[0]),
                        format!("{:.2}", v[1]),
                        format!("{:.2}", v[2]),
                    ]
                });
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            a.loss.title(),
            pct(p),
            pct(se),
            pct(f),
            paper[0],
            paper[1],
            paper[2]
        ));
    }
    s.push_str("\n## Training\n\n| loss | fold | tested epoch | val F1 | epochs | train s | img/s | lesion sens. | FP lesions/img |\n|---|---|---|---|---|---|---|---|---|\n");
    for a in &r.arms {
        for f in &a.folds {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {:.1} | {:.1} | {} | {} |\n",
                a.loss.slug(),
                f.fold,
                f.best_epoch,
                pct(f.best_val_f1),
                f.epochs_run,
                f.train_seconds,
                f.images_per_second,
                pct(f.report.lesion_sensitivity),
                f.report
                    .false_positive_lesions_per_image
                    .map_or("n/a".into(), |v| format!("{v:.2}"))
            ));
        }
    }
    s.push_str("\n## Figures\n\n");
    for f in figures {
        s.push_str(&format!("![{}]({})\n\n", f.display(), f.display()));
    }
    if !overlays.is_empty() {
        s.push_str(
            "Overlays (yellow: true positive, green: missed metastasis, red: false positive):\n\n",
        );
        for o in overlays {
            s.push_str(&format!("![{o}](figures/{o})\n\n"));
        }
    }
    for n in notes {
        s.push_str(&format!("> {n}\n\n"));
    }
    s
}
