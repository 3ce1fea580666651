//! `bonescan inspect <FILE|DIR>... [--json]`: describe whole-body bone scans.
//!
//! Directories are searched recursively; files are grouped into scans by Study/Series UID
//! with views paired (see `bs_dicom::scanner`). For each scan: one line, or one JSON object
//! per line with `--json` (keys `path, modality, sop_class, rows, columns, frames,
//! transfer_syntax, views:[{name, frame, rule}], pixel_min, pixel_max, pixel_mean, pixel_sum`
//! and more). Skipped files are reported with the reason (stderr, or `{"skipped": ...}` JSON
//! lines). Patient names are never printed; `--deidentify` also replaces patient IDs.

use std::path::PathBuf;

use bs_dicom::{group_files, ReadOptions, ScanReader, ScanReport};

use super::CliResult;

/// Options of `bonescan inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// DICOM files, PNG/JPEG view images, or directories (searched recursively).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Replace patient IDs by pseudonyms.
    #[arg(long)]
    pub deidentify: bool,
    /// Reverse the columns of posterior views (reported per view as `mirrored`).
    #[arg(long)]
    pub mirror_posterior: bool,
}

/// Runs `bonescan inspect`; fails when no scan could be read.
pub fn run(args: &Args) -> CliResult {
    let opts = ReadOptions {
        deidentify: args.deidentify,
        mirror_posterior: args.mirror_posterior,
        ..ReadOptions::default()
    };
    let mut files = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            files.extend(bs_dicom::scanner::list_files(path)?);
        } else {
            files.push(path.clone());
        }
    }
    let grouped = group_files(&files, &opts);
    let mut read = 0usize;
    // one scan at a time: each reuses the pixel memory of the one before
    let mut reader = ScanReader::new(opts);
    for scan_files in &grouped.scans {
        match reader.read_files(&scan_files.files) {
            Ok(scan) => {
                read += 1;
                let report = ScanReport::of(&scan);
                reader.recycle(scan);
                if args.json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    println!("{}", report.line());
                }
            }
            Err(err) => skipped(
                args.json,
                &scan_files.files[0],
                &bs_dicom::error::chain(&err),
            )?,
        }
    }
    for skip in &grouped.skipped {
        skipped(args.json, &skip.path, &skip.reason.to_string())?;
    }
    if read == 0 {
        return Err(format!("no bone scan could be read from {} file(s)", files.len()).into());
    }
    Ok(())
}

fn skipped(json: bool, path: &std::path::Path, reason: &str) -> CliResult {
    if json {
        println!("{}", serde_json::json!({ "path": path, "skipped": reason }));
    } else {
        eprintln!("skipped {}: {reason}", path.display());
    }
    Ok(())
}
