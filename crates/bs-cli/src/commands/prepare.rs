//! `bonescan prepare`: whole-body scans (and labels) → the 640×512 prepared data set (bs-preprocess).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bs_dicom::SkipReason;
use bs_masks::labelme::LabelMap;
use bs_preprocess::dataset::{
    build_dataset, discover_cohort, phantom_layout, BuildOptions, BuildReport, CohortItem,
    CohortMatch, CohortTable, Freshness, NmMode,
};
use bs_preprocess::PrepareConfig;
use serde_json::json;

use super::batch::BatchLog;
use super::CliResult;

/// How NM pixels are derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NmArg {
    /// Store the Otsu body mask of every image (NM = body minus M).
    Otsu,
    /// Store no body masks (NM from negative mining, later).
    None,
}

/// When a scan of a previous run is up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FreshnessArg {
    /// Same size and modification time (touching a file redoes it).
    Modified,
    /// Same content (SHA-256).
    Content,
}

/// Options of `bonescan prepare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// DICOM files and/or directories of `*.dcm` files. A 2-frame object is one scan; two
    /// single-view objects of one study/series (one anterior, one posterior file) are paired
    /// into one scan. Id = file stem (of the anterior file for a pair).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Directory of label files `<id>.json` (Labelme) or `<id>.png` (class mask, non-zero = M),
    /// drawn on the raw AP|PA image (1024×512), the raw anterior view or the prepared image.
    /// Default for a bs-phantom cohort (`COHORT/dicom`): `COHORT/labelme`.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Output directory of the data set (images.npy, lesion.npy, body.npy, manifest.json, previews/)
    /// and of summary.json (every scan's outcome, unmatched cohort rows and scans).
    #[arg(long)]
    pub out: PathBuf,
    /// How NM is derived.
    #[arg(long, value_enum, default_value = "otsu")]
    pub nm: NmArg,
    /// Cohort table: `.csv`, `.tsv` or bs-phantom's `manifest.json`, one row per patient with
    /// `patient_id` (= scan file stem), `cancer` (breast|prostate|other), `metastatic` (yes/no),
    /// optional `group` (D1–D4, else derived), `split` (fold) and any other columns (kept).
    /// `bonescan init` writes a template. Default for a bs-phantom cohort: `COHORT/manifest.json`.
    #[arg(long)]
    pub cohort: Option<PathBuf>,
    /// Labelme labels meaning metastasis, as `label=value` pairs (non-zero values are M).
    #[arg(long, default_value = "metastasis=1")]
    pub lesion_labels: String,
    /// Mirror the posterior view left–right before cutting (default: as stored).
    #[arg(long)]
    pub mirror_posterior: bool,
    /// When a scan prepared before counts as up to date.
    #[arg(long, value_enum, default_value = "modified")]
    pub freshness: FreshnessArg,
    /// Do not write preview PNGs.
    #[arg(long)]
    pub no_previews: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Runs `bonescan prepare`.
///
/// A scan that fails is left out and the others are prepared; each failure, every scan without
/// a cohort table row and every row without a scan are listed at the end and in
/// `OUT/summary.json`, and then the command fails.
pub fn run(args: &Args) -> CliResult {
    let (phantom_labels, phantom_manifest) = match args.inputs.as_slice() {
        [one] => phantom_layout(one),
        _ => (None, None),
    };
    let labels_dir = args.labels.clone().or(phantom_labels);
    let cohort_path = args.cohort.clone().or(phantom_manifest);
    let table = cohort_path.as_deref().map(CohortTable::read).transpose()?;
    let items = discover_cohort(&args.inputs, labels_dir.as_deref(), None)?;
    let (mut items, notes) = pair_views(items, &bs_dicom::ReadOptions::default());
    for note in &notes {
        println!("{note}");
    }
    let mut log = BatchLog::new("prepare");
    log.note("notes", json!(notes));
    if let Some(table) = &table {
        note_cohort_match(&mut log, table, &table.assign(&mut items));
    }
    let labelled = items.iter().filter(|i| i.labels.is_some()).count();
    println!(
        "preparing {} scans ({labelled} with labels{}{}) into {}",
        items.len(),
        labels_dir
            .map(|d| format!(" from {}", d.display()))
            .unwrap_or_default(),
        cohort_path
            .map(|p| format!(", patient facts from {}", p.display()))
            .unwrap_or_default(),
        args.out.display()
    );
    let started = std::time::Instant::now();
    let report = build_dataset(&items, &args.out, &build_options(args)?)?;
    println!(
        "{} prepared, {} up to date, {} dropped, {} failed{} in {:.2} s",
        report.prepared.len(),
        report.reused.len(),
        report.dropped.len(),
        report.failed.len(),
        if report.written {
            ""
        } else {
            " (nothing written)"
        },
        started.elapsed().as_secs_f64()
    );
    log_outcomes(&mut log, &items, &report);
    report_missing_posteriors(&args.out);
    Ok(log.finish(&args.out)?)
}

