//! `report.json`: what the model found on one scan, per view and in total.
//!
//! - lesions: 8-connected components of the M mask on the original view (bs-metrics);
//! - areas: pixels and mm² (`pixels × row spacing × column spacing`, Pixel Spacing of the DICOM
//!   object; `null` when the file has none);
//! - hotspot statistics: original counts inside the lesions (max, mean, sum) and their ratio to
//!   the mean count of the body;
//! - body: pixels above the Otsu threshold of the view's counts (bs-masks), the same body
//!   definition as the NM class of training; `m_fraction_of_body = |M ∩ body| / |body|`;
//! - regions: lesions counted by the region of their centroid ([`crate::regions`]).

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use bs_dicom::WholeBodyScan;
use bs_preprocess::ViewGeometry;

use crate::config::PredictConfig;
use crate::model::ModelIdentity;
use crate::predictor::{PreparedInput, Segmentation};
use crate::regions::{region_of, Region};

/// `report.json` schema identifier.
pub const REPORT_FORMAT: &str = "bonescan-predict-report/1";

/// The statement every report carries.
pub const REVIEW_STATEMENT: &str = "Automatically generated research output: a pre-diagnostic segmentation for review by a physician. It is not a diagnosis and must not be used for clinical decisions without that review.";

/// One lesion (8-connected component of M) on an original view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LesionReport {
    /// 1-based, in raster order of the lesion's first pixel.
    pub id: usize,
    /// Pixels.
    pub area_px: u64,
    /// Area in mm², when the pixel spacing is known.
    pub area_mm2: Option<f64>,
    /// Centroid (row, col) in original view pixels.
    pub centroid: [f64; 2],
    /// Bounding box `[row_min, col_min, row_max, col_max]` (inclusive).
    pub bbox: [usize; 4],
    /// Region of the centroid.
    pub region: Region,
    /// Largest count inside the lesion.
    pub max_counts: f64,
    /// Mean count inside the lesion.
    pub mean_counts: f64,
    /// Mean lesion count / mean body count.
    pub hotspot_ratio: Option<f64>,
}

/// Count statistics of every M pixel of a view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotspotStats {
    /// Largest count among M pixels (`null` without M).
    pub max_counts: Option<f64>,
    /// Mean count of M pixels.
    pub mean_counts: Option<f64>,
    /// Sum of counts of M pixels.
    pub sum_counts: f64,
    /// Mean count of body pixels.
    pub body_mean_counts: Option<f64>,
    /// `mean_counts / body_mean_counts`.
    pub hotspot_ratio: Option<f64>,
}

/// One view's findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewReport {
    /// `present` (the other variant is written as [`ViewEntry::Missing`]).
    pub status: &'static str,
    /// View size (rows, cols) = mask size.
    pub shape: [usize; 2],
    /// Number of lesions.
    pub lesion_count: usize,
    /// M pixels.
    pub m_area_px: u64,
    /// M area in mm².
    pub m_area_mm2: Option<f64>,
    /// Body pixels (Otsu).
    pub body_px: u64,
    /// Otsu threshold of the view's counts.
    pub body_threshold_counts: Option<f32>,
    /// `|M ∩ body| / |body|`.
    pub m_fraction_of_body: Option<f64>,
    /// Lesions per region (every region listed, zeros included).
    pub region_counts: BTreeMap<Region, usize>,
    /// Hotspot statistics.
    pub hotspots: HotspotStats,
    /// Source pixels that the prepared image covers (the network sees rows above the knees
    /// only; pixels outside are never M).
    pub analysed_px: u64,
    /// The lesions.
    pub lesions: Vec<LesionReport>,
}

/// A view that is present or missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ViewEntry {
    /// The view exists and was analysed.
    Present(Box<ViewReport>),
    /// The scan has no such view: nothing is reported for it, nothing invented.
    Missing {
        /// Always `missing`.
        status: &'static str,
        /// Why.
        reason: String,
    },
}

/// Totals over the views present.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TotalReport {
    /// Views analysed.
    pub views: usize,
    /// Lesions over the views (a lesion seen on both views counts twice).
    pub lesion_count: usize,
    /// M pixels.
    pub m_area_px: u64,
    /// M area in mm².
    pub m_area_mm2: Option<f64>,
    /// Pooled `|M ∩ body| / |body|`.
    pub m_fraction_of_body: Option<f64>,
    /// Lesions per region.
    pub region_counts: BTreeMap<Region, usize>,
}

/// Scan identifiers (pseudonymised unless de-identification is off).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanIdentity {
    /// Whether identifiers are pseudonyms.
    pub deidentified: bool,
    /// Patient ID or its pseudonym.
    pub patient: Option<String>,
    /// Study Instance UID or its pseudonym.
    pub study: Option<String>,
    /// Series Instance UID or its pseudonym.
    pub series: Option<String>,
    /// Study date (only when not de-identified).
    pub study_date: Option<String>,
    /// Input file (only when not de-identified: file names often hold patient IDs).
    pub source_file: Option<String>,
    /// Manufacturer and model of the camera.
    pub device: Option<String>,
    /// Pixel spacing (row, col) in mm.
    pub pixel_spacing_mm: Option<[f64; 2]>,
}

