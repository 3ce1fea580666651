//! Many scans with one loaded model, in three overlapping stages: scans are decoded and
//! preprocessed on worker threads (rayon), the network runs on the calling thread, and the
//! outputs of the previous scan are written on a writer thread meanwhile; a scan that fails is
//! recorded in the summary and the others go on.
//!
//! Inputs are grouped into scans by bs-dicom's directory scanner: a 2-frame object is one
//! scan, and two single-view objects of one study/series (storage layout (b): one anterior,
//! one posterior file) are one scan with both views.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use bs_dicom::SkipReason;

use crate::error::{PredictError, Result};
use crate::outputs::write_scan_outputs;
use crate::predictor::{Predictor, PreparedInput, Segmentation};

/// Summary file name in the output directory.
pub const SUMMARY: &str = "summary.json";

/// How one input ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanOutcome {
    /// The input file (of a scan stored as one file per view: the anterior one).
    pub input: PathBuf,
    /// Every file of the scan (two for one single-view object per view).
    pub files: Vec<PathBuf>,
    /// Its output directory (on success).
    pub output: Option<PathBuf>,
    /// Lesions over the views present (on success).
    pub lesions: Option<usize>,
    /// Whether the scan had a posterior view (on success).
    pub posterior_present: Option<bool>,
    /// The error, naming the file and what is wrong (on failure).
    pub error: Option<String>,
}

/// What a batch did (`summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchSummary {
    /// Scans that produced outputs.
    pub succeeded: usize,
    /// Scans that failed.
    pub failed: usize,
    /// Wall time, seconds (model loading excluded).
    pub seconds: f64,
    /// One entry per input, in input order.
    pub scans: Vec<ScanOutcome>,
}

fn is_candidate(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.starts_with('.') {
        return false;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => matches!(ext.to_ascii_lowercase().as_str(), "dcm" | "dicom" | "ima"),
        // DICOM files often have no extension at all
        None => true,
    }
}

/// Expands files and directories (recursively: `.dcm`, `.dicom`, `.ima` and extension-less
/// files) into a sorted, de-duplicated list; a path that does not exist is an error.
pub(crate) fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
        } else if p.is_dir() {
            let mut stack = vec![p.clone()];
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir)
                    .map_err(|e| PredictError::io("cannot list", &dir, e))?;
                for e in entries.flatten() {
                    let path = e.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if is_candidate(&path) {
                        out.push(path);
                    }
                }
            }
        } else {
            return Err(PredictError::io(
                "cannot read",
                p,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(PredictError::NoInputs {
            paths: paths.to_vec(),
        });
    }
    Ok(out)
}

/// One scan to predict: its files, anterior first when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanInput {
    /// One file (2-frame object, side-by-side views, or a single view) or two (one
    /// single-view object per view).
    pub files: Vec<PathBuf>,
    /// Set when the directory scanner set the file aside for a reason reading it would not
    /// tell (a duplicate SOP instance, a posterior view without its anterior view): the scan
    /// is reported as failed with this message and not read.
    pub skipped: Option<String>,
}

impl ScanInput {
    /// A scan of one file.
    pub fn single(path: impl Into<PathBuf>) -> ScanInput {
        ScanInput {
            files: vec![path.into()],
            skipped: None,
        }
    }

    /// The file that names the scan (output directory, summary): the first.
    pub fn path(&self) -> &Path {
        &self.files[0]
    }
}

/// [`collect_inputs`], then grouped into scans by bs-dicom's directory scanner
/// ([`bs_dicom::group_files`]): two single-view files of one study/series (one anterior, one
/// posterior) become one scan with both views; a single anterior (or unnamed) view is a scan
/// whose posterior is missing. Every file appears in exactly one [`ScanInput`], sorted by
/// path: files the scanner could not use (not DICOM, unreadable, other modality) are kept as
/// scans of their own, so that reading them reports the reader's typed error in the summary;
/// duplicates and lone posterior views carry the scanner's reason in
/// [`ScanInput::skipped`].
pub fn collect_scans(paths: &[PathBuf]) -> Result<Vec<ScanInput>> {
    let files = collect_inputs(paths)?;
    Ok(group_scans(&files))
}

/// The grouping step of [`collect_scans`] on a list of files.
pub(crate) fn group_scans(files: &[PathBuf]) -> Vec<ScanInput> {
    let report = bs_dicom::group_files(files, &bs_dicom::ReadOptions::default());
    let mut scans: Vec<ScanInput> = report
        .scans
        .into_iter()
        .map(|s| ScanInput {
            files: s.files,
            skipped: None,
        })
        .collect();
    for skipped in report.skipped {
        let why = match &skipped.reason {
            SkipReason::Duplicate { .. } => {
                Some(format!("{} (same SOP Instance UID)", skipped.reason))
            }
            SkipReason::UnpairedView { .. } => Some(format!(
                "{}: no anterior view of the same study and series among the inputs",
                skipped.reason
            )),
            // reading it again gives the reader's own error, naming the file and the problem
            _ => None,
        };
        scans.push(ScanInput {
            files: vec![skipped.path],
            skipped: why,
        });
    }
    scans.sort_by(|a, b| a.files.cmp(&b.files));
    scans
}

