//! Many scans with one loaded model: inputs are decoded and preprocessed on worker threads
//! (rayon) while the network runs on the calling thread; a scan that fails is recorded in the
//! summary and the others go on.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{PredictError, Result};
use crate::outputs::write_scan_outputs;
use crate::predictor::Predictor;

/// Summary file name in the output directory.
pub const SUMMARY: &str = "summary.json";

/// How one input ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanOutcome {
    /// The input file.
    pub input: PathBuf,
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
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
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

/// Output directory names: the file stem, made unique with `_2`, `_3`, … .
pub fn output_names(inputs: &[PathBuf]) -> Vec<String> {
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

/// Predicts every input into `out/<name>/` and writes `out/summary.json`; `progress` is
/// called after each scan with (done, total). Errors of single scans go into the summary;
/// only failing to write the summary itself is an error.
pub fn predict_all(
    predictor: &Predictor,
    inputs: &[PathBuf],
    out: &Path,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<BatchSummary> {
    std::fs::create_dir_all(out)
        .map_err(|e| PredictError::io("cannot create directory", out, e))?;
    let started = Instant::now();
    let names = output_names(inputs);
    let mut outcomes: Vec<Option<ScanOutcome>> = vec![None; inputs.len()];
    let (tx, rx) = sync_channel(predictor.config().prefetch);
    let three_class = predictor.ensemble().variant() != bs_model::Variant::Binary;
    let preparer = predictor.preparer();
    std::thread::scope(|s| {
        s.spawn(move || {
            inputs
                .par_iter()
                .enumerate()
                .for_each_with(tx, |tx, (i, path)| {
                    let _ = tx.send((i, preparer.read_and_prepare(path)));
                });
        });
        for (done, (i, prepared)) in rx.into_iter().enumerate() {
            let path = &inputs[i];
            let dir = out.join(&names[i]);
            let result = prepared.and_then(|input| {
                let seg = predictor
                    .segment(&[&input])?
                    .pop()
                    .expect("one segmentation");
                let report = write_scan_outputs(
                    &dir,
                    &input,
                    &seg,
                    &predictor.spec().identity,
                    predictor.config(),
                    three_class,
                )?;
                Ok((report.total.lesion_count, seg.posterior.is_some()))
            });
            outcomes[i] = Some(match result {
                Ok((lesions, posterior)) => ScanOutcome {
                    input: path.clone(),
                    output: Some(dir),
                    lesions: Some(lesions),
                    posterior_present: Some(posterior),
                    error: None,
                },
                Err(e) => ScanOutcome {
                    input: path.clone(),
                    output: None,
                    lesions: None,
                    posterior_present: None,
                    error: Some(e.to_string()),
                },
            });
            progress(done + 1, inputs.len());
        }
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