/// How the mask was decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionReport {
    /// `argmax` (three classes), or `p_m >= t`.
    pub rule: String,
    /// The threshold `t`, when one is used.
    pub threshold: Option<f64>,
}

/// The whole `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    /// [`REPORT_FORMAT`].
    pub format: &'static str,
    /// [`REVIEW_STATEMENT`].
    pub statement: &'static str,
    /// The scan.
    pub scan: ScanIdentity,
    /// The model.
    pub model: ModelIdentity,
    /// The decision rule.
    pub decision: DecisionReport,
    /// Anterior view.
    pub anterior: ViewEntry,
    /// Posterior view (or why it is missing).
    pub posterior: ViewEntry,
    /// Totals.
    pub total: TotalReport,
    /// The coarse region map used.
    pub region_map: &'static str,
    /// Output files, relative to the report's directory.
    pub files: Vec<String>,
}

/// Region map description written into every report.
pub(crate) const REGION_MAP_DOC: &str = "coarse map from the body range found by preprocessing: relative height y=(row-top)/height, lateral offset x=|col-centre|/width; head y<0.13; extremities y>=0.55 or x>0.25; spine y<0.47 and x<=0.06; thorax y<0.36; pelvis otherwise; a lesion takes the region of its centroid";

fn area_mm2(px: u64, spacing: Option<[f64; 2]>) -> Option<f64> {
    spacing.map(|[r, c]| px as f64 * r * c)
}

fn empty_regions() -> BTreeMap<Region, usize> {
    Region::ALL.iter().map(|&r| (r, 0)).collect()
}

/// The analysis of one view: counts, M mask, geometry.
pub(crate) fn view_report(
    counts: ArrayView2<'_, f32>,
    mask: ArrayView2<'_, bool>,
    geometry: &ViewGeometry,
    spacing: Option<[f64; 2]>,
) -> ViewReport {
    // The body as training defines it for NM: Otsu's air/body threshold (bs-masks).
    let (body, threshold): (Array2<bool>, Option<f32>) = match bs_masks::nm::body_mask(counts) {
        Ok((mask, t)) => (mask, Some(t)),
        Err(_) => (Array2::from_elem(counts.dim(), false), None),
    };
    let body_px = body.iter().filter(|&&b| b).count() as u64;
    let body_sum: f64 = counts
        .iter()
        .zip(body.iter())
        .filter(|(_, &b)| b)
        .map(|(&v, _)| f64::from(v))
        .sum();
    let body_mean = (body_px > 0).then(|| body_sum / body_px as f64);
    let comps = bs_metrics::label_components(mask);
    let n = comps.count;
    let mut px = vec![0u64; n];
    let mut sum_r = vec![0f64; n];
    let mut sum_c = vec![0f64; n];
    let mut sum_v = vec![0f64; n];
    let mut max_v = vec![f64::NEG_INFINITY; n];
    let mut bbox = vec![[usize::MAX, usize::MAX, 0, 0]; n];
    let mut m_in_body = 0u64;
    for ((r, c), &l) in comps.labels.indexed_iter() {
        if l == 0 {
            continue;
        }
        let k = l as usize - 1;
        let v = f64::from(counts[[r, c]]);
        px[k] += 1;
        sum_r[k] += r as f64;
        sum_c[k] += c as f64;
        sum_v[k] += v;
        max_v[k] = max_v[k].max(v);
        let b = &mut bbox[k];
        b[0] = b[0].min(r);
        b[1] = b[1].min(c);
        b[2] = b[2].max(r);
        b[3] = b[3].max(c);
        m_in_body += u64::from(body[[r, c]]);
    }
    let mut region_counts = empty_regions();
    let lesions: Vec<LesionReport> = (0..n)
        .map(|k| {
            let centroid = [sum_r[k] / px[k] as f64, sum_c[k] / px[k] as f64];
            let region = region_of(centroid[0], centroid[1], &geometry.body);
            *region_counts.entry(region).or_insert(0) += 1;
            let mean = sum_v[k] / px[k] as f64;
            LesionReport {
                id: k + 1,
                area_px: px[k],
                area_mm2: area_mm2(px[k], spacing),
                centroid,
                bbox: bbox[k],
                region,
                max_counts: max_v[k],
                mean_counts: mean,
                hotspot_ratio: body_mean.filter(|&b| b > 0.0).map(|b| mean / b),
            }
        })
        .collect();
    let m_px: u64 = px.iter().sum();
    // `+ 0.0`: an empty float sum is −0.0, which JSON would show as such
    let m_sum: f64 = sum_v.iter().sum::<f64>() + 0.0;
    let m_mean = (m_px > 0).then(|| m_sum / m_px as f64);
    let analysed_px = geometry.source_coverage().iter().filter(|&&v| v).count() as u64;
    ViewReport {
        status: "present",
        shape: [counts.nrows(), counts.ncols()],
        lesion_count: n,
        m_area_px: m_px,
        m_area_mm2: area_mm2(m_px, spacing),
        body_px,
        body_threshold_counts: threshold,
        m_fraction_of_body: (body_px > 0).then(|| m_in_body as f64 / body_px as f64),
        region_counts,
        hotspots: HotspotStats {
            max_counts: max_v.iter().copied().reduce(f64::max),
            mean_counts: m_mean,
            sum_counts: m_sum,
            body_mean_counts: body_mean,
            hotspot_ratio: m_mean
                .zip(body_mean.filter(|&b| b > 0.0))
                .map(|(m, b)| m / b),
        },
        analysed_px,
        lesions,
    }
}

