//! A one-scan summary for `bonescan inspect`: what `dicom-dump` and a viewer would say about a
//! bone scan, as one JSON object or one line.

use std::path::PathBuf;

use serde::Serialize;

use crate::scan::WholeBodyScan;
use crate::view::{CountStats, View, ViewName, ViewRule};

/// One view in a [`ScanReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewReport {
    /// `anterior` or `posterior`.
    pub name: ViewName,
    /// The file holding it.
    pub file: PathBuf,
    /// Frame index in that file.
    pub frame: usize,
    /// First column within the frame (side-by-side layout).
    pub column_offset: usize,
    /// The identification rule that decided.
    pub rule: ViewRule,
    /// The rule's evidence.
    pub evidence: String,
    /// Columns reversed on reading.
    pub mirrored: bool,
    /// Count statistics of the view.
    pub counts: CountStats,
}

/// Summary of one scan. Patient names are never included.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    /// The first file of the scan.
    pub path: PathBuf,
    /// All files of the scan.
    pub paths: Vec<PathBuf>,
    /// Modality of the first file (`null` for PNG/JPEG).
    pub modality: Option<String>,
    /// SOP Class UID of the first file.
    pub sop_class: Option<String>,
    /// Rows of a frame of the first file.
    pub rows: usize,
    /// Columns of a frame of the first file.
    pub columns: usize,
    /// Frames of the first file.
    pub frames: usize,
    /// Transfer syntax name of the first file (`png`/`jpeg` for images).
    pub transfer_syntax: String,
    /// Transfer Syntax UID of the first file.
    pub transfer_syntax_uid: Option<String>,
    /// The views, anterior first.
    pub views: Vec<ViewReport>,
    /// Smallest count over all views.
    pub pixel_min: f64,
    /// Largest count over all views.
    pub pixel_max: f64,
    /// Mean count over all views.
    pub pixel_mean: f64,
    /// Total counts over all views.
    pub pixel_sum: f64,
    /// Patient ID (a pseudonym when read with `deidentify`).
    pub patient_id: Option<String>,
    /// Study Instance UID.
    pub study_instance_uid: Option<String>,
    /// Study Date.
    pub study_date: Option<String>,
    /// Manufacturer and model.
    pub device: Option<String>,
    /// Pixel spacing in mm.
    pub pixel_spacing_mm: Option<[f64; 2]>,
    /// Radionuclide.
    pub radionuclide: Option<String>,
}

fn view_report(name: ViewName, v: &View) -> ViewReport {
    ViewReport {
        name,
        file: v.source.path.clone(),
        frame: v.source.frame,
        column_offset: v.source.column_offset,
        rule: v.source.rule,
        evidence: v.source.evidence.clone(),
        mirrored: v.source.mirrored,
        counts: v.stats(),
    }
}

impl ScanReport {
    /// Summarises a scan.
    pub fn of(scan: &WholeBodyScan) -> ScanReport {
        let first = &scan.meta.files[0];
        let mut views = vec![view_report(ViewName::Anterior, &scan.anterior)];
        if let Some(p) = &scan.posterior {
            views.push(view_report(ViewName::Posterior, p));
        }
        let n: usize = scan.views().map(|v| v.pixels.len()).sum();
        let sum: f64 = views.iter().map(|v| v.counts.sum).sum();
        let device = match (&scan.meta.manufacturer, &scan.meta.model) {
            (Some(m), Some(d)) => Some(format!("{m} {d}")),
            (m, d) => m.clone().or_else(|| d.clone()),
        };
        ScanReport {
            path: first.path.clone(),
            paths: scan.meta.files.iter().map(|f| f.path.clone()).collect(),
            modality: first.modality.clone(),
            sop_class: first.sop_class_uid.clone(),
            rows: first.rows,
            columns: first.columns,
            frames: first.frames,
            transfer_syntax: first
                .transfer_syntax_name
                .clone()
                .unwrap_or_else(|| format!("{:?}", first.format).to_ascii_lowercase()),
            transfer_syntax_uid: first.transfer_syntax_uid.clone(),
            pixel_min: views
                .iter()
                .map(|v| v.counts.min)
                .fold(f64::INFINITY, f64::min),
            pixel_max: views
                .iter()
                .map(|v| v.counts.max)
                .fold(f64::NEG_INFINITY, f64::max),
            pixel_mean: if n == 0 { 0.0 } else { sum / n as f64 },
            pixel_sum: sum,
            views,
            patient_id: scan.meta.patient_id.clone(),
            study_instance_uid: scan.meta.study_instance_uid.clone(),
            study_date: scan.meta.study_date.clone(),
            device,
            pixel_spacing_mm: scan.meta.pixel_spacing_mm,
            radionuclide: scan.meta.radionuclide.clone(),
        }
    }

    /// One human-readable line.
    pub fn line(&self) -> String {
        let views: Vec<String> = self
            .views
            .iter()
            .map(|v| {
                let offset = if v.column_offset > 0 {
                    format!("+{}", v.column_offset)
                } else {
                    String::new()
                };
                format!(
                    "{} frame {}{} by {} ({})",
                    v.name, v.frame, offset, v.rule, v.evidence
                )
            })
            .collect();
        format!(
            "{}: {} {}×{}×{} [{}] views: {}; counts min {} max {} mean {:.2} sum {}",
            self.path.display(),
            self.modality.as_deref().unwrap_or("image"),
            self.rows,
            self.columns,
            self.frames,
            self.transfer_syntax,
            views.join(", "),
            self.pixel_min,
            self.pixel_max,
            self.pixel_mean,
            self.pixel_sum
        )
    }
}
