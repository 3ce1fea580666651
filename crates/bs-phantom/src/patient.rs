//! One synthetic patient: anatomy → physiology → lesions → counts, with exact ground truth.

use ndarray::{s, Array2};
use rand::Rng;

use crate::anatomy::{soft_tissue_buffer, Anatomy, Site};
use crate::body::{normal, BodyParams, Frame, Sex};
use crate::config::PhantomConfig;
use crate::confounder::{sample_confounders, Confounder};
use crate::lesion::{mirror_index, sample_lesion, Cancer, Lesion};
use crate::poisson::sample_poisson;
use crate::raster::{Camera, Layers, MU_PER_CM};
use crate::rng::{patient_rng, Stream};
use crate::texture::soft_tissue_texture;
use crate::{VIEW_COLS, VIEW_ROWS};

/// The four data sets of the paper's Table 1, defined once in bs-preprocess (whose cohort
/// table reads them from users' spreadsheets).
pub use bs_preprocess::dataset::Group;

/// What to generate for one patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSpec {
    /// Position in the cohort (keys the patient's random streams).
    pub index: u64,
    /// Synthetic patient ID.
    pub patient_id: String,
    /// Data set.
    pub group: Group,
}

/// A generated patient: both count views and the exact lesion ground truth.
#[derive(Debug, Clone)]
pub struct SyntheticPatient {
    /// Synthetic patient ID.
    pub patient_id: String,
    /// Data set.
    pub group: Group,
    /// Primary cancer.
    pub cancer: Cancer,
    /// Sex.
    pub sex: Sex,
    /// Shape and pose.
    pub body: BodyParams,
    /// Diffuse, intense axial uptake with faint kidneys (rare, prostate only).
    pub superscan: bool,
    /// Anterior view, counts, `1024 × 256`.
    pub anterior: Array2<u16>,
    /// Posterior view, counts, `1024 × 256`, left–right mirrored as acquired.
    pub posterior: Array2<u16>,
    /// Lesions visible in at least one view (the labelled ones).
    pub lesions: Vec<Lesion>,
    /// Per lesion, its ground-truth pixels in merged AP‖PA coordinates `(row, column)`.
    pub lesion_pixels: Vec<Vec<(usize, usize)>>,
    /// Unlabelled hot spots.
    pub confounders: Vec<Confounder>,
}

impl SyntheticPatient {
    /// Landmark rows of the anterior view, from the anatomy (for [`Realism`](crate::Realism)).
    pub fn landmarks(&self) -> crate::realism::Landmarks {
        let frame = Frame::new(self.body.clone());
        let at = |v: f32| frame.project(0.0, v, 0.5);
        let row = |v: f32| at(v).1.round().max(0.0) as usize;
        crate::realism::Landmarks {
            head: (row(0.015), row(0.065)),
            chest: row(0.236),
            abdomen: row(0.37),
            l3: row(0.4075),
            thigh: row(0.606),
            bladder: row(0.486),
            midline: f64::from(at(0.236).0),
        }
    }

    /// The merged raw image: anterior in columns 0–255, posterior in 256–511 (`1024 × 512`).
    pub fn merged_counts(&self) -> Array2<u16> {
        let mut out = Array2::zeros((VIEW_ROWS, 2 * VIEW_COLS));
        out.slice_mut(s![.., ..VIEW_COLS]).assign(&self.anterior);
        out.slice_mut(s![.., VIEW_COLS..]).assign(&self.posterior);
        out
    }

    /// The exact metastasis mask in merged coordinates (`true` = class M), `1024 × 512`.
    pub fn lesion_mask(&self) -> Array2<bool> {
        let mut m = Array2::from_elem((VIEW_ROWS, 2 * VIEW_COLS), false);
        for &(r, c) in self.lesion_pixels.iter().flatten() {
            m[(r, c)] = true;
        }
        m
    }