/// The identifiers of a scan, pseudonymised with the config's salt when asked.
pub(crate) fn scan_identity(
    scan: &WholeBodyScan,
    path: &Path,
    config: &PredictConfig,
) -> ScanIdentity {
    let meta = &scan.meta;
    let hide = |v: &Option<String>| {
        v.as_deref().map(|s| {
            if config.deidentify {
                bs_dicom::pseudonym(s, &config.deidentify_salt)
            } else {
                s.to_string()
            }
        })
    };
    let device = match (&meta.manufacturer, &meta.model) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (Some(a), None) | (None, Some(a)) => Some(a.clone()),
        _ => None,
    };
    ScanIdentity {
        deidentified: config.deidentify,
        patient: hide(&meta.patient_id),
        study: hide(&meta.study_instance_uid),
        series: hide(&meta.series_instance_uid),
        study_date: (!config.deidentify)
            .then(|| meta.study_date.clone())
            .flatten(),
        source_file: (!config.deidentify).then(|| path.display().to_string()),
        device,
        pixel_spacing_mm: meta.pixel_spacing_mm,
    }
}

/// Builds the report of one segmented scan.
pub(crate) fn scan_report(
    input: &PreparedInput,
    seg: &Segmentation,
    model: &ModelIdentity,
    config: &PredictConfig,
    three_class: bool,
    files: Vec<String>,
) -> ScanReport {
    let spacing = input.scan.meta.pixel_spacing_mm;
    let geometry = &input.prepared.geometry;
    let anterior = view_report(
        input.scan.anterior.pixels.view(),
        seg.anterior.view(),
        &geometry.anterior,
        spacing,
    );
    let posterior = match (&input.scan.posterior, &seg.posterior, &geometry.posterior) {
        (Some(view), Some(mask), Some(g)) => {
            Some(view_report(view.pixels.view(), mask.view(), g, spacing))
        }
        _ => None,
    };
    let present: Vec<&ViewReport> = std::iter::once(&anterior)
        .chain(posterior.as_ref())
        .collect();
    let mut region_counts = empty_regions();
    for v in &present {
        for (r, n) in &v.region_counts {
            *region_counts.entry(*r).or_insert(0) += n;
        }
    }
    let m_px: u64 = present.iter().map(|v| v.m_area_px).sum();
    let body_px: u64 = present.iter().map(|v| v.body_px).sum();
    let m_in_body: f64 = present
        .iter()
        .map(|v| v.m_fraction_of_body.unwrap_or(0.0) * v.body_px as f64)
        .sum();
    let total = TotalReport {
        views: present.len(),
        lesion_count: present.iter().map(|v| v.lesion_count).sum(),
        m_area_px: m_px,
        m_area_mm2: area_mm2(m_px, spacing),
        m_fraction_of_body: (body_px > 0).then(|| m_in_body / body_px as f64),
        region_counts,
    };
    let decision = match (config.threshold, three_class) {
        (Some(t), _) => DecisionReport {
            rule: "p_m >= threshold".into(),
            threshold: Some(t),
        },
        (None, true) => DecisionReport {
            rule: "argmax over BG/NM/M = M".into(),
            threshold: None,
        },
        (None, false) => DecisionReport {
            rule: "p_m >= threshold".into(),
            threshold: Some(0.5),
        },
    };
    ScanReport {
        format: REPORT_FORMAT,
        statement: REVIEW_STATEMENT,
        scan: scan_identity(&input.scan, &input.path, config),
        model: model.clone(),
        decision,
        anterior: ViewEntry::Present(Box::new(anterior)),
        posterior: match posterior {
            Some(p) => ViewEntry::Present(Box::new(p)),
            None => ViewEntry::Missing {
                status: "missing",
                reason: "the file holds no posterior view; nothing is reported for it".into(),
            },
        },
        total,
        region_map: REGION_MAP_DOC,
        files,
    }
}