fn build_options(args: &Args) -> Result<BuildOptions, bs_masks::MaskError> {
    Ok(BuildOptions {
        config: PrepareConfig {
            mirror_posterior: args.mirror_posterior,
            ..PrepareConfig::default()
        },
        lesion_labels: args.lesion_labels.parse::<LabelMap>()?,
        nm: match args.nm {
            NmArg::Otsu => NmMode::Otsu,
            NmArg::None => NmMode::None,
        },
        freshness: match args.freshness {
            FreshnessArg::Modified => Freshness::Modified,
            FreshnessArg::Content => Freshness::Content,
        },
        previews: !args.no_previews,
        threads: args.threads,
        keep_going: true,
        ..BuildOptions::default()
    })
}

/// Scans without a row and rows without a scan: problems of the batch (never dropped quietly).
fn note_cohort_match(log: &mut BatchLog, table: &CohortTable, matched: &CohortMatch) {
    let path = table.path().display();
    for id in &matched.scans_without_row {
        log.problem(format!(
            "scan {id} has no row in {path} (prepared without patient facts)"
        ));
    }
    for (line, id) in &matched.rows_without_scan {
        log.problem(format!("{path} line {line}: no scan {id} among the inputs"));
    }
    log.note("scans_without_row", json!(matched.scans_without_row));
    let rows: Vec<_> = matched
        .rows_without_scan
        .iter()
        .map(|(line, id)| json!({"line": line, "scan": id}))
        .collect();
    log.note("rows_without_scan", json!(rows));
}

/// One summary entry per scan: prepared, reused, or failed with its reason.
fn log_outcomes(log: &mut BatchLog, items: &[CohortItem], report: &BuildReport) {
    for item in items {
        let input = item.dicom.first().cloned().unwrap_or_default();
        match report.failed.iter().find(|f| f.id == item.id) {
            Some(failure) => log.failed(&input, failure.reason.clone()),
            None => {
                let status = if report.reused.contains(&item.id) {
                    "up to date"
                } else {
                    "prepared"
                };
                log.succeeded(&input, json!({"id": item.id, "status": status}));
            }
        }
    }
}

fn report_missing_posteriors(out: &Path) {
    let Ok(ds) = bs_preprocess::dataset::PreparedDataset::load(out) else {
        return;
    };
    let missing: Vec<&str> = ds
        .entries()
        .iter()
        .filter(|e| e.posterior_missing)
        .map(|e| e.id.as_str())
        .collect();
    if !missing.is_empty() {
        println!(
            "posterior view missing (right half zero, reported in manifest.json): {}",
            missing.join(", ")
        );
    }
}

/// Groups the one-file-per-item cohort of `discover_cohort` into scans with bs-dicom's
/// directory scanner: the two items of a pair of single-view files (one anterior, one
/// posterior of the same study/series) become one item with both files, id, labels and patient
/// facts taken from the anterior file's item (else the posterior's). A file with the SOP
/// Instance UID of one already taken is dropped (the same image twice would leak between
/// folds). Every other item stays as it was, so that `build_dataset` reports an unreadable
/// file or a lone posterior view as dropped with the reader's error. Returns the items (in
/// input order) and one note per pair or dropped duplicate.
pub fn pair_views(
    items: Vec<CohortItem>,
    read: &bs_dicom::ReadOptions,
) -> (Vec<CohortItem>, Vec<String>) {
    let paths: Vec<PathBuf> = items.iter().flat_map(|i| i.dicom.clone()).collect();
    let report = bs_dicom::group_files(&paths, read);
    // the file each item is found by (items from discover_cohort hold one file)
    let mut by_file: HashMap<PathBuf, usize> = HashMap::new();
    for (k, item) in items.iter().enumerate() {
        for f in &item.dicom {
            by_file.insert(f.clone(), k);
        }
    }
    let mut slots: Vec<Option<CohortItem>> = items.into_iter().map(Some).collect();
    let mut notes = Vec::new();
    for scan in report.scans.iter().filter(|s| s.files.len() == 2) {
        let (Some(&a), Some(&b)) = (by_file.get(&scan.files[0]), by_file.get(&scan.files[1]))
        else {
            continue;
        };
        if a == b {
            continue;
        }
        let (Some(first), Some(second)) = (slots[a].take(), slots[b].take()) else {
            continue;
        };
        notes.push(format!(
            "paired single-view files into scan {}: {} (anterior) + {} (posterior)",
            first.id,
            scan.files[0].display(),
            scan.files[1].display()
        ));
        slots[a.min(b)] = Some(CohortItem {
            dicom: scan.files.clone(),
            labels: first.labels.or(second.labels),
            patient: first.patient.or(second.patient),
            id: first.id,
        });
    }
    for skipped in &report.skipped {
        if let SkipReason::Duplicate { of } = &skipped.reason {
            if let Some(&k) = by_file.get(&skipped.path) {
                if slots[k].take().is_some() {
                    notes.push(format!(
                        "dropped {}: same SOP Instance UID as {}",
                        skipped.path.display(),
                        of.display()
                    ));
                }
            }
        }
    }
    (slots.into_iter().flatten().collect(), notes)
}
