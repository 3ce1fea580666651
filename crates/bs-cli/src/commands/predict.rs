//! `bonescan predict`: a trained model (bs-train run directory or checkpoint) on new scans
//! (bs-predict): overlay, masks, report.json and DICOM SEG per scan.

use std::path::PathBuf;

use bs_predict::{batch, FoldSelection, ModelRequest, PredictConfig, Predictor};

use super::CliResult;

const AFTER_HELP: &str = "\
Scans: a 2-frame NM object is one scan; two single-view objects of one study/series (one
anterior, one posterior file) are paired into one scan; a lone anterior view is a scan whose
posterior is missing.
Outputs, one directory OUT/<file stem>/ per scan (the anterior file's stem for a pair):
  overlay.png         both original views at original contrast (counts, 0 to 99.5th
                      percentile), metastasis (M) filled red and outlined amber, legend
  mask_anterior.png   M on the original anterior view (e.g. 1024x256), 255 = M
  mask_posterior.png  same for the posterior view; absent when the file has none
                      (a single-view scan: the posterior is reported missing, never invented)
  report.json         de-identified scan identifiers, model identity and version, per view and
                      total: lesion count, areas (px, mm2 from Pixel Spacing), hotspot counts
                      (max/mean/sum, ratio to body mean), fraction of body pixels classed M,
                      lesions per region (head, thorax, spine, pelvis, extremities)
  seg.dcm             DICOM Segmentation (BINARY, one segment 'bone metastasis'), one frame per
                      source view, referencing the source study/series/instance UIDs
OUT/summary.json lists every input with its output or its error: a scan that cannot be read,
has the wrong view size or fails preprocessing is reported there and the others go on.
The output is for review by a physician; it is not a diagnosis.";

/// Options of `bonescan predict`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// DICOM files and/or directories (searched recursively); files are grouped into scans by
    /// Study/Series UID, pairing one-view-per-file objects.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Trained model: a `bonescan cv` run directory (RUN_DIR, or RUN_DIR/<loss>) or one
    /// `.safetensors` checkpoint with its `.json` sidecar.
    #[arg(long)]
    pub model: PathBuf,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Folds averaged (ensemble): `all`, `K` or `K1,K2` (1-based).
    #[arg(long, default_value = "all", value_parser = FoldSelection::parse)]
    pub folds: FoldSelection,
    /// Arm (loss) of a run with several, e.g. `focal_tversky` (default: the first listed).
    #[arg(long)]
    pub arm: Option<String>,
    /// Device: `cpu`, `cuda` or `cuda:N`.
    #[arg(long, default_value = "cpu", value_parser = PredictConfig::parse_device)]
    pub device: tch::Device,
    /// M when P(M) >= THRESHOLD (default: arg-max for three classes, 0.5 for binary).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Keep patient ID, UIDs, date and file name in report.json (default: pseudonyms).
    #[arg(long)]
    pub keep_identifiers: bool,
    /// Accept views of any matrix size (default: the 1024x256 views the model was trained on).
    #[arg(long)]
    pub any_view_size: bool,
    /// Run the networks in fp32 on CUDA (default there: fp16 autocast, as `bonescan cv`
    /// validated the model).
    #[arg(long)]
    pub fp32: bool,
}

/// Runs `bonescan predict`.
pub fn run(args: &Args) -> CliResult {
    let spec = bs_predict::resolve(&ModelRequest {
        path: args.model.clone(),
        folds: args.folds.clone(),
        arm: args.arm.clone(),
    })?;
    let config = PredictConfig {
        threshold: args.threshold,
        deidentify: !args.keep_identifiers,
        device: args.device,
        mixed_precision: if args.fp32 { Some(false) } else { None },
        view_shape: if args.any_view_size {
            None
        } else {
            PredictConfig::default().view_shape
        },
        ..PredictConfig::default()
    };
    let scans = batch::collect_scans(&args.inputs)?;
    let id = &spec.identity;
    eprintln!(
        "model: {} ({}, {} network(s), input {}x{}, preprocessing from {})",
        id.path.display(),
        id.variant,
        id.members.len(),
        id.input_size.0,
        id.input_size.1,
        id.preprocessing_source
    );
    let predictor = Predictor::new(&spec, config)?;
    let bar = indicatif::ProgressBar::new(scans.len() as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} scans ({elapsed})")
    {
        bar.set_style(style);
    }
    let summary = batch::predict_all(&predictor, &scans, &args.out, &|done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    for s in summary.scans.iter().filter(|s| s.error.is_some()) {
        eprintln!("failed: {}", s.error.as_deref().unwrap_or_default());
    }
    eprintln!(
        "{} scan(s) predicted, {} failed, {:.2} s/scan; outputs in {} (summary.json)",
        summary.succeeded,
        summary.failed,
        summary.seconds / summary.scans.len().max(1) as f64,
        args.out.display()
    );
    if summary.succeeded == 0 {
        return Err(format!("no scan could be predicted ({} failed)", summary.failed).into());
    }
    if summary.failed > 0 {
        // like every batch command: the good scans are written, the run still fails
        return Err(super::batch::BatchError::Incomplete {
            failed: summary.failed,
            total: summary.scans.len(),
            problems: 0,
            summary: args.out.join("summary.json"),
        }
        .into());
    }
    Ok(())
}
