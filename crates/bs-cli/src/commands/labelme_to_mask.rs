//! `bonescan labelme-to-mask`: labelme JSON annotations → 8-bit class PNGs, as labelme's own
//! export draws them (bs-masks' Pillow-identical rasteriser).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bs_masks::labelme::{rasterize, LabelMap, LabelmeDocument, UnknownLabelPolicy};
use bs_masks::png::write_class_png;

use super::CliResult;

/// Options of `bonescan labelme-to-mask`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// labelme JSON files (old or new format).
    #[arg(required = true, value_name = "JSON")]
    pub jsons: Vec<PathBuf>,
    /// Output directory; each JSON becomes `DIR/<json file stem>.png`.
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
/// Every file is checked (parsed, size consistent, rasterised) before anything is written, so
/// a bad file leaves no partial output behind; two inputs with the same stem are refused
/// because their PNGs would overwrite each other.
pub fn run(args: &Args) -> CliResult {
    let mut labels: LabelMap = args.labels.parse()?;
    if args.skip_unknown_labels {
        labels = labels.with_unknown(UnknownLabelPolicy::Skip);
    }
    let outputs = output_paths(&args.jsons, &args.out)?;
    let mut masks = Vec::with_capacity(args.jsons.len());
    for json in &args.jsons {
        let doc = LabelmeDocument::from_path(json)?;
        doc.check_embedded_size()?;
        let (width, height) = doc.image_size()?;
        masks.push(rasterize(&doc, &labels, width, height)?);
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    for ((json, png), mask) in args.jsons.iter().zip(&outputs).zip(&masks) {
        write_class_png(png, mask.view())?;
        let labelled = mask.iter().filter(|&&v| v != 0).count();
        println!(
            "{} -> {} ({}×{}, {labelled} labelled pixels)",
            json.display(),
            png.display(),
            mask.ncols(),
            mask.nrows()
        );
    }
    Ok(())
}

/// `DIR/<stem>.png` for every input, refusing inputs that share a stem.
fn output_paths(jsons: &[PathBuf], out: &Path) -> Result<Vec<PathBuf>, String> {
    let mut seen: BTreeMap<String, &Path> = BTreeMap::new();
    let mut paths = Vec::with_capacity(jsons.len());
    for json in jsons {
        let stem = json
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("{}: no usable file name", json.display()))?
            .to_string();
        if let Some(first) = seen.insert(stem.clone(), json) {
            return Err(format!(
                "{} and {} would both write {stem}.png",
                first.display(),
                json.display()
            ));
        }
        paths.push(out.join(format!("{stem}.png")));
    }
    Ok(paths)
}
