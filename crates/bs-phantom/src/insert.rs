//! Lesions inserted into a real scan's counts: an evaluation set on real anatomy with exact
//! ground truth, to check that a model trained on phantoms finds metastases in a real patient.
//!
//! At each chosen skeletal site (given by a reader, e.g. `examples/transfer_nm1/nm1_sites.toml`)
//! a lesion of equivalent radius `r` (log-uniform, pixels) and contrast `c` to the local counts
//! `L` (log-uniform, the breast-cancer range of the phantom's lesions) adds
//!
//! `λ(x) = (c - 1) · L · 2^{-(ρ(x)/r)⁴}`
//!
//! expected counts (`ρ` the elliptical radius around the site, axis ratio 0.7–1.4), drawn as
//! Poisson counts on top of the scan's own (a sum of Poisson counts is Poisson: the result is a
//! valid acquisition of the scan with the lesion). `L` is the 5 × 5 mean of the scan at the
//! site. The lesion's ground truth is `ρ ≤ r`, where the excess is at least half its peak.
//! As for the phantom's own lesions, one is kept only when an observer could see it: Rose
//! criterion, excess counts over the footprint at least 5 standard deviations of the counts
//! already there.

use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::lesion::log_uniform;
use crate::poisson::sample_poisson;
use crate::stats::Sat;

/// A skeletal site of a real scan where a lesion may be inserted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsertionSite {
    /// Name of the site ("lumbar_spine", "left_rib", …).
    pub name: String,
    /// Row of the site's centre in the view.
    pub row: usize,
    /// Column of the site's centre in the view.
    pub col: usize,
}

/// A region of a real scan where any detection is a false positive (bladder, kidneys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganRegion {
    /// Name of the organ.
    pub name: String,
    /// First and last row (inclusive).
    pub rows: (usize, usize),
    /// First and last column (inclusive).
    pub cols: (usize, usize),
}

impl OrganRegion {
    /// Whether `(row, col)` lies in the region.
    pub fn contains(&self, row: usize, col: usize) -> bool {
        (self.rows.0..=self.rows.1).contains(&row) && (self.cols.0..=self.cols.1).contains(&col)
    }
}

/// Where lesions go in one real scan and which organs must stay clear: a TOML file with
/// `[[site]]` and `[[organ]]` tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsertionPlan {
    /// Skeletal sites.
    #[serde(rename = "site")]
    pub sites: Vec<InsertionSite>,
    /// Organ regions.
    #[serde(rename = "organ", default)]
    pub organs: Vec<OrganRegion>,
}

