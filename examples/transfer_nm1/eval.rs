//! The transfer check of `transfer_nm1`: lesions inserted into a real scan
//! (`bonescan::phantom::insert`), a trained model's predictions scored against them.
//! Shared with `tests/transfer_nm1.rs`.

use std::path::Path;

use bonescan::dicom::WholeBodyScan;
use bonescan::metrics::{ConfusionCounts, PixelScores};
use bonescan::phantom::insert::{insert_lesions, InsertionPlan};
use bonescan::predict::Predictor;

/// What a model found in the scans with inserted lesions, and where it fired on organs.
#[derive(Debug, Clone, Default)]
pub struct Transfer {
    /// Scans with inserted lesions.
    pub scans: usize,
    /// Per site: name, lesions inserted, lesions detected (any predicted M pixel on them).
    pub per_site: Vec<(String, usize, usize)>,
    /// Pixel counts on the anterior view pooled over the scans with lesions; the real scan's
    /// own hot spots count as false positives where the model marks them.
    pub pixels: ConfusionCounts,
    /// M pixels predicted on the real scan as it is, without inserted lesions.
    pub clean_m_pixels: usize,
    /// Per organ region: false M pixels predicted in it (not on an inserted lesion), summed
    /// over every scan (the clean one too).
    pub organ_m_pixels: Vec<(String, usize)>,
}

impl Transfer {
    /// Lesions inserted and detected.
    pub fn lesions(&self) -> (usize, usize) {
        self.per_site
            .iter()
            .fold((0, 0), |(n, d), s| (n + s.1, d + s.2))
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let (n, d) = self.lesions();
        let p = PixelScores::from_counts(&self.pixels);
        let pct = |x: Option<f64>| x.map_or("–".into(), |v| format!("{:.1} %", 100.0 * v));
        let mut s = format!(
            "{} scans, {n} lesions inserted, {d} detected (lesion sensitivity {}); pixels: \
             precision {}, sensitivity {}, F1 {}; {} M pixels on the scan as it is\n\n",
            self.scans,
            pct((n > 0).then(|| d as f64 / n as f64)),
            pct(p.precision),
            pct(p.sensitivity),
            pct(p.dice),
            self.clean_m_pixels
        );
        s.push_str("| site | inserted | detected |\n|---|---|---|\n");
        for (site, n, d) in &self.per_site {
            s.push_str(&format!("| {site} | {n} | {d} |\n"));
        }
        s.push_str("\n| organ | M pixels |\n|---|---|\n");
        for (organ, m) in &self.organ_m_pixels {
            s.push_str(&format!("| {organ} | {m} |\n"));
        }
        s
    }
}

/// Runs `predictor` on the real scan at `path` as it is and on `scans` copies with up to
/// `lesions` lesions each (seeds 1…scans), anterior view.
pub fn evaluate(
    predictor: &Predictor,
    path: &Path,
    plan: &InsertionPlan,
    scans: usize,
    lesions: usize,
) -> Result<Transfer, Box<dyn std::error::Error>> {
    let original = predictor.preparer().read(path)?;
    let mut t = Transfer {
        scans,
        per_site: plan.sites.iter().map(|s| (s.name.clone(), 0, 0)).collect(),
        organ_m_pixels: plan.organs.iter().map(|o| (o.name.clone(), 0)).collect(),
        ..Transfer::default()
    };
    let clean = predict(predictor, path, original.clone())?;
    t.clean_m_pixels = clean.iter().filter(|&&m| m).count();
    add_organs(&mut t, plan, &clean, None);
    for seed in 1..=scans as u64 {
        let inserted = insert_lesions(original.anterior.pixels.view(), &plan.sites, lesions, seed);
        let mut scan = original.clone();
        scan.anterior.pixels = inserted.counts.mapv(f32::round);
        let m = predict(predictor, path, scan)?;
        t.pixels += ConfusionCounts::from_masks(m.view(), inserted.mask.view())?;
        add_organs(&mut t, plan, &m, Some(&inserted.mask));
        for lesion in &inserted.lesions {
            let found = lesion.pixels.iter().any(|&p| m[p]);
            if let Some(site) = t.per_site.iter_mut().find(|s| s.0 == lesion.site) {
                site.1 += 1;
                site.2 += usize::from(found);
            }
        }
    }
    Ok(t)
}

/// The model's M mask on the anterior view.
fn predict(
    predictor: &Predictor,
    path: &Path,
    scan: WholeBodyScan,
) -> Result<ndarray::Array2<bool>, Box<dyn std::error::Error>> {
    let input = predictor.preparer().prepare(path, scan)?;
    let mut segs = predictor.segment(&[&input])?;
    Ok(segs.remove(0).anterior)
}

/// Adds the false M pixels of `m` (those not on an inserted lesion of `truth`) in each organ
/// region: a rib lesion inserted where a kidney projects is not a detection on the kidney.
fn add_organs(
    t: &mut Transfer,
    plan: &InsertionPlan,
    m: &ndarray::Array2<bool>,
    truth: Option<&ndarray::Array2<bool>>,
) {
    for (organ, count) in plan.organs.iter().zip(&mut t.organ_m_pixels) {
        count.1 += m
            .indexed_iter()
            .filter(|&((r, c), &x)| x && organ.contains(r, c))
            .filter(|&(p, _)| !truth.is_some_and(|truth| truth[p]))
            .count();
    }
}
