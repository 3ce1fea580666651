//! `bonescan init DIR`: the files a user with their own scans starts from — a commented
//! `cohort.csv` with one row per scan found in DIR, and an experiment TOML.

use std::path::{Path, PathBuf};

use bs_preprocess::dataset::discover_cohort;

use super::prepare::pair_views;
use super::CliResult;

/// Options of `bonescan init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory of the scans (`*.dcm`, not recursive, as `bonescan prepare DIR` reads it).
    pub dir: PathBuf,
    /// Where to write `cohort.csv` and `experiment.toml` (default: DIR).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite `cohort.csv` and `experiment.toml` when they exist.
    #[arg(long)]
    pub force: bool,
}

/// Typed failures of `bonescan init`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A file to write exists already.
    #[error("{} exists; edit it, or pass --force to write a new one", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A file cannot be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Runs `bonescan init`.
pub fn run(args: &Args) -> CliResult {
    let out = args.out.clone().unwrap_or_else(|| args.dir.clone());
    let cohort = out.join("cohort.csv");
    let experiment = out.join("experiment.toml");
    if !args.force {
        if let Some(path) = [&cohort, &experiment].into_iter().find(|p| p.exists()) {
            return Err(InitError::Exists { path: path.clone() }.into());
        }
    }
    let items = discover_cohort(std::slice::from_ref(&args.dir), None, None)?;
    let (items, notes) = pair_views(items, &bs_dicom::ReadOptions::default());
    for note in &notes {
        println!("{note}");
    }
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    write(&out, &cohort, &cohort_template(&args.dir, &cohort, &ids))?;
    write(&out, &experiment, EXPERIMENT_TEMPLATE)?;
    println!(
        "wrote {} ({} scans: fill in cancer and metastatic) and {}",
        cohort.display(),
        ids.len(),
        experiment.display()
    );
    Ok(())
}

fn write(out: &Path, path: &Path, text: &str) -> Result<(), InitError> {
    std::fs::create_dir_all(out)
        .and_then(|()| std::fs::write(path, text))
        .map_err(|source| InitError::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// The commented cohort table: one row per scan id, cancer and metastatic left to fill in.
fn cohort_template(dir: &Path, cohort: &Path, ids: &[&str]) -> String {
    let dir = dir.display();
    let mut text = format!(
        "\
# Cohort table of the scans in {dir}, written by `bonescan init`: one row per scan.
# patient_id  the scan's id: its file stem (the anterior file's for a pair of single-view
#             files); keep it as listed. For several scans of one patient, add a `scan` column
#             with these ids and give the patient's own id in patient_id.
# cancer      breast, prostate or other
# metastatic  yes or no (bone metastases)
# group       empty (derived, the paper's Table 1: D1 breast metastatic, D2 breast without,
#             D3 prostate metastatic, D4 prostate without) or D1..D4 (checked against the two above)
# split       empty, or a fold number (1, 2, ...) that pins a metastatic patient to that fold
#             of cross-validation (its test fold); the other patients are dealt around it
# Any other column you add is kept in the prepared data set's manifest.json.
# Lines starting with # are ignored. A row left incomplete is refused with its line number.
# Then: bonescan prepare {dir} --labels LABEL_DIR --cohort {} --out prepared
patient_id,cancer,metastatic,group,split
",
        cohort.display()
    );
    for id in ids {
        text.push_str(&csv_field(id));
        text.push_str(",,,,\n");
    }
    text
}

/// A CSV field, quoted when it holds a comma, a quote or surrounding space.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"']) || text.trim() != text {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The experiment to start from: Table 4's setting (the paper's three classes with Otsu NM,
/// negative samples in training), in the format of `experiments/*.toml`.
const EXPERIMENT_TEMPLATE: &str = "\
# An experiment on your own prepared scans (`bonescan init`), in the format of the paper's
# experiments/*.toml. Run: bonescan cv --config experiment.toml --data prepared --out runs/mine
# Start from the paper's Table 4 setting; see experiments/ for the others (baseline, negative
# mining, transfer learning).
name = \"my_cohort\"
table = \"own data\"
description = \"Three-class (BG/NM/M), NM by Otsu, D1 split into folds, D2 added to training\"
# Groups of cohort.csv to train on: metastatic groups (D1, D3) are split into folds, groups
# without metastases (D2, D4) join the training part of every fold as negative samples.
groups = [\"D1\", \"D2\"]
# otsu: NM is the Otsu body minus M; negative_mining: NM from a binary model's false
# positives; none: the binary baseline.
nm_source = \"otsu\"
# One arm per loss: dice, focal_tversky.
losses = [\"focal_tversky\"]
# Pre-train on other groups first, then fine-tune per fold (the paper's Table 7):
# [transfer]
# pretrain_groups = [\"D3\", \"D4\"]

[training]
# Cross-validation folds (the paper: 10, split 8:1:1); needs at least as many metastatic
# patients as folds.
folds = 10
";