impl InsertionPlan {
    /// Reads a plan from a TOML file.
    pub fn from_path(path: &std::path::Path) -> crate::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::PhantomError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| crate::PhantomError::Plan {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// One inserted lesion.
#[derive(Debug, Clone, Serialize)]
pub struct InsertedLesion {
    /// The site's name.
    pub site: String,
    /// Centre `(row, column)`.
    pub centre: (f32, f32),
    /// Equivalent radius in pixels.
    pub radius_px: f32,
    /// Lesion-to-local-counts ratio at the centre.
    pub contrast: f32,
    /// Excess counts over the footprint in standard deviations of the counts there.
    pub snr: f32,
    /// Ground-truth pixels `(row, column)`.
    pub pixels: Vec<(usize, usize)>,
}

/// A view with lesions inserted.
#[derive(Debug, Clone)]
pub struct Inserted {
    /// The new counts.
    pub counts: Array2<f32>,
    /// Ground truth: `true` on inserted lesions.
    pub mask: Array2<bool>,
    /// The lesions, in insertion order.
    pub lesions: Vec<InsertedLesion>,
}

/// Equivalent radius range of the inserted lesions, pixels (2.26 mm: 5.7–18 mm).
const RADIUS_PX: (f32, f32) = (2.5, 8.0);
/// Contrast range to the local counts (the phantom's breast-cancer lesions).
const CONTRAST: (f32, f32) = crate::lesion::BREAST_CONTRAST;
/// Rose criterion.
const MIN_SNR: f32 = 5.0;

/// Inserts up to `count` lesions at distinct sites drawn from `sites` (fewer when sites run
/// out or a site's draws stay invisible); deterministic in `seed`. Sites outside the view are
/// skipped.
pub fn insert_lesions(
    counts: ArrayView2<f32>,
    sites: &[InsertionSite],
    count: usize,
    seed: u64,
) -> Inserted {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<&InsertionSite> = sites.iter().collect();
    order.shuffle(&mut rng);
    let mut out = Inserted {
        counts: counts.to_owned(),
        mask: Array2::from_elem(counts.dim(), false),
        lesions: Vec::new(),
    };
    let sat = Sat::new(counts);
    for site in order {
        if out.lesions.len() == count {
            break;
        }
        if let Some(lesion) = draw_visible(&mut rng, counts, &sat, &out.mask, site) {
            add(&mut rng, &mut out, counts, lesion);
        }
    }
    out
}

/// A lesion's shape and expected excess counts before Poisson sampling.
struct Draft {
    lesion: InsertedLesion,
    excess: Vec<((usize, usize), f64)>,
}

/// Draws a lesion at `site` that passes the Rose criterion and does not touch an earlier one
/// (up to 10 tries).
fn draw_visible<R: Rng>(
    rng: &mut R,
    counts: ArrayView2<f32>,
    sat: &Sat,
    taken: &Array2<bool>,
    site: &InsertionSite,
) -> Option<Draft> {
    let (rows, cols) = counts.dim();
    if site.row >= rows || site.col >= cols {
        return None;
    }
    // the 5 × 5 mean around the site (clipped to the view)
    let local = sat.mean(site.row, site.col, 2);
    for _ in 0..10 {
        let draft = draft(rng, counts, site, local);
        let footprint = &draft.lesion.pixels;
        if footprint.is_empty() || footprint.iter().any(|&p| taken[p]) {
            continue;
        }
        let inside = |p: &(usize, usize)| footprint.binary_search(p).is_ok();
        let signal: f64 = draft
            .excess
            .iter()
            .filter(|(p, _)| inside(p))
            .map(|e| e.1)
            .sum();
        let noise: f64 = footprint.iter().map(|&p| f64::from(counts[p])).sum();
        let snr = (signal / noise.max(1.0).sqrt()) as f32;
        if snr >= MIN_SNR {
            return Some(Draft {
                lesion: InsertedLesion {
                    snr,
                    ..draft.lesion
                },
                excess: draft.excess,
            });
        }
    }
    None
}

/// One candidate lesion at `site` (pixels sorted).
fn draft<R: Rng>(rng: &mut R, counts: ArrayView2<f32>, site: &InsertionSite, local: f64) -> Draft {
    let (rows, cols) = counts.dim();
    let radius = log_uniform(rng, RADIUS_PX.0, RADIUS_PX.1);
    let contrast = log_uniform(rng, CONTRAST.0, CONTRAST.1);
    let aspect: f32 = rng.random_range(0.7..1.4);
    let angle: f32 = rng.random_range(0.0..std::f32::consts::PI);
    let (y0, x0) = (
        site.row as f32 + rng.random_range(-2.0..2.0),
        site.col as f32 + rng.random_range(-2.0..2.0),
    );
    let (s, c) = angle.sin_cos();
    let (ax, ay) = (radius * aspect.sqrt(), radius / aspect.sqrt());
    let reach = (2.0 * radius.max(ax).max(ay)).ceil() as isize;
    let peak = f64::from(contrast - 1.0) * local;
    let (mut pixels, mut excess) = (Vec::new(), Vec::new());
    for dr in -reach..=reach {
        for dc in -reach..=reach {
            let (r, cc) = (y0.round() as isize + dr, x0.round() as isize + dc);
            if r < 0 || cc < 0 || r >= rows as isize || cc >= cols as isize {
                continue;
            }
            let (dy, dx) = (r as f32 - y0, cc as f32 - x0);
            let (u, v) = (c * dx + s * dy, -s * dx + c * dy);
            let rho = ((u / ax).powi(2) + (v / ay).powi(2)).sqrt();
            let w = 2f64.powf(-f64::from(rho).powi(4));
            let p = (r as usize, cc as usize);
            if rho <= 1.0 {
                pixels.push(p);
            }
            if w > 1e-4 {
                excess.push((p, peak * w));
            }
        }
    }
    pixels.sort_unstable();
    let lesion = InsertedLesion {
        site: site.name.clone(),
        centre: (y0, x0),
        radius_px: radius,
        contrast,
        snr: 0.0,
        pixels,
    };
    Draft { lesion, excess }
}

/// Adds a drafted lesion's Poisson counts and ground truth.
fn add<R: Rng>(rng: &mut R, out: &mut Inserted, counts: ArrayView2<f32>, draft: Draft) {
    for &(p, lambda) in &draft.excess {
        out.counts[p] = counts[p] + sample_poisson(rng, lambda) as f32;
    }
    for &p in &draft.lesion.pixels {
        out.mask[p] = true;
    }
    out.lesions.push(draft.lesion);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites() -> Vec<InsertionSite> {
        (0..6)
            .map(|i| InsertionSite {
                name: format!("site {i}"),
                row: 60 + 120 * i,
                col: 128,
            })
            .collect()
    }

    #[test]
    fn lesions_add_counts_only_around_them_and_label_their_core() {
        // a flat "bone" of 40 counts: every lesion is visible
        let counts = Array2::from_elem((800, 256), 40.0f32);
        let a = insert_lesions(counts.view(), &sites(), 4, 9);
        assert_eq!(a.lesions.len(), 4);
        let labelled: usize = a.lesions.iter().map(|l| l.pixels.len()).sum();
        assert_eq!(a.mask.iter().filter(|&&m| m).count(), labelled);
        for l in &a.lesions {
            assert!((RADIUS_PX.0..=RADIUS_PX.1).contains(&l.radius_px));
            assert!((CONTRAST.0..=CONTRAST.1).contains(&l.contrast));
            assert!(l.snr >= MIN_SNR);
            // area of the ellipse ρ ≤ 1 is π r²
            let area = std::f32::consts::PI * l.radius_px.powi(2);
            assert!((l.pixels.len() as f32 / area - 1.0).abs() < 0.35, "{l:?}");
            // mean added counts over the core: (c - 1)·L·∫₀¹ 2^{-t²} dt = (c - 1)·L·0.8100
            let added: f32 =
                l.pixels.iter().map(|&p| a.counts[p] - 40.0).sum::<f32>() / l.pixels.len() as f32;
            let want = (l.contrast - 1.0) * 40.0 * 0.8100;
            assert!(
                (added / want - 1.0).abs() < 0.2,
                "added {added}, want {want}"
            );
        }
        // nothing far from every lesion changed
        let far = |r: usize, c: usize| {
            a.lesions
                .iter()
                .all(|l| (r as f32 - l.centre.0).hypot(c as f32 - l.centre.1) > 3.0 * RADIUS_PX.1)
        };
        for ((r, c), &x) in a.counts.indexed_iter() {
            if far(r, c) {
                assert_eq!(x, 40.0, "({r}, {c})");
            }
        }
        // deterministic in the seed, different with another
        let b = insert_lesions(counts.view(), &sites(), 4, 9);
        assert_eq!(a.counts, b.counts);
        assert_ne!(
            a.counts,
            insert_lesions(counts.view(), &sites(), 4, 10).counts
        );
    }

    #[test]
    fn invisible_or_outside_sites_are_skipped() {
        // no counts at all: the excess (c - 1)·L is zero, so no lesion is ever visible
        let empty = Array2::from_elem((800, 256), 0.0f32);
        assert!(insert_lesions(empty.view(), &sites(), 3, 1)
            .lesions
            .is_empty());
        let outside = [InsertionSite {
            name: "off the view".into(),
            row: 5000,
            col: 10,
        }];
        let counts = Array2::from_elem((800, 256), 40.0f32);
        assert!(insert_lesions(counts.view(), &outside, 1, 1)
            .lesions
            .is_empty());
    }

    #[test]
    fn plans_are_read_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.toml");
        let text = "[[site]]\nname = \"rib\"\nrow = 3\ncol = 4\n\n[[organ]]\nname = \"bladder\"\nrows = [10, 20]\ncols = [5, 6]\n";
        std::fs::write(&path, text).unwrap();
        let plan = InsertionPlan::from_path(&path).unwrap();
        assert_eq!(plan.sites[0].row, 3);
        assert!(plan.organs[0].contains(20, 5) && !plan.organs[0].contains(21, 5));
        std::fs::write(&path, "[[site]]\nname = \"rib\"\nrow = -3\ncol = 4\n").unwrap();
        let err = InsertionPlan::from_path(&path).unwrap_err();
        assert!(matches!(err, crate::PhantomError::Plan { .. }), "{err:?}");
        assert!(err.to_string().contains("plan.toml"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
    }
}