    /// Sites of the labelled lesions, in lesion order.
    pub fn lesion_sites(&self) -> Vec<Site> {
        self.lesions.iter().map(|l| l.site).collect()
    }
}

/// Number of lesions wanted for a metastatic patient.
fn lesion_count<R: Rng>(rng: &mut R, cancer: Cancer, superscan: bool) -> usize {
    if superscan {
        return rng.random_range(28..46);
    }
    let (mean_extra, cap) = match cancer {
        Cancer::Breast => (3.0f64, 18),
        Cancer::Prostate => (5.5f64, 32),
    };
    // 1 + geometric: many patients with a few lesions, a long tail of widespread disease
    let p = 1.0 / (1.0 + mean_extra);
    let mut n = 1;
    while n < cap && !rng.random_bool(p) {
        n += 1;
    }
    n
}

/// PSF σ (px) of a structure `d` cm from the collimator, for the visibility estimate.
fn psf_sigma(d: f32) -> f32 {
    1.1 + 0.065 * d
}

/// Generates one patient of a cohort with seed `seed`.
pub fn generate_patient(seed: u64, spec: &PatientSpec, cfg: &PhantomConfig) -> SyntheticPatient {
    let mut rng = patient_rng(seed, spec.index, Stream::Anatomy);
    let cancer = Cancer::of(spec.group);
    let sex = match cancer {
        Cancer::Breast => Sex::Female,
        Cancer::Prostate => Sex::Male,
    };
    let body = BodyParams::sample(&mut rng, sex);
    let anatomy = Anatomy::build(Frame::new(body.clone()), &mut rng);
    let superscan = spec.group == Group::D3 && rng.random_bool(0.06);
    let conf = sample_confounders(&mut rng, &anatomy, cancer, superscan);
    let count_level = cfg.mean_counts * (cfg.count_level_sd * normal(&mut rng)).exp();

    // ---- normal skeleton, organs, confounders, soft tissue
    let mut layers = Layers::new();
    for bone in &anatomy.bones {
        let axial = !matches!(
            bone.site,
            Site::Forearm | Site::Hand | Site::Knee | Site::Tibia | Site::Foot
        );
        let gain = if superscan && axial { 2.3 } else { 1.0 };
        match (bone.head, conf.motion) {
            (true, Some((dx, dy, frac))) => {
                bone.prim.draw(&mut layers, gain * (1.0 - frac));
                bone.prim.shifted(dx, dy).draw(&mut layers, gain * frac);
            }
            _ => bone.prim.draw(&mut layers, gain),
        }
    }
    for kidney in &anatomy.kidneys {
        let mut k = *kidney;
        k.a = conf.kidney_level;
        k.draw(&mut layers, 1.0);
    }
    let mut bladder = anatomy.bladder;
    bladder.a = conf.bladder_level;
    bladder.ax *= conf.bladder_scale;
    bladder.ay *= conf.bladder_scale;
    bladder.y -= (conf.bladder_scale - 1.0) * bladder.ay * 0.6;
    bladder.draw(&mut layers, 1.0);
    for prim in &conf.prims {
        prim.draw(&mut layers, 1.0);
    }
    let soft = soft_tissue_buffer(
        &anatomy.soft,
        cfg.soft_tissue_density * body.soft_tissue,
        conf.motion,
    );
    let texture = soft_tissue_texture(&mut patient_rng(seed, spec.index, Stream::Texture));
    for (i, (&v, t)) in soft.iter().zip(texture).enumerate() {
        if v > 0.0 {
            layers.deposit_both(i, v * t);
        }
    }

    // counts per model unit, estimated from the lesion-free anterior activity (blurring keeps mass)
    let n_pix = (VIEW_ROWS * VIEW_COLS) as f32;
    let total_ap: f32 = (0..VIEW_ROWS * VIEW_COLS)
        .map(|i| layers.unblurred(Camera::Anterior, i))
        .sum();
    let k_est =
        ((count_level - cfg.background_counts).max(0.1) * n_pix / total_ap.max(1e-6)).max(1e-6);

    // ---- lesions: draw candidates, keep those an annotator would see in at least one view
    let mut lesions = Vec::new();
    let mut footprints = Vec::new();
    if spec.group.metastatic() {
        let wanted = lesion_count(&mut rng, cancer, superscan);
        let mut attempts = 0;
        while lesions.len() < wanted && attempts < wanted * 6 + 20 {
            attempts += 1;
            let mut lesion = sample_lesion(&mut rng, &anatomy, cancer, superscan);
            let fp = lesion.footprint();
            if fp.len() < 3 {
                continue;
            }
            let r_eq = (fp.len() as f32 / std::f32::consts::PI).sqrt();
            let weight_sum: f32 =
                lesion.excess * fp.len() as f32 * if lesion.lytic { 0.55 } else { 0.85 };
            for (v, cam) in [Camera::Anterior, Camera::Posterior]
                .into_iter()
                .enumerate()
            {
                let d = if v == 0 {
                    lesion.depth_anterior_cm
                } else {
                    lesion.depth_posterior_cm
                };
                let sigma = psf_sigma(d);
                let kept = (r_eq / (r_eq + sigma)).powi(2);
                let excess = k_est * weight_sum * (-MU_PER_CM * d).exp() * kept;
                let background: f32 = fp.iter().map(|&i| layers.unblurred(cam, i)).sum::<f32>()
                    * k_est
                    + cfg.background_counts * fp.len() as f32;
                let snr = excess / background.max(1.0).sqrt();
                let contrast = (background + excess) / background.max(1e-3);
                lesion.snr[v] = snr;
                let visible = snr >= cfg.min_lesion_snr && contrast >= cfg.min_lesion_contrast;
                if v == 0 {
                    lesion.visible_anterior = visible;
                } else {
                    lesion.visible_posterior = visible;
                }
            }
            if lesion.visible_anterior || lesion.visible_posterior {
                lesion.draw(&mut layers, &fp);
                lesions.push(lesion);
                footprints.push(fp);
            }
        }
    }

    // ---- blur by depth, scale to counts, Poisson noise
    let [ap, pa] = layers.collapse();
    let total: f32 = ap.iter().sum();
    let k = (count_level - cfg.background_counts).max(0.1) * n_pix / total.max(1e-6);
    let mut noise = patient_rng(seed, spec.index, Stream::Noise);
    let mut to_counts = |expected: &[f32], mirror: bool| {
        let mut out = Array2::<u16>::zeros((VIEW_ROWS, VIEW_COLS));
        for r in 0..VIEW_ROWS {
            for c in 0..VIEW_COLS {
                let lambda =
                    f64::from(k * expected[r * VIEW_COLS + c].max(0.0) + cfg.background_counts);
                let col = if mirror { VIEW_COLS - 1 - c } else { c };
                out[(r, col)] = sample_poisson(&mut noise, lambda).min(u32::from(u16::MAX)) as u16;
            }
        }
        out
    };
    let anterior = to_counts(&ap, false);
    let posterior = to_counts(&pa, true);

    let lesion_pixels = lesions
        .iter()
        .zip(&footprints)
        .map(|(l, fp)| {
            let mut px = Vec::new();
            if l.visible_anterior {
                px.extend(fp.iter().map(|&i| (i / VIEW_COLS, i % VIEW_COLS)));
            }
            if l.visible_posterior {
                px.extend(fp.iter().map(|&i| {
                    let m = mirror_index(i);
                    (m / VIEW_COLS, VIEW_COLS + m % VIEW_COLS)
                }));
            }
            px
        })
        .collect();

    SyntheticPatient {
        patient_id: spec.patient_id.clone(),
        group: spec.group,
        cancer,
        sex,
        body,
        superscan,
        anterior,
        posterior,
        lesions,
        lesion_pixels,
        confounders: conf.records,
    }
}
