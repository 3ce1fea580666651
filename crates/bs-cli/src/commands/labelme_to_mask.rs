//! `bonescan labelme-to-mask`: labelme JSON annotations → 8-bit class PNGs, as labelme's own
//! export draws them (bs-masks' Pillow-identical rasteriser).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bs_dicom::error::chain;
use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument, UnknownLabelPolicy};
use bs_masks::png::write_class_png;
use bs_masks::MaskError;
use serde_json::json;

use super::batch::BatchLog;
use super::CliResult;

/// Options of `bonescan labelme-to-mask`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// labelme JSON files (old or new format).
    #[arg(required = true, value_name = "JSON")]
    pub jsons: Vec<PathBuf>,
    /// Output directory; each JSON becomes `DIR/<json file stem>.png`, and `DIR/summary.json`
    /// lists every input with its output or its error.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Class value of each label, e.g. `metastasis=1,artifact=2` (`_background_` is 0).
    #[arg(long, default_value = "metastasis=1", value_name = "LABEL=VALUE,...")]
    pub labels: String,
    /// Leave out shapes whose label is not in `--labels` instead of failing.
    #[arg(long)]
    pub skip_unknown_labels: bool,
}

/// Runs `bonescan labelme-to-mask`.
///
/// Every file is converted on its own: a bad file (unreadable, a point far outside the image,
/// an unknown label, a second input with the same stem) is listed with its reason at the end
/// and in `OUT/summary.json`, the others are written, and the command fails when any input
/// failed.
pub fn run(args: &Args) -> CliResult {
    let mut labels: LabelMap = args.labels.parse()?;
    if args.skip_unknown_labels {
        labels = labels.with_unknown(UnknownLabelPolicy::Skip);
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let mut log = BatchLog::new("labelme-to-mask");
    for (json, png) in args.jsons.iter().zip(output_paths(&args.jsons, &args.out)) {
        let converted = png.and_then(|png| {
            convert(json, &png, &labels)
                .map(|done| (png, done))
                .map_err(|e| chain(&e))
        });
        match converted {
            Ok((png, (width, height, labelled))) => {
                println!(
                    "{} -> {} ({width}×{height}, {labelled} labelled pixels)",
                    json.display(),
                    png.display(),
                );
                log.succeeded(
                    json,
                    json!({"output": png, "width": width, "height": height,
                           "labelled_pixels": labelled}),
                );
            }
            Err(why) => log.failed(json, why),
        }
    }
    Ok(log.finish(&args.out)?)
}

/// One labelme file to its class PNG: `(width, height, labelled pixels)`.
fn convert(json: &Path, png: &Path, labels: &LabelMap) -> Result<(usize, usize, usize), MaskError> {
    let doc = LabelmeDocument::from_path(json)?;
    doc.check_embedded_size()?;
    let (width, height) = doc.image_size()?;
    let mask = rasterize(&doc, labels, width, height)?;
    write_class_png(png, mask.view())?;
    Ok((width, height, mask.iter().filter(|&&v| v != 0).count()))
}

/// `DIR/<stem>.png` for every input; an input whose stem an earlier one already took (its
/// PNG would overwrite the earlier one's) or that has no usable name gets the reason instead.
fn output_paths(jsons: &[PathBuf], out: &Path) -> Vec<Result<PathBuf, String>> {
    let mut seen: BTreeMap<String, &Path> = BTreeMap::new();
    jsons
        .iter()
        .map(|json| {
            let stem = json
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or_else(|| format!("{}: no usable file name", json.display()))?;
            if let Some(first) = seen.insert(stem.to_string(), json) {
                seen.insert(stem.to_string(), first);
                return Err(format!(
                    "{} has the stem of {}: both would write {stem}.png (the first one given does)",
                    json.display(),
                    first.display()
                ));
            }
            Ok(out.join(format!("{stem}.png")))
        })
        .collect()
}