/// Output directory names: the file stem, made unique with `_2`, `_3`, … .
pub(crate) fn output_names(inputs: &[PathBuf]) -> Vec<String> {
    let mut used = HashSet::new();
    inputs
        .iter()
        .map(|p| {
            let stem: String = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("scan")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let mut name = stem.clone();
            let mut k = 2;
            while !used.insert(name.clone()) {
                name = format!("{stem}_{k}");
                k += 1;
            }
            name
        })
        .collect()
}

/// What the network stage hands to the writer.
type Segmented = Result<(PreparedInput, Segmentation)>;

/// Predicts every scan into `out/<name>/` (name: [`output_names`] of each scan's first file)
/// and writes `out/summary.json`; `progress` is called after each scan with (done, total).
/// Errors of single scans go into the summary; only failing to write the summary itself is an
/// error.
///
/// Decoding and preprocessing (rayon workers, at most [`PredictConfig::prefetch`] scans
/// ahead), the network (this thread) and writing the outputs (a writer thread, one scan
/// behind) overlap, so the model is loaded once and the network does not wait for file I/O.
///
/// [`PredictConfig::prefetch`]: crate::PredictConfig::prefetch
pub fn predict_all(
    predictor: &Predictor,
    scans: &[ScanInput],
    out: &Path,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<BatchSummary> {
    std::fs::create_dir_all(out)
        .map_err(|e| PredictError::io("cannot create directory", out, e))?;
    let started = Instant::now();
    let firsts: Vec<PathBuf> = scans.iter().map(|s| s.path().to_path_buf()).collect();
    let names = output_names(&firsts);
    let (tx, rx) = sync_channel(predictor.config().prefetch);
    let (wtx, wrx) = sync_channel::<(usize, Segmented)>(1);
    let three_class = predictor.ensemble().variant() != bs_model::Variant::Binary;
    let preparer = predictor.preparer();
    // the writer gets copies: the networks (tensors) stay on this thread
    let identity = predictor.spec().identity.clone();
    let config = predictor.config().clone();
    let total = scans.len();
    let outcomes = std::thread::scope(|s| {
        s.spawn(move || {
            scans
                .par_iter()
                .enumerate()
                .for_each_with(tx, |tx, (i, scan)| {
                    let prepared = match &scan.skipped {
                        Some(why) => Err(PredictError::Skipped {
                            path: scan.path().to_path_buf(),
                            reason: why.clone(),
                        }),
                        None => preparer.read_and_prepare_files(&scan.files),
                    };
                    let _ = tx.send((i, prepared));
                });
        });
        let (identity, config) = (&identity, &config);
        let writer = s.spawn(move || {
            let mut outcomes: Vec<Option<ScanOutcome>> = vec![None; total];
            for (done, (i, segmented)) in wrx.into_iter().enumerate() {
                let scan = &scans[i];
                let dir = out.join(&names[i]);
                let result = segmented.and_then(|(input, seg)| {
                    let report =
                        write_scan_outputs(&dir, &input, &seg, identity, config, three_class)?;
                    Ok((report.total.lesion_count, seg.posterior.is_some()))
                });
                outcomes[i] = Some(match result {
                    Ok((lesions, posterior)) => ScanOutcome {
                        input: scan.path().to_path_buf(),
                        files: scan.files.clone(),
                        output: Some(dir),
                        lesions: Some(lesions),
                        posterior_present: Some(posterior),
                        error: None,
                    },
                    Err(e) => ScanOutcome {
                        input: scan.path().to_path_buf(),
                        files: scan.files.clone(),
                        output: None,
                        lesions: None,
                        posterior_present: None,
                        error: Some(bs_dicom::error::chain(&e)),
                    },
                });
                progress(done + 1, total);
            }
            outcomes
        });
        for (i, prepared) in rx {
            let segmented = prepared.and_then(|input| {
                let seg = predictor
                    .segment(&[&input])?
                    .pop()
                    .expect("one segmentation");
                Ok((input, seg))
            });
            if wtx.send((i, segmented)).is_err() {
                break; // the writer ended (it only does on a panic, which scope re-raises)
            }
        }
        drop(wtx);
        writer.join().expect("writer thread")
    });
    let scans: Vec<ScanOutcome> = outcomes.into_iter().flatten().collect();
    let failed = scans.iter().filter(|s| s.error.is_some()).count();
    let summary = BatchSummary {
        succeeded: scans.len() - failed,
        failed,
        seconds: started.elapsed().as_secs_f64(),
        scans,
    };
    let path = out.join(SUMMARY);
    let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
    std::fs::write(&path, json + "\n").map_err(|e| PredictError::io("cannot write", &path, e))?;
    Ok(summary)
}
