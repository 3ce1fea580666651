//! The files written for one scan, in its own directory.
//!
//! | file | content |
//! |---|---|
//! | `overlay.png` | both original views, original contrast, M filled red and outlined amber, legend |
//! | `mask_anterior.png` | M on the original anterior view (e.g. 1024×256), 255 = M |
//! | `mask_posterior.png` | same for the posterior view — absent when the scan has none |
//! | `report.json` | [`crate::report::ScanReport`] |
//! | `seg.dcm` | DICOM Segmentation ([`crate::seg`]) |

use std::path::Path;

use crate::config::PredictConfig;
use crate::error::{PredictError, Result};
use crate::model::ModelIdentity;
use crate::predictor::{PreparedInput, Segmentation};
use crate::render::{write_mask_png, write_overlay_png, OverlayView};
use crate::report::{scan_report, ScanReport, ViewEntry};

/// Overlay file name.
pub const OVERLAY: &str = "overlay.png";
/// Anterior mask file name.
pub const MASK_ANTERIOR: &str = "mask_anterior.png";
/// Posterior mask file name.
pub const MASK_POSTERIOR: &str = "mask_posterior.png";
/// Report file name.
pub const REPORT: &str = "report.json";
/// DICOM SEG file name.
pub const SEG: &str = "seg.dcm";

/// Writes every output of one scan into `dir` (created) and returns the report.
pub fn write_scan_outputs(
    dir: &Path,
    input: &PreparedInput,
    seg: &Segmentation,
    model: &ModelIdentity,
    config: &PredictConfig,
    three_class: bool,
) -> Result<ScanReport> {
    std::fs::create_dir_all(dir)
        .map_err(|e| PredictError::io("cannot create directory", dir, e))?;
    let mut files = vec![OVERLAY.to_string(), MASK_ANTERIOR.to_string()];
    write_mask_png(&dir.join(MASK_ANTERIOR), seg.anterior.view())?;
    if let Some(post) = &seg.posterior {
        write_mask_png(&dir.join(MASK_POSTERIOR), post.view())?;
        files.push(MASK_POSTERIOR.to_string());
    }
    files.push(REPORT.to_string());
    files.push(SEG.to_string());
    let report = scan_report(input, seg, model, config, three_class, files);
    let lesions = |v: &ViewEntry| match v {
        ViewEntry::Present(r) => r.lesion_count,
        ViewEntry::Missing { .. } => 0,
    };
    let views = [
        OverlayView {
            title: "ANTERIOR",
            data: Some((input.scan.anterior.pixels.view(), seg.anterior.view())),
            lesions: lesions(&report.anterior),
        },
        OverlayView {
            title: "POSTERIOR",
            data: input
                .scan
                .posterior
                .as_ref()
                .zip(seg.posterior.as_ref())
                .map(|(v, m)| (v.pixels.view(), m.view())),
            lesions: lesions(&report.posterior),
        },
    ];
    let footer = vec![format!(
        "MODEL: {} {} ({} NETWORK(S)), BONESCAN {}",
        model.experiment.as_deref().unwrap_or("CHECKPOINT"),
        model.arm.as_deref().unwrap_or(""),
        model.members.len(),
        model.predictor_version
    )];
    write_overlay_png(&dir.join(OVERLAY), &views, &footer)?;
    crate::seg::write_seg(&dir.join(SEG), input, seg, model)?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| PredictError::BadModelFile {
        path: dir.join(REPORT),
        detail: format!("cannot serialise the report: {e}"),
    })?;
    let path = dir.join(REPORT);
    std::fs::write(&path, json + "\n").map_err(|e| PredictError::io("cannot write", &path, e))?;
    Ok(report)
}
