//! `bonescan prepare`: whole-body scans (and labels) → the 640×512 prepared data set (bs-preprocess).

use std::path::PathBuf;

use bs_masks::labelme::LabelMap;
use bs_preprocess::dataset::{
    build_dataset, discover_cohort, phantom_layout, read_cohort_manifest, BuildOptions, Freshness,
    NmMode,
};
use bs_preprocess::PrepareConfig;

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
    /// DICOM files and/or directories of `*.dcm` files (one scan per file; id = file stem).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Directory of label files `<id>.json` (Labelme) or `<id>.png` (class mask, non-zero = M),
    /// drawn on the raw AP|PA image (1024×512), the raw anterior view or the prepared image.
    /// Default for a bs-phantom cohort (`COHORT/dicom`): `COHORT/labelme`.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Output directory of the data set (images.npy, lesion.npy, body.npy, manifest.json, previews/).
    #[arg(long)]
    pub out: PathBuf,
    /// How NM is derived.
    #[arg(long, value_enum, default_value = "otsu")]
    pub nm: NmArg,
    /// Cohort manifest giving group/cancer/metastatic per patient ID (bs-phantom's
    /// `manifest.json`). Default for a bs-phantom cohort: `COHORT/manifest.json`.
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
pub fn run(args: &Args) -> CliResult {
    let (phantom_labels, phantom_manifest) = match args.inputs.as_slice() {
        [one] => phantom_layout(one),
        _ => (None, None),
    };
    let labels_dir = args.labels.clone().or(phantom_labels);
    let cohort_path = args.cohort.clone().or(phantom_manifest);
    let cohort = cohort_path
        .as_deref()
        .map(read_cohort_manifest)
        .transpose()?;
    let items = discover_cohort(&args.inputs, labels_dir.as_deref(), cohort.as_ref())?;
    let labelled = items.iter().filter(|i| i.labels.is_some()).count();
    let config = PrepareConfig {
        mirror_posterior: args.mirror_posterior,
        ..PrepareConfig::default()
    };
    let opts = BuildOptions {
        config,
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
        ..BuildOptions::default()
    };
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
    let report = build_dataset(&items, &args.out, &opts)?;
    println!(
        "{} prepared, {} up to date, {} dropped{} in {:.2} s",
        report.prepared.len(),
        report.reused.len(),
        report.dropped.len(),
        if report.written {
            ""
        } else {
            " (nothing written)"
        },
        started.elapsed().as_secs_f64()
    );
    let ds = bs_preprocess::dataset::PreparedDataset::load(&args.out)?;
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
    Ok(())
}
